//! Fosniw, a Korean downloader/backdoor whose fallback host names are a
//! fixed pattern with a counter.
//!
//! There is no published write-up of the algorithm beyond Johannes Bader's
//! re-implementation in his DGA collection
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/fosniw>,
//! 2020). The malware fills the numbers 0 to 100 into a host-name pattern
//! taken from its configuration, e.g. `appx.koreasys{}.com` gives
//! `appx.koreasys0.com` to `appx.koreasys100.com`. The seed is that pattern,
//! with `{}` where the number goes; the names never change with time.
//!
//! Two patterns are known in public (`koreasys` and `winsoft`); the tests
//! compare against Bader's output lists for both.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The counter runs from 0 to this value, inclusive.
const LAST: u32 = 100;

/// The Fosniw family.
pub static FAMILY: Family = Family {
    name: "fosniw",
    aliases: &[],
    summary: "Fosniw downloader: a configured host-name pattern numbered 0 to 100",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "winsoft",
            value: "app2.winsoft{}.com",
            note: "Bader's DGA collection, fosniw/dga.py (2020)",
        },
        SeedInfo {
            name: "koreasys",
            value: "appx.koreasys{}.com",
            note: "Bader's DGA collection, fosniw/dga.py (2020)",
        },
    ],
    seed_form: "a host-name pattern with one {} where the number 0..100 goes, \
                e.g. app2.winsoft{}.com",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "101",
    tlds: &["com"],
    references: &["https://github.com/baderj/domain_generation_algorithms/tree/master/fosniw"],
    bind,
};

struct Fosniw {
    before: String,
    after: String,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let pattern = seed.trim().trim_end_matches('.').to_ascii_lowercase();
    let refuse = || SeedError::expected(FAMILY.seed_form);
    let (before, after) = pattern.split_once("{}").ok_or_else(refuse)?;
    let allowed = |part: &str| {
        part.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    if after.contains("{}") || !allowed(before) || !allowed(after) || !after.contains('.') {
        return Err(refuse());
    }
    Ok(Box::new(Fosniw {
        before: before.to_owned(),
        after: after.to_owned(),
    }))
}

impl Generator for Fosniw {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        out.extend((0..=LAST).map(|n| format!("{}{n}{}", self.before, self.after)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_koreasys_domains() {
        assert_names(
            &FAMILY,
            "appx.koreasys{}.com",
            None,
            &reference("fosniw/domains_koreasys.txt"),
        );
    }

    #[test]
    fn matches_bader_winsoft_domains() {
        assert_names(
            &FAMILY,
            "app2.winsoft{}.com",
            None,
            &reference("fosniw/domains_winsoft.txt"),
        );
    }

    #[test]
    fn refuses_patterns_without_one_placeholder_or_tld() {
        for bad in [
            "app2.winsoft.com",
            "a{}b{}.com",
            "app{}",
            "bad name{}.com",
            "",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

//! Verblecon, a polymorphic loader reported by Symantec in March 2022 and
//! used to drop cryptocurrency miners.
//!
//! The DGA was re-implemented by Johannes Bader
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/verblecon>):
//! once a day the malware hashes the date as `YYYY-MM-DD` followed by a seed
//! string with MD5 and uses the 32 lower-case hex digits as a `.tk` name. One
//! name per UTC day; the seed is the string `verble`, the only one known in
//! public. Any ASCII string is accepted as a seed.
//!
//! Reference output: one name from Bader's repository, made for 2022-07-14
//! (found by generating a range of dates; the file does not say).

use std::fmt::Write as _;

use chrono::NaiveDate;
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The Verblecon family.
pub static FAMILY: Family = Family {
    name: "verblecon",
    aliases: &[],
    summary: "Verblecon loader: MD5 of the date and a seed string, one .tk name a day",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "verble",
        value: "verble",
        note: "Bader's re-implementation (2022)",
    }],
    seed_form: "a non-empty printable ASCII string without spaces, e.g. verble",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1",
    tlds: &["tk"],
    references: &["https://github.com/baderj/domain_generation_algorithms/tree/master/verblecon"],
    bind,
};

struct Verblecon {
    seed: String,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    if seed.is_empty() || !seed.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    Ok(Box::new(Verblecon {
        seed: seed.to_owned(),
    }))
}

impl Generator for Verblecon {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let mut hasher = Md5::new();
        hasher.update(epoch.format("%Y-%m-%d").to_string());
        hasher.update(&self.seed);
        let digest = hasher.finalize();
        let mut name = String::with_capacity(35);
        for byte in digest {
            // Writing to a String cannot fail.
            let _ = write!(name, "{byte:02x}");
        }
        name.push_str(".tk");
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_of_2022_07_14() {
        assert_names(
            &FAMILY,
            "verble",
            Some("2022-07-14"),
            &reference("verblecon/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_empty_or_spaced_seeds() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("ver ble").is_err());
        assert!((FAMILY.bind)("verbl\u{e9}").is_err());
    }
}

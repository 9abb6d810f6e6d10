//! Pykspa (Pykse, Skyper, SkypeBot), a worm spreading over Skype: its
//! first, "precursor" DGA, seen from 2015.
//!
//! Described by Johannes Bader, "The Faulty Precursor of Pykspa's DGA"
//! (2015, <https://johannesbader.ch/2015/07/pykspas-inferior-dga-version/>).
//! The seed is the unix time divided by 172800, so a window lasts two days
//! (counted from 1970-01-01, UTC). The state is squared and offset by the
//! name's index for each of 5000 names (Bader found it behaves in ways the
//! authors probably did not intend, hence "faulty"). Each letter mixes the
//! state in a polynomial and the state is shifted right by a growing amount
//! per letter. There is no sample-specific seed.
//!
//! DGArchive calls this DGA `pykspa` and the later, "improved" one
//! `pykspa2` (its noise set `pykspa2s`); see those modules.
//!
//! Tested against Bader's example list (pinned to 2015-08-31).

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// Names per window.
const COUNT: u32 = 5000;

const TLDS: [&str; 6] = ["biz", "com", "net", "org", "info", "cc"];

/// The Pykspa precursor family.
pub static FAMILY: Family = Family {
    name: "pykspa",
    aliases: &["pykse", "skyper", "skypebot", "pykspa-precursor"],
    summary: "Pykspa Skype worm, precursor DGA: squared two-day counter, 5000 names",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the DGA has no sample seed; Bader's write-up (2015)",
    }],
    seed_form: "`default` (the DGA has no sample seed)",
    schedule: Schedule::Days { days: 2, anchor: 0 },
    lookback: 0,
    names_per_window: "5000 (many repeat)",
    tlds: &TLDS,
    references: &[
        "https://johannesbader.ch/2015/07/pykspas-inferior-dga-version/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/pykspa/precursor",
    ],
    bind,
};

struct Precursor;

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("default") {
        Ok(Box::new(Precursor))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

/// Appends the second-level label of `length` letters for state `r`.
fn push_label(name: &mut String, length: u32, mut r: u32) {
    let mut a = length * length;
    for i in 0..length {
        let x = i.wrapping_mul(r % 4567 + r % 19);
        let p = r.wrapping_mul((r % 5).wrapping_add(r % 123_456).wrapping_add(x));
        name.push(char::from(b'a' + (a.wrapping_add(p) % 26) as u8));
        r = r.wrapping_add(i) >> ((i * i) & 31);
        a = a.wrapping_add(length);
    }
}

impl Generator for Precursor {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // Unix time / 172800, as the 32-bit number the malware squares.
        let mut r = day_number(epoch).div_euclid(2) as u32;
        for index in 0..COUNT {
            r = r.wrapping_mul(r).wrapping_add(index);
            let length = r % 10 + 6;
            let tld = TLDS.get((r % 6) as usize).copied().unwrap_or_default();
            let mut name = String::with_capacity(length as usize + 1 + tld.len());
            push_label(&mut name, length, r);
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "default",
            Some("2015-08-31"),
            &reference("pykspa/example_domains.txt"),
        );
    }

    #[test]
    fn windows_last_two_days() {
        let first = names(&FAMILY, "default", Some("2015-08-31"));
        assert_eq!(first, names(&FAMILY, "default", Some("2015-09-01")));
        assert_ne!(first, names(&FAMILY, "default", Some("2015-09-02")));
    }

    #[test]
    fn refuses_bad_seeds() {
        assert!((FAMILY.bind)("8339").is_err());
        assert!((FAMILY.bind)("precursor!").is_err());
    }
}

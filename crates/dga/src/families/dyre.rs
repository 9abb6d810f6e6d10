//! Dyre (Dyreza), a banking trojan of 2014-2015 spread through Upatre,
//! whose later versions fell back on a DGA; Cisco Talos described it
//! ("Threat Spotlight: Dyre/Dyreza, an Analysis to Discover the DGA",
//! Alex Chiu and Angel Villegas, 2015,
//! <https://blog.talosintelligence.com/threat-spotlight-dyredyreza-analysis-to/>).
//!
//! Each day has 1,000 names. Name `i` is the SHA-256 of the date written
//! `YEAR-MONTH-DAY` without leading zeros followed by `i` in decimal (e.g.
//! `2015-2-7305`); the name is the letter `'a' + i % 26` followed by hex
//! digits 3 to 35 of the digest (33 of them), and the TLD is entry `i % 8`
//! of `cc, ws, to, in, hk, cn, tk, so`. Days are taken in UTC here.
//!
//! The malware has no seed parameter; the single configuration is named
//! `default`.
//!
//! Reference output: the six names of Akamai's "A Death Match of Domain
//! Generation Algorithms" (2017-12-29), which are numbers 305-310 of
//! 2017-10-24, and the 1,009 names in maltrail's `dyreza.txt`: the whole
//! list of 2015-02-07 and nine names of other days of February 2015.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: usize = 1000;

/// TLDs by `i % 8`.
const TLDS: [&str; 8] = ["cc", "ws", "to", "in", "hk", "cn", "tk", "so"];

/// The Dyre family.
pub static FAMILY: Family = Family {
    name: "dyre",
    aliases: &["dyreza"],
    summary: "Dyre banking trojan: SHA-256 of date and index, letter + 33 hex digits",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "Cisco Talos, 2015",
    }],
    seed_form: "default (Dyre has no seed parameter)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1000",
    tlds: &TLDS,
    references: &[
        "https://blog.talosintelligence.com/threat-spotlight-dyredyreza-analysis-to/",
        "https://blogs.akamai.com/2018/01/a-death-match-of-domain-generation-algorithms.html",
    ],
    bind,
};

struct Dyre;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(Dyre))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

impl Generator for Dyre {
    fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
        let date = format!("{}-{}-{}", day.year(), day.month(), day.day());
        let mut text = String::with_capacity(date.len() + 4);
        for i in 0..COUNT {
            text.clear();
            text.push_str(&date);
            let _ = write!(text, "{i}");
            let digest = Sha256::digest(text.as_bytes());
            let tld = TLDS[i % TLDS.len()];
            let mut name = String::with_capacity(35 + tld.len());
            name.push(char::from(b'a' + (i % 26) as u8));
            // Hex digits 3..36: the low nibble of byte 1, then bytes 2..18.
            let _ = write!(name, "{:x}", digest[1] & 0x0F);
            for byte in &digest[2..18] {
                let _ = write!(name, "{byte:02x}");
            }
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_akamai_examples_of_2017_10_24() {
        let expected = reference("dyre/akamai-2017.txt");
        assert_eq!(expected.len(), 6);
        let got = names(&FAMILY, "default", Some("2017-10-24"));
        assert_eq!(&got[305..311], &expected[..]);
    }

    #[test]
    fn maltrail_holds_the_whole_of_2015_02_07_and_nine_names_of_nearby_days() {
        let observed: std::collections::HashSet<String> =
            reference("dyre/maltrail.txt").into_iter().collect();
        assert_eq!(observed.len(), 1009);
        let day = names(&FAMILY, "default", Some("2015-02-07"));
        assert_eq!(day.len(), COUNT);
        assert!(day.iter().all(|n| observed.contains(n)));
        let mut others = 0;
        for d in 1..=28 {
            if d != 7 {
                let names = names(&FAMILY, "default", Some(&format!("2015-02-{d:02}")));
                others += names.iter().filter(|n| observed.contains(*n)).count();
            }
        }
        assert_eq!(others, 9);
    }

    #[test]
    fn refuses_any_seed_but_default() {
        assert!((FAMILY.bind)("2015").is_err());
    }
}

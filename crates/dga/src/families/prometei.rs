//! Prometei, a cryptomining botnet, in its version 3 of 2022-2023 whose DGA
//! Cisco Talos described ("Prometei botnet improves modules and exhibits new
//! capabilities in recent updates", March 2023,
//! <https://blog.talosintelligence.com/prometei-botnet-improves/>).
//!
//! Each day has 48 names: `xinchao` ("hello" in Vietnamese), the day and
//! the year modulo 100 as two digits each, written with letters (`0` is
//! `a`, `1` is `b`, ...), the month as one letter (`a` plus the month, so
//! December is `m`), and one letter `a` to `p`; each of these 16 names
//! under `.net`, `.org` and `.com`, in that order. E.g. 2023-03-01 gives
//! `xinchaoabcdda.net`. Days are taken in UTC here.
//!
//! The malware has no seed parameter; the single configuration is named
//! `default`.
//!
//! Reference output: Gi7w0rm's dated lists of March, April, May, August and
//! September 2023 (`Prometei_v3/` in github.com/Gi7w0rm/MalwareConfigLists,
//! days 1-30 of each month, 7,200 names, all reproduced in order when the
//! fixture was made; days 1, 15 and 30 are kept as the fixture) and
//! maltrail's names, among them two of other months (2022-12-19 and
//! 2025-03-12) that pin the month letter beyond September.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// TLDs, in the order each stem is tried.
const TLDS: [&str; 3] = ["net", "org", "com"];

/// Stems per day (last letters `a` to `p`).
const STEMS: u8 = 16;

/// The Prometei family.
pub static FAMILY: Family = Family {
    name: "prometei",
    aliases: &[],
    summary: "Prometei v3 miner botnet: xinchao + date spelt in letters, 48 names a day",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "version 3 (Cisco Talos, March 2023)",
    }],
    seed_form: "default (Prometei v3 has no seed parameter)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "48",
    tlds: &TLDS,
    references: &[
        "https://blog.talosintelligence.com/prometei-botnet-improves/",
        "https://github.com/Gi7w0rm/MalwareConfigLists/tree/main/Prometei_v3",
    ],
    bind,
};

struct Prometei;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(Prometei))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

/// The two decimal digits of `n` (below 100) as letters.
fn spelt(n: u32) -> [u8; 2] {
    [b'a' + (n / 10 % 10) as u8, b'a' + (n % 10) as u8]
}

impl Generator for Prometei {
    fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
        let mut stem = b"xinchao".to_vec();
        stem.extend(spelt(day.day()));
        stem.extend(spelt(day.year().rem_euclid(100) as u32));
        stem.push(b'a' + day.month() as u8);
        for last in b'a'..b'a' + STEMS {
            for tld in TLDS {
                let mut name = String::with_capacity(stem.len() + 2 + tld.len());
                name.extend(stem.iter().map(|&b| char::from(b)));
                name.push(char::from(last));
                name.push('.');
                name.push_str(tld);
                out.push(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    /// Checks `DAY NAME` lines: each day's names, in order, from the start
    /// of the generated list; returns the number of names checked.
    fn check(file: &str) -> usize {
        let lines = reference(file);
        let mut by_day = std::collections::BTreeMap::<&str, Vec<String>>::new();
        for line in &lines {
            let (day, name) = line.split_once(' ').expect("DAY NAME");
            by_day.entry(day).or_default().push(name.to_owned());
        }
        for (day, expected) in &by_day {
            let got = names(&FAMILY, "default", Some(day));
            let at = got.iter().position(|n| *n == expected[0]).expect(day);
            assert_eq!(&got[at..at + expected.len()], &expected[..], "{day}");
        }
        lines.len()
    }

    #[test]
    fn matches_gi7w0rm_lists_of_2023() {
        assert_eq!(check("prometei/gi7w0rm-2023.txt"), 720);
        // Whole days, from the first name.
        let got = names(&FAMILY, "default", Some("2023-03-01"));
        assert_eq!(got.len(), 48);
        assert_eq!(got[0], "xinchaoabcdda.net");
        assert_eq!(got[47], "xinchaoabcddp.com");
    }

    #[test]
    fn matches_maltrail_names_of_december_2022_and_march_2025() {
        // maltrail sorts names, so only membership is checked.
        let lines = reference("prometei/maltrail-outliers.txt");
        assert_eq!(lines.len(), 5);
        for line in &lines {
            let (day, name) = line.split_once(' ').expect("DAY NAME");
            assert!(
                names(&FAMILY, "default", Some(day)).contains(&name.to_owned()),
                "{line}"
            );
        }
    }

    #[test]
    fn refuses_any_seed_but_default() {
        assert!((FAMILY.bind)("v2").is_err());
    }
}

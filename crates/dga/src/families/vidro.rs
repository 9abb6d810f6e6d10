//! Vidro, a Windows malware family whose DGA 360 Netlab published in
//! December 2016 (sample MD5 c41a86e735944a6ec0b2268e89d02ae3;
//! <https://github.com/360netlab/DGA/issues/31>, re-implementation in
//! <https://github.com/360netlab/DGA/tree/master/code/vidro>).
//!
//! Names change once a week, at 08:53:20 UTC on Sundays: the malware counts
//! whole weeks since Unix time 1274000000 (2010-05-16 08:53:20 UTC), adds
//! 1005 and multiplies by 123456 to get a base. Name `i` seeds the C-library
//! style generator `x = 0x41C64E6D x + 12345 (mod 2^32)`, output `x >> 10`,
//! with `base + i mod 100`; the first output gives the length (`7 + r mod
//! 6`), the next ones the letters (`r mod 26`). TLDs rotate through
//! `dyndns.org`, `com` and `net` with `i mod 3`.
//!
//! A week's names are in use from its Sunday 08:53:20 UTC to the next
//! (`Schedule::Period`), so a Sunday sees the old week's names until
//! 08:53:20 and the new week's after.
//!
//! The malware has no seed parameter; the single configuration is named
//! `default`. The count per week follows 360 Netlab's example (100);
//! beyond 100 the generator would repeat second-level names under other
//! TLDs, and the malware's own count is not published.
//!
//! Reference output: 360 Netlab's 100 example names for the week holding
//! 2016-12-22.

use chrono::{DateTime, NaiveDate, Utc};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{midnight, Schedule};

/// Unix time at which week 0 starts: 2010-05-16 08:53:20 UTC, a Sunday.
const WEEK_ZERO: i64 = 0x4BEF_B280;

/// Seconds per week.
const WEEK: i64 = 604_800;

/// Names per week.
const COUNT: u32 = 100;

/// TLDs in the order they rotate.
const TLDS: [&str; 3] = ["dyndns.org", "com", "net"];

/// The Vidro family.
pub static FAMILY: Family = Family {
    name: "vidro",
    aliases: &[],
    summary: "Vidro: weekly names from a C rand()-style generator, dyndns.org/com/net",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "sample c41a86e735944a6ec0b2268e89d02ae3 (360 Netlab, 2016)",
    }],
    seed_form: "default (Vidro has no seed parameter)",
    schedule: Schedule::Period {
        seconds: WEEK,
        anchor: WEEK_ZERO,
    },
    lookback: 0,
    names_per_window: "100",
    tlds: &TLDS,
    references: &[
        "https://github.com/360netlab/DGA/issues/31",
        "https://github.com/360netlab/DGA/tree/master/code/vidro",
    ],
    bind,
};

struct Vidro;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(Vidro))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

/// The generator step; returns the new state and its output.
fn next(state: u32) -> (u32, u32) {
    let state = state.wrapping_mul(0x41C6_4E6D).wrapping_add(0x3039);
    (state, state >> 10)
}

impl Generator for Vidro {
    fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
        self.generate_at(midnight(day), out);
    }

    fn generate_at(&self, at: DateTime<Utc>, out: &mut Vec<String>) {
        let week = (at.timestamp() - WEEK_ZERO).div_euclid(WEEK);
        // The malware computes in 32 bits.
        let base = ((week + 0x3ed) as u32).wrapping_mul(0x1_E240);
        for i in 0..COUNT {
            let (mut state, r) = next(base.wrapping_add(i % 100));
            let length = r % 6 + 7;
            let tld = TLDS[(i % 3) as usize];
            let mut name = String::with_capacity(length as usize + 1 + tld.len());
            for _ in 0..length {
                let (s, r) = next(state);
                state = s;
                name.push(char::from(b'a' + (r % 26) as u8));
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
    use crate::families::testing::{assert_names, reference};
    use crate::generate::epochs;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn matches_360netlab_examples_of_2016_12_22() {
        let mut expected = reference("vidro/vidro_examples.txt");
        // The first line is the command that made the file.
        assert!(expected.remove(0).starts_with("$ python dga.py -n 100"));
        assert_names(&FAMILY, "default", Some("2016-12-22"), &expected);
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("test instant")
    }

    #[test]
    fn a_sunday_uses_both_the_ending_and_the_starting_week() {
        let generator = (FAMILY.bind)("default").expect("seed");
        let sunday = d("2016-12-18");
        let found = epochs(&FAMILY, generator.as_ref(), sunday, sunday).expect("range");
        let starts: Vec<DateTime<Utc>> = found.iter().map(|e| e.start).collect();
        assert_eq!(
            starts,
            vec![t("2016-12-11T08:53:20Z"), t("2016-12-18T08:53:20Z")]
        );
        let monday = d("2016-12-19");
        let found = epochs(&FAMILY, generator.as_ref(), monday, monday).expect("range");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].window.to, Some(t("2016-12-25T08:53:20Z")));
    }

    #[test]
    fn refuses_any_seed_but_default() {
        assert!((FAMILY.bind)("0x1e240").is_err());
        assert!((FAMILY.bind)("vidro").is_err());
    }
}

//! Tempedreve, a botnet malware reported by Anubis Networks; this is its
//! time-dependent DGA, whose days count from 2015-03-23.
//!
//! Re-implemented by Johannes Bader from sample MD5
//! a1310a8d9a6a51be4a6600a2be7ddab2, with the decompiled routines published
//! as images
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/tempedreve>).
//! Anubis Networks described a similar time-independent DGA ("Tempedreve
//! botnet report", <https://www.anubisnetworks.com/tempedreve-botnet-report>),
//! which is not implemented here for lack of its parameters.
//!
//! Each day since 2015-03-23 has one name. The day number since 1970-01-01
//! goes through a linear congruential step (1664525, 1013904223) to a
//! seed; the seed shuffles the alphabet and drives a second generator
//! (16843009, 65805) that picks 7 to 11 letters from the shuffled alphabet;
//! the seed's two low bits pick the TLD. There is no further seed.
//!
//! On each day the malware tries the name of that day, then of every
//! earlier day back to 2015-03-23, so a name stays in use from its own day
//! on, for good. Windows are single UTC days and each day's names are the
//! malware's whole list for that day; a name therefore recurs in every
//! day's list from its own day on, which is exactly the set of days on
//! which the malware generates it. Before 2015-03-23 there are no names.
//!
//! Limitation: the list grows by one name a day without end, so a day's
//! list is cut at the newest 36525 names (a century): from 2115-03-23 on,
//! the oldest names are left out rather than let a far-future request fill
//! memory.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// The Tempedreve family.
pub static FAMILY: Family = Family {
    name: "tempedreve",
    aliases: &[],
    summary: "Tempedreve: one name a day, every name since 2015-03-23 tried daily",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the only configuration: Bader (2017), sample a1310a8d...",
    }],
    seed_form: "default (the family has no seed beyond the date)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "one per day since 2015-03-23 (about 4000 in 2026)",
    tlds: &["com", "net", "org", "info"],
    references: &[
        "https://github.com/baderj/domain_generation_algorithms/tree/master/tempedreve",
        "https://www.anubisnetworks.com/tempedreve-botnet-report",
    ],
    bind,
};

/// Day number of 2015-03-23, the first day with a name.
const FIRST_DAY: i64 = 16_517;

/// The most names one day's list holds: a century of days.
const MAX_NAMES: i64 = 36_525;

const TLDS: [&str; 4] = ["com", "net", "org", "info"];

struct Tempedreve;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(Tempedreve))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

fn next(r: u32) -> u32 {
    r.wrapping_mul(16_843_009).wrapping_add(65_805)
}

/// The name of the day with number `day`.
fn name_of_day(day: i64) -> String {
    // The malware works on 32-bit values; the day number is truncated.
    let seed = (day as u32)
        .wrapping_mul(1_664_525)
        .wrapping_add(1_013_904_223);
    let mut letters: [u8; 26] = std::array::from_fn(|i| b'a' + i as u8);
    let mut r = seed;
    for j in 0..letters.len() {
        letters.swap(j, (r % 26) as usize);
        r = next(r);
    }
    let length = seed % 5 + 7;
    let tld = TLDS[(seed & 3) as usize];
    let mut name = String::with_capacity(length as usize + 1 + tld.len());
    let mut r = seed;
    for _ in 0..length {
        name.push(char::from(letters[(r % 26) as usize]));
        r = next(r);
    }
    name.push('.');
    name.push_str(tld);
    name
}

impl Generator for Tempedreve {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let today = day_number(epoch);
        let oldest = FIRST_DAY.max(today - MAX_NAMES + 1);
        if today >= oldest {
            out.reserve((today - oldest + 1) as usize);
            out.extend((oldest..=today).rev().map(name_of_day));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_of_2020_01_01() {
        assert_names(
            &FAMILY,
            "default",
            Some("2020-01-01"),
            &reference("tempedreve/example_domains.txt"),
        );
    }

    #[test]
    fn first_day_is_2015_03_23() {
        let first: NaiveDate = "2015-03-23".parse().expect("date");
        assert_eq!(day_number(first), FIRST_DAY);
        assert_eq!(names(&FAMILY, "default", Some("2015-03-23")).len(), 1);
        assert!(names(&FAMILY, "default", Some("2015-03-22")).is_empty());
    }

    #[test]
    fn far_future_lists_are_cut_at_a_century() {
        let list = names(&FAMILY, "default", Some("9999-12-31"));
        assert_eq!(list.len(), MAX_NAMES as usize);
        let day: NaiveDate = "9999-12-31".parse().expect("date");
        assert_eq!(list[0], name_of_day(day_number(day)));
    }

    #[test]
    fn refuses_a_seed() {
        assert!((FAMILY.bind)("42").is_err());
    }
}

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
//! Windows: on each day the malware tries the name of that day, then of
//! every earlier day back to 2015-03-23, so a name is in use from 00:00 UTC
//! of its own day on, for good. Epochs are UTC days; each day introduces
//! its one name and the names of every earlier day are tried too (lookback
//! [`crate::FOREVER`]), so a name is predicted once, with a window that
//! starts on its day and has no end. Before 2015-03-23 there are no names.
//! The malware's list for a day is the names of that day and every earlier
//! one, newest first.

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
    lookback: crate::FOREVER,
    names_per_window: "1 per day since 2015-03-23, tried for good",
    tlds: &["com", "net", "org", "info"],
    references: &[
        "https://github.com/baderj/domain_generation_algorithms/tree/master/tempedreve",
        "https://www.anubisnetworks.com/tempedreve-botnet-report",
    ],
    bind,
};

/// Day number of 2015-03-23, the first day with a name.
const FIRST_DAY: i64 = 16_517;

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
        let day = day_number(epoch);
        if day >= FIRST_DAY {
            out.push(name_of_day(day));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};
    use crate::generate::predict;
    use crate::schedule::{from_day_number, midnight, Window};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    /// The malware's whole list on `day`: the name of that day and of every
    /// earlier one back to 2015-03-23, newest first.
    fn tried_on(day: NaiveDate) -> Vec<String> {
        let mut out = Vec::new();
        for number in (FIRST_DAY..=day_number(day)).rev() {
            Tempedreve.generate(from_day_number(number), &mut out);
        }
        out
    }

    #[test]
    fn matches_bader_example_of_2020_01_01() {
        let expected = reference("tempedreve/example_domains.txt");
        assert_eq!(tried_on(d("2020-01-01")), expected);
        // The same list, from the predictions for that day.
        let mut predicted = Vec::new();
        predict(
            &FAMILY,
            &Tempedreve,
            d("2020-01-01"),
            d("2020-01-01"),
            |name, _| predicted.push(name.to_owned()),
        )
        .expect("range");
        predicted.reverse();
        assert_eq!(predicted, expected);
    }

    #[test]
    fn a_name_is_predicted_once_and_tried_for_good() {
        let mut found = Vec::new();
        predict(
            &FAMILY,
            &Tempedreve,
            d("2015-03-23"),
            d("2015-03-25"),
            |name, window| found.push((name.to_owned(), window)),
        )
        .expect("range");
        let day = |s: &str| {
            let window = Window {
                from: Some(midnight(d(s))),
                to: None,
            };
            (name_of_day(day_number(d(s))), window)
        };
        assert_eq!(
            found,
            vec![day("2015-03-23"), day("2015-03-24"), day("2015-03-25")]
        );
    }

    #[test]
    fn first_day_is_2015_03_23() {
        assert_eq!(day_number(d("2015-03-23")), FIRST_DAY);
        assert_eq!(names(&FAMILY, "default", Some("2015-03-23")).len(), 1);
        assert!(names(&FAMILY, "default", Some("2015-03-22")).is_empty());
    }

    #[test]
    fn a_day_introduces_only_its_own_name() {
        let list = names(&FAMILY, "default", Some("9999-12-31"));
        assert_eq!(list, vec![name_of_day(day_number(d("9999-12-31")))]);
    }

    #[test]
    fn refuses_a_seed() {
        assert!((FAMILY.bind)("42").is_err());
    }
}

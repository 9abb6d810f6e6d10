//! Conficker A (Downadup, Kido), the worm first seen in November 2008.
//!
//! Each UTC day (the malware takes the date from the `Date` headers of
//! popular web sites) it generates 250 names of 5 to 11 letters under five
//! gTLDs and tries them for updates. The generator is shared with
//! Conficker B and is described in [`super::conficker`]: a 64-bit state
//! seeded from the day's `FILETIME`, stepped by double-precision
//! arithmetic with `sin` and `ln`. A's TLD is the draw, taken as unsigned,
//! modulo 5.
//!
//! Described by Porras, Saidi and Yegneswaran, "An Analysis of Conficker's
//! Logic and Rendezvous Points" (SRI, 2009,
//! <http://mtc.sri.com/Conficker/>), and by Leder
//! and Werner, "Know Your Enemy: Containing Conficker" (Honeynet Project,
//! 2009, <https://net.cs.uni-bonn.de/wg/cs/applications/containing-conficker/>),
//! whose `downatool2` produced the reference lists.
//!
//! The seed is the variant's set of constants (A is the only known set).
//! One epoch is one UTC day with 250 names.
//!
//! Reference output: `downatool2` run for every day of 2020 and published by
//! Will Beninger (<https://github.com/Will-Beninger/ConfickerDGA>); this
//! implementation matches all 365 days there (the list lacks 2020-05-04).
//! Two days are kept as tests, one of them a day on which the x87 `fsin`
//! reduction changes a name. 360 Netlab's three example domains for
//! Conficker are the first names of 2016-03-14 (date found by search).

use chrono::NaiveDate;

use super::conficker::{names_ab, parse_constants, Constants, Random};
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: usize = 250;

/// The TLDs, indexed by the unsigned draw modulo 5.
const TLDS: [&str; 5] = ["com", "net", "org", "info", "biz"];

/// The Conficker A family.
pub static FAMILY: Family = Family {
    name: "conficker-a",
    aliases: &["conficker.a"],
    summary: "Conficker A worm: 250 names a day from a floating-point PRNG over 5 gTLDs",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "a",
        value: "0x463DA5676:0x58028E44000:0xB46A7637:0x64236735:0.737565675",
        note: "Conficker A samples (SRI 2009; Leder and Werner's downatool2)",
    }],
    seed_form: "five constants date_multiplier:date_divisor:date_addend:state_multiplier:draw_addend, \
                four in hex and one decimal, e.g. 0x463DA5676:0x58028E44000:0xB46A7637:0x64236735:0.737565675",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "250",
    tlds: &TLDS,
    references: &[
        "http://mtc.sri.com/Conficker/",
        "https://net.cs.uni-bonn.de/wg/cs/applications/containing-conficker/",
        "https://github.com/Will-Beninger/ConfickerDGA",
    ],
    bind,
};

struct ConfickerA {
    constants: Constants,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let constants = parse_constants(seed).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(ConfickerA { constants }))
}

fn tld(draw: i32) -> &'static str {
    TLDS[(draw as u32 % 5) as usize]
}

impl Generator for ConfickerA {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let mut random = Random::for_day(self.constants, epoch);
        names_ab(&mut random, COUNT, tld, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    const SEED: &str = "0x463DA5676:0x58028E44000:0xB46A7637:0x64236735:0.737565675";

    #[test]
    fn matches_downatool2_for_2020_01_01() {
        assert_names(
            &FAMILY,
            SEED,
            Some("2020-01-01"),
            &reference("conficker-a/downatool2_2020-01-01.txt"),
        );
    }

    #[test]
    fn fsin_reduction_with_66_bit_pi_matches_downatool2_for_2020_03_04() {
        assert_names(
            &FAMILY,
            SEED,
            Some("2020-03-04"),
            &reference("conficker-a/downatool2_2020-03-04.txt"),
        );
    }

    #[test]
    fn netlab_examples_are_the_first_names_of_2016_03_14() {
        let got = names(&FAMILY, SEED, Some("2016-03-14"));
        let expected = reference("conficker-a/netlab_examples.txt");
        // The portal lists only the day's first three names.
        assert_eq!(got[..expected.len()], expected[..]);
    }

    #[test]
    fn the_a_name_among_360_netlabs_november_2014_c_names_is_of_2014_11_23() {
        // test-data/conficker-c/README.md: the one `conficker` row of that
        // sample that C cannot make.
        assert!(names(&FAMILY, SEED, Some("2014-11-23")).contains(&"yudmmdq.net".to_string()));
        assert!(!names(&FAMILY, SEED, Some("2014-11-22")).contains(&"yudmmdq.net".to_string()));
    }

    #[test]
    fn the_default_seed_is_the_tested_one() {
        assert_eq!(FAMILY.default_seed().value, SEED);
    }

    #[test]
    fn refuses_malformed_constants() {
        for bad in ["", "a", "0x1:0x2", "0x1:0:0x3:0x4:0.5", "0x1:0x2:0x3:0x4:x"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }
}

//! Conficker B (Downadup.B, Kido), the variant seen from late December 2008.
//!
//! Like A it generates 250 names a day (UTC date taken from web sites'
//! `Date` headers) of 5 to 11 letters, with the generator described in
//! [`super::conficker`] but its own constants, and picks the TLD from the
//! low three bits of a draw among eight TLDs (B added `cc`, `cn` and `ws`).
//!
//! Described by Porras, Saidi and Yegneswaran (SRI, 2009,
//! <http://mtc.sri.com/Conficker/>) and by Leder and
//! Werner, "Know Your Enemy: Containing Conficker" (2009,
//! <https://net.cs.uni-bonn.de/wg/cs/applications/containing-conficker/>).
//!
//! The seed is the variant's set of constants (B is the only known set).
//! One epoch is one UTC day with 250 names.
//!
//! Reference outputs, which agree with each other and with this code:
//! - `downatool2` run for every day of 2020, published by Will Beninger
//!   (<https://github.com/Will-Beninger/ConfickerDGA>); all 366 days match,
//!   two are kept as tests (one where the x87 `fsin` reduction matters).
//! - andrewaeva's re-implementation (<https://github.com/andrewaeva/DGA>),
//!   which ran the generator on for 100,000 names from the date it was run,
//!   2014-11-21 (found by generating a range of dates; not recorded there).
//!   Its first 250 names are that day's list; `conficker_1000.txt` is a
//!   random sample (drawn with replacement) of the 100,000, so it is checked
//!   name by name against them rather than in order.

use chrono::NaiveDate;

use super::conficker::{names_ab, parse_constants, Constants, Random};
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: usize = 250;

/// The TLDs, indexed by the low three bits of a draw.
const TLDS: [&str; 8] = ["cc", "cn", "ws", "com", "net", "org", "info", "biz"];

/// The Conficker B family.
pub static FAMILY: Family = Family {
    name: "conficker-b",
    aliases: &["conficker.b"],
    summary: "Conficker B worm: 250 names a day from a floating-point PRNG over 8 TLDs",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "b",
        value: "0x352C94565:0x58028E44000:0xA3596526:0x53125624:0.626454564",
        note: "Conficker B samples (SRI 2009; Leder and Werner's downatool2; andrewaeva)",
    }],
    seed_form: "five constants date_multiplier:date_divisor:date_addend:state_multiplier:draw_addend, \
                four in hex and one decimal, e.g. 0x352C94565:0x58028E44000:0xA3596526:0x53125624:0.626454564",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "250",
    tlds: &TLDS,
    references: &[
        "http://mtc.sri.com/Conficker/",
        "https://net.cs.uni-bonn.de/wg/cs/applications/containing-conficker/",
        "https://github.com/Will-Beninger/ConfickerDGA",
        "https://github.com/andrewaeva/DGA",
    ],
    bind,
};

struct ConfickerB {
    constants: Constants,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let constants = parse_constants(seed).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(ConfickerB { constants }))
}

fn tld(draw: i32) -> &'static str {
    TLDS[(draw & 7) as usize]
}

impl ConfickerB {
    /// The first `count` names of `day`; the malware stops at 250.
    fn names(&self, day: NaiveDate, count: usize, out: &mut Vec<String>) {
        let mut random = Random::for_day(self.constants, day);
        names_ab(&mut random, count, tld, out);
    }
}

impl Generator for ConfickerB {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        self.names(epoch, COUNT, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    const SEED: &str = "0x352C94565:0x58028E44000:0xA3596526:0x53125624:0.626454564";

    #[test]
    fn matches_downatool2_for_2020_01_01() {
        assert_names(
            &FAMILY,
            SEED,
            Some("2020-01-01"),
            &reference("conficker-b/downatool2_2020-01-01.txt"),
        );
    }

    #[test]
    fn fsin_reduction_with_66_bit_pi_matches_downatool2_for_2020_01_19() {
        assert_names(
            &FAMILY,
            SEED,
            Some("2020-01-19"),
            &reference("conficker-b/downatool2_2020-01-19.txt"),
        );
    }

    #[test]
    fn matches_andrewaeva_for_2014_11_21() {
        assert_names(
            &FAMILY,
            SEED,
            Some("2014-11-21"),
            &reference("conficker-b/andrewaeva_2014-11-21.txt"),
        );
    }

    #[test]
    fn andrewaeva_sample_is_drawn_from_100000_names_of_2014_11_21() {
        let constants = parse_constants(SEED).expect("seed");
        let mut names = Vec::new();
        ConfickerB { constants }.names("2014-11-21".parse().expect("date"), 100_000, &mut names);
        let names: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
        let sample = reference("conficker-b/conficker_1000.txt");
        assert_eq!(sample.len(), 1000);
        for name in &sample {
            assert!(names.contains(name.as_str()), "{name} not generated");
        }
    }

    #[test]
    fn the_default_seed_is_the_tested_one() {
        assert_eq!(FAMILY.default_seed().value, SEED);
    }

    #[test]
    fn refuses_malformed_constants() {
        for bad in [
            "",
            "b",
            "0x1:0x2",
            "0x1:0:0x3:0x4:0.5",
            "0x1:0x2:0x3:0x4:inf",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }
}

//! CoreBot, a credential-stealing and banking trojan first reported by IBM
//! X-Force in 2015.
//!
//! Described by Johannes Bader, "The DGA of CoreBot" (2015,
//! <https://johannesbader.ch/2015/09/the-dga-of-corebot/>). The seed is a
//! 32-bit number hard-coded in the sample (0x1DB98930 in the sample of the
//! write-up; other samples carry others). The malware adds the year, the
//! constant 0x10000, the month times 256 and the day of month to it and runs
//! a linear congruential generator (Numerical Recipes' 1664525, 1013904223)
//! from there: one step picks a length of 12 to 23, then one step per
//! character picks from `a`-`y` and `0`-`8` (the malware's charset misses
//! `z` and `9` through an off-by-one). It makes 40 names a day under
//! `ddns.net`; a window is one UTC day. Because year and day are added, the
//! names of a day recur on the day before in the next year.
//!
//! The sample Bader analysed turned out to be a debugging build that always
//! uses day 8; its names for a month are the regular names of the 8th of
//! that month, which is how the reference list is tested: Bader's list
//! (the write-up's examples) matches seed 0x1DB98930 on 2015-09-08.

use chrono::{Datelike, NaiveDate};

use super::seed_text::parse_hex_u32;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: usize = 40;

/// The malware's charset: `a` to `y` and `0` to `8`.
const CHARSET: &[u8; 34] = b"abcdefghijklmnopqrstuvwxy012345678";

/// The CoreBot family.
pub static FAMILY: Family = Family {
    name: "corebot",
    aliases: &[],
    summary: "CoreBot banking trojan: 40 daily LCG names under ddns.net",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "1db98930",
            value: "0x1DB98930",
            note: "sample of Bader's write-up (2015), a debugging build",
        },
        SeedInfo {
            name: "1dba8930",
            value: "0x1DBA8930",
            note: "default seed of Bader's re-implementation, from a later sample (2015)",
        },
    ],
    seed_form: "a 32-bit hex number hard-coded in the sample, e.g. 0x1DB98930",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "40",
    tlds: &["ddns.net"],
    references: &["https://johannesbader.ch/2015/09/the-dga-of-corebot/"],
    bind,
};

struct CoreBot {
    seed: u32,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed =
        parse_hex_u32(raw, usize::MAX).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(CoreBot { seed }))
}

fn step(state: u32) -> u32 {
    state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223)
}

impl Generator for CoreBot {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // Years before 0 wrap like the rest of the 32-bit arithmetic.
        let year = epoch.year() as u32;
        let mut state = self
            .seed
            .wrapping_add(year)
            .wrapping_add(0x1_0000 + (epoch.month() << 8) + epoch.day());
        for _ in 0..COUNT {
            state = step(state);
            let length = 12 + (state % 12) as usize;
            let mut name = String::with_capacity(length + 9);
            for _ in 0..length {
                state = step(state);
                name.push(char::from(CHARSET[(state % 34) as usize]));
            }
            name.push_str(".ddns.net");
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains_for_1db98930_on_2015_09_08() {
        // The list does not record its date; the debugging build behind it
        // always uses day 8, and September 2015 is when it was analysed.
        assert_names(
            &FAMILY,
            "0x1DB98930",
            Some("2015-09-08"),
            &reference("corebot/example_domains.txt"),
        );
    }

    #[test]
    fn a_day_repeats_the_day_before_a_year_later() {
        let seed = "0x1DBA8930";
        assert_eq!(
            crate::families::testing::names(&FAMILY, seed, Some("2015-09-08")),
            crate::families::testing::names(&FAMILY, seed, Some("2016-09-07")),
        );
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "seed", "0x11DB98930", "+1", "-1"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

//! MyDoom (Novarg, Mimail.R, Shimgapi), the mass-mailing worm of 2004, in
//! the variant with a daily domain generation algorithm.
//!
//! The algorithm is known from Johannes Bader's re-implementation
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/mydoom>,
//! 2019); no write-up was published with it. A linear congruential
//! generator (multiplier 1664525, increment 1013904223, 32 bits) is seeded
//! with year + month + day + a magic number. Each output's ten decimal
//! digits, least significant first, index the letters `asnhreqwpm`; the
//! first digit also picks the TLD (`com biz us net org ws info` for 0..6,
//! `in` otherwise). Before the 51st name the generator is re-seeded with the
//! magic number alone, so names 51..99 are the same every day.
//!
//! The seed is the magic number in hex (0xfa8 is the only one known). Bader's
//! implementation makes 99 names a day (its default count of 100, counted
//! from 1). Windows: names 1..50 are in use for one UTC day; names 51..99
//! are reported once, with an unbounded window
//! ([`Generator::static_names`]). Dates with equal year + month + day
//! (2019-03-19 and 2019-04-18, say) share names 1..50; such dates are at
//! least 27 days apart, so each gives its own one-day window. The test
//! rebuilds the day's full list and compares it with his example list, whose
//! date was not recorded and is pinned to the day it was committed,
//! 2019-04-18.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: u32 = 99;

/// The name number (counted from 1) before which the generator is re-seeded
/// with the magic number alone.
const RESEED_AT: u32 = 0x33;

/// Letters indexed by the decimal digits of each random number.
const LETTERS: &[u8; 10] = b"asnhreqwpm";

/// TLDs for a first digit of 0..6; any other digit gives [`OTHER_TLD`].
const TLDS: [&str; 7] = [".com", ".biz", ".us", ".net", ".org", ".ws", ".info"];

/// TLD for a first digit of 7, 8 or 9.
const OTHER_TLD: &str = ".in";

/// The MyDoom family.
pub static FAMILY: Family = Family {
    name: "mydoom",
    aliases: &["novarg", "mimail.r", "shimgapi"],
    summary: "MyDoom worm: 99 daily names spelled from the decimal digits of an LCG, 49 of them the same every day",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "0xfa8",
        value: "0xfa8",
        note: "Bader's DGA collection, mydoom/dga.py (2019)",
    }],
    seed_form: "the sample's 32-bit magic number in hex, e.g. 0xfa8",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "50 a day, plus 49 every day",
    tlds: &["com", "biz", "us", "net", "org", "ws", "info", "in"],
    references: &["https://github.com/baderj/domain_generation_algorithms/tree/master/mydoom"],
    bind,
};

struct Mydoom {
    magic: u32,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().to_ascii_lowercase();
    let digits = seed.strip_prefix("0x").unwrap_or(&seed);
    let magic =
        u32::from_str_radix(digits, 16).map_err(|_| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(Mydoom { magic }))
}

fn step(state: u32) -> u32 {
    state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223)
}

/// Appends the names numbered `numbers` that the generator, in `state`
/// before name `numbers.start()`, makes.
fn spell(mut state: u32, numbers: std::ops::RangeInclusive<u32>, out: &mut Vec<String>) {
    for _ in numbers {
        state = step(state);
        let mut value = state;
        let mut name = String::with_capacity(15);
        for _ in 0..10 {
            name.push(char::from(LETTERS[(value % 10) as usize]));
            value /= 10;
        }
        let first_digit = (state % 10) as usize;
        name.push_str(TLDS.get(first_digit).copied().unwrap_or(OTHER_TLD));
        out.push(name);
    }
}

impl Generator for Mydoom {
    /// Names 1..50, the ones that depend on the date.
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // The malware adds the plain numbers; year, month and day are small
        // and positive for every date it can see.
        let date_sum = (epoch.year() as u32)
            .wrapping_add(epoch.month())
            .wrapping_add(epoch.day());
        spell(date_sum.wrapping_add(self.magic), 1..=RESEED_AT - 1, out);
    }

    /// Names 51..99: the generator is re-seeded with the magic number alone
    /// before them, so every day lists the same ones.
    fn static_names(&self, out: &mut Vec<String>) {
        spell(self.magic, RESEED_AT..=COUNT, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_bader_example_domains_on_pinned_date() {
        // The malware's list of the day: its dated names, then the ones
        // every day shares.
        let generator = (FAMILY.bind)("0xfa8").expect("seed");
        let mut names = Vec::new();
        generator.generate("2019-04-18".parse().expect("date"), &mut names);
        generator.static_names(&mut names);
        assert_eq!(names, reference("mydoom/example_domains.txt"));
    }

    #[test]
    fn dated_names_change_daily_and_shared_names_do_not_repeat_them() {
        let dated = names(&FAMILY, "0xfa8", Some("2019-04-18"));
        assert_eq!(dated.len(), 50);
        assert!(names(&FAMILY, "0xfa8", Some("2019-04-19"))
            .iter()
            .all(|n| !dated.contains(n)));
        let generator = (FAMILY.bind)("0xfa8").expect("seed");
        let mut shared = Vec::new();
        generator.static_names(&mut shared);
        assert_eq!(shared.len(), 49);
        assert!(shared.iter().all(|n| !dated.contains(n)));
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "0x100000000", "fa8g"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

//! Bumblebee, a malware loader first reported in 2022.
//!
//! Johannes Bader re-implemented its DGA in 2023
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/bumblebee>);
//! his list links no write-up for it. The seed is an eight-character magic
//! string from the sample's configuration (`TEST_SEE` in Bader's
//! re-implementation), read as a little-endian 64-bit number. The static DGA
//! adds a fixed stand-in for a time (second 32, month 13, year 1899) to it
//! and then, for each character, steps a 64-bit linear congruential generator
//! (1664525, 1013904223) followed by 32 rounds of a shift register with
//! feedback 0xF5000000; the state modulo 36 picks from `a`-`z0`-`9`. It makes
//! 100 names of 11 characters under `.life`, whatever the date, so a window
//! is unlimited.
//!
//! Limitation: Bader's code also has a time-dependent mode that seeds with
//! the second, month and year of the run time; with no description or
//! reference output for it, it is not implemented here. Tested against
//! Bader's list for `TEST_SEE`.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed.
const COUNT: usize = 100;

/// Characters per name.
const LENGTH: usize = 11;

/// Characters of the second-level label.
const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// What the static DGA adds to the magic in place of a time: second 32 in
/// the low byte, month 13 plus 256 above it, and the year 1899.
const STATIC_TIME: u64 = (32 | ((13 + 256) << 8)) + 1899;

/// The Bumblebee family.
pub static FAMILY: Family = Family {
    name: "bumblebee",
    aliases: &[],
    summary: "Bumblebee loader: 100 static names from an LCG and shift register",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[SeedInfo {
        name: "test_see",
        value: "TEST_SEE",
        note: "magic of Bader's re-implementation (2023)",
    }],
    seed_form: "a magic string of 1 to 8 printable ASCII characters, e.g. TEST_SEE",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "100",
    tlds: &["life"],
    references: &["https://github.com/baderj/domain_generation_algorithms/tree/master/bumblebee"],
    bind,
};

struct Bumblebee {
    seed: u64,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let printable = raw.bytes().all(|b| (b' '..=b'~').contains(&b));
    if raw.is_empty() || raw.len() > 8 || !printable {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    let magic = raw
        .bytes()
        .rev()
        .fold(0u64, |value, byte| value << 8 | u64::from(byte));
    Ok(Box::new(Bumblebee {
        seed: magic.wrapping_add(STATIC_TIME),
    }))
}

fn next(state: u64) -> u64 {
    let mut state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
    for _ in 0..32 {
        state = if state & 1 == 1 {
            (state >> 1) ^ 0xF500_0000
        } else {
            state >> 1
        };
    }
    state
}

impl Generator for Bumblebee {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut state = self.seed;
        for _ in 0..COUNT {
            let mut name = String::with_capacity(LENGTH + 5);
            for _ in 0..LENGTH {
                state = next(state);
                name.push(char::from(ALPHABET[(state % 36) as usize]));
            }
            name.push_str(".life");
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains_for_test_see() {
        assert_names(
            &FAMILY,
            "TEST_SEE",
            None,
            &reference("bumblebee/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_empty_long_and_non_ascii_magic() {
        for bad in ["", "TEST_SEED", "TÉST", "a\tb"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

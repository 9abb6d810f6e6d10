//! MLTBackdoor, whose DGA Zscaler ThreatLabz published in 2026 with a
//! script and a month and a half of names (github.com/ThreatLabz/tools
//! `mltbackdoor/`).
//!
//! One name a day: the date as the decimal number `YYYYMMDD` goes through
//! one step of the linear congruential generator `x * 0x19660D +
//! 0x3C6EF35F` (mod 2^32, Numerical Recipes' constants); then, eleven
//! times, the state's upper 16 bits modulo 36 pick a character (`a`-`z`,
//! then `0`-`9`) and the generator steps again. The TLD is always `.com`.
//! Days are taken in UTC here.
//!
//! The malware has no seed parameter; the single configuration is named
//! `default`.
//!
//! Reference output: ThreatLabz's `dga_domains.txt` (2026-06-09 to
//! 2026-07-31, 53 names), all reproduced.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Multiplier and increment of the generator.
const MULTIPLIER: u32 = 0x0019_660D;
const INCREMENT: u32 = 0x3C6E_F35F;

/// Characters per name.
const LENGTH: usize = 11;

/// The MLTBackdoor family.
pub static FAMILY: Family = Family {
    name: "mltbackdoor",
    aliases: &[],
    summary: "MLTBackdoor: an LCG seeded with YYYYMMDD spells 11 letters/digits, one .com a day",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "Zscaler ThreatLabz's script and names (2026)",
    }],
    seed_form: "default (MLTBackdoor has no seed parameter)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1",
    tlds: &["com"],
    references: &["https://github.com/ThreatLabz/tools/tree/main/mltbackdoor"],
    bind,
};

struct MltBackdoor;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(MltBackdoor))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

fn step(state: u32) -> u32 {
    state.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT)
}

impl Generator for MltBackdoor {
    fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
        // Years before 0 do not occur; the wrapping cast keeps it total.
        let number = (day.year() as u32)
            .wrapping_mul(10_000)
            .wrapping_add(day.month() * 100 + day.day());
        let mut state = step(number);
        let mut name = String::with_capacity(LENGTH + 4);
        for _ in 0..LENGTH {
            let index = ((state >> 16) % 36) as u8;
            name.push(char::from(if index < 26 {
                b'a' + index
            } else {
                b'0' + index - 26
            }));
            state = step(state);
        }
        name.push_str(".com");
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_threatlabz_names_of_june_and_july_2026() {
        let lines = reference("mltbackdoor/dga_domains.txt");
        assert_eq!(lines.len(), 53);
        for line in &lines {
            let (day, name) = line.split_once(' ').expect("DAY  NAME");
            assert_eq!(
                names(&FAMILY, "default", Some(day)),
                vec![name.trim().to_owned()],
                "{day}"
            );
        }
    }

    #[test]
    fn refuses_any_seed_but_default() {
        assert!((FAMILY.bind)("1").is_err());
    }
}

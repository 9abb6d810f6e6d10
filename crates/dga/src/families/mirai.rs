//! Mirai, the IoT botnet, in the variants spread over TCP ports 7547 and
//! 5555 from late November 2016 that carry a fallback DGA.
//!
//! 360 Netlab found the DGA ("Now Mirai Has DGA Feature Built in",
//! 2016-12-09, <https://blog.netlab.360.com/new-mirai-variant-with-dga/>,
//! sample MD5 bf136fb3b350a96fd1003b8557bb758a) and later a second seed from
//! passive DNS ("New Mirai DGA Seed 0x91 Brute Forced",
//! <https://blog.netlab.360.com/new-mirai-dga-seed-0x91-brute-forced/>).
//! GovCERT.ch transcribed the MIPS loop ("When Mirai meets Ranbyus",
//! 2016-12-15, <https://www.govcert.admin.ch/blog/when-mirai-meets-ranbyus/>)
//! and showed it is the scrambler of Ranbyus's May 2015 DGA: day, month,
//! year and a 32-bit seed are each mixed by shifts and xors once per letter,
//! and each letter is `(day ^ month ^ year) % 25` (so `a` to `y`). Mirai
//! makes one name a day of 12 letters.
//!
//! The scrambler drops bit 0 of the month and the low four bits of the
//! year, so February and March (April and May, ...) share their names, and
//! so do the years 2016 to 2031.
//!
//! TLD: seed 0 takes it from the day state after the twelfth letter: odd
//! gives `tech`, 2 modulo 4 `online`, 0 modulo 4 `support`. This rule is not
//! stated in the write-ups; it is the one rule on that state that all 18
//! observed names below follow. Seed 0x91 uses `online` only (360 Netlab).
//!
//! The seed is `HEX[:TLD]`: the 32-bit seed in hex and, for variants with a
//! single TLD, that TLD.
//!
//! Reference output: 18 names of seed 0 in maltrail's `elf_mirai.txt`
//! (from Cisco Umbrella's December 2016 post and @DGAFeedAlerts tweets of
//! 2019-2020), each reproduced on its day with its TLD. No name of seed
//! 0x91 has been published in text (360 Netlab's table is an image), so
//! that seed is checked only by the algorithm it shares with seed 0.

use chrono::{Datelike, NaiveDate};

use super::seed_text::parse_hex_u32;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Letters per name.
const LENGTH: usize = 12;

/// The TLDs of seed 0 by the low two bits of the final day state.
const TLD_BY_DAY_BITS: [&str; 4] = ["support", "tech", "online", "tech"];

/// The Mirai family.
pub static FAMILY: Family = Family {
    name: "mirai",
    aliases: &[],
    summary: "Mirai IoT botnet: Ranbyus-style scrambler, one 12-letter name a day",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "0",
            value: "0",
            note: "sample bf136fb3b350a96fd1003b8557bb758a (360 Netlab, December 2016)",
        },
        SeedInfo {
            name: "0x91",
            value: "0x91:online",
            note: "brute-forced from passive DNS by 360 Netlab (December 2016); \
                   no published names checked",
        },
    ],
    seed_form: "HEX[:TLD]: the 32-bit seed in hex, e.g. 0 or 0x91:online, and the single \
                TLD of variants that use one (without it, online/tech/support by the rule of \
                seed 0)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1",
    tlds: &["online", "tech", "support"],
    references: &[
        "https://blog.netlab.360.com/new-mirai-variant-with-dga/",
        "https://blog.netlab.360.com/new-mirai-dga-seed-0x91-brute-forced/",
        "https://www.govcert.admin.ch/blog/when-mirai-meets-ranbyus/",
        "https://umbrella.cisco.com/blog/query-volumes-mirai-dgas",
    ],
    bind,
};

struct Mirai {
    seed: u32,
    /// The one TLD of the variant, or `None` for the rule of seed 0.
    tld: Option<String>,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let (seed, tld) = match raw.trim().split_once(':') {
        Some((seed, tld)) => (seed, Some(tld)),
        None => (raw, None),
    };
    let seed = parse_hex_u32(seed, 8).ok_or_else(bad)?;
    let tld = match tld {
        None => None,
        Some(tld) => {
            let tld = tld.trim().trim_start_matches('.').to_ascii_lowercase();
            if tld.is_empty() || !tld.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(bad());
            }
            Some(tld)
        }
    };
    Ok(Box::new(Mirai { seed, tld }))
}

impl Generator for Mirai {
    fn generate(&self, date: NaiveDate, out: &mut Vec<String>) {
        // Dates before year 0 are meaningless here but must not panic.
        let (mut day, mut month, mut year) = (date.day(), date.month(), date.year() as u32);
        let mut seed = self.seed;
        let mut name = String::with_capacity(LENGTH + 8);
        for _ in 0..LENGTH {
            day = (day >> 15) ^ ((day & 0x1FFF) ^ (seed ^ day).wrapping_mul(4)).wrapping_mul(16);
            year = ((year & 0xFFFF_FFF0) << 17) ^ ((year ^ year.wrapping_mul(7)) >> 11);
            month = (month & 0xFFFF_FFFE).wrapping_mul(14) ^ ((month ^ month.wrapping_mul(4)) >> 8);
            seed = (seed >> 6) ^ ((day.wrapping_add(seed.wrapping_mul(8)) << 8) & 0x03FF_FF00);
            name.push(char::from(b'a' + ((day ^ month ^ year) % 25) as u8));
        }
        name.push('.');
        name.push_str(
            self.tld
                .as_deref()
                .unwrap_or(TLD_BY_DAY_BITS[(day & 3) as usize]),
        );
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_the_18_observed_names_of_seed_0() {
        let observed = reference("mirai/observed.txt");
        assert_eq!(observed.len(), 18);
        for line in &observed {
            let (day, name) = line.split_once(' ').expect("DAY NAME");
            assert_eq!(names(&FAMILY, "0", Some(day)), [name.to_owned()], "{day}");
        }
    }

    #[test]
    fn seed_0x91_uses_online_only_and_other_letters() {
        for day in ["2016-12-10", "2016-12-11", "2016-12-12", "2016-12-13"] {
            let zero = names(&FAMILY, "0", Some(day));
            let other = names(&FAMILY, "0x91:online", Some(day));
            assert!(other[0].ends_with(".online"), "{other:?}");
            assert_ne!(zero[0].split('.').next(), other[0].split('.').next());
        }
    }

    #[test]
    fn february_and_march_share_their_names() {
        assert_eq!(
            names(&FAMILY, "0", Some("2020-02-05")),
            names(&FAMILY, "0", Some("2020-03-05"))
        );
    }

    #[test]
    fn every_listed_seed_binds() {
        for seed in FAMILY.seeds {
            assert!((FAMILY.bind)(seed.value).is_ok(), "{}", seed.name);
        }
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in ["", "xyz", "123456789", "0x91:", "0x91:on line", "-1"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

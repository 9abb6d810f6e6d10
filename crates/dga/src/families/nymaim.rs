//! Nymaim, a downloader (ransomware, click fraud) seen from 2013: its first,
//! arithmetic DGA, used until the 2018 rewrite implemented in `nymaim2`.
//!
//! The algorithm follows Johannes Bader's re-implementation
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/nymaim>,
//! 2015). A date value `year + ((month + day) << 16) + weekday` (weekday
//! counted from Sunday = 0) is added to four 32-bit constants, which seed a
//! xorshift128-like generator (its state words are summed rather than
//! shifted along). Each name takes 6 to 11 letters and one of five TLDs
//! chosen by its second-to-last letter. The seed is those four constants
//! (the ASCII of "REVA", "IHOL", "YUH " and "MAV "), written as four hex
//! words; only one set is known in public. Bader's re-implementation sets
//! the second word to zero when its addition overflows 32 bits, and so does
//! this one (with the known constants that never happens for real dates).
//!
//! A window lasts one UTC day. Because the date enters only as
//! `year + (month + day) * 65536 + weekday`, different days of one year can
//! yield the same names (2019-07-19 and 2019-01-25, say); each such day is
//! then a separate window of the same name.
//!
//! Names per day: 128, the count of Bader's re-implementation; the count the
//! malware itself uses is not published. Reference output: Bader's
//! `example_domains.txt`, whose date is not recorded; it matches
//! 2019-07-19 (the day Bader committed the file), pinned in the test.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: usize = 128;

/// The Nymaim family (first DGA).
pub static FAMILY: Family = Family {
    name: "nymaim",
    aliases: &[],
    summary: "Nymaim downloader, first DGA: xorshift-like generator seeded by the date",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "reva",
        value: "52455641:49484f4c:59554820:4d415620",
        note: "Bader's re-implementation (2015)",
    }],
    seed_form: "four 32-bit hex words separated by colons, e.g. \
                52455641:49484f4c:59554820:4d415620",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "128",
    tlds: &["com", "org", "biz", "net", "info"],
    references: &["https://github.com/baderj/domain_generation_algorithms/tree/master/nymaim"],
    bind,
};

struct Nymaim {
    constants: [u32; 4],
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let mut constants = [0u32; 4];
    let mut words = seed.trim().split(':');
    for constant in &mut constants {
        let word = words.next().ok_or_else(bad)?.trim();
        let digits = word
            .strip_prefix("0x")
            .or_else(|| word.strip_prefix("0X"))
            .unwrap_or(word);
        if digits.is_empty() || digits.len() > 8 {
            return Err(bad());
        }
        *constant = u32::from_str_radix(digits, 16).map_err(|_| bad())?;
    }
    if words.next().is_some() {
        return Err(bad());
    }
    Ok(Box::new(Nymaim { constants }))
}

/// The malware's generator: four words of state, summed pairwise on each
/// step while the last word takes a xorshift of the first and last.
struct Random {
    state: [u32; 4],
}

impl Random {
    fn new(constants: [u32; 4], date: u32) -> Random {
        let [a, b, c, d] = constants;
        Random {
            state: [
                a.wrapping_add(date),
                b.checked_add(date).unwrap_or(0),
                c.wrapping_add(date),
                d.wrapping_add(date),
            ],
        }
    }

    fn below(&mut self, modulus: u32) -> u32 {
        let [a, b, c, d] = self.state;
        let t = a ^ (a << 11);
        let mixed = d ^ (d >> 19) ^ t ^ (t >> 8);
        self.state = [
            a.wrapping_add(b),
            b.wrapping_add(c),
            c.wrapping_add(d),
            mixed,
        ];
        (c.wrapping_add(mixed) / 100) % modulus
    }
}

fn tld(letter: u8) -> &'static str {
    match letter.wrapping_sub(b'a') {
        0..=8 => ".com",
        9..=12 => ".org",
        13..=16 => ".biz",
        17..=20 => ".net",
        _ => ".info",
    }
}

impl Generator for Nymaim {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // The year is at most 262143 in chrono, so this fits comfortably.
        let year = u32::try_from(epoch.year()).unwrap_or(0);
        let date = year
            .wrapping_add((epoch.month() + epoch.day()) << 16)
            .wrapping_add(epoch.weekday().num_days_from_sunday());
        let mut random = Random::new(self.constants, date);
        let mut label = Vec::with_capacity(11);
        for _ in 0..COUNT {
            label.clear();
            let length = random.below(6) + 6;
            for _ in 0..length {
                // below(26) < 26, so the letter stays in a..=z.
                label.push(b'a' + random.below(26) as u8);
            }
            let suffix = tld(label[label.len() - 2]);
            let mut name = String::with_capacity(label.len() + suffix.len());
            name.extend(label.iter().map(|&b| char::from(b)));
            name.push_str(suffix);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains_2019_07_19() {
        assert_names(
            &FAMILY,
            FAMILY.default_seed().value,
            Some("2019-07-19"),
            &reference("nymaim/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_malformed_constants() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("52455641:49484f4c:59554820").is_err());
        assert!((FAMILY.bind)("52455641:49484f4c:59554820:4d415620:1").is_err());
        assert!((FAMILY.bind)("52455641:49484f4c:59554820:xyz").is_err());
        assert!((FAMILY.bind)("152455641:49484f4c:59554820:4d415620").is_err());
        assert!((FAMILY.bind)("0x52455641:49484f4c:59554820:4d415620").is_ok());
    }
}

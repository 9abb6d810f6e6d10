//! Bigviktor, a botnet whose DGA 360 Netlab published in 2020.
//!
//! Each calendar month it hashes the text `"<Mon> <year> 00:00"` (English
//! month abbreviation, e.g. `Jul 2020 00:00`) with SHA-256 and takes the
//! first four digest bytes, big-endian, as the state of a 32-bit xorshift
//! generator (shifts 13, 17, 5). A name is, one draw each: with one chance
//! in five (a draw divisible by 5) a host prefix such as `www.` chosen by a
//! further draw, then a verb, an optional hyphen (draw mod 10 below 2), an
//! adjective, another optional hyphen, a noun and a TLD, each picked as the
//! draw modulo the list length. The generator runs on across the month's
//! 1000 names. The word lists are the malware's (see
//! `crates/dga/data/bigviktor/`); there is no other seed.
//!
//! Described by 360 Netlab: DGA portal <https://data.netlab.360.com/dga/>
//! and re-implementation
//! <https://github.com/360netlab/DGA/tree/master/code/bigviktor>.
//!
//! One epoch is one calendar month (UTC here; the malware formats its local
//! date) with 1000 names, the count 360 Netlab's re-implementation uses.
//!
//! No public reference output; tested against 360 Netlab's example domains,
//! which are the first three names of July 2020 (found by generating
//! 2018-2021).

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per month.
const COUNT: usize = 1000;

const PREFIXES: &str = include_str!("../../data/bigviktor/prefixes.txt");
const VERBS: &str = include_str!("../../data/bigviktor/verbs.txt");
const ADJECTIVES: &str = include_str!("../../data/bigviktor/adjectives.txt");
const NOUNS: &str = include_str!("../../data/bigviktor/nouns.txt");
const TLDS: &str = include_str!("../../data/bigviktor/tlds.txt");

/// The Bigviktor family.
pub static FAMILY: Family = Family {
    name: "bigviktor",
    aliases: &[],
    summary: "Bigviktor botnet: [prefix.]verb[-]adjective[-]noun names, 1000 a month",
    scheme: Scheme::Wordlist,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the only configuration: the malware's word lists, no seed beyond the month",
    }],
    seed_form: "`default` (or empty): Bigviktor's names depend on the month only",
    schedule: Schedule::Months,
    lookback: 0,
    names_per_window: "1000",
    tlds: &[
        "art", "click", "club", "com", "fans", "futbol", "in", "info", "link", "net", "nl",
        "observer", "one", "org", "pictures", "realty", "rocks", "tel", "top", "xyz",
    ],
    references: &[
        "https://data.netlab.360.com/dga/",
        "https://github.com/360netlab/DGA/tree/master/code/bigviktor",
    ],
    bind,
};

/// The word lists, parsed once per binding.
struct Bigviktor {
    prefixes: Vec<&'static str>,
    verbs: Vec<&'static str>,
    adjectives: Vec<&'static str>,
    nouns: Vec<&'static str>,
    tlds: Vec<&'static str>,
}

fn words(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect()
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if !(seed.is_empty() || seed.eq_ignore_ascii_case("default")) {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    Ok(Box::new(Bigviktor {
        prefixes: words(PREFIXES),
        verbs: words(VERBS),
        adjectives: words(ADJECTIVES),
        nouns: words(NOUNS),
        tlds: words(TLDS),
    }))
}

/// The 32-bit xorshift generator (13, 17, 5).
struct Xorshift(u32);

impl Xorshift {
    fn next(&mut self) -> u32 {
        let x = self.0 ^ (self.0 << 13);
        let y = x ^ (x >> 17);
        self.0 = y ^ (y << 5);
        self.0
    }

    /// A word of `list` chosen by the next draw.
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        let draw = self.next() as usize;
        list.get(draw % list.len().max(1)).copied().unwrap_or("")
    }
}

impl Generator for Bigviktor {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let text = epoch.format("%b %Y 00:00").to_string();
        let digest = Sha256::digest(text.as_bytes());
        let mut random = Xorshift(u32::from_be_bytes([
            digest[0], digest[1], digest[2], digest[3],
        ]));
        for _ in 0..COUNT {
            let mut name = String::with_capacity(40);
            if random.next() % 5 == 0 {
                name.push_str(random.pick(&self.prefixes));
                name.push('.');
            }
            name.push_str(random.pick(&self.verbs));
            if random.next() % 10 <= 1 {
                name.push('-');
            }
            name.push_str(random.pick(&self.adjectives));
            if random.next() % 10 <= 1 {
                name.push('-');
            }
            name.push_str(random.pick(&self.nouns));
            name.push('.');
            name.push_str(random.pick(&self.tlds));
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn netlab_examples_are_the_first_names_of_2020_07() {
        let got = names(&FAMILY, "default", Some("2020-07-01"));
        assert_eq!(got.len(), COUNT);
        let expected = reference("bigviktor/netlab_examples.txt");
        // The write-up lists only the month's first three names.
        assert_eq!(got[..expected.len()], expected[..]);
    }

    #[test]
    fn word_lists_have_the_malware_sizes() {
        assert_eq!(words(PREFIXES).len(), 40);
        assert_eq!(words(VERBS).len(), 100);
        assert_eq!(words(ADJECTIVES).len(), 525);
        assert_eq!(words(NOUNS).len(), 1522);
        assert_eq!(words(TLDS), FAMILY.tlds);
    }

    #[test]
    fn refuses_any_other_seed() {
        assert!((FAMILY.bind)("0x1").is_err());
        assert!((FAMILY.bind)("").is_ok());
    }
}

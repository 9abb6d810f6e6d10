//! Ngioweb (Linux.Ngioweb), a proxy botnet of Linux servers and, from 2020,
//! IoT devices; a Linux port of the Windows Ngioweb proxy malware.
//!
//! 360 Netlab described the DGA in "An Analysis of Linux.Ngioweb Botnet"
//! (2019, <https://blog.netlab.360.com/an-analysis-of-linux-ngioweb-botnet-en/>)
//! and listed further seeds in "Quick update on the Linux.Ngioweb botnet"
//! (2020, <https://blog.netlab.360.com/linux-ngioweb-v2-going-after-iot-devices-en/>);
//! Johannes Bader reimplemented it
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/ngioweb>).
//! A C-library style LCG (`r = r * 1103515245 + 12345`, values taken modulo
//! the list length) seeded with a 32-bit constant picks, for one to three
//! hyphen-joined parts, a prefix word, four to six alternating vowels and
//! consonants, and a suffix chosen by whether the part ends in a consonant;
//! then a TLD. The generator's state runs on from name to name and never
//! depends on the date, so the names are time-independent.
//!
//! The word lists are in `crates/dga/data/ngioweb/words.txt`. The seed is the
//! LCG's start value in hex. We generate 1024 names, the count Bader's
//! reimplementation uses; the write-ups do not give the malware's own limit.
//!
//! Tested against Bader's `example_domains.txt` (seed 0x56EDC15); the other
//! seeds have no public reference output.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed.
const COUNT: usize = 1024;

/// The Ngioweb family.
pub static FAMILY: Family = Family {
    name: "ngioweb",
    aliases: &["linux.ngioweb"],
    summary: "Linux.Ngioweb proxy botnet: LCG-driven pronounceable names",
    scheme: Scheme::Wordlist,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "0x56edc15",
            value: "0x56EDC15",
            note: "Bader's analysis of md5 2838cd03b6c0a414c8edb4d4a333ff94",
        },
        SeedInfo {
            name: "0x5397fb1",
            value: "0x5397FB1",
            note: "360 Netlab, An Analysis of Linux.Ngioweb Botnet (2019)",
        },
        SeedInfo {
            name: "0x1275c63",
            value: "0x01275C63",
            note: "360 Netlab, Linux.Ngioweb v2 (2020)",
        },
        SeedInfo {
            name: "0x4bc65bc",
            value: "0x04BC65BC",
            note: "360 Netlab, Linux.Ngioweb v2 (2020)",
        },
        SeedInfo {
            name: "0x375d5a",
            value: "0x00375D5A",
            note: "360 Netlab, Linux.Ngioweb v2 (2020)",
        },
    ],
    seed_form: "the 32-bit LCG seed in hex, e.g. 0x56EDC15",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "1024",
    tlds: &["net", "info", "com", "biz", "org", "name"],
    references: &[
        "https://blog.netlab.360.com/an-analysis-of-linux-ngioweb-botnet-en/",
        "https://blog.netlab.360.com/linux-ngioweb-v2-going-after-iot-devices-en/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/ngioweb",
    ],
    bind,
};

const WORDS: &str = include_str!("../../data/ngioweb/words.txt");

/// The malware's lists, parsed from [`WORDS`].
struct Blocks {
    vowels: Vec<&'static str>,
    consonants: Vec<&'static str>,
    prefixes: Vec<&'static str>,
    after_consonant: Vec<&'static str>,
    after_vowel: Vec<&'static str>,
    tlds: Vec<&'static str>,
}

impl Blocks {
    fn parse() -> Option<Blocks> {
        let list = |name: &str| -> Option<Vec<&'static str>> {
            let words: Vec<&'static str> = WORDS
                .lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))?
                .split_whitespace()
                .collect();
            (!words.is_empty()).then_some(words)
        };
        Some(Blocks {
            vowels: list("vowels")?,
            consonants: list("consonants")?,
            prefixes: list("prefixes")?,
            after_consonant: list("after-consonant")?,
            after_vowel: list("after-vowel")?,
            tlds: list("tlds")?,
        })
    }
}

struct Ngioweb {
    seed: u32,
    blocks: Blocks,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let raw = raw.trim();
    let digits = raw
        .strip_prefix("0x")
        .or_else(|| raw.strip_prefix("0X"))
        .unwrap_or(raw);
    if digits.is_empty() || digits.len() > 8 {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    let seed =
        u32::from_str_radix(digits, 16).map_err(|_| SeedError::expected(FAMILY.seed_form))?;
    let blocks =
        Blocks::parse().ok_or_else(|| SeedError::expected("an intact ngioweb word list"))?;
    Ok(Box::new(Ngioweb { seed, blocks }))
}

/// The malware's linear congruential generator.
struct Lcg(u32);

impl Lcg {
    fn below(&mut self, bound: u32) -> u32 {
        self.0 = self.0.wrapping_mul(1_103_515_245).wrapping_add(12345);
        self.0 % bound
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        let index = self.below(list.len() as u32) as usize;
        list.get(index).copied().unwrap_or_default()
    }
}

fn ends_in_consonant(name: &str) -> bool {
    !name.ends_with(['a', 'e', 'i', 'o', 'u'])
}

impl Generator for Ngioweb {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let blocks = &self.blocks;
        let mut lcg = Lcg(self.seed);
        for _ in 0..COUNT {
            let mut name = String::with_capacity(48);
            let parts = lcg.below(3) + 1;
            for part in 0..parts {
                name.push_str(lcg.pick(&blocks.prefixes));
                let mut vowel = ends_in_consonant(&name);
                for _ in 0..lcg.below(3) + 4 {
                    let letters = if vowel {
                        &blocks.vowels
                    } else {
                        &blocks.consonants
                    };
                    name.push_str(lcg.pick(letters));
                    vowel = !vowel;
                }
                let suffixes = if ends_in_consonant(&name) {
                    &blocks.after_consonant
                } else {
                    &blocks.after_vowel
                };
                name.push_str(lcg.pick(suffixes));
                if part + 1 < parts {
                    name.push('-');
                }
            }
            name.push('.');
            name.push_str(lcg.pick(&blocks.tlds));
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "0x56EDC15",
            None,
            &reference("ngioweb/example_domains.txt"),
        );
    }

    #[test]
    fn every_listed_seed_makes_1024_names() {
        for seed in FAMILY.seeds {
            assert_eq!(
                names(&FAMILY, seed.value, None).len(),
                COUNT,
                "{}",
                seed.name
            );
        }
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "seed", "0x123456789"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }
}

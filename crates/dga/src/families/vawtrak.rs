//! Vawtrak (NeverQuest), a banking trojan active 2013-2017, with three
//! time-independent DGAs seen from 2016.
//!
//! All three draw from the same 31-bit linear congruential generator
//! (`r = (1103515245 r + 12345) mod 2^31`, the classic C `rand`) seeded with
//! a 32-bit number from the sample:
//!
//! - `v1`: 96 names; each takes a length `7 + r mod 5` and then letters
//!   `r mod 26`, under `.top`.
//! - `v2` (Fidelis ThreatGeek, "Vawtrak DGA Round 2", November 2016,
//!   <http://www.threatgeek.com/2016/11/vawtrak-dga-round-2.html>): 150
//!   `.com` names that alternate one vowel with one or two consonants
//!   (`cdfghlmnrstw`, `aeiou`); before each letter the state is raised by 2,
//!   after each vowel a fresh draw decides whether one or two consonants
//!   follow.
//! - `v3`: as `v2`, but the state is raised by `0x1895120F` per letter.
//!
//! Re-implemented from Johannes Bader's descriptions
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/vawtrak>,
//! files `dga.py`, `dga2.py` and `dga3.py`). Name counts follow those
//! programs (96, and 150 for `v2`/`v3`); the write-ups do not give the
//! malware's own loop bound.
//!
//! The seed is `<variant>:<hex>`, e.g. `v2:0x5884c3c4`; all four seeds seen
//! in public are listed. No `v1` seed from a sample is public.
//!
//! Reference output: Bader's 100 names for `v2:0x5884c3c4`, the first 100 of
//! the 150; there is no public reference output for `v1` or `v3`.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

const CONSONANTS: &[u8; 12] = b"cdfghlmnrstw";
const VOWELS: &[u8; 5] = b"aeiou";

/// The Vawtrak family.
pub static FAMILY: Family = Family {
    name: "vawtrak",
    aliases: &["neverquest"],
    summary: "Vawtrak banking trojan: C rand() names, random letters or consonant-vowel runs",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "v2-5884c3c4",
            value: "v2:0x5884c3c4",
            note: "sample MD5 3868082e4daa93d34a3fe5d7df9d1d72 (Bader, 2016)",
        },
        SeedInfo {
            name: "v2-5542b2",
            value: "v2:0x5542b2",
            note: "sample MD5 edfc8653b93c693a51c57caac9e715f7 (Bader, 2016)",
        },
        SeedInfo {
            name: "v3-874c49",
            value: "v3:0x874c49",
            note: "Bader's re-implementation (January 2017)",
        },
        SeedInfo {
            name: "v3-3cdca1",
            value: "v3:0x3cdca1",
            note: "Bader's re-implementation (January 2017)",
        },
    ],
    seed_form: "a variant v1, v2 or v3, a colon and a 32-bit hex number, e.g. v2:0x5884c3c4",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "96 (v1) or 150 (v2, v3)",
    tlds: &["top", "com"],
    references: &[
        "http://www.threatgeek.com/2016/11/vawtrak-dga-round-2.html",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/vawtrak",
    ],
    bind,
};

/// Which of the three DGAs a sample carries.
#[derive(Clone, Copy)]
enum Variant {
    /// Random letters under `.top`.
    RandomLetters,
    /// Consonant-vowel names under `.com`; the state is raised by this much
    /// before each letter.
    Syllables { step: u32 },
}

struct Vawtrak {
    variant: Variant,
    seed: u32,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let invalid = || SeedError::expected(FAMILY.seed_form);
    let (variant, number) = seed.trim().split_once(':').ok_or_else(invalid)?;
    let variant = match variant.to_ascii_lowercase().as_str() {
        "v1" => Variant::RandomLetters,
        "v2" => Variant::Syllables { step: 2 },
        "v3" => Variant::Syllables { step: 0x1895_120F },
        _ => return Err(invalid()),
    };
    let digits = number
        .strip_prefix("0x")
        .or_else(|| number.strip_prefix("0X"))
        .unwrap_or(number);
    if digits.starts_with('+') {
        return Err(invalid());
    }
    let seed = u32::from_str_radix(digits, 16).map_err(|_| invalid())?;
    Ok(Box::new(Vawtrak { variant, seed }))
}

/// The C library's `rand` as the malware uses it: 31 bits of state.
struct Rand(u32);

impl Rand {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_103_515_245).wrapping_add(12_345) & 0x7fff_ffff;
        self.0
    }
}

fn random_letters(rand: &mut Rand) -> String {
    let length = rand.next() % 5 + 7;
    let mut name = String::with_capacity(length as usize + 4);
    for _ in 0..length {
        name.push(char::from(b'a' + (rand.next() % 26) as u8));
    }
    name.push_str(".top");
    name
}

fn syllables(rand: &mut Rand, step: u32) -> String {
    let length = rand.next() % 5 + 7;
    let mut consonants_due = rand.next() % 2;
    let mut name = String::with_capacity(length as usize + 4);
    for _ in 0..length {
        rand.0 = rand.0.wrapping_add(step);
        let draw = rand.next() as usize;
        if consonants_due > 0 {
            name.push(char::from(CONSONANTS[draw % CONSONANTS.len()]));
            consonants_due -= 1;
        } else {
            consonants_due = rand.next() % 2 + 1;
            name.push(char::from(VOWELS[draw % VOWELS.len()]));
        }
    }
    name.push_str(".com");
    name
}

impl Generator for Vawtrak {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut rand = Rand(self.seed);
        match self.variant {
            Variant::RandomLetters => {
                out.extend((0..96).map(|_| random_letters(&mut rand)));
            }
            Variant::Syllables { step } => {
                out.extend((0..150).map(|_| syllables(&mut rand, step)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_bader_first_100_names_of_v2_seed_5884c3c4() {
        let expected = reference("vawtrak/example_domains2.txt");
        assert_eq!(expected.len(), 100);
        let got = names(&FAMILY, "v2:0x5884c3c4", None);
        assert_eq!(got.len(), 150);
        assert_eq!(got[..100], expected[..]);
    }

    #[test]
    fn every_variant_yields_its_count_and_tld() {
        for (seed, count, tld) in [
            ("v1:0xdeadbeef", 96, ".top"),
            ("v2:0x5542b2", 150, ".com"),
            ("v3:874c49", 150, ".com"),
        ] {
            let got = names(&FAMILY, seed, None);
            assert_eq!(got.len(), count, "{seed}");
            assert!(got.iter().all(|n| n.ends_with(tld)), "{seed}");
        }
    }

    #[test]
    fn refuses_seeds_without_variant_or_hex() {
        for bad in [
            "",
            "0x5884c3c4",
            "v4:0x1",
            "v2:",
            "v2:xyz",
            "v2:0x1ffffffff",
            "v2:+1",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

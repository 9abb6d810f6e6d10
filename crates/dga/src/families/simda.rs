//! Simda (Shiz), a backdoor and banking botnet taken down in April 2015.
//!
//! Described by Johannes Bader, "The DGA of Simda/Shiz" (2015,
//! <http://johannesbader.ch/2015/03/the-dga-of-simda-shiz/>). A counter
//! starts at a base (0x45AE94B2 in every known sample) and grows by a step,
//! the sum of the byte values of a key string, before each name. Letter `i`
//! of a name is picked by the counter divided by 3 + 2i, alternating
//! consonants (even positions) and vowels (odd positions). Names have a
//! fixed length and one TLD. The names do not depend on the date; Bader's
//! re-implementation, followed here, produces 1000 names per configuration.
//!
//! The seed is `length:tld:key[:base]`; when only the step of a sample is
//! known the key is written `step=<number>`. The configurations listed are
//! those of Bader's write-up, as quoted by public re-implementations; only
//! `com7` has a public reference output. The counter is kept in 64 bits like
//! the re-implementation; no known configuration comes near 2^32 within
//! 1000 names, so the malware's 32-bit arithmetic gives the same names.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The Simda family.
pub static FAMILY: Family = Family {
    name: "simda",
    aliases: &["shiz"],
    summary: "Simda (Shiz) botnet: alternating consonants and vowels from a stepped counter",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "com7",
            value: "7:com:1676d5775e05c50b46baa5579d4fc7:0x45ae94b2",
            note: "Bader (2015), with his example output",
        },
        SeedInfo {
            name: "eu5",
            value: "5:eu:1670cf21500911e1758e2b0dd5b4:0x45ae94b2",
            note: "Bader (2015)",
        },
        SeedInfo {
            name: "info7",
            value: "7:info:167cd47c0a09c9036d6097b754ab2e73:0x45ae94b2",
            note: "Bader (2015)",
        },
        SeedInfo {
            name: "info7-2038",
            value: "7:info:step=2038:0x45ae94b2",
            note: "Bader (2015), step known, key not",
        },
        SeedInfo {
            name: "eu11",
            value: "11:eu:1670cf215403c56d8859a0636ffc74:0x45ae94b2",
            note: "Bader (2015)",
        },
        SeedInfo {
            name: "net7",
            value: "7:net:167bdf6e5e05c53a8a52b9505876ed:0x45ae94b2",
            note: "360 Netlab, DGA issue 3 (2016), 23 names checked",
        },
        SeedInfo {
            name: "info7-2182",
            value: "7:info:step=2182:0x45ae94b2",
            note: "Bader (2015), step known, key not",
        },
    ],
    seed_form: "length:tld:key[:base], e.g. 7:com:1676d5775e05c50b46baa5579d4fc7:0x45ae94b2; \
                the key may be given as step=<number>; the base defaults to 0x45ae94b2",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "1000",
    tlds: &["com", "eu", "info"],
    references: &["http://johannesbader.ch/2015/03/the-dga-of-simda-shiz/"],
    bind,
};

/// Names per configuration.
const COUNT: usize = 1000;

/// The base of every known sample.
const DEFAULT_BASE: u32 = 0x45ae_94b2;

/// Only the first 20 consonants are reachable: the malware takes the index
/// modulo 20 of a 21-letter table.
const CONSONANTS: &[u8; 20] = b"qwrtpsdfghjklzxcvbnm";
const VOWELS: &[u8; 6] = b"eyuioa";

struct Simda {
    length: u64,
    /// The TLD with a leading dot.
    suffix: String,
    step: u64,
    base: u64,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let expected = || SeedError::expected(FAMILY.seed_form);
    let fields: Vec<&str> = seed.trim().split(':').map(str::trim).collect();
    let (length, tld, key, base) = match fields.as_slice() {
        [length, tld, key] => (length, tld, key, None),
        [length, tld, key, base] => (length, tld, key, Some(base)),
        _ => return Err(expected()),
    };
    let length: u64 = length.parse().map_err(|_| expected())?;
    if !(1..=63).contains(&length) {
        return Err(SeedError::expected("a name length from 1 to 63"));
    }
    let tld = tld.trim_start_matches('.').to_ascii_lowercase();
    if tld.is_empty() || !tld.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(expected());
    }
    let step = match key.strip_prefix("step=") {
        Some(number) => number.parse::<u32>().map_err(|_| expected())?,
        None if !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic()) => {
            key.bytes().map(u32::from).sum()
        }
        None => return Err(expected()),
    };
    if step == 0 {
        return Err(SeedError::expected("a key or step giving a step above 0"));
    }
    let base = match base {
        None => DEFAULT_BASE,
        Some(text) => match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => u32::from_str_radix(hex, 16).map_err(|_| expected())?,
            None => text.parse().map_err(|_| expected())?,
        },
    };
    Ok(Box::new(Simda {
        length,
        suffix: format!(".{tld}"),
        step: u64::from(step),
        base: u64::from(base),
    }))
}

impl Generator for Simda {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut counter = self.base;
        for _ in 0..COUNT {
            counter += self.step;
            let mut name = String::with_capacity(self.length as usize + self.suffix.len());
            for i in 0..self.length {
                let index = counter / (3 + 2 * i);
                let letter = if i % 2 == 0 {
                    CONSONANTS[(index % 20) as usize]
                } else {
                    VOWELS[(index % 6) as usize]
                };
                name.push(char::from(letter));
            }
            name.push_str(&self.suffix);
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
            "7:com:1676d5775e05c50b46baa5579d4fc7:0x45ae94b2",
            None,
            &reference("simda/example_domains.txt"),
        );
    }

    #[test]
    fn a_step_is_the_sum_of_the_key_and_the_base_defaults() {
        let step: u32 = b"1676d5775e05c50b46baa5579d4fc7"
            .iter()
            .map(|&b| u32::from(b))
            .sum();
        assert_eq!(
            names(&FAMILY, &format!("7:com:step={step}"), None),
            names(&FAMILY, "7:com:1676d5775e05c50b46baa5579d4fc7", None)
        );
    }

    #[test]
    fn refuses_malformed_seeds() {
        for bad in [
            "",
            "7:com",
            "0:com:key",
            "64:com:key",
            "7::key",
            "7:com:",
            "7:com:step=0",
            "7:com:step=x",
            "7:com:key:0xzz",
            "7:com:key:1:2",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn seed_167bdf6e_makes_the_names_of_360_netlab_issue_3() {
        let got = names(
            &FAMILY,
            "7:net:167bdf6e5e05c53a8a52b9505876ed:0x45ae94b2",
            None,
        );
        let expected = reference("netlab-issues/simda_167bdf6e.txt");
        assert_eq!(expected.len(), 23);
        for name in &expected {
            assert!(got.contains(name), "{name}");
        }
    }
}

//! Ramnit (Nimnul), a worm and banking trojan seen since 2010.
//!
//! Described by Johannes Bader, "The DGA of Ramnit" (2014,
//! <https://johannesbader.ch/2014/12/the-dga-of-ramnit/>). The seed is a
//! 32-bit number embedded in the sample; it drives a Park–Miller style
//! generator (Schrage's method, multiplier 16807) that picks a length of 8 to
//! 19 letters and then each letter from `a..=y`. After each name the
//! generator is reseeded with the product of its state before and after the
//! length draw. Samples also carry how many names they try and which TLDs
//! they cycle through; the names do not depend on the date, so the window is
//! unlimited.
//!
//! The raw seed is `HEX[:COUNT[:TLD,TLD...]]`; COUNT defaults to 100 and the
//! TLD to `com` when a sample's configuration is not known. The seeds listed
//! are those Bader collected; the counts and TLDs noted for four of them are
//! his.
//!
//! Tested against Bader's example list (seed `79159C10`, 100 names, `.com`).
//! A later revision of Bader's script changed the length rule to 9–25
//! letters; the disassembly in the write-up (`push 12; add eax, 8`) and the
//! example list both agree with 8–19, which is what this module does.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed when the configuration does not say.
const DEFAULT_COUNT: u32 = 100;

/// The most names a seed may ask for; real samples use a few hundred.
const MAX_COUNT: u32 = 100_000;

macro_rules! bader_seed {
    ($name:literal) => {
        SeedInfo {
            name: $name,
            value: $name,
            note: "Bader's list of observed seeds (count and TLDs not recorded)",
        }
    };
}

/// The Ramnit family.
pub static FAMILY: Family = Family {
    name: "ramnit",
    aliases: &["nimnul"],
    summary: "Ramnit worm and banking trojan: LCG letters from a per-sample seed",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "79159C10",
            value: "79159C10:100:com",
            note: "Bader's write-up (2014) and example list",
        },
        bader_seed!("16647BB4"),
        bader_seed!("E7392D18"),
        bader_seed!("C129388E"),
        bader_seed!("E706B455"),
        bader_seed!("DC485593"),
        bader_seed!("EF214BBF"),
        bader_seed!("28488EEA"),
        bader_seed!("4BFCBC6A"),
        bader_seed!("92F4BE35"),
        SeedInfo {
            name: "4302C04A",
            value: "4302C04A:10:click,bid,eu",
            note: "Bader's list of observed seeds: 10 names, click/bid/eu",
        },
        bader_seed!("52278648"),
        SeedInfo {
            name: "9753029A",
            value: "9753029A:100:eu",
            note: "Bader's list of observed seeds: 100 names, eu",
        },
        SeedInfo {
            name: "A6EAB21A",
            value: "A6EAB21A:500",
            note: "Bader's list of observed seeds: 500 names",
        },
        SeedInfo {
            name: "46CF1B28",
            value: "46CF1B28:500",
            note: "Bader's list of observed seeds: 500 names",
        },
        bader_seed!("1CCEC41C"),
        SeedInfo {
            name: "C5787AE2",
            value: "C5787AE2",
            note: "Bader's list of observed seeds, written there as 0C5787AE2",
        },
        SeedInfo {
            name: "FCFFD9E9",
            value: "FCFFD9E9",
            note: "Bader's list of observed seeds, written there as 0FCFFD9E9",
        },
        bader_seed!("75EA95C2"),
        bader_seed!("8A0AEC7D"),
        bader_seed!("1DF640A8"),
        bader_seed!("14DF29DD"),
        bader_seed!("8222270B"),
        bader_seed!("55536A85"),
        bader_seed!("5C39E467"),
        bader_seed!("D2B3C361"),
        bader_seed!("F318D47D"),
        bader_seed!("231D9480"),
        bader_seed!("13317EAC"),
        bader_seed!("89547381"),
        bader_seed!("6C36D41D"),
    ],
    seed_form: "HEX[:COUNT[:TLD,TLD...]]: a 32-bit hex seed, optionally the number of names \
                (default 100) and the TLDs cycled through (default com), \
                e.g. 4302C04A:10:click,bid,eu",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "per sample: 10 to 500 seen, 100 by default",
    tlds: &["com", "click", "bid", "eu"],
    references: &[
        "https://johannesbader.ch/2014/12/the-dga-of-ramnit/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/ramnit",
    ],
    bind,
};

struct Ramnit {
    seed: u32,
    count: u32,
    tlds: Vec<String>,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let mut parts = raw.trim().split(':');
    let hex = parts.next().unwrap_or_default();
    let hex = hex
        .strip_prefix("0x")
        .or_else(|| hex.strip_prefix("0X"))
        .unwrap_or(hex);
    // Some published seeds carry a leading zero (0C5787AE2), so parse wide
    // and check the value rather than the digit count.
    let seed = u64::from_str_radix(hex, 16)
        .ok()
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(bad)?;
    let count = match parts.next() {
        None => DEFAULT_COUNT,
        Some(count) => count
            .parse::<u32>()
            .ok()
            .filter(|c| (1..=MAX_COUNT).contains(c))
            .ok_or_else(bad)?,
    };
    let tlds = match parts.next() {
        None => vec!["com".to_owned()],
        Some(list) => list
            .split(',')
            .map(|tld| {
                let tld = tld.trim().trim_start_matches('.').to_ascii_lowercase();
                let valid = !tld.is_empty()
                    && tld
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                valid.then_some(tld).ok_or_else(bad)
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(Box::new(Ramnit { seed, count, tlds }))
}

/// Ramnit's pseudo-random generator: the Park–Miller step computed with
/// Schrage's decomposition, kept to 32 bits as the malware does.
struct Lcg(u32);

impl Lcg {
    fn below(&mut self, modulus: u32) -> u32 {
        let x = i64::from(self.0);
        let next = 16807 * (x % 127_773) - 2836 * (x / 127_773);
        // Truncation to 32 bits (two's complement) is the malware's.
        self.0 = next as u32;
        self.0 % modulus
    }
}

impl Generator for Ramnit {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut lcg = Lcg(self.seed);
        for (_, tld) in (0..self.count).zip(self.tlds.iter().cycle()) {
            let before = lcg.0;
            let length = lcg.below(12) + 8;
            let after = lcg.0;
            let mut name = String::with_capacity(length as usize + 1 + tld.len());
            for _ in 0..length {
                name.push(char::from(b'a' + lcg.below(25) as u8));
            }
            name.push('.');
            name.push_str(tld);
            out.push(name);
            let product = u64::from(before) * u64::from(after);
            lcg.0 = product.wrapping_add(product >> 32) as u32;
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
            "79159C10:100:com",
            None,
            &reference("ramnit/example_domains.txt"),
        );
    }

    #[test]
    fn defaults_to_one_hundred_com_names() {
        assert_eq!(
            names(&FAMILY, "79159C10", None),
            names(&FAMILY, "0x79159c10:100:.com", None)
        );
    }

    #[test]
    fn cycles_through_the_configured_tlds() {
        let got = names(&FAMILY, "4302C04A:10:click,bid,eu", None);
        let tlds: Vec<&str> = got.iter().filter_map(|n| n.split('.').nth(1)).collect();
        assert_eq!(tlds[..4], ["click", "bid", "eu", "click"]);
        assert_eq!(got.len(), 10);
    }

    #[test]
    fn every_listed_seed_binds() {
        for seed in FAMILY.seeds {
            assert!((FAMILY.bind)(seed.value).is_ok(), "{}", seed.name);
        }
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in [
            "",
            "xyz",
            "1FFFFFFFF",
            "79159C10:0",
            "79159C10:many",
            "79159C10:10:",
            "79159C10:10:c m",
            "79159C10:10:com:extra",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

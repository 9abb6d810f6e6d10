//! DirCrypt, a ransomware that was already inactive when Bader looked at it.
//!
//! Described by Johannes Bader, "The DGA of DirCrypt" (2015,
//! <https://johannesbader.ch/2015/03/the-dga-of-dircrypt/>). The seed is a
//! 32-bit number stored as resource 0x7D of the sample (0xF2113C2A in the
//! sample Bader examined). It drives a Park-Miller style "minimal standard"
//! generator (multiplier 16807, Schrage's decomposition with 127773 and 2836,
//! reduced to 32 bits) that first picks a length of 8 to 20 and then that
//! many letters `a` to `z`. The malware makes 30 names, all `.com`, and the
//! names do not depend on the date, so a window is unlimited.
//!
//! Samples differ in how many names they make: 30 in Bader's, 50 in the
//! one of 360 Netlab's DGA issue 12 (seed 0xF6A84A56), so the seed may name
//! the count (`HEX:COUNT`, at most 1000; 30 without it).
//!
//! The reference output is Bader's list for seed 0xF2113C2A, and for seed
//! 0xF6A84A56 the names of 360 Netlab's issue 12 (Bader's list of 50 there,
//! as far as read, and the 20 names VirusTotal saw, numbers 31 to 50).

use chrono::NaiveDate;

use super::seed_text::parse_hex_u32;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed: the malware's counter starts at 30.
const COUNT: usize = 30;

/// The DirCrypt family.
pub static FAMILY: Family = Family {
    name: "dircrypt",
    aliases: &[],
    summary: "DirCrypt ransomware: 30 letter names from a seeded minimal-standard generator",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "f2113c2a",
            value: "0xF2113C2A",
            note: "resource 0x7D of the sample in Bader's write-up (2015)",
        },
        SeedInfo {
            name: "f6a84a56",
            value: "0xF6A84A56:50",
            note: "sample 8dce388365ba4ddd516a744c677d41e9 (360 Netlab DGA issue 12; Bader, 2018)",
        },
    ],
    seed_form: "HEX[:COUNT]: a 32-bit hex number (the sample's resource 0x7D) and optionally \
                the names per sample (default 30, at most 1000), e.g. 0xF2113C2A or 0xF6A84A56:50",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "30 (50 for some samples)",
    tlds: &["com"],
    references: &["https://johannesbader.ch/2015/03/the-dga-of-dircrypt/"],
    bind,
};

struct DirCrypt {
    seed: u32,
    count: usize,
}

/// The most names a seed may ask for.
const MAX_COUNT: usize = 1000;

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let (seed, count) = match raw.split_once(':') {
        Some((seed, count)) => {
            let count = count.trim();
            if count.is_empty() || count.len() > 4 || !count.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            (seed, count.parse::<usize>().map_err(|_| bad())?)
        }
        None => (raw, COUNT),
    };
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(bad());
    }
    let seed = parse_hex_u32(seed, usize::MAX).ok_or_else(bad)?;
    Ok(Box::new(DirCrypt { seed, count }))
}

/// The malware's generator: one step of the minimal standard generator in
/// Schrage's form, wrapped to 32 bits as the malware's registers do.
struct Random(u32);

impl Random {
    fn below(&mut self, modulus: u32) -> u32 {
        let x = i64::from(self.0);
        let next = 16807 * (x % 127_773) - 2836 * (x / 127_773);
        // Truncation to the low 32 bits is the point.
        self.0 = next as u32;
        self.0 % modulus
    }
}

impl Generator for DirCrypt {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut random = Random(self.seed);
        for _ in 0..self.count {
            let length = 8 + random.below(13) as usize;
            let mut name = String::with_capacity(length + 4);
            for _ in 0..length {
                name.push(char::from(b'a' + random.below(26) as u8));
            }
            name.push_str(".com");
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains_for_seed_f2113c2a() {
        assert_names(
            &FAMILY,
            "0xF2113C2A",
            None,
            &reference("dircrypt/example_domains.txt"),
        );
    }

    #[test]
    fn seed_f6a84a56_makes_the_50_names_of_360_netlab_issue_12() {
        let got = crate::families::testing::names(&FAMILY, "0xF6A84A56:50", None);
        assert_eq!(got.len(), 50);
        let listed = reference("netlab-issues/dircrypt_f6a84a56.txt");
        assert_eq!(listed.len(), 33);
        assert_eq!(&got[..33], &listed[..]);
        let seen = reference("netlab-issues/dircrypt_f6a84a56_vt.txt");
        assert_eq!(seen.len(), 20);
        for name in &seen {
            let at = got.iter().position(|n| n == name);
            assert!(at.is_some_and(|i| i >= 30), "{name} at {at:?}");
        }
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in [
            "",
            "0x",
            "xyz",
            "0x1F2113C2A",
            "+12",
            "-1",
            "0x 12",
            "0x12:",
            "0x12:0",
            "0x12:1001",
            "0x12:-5",
            "0x12:5:5",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
        assert!((FAMILY.bind)("f2113c2a").is_ok());
    }
}

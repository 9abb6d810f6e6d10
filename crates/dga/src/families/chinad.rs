//! Chinad, 360 Netlab's name for the malware whose DGA it found in passive
//! DNS in 2016.
//!
//! 360 Netlab tied the names to sample
//! 55c447191d9566c7442e25c4caf0d2fe (<https://github.com/360netlab/DGA/issues/1>);
//! 360 Netlab published a re-implementation
//! (<https://github.com/360netlab/DGA/tree/master/code/chinad>) and Johannes
//! Bader another (<https://github.com/baderj/domain_generation_algorithms/tree/master/chinad>).
//!
//! There is no seed. For each counter 0 to 999 the malware hashes with
//! SHA-1 a 16-byte block holding the year's low byte plus 0x30, month,
//! day and the counter as a little-endian 16-bit number, padded with zeros.
//! The digest is read as five little-endian 32-bit words; the first sixteen
//! of their bytes pick from `a`-`z0`-`9`, the seventeenth picks one of seven
//! TLDs. A window is one UTC day, 1000 names.
//!
//! The references disagree on the counter. Bader's implementation and the
//! first version of 360 Netlab's put only its low byte in the block, so the
//! names repeat after 256; 360 Netlab fixed that in January 2017 ("The
//! domain would be duplicated when index > 0xFF"), and the names 360 Netlab
//! saw in passive DNS on 2016-08-07 include counters up to 487, which only
//! the two-byte counter produces. Both reference lists came from one-byte
//! code: Bader's has the 256 distinct names of 2017-01-13 and 360 Netlab's
//! the 1000 names of 2016-10-24 with every name after the 256th repeating an
//! earlier one. The tests compare the first 256 names with each list
//! exactly, and the passive-DNS names with the full day. The year byte
//! (`year + 0x30`, 360 Netlab) and Bader's `year % 100` agree from 2000 to
//! 2099.

use chrono::{Datelike, NaiveDate};
use sha1::{Digest, Sha1};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: u16 = 1000;

/// Characters of the second-level label.
const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The TLDs, in the malware's order.
const TLDS: [&str; 7] = ["com", "org", "net", "biz", "info", "ru", "cn"];

/// The Chinad family.
pub static FAMILY: Family = Family {
    name: "chinad",
    aliases: &[],
    summary: "Chinad: 1000 daily SHA-1 names of 16 characters",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the malware has no seed (sample 55c447191d9566c7442e25c4caf0d2fe, 360 Netlab)",
    }],
    seed_form: "none: the family has no seed (give 'default' or leave it empty)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1000",
    tlds: &TLDS,
    references: &[
        "https://github.com/360netlab/DGA/issues/1",
        "https://github.com/360netlab/DGA/tree/master/code/chinad",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/chinad",
    ],
    bind,
};

struct Chinad;

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("default") {
        Ok(Box::new(Chinad))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

impl Generator for Chinad {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let mut block = [0u8; 16];
        // Only the low byte of the year enters the block.
        block[0] = (epoch.year() as u8).wrapping_add(0x30);
        block[1] = epoch.month() as u8;
        block[2] = epoch.day() as u8;
        for counter in 0..COUNT {
            block[3..5].copy_from_slice(&counter.to_le_bytes());
            let digest = Sha1::digest(block);
            // The malware reads the digest as little-endian 32-bit words.
            let mut words = [0u8; 20];
            for (word, chunk) in words.chunks_exact_mut(4).zip(digest.chunks_exact(4)) {
                for (to, from) in word.iter_mut().zip(chunk.iter().rev()) {
                    *to = *from;
                }
            }
            let mut name = String::with_capacity(16 + 5);
            for byte in &words[..16] {
                name.push(char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]));
            }
            name.push('.');
            name.push_str(TLDS[usize::from(words[16]) % TLDS.len()]);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    /// The number of distinct names the one-byte counter of the reference
    /// implementations yields.
    const ONE_BYTE: usize = 256;

    #[test]
    fn matches_bader_example_domains_on_2017_01_13() {
        // Date not recorded; found by search (it is the day Bader
        // committed the list). Bader's code stops after 256 names.
        let expected = reference("chinad/example_domains.txt");
        assert_eq!(expected.len(), ONE_BYTE);
        let got = names(&FAMILY, "", Some("2017-01-13"));
        assert_eq!(got.len(), usize::from(COUNT));
        assert_eq!(got[..ONE_BYTE], expected[..]);
    }

    #[test]
    fn matches_360netlab_examples_on_2016_10_24() {
        // Date not recorded; found by search (the day 360 Netlab
        // committed the list, with its one-byte counter).
        let expected = reference("chinad/360netlab_examples.txt");
        assert_eq!(expected.len(), usize::from(COUNT));
        let got = names(&FAMILY, "", Some("2016-10-24"));
        assert_eq!(got[..ONE_BYTE], expected[..ONE_BYTE]);
        // The rest of the list is the one-byte counter wrapping around,
        // not names the malware makes.
        for (i, name) in expected.iter().enumerate().skip(ONE_BYTE) {
            assert_eq!(name, &expected[i % ONE_BYTE], "line {i}");
        }
    }

    #[test]
    fn generates_names_360netlab_saw_in_passive_dns_on_2016_08_07() {
        let seen = reference("chinad/pdns_2016-08-07.txt");
        let got = names(&FAMILY, "", Some("2016-08-07"));
        let mut beyond_one_byte = 0;
        for name in &seen {
            let index = got.iter().position(|g| g == name);
            assert!(index.is_some(), "{name} is not generated");
            if index >= Some(ONE_BYTE) {
                beyond_one_byte += 1;
            }
        }
        assert!(beyond_one_byte > 0);
    }

    #[test]
    fn refuses_a_seed() {
        assert!((FAMILY.bind)("0x1234").is_err());
        assert!((FAMILY.bind)("default").is_ok());
        assert!((FAMILY.bind)("").is_ok());
    }
}

//! Tufik, a Windows trojan whose DGA was re-implemented by Johannes Bader in
//! 2022 (<https://github.com/baderj/domain_generation_algorithms/tree/master/tufik>);
//! there is no public write-up beyond that code.
//!
//! Each day the malware builds, for a counter `i` from 0 to 1019, an 8-byte
//! block: the low byte of `year + 48`, the month, the day, a zero byte and
//! `i` rounded down to even (little-endian 32-bit). It XORs the block with a
//! 32-bit magic number (little-endian, repeated), hashes it with MD5 and
//! turns each digest byte into the sum of its two nibbles; sums up to 25
//! become the letters `a`..`z`, larger ones are dropped. The TLD follows
//! from `i`: `biz` if divisible by 5, else `info` by 4, `org` by 3, `net`
//! by 2, `com` otherwise. Consecutive even and odd counters thus share a
//! second-level name under two TLDs.
//!
//! The seed is the magic number; `0x997722ED` is the only one known in
//! public. One epoch is one UTC day, 1020 names.
//!
//! Reference output: Bader's example list, made for 2022-05-09 (found by
//! generating a range of dates; the file does not say).

use chrono::{Datelike, NaiveDate};
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: u32 = 1020;

/// The Tufik family.
pub static FAMILY: Family = Family {
    name: "tufik",
    aliases: &[],
    summary: "Tufik trojan: MD5 of the date XORed with a magic number, 1020 names a day",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "0x997722ed",
        value: "0x997722ED",
        note: "Bader's re-implementation (2022)",
    }],
    seed_form: "a 32-bit hex number, e.g. 0x997722ED",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1020",
    tlds: &["biz", "info", "org", "net", "com"],
    references: &["https://github.com/baderj/domain_generation_algorithms/tree/master/tufik"],
    bind,
};

struct Tufik {
    magic: [u8; 4],
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let digits = seed.trim();
    let digits = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        .unwrap_or(digits);
    let magic = u32::from_str_radix(digits, 16)
        .ok()
        .filter(|_| !digits.starts_with('+'))
        .ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(Tufik {
        magic: magic.to_le_bytes(),
    }))
}

fn tld(counter: u32) -> &'static str {
    if counter % 5 == 0 {
        "biz"
    } else if counter % 4 == 0 {
        "info"
    } else if counter % 3 == 0 {
        "org"
    } else if counter % 2 == 0 {
        "net"
    } else {
        "com"
    }
}

impl Generator for Tufik {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // The malware stores `year + 48` in a single byte.
        let year = (epoch.year() + 48).rem_euclid(256) as u8;
        let mut block = [0u8; 8];
        block[..4].copy_from_slice(&[year, epoch.month() as u8, epoch.day() as u8, 0]);
        let mut label = String::with_capacity(32);
        for counter in 0..COUNT {
            if counter % 2 == 0 {
                block[4..].copy_from_slice(&counter.to_le_bytes());
                let mut keyed = block;
                for (byte, key) in keyed.iter_mut().zip(self.magic.iter().cycle()) {
                    *byte ^= key;
                }
                let digest = Md5::digest(keyed);
                label.clear();
                label.extend(
                    digest
                        .iter()
                        .map(|b| (b & 0x0f) + (b >> 4))
                        .filter(|&sum| sum < 26)
                        .map(|sum| char::from(b'a' + sum)),
                );
            }
            let tld = tld(counter);
            let mut name = String::with_capacity(label.len() + 1 + tld.len());
            name.push_str(&label);
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_of_2022_05_09() {
        assert_names(
            &FAMILY,
            "0x997722ED",
            Some("2022-05-09"),
            &reference("tufik/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "0x1ffffffff", "magic", "+12", "-12"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

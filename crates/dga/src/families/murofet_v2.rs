//! Murofet (LICAT), a ZeuS offshoot from 2010: variant 2 of its DGA.
//!
//! Described by Johannes Bader in "Three Variants of Murofet's DGA" (2015,
//! <https://johannesbader.ch/2015/09/three-variants-of-murofets-dga/>).
//! It MD5-hashes eight bytes: `year + 0x30`, month, the exact day, a zero
//! byte and the name index rounded down to an even number (little-endian),
//! each byte XORed with the matching little-endian byte of a 32-bit key. Each
//! digest byte gives the letter `a + low nibble + high nibble` unless that
//! passes `z`. The index runs modulo 1020 from `minute * 17`, 800 names a
//! run, so a day uses every index 0..1020; as indices 2k and 2k+1 share a
//! hash, each name appears with two TLDs: `.biz` if the index is divisible
//! by 5, else `.info` by 4, `.org` by 3, `.net` by 2, else `.com`.
//!
//! It is a separate family from `murofet` (variants 1 and 3) because its
//! names change daily rather than every seventh of a month. The seed is the
//! key as 8 hex digits; `0` means no key (XOR with zero). Bader lists the
//! keys D6D7A4BE, DEADC2DE and D6D7A4B1 seen in samples.
//!
//! Tested against Bader's `example_domains.txt` (no key; the date is not
//! recorded and was found to be 2015-09-03) and against the 57 names 360
//! Netlab saw in 2016 from samples keyed `8811EEA2` (DGA issues 11 and 26;
//! 36 of 2016-09-07, which the issue labels September 9, and 21 of
//! 2016-09-26).
//! Bader's three keys have no public reference output.

use chrono::{Datelike, NaiveDate};
use md5::{Digest, Md5};

use super::seed_text::parse_hex_u32;
use crate::families::murofet::tld_for;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Indices per day: the malware counts modulo 60 * 17.
const COUNT: u32 = 1020;

const TLDS: &[&str] = &["biz", "info", "org", "net", "com"];

/// The Murofet variant 2 family.
pub static FAMILY: Family = Family {
    name: "murofet-v2",
    aliases: &["licat-v2"],
    summary: "Murofet (LICAT) ZeuS offshoot, DGA variant 2: keyed MD5 of the day and an index",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "nokey",
            value: "0",
            note: "no key; Bader's example domains",
        },
        SeedInfo {
            name: "d6d7a4be",
            value: "D6D7A4BE",
            note: "key seen in a sample (Bader's dga.py)",
        },
        SeedInfo {
            name: "deadc2de",
            value: "DEADC2DE",
            note: "key seen in a sample (Bader's dga.py)",
        },
        SeedInfo {
            name: "d6d7a4b1",
            value: "D6D7A4B1",
            note: "key seen in a sample (Bader's dga.py)",
        },
        SeedInfo {
            name: "8811eea2",
            value: "8811EEA2",
            note: "samples 6d0f3196e91f8ae640791d5bb0d466b7, 3e3970e3cee006e85be1256f710571fc \
                   (360 Netlab, DGA issues 11 and 26, 2016)",
        },
    ],
    seed_form: "a 32-bit XOR key in hex (up to 8 digits, optional 0x), 0 for none, e.g. D6D7A4BE",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1020 (510 second-level names, each with two TLDs)",
    tlds: TLDS,
    references: &["https://johannesbader.ch/2015/09/three-variants-of-murofets-dga/"],
    bind,
};

struct MurofetV2 {
    key: [u8; 4],
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let key = parse_hex_u32(raw, 8).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(MurofetV2 {
        key: key.to_le_bytes(),
    }))
}

impl Generator for MurofetV2 {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let mut input = [0u8; 8];
        input[0] = (epoch.year() as u8).wrapping_add(0x30);
        input[1] = epoch.month() as u8;
        input[2] = epoch.day() as u8;
        for pair in (0..COUNT).step_by(2) {
            input[4..].copy_from_slice(&pair.to_le_bytes());
            let mut keyed = input;
            for (i, byte) in keyed.iter_mut().enumerate() {
                *byte ^= self.key[i % 4];
            }
            let digest = Md5::digest(keyed);
            let mut label = String::with_capacity(16);
            for &byte in digest.iter() {
                let c = u32::from(byte & 0x0F) + u32::from(byte >> 4) + u32::from(b'a');
                if c <= u32::from(b'z') {
                    label.push(char::from(c as u8));
                }
            }
            for index in [pair, pair + 1] {
                out.push(format!("{label}.{}", tld_for(index, TLDS)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_domains() {
        // The file does not record its date; it is 2015-09-03, without key.
        assert_names(
            &FAMILY,
            "0",
            Some("2015-09-03"),
            &reference("murofet/v2_example_domains.txt"),
        );
    }

    #[test]
    fn key_8811eea2_makes_the_names_360_netlab_saw() {
        let lines = reference("murofet/netlab_issue11_8811eea2.txt");
        assert_eq!(lines.len(), 57);
        for line in &lines {
            let (day, name) = line.split_once(' ').expect("DAY NAME");
            assert!(
                names(&FAMILY, "8811EEA2", Some(day)).contains(&name.to_owned()),
                "{line}"
            );
        }
    }

    #[test]
    fn keys_change_the_names() {
        let plain = names(&FAMILY, "0", Some("2015-09-03"));
        let keyed = names(&FAMILY, "0xD6D7A4BE", Some("2015-09-03"));
        assert_eq!(keyed.len(), 1020);
        assert_ne!(plain, keyed);
    }

    #[test]
    fn refuses_keys_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "xyz", "123456789", "-1"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }
}

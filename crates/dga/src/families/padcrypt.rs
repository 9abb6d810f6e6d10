//! PadCrypt, a .NET ransomware of early 2016 ("the first ransomware with live
//! support chat").
//!
//! Lawrence Abrams (BleepingComputer) first reversed the DGA and tweeted the
//! newer version; Johannes Bader wrote it up for both versions in "The DGA of
//! PadCrypt" (2016, <https://johannesbader.ch/2016/03/the-dga-of-padcrypt/>).
//! Each name is the SHA-256 of the text `<day>-<month>-<year><sep><n>`
//! (numbers without leading zeros): hex digits 3 to 18 of the digest make
//! the 16-character label, with the digits 0-9 replaced by the letters of
//! `abcdnfolmk`; the last hex digit picks the TLD from a list of 11, `.com`
//! when it is past the end.
//!
//! The seed is the PadCrypt version: `2.2.86.1` (separator `:`, 24 names a
//! day) or `2.2.97.0` (separator `|`, 72 names a day). The date is the
//! victim's clock, modelled in UTC; names change daily.
//!
//! Tested against Bader's `example_domains.txt` (version 2.2.86.1; date not
//! recorded there, found to be 2016-03-06, the day the write-up lists). No
//! public reference output of version 2.2.97.0 is in the project's vectors.

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

const TLDS: &[&str] = &[
    "com", "co.uk", "de", "org", "net", "eu", "info", "online", "co", "cc", "website",
];

/// Replacements of the decimal digits in a label.
const DIGIT_LETTERS: &[u8; 10] = b"abcdnfolmk";

/// The PadCrypt family.
pub static FAMILY: Family = Family {
    name: "padcrypt",
    aliases: &[],
    summary: "PadCrypt ransomware: SHA-256 of the date and a counter",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "2.2.86.1",
            value: "2.2.86.1",
            note: "sample md5 f58072b9413886e7b79e826ad94bd89e (Bader, MalwareHunterTeam)",
        },
        SeedInfo {
            name: "2.2.97.0",
            value: "2.2.97.0",
            note: "sample md5 7c0f7a734014022f249338a23881dc24 (Lawrence Abrams, BleepingComputer)",
        },
    ],
    seed_form: "the PadCrypt version: 2.2.86.1 or 2.2.97.0",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "24 (2.2.86.1) or 72 (2.2.97.0)",
    tlds: TLDS,
    references: &[
        "https://johannesbader.ch/2016/03/the-dga-of-padcrypt/",
        "http://www.bleepingcomputer.com/news/security/the-padcrypt-ransomware-is-still-alive-and-kicking/",
    ],
    bind,
};

struct PadCrypt {
    separator: char,
    count: u32,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let (separator, count) = match raw.trim() {
        "2.2.86.1" => (':', 24),
        "2.2.97.0" => ('|', 72),
        _ => return Err(SeedError::expected(FAMILY.seed_form)),
    };
    Ok(Box::new(PadCrypt { separator, count }))
}

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    }
}

impl Generator for PadCrypt {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let prefix = format!(
            "{}-{}-{}{}",
            epoch.day(),
            epoch.month(),
            epoch.year(),
            self.separator
        );
        let mut input = String::with_capacity(prefix.len() + 2);
        let mut hex = [0u8; 64];
        for number in 0..self.count {
            input.clear();
            input.push_str(&prefix);
            // Writing to a String cannot fail.
            let _ = write!(input, "{number}");
            let digest = Sha256::digest(input.as_bytes());
            for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
                pair[0] = b"0123456789abcdef"[usize::from(byte >> 4)];
                pair[1] = b"0123456789abcdef"[usize::from(byte & 0x0F)];
            }
            let mut name = String::with_capacity(24);
            for &c in &hex[3..19] {
                let c = if c.is_ascii_digit() {
                    DIGIT_LETTERS[usize::from(c - b'0')]
                } else {
                    c
                };
                name.push(char::from(c));
            }
            let tld = TLDS
                .get(usize::from(hex_value(hex[63])))
                .copied()
                .unwrap_or("com");
            name.push('.');
            name.push_str(tld);
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
        // The file does not record its date; it is 2016-03-06.
        assert_names(
            &FAMILY,
            "2.2.86.1",
            Some("2016-03-06"),
            &reference("padcrypt/example_domains.txt"),
        );
    }

    #[test]
    fn newer_version_makes_72_names() {
        let got = names(&FAMILY, "2.2.97.0", Some("2016-03-06"));
        assert_eq!(got.len(), 72);
    }

    #[test]
    fn refuses_unknown_versions() {
        for bad in ["", "2.2.86", "2.2.97.1", "latest"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }
}

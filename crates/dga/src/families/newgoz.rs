//! newGOZ, the GameOver ZeuS mutation that appeared in July 2014, after the
//! takedown of the peer-to-peer GameOver botnet (Operation Tovar).
//!
//! Described by Johannes Bader in "The DGA of newGOZ" (2014,
//! <https://johannesbader.ch/2014/12/the-dga-of-newgoz/>). For each of 1000
//! sequence numbers a day, MD5 hashes the number (32-bit little-endian), then
//! year, month and day (16-bit little-endian), each of the three followed by
//! the four key bytes `01 05 19 35`. Each of the digest's four 32-bit
//! little-endian words gives up to seven base-36 digits (least significant
//! first, stopping when the value runs out), which are written in reverse;
//! the four parts make the label. The TLD follows the sequence number:
//! `.com` if divisible by 4, else `.org` by 3, `.biz` by 2, else `.net`.
//! Names change daily (UTC date).
//!
//! The key is fixed in the one sample analysed; it is the family's only seed
//! (`0x35190501`, the little-endian value of the key bytes).
//!
//! Tested against Bader's `example_domains.txt` (date not recorded; found to
//! be 2015-08-31). andrewaeva/DGA's `new_goz.txt` disagrees in part: it is a
//! shuffled list of 1666 names with no date, of which only 152 are produced
//! by this key (all on 2014-08-29, scattered sequence numbers); the other
//! 1514 appear on no day of 2014-2017 (sequence numbers below 1000, and below
//! 30000 around August 2014), so they come from another key or another
//! malware. The 152 are pinned line by line in
//! `test-data/newgoz/new_goz_pins.txt` and compared exactly.

use chrono::{Datelike, NaiveDate};
use md5::{Digest, Md5};

use super::seed_text::parse_hex_u32;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: u32 = 1000;

/// The newGOZ family.
pub static FAMILY: Family = Family {
    name: "newgoz",
    aliases: &["new-goz"],
    summary: "newGOZ (GameOver ZeuS after Operation Tovar): MD5 of the day in base 36",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "0x35190501",
        note: "key bytes 01 05 19 35 of the sample Bader analysed (Malware-Traffic-Analysis 2014-09-01)",
    }],
    seed_form: "the 32-bit key as hex, e.g. 0x35190501 (its little-endian bytes are hashed)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1000",
    tlds: &["com", "org", "biz", "net"],
    references: &[
        "https://johannesbader.ch/2014/12/the-dga-of-newgoz/",
        "https://github.com/andrewaeva/DGA",
    ],
    bind,
};

/// A newGOZ generator: the key bytes mixed into the hash.
pub(crate) struct NewGoz {
    key: [u8; 4],
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let key = parse_hex_u32(raw, 8).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(NewGoz {
        key: key.to_le_bytes(),
    }))
}

/// Appends up to seven base-36 digits of `value`, most significant first.
fn push_base36(mut value: u32, label: &mut String) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut part = [0u8; 7];
    let mut used = 0;
    while used < part.len() {
        part[used] = DIGITS[(value % 36) as usize];
        value /= 36;
        used += 1;
        if value == 0 {
            break;
        }
    }
    for &c in part[..used].iter().rev() {
        label.push(char::from(c));
    }
}

impl NewGoz {
    /// The name with sequence number `number` on `day`.
    pub(crate) fn name(&self, day: NaiveDate, number: u32) -> String {
        let mut hasher = Md5::new();
        hasher.update(number.to_le_bytes());
        for part in [day.year() as u16, day.month() as u16, day.day() as u16] {
            hasher.update(part.to_le_bytes());
            hasher.update(self.key);
        }
        let digest = hasher.finalize();
        let mut name = String::with_capacity(36);
        for word in digest.chunks_exact(4) {
            let value = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            push_base36(value, &mut name);
        }
        name.push_str(match number {
            n if n % 4 == 0 => ".com",
            n if n % 3 == 0 => ".org",
            n if n % 2 == 0 => ".biz",
            _ => ".net",
        });
        name
    }
}

impl Generator for NewGoz {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        out.extend((0..COUNT).map(|number| self.name(epoch, number)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains() {
        // The file does not record its date; it is 2015-08-31.
        assert_names(
            &FAMILY,
            "0x35190501",
            Some("2015-08-31"),
            &reference("newgoz/example_domains.txt"),
        );
    }

    #[test]
    fn matches_the_newgoz_lines_of_andrewaeva_new_goz() {
        let generator = NewGoz {
            key: [0x01, 0x05, 0x19, 0x35],
        };
        let file = reference("newgoz/new_goz.txt");
        let pins = reference("newgoz/new_goz_pins.txt");
        // Which lines are newGOZ names of this key was found by search; the
        // count is part of what is pinned.
        assert_eq!(pins.len(), 152);
        let mut expected = Vec::new();
        let mut got = Vec::new();
        for pin in &pins {
            let fields: Vec<&str> = pin.split(' ').collect();
            let [line, day, number] = fields[..] else {
                panic!("pin {pin:?}: expected line, day and number");
            };
            let line: usize = line.parse().expect("pin line");
            expected.push(file[line - 1].clone());
            got.push(generator.name(
                day.parse().expect("pin day"),
                number.parse().expect("pin number"),
            ));
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn refuses_keys_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "key", "0x123456789"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }
}

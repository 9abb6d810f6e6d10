//! Murofet (LICAT), a ZeuS offshoot from 2010: variants 1 and 3 of its DGA.
//!
//! Johannes Bader describes three variants in "Three Variants of Murofet's
//! DGA" (2015, <https://johannesbader.ch/2015/09/three-variants-of-murofets-dga/>).
//! All hash with MD5 the bytes `year + 0x30`, month, a rounded day and a
//! 32-bit little-endian name index, and turn the 16 digest bytes into
//! letters; the index runs modulo 1020 from `minute * 17`, 800 names a run,
//! so over a window every index 0..1020 is used. The TLD follows the index:
//! `.ru` if divisible by 6, else `.biz` by 5, `.info` by 4, `.org` by 3,
//! `.net` by 2, else `.com`.
//!
//! Variants 1 and 3 round the day down to a multiple of 7, so an epoch is
//! days 1-6, 7-13, 14-20, 21-27 and 28-end of a month; they differ only in
//! how a digest byte becomes characters (variant 3 also emits digits). The
//! variant is the seed: `v1` or `v3`; they have no key. Variant 2 hashes the
//! exact day and a key, so its windows differ: it is the family
//! `murofet-v2`.
//!
//! Names are listed in index order (the malware starts at a minute-dependent
//! index). Bader's write-up picks the TLD by the loop counter in its
//! pseudo-code but by the index in its Python code; we follow the code, which
//! produced the reference lists.
//!
//! Tested against Bader's variant 1 `example_domains.txt` (indices 0-999; the
//! date is not recorded and was found to be the epoch starting 2015-09-01)
//! and against the ten variant 3 names in Bader's README (the epoch starting
//! 2015-08-28); Bader's full variant 3 list is not among the project's
//! vectors (its blob is missing from the snapshot available to us).

use chrono::{Datelike, Months, NaiveDate};
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Indices per window: the malware counts modulo 60 * 17.
const COUNT: u32 = 1020;

/// The Murofet family (variants 1 and 3).
pub static FAMILY: Family = Family {
    name: "murofet",
    aliases: &["licat"],
    summary: "Murofet (LICAT) ZeuS offshoot: MD5 of the date and an index, variants 1 and 3",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "v1",
            value: "v1",
            note: "Bader's variant 1 (letters only)",
        },
        SeedInfo {
            name: "v3",
            value: "v3",
            note: "Bader's variant 3 (letters and digits)",
        },
    ],
    seed_form: "the variant: v1 or v3",
    schedule: Schedule::Custom {
        rule: "days 1-6, 7-13, 14-20, 21-27 and 28-end of each month (UTC)",
        epoch: sevenths,
    },
    lookback: 0,
    names_per_window: "1020",
    tlds: TLDS,
    references: &["https://johannesbader.ch/2015/09/three-variants-of-murofets-dga/"],
    bind,
};

const TLDS: &[&str] = &["ru", "biz", "info", "org", "net", "com"];

/// The epoch holding `day`: days sharing `day / 7` within a month.
pub(crate) fn sevenths(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = (day.day() / 7 * 7).max(1);
    let start = day.with_day(first).unwrap_or(day);
    let end = match first {
        28 => day
            .with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1))),
        1 => day.with_day(7),
        _ => day.with_day(first + 7),
    };
    (start, end.unwrap_or(start))
}

/// The TLD of the name with this index.
pub(crate) fn tld_for(index: u32, tlds: &'static [&'static str]) -> &'static str {
    let count = tlds.len() as u32;
    tlds.iter()
        .zip((1..=count).rev())
        .find(|&(_, m)| index % m == 0)
        .map_or("com", |(tld, _)| tld)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    V1,
    V3,
}

struct Murofet {
    variant: Variant,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let variant = match raw.trim().to_ascii_lowercase().as_str() {
        "v1" | "1" => Variant::V1,
        "v3" | "3" => Variant::V3,
        _ => return Err(SeedError::expected(FAMILY.seed_form)),
    };
    Ok(Box::new(Murofet { variant }))
}

/// Appends the characters variant 1 makes of one digest byte.
fn v1_chars(byte: u8, name: &mut String) {
    let low = (byte & 0x1F) + b'a';
    let high = (byte >> 3) + b'a';
    if low != high {
        for c in [low, high] {
            if c <= b'z' {
                name.push(char::from(c));
            }
        }
    }
}

/// Appends the characters variant 3 makes of one digest byte: a letter from
/// the low nibble, then a letter from `q` on, or past `z` a digit followed by
/// a second digit derived from the first letter.
fn v3_chars(byte: u8, name: &mut String) {
    let first = (byte & 0x0F) + b'a';
    let second = (byte >> 4) + b'q';
    name.push(char::from(first));
    if second > b'z' {
        name.push(char::from(second - b'J'));
        name.push(char::from(first % 10 + b'0'));
    } else {
        name.push(char::from(second));
    }
}

/// The name with this index in the epoch starting on `epoch`.
fn spell(variant: Variant, epoch: NaiveDate, index: u32) -> String {
    let mut input = [0u8; 7];
    input[0] = (epoch.year() as u8).wrapping_add(0x30);
    input[1] = epoch.month() as u8;
    input[2] = (epoch.day() / 7 * 7) as u8;
    input[3..].copy_from_slice(&index.to_le_bytes());
    let digest = Md5::digest(input);
    let mut name = String::with_capacity(48);
    for &byte in digest.iter() {
        match variant {
            Variant::V1 => v1_chars(byte, &mut name),
            Variant::V3 => v3_chars(byte, &mut name),
        }
    }
    name.push('.');
    name.push_str(tld_for(index, TLDS));
    name
}

/// The variant 1 name with this index in the epoch starting on `epoch`
/// (GameOver ZeuS reuses variant 1).
pub(crate) fn v1_name(epoch: NaiveDate, index: u32) -> String {
    spell(Variant::V1, epoch, index)
}

impl Generator for Murofet {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        out.extend((0..COUNT).map(|index| spell(self.variant, epoch, index)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn matches_bader_v1_example_domains() {
        // Bader's file holds indices 0-999 of the 1020; its date is not
        // recorded and was found to be the epoch starting 2015-09-01.
        let got = names(&FAMILY, "v1", Some("2015-09-01"));
        assert_eq!(got.len(), 1020);
        assert_eq!(got[..1000], reference("murofet/v1_example_domains.txt"));
    }

    #[test]
    fn matches_bader_v3_readme_examples() {
        // The README lists the first ten names of the epoch 2015-08-28..31.
        let got = names(&FAMILY, "v3", Some("2015-08-30"));
        assert_eq!(got[..10], reference("murofet/v3_readme_examples.txt"));
    }

    #[test]
    fn epochs_are_sevenths_of_a_month() {
        assert_eq!(
            sevenths(d("2015-09-01")),
            (d("2015-09-01"), d("2015-09-07"))
        );
        assert_eq!(
            sevenths(d("2015-09-06")),
            (d("2015-09-01"), d("2015-09-07"))
        );
        assert_eq!(
            sevenths(d("2015-09-13")),
            (d("2015-09-07"), d("2015-09-14"))
        );
        assert_eq!(
            sevenths(d("2015-09-30")),
            (d("2015-09-28"), d("2015-10-01"))
        );
        assert_eq!(
            sevenths(d("2015-12-31")),
            (d("2015-12-28"), d("2016-01-01"))
        );
    }

    #[test]
    fn refuses_unknown_variants() {
        for bad in ["", "v2", "v4", "x"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn epochs_tile_the_calendar() {
        // Every day lies in its epoch, and the epochs tile the calendar.
        let mut day = d("2015-01-01");
        while day < d("2017-01-01") {
            let (start, end) = sevenths(day);
            assert!(start <= day && day < end, "{day}: {start}..{end}");
            assert_eq!(sevenths(start), (start, end), "{day}");
            assert_eq!(sevenths(end).0, end, "{day}");
            day = day.succ_opt().expect("next day");
        }
    }
}

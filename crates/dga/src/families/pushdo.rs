//! Pushdo, the downloader of the Cutwail spam botnet, seen from 2007, with
//! two DGA variants described in public re-implementations only.
//!
//! **Table variant** (Bader's re-implementation, 2019 and 2025,
//! <https://github.com/baderj/domain_generation_algorithms/tree/master/pushdo>).
//! A day number is computed from the date (see [`table_day_number`]; as
//! re-implemented, its month sum runs from February through the current
//! month rather than from January through the previous one). On each day the malware walks 45 day numbers: the current
//! one, the 30 before it, then the 14 after it. Each yields 30 names: the
//! MD5 of the 32-bit little-endian value gives the next value (its first
//! four bytes) and, byte by byte, syllables of a consonant, a vowel and an
//! optional third letter taken from the configuration's tables, cut to 9
//! to 12 letters. A seed is such a configuration: two consonant tables, two
//! bit masks and a TLD. Four are public (`kz_v1`, `com_v1`, `kz_v2`,
//! `kz_v3`). Bader's script appends `.kz` whatever the configuration says,
//! so its `com_v1` output ends in `.kz`; here `com_v1` uses `.com`, the TLD
//! its configuration names (no public output exists for it).
//!
//! **Chain variant** (andrewaeva's re-implementation from a decompiled
//! sample, 2014, <https://github.com/andrewaeva/DGA>, file
//! `dga_algorithms/PushDO.py`). The date becomes a day count, whose 32-bit
//! little-endian bytes are hashed with MD5; every later input is the first
//! 32 bits of the previous digest plus 0x01000000, written as lower-case
//! hex text. Letters come from the digest bytes; each name is cut to eight
//! letters under `.ru`. The re-implementation runs 100,000 steps a day; the
//! malware's own count is not published. The seed `ru` yields the first
//! 1000 names a day; `ru:<count>` asks for up to 100,000. In leap years the
//! decompiled code lengthens December, a month that never enters its sum, so
//! February counts 28 days in every year (the Python script crashes on that
//! line, so no leap-year reference output exists).
//!
//! Windows. Epochs are UTC days. The table variant tries names of 45 day
//! numbers around the current one, and its day numbers are not monotonic
//! across month ends (February 1 numbers two below January 31), so each
//! day's epoch yields every name tried that day (1350) in the malware's
//! order, and [`Generator::spread_days`] lets the engine join the days on
//! which a name is listed back to back into one window; a gap starts a new
//! one. A name is listed on 45 to 49 days (day numbers repeat at the
//! January/February turn), but the syllable alphabet is small and names of
//! different day numbers coincide now and then, joining their stretches:
//! over 1990-2100 the longest stretch of the four table seeds is 90 days,
//! so their spread is 90 (a custom configuration could, by such chance,
//! exceed it, and a window reaching more than 90 days beyond a requested
//! range would then be cut there). The chain variant's day count gives
//! February 29 the number of March 1, so in leap years those two days share
//! their names; with chance coincidences its longest stretch over
//! 1990-2100 (1000 names a day) is 3 days, its spread 3.
//!
//! Reference outputs: Bader's `example_domains.txt` (kz_v1, 1350 names), not
//! dated, matches 2019-12-06 (the day Bader committed it). andrewaeva's
//! `pushdo_1000.txt` is a random sample (numpy, unseeded) of the chain
//! variant's 100,000 names for 2014-11-07 (the day the full list was
//! committed); its selection and order cannot be reproduced, so the test
//! checks that each of its lines is among that day's names.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day number in the table variant.
const TABLE_NAMES_PER_NUMBER: u32 = 30;
/// Default and largest names per day in the chain variant.
const CHAIN_DEFAULT: usize = 1000;
const CHAIN_MAX: usize = 100_000;

const VOWELS_A: &[u8; 5] = b"aeiou";
const VOWELS_B: &[u8; 3] = b"aio";

/// The Pushdo family.
pub static FAMILY: Family = Family {
    name: "pushdo",
    aliases: &[],
    summary: "Pushdo downloader: MD5-driven consonant-vowel syllables over day numbers",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "kz_v1",
            value: "bcdfghjklmnpqrstvwx:zxtsrqpnmlkgfdc:7:1:kz",
            note: "Bader's re-implementation (2019); reference output for 2019-12-06",
        },
        SeedInfo {
            name: "com_v1",
            value: "bcdfghjklmnpqrstvwx:zxtsrqpnmlkgfdc:7:1:com",
            note: "Bader's re-implementation (2019); no public output with .com",
        },
        SeedInfo {
            name: "kz_v2",
            value: "kqbhcndjfwglpmzxrsv:qzlbtgrnkxsfdcm:8:2:kz",
            note: "Bader's re-implementation (2019); no public output",
        },
        SeedInfo {
            name: "kz_v3",
            value: "zhjntdwmqbglpxrsfc:rlngbtkszpfdcmx:8:2:kz",
            note: "Bader's re-implementation (2025, \"new pushdo seed\"); no public output",
        },
        SeedInfo {
            name: "ru",
            value: "ru",
            note: "andrewaeva's re-implementation (2014); sampled output for 2014-11-07",
        },
    ],
    seed_form:
        "a table configuration <consonants-a>:<consonants-b (15 letters)>:<mask>:<mask2>:<tld>, \
                e.g. bcdfghjklmnpqrstvwx:zxtsrqpnmlkgfdc:7:1:kz, or one of the names \
                kz_v1, com_v1, kz_v2, kz_v3; or ru (chain variant), optionally ru:<count> \
                with count 1-100000",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1350 (table variant: 30 for each of 45 day numbers); \
                       1000 by default (chain variant, count configurable)",
    tlds: &["kz", "com", "ru"],
    references: &[
        "https://github.com/baderj/domain_generation_algorithms/tree/master/pushdo",
        "https://github.com/andrewaeva/DGA",
    ],
    bind,
};

/// One table configuration of the table variant.
struct Tables {
    consonants_a: Vec<u8>,
    consonants_b: [u8; 15],
    mask: u32,
    mask2: u32,
    tld: String,
}

enum Pushdo {
    Tables(Tables),
    Chain { count: usize },
}

fn preset(name: &str) -> Option<&'static str> {
    FAMILY
        .seeds
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name) && s.name != "ru")
        .map(|s| s.value)
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let seed = seed.trim();
    let seed = preset(seed).unwrap_or(seed);
    let chain_count = if seed == "ru" {
        Some(CHAIN_DEFAULT)
    } else if let Some(count) = seed.strip_prefix("ru:") {
        Some(count.trim().parse::<usize>().map_err(|_| bad())?)
    } else {
        None
    };
    if let Some(count) = chain_count {
        if count == 0 || count > CHAIN_MAX {
            return Err(bad());
        }
        return Ok(Box::new(Pushdo::Chain { count }));
    }
    let fields: Vec<&str> = seed.split(':').map(str::trim).collect();
    let [a, b, mask, mask2, tld] = fields[..] else {
        return Err(bad());
    };
    let letters = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_lowercase());
    let consonants_b: [u8; 15] = b.as_bytes().try_into().map_err(|_| bad())?;
    let tld = tld.trim_start_matches('.').to_ascii_lowercase();
    let tld_ok = !tld.is_empty()
        && tld.len() <= 63
        && tld
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.');
    if !letters(a) || !letters(b) || !tld_ok {
        return Err(bad());
    }
    Ok(Box::new(Pushdo::Tables(Tables {
        consonants_a: a.as_bytes().to_vec(),
        consonants_b,
        mask: mask.parse().map_err(|_| bad())?,
        mask2: mask2.parse().map_err(|_| bad())?,
        tld,
    })))
}

/// The table variant's day number: the day of the month, plus the lengths
/// of February up to the current month (not January up to the previous
/// one), plus 365 days per year and one more per fourth year, as Bader's
/// re-implementation counts them. Every fourth year has a 29-day February.
fn table_day_number(day: NaiveDate) -> i64 {
    let year = i64::from(day.year());
    let february = if year.rem_euclid(4) == 0 { 29 } else { 28 };
    let lengths = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let months: i64 = lengths.iter().skip(1).take(day.month0() as usize).sum();
    let leap_years = year.div_euclid(4);
    i64::from(day.day()) + months + 365 * (year - leap_years) + 366 * leap_years
}

impl Tables {
    /// Appends the syllable for one digest byte.
    fn syllable(&self, byte: u8, label: &mut Vec<u8>) {
        let r = u32::from(byte);
        let len_a = self.consonants_a.len().max(1) as u32;
        if let Some(&c) = self.consonants_a.get((r % len_a) as usize) {
            label.push(c);
        }
        let after = r + 2;
        let vowel = VOWELS_A[(((r + 1) & 0xff) % 5) as usize];
        label.push(vowel);
        if vowel == b'e' && after & self.mask != 0 {
            label.push(VOWELS_B[(after % 3) as usize]);
        } else if after & self.mask2 != 0 {
            label.push(self.consonants_b[((r + 3) % 15) as usize]);
        }
    }

    fn names_for_number(&self, number: i64, out: &mut Vec<String>) {
        // The malware packs the day number as an unsigned 32-bit value.
        let mut value = number as u32;
        let mut label = Vec::with_capacity(16);
        for _ in 0..TABLE_NAMES_PER_NUMBER {
            let digest = Md5::digest(value.to_le_bytes());
            value = u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
            let length = (value & 3) as usize + 9;
            label.clear();
            for &byte in digest.iter() {
                self.syllable(byte, &mut label);
                if label.len() >= length {
                    break;
                }
            }
            label.truncate(length);
            let mut name = String::with_capacity(label.len() + 1 + self.tld.len());
            name.extend(label.iter().map(|&b| char::from(b)));
            name.push('.');
            name.push_str(&self.tld);
            out.push(name);
            value = value.wrapping_add(1);
        }
    }
}

/// The chain variant's day count: the day of the month, plus the lengths of
/// the months before (February always 28 days, see the module doc), plus
/// 365 days per year and one more per fourth year; 0 for years before 1.
fn chain_day_number(day: NaiveDate) -> u32 {
    const LENGTHS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let Ok(year) = u32::try_from(day.year()) else {
        return 0;
    };
    if year == 0 {
        return 0;
    }
    let months: u32 = LENGTHS.iter().take(day.month0() as usize).sum();
    day.day() + months + 365 * (year - year / 4) + 366 * (year / 4)
}

/// The chain variant's label from one digest, before it is cut to eight
/// letters.
fn chain_label(digest: &[u8], label: &mut Vec<u8>) {
    const CONSONANTS_A: &[u8; 20] = b"bcdfghjklmnpqrstvwxz";
    const VOWELS: &[u8; 6] = b"aeiouy";
    const THIRD_VOWELS: &[u8; 4] = b"aiou";
    const CONSONANTS_B: &[u8; 16] = b"zxtsrqpnmlkgfdcb";
    label.clear();
    for &byte in digest {
        if label.len() > 10 {
            return;
        }
        // The re-implementation counts in an unbounded integer, so values
        // past 255 are not wrapped.
        let mut b = u32::from(byte);
        label.push(CONSONANTS_A[(b % 19) as usize]);
        b += 1;
        let vowel = VOWELS[(b % 5) as usize];
        label.push(vowel);
        b += 1;
        if vowel == b'e' {
            if b & 7 != 0 {
                label.push(THIRD_VOWELS[(b % 3) as usize]);
            }
        } else if b & 1 != 0 {
            b += 1;
            label.push(CONSONANTS_B[(b % 15) as usize]);
        }
    }
}

fn chain_names(day: NaiveDate, count: usize, out: &mut Vec<String>) {
    let mut input = String::with_capacity(9);
    let mut digest = Md5::digest(chain_day_number(day).to_le_bytes());
    let mut label = Vec::with_capacity(20);
    for _ in 0..count {
        chain_label(&digest, &mut label);
        label.truncate(8);
        let mut name = String::with_capacity(label.len() + 3);
        name.extend(label.iter().map(|&b| char::from(b)));
        name.push_str(".ru");
        out.push(name);
        let head = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
        input.clear();
        // Writing to a String cannot fail.
        let _ = write!(input, "{:08x}", u64::from(head) + 0x0100_0000);
        digest = Md5::digest(input.as_bytes());
    }
}

impl Generator for Pushdo {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        match self {
            Pushdo::Tables(tables) => {
                let today = table_day_number(epoch);
                for offset in (-30..=0).rev().chain(1..=14) {
                    tables.names_for_number(today + offset, out);
                }
            }
            Pushdo::Chain { count } => chain_names(epoch, *count, out),
        }
    }

    fn spread_days(&self) -> u32 {
        match self {
            // Measured over 1990-2100, see the module doc.
            Pushdo::Tables(_) => 90,
            Pushdo::Chain { .. } => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_domains_kz_v1_2019_12_06() {
        assert_names(
            &FAMILY,
            "kz_v1",
            Some("2019-12-06"),
            &reference("pushdo/example_domains.txt"),
        );
    }

    #[test]
    fn contains_every_name_of_andrewaeva_sample_2014_11_07() {
        let sample = reference("pushdo/pushdo_1000.txt");
        assert_eq!(sample.len(), 1000);
        let day: std::collections::HashSet<String> =
            names(&FAMILY, "ru:100000", Some("2014-11-07"))
                .into_iter()
                .collect();
        let missing: Vec<&String> = sample.iter().filter(|n| !day.contains(*n)).collect();
        assert!(missing.is_empty(), "not generated: {missing:?}");
    }

    #[test]
    fn the_chain_variant_yields_its_default_count() {
        assert_eq!(
            names(&FAMILY, "ru", Some("2014-11-07")).len(),
            CHAIN_DEFAULT
        );
    }

    #[test]
    fn com_v1_differs_from_kz_v1_only_in_the_tld() {
        let kz = names(&FAMILY, "kz_v1", Some("2019-12-06"));
        let com = names(&FAMILY, "com_v1", Some("2019-12-06"));
        let stripped: Vec<String> = com
            .iter()
            .map(|n| n.trim_end_matches(".com").to_owned() + ".kz")
            .collect();
        assert_eq!(stripped, kz);
    }

    #[test]
    fn refuses_malformed_configurations() {
        for seed in [
            "",
            "kz_v9",
            "bcdfghjklmnpqrstvwx:zxtsrqpnmlkgfd:7:1:kz",
            "bcdfghjklmnpqrstvwx:zxtsrqpnmlkgfdc:x:1:kz",
            "bcdfghjklmnpqrstvwx:zxtsrqpnmlkgfdc:7:1",
            "BCD:zxtsrqpnmlkgfdc:7:1:kz",
            "ru:0",
            "ru:100001",
            "rux",
        ] {
            assert!((FAMILY.bind)(seed).is_err(), "{seed:?} accepted");
        }
    }
}

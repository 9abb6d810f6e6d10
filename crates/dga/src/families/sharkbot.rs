//! SharkBot, an Android banking trojan seen from late 2021, whose fallback
//! DGA changed between builds.
//!
//! Described by Johannes Bader, "The Domain Generation Algorithms of
//! SharkBot" (2022, <https://bin.re/blog/the-dgas-of-sharkbot/>), who
//! decompiled four builds. The seed is the build's DGA version:
//!
//! - `0.0`: the base64 of `<week><fixed string>`, first 19 characters,
//!   lower-cased, under seven TLDs (`top`, `xyz`, `cc`, `info`, `com`, `ru`,
//!   `net`): one second-level name per week.
//! - `1.63`: as `0.0`, but the number is week + year (`2044` in week 22 of
//!   2022).
//! - `2.1`: the first 16 hex digits of MD5(`.<tld><week>`) for seven other
//!   TLDs (`xyz`, `live`, `com`, `store`, `info`, `top`, `net`). The malware
//!   appends the year to the 32-digit hash before cutting 16 digits, so the
//!   year never shows.
//! - `2.8`: the first 16 hex digits of MD5(`.<tld><week><year>`).
//!
//! The week is the week of the year and the year the calendar year of the
//! device's clock. The malware asks Java's `Calendar`, whose week numbering
//! depends on the device's locale; like Bader's re-implementation this one
//! uses ISO weeks, so devices in locales whose weeks start on Sunday shift
//! by a day. For `1.63` and `2.8` a window is one ISO week (Monday to
//! Sunday, UTC), cut at 1 January because the calendar year changes there
//! while the ISO week does not. `0.0` and `2.1` ignore the year, so both
//! halves of a week that spans New Year carry the same seven names: their
//! window is the whole ISO week. Their names recur a year later, in the
//! week with the same number, as a separate window.
//!
//! References disagree: Bader's example files for `0.0` and `1.63` were
//! made on 2022-06-03, before his fix of 2022-07-14 (commit 5356c0d), which
//! gave these versions their own TLD list and changed the `1.63` number from
//! the text `<week><year>` to the sum week + year. This module follows the
//! fixed algorithm: the `0.0` file matches it in its second-level names but
//! not its TLDs, and the `1.63` file matches not at all, so there is no
//! public reference output for `1.63`. Bader's `2.0` file is empty and no
//! `2.0` algorithm is published, so `2.0` is not offered.

use chrono::{Datelike, Days, NaiveDate};
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The SharkBot family.
pub static FAMILY: Family = Family {
    name: "sharkbot",
    aliases: &[],
    summary: "SharkBot Android banking trojan: weekly names from base64 or MD5 of week and year",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "v2.8",
            value: "2.8",
            note: "Bader (2022): builds with DGA version 2.8",
        },
        SeedInfo {
            name: "v2.1",
            value: "2.1",
            note: "Bader (2022): builds with DGA version 2.1",
        },
        SeedInfo {
            name: "v1.63",
            value: "1.63",
            note: "Bader (2022): builds with DGA version 1.63",
        },
        SeedInfo {
            name: "v0.0",
            value: "0.0",
            note: "Bader (2022): first build, version 0.0.0, SHA-256 76b4ee2d...",
        },
    ],
    seed_form: "a DGA version: 0.0, 1.63, 2.1 or 2.8 (a leading v is allowed)",
    schedule: Schedule::Custom {
        rule: "1 ISO week (Monday to Sunday, UTC), split at 1 January",
        epoch: week_of,
    },
    lookback: 0,
    names_per_window: "7",
    tlds: &[
        "top", "xyz", "cc", "info", "com", "ru", "net", "live", "store",
    ],
    references: &[
        "https://bin.re/blog/the-dgas-of-sharkbot/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/sharkbot",
    ],
    bind,
};

/// The string the early builds append to the week number before base64.
const SALT: &str = "pojBI9LHGFdfgegjjsJ99hvVGHVOjhksdf";

/// TLDs of versions 0.0 and 1.63, in the malware's order.
const TLDS_V1: [&str; 7] = ["top", "xyz", "cc", "info", "com", "ru", "net"];

/// TLDs of versions 2.x, in the malware's order.
const TLDS_V2: [&str; 7] = ["xyz", "live", "com", "store", "info", "top", "net"];

#[derive(Debug, Clone, Copy)]
enum Version {
    V0_0,
    V1_63,
    V2_1,
    V2_8,
}

struct SharkBot {
    version: Version,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let trimmed = seed.trim();
    let number = trimmed
        .strip_prefix(['v', 'V'])
        .unwrap_or(trimmed)
        .trim_end_matches(".0");
    let version = match number {
        "0" | "0.0" => Version::V0_0,
        "1.63" => Version::V1_63,
        "2.1" => Version::V2_1,
        "2.8" => Version::V2_8,
        _ => return Err(SeedError::expected(FAMILY.seed_form)),
    };
    Ok(Box::new(SharkBot { version }))
}

/// The epochs of versions that ignore the year.
const WHOLE_WEEKS: Schedule = Schedule::Custom {
    rule: "1 ISO week (Monday to Sunday, UTC)",
    epoch: iso_week_of,
};

/// The ISO week holding `day`, Monday to the next Monday.
fn iso_week_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let back = u64::from(day.weekday().num_days_from_monday());
    let monday = day.checked_sub_days(Days::new(back)).unwrap_or(day);
    let next_monday = monday
        .checked_add_days(Days::new(7))
        .unwrap_or(NaiveDate::MAX);
    (monday, next_monday)
}

/// The ISO week holding `day`, cut at 1 January.
fn week_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let (monday, next_monday) = iso_week_of(day);
    let new_year = day.with_ordinal(1).unwrap_or(day);
    let next_new_year = NaiveDate::from_ymd_opt(day.year() + 1, 1, 1).unwrap_or(NaiveDate::MAX);
    (monday.max(new_year), next_monday.min(next_new_year))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The first `count` characters of the base64 of `input`, lower-cased.
fn base64_prefix_lower(input: &[u8], count: usize, out: &mut String) {
    let mut written = 0;
    for chunk in input.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let group = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        // A chunk of n bytes gives n + 1 characters; padding never shows as
        // the prefix taken is shorter than the encoding of the salt alone.
        for k in 0..=chunk.len() {
            if written == count {
                return;
            }
            let index = (group >> (18 - 6 * k)) & 0x3f;
            out.push(char::from(BASE64[index as usize].to_ascii_lowercase()));
            written += 1;
        }
    }
}

fn push_hex_prefix(digest: &[u8], digits: usize, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in digest.iter().take(digits / 2) {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
}

impl Generator for SharkBot {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let week = epoch.iso_week().week();
        let year = epoch.year();
        match self.version {
            Version::V0_0 | Version::V1_63 => {
                let number = match self.version {
                    Version::V1_63 => i64::from(week) + i64::from(year),
                    _ => i64::from(week),
                };
                let mut sld = String::with_capacity(19);
                base64_prefix_lower(format!("{number}{SALT}").as_bytes(), 19, &mut sld);
                out.extend(TLDS_V1.iter().map(|tld| format!("{sld}.{tld}")));
            }
            Version::V2_1 | Version::V2_8 => {
                for tld in TLDS_V2 {
                    let mut hasher = Md5::new();
                    match self.version {
                        Version::V2_8 => hasher.update(format!(".{tld}{week}{year}")),
                        _ => hasher.update(format!(".{tld}{week}")),
                    }
                    let mut name = String::with_capacity(16 + 1 + tld.len());
                    push_hex_prefix(&hasher.finalize(), 16, &mut name);
                    name.push('.');
                    name.push_str(tld);
                    out.push(name);
                }
            }
        }
    }

    fn schedule(&self) -> Option<Schedule> {
        match self.version {
            Version::V0_0 | Version::V2_1 => Some(WHOLE_WEEKS),
            Version::V1_63 | Version::V2_8 => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    /// Bader's files were made in ISO week 22 of 2022 (2022-05-30 to
    /// 2022-06-05), found by trying every week; he committed them on
    /// 2022-06-03.
    const DAY: &str = "2022-06-03";

    #[test]
    fn matches_bader_v2_8() {
        assert_names(
            &FAMILY,
            "2.8",
            Some(DAY),
            &reference("sharkbot/example_domains_v2.8.txt"),
        );
    }

    #[test]
    fn matches_bader_v2_1() {
        assert_names(
            &FAMILY,
            "v2.1",
            Some(DAY),
            &reference("sharkbot/example_domains_v2.1.txt"),
        );
    }

    /// Bader's v0.0 file predates his fix of the v0.0 TLD list, so only its
    /// second-level names still stand; the TLDs are checked against the
    /// fixed list.
    #[test]
    fn v0_0_second_level_names_match_bader_file_made_before_the_tld_fix() {
        let got = names(&FAMILY, "0.0", Some(DAY));
        let sld = |name: &String| name.split('.').next().unwrap_or_default().to_owned();
        let expected: Vec<String> = reference("sharkbot/example_domains_v0.0.txt")
            .iter()
            .map(sld)
            .collect();
        assert_eq!(got.iter().map(sld).collect::<Vec<_>>(), expected);
        let tlds: Vec<&str> = got.iter().filter_map(|n| n.split('.').nth(1)).collect();
        assert_eq!(tlds, TLDS_V1);
    }

    #[test]
    fn v1_63_adds_week_and_year() {
        // base64("2044pojB...") starts "MjA0NHBvakJJOUxIR0Z".
        assert_eq!(
            names(&FAMILY, "1.63", Some(DAY))[0],
            "mja0nhbvakjjouxir0z.top"
        );
    }

    #[test]
    fn weeks_are_cut_at_new_year() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(week_of(d("2024-12-31")), (d("2024-12-30"), d("2025-01-01")));
        assert_eq!(week_of(d("2025-01-01")), (d("2025-01-01"), d("2025-01-06")));
        assert_eq!(week_of(d("2022-06-05")), (d("2022-05-30"), d("2022-06-06")));
    }

    #[test]
    fn versions_without_the_year_keep_a_week_across_new_year() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            iso_week_of(d("2024-12-31")),
            (d("2024-12-30"), d("2025-01-06"))
        );
        for seed in ["0.0", "2.1"] {
            let generator = (FAMILY.bind)(seed).unwrap();
            let schedule = crate::schedule_of(&FAMILY, generator.as_ref());
            assert_eq!(
                schedule.epoch_of(d("2025-01-02")),
                Some((d("2024-12-30"), d("2025-01-06")))
            );
            assert_eq!(
                names(&FAMILY, seed, Some("2024-12-30")),
                names(&FAMILY, seed, Some("2025-01-05"))
            );
        }
        for seed in ["1.63", "2.8"] {
            assert_ne!(
                names(&FAMILY, seed, Some("2024-12-31")),
                names(&FAMILY, seed, Some("2025-01-01"))
            );
        }
    }

    #[test]
    fn refuses_unknown_versions() {
        for bad in ["", "2.0", "3", "v", "2.8x", "1.6"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

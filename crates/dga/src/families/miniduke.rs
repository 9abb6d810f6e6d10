//! MiniDuke's two Twitter-handle generators, as ESET described them in
//! "Miniduke still duking" (2014,
//! <http://www.welivesecurity.com/2014/05/20/miniduke-still-duking/>) and
//! published with their output in github.com/eset/malware-research
//! `miniduke/` (commit cf55efe).
//!
//! MiniDuke does not ask DNS for these names: when its other channels fail
//! it reads the Twitter account of the week (main component) or of the
//! month (TwitterJS component) and finds its C&C address in the tweets.
//! The output is therefore account names, not domains, and this module is
//! deliberately not in [`super::ALL`]: a policy zone or block list has no
//! use for them, and every family there carries TLDs. Defenders use them
//! to watch or report the accounts (`cautery handles miniduke`).
//!
//! Main component (one handle a period, five periods a month: days 1-6,
//! 7-13, 14-20, 21-27 and 28 to the end, i.e. `day / 7`): MD5 over 64
//! bytes holding `day / 7` at offset 0, the month at 2, the year (little
//! endian) at 4 and the string `vSkadnDljYE74fFk` at 8; the sum of the
//! digest's first and last little-endian 32-bit words is appended to the
//! 16 digest bytes and the 20 bytes are base64-encoded. The first 7 to 12
//! characters are the handle (7 plus the first four base64 characters read
//! as a little-endian number, modulo 6), with `+` written `a` and `/`
//! written `9`. ESET's script also means to replace a leading digit by
//! `A`, but in its Python 2 the test compares a string with a number and
//! never holds, and its published list keeps the 11 leading digits; this
//! module reproduces the published list.
//!
//! TwitterJS component (four handles a month): SHA-1 over the decimal text
//! `WEEK MONTH YEAR` without spaces (week 0-3, month 0-11 as JavaScript
//! counts them); the first three digest words, as signed 32-bit decimal
//! numbers, are concatenated, written as UTF-16LE with a byte-order mark
//! (ADODB.Stream's default "Unicode" charset) and base64-encoded by
//! MSXML, which breaks lines every 72 characters. The handle is the first
//! `7 + week` characters of the last run of a letter and 14 word
//! characters on the first line (the component's regular expression
//! `.*([A-Za-z]\w{14})`). The script's SHA-1 is not quite SHA-1: its
//! helper that adds 32-bit words overwrites the global variable holding
//! the second chaining word, so the second word of the result is the
//! rounds' output plus 0xFFFF instead of plus 0xEFCDAB89. Without that
//! quirk only 57 of ESET's 96 handles come out; with it all 96 do. ESET's
//! script loops over weeks 0-5, but its list holds weeks 0-3 only (no
//! handle of 11 or 12 characters), so this module gives those four; how
//! the component picks the week from the date is not published.
//!
//! Reference output: ESET's `main_dga_accounts.txt` (104 handles, the
//! weeks from 2013-01-01 to 2014-12-23) and `twitterjs_dga_accounts.txt`
//! (96 handles, four a month of 2013 and 2014), both lists sorted: all
//! reproduced, as sets (`test-data/miniduke/`).

use chrono::{Datelike, NaiveDate};
use md5::{Digest, Md5};

/// The constant string of the main component's hash input.
const MAIN_KEY: &[u8; 16] = b"vSkadnDljYE74fFk";

/// Where MSXML breaks the lines of its base64 output.
const MSXML_LINE: usize = 72;

/// Handles the TwitterJS component uses each month (weeks 0-3).
pub const TWITTERJS_WEEKS: u32 = 4;

/// Which MiniDuke component reads a handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The main component: one handle a period of about a week.
    Main,
    /// The TwitterJS component: four handles a month.
    TwitterJs,
}

impl Component {
    /// The lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Main => "main",
            Component::TwitterJs => "twitterjs",
        }
    }
}

/// A handle with the days (UTC, inclusive) on which a component reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandleWindow {
    /// The component.
    pub component: Component,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// The Twitter account name.
    pub handle: String,
}

/// Every handle of both components whose period meets the days `from` to
/// `to` (inclusive), ordered by period start, main before TwitterJS.
pub fn handles(from: NaiveDate, to: NaiveDate) -> Vec<HandleWindow> {
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        let next_month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
        let last = next_month.pred_opt().unwrap_or(month);
        // The main component's periods start on days 1, 7, 14, 21 and 28.
        let starts = [1, 7, 14, 21, 28];
        for (i, &start) in starts.iter().enumerate() {
            let Some(begin) = month.with_day(start) else {
                continue;
            };
            let end = starts
                .get(i + 1)
                .and_then(|&d| month.with_day(d - 1))
                .unwrap_or(last);
            if end >= from && begin <= to {
                out.push(HandleWindow {
                    component: Component::Main,
                    from: begin,
                    to: end,
                    handle: main_handle(begin),
                });
            }
        }
        for handle in twitterjs_handles(month.year(), month.month()) {
            out.push(HandleWindow {
                component: Component::TwitterJs,
                from: month,
                to: last,
                handle,
            });
        }
        if next_month == NaiveDate::MAX {
            break;
        }
        month = next_month;
    }
    out.sort_by_key(|w| (w.from, w.component != Component::Main));
    out
}

/// The Twitter handle the main component reads during the period holding
/// `day` (periods begin on days 1, 7, 14, 21 and 28 of each month).
pub fn main_handle(day: NaiveDate) -> String {
    let mut input = [0u8; 64];
    // day / 7 is 0..=4 and month 1..=12: both fit a byte.
    input[0] = (day.day() / 7) as u8;
    input[2] = day.month() as u8;
    // The malware keeps the low 16 bits of the year.
    let year = (day.year() as u32 & 0xFFFF) as u16;
    input[4..6].copy_from_slice(&year.to_le_bytes());
    input[8..24].copy_from_slice(MAIN_KEY);
    let digest: [u8; 16] = Md5::digest(input).into();
    let first = u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let last = u32::from_le_bytes([digest[12], digest[13], digest[14], digest[15]]);
    let mut bytes = [0u8; 20];
    bytes[..16].copy_from_slice(&digest);
    bytes[16..].copy_from_slice(&first.wrapping_add(last).to_le_bytes());
    let encoded = base64(&bytes);
    let head = encoded.as_bytes();
    let length = 7 + u32::from_le_bytes([head[0], head[1], head[2], head[3]]) % 6;
    encoded[..length as usize]
        .chars()
        .map(|c| match c {
            '+' => 'a',
            '/' => '9',
            other => other,
        })
        .collect()
}

/// The handles the TwitterJS component reads in a month (`month` 1-12), in
/// the order of its weeks 0-3.
pub fn twitterjs_handles(year: i32, month: u32) -> Vec<String> {
    (0..TWITTERJS_WEEKS)
        .map(|week| twitterjs_handle(year, month.saturating_sub(1), week))
        .collect()
}

/// One TwitterJS handle; `month0` counts from 0 as JavaScript's months do.
fn twitterjs_handle(year: i32, month0: u32, week: u32) -> String {
    let words = twitterjs_sha1(format!("{week}{month0}{year}").as_bytes());
    let text: String = words[..3].iter().map(|&w| (w as i32).to_string()).collect();
    // ADODB.Stream writes text as UTF-16LE after a byte-order mark.
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let encoded = base64(&bytes);
    let length = 7 + week as usize;
    let first_line = &encoded.as_bytes()[..encoded.len().min(MSXML_LINE)];
    let is_word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    // The greedy `.*` leaves the last position on the line where a letter
    // and 14 word characters start; with no such position the text is
    // left as it is and its beginning is taken.
    let start = (0..first_line.len().saturating_sub(14)).rev().find(|&p| {
        first_line[p].is_ascii_alphabetic() && first_line[p + 1..p + 15].iter().all(is_word)
    });
    let from = start.unwrap_or(0);
    encoded[from..(from + length).min(encoded.len())].to_owned()
}

/// SHA-1 of a short message as the TwitterJS component computes it: the
/// standard rounds, but the second chaining word ends as the rounds'
/// output plus 0xFFFF (see the module documentation).
fn twitterjs_sha1(message: &[u8]) -> [u32; 5] {
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&((message.len() as u64) * 8).to_be_bytes());
    let mut state: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    for block in padded.chunks_exact(64) {
        let mut schedule = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            schedule[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            schedule[i] = (schedule[i - 3] ^ schedule[i - 8] ^ schedule[i - 14] ^ schedule[i - 16])
                .rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = state;
        for (i, &word) in schedule.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let next = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(word)
                .wrapping_add(k);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = next;
        }
        state = [
            state[0].wrapping_add(a),
            b.wrapping_add(0xFFFF),
            state[2].wrapping_add(c),
            state[3].wrapping_add(d),
            state[4].wrapping_add(e),
        ];
    }
    state
}

/// Standard base64 (RFC 4648, with `=` padding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 0x3F) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::Days;

    use super::*;
    use crate::families::testing::reference;

    #[test]
    fn main_component_matches_esets_104_handles_of_2013_and_2014() {
        let expected: BTreeSet<String> = reference("miniduke/main_dga_accounts.txt")
            .into_iter()
            .collect();
        assert_eq!(expected.len(), 104);
        let first = NaiveDate::from_ymd_opt(2013, 1, 1).expect("date");
        let got: BTreeSet<String> = (0..104)
            .map(|week| main_handle(first + Days::new(7 * week)))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn main_component_keeps_one_handle_per_period() {
        let day = |d| NaiveDate::from_ymd_opt(2014, 5, d).expect("date");
        assert_eq!(main_handle(day(7)), main_handle(day(13)));
        assert_ne!(main_handle(day(6)), main_handle(day(7)));
        assert_eq!(main_handle(day(28)), main_handle(day(31)));
    }

    #[test]
    fn twitterjs_component_matches_esets_96_handles_of_2013_and_2014() {
        let expected: BTreeSet<String> = reference("miniduke/twitterjs_dga_accounts.txt")
            .into_iter()
            .collect();
        assert_eq!(expected.len(), 96);
        let got: Vec<String> = [2013, 2014]
            .into_iter()
            .flat_map(|year| (1..=12).flat_map(move |month| twitterjs_handles(year, month)))
            .collect();
        assert_eq!(got.len(), 96);
        assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), expected);
        // Week w's handle has 7 + w characters.
        let lengths: Vec<usize> = twitterjs_handles(2014, 3).iter().map(String::len).collect();
        assert_eq!(lengths, [7, 8, 9, 10]);
    }

    #[test]
    fn twitterjs_sha1_differs_from_sha1_only_in_its_second_word() {
        use sha1::Sha1;
        let real: [u8; 20] = Sha1::digest(b"012013").into();
        let words = twitterjs_sha1(b"012013");
        for (i, word) in words.iter().enumerate() {
            let real_word = u32::from_be_bytes([
                real[4 * i],
                real[4 * i + 1],
                real[4 * i + 2],
                real[4 * i + 3],
            ]);
            if i == 1 {
                assert_eq!(
                    *word,
                    real_word.wrapping_sub(0xEFCD_AB89).wrapping_add(0xFFFF)
                );
            } else {
                assert_eq!(*word, real_word);
            }
        }
    }

    #[test]
    fn handles_lists_the_periods_that_meet_the_range() {
        let day = |m, d| NaiveDate::from_ymd_opt(2014, m, d).expect("date");
        let got = handles(day(2, 20), day(3, 2));
        let main: Vec<(NaiveDate, NaiveDate)> = got
            .iter()
            .filter(|w| w.component == Component::Main)
            .map(|w| (w.from, w.to))
            .collect();
        assert_eq!(
            main,
            [
                (day(2, 14), day(2, 20)),
                (day(2, 21), day(2, 27)),
                (day(2, 28), day(2, 28)),
                (day(3, 1), day(3, 6)),
            ]
        );
        let twitterjs: Vec<&HandleWindow> = got
            .iter()
            .filter(|w| w.component == Component::TwitterJs)
            .collect();
        assert_eq!(twitterjs.len(), 8);
        assert_eq!(
            (twitterjs[0].from, twitterjs[0].to),
            (day(2, 1), day(2, 28))
        );
        assert_eq!(twitterjs[4].handle, twitterjs_handles(2014, 3)[0]);
        assert!(handles(day(3, 2), day(2, 20)).is_empty());
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, output) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), output);
        }
    }
}

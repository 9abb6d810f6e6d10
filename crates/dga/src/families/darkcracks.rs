//! DarkCracks, a malicious payload delivery framework reported by XLab
//! (Qi An Xin) in 2024.
//!
//! XLab described its "runner" component and DGA in "Uncovering DarkCracks
//! payload delivery framework"
//! (<https://blog.xlab.qianxin.com/uncovering_darkcracks_payload_delivery_framework_cn/>);
//! Johannes Bader re-implemented the DGA
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/darkcracks>).
//! The seed is a text key (`Crackalackin'` in Bader's re-implementation). Each day the
//! malware writes the four-digit year followed by the two-digit day of the
//! month, encodes that with URL-safe Base64, swaps the case of its letters,
//! XORs it with the repeated key, encodes the result with URL-safe Base64
//! again, drops the `=` padding, reverses the string and appends `.com`.
//! One name a day; a window is one UTC day. The month does not enter, so a
//! name recurs on the same day of every month of a year.
//!
//! Names keep the mixed case of the malware (DNS ignores it); they may hold
//! `-` and `_` from URL-safe Base64. Tested against Bader's list of 100
//! consecutive days.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The longest key accepted.
const MAX_KEY: usize = 64;

/// URL-safe Base64 alphabet (RFC 4648, section 5).
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The DarkCracks family.
pub static FAMILY: Family = Family {
    name: "darkcracks",
    aliases: &[],
    summary: "DarkCracks payload framework: one daily name from XOR and Base64 of the date",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "crackalackin",
        value: "Crackalackin'",
        note: "default key of Bader's re-implementation (2024) of the DGA XLab reported",
    }],
    seed_form: "a key of 1 to 64 printable ASCII characters, e.g. Crackalackin'",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1",
    tlds: &["com"],
    references: &[
        "https://blog.xlab.qianxin.com/uncovering_darkcracks_payload_delivery_framework_cn/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/darkcracks",
    ],
    bind,
};

struct DarkCracks {
    key: Vec<u8>,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    // The key is taken as given: spaces and case matter.
    let printable = raw.bytes().all(|b| (b' '..=b'~').contains(&b));
    if raw.is_empty() || raw.len() > MAX_KEY || !printable {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    Ok(Box::new(DarkCracks {
        key: raw.as_bytes().to_vec(),
    }))
}

/// Appends the URL-safe Base64 encoding of `data`, without padding.
fn encode(data: &[u8], out: &mut Vec<u8>) {
    for chunk in data.chunks(3) {
        let mut group = [0u8; 3];
        group[..chunk.len()].copy_from_slice(chunk);
        let bits = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        // A chunk of n bytes gives n + 1 characters.
        for i in 0..=chunk.len() {
            let index = (bits >> (18 - 6 * i)) & 0x3f;
            out.push(BASE64[index as usize]);
        }
    }
}

impl Generator for DarkCracks {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // The year is written with at least four digits, as strftime does.
        let plain = format!("{:04}{:02}", epoch.year(), epoch.day());
        let mut inner = Vec::with_capacity(plain.len() * 2);
        encode(plain.as_bytes(), &mut inner);
        // The padding the malware XORs too: '=' up to a multiple of four.
        while inner.len() % 4 != 0 {
            inner.push(b'=');
        }
        for (byte, key) in inner.iter_mut().zip(self.key.iter().cycle()) {
            let swapped = if byte.is_ascii_uppercase() {
                byte.to_ascii_lowercase()
            } else {
                byte.to_ascii_uppercase()
            };
            *byte = swapped ^ key;
        }
        let mut outer = Vec::with_capacity(inner.len() * 2);
        encode(&inner, &mut outer);
        let mut name: String = outer.iter().rev().map(|&b| char::from(b)).collect();
        name.push_str(".com");
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_bader_example_domains_for_100_days_from_2024_09_03() {
        // Dates not recorded; found by search. 2024-04-03 as a start
        // matches too (only the day of month and year enter); 2024-09-03
        // is the day Bader committed the list.
        let expected = reference("darkcracks/example_domains.txt");
        let first: NaiveDate = "2024-09-03".parse().unwrap();
        let got: Vec<String> = first
            .iter_days()
            .take(100)
            .flat_map(|day| names(&FAMILY, "Crackalackin'", Some(&day.to_string())))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v")] {
            let mut out = Vec::new();
            encode(plain.as_bytes(), &mut out);
            assert_eq!(out, encoded.as_bytes());
        }
        let mut out = Vec::new();
        encode(&[0xfb, 0xff], &mut out);
        assert_eq!(out, b"-_8");
    }

    #[test]
    fn refuses_empty_overlong_and_non_ascii_keys() {
        let long = "k".repeat(MAX_KEY + 1);
        for bad in ["", long.as_str(), "schlüssel", "tab\there"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

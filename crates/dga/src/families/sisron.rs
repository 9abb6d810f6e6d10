//! Sisron (TOMB, Win32/Agent.WRQ, Trojan.Scar), a backdoor trojan.
//!
//! Described by Johannes Bader, "The DGA of Sisron" (2016,
//! <https://www.johannesbader.ch/2016/06/the-dga-of-sisron/>). The name of
//! a day is the base64 of the date written `DDMMYYYY`, lower-cased, with the
//! padding `=` turned into `a`, under four TLDs. There is no seed beyond the
//! date; the only configuration is `default`.
//!
//! Each day the malware tries, for each TLD in turn (`com`, `org`, `net`,
//! `info`), the names of that day and of the nine days before it: 40 names.
//! So a window is one UTC day, and a day's four names stay in use for the
//! nine days after it (lookback 9). `generate` yields a day's own four
//! names; the malware's list of 40 is those of ten days interleaved by TLD.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The Sisron family.
pub static FAMILY: Family = Family {
    name: "sisron",
    aliases: &["tomb"],
    summary: "Sisron backdoor: base64 of the date, tried for ten days",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the only configuration: Bader (2016)",
    }],
    seed_form: "default (the family has no seed beyond the date)",
    schedule: Schedule::DAILY,
    lookback: 9,
    names_per_window: "4 (40 tried a day with the 9 previous days')",
    tlds: &["com", "org", "net", "info"],
    references: &["https://www.johannesbader.ch/2016/06/the-dga-of-sisron/"],
    bind,
};

/// TLDs in the malware's order.
const TLDS: [&str; 4] = ["com", "org", "net", "info"];

struct Sisron;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(Sisron))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

const BASE64: &[u8; 64] = b"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Lower-case base64 of `input` with `=` padding written as `a`.
fn push_base64_lower(input: &[u8], out: &mut String) {
    for chunk in input.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let group = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for k in 0..4 {
            if k <= chunk.len() {
                let index = (group >> (18 - 6 * k)) & 0x3f;
                out.push(char::from(BASE64[index as usize]));
            } else {
                out.push('a');
            }
        }
    }
}

impl Generator for Sisron {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let date = format!("{:02}{:02}{:04}", epoch.day(), epoch.month(), epoch.year());
        let mut sld = String::with_capacity(16);
        push_base64_lower(date.as_bytes(), &mut sld);
        out.extend(TLDS.iter().map(|tld| format!("{sld}.{tld}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};
    use chrono::Days;

    #[test]
    fn matches_bader_example_of_2016_06_02() {
        // The malware's order: for each TLD, the day itself then the nine
        // days before it.
        let day: NaiveDate = "2016-06-02".parse().expect("date");
        let days: Vec<Vec<String>> = (0..10)
            .map(|back| {
                let d = day - Days::new(back);
                names(&FAMILY, "default", Some(&d.to_string()))
            })
            .collect();
        let got: Vec<String> = (0..TLDS.len())
            .flat_map(|tld| days.iter().map(move |names| names[tld].clone()))
            .collect();
        assert_eq!(got, reference("sisron/example_domains.txt"));
    }

    #[test]
    fn refuses_a_seed() {
        assert!((FAMILY.bind)("0x1234").is_err());
        assert!((FAMILY.bind)("default").is_ok());
    }
}

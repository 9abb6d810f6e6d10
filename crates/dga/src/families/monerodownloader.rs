//! An unnamed downloader of a Monero miner (2020) that derives its daily
//! domains from MD5.
//!
//! The algorithm is known from Johannes Bader's re-implementation
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/monerodownloader>,
//! 2020); the blog post it announces was not found. For each number `n` in
//! 1..499 the malware hashes the ASCII string `<magic>-<days>-<n>`, where
//! `days` counts days since 1970-01-01 (UTC), and keeps the first 13 hex
//! digits of the MD5 digest as the label; for `n = 0` a fixed label from
//! the configuration takes its place. Each label is tried under five TLDs
//! in turn, giving 2500 names a day.
//!
//! The seed is `magic:first-label`, e.g. `jkhhksugrhtijys78g46:31b4bd31fg1x2`
//! (the only configuration known). Windows: the 2495 hashed names are in
//! use for one UTC day; the five names of the configured label do not
//! depend on the date, so they are reported once, with an unbounded window
//! ([`Generator::static_names`]). Bader's script can also list earlier
//! days, but whether the malware does so is not documented, so no lookback
//! is assumed. The test rebuilds the day's full list and compares it with
//! his example list, whose date was not recorded and is pinned to the only
//! matching day, 2020-01-12.

use std::fmt::Write as _;

use chrono::NaiveDate;
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// Labels per day.
const LABELS: u32 = 500;

/// Hex digits of the digest kept as the label.
const LABEL_LENGTH: usize = 13;

/// The TLDs tried for each label, in order.
const TLDS: [&str; 5] = ["org", "tickets", "blackfriday", "hosting", "feedback"];

/// The monerodownloader family.
pub static FAMILY: Family = Family {
    name: "monerodownloader",
    aliases: &[],
    summary: "Monero miner downloader: MD5 of magic, day and counter, five TLDs each",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "jkhhksugrhtijys78g46:31b4bd31fg1x2",
        note: "Bader's DGA collection, monerodownloader/dga.py (2020)",
    }],
    seed_form: "magic:first-label, an ASCII magic string and the fixed first label \
                (letters, digits, hyphens), e.g. jkhhksugrhtijys78g46:31b4bd31fg1x2",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "2495 a day, plus 5 every day",
    tlds: &TLDS,
    references: &[
        "https://github.com/baderj/domain_generation_algorithms/tree/master/monerodownloader",
    ],
    bind,
};

struct MoneroDownloader {
    /// `<magic>-`, the fixed start of every hashed string.
    prefix: String,
    first_label: String,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let refuse = || SeedError::expected(FAMILY.seed_form);
    let (magic, first_label) = seed.trim().split_once(':').ok_or_else(refuse)?;
    let label_ok = !first_label.is_empty()
        && first_label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if magic.is_empty() || !magic.is_ascii() || !label_ok {
        return Err(refuse());
    }
    Ok(Box::new(MoneroDownloader {
        prefix: format!("{magic}-"),
        first_label: first_label.to_ascii_lowercase(),
    }))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `label` under each TLD, in the malware's order.
fn push_names(label: &str, out: &mut Vec<String>) {
    for tld in TLDS {
        let mut name = String::with_capacity(label.len() + 1 + tld.len());
        name.push_str(label);
        name.push('.');
        name.push_str(tld);
        out.push(name);
    }
}

impl Generator for MoneroDownloader {
    /// Labels 1..499, the hashed ones.
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let days = day_number(epoch);
        let mut input = String::with_capacity(self.prefix.len() + 24);
        let mut label = String::with_capacity(LABEL_LENGTH);
        for number in 1..LABELS {
            label.clear();
            input.clear();
            input.push_str(&self.prefix);
            // Writing to a String cannot fail.
            let _ = write!(input, "{days}-{number}");
            let digest = Md5::digest(input.as_bytes());
            for &byte in digest.iter().take(LABEL_LENGTH.div_ceil(2)) {
                label.push(char::from(HEX[usize::from(byte >> 4)]));
                label.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
            label.truncate(LABEL_LENGTH);
            push_names(&label, out);
        }
    }

    /// Label 0 comes from the configuration, not the date: every day tries
    /// it first.
    fn static_names(&self, out: &mut Vec<String>) {
        push_names(&self.first_label, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::reference;

    #[test]
    fn matches_bader_example_domains_on_pinned_date() {
        // The malware's list of the day: the configured label first, then
        // the hashed ones.
        let generator = (FAMILY.bind)("jkhhksugrhtijys78g46:31b4bd31fg1x2").expect("seed");
        let mut names = Vec::new();
        generator.static_names(&mut names);
        generator.generate("2020-01-12".parse().expect("date"), &mut names);
        assert_eq!(names, reference("monerodownloader/example_domains.txt"));
    }

    #[test]
    fn refuses_seeds_without_magic_and_label() {
        for bad in [
            "",
            "jkhhksugrhtijys78g46",
            ":31b4bd31fg1x2",
            "magic:",
            "magic:a.b",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

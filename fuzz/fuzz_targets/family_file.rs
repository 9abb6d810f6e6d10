//! Fuzz target for content-seeded family files (TOML): the file's text,
//! then a NUL byte, then a page to extract the seed from (a fixed page when
//! there is no NUL; TOML never holds one). A file that parses must bind or
//! refuse the page cleanly, and its names must follow the file: labels of
//! its alphabet within its lengths, under one of its TLDs.
//! Run with `cargo +nightly fuzz run family_file -- -detect_leaks=0`
//! (a loaded family's metadata is leaked on purpose: it lives as long as
//! the process). Each input gets a registry of its own, so that the
//! process-wide cap on family definitions does not stop the run.
#![no_main]

use cautery_seeds::{FamilyRegistry, FileFamily};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

const PAGE: &[u8] = b"<html><body><h2 class=headline>One</h2><h2 class=headline>Two</h2>\
<p>seed: abc123</p></body></html>";

fuzz_target!(|data: &[u8]| {
    let (file, page) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, PAGE),
    };
    let Ok(text) = std::str::from_utf8(file) else {
        return;
    };
    let registry = FamilyRegistry::new(1, usize::MAX);
    let Ok(family) = FileFamily::parse_in(&registry, "fuzz.toml", text) else {
        return;
    };
    let Ok(generator) = family.bind(page) else {
        return;
    };
    let spec = &family.spec.names;
    let mut names = Vec::new();
    for day in [
        NaiveDate::from_ymd_opt(2026, 11, 26).expect("day"),
        NaiveDate::MIN,
        NaiveDate::MAX,
    ] {
        names.clear();
        generator.generate(day, &mut names);
        assert_eq!(names.len(), spec.count);
        for name in &names {
            let (label, tld) = name.split_once('.').expect("a dot");
            assert!(
                (spec.min_length..=spec.max_length).contains(&label.len()),
                "{name}"
            );
            assert!(label.chars().all(|c| spec.alphabet.contains(c)), "{name}");
            assert!(spec.tlds.iter().any(|t| t == tld), "{name}");
            assert!(name.len() <= 253, "{name}");
        }
    }
});

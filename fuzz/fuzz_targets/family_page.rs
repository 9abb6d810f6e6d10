//! Fuzz target for the extraction and normalisation of content-seeded
//! families: any bytes as the page, through the shipped Rustock model (a
//! CSS selector over HTML) and a regular-expression family. Extraction
//! either gives a non-empty, normalised seed text or a clean error.
//! Run with `cargo +nightly fuzz run family_page -- -detect_leaks=0`.
#![no_main]

use std::sync::{Arc, LazyLock};

use cautery_seeds::FileFamily;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

const REGEX_FAMILY: &str = r#"
version = 1
name = "fuzz-regex"
summary = "regex extraction"
[source]
url = "http://127.0.0.1/"
format = "text"
[extract]
regex = '(?m)^\s*(\w[\w ]*)$'
count = 50
join = "|"
[normalise]
collapse-whitespace = true
[hash]
algorithm = "crc32"
date-mix = "prepend"
date-format = "%d.%m.%Y"
[names]
alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
min-length = 5
max-length = 40
count = 3
tlds = ["com", "co.uk"]
"#;

static FAMILIES: LazyLock<Vec<Arc<FileFamily>>> = LazyLock::new(|| {
    let model = include_str!("../../etc/families/rustock-model.toml");
    vec![
        FileFamily::parse("rustock-model.toml", model).expect("the shipped model parses"),
        FileFamily::parse("regex.toml", REGEX_FAMILY).expect("the regex family parses"),
    ]
});

fuzz_target!(|data: &[u8]| {
    for family in FAMILIES.iter() {
        let Ok(seed) = family.seed_text(data) else {
            continue;
        };
        assert!(!seed.is_empty());
        let normalise = &family.spec.normalise;
        if normalise.collapse_whitespace {
            assert!(!seed.contains("  ") && !seed.contains('\n'), "{seed:?}");
        }
        if normalise.trim {
            assert_eq!(seed.trim(), seed);
        }
        if normalise.lowercase {
            assert_eq!(seed.to_lowercase(), seed);
        }
        let generator = family.bind(data).expect("a page with a seed text binds");
        let mut names = Vec::new();
        generator.generate(
            NaiveDate::from_ymd_opt(2026, 11, 26).expect("day"),
            &mut names,
        );
        assert_eq!(names.len(), family.spec.names.count);
    }
});

//! Fuzz target for the resolver-log parsers of `cautery-detect`: any bytes,
//! split into lines, through every format's parser (one parser per format,
//! so Zeek headers change the state of the lines after them) and through
//! format detection. A record that comes out has a canonical name, and
//! the classifier scores it (and the raw line as a name) within 0..1, its
//! registrable label the same through the label cache as without.
//! Run with `cargo +nightly fuzz run resolver_logs`.
#![no_main]

use cautery_detect::classify::{Model, Suffixes};
use cautery_detect::{detect_format, InputFormat, LineParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let _ = detect_format(&lines, 2026);
    // One cache for the whole input, so that names share deciding tails.
    let labels = std::cell::RefCell::new(Suffixes::shipped().cache());
    let score = |name: &str| {
        let label = Suffixes::shipped().registrable_label(name);
        assert_eq!(labels.borrow_mut().label(name), label, "{name}");
        assert!(name.ends_with(label) || name.contains(label));
        let score = Model::shipped().score_label(label);
        assert!((0.0..=1.0).contains(&score), "{name}: {score}");
    };
    score(&String::from_utf8_lossy(data));
    for format in [
        InputFormat::Bind,
        InputFormat::Unbound,
        InputFormat::Dnsmasq,
        InputFormat::ZeekTsv,
        InputFormat::ZeekJson,
    ] {
        let mut parser = LineParser::new(format, 2026);
        for line in &lines {
            if let Ok(Some(record)) = parser.parse(line) {
                assert!(!record.name.is_empty() && record.name.len() <= 253);
                assert!(!record.name.ends_with('.'));
                assert!(!record.name.bytes().any(|b| b.is_ascii_uppercase() || b <= b' '));
                score(&record.name);
            }
        }
    }
});

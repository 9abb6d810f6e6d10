//! Fuzz target for the resolver-log parsers of `cautery-detect`: any bytes,
//! split into lines, through every format's parser (one parser per format,
//! so Zeek headers change the state of the lines after them) and through
//! format detection. A record that comes out has a canonical name, and
//! the classifier scores it (and the raw line as a name) within 0..1, its
//! registrable label where the `publicsuffix` crate (the reference the
//! classifier's own lookup replaced) places it.
//! Run with `cargo +nightly fuzz run resolver_logs`.
#![no_main]

use cautery_detect::classify::{Model, Suffixes};
use cautery_detect::{detect_format, InputFormat, LineParser};
use libfuzzer_sys::fuzz_target;

/// The registrable label as `publicsuffix`'s `List::domain` places it.
fn reference_label(name: &str) -> &str {
    use publicsuffix::Psl;
    static LIST: std::sync::OnceLock<publicsuffix::List> = std::sync::OnceLock::new();
    let list = LIST.get_or_init(|| {
        include_str!("../../crates/detect/data/public_suffix_list.dat")
            .parse()
            .expect("the shipped list parses")
    });
    let name = name.strip_suffix('.').unwrap_or(name);
    if let Some(domain) = list.domain(name.as_bytes()) {
        let suffix = domain.suffix().as_bytes().len();
        let registrable = domain.as_bytes().len();
        if registrable > suffix + 1 {
            if let Some(label) = name.get(name.len() - registrable..name.len() - suffix - 1) {
                return label;
            }
        }
    }
    name.split('.').next().unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let lines: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let _ = detect_format(&lines, 2026);
    let score = |name: &str| {
        let label = Suffixes::shipped().registrable_label(name);
        assert_eq!(label, reference_label(name), "{name}");
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

//! Fuzz target for allow-list files and top-site lists (Tranco-style
//! `rank,domain` CSV or one domain a line): the same text read both ways,
//! then every line checked against the gate. An entry that was added must
//! match itself; nothing may panic on any text.
//! Run with `cargo +nightly fuzz run allow_list`.
#![no_main]

use cautery_zone::{normalise_name, AllowList};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut allow = AllowList::new();
    let (added, skipped) = allow.add_legitimate("top.csv", &text);
    assert!(added + skipped <= text.lines().count());
    let file_result = allow.add_file("allow.txt", &text);
    if let Err(error) = &file_result {
        assert!(error.line >= 1 && error.line <= text.lines().count());
    }
    for line in text.lines().take(64) {
        let name = normalise_name(line);
        for subdomains in [false, true] {
            let _ = allow.check(&name, subdomains);
        }
    }
    // Every line of a file that was accepted whole is now allowed.
    if file_result.is_ok() {
        for line in text.lines().take(64) {
            let entry = line.split('#').next().unwrap_or_default().trim();
            if entry.is_empty() {
                continue;
            }
            let bare = normalise_name(entry.trim_start_matches("*.").trim_start_matches('.'));
            let probe = if entry.starts_with('.') || entry.starts_with("*.") {
                format!("x.{bare}")
            } else {
                bare
            };
            assert!(
                allow.check(&probe, false).is_some(),
                "{entry:?} not allowed"
            );
        }
    }
});

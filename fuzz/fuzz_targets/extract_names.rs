//! Fuzz target for `cautery_dga::extract_names`, which reads text pasted into
//! `cautery lookup --extract` (log lines attackers can write): any bytes,
//! no panic, and every name returned is a lower-case host name that fits the
//! DNS's limits and is found again when extracted from itself.
//! Run with `cargo +nightly fuzz run extract_names`.
#![no_main]

use cautery_dga::extract_names;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let names = extract_names(data);
    for name in &names {
        assert!(!name.is_empty() && name.len() <= 253, "{name}");
        assert!(name.split('.').count() >= 2, "{name}");
        assert!(name.split('.').all(|l| !l.is_empty() && l.len() <= 63), "{name}");
        assert!(!name.bytes().any(|b| b.is_ascii_uppercase()), "{name}");
        assert_eq!(extract_names(name.as_bytes()), vec![name.clone()]);
    }
});

//! Fuzz target for the seed-watch configuration (TOML): any text through
//! `WatchConfig::parse`, then every source naming a built-in family
//! through `Source::from_config` (sources naming a family file are left
//! out: that would read files named by the input). A source that resolves
//! must have timings the watcher can add to the clock.
//! Run with `cargo +nightly fuzz run watch_config`.
#![no_main]

use std::time::{Duration, Instant};

use cautery_seeds::watch::{Source, WatchConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = WatchConfig::parse(text) else {
        return;
    };
    let limits = config.limits();
    assert!(limits.timeout >= Duration::from_secs(1));
    let now = Instant::now();
    assert!(now.checked_add(limits.timeout).is_some());
    for source in config.sources.iter().filter(|s| s.family_file.is_none()) {
        let Ok(source) = Source::from_config(source) else {
            continue;
        };
        assert!(!source.seeds.is_empty());
        let longest = source
            .interval
            .checked_add(source.jitter)
            .expect("fits a Duration");
        assert!(now.checked_add(longest).is_some(), "{longest:?}");
    }
});

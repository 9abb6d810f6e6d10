//! Fuzz target for the monitor's zone-file reader (RFC 1035 master format,
//! plain or gzip): any bytes must give delegations or an error, never a
//! panic; every delegation is lower case, without the final dot, within the
//! name bound, and its line within the lines read.
//! Run with `cargo +nightly fuzz run zone_file`.
#![no_main]

use cautery_monitor::{open_stream, ZoneReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(stream) = open_stream(data) else {
        return;
    };
    let Ok(reader) = ZoneReader::new(stream).with_origin("test") else {
        return;
    };
    let mut reader = reader;
    let mut last_line = 0;
    while let Ok(Some(delegation)) = reader.next_delegation() {
        for name in [delegation.owner, delegation.ns] {
            assert!(name.len() <= 253, "{name}");
            assert!(!name.ends_with('.') || name.ends_with("\\."), "{name}");
            assert!(!name.bytes().any(|b| b.is_ascii_uppercase()), "{name}");
        }
        assert!(delegation.line > last_line || delegation.line == last_line);
        last_line = delegation.line;
    }
    assert!(last_line <= reader.lines());
});

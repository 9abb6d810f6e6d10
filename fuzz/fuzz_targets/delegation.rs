//! Fuzz target for the monitor's DNS source: any bytes as a parent server's
//! answer to `example.test. NS`. Never a panic; a delegation keeps at most
//! `MAX_NS` servers, sorted, each once, without control characters.
//! Run with `cargo +nightly fuzz run delegation`.
#![no_main]

use cautery_monitor::delegation::{parse_answer, MAX_NS};
use cautery_monitor::ParentAnswer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let id = data.first().map_or(0, |&b| u16::from(b) << 8 | 0x34);
    if let Ok(ParentAnswer::Delegated(servers)) = parse_answer(data, id, "example.test") {
        assert!(!servers.is_empty() && servers.len() <= MAX_NS);
        assert!(servers.windows(2).all(|w| w[0] < w[1]));
        for server in &servers {
            assert!(server.len() <= 4 * 255 && !server.chars().any(|c| c.is_control()));
        }
    }
});

//! Fuzz target for dnstap in `cautery-detect`: any bytes as a Frame
//! Streams stream, frame after frame (as the file reader and the live
//! collector read it), every data frame decoded; and the bytes as one
//! dnstap payload. A record that comes out has a canonical name.
//! Run with `cargo +nightly fuzz run dnstap`.
#![no_main]

use cautery_detect::dnstap::{decode, next_frame, Frame, MAX_CONTROL_FRAME, MAX_DATA_FRAME};
use libfuzzer_sys::fuzz_target;

fn check(payload: &[u8]) {
    if let Ok(Some(record)) = decode(payload) {
        assert!(!record.name.is_empty() && record.name.len() <= 253);
        assert!(!record.name.ends_with('.'));
        assert!(!record.name.bytes().any(|b| b.is_ascii_uppercase() || b <= b' '));
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut at = 0;
    while let Ok(Some((frame, used))) = next_frame(&data[at..]) {
        assert!(used >= 4 && used <= 8 + MAX_DATA_FRAME.max(MAX_CONTROL_FRAME));
        if let Frame::Data(payload) = frame {
            check(payload);
        }
        at += used;
        assert!(at <= data.len());
    }
});

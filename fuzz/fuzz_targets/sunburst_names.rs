//! Fuzz target for the SUNBURST beacon decoder (`cautery decode sunburst`,
//! `cautery_dga::families::sunburst`): any bytes, as lines, through
//! `decode` and the reassembly of victims.
//! Run with `cargo +nightly fuzz run sunburst_names`.
#![no_main]

use cautery_dga::families::sunburst::{self, Beacon, Reassembler};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut reassembler = Reassembler::new();
    for line in text.lines() {
        let Ok(beacon) = sunburst::decode(line) else {
            continue;
        };
        match &beacon {
            Beacon::Fragment(fragment) => {
                assert!(fragment.encoded.len() <= sunburst::FRAGMENT_CHARS);
                assert!(fragment.number <= sunburst::LAST_FRAGMENT);
            }
            Beacon::Status(status) => {
                assert!(status.kind == 1 || status.kind == 2);
                assert!(status.services.len() <= 2);
            }
        }
        reassembler.add(&beacon);
    }
    for victim in reassembler.victims() {
        // 36 fragments of 16 characters at most, so a domain stays small.
        assert!(victim.fragments.len() <= 36);
        if let Some(domain) = &victim.domain {
            assert!(domain.len() <= 36 * sunburst::FRAGMENT_CHARS * 4);
        }
    }
});

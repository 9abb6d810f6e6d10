//! Fuzz target for the sinkhole's ClientHello parser and JA4: for any
//! bytes, no panic; every prefix of a complete hello is incomplete or the
//! same hello; a complete hello's JA4 has the published shape
//! (`[tq]VVs CCEEAA_hhhhhhhhhhhh_hhhhhhhhhhhh`) and agrees with its raw
//! form. Run with `cargo +nightly fuzz run sinkhole_tls`.
#![no_main]

use cautery_sinkhole::tls::{ja4, ja4_raw, parse_client_hello, HelloParse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let full = parse_client_hello(data);
    let HelloParse::Complete(hello) = &full else {
        return;
    };
    // Every prefix when short, a sample of them otherwise, to keep runs fast.
    let step = (data.len() / 512).max(1);
    for end in (0..data.len()).step_by(step) {
        let prefix = data.get(..end).expect("prefix within the input");
        match parse_client_hello(prefix) {
            HelloParse::Incomplete => {}
            same if same == full => {}
            other => panic!("prefix of {end} bytes gives {other:?}"),
        }
    }
    for quic in [false, true] {
        let fingerprint = ja4(hello, quic);
        assert_eq!(fingerprint.len(), 36, "{fingerprint}");
        assert!(fingerprint.is_ascii());
        let parts: Vec<&str> = fingerprint.split('_').collect();
        assert_eq!(parts.len(), 3, "{fingerprint}");
        assert_eq!(parts.first().map(|a| a.len()), Some(10));
        assert!(parts
            .iter()
            .skip(1)
            .all(|hash| hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit())));
        let raw = ja4_raw(hello, quic);
        assert_eq!(raw.get(..10), fingerprint.get(..10), "{raw}");
    }
});

//! Fuzz target for the sinkhole's HTTP request-head parser and body sample:
//! for any bytes, no panic; a complete head lies within the input and the
//! limit, parses the same alone, and every shorter prefix is incomplete; an
//! incomplete input is under the limit; a body sample hashes the same
//! whatever the chunks. Run with `cargo +nightly fuzz run sinkhole_http`.
#![no_main]

use cautery_sinkhole::http::{parse_request_head, BodySample, HeadParse, HttpLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small limits so that the fuzzer reaches them; then the defaults.
    let small = HttpLimits {
        max_head: 256,
        max_headers: 4,
    };
    for limits in [small, HttpLimits::default()] {
        let full = parse_request_head(data, &limits);
        match &full {
            HeadParse::Complete(request, head_len) => {
                assert!(*head_len <= data.len(), "head longer than the input");
                assert!(*head_len <= limits.max_head, "head longer than the limit");
                for value in [&request.host, &request.user_agent, &request.referer]
                    .into_iter()
                    .flatten()
                {
                    assert!(value.chars().count() <= 1024, "field over 1024 characters");
                    assert!(
                        !value.chars().any(char::is_control),
                        "control character kept"
                    );
                }
                let head = data.get(..*head_len).expect("head within the input");
                assert_eq!(
                    parse_request_head(head, &limits),
                    full,
                    "head alone differs"
                );
                for end in 0..*head_len {
                    let prefix = data.get(..end).expect("prefix within the input");
                    assert_eq!(
                        parse_request_head(prefix, &limits),
                        HeadParse::Incomplete,
                        "prefix of {end} bytes of a complete head"
                    );
                }
            }
            HeadParse::Incomplete => assert!(data.len() < limits.max_head),
            HeadParse::Invalid(_) => {}
        }
    }

    let mut whole = BodySample::new(100);
    whole.push(data);
    let mut chunked = BodySample::new(100);
    for chunk in data.chunks(7) {
        chunked.push(chunk);
    }
    assert_eq!(whole.bytes(), chunked.bytes());
    assert_eq!(whole.total(), chunked.total());
    assert_eq!(whole.sha256_hex(), chunked.sha256_hex());
    assert!(whole.bytes().len() <= 100);
});

//! Fuzz target for the monitor's RDAP parsers: any bytes as an RFC 9083
//! domain answer and as an IANA bootstrap file, and any text as a
//! `Retry-After` value. Kept fields are bounded; the wait is never negative
//! nor over the cap.
//! Run with `cargo +nightly fuzz run rdap`.
#![no_main]

use cautery_monitor::{domain_url, parse_domain, retry_after, Bootstrap};
use chrono::{DateTime, Duration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = parse_domain(data, "example.test") {
        assert!(record.ns.len() <= 32 && record.status.len() <= 32);
        for text in record.ns.iter().chain(&record.status).chain(&record.registrar) {
            assert!(text.chars().count() <= 256 && !text.chars().any(char::is_control));
        }
        assert!(record.ns.windows(2).all(|w| w[0] < w[1]));
    }
    if let Ok(bootstrap) = Bootstrap::parse(data) {
        for name in ["a.com", "b.co.uk", "test"] {
            if let Some(urls) = bootstrap.base_urls(name) {
                for url in urls {
                    assert!(domain_url(url, name).ends_with(&format!("domain/{name}")));
                }
            }
        }
    }
    let text = String::from_utf8_lossy(data);
    let cap = Duration::seconds(60);
    if let Some(wait) = retry_after(&text, DateTime::UNIX_EPOCH, cap) {
        assert!(wait >= Duration::zero() && wait <= cap);
    }
});

//! Differential fuzz target for the sinkhole fast path: for any bytes, the
//! prepared answer either declines or equals, octet for octet, the full
//! message path's UDP answer. Run with
//! `cargo +nightly fuzz run sinkhole_fast_path`.
#![no_main]

use cautery_dns::authority::Reply;
use cautery_dns::testing::authority;
use cautery_dns::Transport;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let authority = authority();
    let mut out = Vec::new();
    if cautery_dns::prepared::answer(authority, data, &mut out).is_none() {
        return;
    }
    let client = "127.0.0.1:5300".parse().expect("address");
    match authority.handle(data, client, Transport::Udp, 1_800_000_000).reply {
        Reply::Message(full) => assert_eq!(out, full, "fast path differs from the full path"),
        _ => panic!("the fast path answered what the full path does not"),
    }
});

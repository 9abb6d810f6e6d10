//! Fuzz target for the whole message path: any bytes, over UDP and TCP,
//! through TSIG checking, policy-zone answers, transfers (drained) and
//! sinkhole answers. Run with `cargo +nightly fuzz run message_path`.
#![no_main]

use cautery_dns::testing::authority;
use cautery_dns::Transport;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let authority = authority();
    let client = "127.0.0.1:5300".parse().expect("address");
    for transport in [Transport::Udp, Transport::Tcp] {
        let handled = authority.handle(data, client, transport, 1_800_000_000);
        cautery_dns::testing::check(handled, transport);
    }
    let _ = cautery_dns::tsig::find(data);
});

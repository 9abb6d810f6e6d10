//! Fuzz target for the whole message path: any bytes, over UDP and TCP,
//! through TSIG checking, policy-zone answers, transfers (drained) and
//! sinkhole answers, and as a response through the TSIG response verifier.
//! Run with `cargo +nightly fuzz run message_path`.
#![no_main]

use cautery_dns::testing::authority;
use cautery_dns::tsig::ResponseVerifier;
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
    // The answer to a signed NOTIFY goes through the response verifier.
    let mut verifier = ResponseVerifier::new(cautery_dns::testing::key(), vec![0; 32]);
    let _ = verifier.verify(data, 1_800_000_000);
});

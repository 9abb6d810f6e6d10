//! Differential fuzz target for the sinkhole fast path: for any bytes, the
//! prepared answer either declines or equals, octet for octet, the full
//! message path's UDP answer. The bytes are tried as they come, and as the
//! recipe of a query of the compliance corpus (tests/integration/
//! compliance.rs): header flags and opcode, class, type, EDNS version, DO
//! and other flags, payload size, one option, a name near the fixture's
//! rules. Run with `cargo +nightly fuzz run sinkhole_fast_path`.
#![no_main]

use cautery_dns::authority::Reply;
use cautery_dns::testing::authority;
use cautery_dns::Transport;
use libfuzzer_sys::fuzz_target;

/// Names of the fixture: sinkholed (with and without subdomains), inside
/// the policy zone, outside everything, odd case.
const NAMES: [&str; 8] = [
    "sink.net",
    "SiNk.NET",
    "deep.x.sink.net",
    "exact.org",
    "x.exact.org",
    "cautery.rpz",
    "n1.example.cautery.rpz",
    "example.com",
];

fn agree(data: &[u8]) {
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
}

/// A query made from the first octets of `data`.
fn recipe(data: &[u8]) -> Option<Vec<u8>> {
    let [flags, low, class, qtype, edns, version, opt_flags, payload, option, name, ..] = *data
    else {
        return None;
    };
    let mut out = vec![0x12, 0x34, flags & 0x7F, low, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in NAMES[usize::from(name) % NAMES.len()].split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    let qtype: u16 = [1, 28, 6, 2, 16, 255, 252, 251][usize::from(qtype % 8)];
    let class: u16 = [1, 1, 1, 3, 4, 254, 255, 9][usize::from(class % 8)];
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&class.to_be_bytes());
    if edns % 4 != 0 {
        out[11] = 1;
        let options: &[u8] = match option % 6 {
            0 => &[],
            1 => &[0, 3, 0, 0],                             // NSID
            2 => &[0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8],    // client cookie
            3 => &[0, 10, 0, 7, 1, 2, 3, 4, 5, 6, 7],       // bad cookie
            4 => &[0, 12, 0, 4, 0, 0, 0, 0],                // padding
            _ => &[0xFD, 0xE9, 0, 3, 1, 2, 3],              // unknown
        };
        out.extend_from_slice(&[0, 0, 41]);
        out.extend_from_slice(&(u16::from(payload) << 4).to_be_bytes());
        out.extend_from_slice(&[0, if edns % 4 == 3 { version } else { 0 }]);
        out.extend_from_slice(&[opt_flags, 0]);
        out.extend_from_slice(&(options.len() as u16).to_be_bytes());
        out.extend_from_slice(options);
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    agree(data);
    if let Some(query) = recipe(data) {
        agree(&query);
    }
});

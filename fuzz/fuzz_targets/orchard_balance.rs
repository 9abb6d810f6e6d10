//! Fuzz target for Orchard's balance-answer parser (blockchain.info JSON):
//! any bytes as the answer for the genesis address, and for an address
//! taken from the input itself (first line), so both the lookup of the
//! address key and the refusal of bad seeds are reached. A bound answer
//! gives 16 names of 8 hex digits.
//! Run with `cargo +nightly fuzz run orchard_balance`.
#![no_main]

use cautery_dga::find_public_data_family;
use cautery_dga::public_data::parse_balance;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let orchard = find_public_data_family("orchard-balance").expect("built in");
    if let Ok(generator) = orchard.bind("genesis", data) {
        let mut names = Vec::new();
        generator.generate(NaiveDate::MIN, &mut names);
        assert_eq!(names.len(), 16);
        for name in &names {
            let (label, _) = name.split_once('.').expect("a dot");
            assert_eq!(label.len(), 8, "{name}");
            assert!(label.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert!(parse_balance("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", data).is_ok());
    }
    // "ADDRESS\nANSWER": any address, including ones the family refuses.
    if let Some(at) = data.iter().position(|&b| b == b'\n') {
        let (address, answer) = (&data[..at], &data[at + 1..]);
        if let Ok(address) = std::str::from_utf8(address) {
            let parsed = parse_balance(address, answer);
            let bound = orchard.bind(address, answer);
            if bound.is_ok() {
                assert!(parsed.is_ok() || orchard.family.seed_named(address).is_some());
            }
        }
    }
});

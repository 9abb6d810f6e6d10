//! Fuzz target for packet captures in `cautery-detect`: any bytes as a
//! pcap or pcapng file, block after block, every packet through the
//! link, IP, UDP/TCP and DNS layers (TCP reassembly state kept across
//! packets). A record that comes out has a canonical name.
//! Run with `cargo +nightly fuzz run pcap`.
#![no_main]

use cautery_detect::pcap::{Blocks, PacketParser, Step};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut blocks = Blocks::new();
    let mut parser = PacketParser::default();
    let mut records = Vec::new();
    let mut at = 0;
    loop {
        match blocks.next_packet(&data[at..]) {
            Ok(Step::Packet(packet, used)) => {
                let _ = parser.packet(&packet, &mut records);
                at += used;
            }
            Ok(Step::Skip(used)) => {
                assert!(used > 0);
                at += used;
            }
            Ok(Step::Need(_)) | Err(_) => break,
        }
        assert!(at <= data.len());
    }
    for record in &records {
        assert!(!record.name.is_empty() && record.name.len() <= 253);
        assert!(!record.name.bytes().any(|b| b.is_ascii_uppercase() || b <= b' '));
    }
});

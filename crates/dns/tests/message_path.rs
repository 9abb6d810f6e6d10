//! Randomized tests of the message path (the stable-Rust companion of the
//! cargo-fuzz target in `fuzz/`): random bytes, and valid queries with
//! random mutations, never panic and always give bounded replies.

use cautery_dns::testing::{authority, check, key};
use cautery_dns::Transport;
use hickory_proto::op::{Edns, Message, Query};
use hickory_proto::rr::{Name, RecordType};
use proptest::prelude::*;

fn query(name: &str, record_type: RecordType, edns: bool) -> Vec<u8> {
    let mut message = Message::new();
    message.set_id(7);
    message.add_query(Query::query(
        Name::from_ascii(name).unwrap_or_else(|_| Name::root()),
        record_type,
    ));
    if edns {
        message.set_edns(Edns::new());
    }
    message.to_vec().expect("encode")
}

fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for name in [
        "cautery.rpz.",
        "n1.example.cautery.rpz.",
        "sink.net.",
        "www.sink.net.",
        "exact.org.",
        "x.exact.org.",
        "other.org.",
    ] {
        for record_type in [
            RecordType::A,
            RecordType::AAAA,
            RecordType::SOA,
            RecordType::NS,
            RecordType::AXFR,
            RecordType::IXFR,
            RecordType::ANY,
            RecordType::MX,
        ] {
            out.push(query(name, record_type, false));
            out.push(query(name, record_type, true));
        }
    }
    // Signed in time, and signed 1000 s early (a BADTIME answer).
    for time in [1_800_000_000, 1_799_999_000] {
        let mut signed = query("cautery.rpz.", RecordType::AXFR, false);
        cautery_dns::tsig::sign_request(&mut signed, &key(), time);
        out.push(signed);
    }
    out
}

fn run(bytes: &[u8]) {
    let client = "127.0.0.1:5300".parse().expect("address");
    for transport in [Transport::Udp, Transport::Tcp] {
        check(
            authority().handle(bytes, client, transport, 1_800_000_000),
            transport,
        );
    }
    let _ = cautery_dns::tsig::find(bytes);
    let mut verifier = cautery_dns::tsig::ResponseVerifier::new(key(), vec![0; 32]);
    let _ = verifier.verify(bytes, 1_800_000_000);
}

#[test]
fn every_seed_query_gets_a_bounded_reply() {
    for seed in seeds() {
        run(&seed);
    }
}

#[test]
fn an_ixfr_from_the_journal_is_incremental_and_from_before_it_is_whole() {
    use hickory_proto::rr::rdata::SOA;
    use hickory_proto::rr::{RData, Record};
    let ixfr = |serial: u32| {
        let mut message =
            Message::from_vec(&query("cautery.rpz.", RecordType::IXFR, false)).expect("decode");
        let soa = SOA::new(Name::root(), Name::root(), serial, 0, 0, 0, 0);
        message.add_name_server(Record::from_rdata(
            Name::from_ascii("cautery.rpz.").expect("name"),
            0,
            RData::SOA(soa),
        ));
        let handled = authority().handle(
            &message.to_vec().expect("encode"),
            "127.0.0.1:1".parse().expect("addr"),
            Transport::Tcp,
            0,
        );
        let cautery_dns::authority::Reply::Transfer(mut transfer) = handled.reply else {
            panic!("not a transfer");
        };
        let mut answers = Vec::new();
        while let Some(bytes) = transfer.next_message() {
            answers.extend(
                Message::from_vec(&bytes)
                    .expect("decode")
                    .answers()
                    .to_vec(),
            );
        }
        answers
    };
    let incremental = ixfr(1);
    let serials: Vec<u32> = incremental
        .iter()
        .filter_map(cautery_dns::authority::soa_serial)
        .collect();
    assert_eq!(serials, [2, 1, 2, 2], "RFC 1995 layout: new, old, new, new");
    let whole = ixfr(0);
    let serials: Vec<u32> = whole
        .iter()
        .filter_map(cautery_dns::authority::soa_serial)
        .collect();
    assert_eq!(
        serials,
        [2, 2],
        "a client older than the journal gets the whole zone"
    );
    assert!(whole.len() > 3000);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        run(&bytes);
    }

    #[test]
    fn mutated_queries_never_panic(
        seed in 0usize..200,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[seed % seeds.len()].clone();
        for (at, value) in flips {
            let len = bytes.len();
            bytes[at % len] = value;
        }
        let keep = 12 + cut % bytes.len().max(1);
        bytes.truncate(keep);
        run(&bytes);
    }
}

//! Tests of RFC 6891, RFC 8906 and RFC 7873 behaviour of the full message
//! path, on requests built octet by octet (hickory would not write most of
//! them): each one failed before the fix it names.

use std::net::SocketAddr;

use hickory_proto::op::{Message, ResponseCode};

use super::{Handled, Reply, Transport};
use crate::testing::authority;

const A: u16 = 1;
const SOA: u16 = 6;
const OPT: u16 = 41;
const IN: u16 = 1;
const NOW: u64 = 1_800_000_000;

fn client() -> SocketAddr {
    "127.0.0.1:5300".parse().unwrap()
}

fn question(name: &str, qtype: u16, class: u16) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&class.to_be_bytes());
    out
}

fn opt(version: u8, flags: u16, options: &[(u16, &[u8])]) -> Vec<u8> {
    let mut data = Vec::new();
    for (code, value) in options {
        data.extend_from_slice(&code.to_be_bytes());
        data.extend_from_slice(&(value.len() as u16).to_be_bytes());
        data.extend_from_slice(value);
    }
    let mut out = vec![0];
    out.extend_from_slice(&OPT.to_be_bytes());
    out.extend_from_slice(&1232u16.to_be_bytes());
    out.extend_from_slice(&[0, version]);
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(&data);
    out
}

/// A message with header octets 2 and 3 `flags` and the sections given.
fn message(flags: [u8; 2], questions: &[Vec<u8>], sections: [&[Vec<u8>]; 3]) -> Vec<u8> {
    let mut out = vec![0xAB, 0xCD, flags[0], flags[1]];
    out.extend_from_slice(&(questions.len() as u16).to_be_bytes());
    for section in sections {
        out.extend_from_slice(&(section.len() as u16).to_be_bytes());
    }
    for record in questions
        .iter()
        .chain(sections.iter().flat_map(|s| s.iter()))
    {
        out.extend_from_slice(record);
    }
    out
}

fn query(name: &str, qtype: u16, class: u16, additional: &[Vec<u8>]) -> Vec<u8> {
    message(
        [0x01, 0],
        &[question(name, qtype, class)],
        [&[], &[], additional],
    )
}

fn reply(handled: Handled) -> Message {
    let Reply::Message(bytes) = handled.reply else {
        panic!("not one message");
    };
    Message::from_vec(&bytes).unwrap()
}

fn ask(request: &[u8]) -> Message {
    reply(authority().handle(request, client(), Transport::Udp, NOW))
}

#[test]
fn an_edns_version_above_0_gets_badvers_version_0_and_no_answer() {
    for (name, qtype) in [("sink.net", A), ("cautery.rpz", SOA), ("example.com", A)] {
        for version in [1u8, 2, 255] {
            for flags in [0u16, 0x8000] {
                let options: [(u16, &[u8]); 2] = [(3, &[]), (10, b"clientck")];
                let answer = ask(&query(name, qtype, IN, &[opt(version, flags, &options)]));
                assert_eq!(
                    u16::from(answer.response_code()),
                    16,
                    "BADVERS, {name} v{version}"
                );
                let edns = answer.extensions().as_ref().expect("an OPT record");
                assert_eq!(edns.version(), 0);
                assert_eq!(edns.rcode_high(), 1);
                assert!(answer.answers().is_empty() && answer.name_servers().is_empty());
                assert!(!answer.authoritative());
                assert!(!edns.flags().dnssec_ok, "no data, no DO");
                assert!(edns.options().as_ref().is_empty(), "no cookie");
                assert_eq!(answer.queries().len(), 1);
            }
        }
    }
}

#[test]
fn unknown_options_are_ignored_and_the_do_bit_is_copied() {
    for flags in [0u16, 0x8000] {
        let answer = ask(&query(
            "sink.net",
            A,
            IN,
            &[opt(
                0,
                flags,
                &[(65001, &[1, 2, 3]), (3, &[]), (12, &[0; 8])],
            )],
        ));
        assert_eq!(answer.response_code(), ResponseCode::NoError);
        assert_eq!(answer.answers().len(), 1);
        let edns = answer.extensions().as_ref().expect("an OPT record");
        assert_eq!(edns.flags().dnssec_ok, flags != 0);
        assert!(edns.options().as_ref().is_empty(), "no option echoed");
    }
}

#[test]
fn records_outside_the_additional_section_or_a_second_opt_are_formerr() {
    let q = question("sink.net", A, IN);
    let mut a_record = question("sink.net", A, IN);
    a_record.extend_from_slice(&[0, 0, 0, 60, 0, 4, 192, 0, 2, 9]);
    for (label, sections) in [
        (
            "two OPT",
            [vec![], vec![], vec![opt(0, 0, &[]), opt(0, 0, &[])]],
        ),
        ("OPT in answer", [vec![opt(0, 0, &[])], vec![], vec![]]),
        ("OPT in authority", [vec![], vec![opt(0, 0, &[])], vec![]]),
        ("answer record", [vec![a_record.clone()], vec![], vec![]]),
        ("additional A", [vec![], vec![], vec![a_record.clone()]]),
    ] {
        let answer = ask(&message(
            [0x01, 0],
            std::slice::from_ref(&q),
            [&sections[0], &sections[1], &sections[2]],
        ));
        assert_eq!(answer.response_code(), ResponseCode::FormErr, "{label}");
        assert!(answer.answers().is_empty(), "{label}");
    }
}

#[test]
fn unknown_opcodes_get_notimp_and_a_query_with_an_rcode_formerr() {
    for opcode in [1u8, 2, 3, 5, 7, 15] {
        let request = message(
            [opcode << 3 | 1, 0],
            &[question("sink.net", A, IN)],
            [&[], &[], &[opt(0, 0, &[])]],
        );
        let answer = ask(&request);
        assert_eq!(
            answer.response_code(),
            ResponseCode::NotImp,
            "opcode {opcode}"
        );
        assert_eq!(u8::from(answer.op_code()), opcode);
        assert!(
            answer.extensions().is_some(),
            "RFC 6891 §7: OPT in the answer"
        );
    }
    let mut request = query("sink.net", A, IN, &[]);
    request[3] = 0x03;
    assert_eq!(ask(&request).response_code(), ResponseCode::FormErr);
}

#[test]
fn header_flags_are_those_of_a_conforming_authoritative_server() {
    // AA, TC, RA, Z, AD, CD all set in the query: only RD is copied.
    let request = message(
        [0x07, 0xF0],
        &[question("sink.net", A, IN)],
        [&[], &[], &[]],
    );
    let Reply::Message(bytes) = authority()
        .handle(&request, client(), Transport::Udp, NOW)
        .reply
    else {
        panic!("no answer");
    };
    assert_eq!(bytes[2], 0x85, "QR, AA, RD");
    assert_eq!(bytes[3], 0x00, "RA, Z, AD, CD clear; NOERROR");
}

#[test]
fn class_any_is_answered_from_class_in_without_aa_and_other_classes_refused() {
    let answer = ask(&query("sink.net", A, 255, &[]));
    assert_eq!(answer.response_code(), ResponseCode::NoError);
    assert_eq!(answer.answers().len(), 1);
    assert!(!answer.authoritative());
    let chaos = ask(&query("version.server", 16, 3, &[]));
    assert_eq!(chaos.response_code(), ResponseCode::Refused);
    assert_eq!(chaos.queries().len(), 1);
    for class in [4u16, 254, 9] {
        let answer = ask(&query("sink.net", A, class, &[]));
        assert_eq!(
            answer.response_code(),
            ResponseCode::Refused,
            "class {class}"
        );
        assert!(answer.queries().is_empty(), "as NSD: no question");
    }
}

#[test]
fn an_edns_probe_without_a_question_gets_noerror_and_a_cookie() {
    let answer = ask(&message(
        [0, 0],
        &[],
        [&[], &[], &[opt(0, 0, &[(10, b"clientck")])]],
    ));
    assert_eq!(answer.response_code(), ResponseCode::NoError);
    let edns = answer.extensions().as_ref().expect("an OPT record");
    let cookie = edns.option(hickory_proto::rr::rdata::opt::EdnsCode::Cookie);
    let Some(hickory_proto::rr::rdata::opt::EdnsOption::Unknown(10, value)) = cookie else {
        panic!("no cookie: {edns:?}");
    };
    assert_eq!(value.len(), 24);
    assert_eq!(&value[..8], b"clientck");
    // Without OPT, or with two questions: FORMERR.
    assert_eq!(
        ask(&message([0, 0], &[], [&[], &[], &[]])).response_code(),
        ResponseCode::FormErr
    );
    let q = question("sink.net", A, IN);
    let two = ask(&message([0x01, 0], &[q.clone(), q], [&[], &[], &[]]));
    assert_eq!(two.response_code(), ResponseCode::FormErr);
}

fn cookie_of(answer: &Message) -> Option<Vec<u8>> {
    match answer
        .extensions()
        .as_ref()?
        .option(hickory_proto::rr::rdata::opt::EdnsCode::Cookie)
    {
        Some(hickory_proto::rr::rdata::opt::EdnsOption::Unknown(_, value)) => Some(value.clone()),
        _ => None,
    }
}

#[test]
fn a_client_cookie_gets_a_server_cookie_that_is_sent_back_while_valid() {
    let first = ask(&query(
        "sink.net",
        A,
        IN,
        &[opt(0, 0, &[(10, b"clientck")])],
    ));
    assert_eq!(first.answers().len(), 1);
    let cookie = cookie_of(&first).expect("a cookie");
    assert_eq!(cookie.len(), 24);
    assert_eq!(cookie[8], 1, "RFC 9018 version");
    let again = ask(&query(
        "cautery.rpz",
        SOA,
        IN,
        &[opt(0, 0, &[(10, &cookie)])],
    ));
    assert_eq!(again.response_code(), ResponseCode::NoError);
    assert_eq!(cookie_of(&again), Some(cookie.clone()));
    // From another address the cookie does not verify: a new one comes.
    let other: SocketAddr = "127.0.0.2:5300".parse().unwrap();
    let request = query("sink.net", A, IN, &[opt(0, 0, &[(10, &cookie)])]);
    let elsewhere = reply(authority().handle(&request, other, Transport::Udp, NOW));
    assert_eq!(elsewhere.answers().len(), 1);
    let renewed = cookie_of(&elsewhere).expect("a cookie");
    assert_eq!(renewed[..8], cookie[..8]);
    assert_ne!(renewed, cookie);
}

#[test]
fn cookies_of_a_bad_length_are_formerr() {
    for length in [1usize, 7, 9, 15, 41] {
        let value = vec![5u8; length];
        let answer = ask(&query("sink.net", A, IN, &[opt(0, 0, &[(10, &value)])]));
        assert_eq!(answer.response_code(), ResponseCode::FormErr, "{length}");
    }
}

#[test]
fn names_outside_every_zone_are_refused_with_extended_error_not_authoritative() {
    let answer = ask(&query("example.com", A, IN, &[opt(0, 0, &[])]));
    assert_eq!(answer.response_code(), ResponseCode::Refused);
    let edns = answer.extensions().as_ref().expect("an OPT record");
    let ede = edns.option(hickory_proto::rr::rdata::opt::EdnsCode::Unknown(15));
    assert!(
        matches!(ede, Some(hickory_proto::rr::rdata::opt::EdnsOption::Unknown(15, v)) if v == &[0, 20]),
        "{edns:?}"
    );
}

#[test]
fn negative_sinkhole_answers_carry_the_soa_with_its_minimum_as_ttl() {
    let answer = ask(&query("x.exact.org", A, IN, &[]));
    assert_eq!(answer.response_code(), ResponseCode::NXDomain);
    assert_eq!(answer.name_servers()[0].ttl(), 60, "RFC 2308 §3");
    let nodata = ask(&query("eXact.org", 16, IN, &[]));
    assert_eq!(nodata.name_servers()[0].ttl(), 60);
    assert_eq!(
        nodata.name_servers()[0].name().to_ascii(),
        "eXact.org.",
        "case kept"
    );
}

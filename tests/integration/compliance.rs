//! DNS protocol compliance, checked against NSD: the same names are served
//! by `cautery serve` and by NSD (the policy zones as cautery transfers
//! them, and each probed sinkholed name as a zone of its own with the SOA,
//! NS and addresses cautery answers for it), both on loopback. A corpus of
//! queries (every header flag, opcode, class, EDNS version, option, payload
//! size, malformed OPT placements, truncation, TCP framing) goes to both
//! over UDP and TCP, and the answers are compared on RCODE (extended
//! included), header flags, section counts, the records of every section
//! and the OPT record's version, flags, payload size and option codes.
//!
//! Differences that RFCs allow are listed in [`ALLOWED`], each with the RFC
//! that allows it (and in the README's section on compliance); any other
//! difference fails the test with both answers printed.

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::process::Command;
use std::time::Duration;

use hickory_proto::op::Message;

use crate::harness::{
    cautery_command, dig, free_port, program, require, wait_until, Process, TempDir,
};

const DAY: &str = "2026-11-26T12:00:00Z";

/// Addresses of the wide zone: more than a 512-octet answer holds.
const WIDE_ADDRESSES: usize = 40;

/// Differences RFCs allow, by a word of the case label, with the RFC. One
/// more is taken out before comparing (see [`summary`]): NSD adds the
/// zone's NS records to the authority section of a positive answer, which
/// cautery leaves out (RFC 1034 §4.3.2 and RFC 2181 §6 make them optional;
/// BIND and Knot leave them out with minimal responses).
const ALLOWED: &[(&str, &str)] = &[
    (
        " ANY",
        "RFC 8482 §4.1: a subset of the RRsets answers ANY (NSD picks one, cautery gives A and AAAA, or SOA and NS)",
    ),
    (
        "opcode ",
        "RFC 6891 §7: a request with an OPT gets one in the answer; NSD answers NOTIMP bare",
    ),
    (
        "no question edns1",
        "RFC 6891 §6.1.3: an unknown version is BADVERS; NSD answers FORMERR",
    ),
    (
        "header only",
        "RFC 1035 §4.1.1: FORMERR for a message without question; NSD closes the TCP connection",
    ),
    (
        "no question",
        "RFC 1035 §4.1.1: FORMERR for a message without question; NSD closes the TCP connection",
    ),
];

struct Servers {
    _cautery: Process,
    _nsd: Process,
    cautery: u16,
    nsd: u16,
    /// A sinkholed name with one address, one with [`WIDE_ADDRESSES`].
    narrow: String,
    wide: String,
    /// A rule's owner inside the policy zone `cautery.rpz`.
    rule: String,
}

fn wide_v4() -> Vec<String> {
    (0..WIDE_ADDRESSES)
        .map(|i| format!("198.51.100.{}", i + 1))
        .collect()
}

fn start(dir: &TempDir) -> Servers {
    let port = free_port();
    let metrics = free_port();
    std::fs::write(dir.join("clock"), DAY).expect("clock");
    let wide = wide_v4()
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let config = format!(
        "version = 1\n\
         [server]\nlisten = [\"127.0.0.1:{port}\"]\nstate-dir = \"{state}\"\n\
         [metrics]\nlisten = \"127.0.0.1:{metrics}\"\n\
         [[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"chinad\"]\ndays-back = 0\ndays-ahead = 0\n\
         action = \"sinkhole\"\nsubdomains = false\nsinkhole-v4 = [\"192.0.2.1\"]\nsinkhole-v6 = [\"2001:db8::1\"]\n\
         [[zone]]\nname = \"wide.rpz\"\nfamilies = [\"banjori\"]\ndays-back = 0\ndays-ahead = 0\n\
         action = \"sinkhole\"\nsubdomains = false\nsinkhole-v4 = [{wide}]\n",
        state = dir.join("state").display()
    );
    let path = dir.write("cautery.toml", &config);
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&path)
        .arg("--clock-file")
        .arg(dir.join("clock"));
    let cautery = Process::start("cautery", command, &dir.join("cautery.log"));
    wait_until(Duration::from_secs(60), || {
        cautery.log().contains("listening")
    })
    .expect("cautery to listen");

    // The policy zones as cautery transfers them, and one sinkholed name
    // of each as a zone of its own.
    let nsd_dir = dir.join("nsd");
    std::fs::create_dir_all(&nsd_dir).expect("nsd dir");
    let mut zones = String::new();
    let mut sinkholed = Vec::new();
    for zone in ["cautery.rpz", "wide.rpz"] {
        let axfr = dig(port, &[zone, "AXFR", "+noall", "+answer"]);
        let mut lines: Vec<&str> = axfr.lines().filter(|l| !l.is_empty()).collect();
        assert!(lines.len() > 3, "AXFR of {zone}: {axfr}");
        lines.pop(); // the closing SOA
        let owner = lines
            .iter()
            .find(|l| l.split_whitespace().nth(3) == Some("A"))
            .and_then(|l| l.split_whitespace().next())
            .expect("a sinkhole rule")
            .trim_end_matches(&format!(".{zone}."))
            .to_owned();
        sinkholed.push(owner);
        std::fs::write(
            nsd_dir.join(format!("{zone}.zone")),
            lines.join("\n") + "\n",
        )
        .expect("zone file");
        zones.push_str(&format!(
            "zone:\n  name: \"{zone}\"\n  zonefile: \"{zone}.zone\"\n"
        ));
    }
    let rule = format!("{}.cautery.rpz", sinkholed[0]);
    for (name, v4, v6) in [
        (
            &sinkholed[0],
            vec!["192.0.2.1".to_owned()],
            vec!["2001:db8::1"],
        ),
        (&sinkholed[1], wide_v4(), vec![]),
    ] {
        let soa = dig(port, &[name, "SOA", "+short", "+norec"]);
        assert!(soa.contains("localhost."), "sinkhole SOA of {name}: {soa}");
        let mut text = format!("{name}. 300 IN SOA {soa}\n{name}. 300 IN NS localhost.\n");
        for a in v4 {
            text.push_str(&format!("{name}. 300 IN A {a}\n"));
        }
        for a in v6 {
            text.push_str(&format!("{name}. 300 IN AAAA {a}\n"));
        }
        std::fs::write(nsd_dir.join(format!("{name}.zone")), text).expect("zone file");
        zones.push_str(&format!(
            "zone:\n  name: \"{name}\"\n  zonefile: \"{name}.zone\"\n"
        ));
    }
    let nsd_port = free_port();
    let d = nsd_dir.display();
    let conf = format!(
        "server:\n  ip-address: 127.0.0.1@{nsd_port}\n  port: {nsd_port}\n  username: \"\"\n  \
         chroot: \"\"\n  zonesdir: \"{d}\"\n  database: \"\"\n  pidfile: \"{d}/nsd.pid\"\n  \
         xfrdfile: \"{d}/xfrd.state\"\n  zonelistfile: \"{d}/zone.list\"\n  server-count: 1\n  \
         hide-version: yes\n  hide-identity: yes\n  answer-cookie: yes\n  verbosity: 1\n\
         remote-control:\n  control-enable: no\n{zones}"
    );
    let conf_path = nsd_dir.join("nsd.conf");
    std::fs::write(&conf_path, conf).expect("nsd.conf");
    let mut command = Command::new(program("nsd"));
    command.arg("-d").arg("-c").arg(&conf_path);
    let nsd = Process::start("nsd", command, &nsd_dir.join("log"));
    let probe = sinkholed[0].clone();
    wait_until(Duration::from_secs(30), || {
        dig(nsd_port, &[&probe, "A", "+short"]).contains("192.0.2.1")
    })
    .unwrap_or_else(|e| panic!("nsd to answer: {e:?}\n{}", nsd.log()));
    Servers {
        _cautery: cautery,
        _nsd: nsd,
        cautery: port,
        nsd: nsd_port,
        narrow: sinkholed[0].clone(),
        wide: sinkholed[1].clone(),
        rule,
    }
}

// Record types and classes by number.
const A: u16 = 1;
const NS: u16 = 2;
const SOA: u16 = 6;
const TXT: u16 = 16;
const AAAA: u16 = 28;
const OPT: u16 = 41;
const ANY: u16 = 255;
const IN: u16 = 1;
const CH: u16 = 3;

fn wire_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn question(name: &str, qtype: u16, class: u16) -> Vec<u8> {
    let mut out = wire_name(name);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&class.to_be_bytes());
    out
}

/// An OPT record: payload size, extended RCODE, version, flags, options.
fn opt(payload: u16, rcode: u8, version: u8, flags: u16, options: &[(u16, &[u8])]) -> Vec<u8> {
    let mut data = Vec::new();
    for (code, value) in options {
        data.extend_from_slice(&code.to_be_bytes());
        data.extend_from_slice(&(value.len() as u16).to_be_bytes());
        data.extend_from_slice(value);
    }
    let mut out = vec![0];
    out.extend_from_slice(&OPT.to_be_bytes());
    out.extend_from_slice(&payload.to_be_bytes());
    out.extend_from_slice(&[rcode, version]);
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(&data);
    out
}

fn edns0() -> Vec<u8> {
    opt(1232, 0, 0, 0, &[])
}

/// A message: header octets 2 and 3, then the sections as raw records.
fn message(flags: [u8; 2], questions: &[Vec<u8>], sections: [&[Vec<u8>]; 3]) -> Vec<u8> {
    let mut out = vec![0x12, 0x34, flags[0], flags[1]];
    out.extend_from_slice(&(questions.len() as u16).to_be_bytes());
    for section in sections {
        out.extend_from_slice(&(section.len() as u16).to_be_bytes());
    }
    for q in questions {
        out.extend_from_slice(q);
    }
    for section in sections {
        for record in section {
            out.extend_from_slice(record);
        }
    }
    out
}

/// A query with RD, one question and the additional records given.
fn query(name: &str, qtype: u16, class: u16, additional: &[Vec<u8>]) -> Vec<u8> {
    message(
        [0x01, 0],
        &[question(name, qtype, class)],
        [&[], &[], additional],
    )
}

struct Case {
    label: String,
    bytes: Vec<u8>,
}

fn corpus(s: &Servers) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |label: String, bytes: Vec<u8>| cases.push(Case { label, bytes });
    let narrow = s.narrow.as_str();
    let mixed: String = narrow
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    let sub = format!("www.{narrow}");
    let names = [
        narrow,
        &mixed,
        &sub,
        s.wide.as_str(),
        "cautery.rpz",
        s.rule.as_str(),
        "nothing-here.cautery.rpz",
        "example.com",
    ];
    for name in names {
        for (tname, qtype) in [
            ("A", A),
            ("AAAA", AAAA),
            ("SOA", SOA),
            ("NS", NS),
            ("TXT", TXT),
            ("ANY", ANY),
        ] {
            add(format!("{name} {tname}"), query(name, qtype, IN, &[]));
            add(
                format!("{name} {tname} edns0"),
                query(name, qtype, IN, &[edns0()]),
            );
        }
    }
    // Every header flag a query may carry, and a non-zero RCODE.
    for (flag, octets) in [
        ("aa", [0x04, 0]),
        ("tc", [0x02, 0]),
        ("no-rd", [0x00, 0]),
        ("rd", [0x01, 0]),
        ("ra", [0x01, 0x80]),
        ("z", [0x01, 0x40]),
        ("ad", [0x01, 0x20]),
        ("cd", [0x01, 0x10]),
        ("rcode", [0x01, 0x03]),
        ("all", [0x07, 0xF0]),
    ] {
        for (edns, additional) in [("", vec![]), (" edns0", vec![edns0()])] {
            add(
                format!("flag {flag}{edns}"),
                message(octets, &[question(narrow, A, IN)], [&[], &[], &additional]),
            );
            add(
                format!("flag {flag} soa{edns}"),
                message(
                    octets,
                    &[question("cautery.rpz", SOA, IN)],
                    [&[], &[], &additional],
                ),
            );
        }
    }
    // Opcodes other than QUERY (NOTIFY aside: it has its own tests).
    for opcode in [1u8, 2, 3, 5, 6, 7, 15] {
        add(
            format!("opcode {opcode}"),
            message(
                [opcode << 3 | 1, 0],
                &[question(narrow, A, IN)],
                [&[], &[], &[]],
            ),
        );
        add(
            format!("opcode {opcode} edns0"),
            message(
                [opcode << 3 | 1, 0],
                &[question(narrow, A, IN)],
                [&[], &[], &[edns0()]],
            ),
        );
    }
    // Classes.
    for (cname, class) in [("CH", CH), ("HS", 4), ("NONE", 254), ("ANY", 255), ("9", 9)] {
        for (name, qtype) in [(narrow, A), ("cautery.rpz", SOA), (s.rule.as_str(), A)] {
            add(
                format!("class {cname} {name}"),
                query(name, qtype, class, &[]),
            );
        }
        add(
            format!("class {cname} version.server"),
            query("version.server", TXT, class, &[]),
        );
    }
    add("CH id.server".into(), query("id.server", TXT, CH, &[]));
    // EDNS versions, flags, extended RCODE bits, options.
    let cookie = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let ecs = [0u8, 1, 24, 0, 192, 0, 2];
    for version in [1u8, 2, 255] {
        for (name, qtype) in [
            (narrow, A),
            ("cautery.rpz", SOA),
            ("example.com", A),
            (s.wide.as_str(), A),
        ] {
            add(
                format!("edns v{version} {name}"),
                query(name, qtype, IN, &[opt(1232, 0, version, 0, &[])]),
            );
            add(
                format!("edns v{version} do {name}"),
                query(name, qtype, IN, &[opt(1232, 0, version, 0x8000, &[])]),
            );
        }
        for (oname, code, value) in [
            ("nsid", 3u16, &[][..]),
            ("cookie", 10, &cookie[..]),
            ("expire", 9, &[][..]),
            ("ecs", 8, &ecs[..]),
        ] {
            add(
                format!("edns v{version} {oname}"),
                query(
                    narrow,
                    A,
                    IN,
                    &[opt(1232, 0, version, 0x8000, &[(code, value)])],
                ),
            );
        }
    }
    let long_cookie = [7u8; 48];
    for (oname, code, value) in [
        ("nsid", 3u16, &[][..]),
        ("expire", 9, &[][..]),
        ("ecs", 8, &ecs[..]),
        ("padding", 12, &[0u8; 20][..]),
        ("unknown", 65001, &[1u8, 2, 3][..]),
        ("cookie-short", 10, &cookie[..7]),
        ("cookie-long", 10, &long_cookie[..]),
        ("cookie-bogus-server", 10, &long_cookie[..24]),
        ("cookie-9", 10, &long_cookie[..9]),
    ] {
        for (name, qtype) in [(narrow, A), ("cautery.rpz", SOA)] {
            add(
                format!("option {oname} {name}"),
                query(name, qtype, IN, &[opt(1232, 0, 0, 0, &[(code, value)])]),
            );
        }
    }
    add(
        "edns do".into(),
        query(narrow, A, IN, &[opt(1232, 0, 0, 0x8000, &[])]),
    );
    add(
        "edns unknown flag".into(),
        query(narrow, A, IN, &[opt(1232, 0, 0, 0x4001, &[])]),
    );
    add(
        "edns extended rcode in query".into(),
        query(narrow, A, IN, &[opt(1232, 1, 0, 0, &[])]),
    );
    // Payload sizes around the truncation points.
    for payload in [0u16, 1, 511, 512, 513, 700, 1232, 1500, 4096, 65535] {
        for (name, qtype) in [(narrow, A), (s.wide.as_str(), A), ("cautery.rpz", ANY)] {
            let tname = if qtype == ANY { "ANY" } else { "A" };
            add(
                format!("payload {payload} {name} {tname}"),
                query(name, qtype, IN, &[opt(payload, 0, 0, 0, &[])]),
            );
        }
    }
    // Malformed messages: OPT placement and count, section counts.
    let q = question(narrow, A, IN);
    let a_record = {
        let mut r = wire_name(narrow);
        r.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 9]);
        r
    };
    let mut named_opt = edns0();
    named_opt.splice(0..1, wire_name("x"));
    for (label, questions, sections) in [
        (
            "two opt",
            vec![q.clone()],
            [vec![], vec![], vec![edns0(), edns0()]],
        ),
        (
            "opt in answer",
            vec![q.clone()],
            [vec![edns0()], vec![], vec![]],
        ),
        (
            "opt in authority",
            vec![q.clone()],
            [vec![], vec![edns0()], vec![]],
        ),
        (
            "opt not at root",
            vec![q.clone()],
            [vec![], vec![], vec![named_opt.clone()]],
        ),
        (
            "answer record",
            vec![q.clone()],
            [vec![a_record.clone()], vec![], vec![]],
        ),
        (
            "authority record",
            vec![q.clone()],
            [vec![], vec![a_record.clone()], vec![]],
        ),
        (
            "additional record",
            vec![q.clone()],
            [vec![], vec![], vec![a_record.clone()]],
        ),
        (
            "additional record and opt",
            vec![q.clone()],
            [vec![], vec![], vec![a_record.clone(), edns0()]],
        ),
        ("no question", vec![], [vec![], vec![], vec![]]),
        ("no question edns0", vec![], [vec![], vec![], vec![edns0()]]),
        (
            "no question edns1",
            vec![],
            [vec![], vec![], vec![opt(1232, 0, 1, 0, &[])]],
        ),
        (
            "two questions",
            vec![q.clone(), q.clone()],
            [vec![], vec![], vec![]],
        ),
    ] {
        add(
            label.into(),
            message(
                [0x01, 0],
                &questions,
                [&sections[0], &sections[1], &sections[2]],
            ),
        );
    }
    let plain = query(narrow, A, IN, &[]);
    add("response".into(), {
        let mut r = plain.clone();
        r[2] |= 0x80;
        r
    });
    add("trailing octets".into(), {
        let mut r = plain.clone();
        r.extend_from_slice(&[0, 0, 0]);
        r
    });
    add("short question".into(), plain[..plain.len() - 2].to_vec());
    add("header only".into(), plain[..12].to_vec());
    cases
}

fn ask_udp(port: u16, request: &[u8]) -> Option<Vec<u8>> {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("udp socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(400)))
        .expect("timeout");
    socket.send_to(request, ("127.0.0.1", port)).expect("send");
    let mut buffer = vec![0u8; 65_535];
    let length = socket.recv(&mut buffer).ok()?;
    buffer.truncate(length);
    Some(buffer)
}

fn tcp(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("tcp connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(800)))
        .expect("timeout");
    stream
}

fn framed(request: &[u8]) -> Vec<u8> {
    let mut out = (request.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(request);
    out
}

fn read_framed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).ok()?;
    let mut out = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut out).ok()?;
    Some(out)
}

fn ask_tcp(port: u16, request: &[u8]) -> Option<Vec<u8>> {
    let mut stream = tcp(port);
    stream.write_all(&framed(request)).ok()?;
    read_framed(&mut stream)
}

/// What is compared of an answer: everything but the ID (whose echo is a
/// flag), the server cookie's octets (random per server) and the NS
/// records of the authority section of a positive answer (see [`ALLOWED`]).
fn summary(request: &[u8], response: Option<&[u8]>) -> String {
    let Some(bytes) = response else {
        return "no answer".into();
    };
    if bytes.len() < 12 {
        return format!("short answer {bytes:02x?}");
    }
    let count = |at: usize| u16::from_be_bytes([bytes[at], bytes[at + 1]]);
    let mut counts = [count(4), count(6), count(8), count(10)];
    let mut out = format!(
        "id-echoed={} opcode={} flags={} rcode={}",
        bytes[..2] == request[..2],
        (bytes[2] >> 3) & 0x0F,
        flag_names(bytes[2], bytes[3]),
        bytes[3] & 0x0F,
    );
    let message = match Message::from_vec(bytes) {
        Ok(message) => message,
        Err(e) => return format!("{out} counts={counts:?} (unparsed: {e})"),
    };
    let strings = |records: &[hickory_proto::rr::Record]| {
        let mut out: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        out.sort();
        out
    };
    let mut authority = message.name_servers().to_vec();
    if !message.answers().is_empty() {
        authority.retain(|r| r.record_type() != hickory_proto::rr::RecordType::NS);
        counts[2] = authority.len() as u16;
    }
    let mut questions: Vec<String> = message.queries().iter().map(|q| q.to_string()).collect();
    questions.sort();
    out.push_str(&format!(" counts={counts:?}\n  question: {questions:?}"));
    out.push_str(&format!("\n  answer: {:?}", strings(message.answers())));
    out.push_str(&format!("\n  authority: {:?}", strings(&authority)));
    out.push_str(&format!(
        "\n  additional: {:?}",
        strings(message.additionals())
    ));
    if let Some(edns) = message.extensions() {
        let mut codes: Vec<String> = edns
            .options()
            .as_ref()
            .iter()
            .map(|(code, option)| format!("{}:{}", u16::from(*code), edns_option_length(option)))
            .collect();
        codes.sort();
        out.push_str(&format!(
            "\n  opt: version={} rcode-high={} do={} payload={} options={codes:?}",
            edns.version(),
            edns.rcode_high(),
            edns.flags().dnssec_ok,
            edns.max_payload(),
        ));
    }
    out
}

fn edns_option_length(option: &hickory_proto::rr::rdata::opt::EdnsOption) -> u16 {
    option.len()
}

fn flag_names(high: u8, low: u8) -> String {
    let mut names = Vec::new();
    for (bit, name) in [(0x80, "qr"), (0x04, "aa"), (0x02, "tc"), (0x01, "rd")] {
        if high & bit != 0 {
            names.push(name);
        }
    }
    for (bit, name) in [(0x80, "ra"), (0x40, "z"), (0x20, "ad"), (0x10, "cd")] {
        if low & bit != 0 {
            names.push(name);
        }
    }
    names.join(",")
}

fn allowed(label: &str) -> bool {
    ALLOWED.iter().any(|(word, _)| label.contains(word))
}

#[test]
fn cautery_answers_a_query_corpus_as_nsd_does() {
    if !require("nsd", "nsd") || !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("compliance");
    let servers = start(&dir);
    let mut differences = Vec::new();
    let cases = corpus(&servers);
    for case in &cases {
        for (transport, ask) in [
            ("udp", ask_udp as fn(u16, &[u8]) -> Option<Vec<u8>>),
            ("tcp", ask_tcp),
        ] {
            let ours = summary(&case.bytes, ask(servers.cautery, &case.bytes).as_deref());
            let theirs = summary(&case.bytes, ask(servers.nsd, &case.bytes).as_deref());
            if ours != theirs && !allowed(&case.label) {
                differences.push(format!(
                    "{} over {transport}:\n cautery: {ours}\n nsd:     {theirs}",
                    case.label
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} cases differ from NSD:\n{}",
        differences.len(),
        cases.len() * 2,
        differences.join("\n")
    );
}

/// TCP framing: two queries in one segment, a length prefix split from its
/// message, a message sent in pieces; both servers answer each query.
#[test]
fn tcp_framing_is_read_as_nsd_reads_it() {
    if !require("nsd", "nsd") || !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("framing");
    let servers = start(&dir);
    let first = query(&servers.narrow, A, IN, &[]);
    let second = query("cautery.rpz", SOA, IN, &[edns0()]);
    let exchange = |port: u16| -> Vec<String> {
        let mut out = Vec::new();
        // Pipelined in one write.
        let mut stream = tcp(port);
        let mut both = framed(&first);
        both.extend_from_slice(&framed(&second));
        stream.write_all(&both).expect("write");
        let mut answers: Vec<String> = (0..2)
            .map(|_| {
                let bytes = read_framed(&mut stream);
                let request = if bytes
                    .as_ref()
                    .is_some_and(|b| b.len() > 12 && b[7] == 1 && b[11] == 0)
                {
                    &first
                } else {
                    &second
                };
                summary(request, bytes.as_deref())
            })
            .collect();
        answers.sort();
        out.extend(answers);
        // The length alone, then the message in two pieces.
        let mut stream = tcp(port);
        let whole = framed(&first);
        for piece in [&whole[..2], &whole[2..9], &whole[9..]] {
            stream.write_all(piece).expect("write");
            std::thread::sleep(Duration::from_millis(20));
        }
        out.push(summary(&first, read_framed(&mut stream).as_deref()));
        // A zero length.
        let mut stream = tcp(port);
        stream.write_all(&[0, 0]).expect("write");
        out.push(format!(
            "zero length: {}",
            summary(&first, read_framed(&mut stream).as_deref())
        ));
        out
    };
    assert_eq!(exchange(servers.cautery), exchange(servers.nsd));
}

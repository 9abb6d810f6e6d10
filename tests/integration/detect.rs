//! `cautery detect` on the query logs of real resolvers: BIND 9 and Unbound,
//! each on a loopback port, forwarding only to a loopback BIND that is
//! authoritative for a test root zone (so DGA names get NXDOMAIN, as they
//! do in the wild, and a few benign names resolve). Clients on 127.0.0.2
//! to 127.0.0.5 (dig -b) ask for today's names of two families, one
//! accidental DGA name and benign names; `detect` must name exactly the two
//! infected clients with their families.
//!
//! The resolvers come from Debian packages (`.ci/run` installs them); a
//! missing one fails its test unless `CAUTERY_SKIP_RESOLVER_TESTS=1` is set.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::harness::{
    cautery, cautery_command, free_port, program, require, stderr, stdout, utf8, wait_until,
    Process, TempDir,
};

/// Benign names in the test root zone.
const BENIGN: [&str; 3] = ["www.example.org", "mail.example.org", "cdn.example.org"];
/// The infected clients, their family and how many names they ask for.
pub(crate) const INFECTED: [(&str, &str, usize); 2] =
    [("127.0.0.2", "necurs", 4), ("127.0.0.3", "qakbot", 3)];

/// Today's names of `family` (its default seed).
fn todays_names(family: &str, count: usize) -> Vec<String> {
    let output = cautery(&["generate", family]);
    assert!(output.status.success(), "{}", stderr(&output));
    let names: Vec<String> = stdout(&output)
        .lines()
        .take(count)
        .map(str::to_owned)
        .collect();
    assert_eq!(names.len(), count, "{family} predicts too few names today");
    names
}

/// A BIND authoritative for a root zone with only the benign names.
pub(crate) fn upstream(dir: &TempDir) -> (Process, u16) {
    let mut zone = String::from(
        "$TTL 60\n@ SOA ns.root-servers.test. hostmaster.root-servers.test. 1 3600 600 86400 60\n\
         @ NS ns.root-servers.test.\nns.root-servers.test. A 127.0.0.1\n",
    );
    for name in BENIGN {
        zone.push_str(&format!("{name}. A 198.51.100.7\n"));
    }
    dir.write("root.zone", &zone);
    let port = free_port();
    let d = dir.path().display();
    let conf = dir.write(
        "upstream.conf",
        &format!(
            "options {{ directory \"{d}\"; listen-on port {port} {{ 127.0.0.1; }}; \
             listen-on-v6 {{ none; }}; recursion no; dnssec-validation no; notify no; \
             pid-file \"{d}/upstream.pid\"; session-keyfile \"{d}/upstream.key\"; }};\n\
             controls {{ }};\nzone \".\" {{ type primary; file \"{d}/root.zone\"; }};\n"
        ),
    );
    let mut command = Command::new(program("named"));
    command.args(["-g", "-c"]).arg(&conf);
    let process = Process::start("upstream named", command, &dir.join("upstream.log"));
    (process, port)
}

/// The status of `name` asked of 127.0.0.1:`port` from the address `client`.
fn ask(client: &str, port: u16, name: &str) -> String {
    let output = Command::new("dig")
        .args(["-b", client, "@127.0.0.1", "-p", &port.to_string()])
        .args(["+time=2", "+tries=2", name, "A"])
        .output()
        .expect("run dig");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.split("status: ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or("")
        .to_owned()
}

/// Drives the clients through the resolver on `port`; returns how many
/// queries were asked.
/// A BIND resolver on a free port that forwards to the loopback server on
/// `upstream_port` (see [`upstream`]) and sends its client queries as
/// dnstap to the unix `socket`: named and its port.
pub(crate) fn bind_sending_dnstap(
    dir: &TempDir,
    upstream_port: u16,
    socket: &Path,
) -> (Process, u16) {
    let bind_port = free_port();
    let d = dir.path().display();
    let conf = dir.write(
        "resolver.conf",
        &format!(
            "options {{ directory \"{d}\"; listen-on port {bind_port} {{ 127.0.0.1; }}; \
             listen-on-v6 {{ none; }}; recursion yes; \
             allow-query {{ 127.0.0.0/8; }}; allow-recursion {{ 127.0.0.0/8; }}; \
             forward only; forwarders {{ 127.0.0.1 port {upstream_port}; }}; \
             dnssec-validation no; notify no; pid-file \"{d}/resolver.pid\"; \
             session-keyfile \"{d}/resolver.key\"; \
             dnstap {{ client; }}; dnstap-output unix \"{}\"; }};\n\
             controls {{ }};\n",
            socket.display()
        ),
    );
    let mut command = Command::new(program("named"));
    command.args(["-f", "-c"]).arg(&conf);
    let named = Process::start("named", command, &dir.join("resolver.log"));
    (named, bind_port)
}

pub(crate) fn drive_clients(port: u16, process: &mut Process) -> usize {
    // Wait for the resolver (and its upstream) to answer.
    wait_until(Duration::from_secs(30), || {
        assert!(process.exited().is_none(), "{}", process.log());
        ask("127.0.0.1", port, BENIGN[0]) == "NOERROR"
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", process.log()));
    let mut asked = 1;
    for (client, family, count) in INFECTED {
        for name in todays_names(family, count) {
            assert_eq!(ask(client, port, &name), "NXDOMAIN", "{name}");
            asked += 1;
        }
        assert_eq!(ask(client, port, BENIGN[1]), "NOERROR");
        asked += 1;
    }
    // One accidental lookup of a predicted name (a researcher), and clients
    // that ask only for benign names.
    let accidental = &todays_names("necurs", 1)[0];
    assert_eq!(ask("127.0.0.4", port, accidental), "NXDOMAIN");
    asked += 1;
    for client in ["127.0.0.4", "127.0.0.5"] {
        for name in BENIGN {
            assert_eq!(ask(client, port, name), "NOERROR");
            asked += 1;
        }
    }
    asked
}

/// Runs `cautery detect` on `log` and checks the findings; `replies` says
/// whether the log carries response codes.
fn check_findings(log: &Path, format: &str, replies: bool) {
    let output = cautery(&["detect", "--format", "jsonl", utf8(log)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let findings: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let found: BTreeSet<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["client"].as_str().unwrap_or_default().to_owned(),
                f["family"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = INFECTED
        .iter()
        .map(|(client, family, _)| ((*client).to_owned(), (*family).to_owned()))
        .collect();
    assert_eq!(found, expected, "{}", stdout(&output));
    for (client, family, count) in INFECTED {
        let finding = findings
            .iter()
            .find(|f| f["client"] == client)
            .expect("finding");
        assert_eq!(finding["names"], count, "{finding}");
        assert_eq!(
            finding["samples"].as_array().map(Vec::len),
            Some(count),
            "{finding}"
        );
        assert!(finding["first_seen"].as_str() <= finding["last_seen"].as_str());
        if replies {
            assert_eq!(finding["nxdomain_share"], 1.0, "{family}: {finding}");
        } else {
            assert!(finding["nxdomain_share"].is_null(), "{finding}");
        }
    }
    // The same with the format named, and with a stricter threshold.
    let named = cautery(&[
        "detect",
        "--input-format",
        format,
        "--format",
        "jsonl",
        utf8(log),
    ]);
    assert_eq!(stdout(&named), stdout(&output));
    let strict = cautery(&["detect", "--min-names", "4", utf8(log)]);
    let strict_text = stdout(&strict);
    let clients: Vec<&str> = strict_text
        .lines()
        .filter_map(|line| line.split('\t').next())
        .collect();
    assert_eq!(clients, ["127.0.0.2"], "{}", stdout(&strict));
}

#[test]
fn detect_names_the_infected_clients_of_a_bind_resolver() {
    if !(require("dig", "bind9-dnsutils") && require("named", "bind9")) {
        return;
    }
    let dir = TempDir::new("detect-bind");
    let (_upstream, upstream_port) = upstream(&dir);
    let port = free_port();
    let d = dir.path().display();
    let conf = dir.write(
        "resolver.conf",
        &format!(
            "options {{ directory \"{d}\"; listen-on port {port} {{ 127.0.0.1; }}; \
             listen-on-v6 {{ none; }}; recursion yes; querylog yes; \
             allow-query {{ 127.0.0.0/8; }}; allow-recursion {{ 127.0.0.0/8; }}; \
             forward only; forwarders {{ 127.0.0.1 port {upstream_port}; }}; \
             dnssec-validation no; notify no; pid-file \"{d}/resolver.pid\"; \
             session-keyfile \"{d}/resolver.key\"; \
             dnstap {{ client; }}; dnstap-output file \"{d}/dnstap.fstrm\"; }};\n\
             controls {{ }};\n\
             logging {{ channel queries_file {{ file \"{d}/queries.log\"; print-time yes; \
             print-category yes; print-severity yes; severity info; }}; \
             category queries {{ queries_file; }}; }};\n"
        ),
    );
    // -f, not -g: -g ignores the logging statement.
    let mut command = Command::new(program("named"));
    command.args(["-f", "-c"]).arg(&conf);
    let mut named = Process::start("named", command, &dir.join("resolver.log"));
    let asked = drive_clients(port, &mut named);
    let log = dir.join("queries.log");
    wait_until(Duration::from_secs(10), || {
        std::fs::read_to_string(&log).is_ok_and(|text| text.matches(" query: ").count() >= asked)
    })
    .unwrap_or_else(|e| {
        panic!(
            "{e:?}: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    });
    check_findings(&log, "bind", false);
    // The same queries and their responses in BIND's dnstap file, whole
    // (ended by its STOP frame) once named has stopped.
    named.signal("TERM");
    wait_until(Duration::from_secs(20), || named.exited().is_some())
        .unwrap_or_else(|e| panic!("{e:?}: {}", named.log()));
    let dnstap = dir.join("dnstap.fstrm");
    let output = cautery(&["detect", "--stats", utf8(&dnstap)]);
    // Every query BIND logged (a probe retried while it started counts
    // too), with its response: two messages each.
    let received = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches(" query: ")
        .count();
    assert!(
        received >= asked,
        "BIND logged {received} of {asked} queries"
    );
    assert!(
        stderr(&output).contains(&format!(
            "{} messages as dnstap, {} queries",
            2 * received,
            2 * received
        )),
        "{}",
        stderr(&output)
    );
    check_findings(&dnstap, "dnstap", true);
}

/// A pcap (Ethernet, UDP) of the queries and NXDOMAIN or NOERROR replies
/// of [`drive_clients`], built here: the machine that runs the tests has
/// no capture privileges to rely on.
fn capture_of_clients() -> Vec<u8> {
    fn dns(name: &str, rcode: Option<u8>) -> Vec<u8> {
        let mut out = vec![0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        if let Some(rcode) = rcode {
            out[2] = 0x81;
            out[3] = 0x80 | rcode;
        }
        for label in name.split('.') {
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
        out.extend_from_slice(&[0, 0, 1, 0, 1]);
        out
    }
    fn frame(from: ([u8; 4], u16), to: ([u8; 4], u16), dns: &[u8]) -> Vec<u8> {
        let mut frame = vec![0; 12];
        frame.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0]);
        frame[16..18].copy_from_slice(&((28 + dns.len()) as u16).to_be_bytes());
        frame.extend_from_slice(&from.0);
        frame.extend_from_slice(&to.0);
        frame.extend_from_slice(&from.1.to_be_bytes());
        frame.extend_from_slice(&to.1.to_be_bytes());
        frame.extend_from_slice(&((8 + dns.len()) as u16).to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(dns);
        frame
    }
    let mut asked: Vec<(&str, String, u8)> = Vec::new();
    for (client, family, count) in INFECTED {
        for name in todays_names(family, count) {
            asked.push((client, name, 3));
        }
        asked.push((client, BENIGN[1].to_owned(), 0));
    }
    asked.push(("127.0.0.4", todays_names("necurs", 1).remove(0), 3));
    for client in ["127.0.0.4", "127.0.0.5"] {
        for name in BENIGN {
            asked.push((client, name.to_owned(), 0));
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as u32;
    let mut file = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    file.extend_from_slice(&65535u32.to_le_bytes());
    file.extend_from_slice(&1u32.to_le_bytes());
    let server = ([127, 0, 0, 1], 53);
    for (i, (client, name, rcode)) in asked.iter().enumerate() {
        let address: std::net::Ipv4Addr = client.parse().expect("an address");
        let client = (address.octets(), 40000 + i as u16);
        for packet in [
            frame(client, server, &dns(name, None)),
            frame(server, client, &dns(name, Some(*rcode))),
        ] {
            file.extend_from_slice(&now.to_le_bytes());
            file.extend_from_slice(&(i as u32).to_le_bytes());
            file.extend_from_slice(&(packet.len() as u32).to_le_bytes());
            file.extend_from_slice(&(packet.len() as u32).to_le_bytes());
            file.extend_from_slice(&packet);
        }
    }
    file
}

#[test]
fn detect_reads_dns_out_of_a_packet_capture() {
    let dir = TempDir::new("detect-pcap");
    let capture = dir.path().join("dns.pcap");
    std::fs::write(&capture, capture_of_clients()).expect("write the capture");
    check_findings(&capture, "pcap", true);
    // Cut mid-packet: what was whole is still read, the cut is reported.
    let bytes = std::fs::read(&capture).expect("read");
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 5]).expect("write");
    let output = cautery(&["detect", utf8(&cut)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("ends inside a block"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn detect_names_the_infected_clients_of_an_unbound_resolver() {
    if !(require("dig", "bind9-dnsutils")
        && require("named", "bind9")
        && require("unbound", "unbound"))
    {
        return;
    }
    let dir = TempDir::new("detect-unbound");
    let (_upstream, upstream_port) = upstream(&dir);
    let port = free_port();
    let d = dir.path().display();
    let conf = dir.write(
        "unbound.conf",
        &format!(
            "server:\n  interface: 127.0.0.1@{port}\n  port: {port}\n  do-ip6: no\n  username: \"\"\n  \
             chroot: \"\"\n  directory: \"{d}\"\n  pidfile: \"{d}/unbound.pid\"\n  use-syslog: no\n  \
             logfile: \"{d}/queries.log\"\n  verbosity: 0\n  log-queries: yes\n  log-replies: yes\n  \
             do-not-query-localhost: no\n  access-control: 127.0.0.0/8 allow\n  \
             module-config: \"iterator\"\n  qname-minimisation: no\n\
             remote-control:\n  control-enable: no\n\
             forward-zone:\n  name: \".\"\n  forward-addr: 127.0.0.1@{upstream_port}\n"
        ),
    );
    let mut command = Command::new(program("unbound"));
    command.args(["-d", "-c"]).arg(&conf);
    let mut unbound = Process::start("unbound", command, &dir.join("unbound.log"));
    let asked = drive_clients(port, &mut unbound);
    let log = dir.join("queries.log");
    // One query line and one reply line per query.
    wait_until(Duration::from_secs(10), || {
        std::fs::read_to_string(&log).is_ok_and(|text| {
            text.lines().filter(|line| line.contains(" A IN")).count() >= 2 * asked
        })
    })
    .unwrap_or_else(|e| {
        panic!(
            "{e:?}: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    });
    check_findings(&log, "unbound", true);
}

#[test]
fn detect_refuses_what_it_cannot_read_and_skips_malformed_lines() {
    let dir = TempDir::new("detect-input");
    let garbage = dir.write("garbage.log", "hello\nworld\n");
    let output = cautery(&["detect", utf8(&garbage)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--input-format") && stderr(&output).lines().count() == 1,
        "{}",
        stderr(&output)
    );
    let output = cautery(&["detect", utf8(&dir.join("missing.log"))]);
    assert_eq!(output.status.code(), Some(2));

    // Zeek JSON from a sensor: an infected client among malformed lines.
    let mut log = String::new();
    for (i, name) in todays_names("necurs", 3).iter().enumerate() {
        let now = chrono::Utc::now().timestamp();
        log.push_str(&format!(
            "{{\"ts\":{now}.{i},\"id.orig_h\":\"2001:db8::7\",\"query\":\"{name}\",\"rcode_name\":\"NXDOMAIN\"}}\n"
        ));
        log.push_str("{\"ts\":\"broken\n");
    }
    // And a client asking for random-looking names no family makes: the
    // classifier's unknown-dga.
    let mut state: u64 = 7;
    for _ in 0..12 {
        let label: String = (0..24)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                b"bcdfghjklmnpqrstvwxz0123456789"[(state >> 33) as usize % 30] as char
            })
            .collect();
        let now = chrono::Utc::now().timestamp();
        log.push_str(&format!(
            "{{\"ts\":{now},\"id.orig_h\":\"192.0.2.50\",\"query\":\"{label}.com\",\"rcode_name\":\"NXDOMAIN\"}}\n"
        ));
    }
    let file = dir.write("dns.json", &log);
    let output = cautery(&["detect", "--format", "csv", utf8(&file)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[1].starts_with("192.0.2.50,unknown-dga,,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",12,12,1.000,"), "{}", lines[1]);
    assert!(lines[2].starts_with("2001:db8::7,necurs,"), "{}", lines[2]);
    assert!(lines[2].contains(",3,3,1.000,"), "{}", lines[2]);
    let off = cautery(&["detect", "--unknown-min-names", "0", utf8(&file)]);
    assert_eq!(stdout(&off).lines().count(), 1, "{}", stdout(&off));
    assert!(
        stderr(&output).contains("skipped 3 malformed zeek-json line(s) of 18"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn classify_names_the_family_it_knows_and_scores_the_rest() {
    let predicted = &todays_names("necurs", 1)[0];
    let output = cautery(&[
        "classify",
        "--format",
        "jsonl",
        predicted,
        "www.wikipedia.org",
        "qx7vbn2kdlzj9wq.co.uk",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let labels: Vec<&str> = rows.iter().filter_map(|r| r["label"].as_str()).collect();
    assert_eq!(labels, ["necurs", "benign", "dga"], "{}", stdout(&output));
    for row in &rows {
        let score = row["score"].as_f64().expect("a score");
        assert!((0.0..=1.0).contains(&score), "{row}");
    }
    // The registrable label is scored, not the suffix or the subdomains.
    let plain = cautery(&[
        "classify",
        "--no-lookup",
        "qx7vbn2kdlzj9wq.co.uk",
        "www.qx7vbn2kdlzj9wq.com",
    ]);
    let scores: Vec<String> = stdout(&plain)
        .lines()
        .filter_map(|line| line.split('\t').nth(1).map(str::to_owned))
        .collect();
    assert_eq!(scores.len(), 2);
    assert_eq!(scores[0], scores[1], "{}", stdout(&plain));
    // A model that is not one is refused with exit 2.
    let dir = TempDir::new("classify-model");
    let bad = dir.write("model.json", "{\"features\": []}");
    let refused = cautery(&["classify", "--model", utf8(&bad), "a.example"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
}

/// The client of the collector test that runs a DGA no campaign serves.
const UNKNOWN_CLIENT: &str = "127.0.0.6";

/// The first `count` of today's names of `family` that the classifier
/// flags on its own (without the reverse index, which knows the family).
fn flagged_names(family: &str, count: usize) -> Vec<String> {
    let names = todays_names(family, 400);
    let mut command = cautery_command();
    command.args(["classify", "--no-lookup"]).args(&names);
    let output = command.output().expect("run cautery classify");
    let flagged: Vec<String> = stdout(&output)
        .lines()
        .filter(|line| line.split('\t').nth(2) == Some("dga"))
        .filter_map(|line| line.split('\t').next().map(str::to_owned))
        .take(count)
        .collect();
    assert_eq!(flagged.len(), count, "{}", stdout(&output));
    flagged
}

/// The events `cautery events` lists from the store of `config`.
pub(crate) fn stored_events(config: &Path) -> Vec<serde_json::Value> {
    let output = cautery(&["events", "--config", utf8(config), "--format", "jsonl"]);
    stdout(&output)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

#[test]
fn the_dnstap_collector_stores_the_infected_clients_of_bind_and_unbound() {
    if !(require("dig", "bind9-dnsutils")
        && require("named", "bind9")
        && require("unbound", "unbound"))
    {
        return;
    }
    let dir = TempDir::new("detect-collector");
    let state = dir.join("state");
    let (dns, tap, http) = (free_port(), free_port(), free_port());
    // A policy zone of the two families (today and the days around it): the
    // collector attributes through what is served.
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[http]\nlisten = \"127.0.0.1:{http}\"\n[server]\nlisten = [\"127.0.0.1:{dns}\"]\nstate-dir = \"{}\"\n\
             [detect]\ndnstap-listen = [\"unix:dnstap.sock\", \"127.0.0.1:{tap}\"]\nunknown-min-names = 5\n\
             [[zone]]\nname = \"detect.rpz\"\nfamilies = [\"necurs\", \"qakbot\"]\n\
             seeds = \"default\"\ndays-back = 1\ndays-ahead = 1\naction = \"nxdomain\"\n",
            state.display()
        ),
    );
    let mut command = cautery_command();
    command.args(["serve", "--config"]).arg(&config);
    let server = Process::start("cautery", command, &dir.join("cautery.log"));
    wait_until(Duration::from_secs(120), || {
        server.log().matches("dnstap collector listening").count() == 2
            && server.log().contains("listening (udp+tcp)")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", server.log()));

    let (_upstream, upstream_port) = upstream(&dir);
    // BIND sends over the unix socket (fstrm's bidirectional handshake).
    let (mut named, bind_port) =
        bind_sending_dnstap(&dir, upstream_port, &state.join("dnstap.sock"));
    let d = dir.path().display();
    // Unbound sends over TCP.
    let unbound_port = free_port();
    let conf = dir.write(
        "unbound.conf",
        &format!(
            "server:\n  interface: 127.0.0.1@{unbound_port}\n  port: {unbound_port}\n  do-ip6: no\n  \
             username: \"\"\n  chroot: \"\"\n  directory: \"{d}\"\n  pidfile: \"{d}/unbound.pid\"\n  \
             use-syslog: no\n  logfile: \"{d}/unbound.log\"\n  verbosity: 1\n  \
             do-not-query-localhost: no\n  access-control: 127.0.0.0/8 allow\n  \
             module-config: \"iterator\"\n  qname-minimisation: no\n\
             remote-control:\n  control-enable: no\n\
             forward-zone:\n  name: \".\"\n  forward-addr: 127.0.0.1@{upstream_port}\n\
             dnstap:\n  dnstap-enable: yes\n  dnstap-bidirectional: yes\n  \
             dnstap-ip: \"127.0.0.1@{tap}\"\n  dnstap-tls: no\n  \
             dnstap-log-client-query-messages: yes\n  dnstap-log-client-response-messages: yes\n"
        ),
    );
    let mut command = Command::new(program("unbound"));
    command.args(["-d", "-c"]).arg(&conf);
    let mut unbound = Process::start("unbound", command, &dir.join("unbound.stderr"));

    drive_clients(bind_port, &mut named);
    drive_clients(unbound_port, &mut unbound);
    // A machine running a DGA no campaign serves (murofet): the names of
    // it the classifier flags make it an unknown-dga finding.
    let unknown = flagged_names("murofet", 8);
    for port in [bind_port, unbound_port] {
        for name in &unknown {
            assert_eq!(ask(UNKNOWN_CLIENT, port, name), "NXDOMAIN", "{name}");
        }
    }

    // Each infected client, through each resolver: every one of its
    // queries for the family's names; nobody else.
    let expected: BTreeSet<(String, String, u16)> = INFECTED
        .iter()
        .chain(&[(UNKNOWN_CLIENT, "unknown-dga", unknown.len())])
        .flat_map(|(client, family, _)| {
            [bind_port, unbound_port].map(|port| ((*client).to_owned(), (*family).to_owned(), port))
        })
        .collect();
    let mut found = BTreeSet::new();
    let mut events = Vec::new();
    wait_until(Duration::from_secs(30), || {
        events = stored_events(&config);
        found = events
            .iter()
            .map(|e| {
                let src: std::net::SocketAddr =
                    e["src"].as_str().unwrap_or("").parse().expect("src");
                let dst: std::net::SocketAddr =
                    e["dst"].as_str().unwrap_or("").parse().expect("dst");
                (
                    src.ip().to_string(),
                    e["family"].as_str().unwrap_or("").to_owned(),
                    dst.port(),
                )
            })
            .collect();
        found == expected
    })
    .unwrap_or_else(|e| {
        panic!(
            "{e:?}: {found:?}\n{events:?}\n{}\n{}",
            server.log(),
            std::fs::read_to_string(dir.join("unbound.log")).unwrap_or_default()
        )
    });
    for (client, family, count) in
        INFECTED
            .iter()
            .copied()
            .chain([(UNKNOWN_CLIENT, "unknown-dga", unknown.len())])
    {
        let names: BTreeSet<&str> = events
            .iter()
            .filter(|e| {
                e["src"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&format!("{client}:")))
            })
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert_eq!(names.len(), count, "{family}: {names:?}");
        assert!(events
            .iter()
            .all(|e| e["protocol"] == "dns" && e["detail"] == "A"));
    }
    assert!(
        !server.log().contains("dnstap sender dropped"),
        "{}",
        server.log()
    );

    // The API's findings: one per infected client and family, its names
    // asked through both resolvers counted once, and nobody else.
    let base = format!("http://127.0.0.1:{http}");
    let openapi: serde_json::Value =
        serde_json::from_str(&crate::api::get(&format!("{base}/api/v1/openapi.json"), None).1)
            .expect("JSON");
    let (status, body) = crate::api::get(&format!("{base}/api/v1/findings"), None);
    assert_eq!(status, 200, "{body}");
    let findings = crate::api::validated(&openapi, "findings", &body, "Findings");
    let items = findings["items"].as_array().expect("items");
    // The infected clients and the unknown-dga one.
    assert_eq!(items.len(), INFECTED.len() + 1, "{findings}");
    for (client, family, count) in INFECTED {
        let finding = items
            .iter()
            .find(|f| f["client"] == client)
            .unwrap_or_else(|| panic!("no finding of {client}: {findings}"));
        assert_eq!(finding["family"], family);
        assert_eq!(finding["names"], count, "{finding}");
        assert!(finding["queries"].as_u64().expect("queries") >= 2 * count as u64);
    }
    let unknown_finding = items
        .iter()
        .find(|f| f["client"] == UNKNOWN_CLIENT)
        .unwrap_or_else(|| panic!("no finding of {UNKNOWN_CLIENT}: {findings}"));
    assert_eq!(unknown_finding["family"], "unknown-dga");
    assert_eq!(unknown_finding["names"], unknown.len(), "{unknown_finding}");
    assert_eq!(items[0]["client"], UNKNOWN_CLIENT, "most names first");
    let (_, body) = crate::api::get(&format!("{base}/api/v1/findings?family=qakbot"), None);
    let qakbot = crate::api::validated(&openapi, "findings", &body, "Findings");
    assert_eq!(qakbot["total"], 1, "{qakbot}");
    assert_eq!(qakbot["items"][0]["client"], "127.0.0.3");
    let (status, _) = crate::api::get(&format!("{base}/api/v1/findings?hours=0"), None);
    assert_eq!(status, 400);
}

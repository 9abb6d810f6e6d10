//! The connection sinkhole and the event store end to end: `cautery serve`
//! with HTTP, TLS and raw TCP listeners; a "bot" asks the sinkhole for a
//! predicted name over DNS and then connects; every step lands in the
//! event store, attributed to the family that predicted the name, and
//! `cautery events` and `cautery report` read it back.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::time::Duration;

use crate::harness::{
    cautery, cautery_command, dig, free_port, require, require_python_module, text, utf8,
    wait_until, Process, TempDir,
};

/// The IntelMQ that `.ci/run` installs: the last release whose Shadowserver
/// parser ships its column mappings rather than downloading them.
const INTELMQ: &str = "intelmq==3.2.1";

/// The columns of Shadowserver's `event4_sinkhole_http` report, as IntelMQ's
/// parser tests hold them.
const HTTP_COLUMNS: &str = "\"timestamp\",\"protocol\",\"src_ip\",\"src_port\",\"src_asn\",\"src_geo\",\"src_region\",\"src_city\",\"src_hostname\",\"src_naics\",\"src_sector\",\"device_vendor\",\"device_type\",\"device_model\",\"dst_ip\",\"dst_port\",\"dst_asn\",\"dst_geo\",\"dst_region\",\"dst_city\",\"dst_hostname\",\"dst_naics\",\"dst_sector\",\"public_source\",\"infection\",\"family\",\"tag\",\"application\",\"version\",\"event_id\",\"http_url\",\"http_host\",\"http_agent\",\"forwarded_by\",\"ssl_cipher\",\"http_referer\"";

/// A TLS 1.3 ClientHello offering `h2`, naming `sni`.
fn client_hello(sni: &str) -> Vec<u8> {
    fn extension(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut out = kind.to_be_bytes().to_vec();
        out.extend((body.len() as u16).to_be_bytes());
        out.extend(body);
        out
    }
    let mut server_name = vec![0u8];
    server_name.extend((sni.len() as u16).to_be_bytes());
    server_name.extend(sni.as_bytes());
    let mut sni_body = (server_name.len() as u16).to_be_bytes().to_vec();
    sni_body.extend(server_name);
    let mut extensions = extension(0x0000, &sni_body);
    extensions.extend(extension(0x0010, &[0, 3, 2, b'h', b'2']));
    extensions.extend(extension(0x002b, &[2, 0x03, 0x04]));
    extensions.extend(extension(0x000d, &[0, 2, 0x04, 0x03]));
    let mut hello = vec![0x03, 0x03];
    hello.extend([7u8; 32]);
    hello.push(0);
    hello.extend([0, 4, 0x13, 0x01, 0x13, 0x02]);
    hello.extend([1, 0]);
    hello.extend((extensions.len() as u16).to_be_bytes());
    hello.extend(extensions);
    let mut handshake = vec![1, 0];
    handshake.extend((hello.len() as u16).to_be_bytes());
    handshake.extend(hello);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend((handshake.len() as u16).to_be_bytes());
    record.extend(handshake);
    record
}

/// The day of the daemon's clock file below: events are stamped by the
/// daemon's clock, so they are listed and reported on that day.
const CLOCK_DAY: &str = "2026-11-26";

fn events(config: &Path) -> Vec<serde_json::Value> {
    let output = cautery(&[
        "events",
        "--config",
        config.to_str().unwrap_or(""),
        "--from",
        CLOCK_DAY,
        "--to",
        "2026-11-27",
        "--format",
        "jsonl",
    ]);
    text(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

#[test]
fn a_bot_resolving_and_connecting_lands_as_attributed_events_and_in_reports() {
    if !(require("dig", "bind9-dnsutils") && require("named", "bind9")) {
        return;
    }
    let intelmq = require_python_module("intelmq", INTELMQ);
    let dir = TempDir::new("events");
    let generated = cautery(&["generate", "necurs", "--date", "2026-11-26"]);
    let name = text(&generated.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    assert!(!name.is_empty());
    let (dns, metrics, http, tls, tcp) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    std::fs::write(dir.join("clock"), "2026-11-26T12:00:00Z").unwrap();
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[server]\nlisten = [\"127.0.0.1:{dns}\"]\nstate-dir = \"{}\"\n\
             [metrics]\nlisten = \"127.0.0.1:{metrics}\"\n\
             [sinkhole]\nhttp-listen = [\"127.0.0.1:{http}\"]\ntls-listen = [\"127.0.0.1:{tls}\"]\n\
             tcp-listen = [\"127.0.0.1:{tcp}\"]\nmax-connections-per-source = 3\nread-timeout = 2\n\
             [[zone]]\nname = \"sink.rpz\"\nfamilies = [\"necurs\"]\nseeds = \"default\"\n\
             days-back = 0\ndays-ahead = 0\naction = \"sinkhole\"\nsinkhole-v4 = [\"127.0.0.1\"]\n\
             [enrich]\nasn-db = \"{enrich}/asn.mmdb\"\ncountry-db = \"{enrich}/country.mmdb\"\n",
            dir.join("state").display(),
            enrich = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("test-data/enrich")
                .display()
        ),
    );
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--clock-file")
        .arg(dir.join("clock"));
    let server = Process::start("cautery", command, &dir.join("cautery.log"));
    wait_until(Duration::from_secs(120), || {
        server.log().contains("sinkhole listening") && server.log().contains("listening (udp+tcp)")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", server.log()));

    // The bot's resolver, BIND, forwards to the sinkhole authority; the
    // bot resolves the name through it...
    let resolver = free_port();
    let named_dir = dir.join("named");
    std::fs::create_dir_all(&named_dir).unwrap();
    let conf = named_dir.join("named.conf");
    std::fs::write(
        &conf,
        format!(
            "options {{ directory \"{d}\"; pid-file \"{d}/named.pid\";\n\
             listen-on port {resolver} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};\n\
             recursion yes; allow-query {{ 127.0.0.1; }};\n\
             forwarders {{ 127.0.0.1 port {dns}; }}; forward only;\n\
             dnssec-validation no; notify no; }};\ncontrols {{ }};\n",
            d = named_dir.display()
        ),
    )
    .unwrap();
    let mut named = std::process::Command::new(crate::harness::program("named"));
    named.args(["-g", "-c"]).arg(&conf);
    let named = Process::start("named", named, &dir.join("named.log"));
    let mut answer = String::new();
    wait_until(Duration::from_secs(30), || {
        answer = dig(resolver, &[&name, "A", "+short"]);
        answer.lines().any(|line| line.trim() == "127.0.0.1")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {answer}\n{}", named.log()));
    // A resolver that blocks by cautery's RPZ (a secondary of sink.rpz,
    // action sinkhole) answers the sinkhole address itself: its only
    // forwarder is a dead port, so the answer can come from the policy
    // zone alone. The bot then connects there, below.
    let rpz_resolver = free_port();
    let rpz_dir = dir.join("named-rpz");
    std::fs::create_dir_all(&rpz_dir).unwrap();
    let rpz_conf = rpz_dir.join("named.conf");
    std::fs::write(
        &rpz_conf,
        format!(
            "options {{ directory \"{d}\"; pid-file \"{d}/named.pid\";\n\
             listen-on port {rpz_resolver} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};\n\
             recursion yes; allow-query {{ 127.0.0.1; }};\n\
             forwarders {{ 127.0.0.1 port {dead}; }}; forward only;\n\
             dnssec-validation no; notify no;\n\
             response-policy {{ zone \"sink.rpz\"; }} qname-wait-recurse no; }};\n\
             controls {{ }};\n\
             zone \"sink.rpz\" {{ type secondary; primaries {{ 127.0.0.1 port {dns}; }}; file \"sink.rpz.db\"; }};\n",
            d = rpz_dir.display(),
            dead = free_port()
        ),
    )
    .unwrap();
    let mut rpz_named = std::process::Command::new(crate::harness::program("named"));
    rpz_named.args(["-g", "-c"]).arg(&rpz_conf);
    let rpz_named = Process::start("named", rpz_named, &dir.join("named-rpz.log"));
    let mut answer = String::new();
    wait_until(Duration::from_secs(30), || {
        answer = dig(rpz_resolver, &[&name, "A", "+short"]);
        answer.lines().any(|line| line.trim() == "127.0.0.1")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {answer}\n{}", rpz_named.log()));
    assert!(
        rpz_named.log().contains("rpz"),
        "BIND loaded the policy zone: {}",
        rpz_named.log()
    );
    // ...and one more time straight at the sinkhole.
    let answer = dig(dns, &[&name, "A", "+short"]);
    assert!(
        answer.lines().any(|line| line.trim() == "127.0.0.1"),
        "{answer}"
    );

    // ...holds connections open (slowloris); past the per-source bound a
    // connection is closed at once...
    let idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(("127.0.0.1", http)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut refused = TcpStream::connect(("127.0.0.1", http)).unwrap();
    refused
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut byte = [0u8; 1];
    assert_eq!(
        refused.read(&mut byte).unwrap_or(0),
        0,
        "closed over the bound"
    );
    drop(idle);
    // ...and once the idle ones timed out, it is served.
    std::thread::sleep(Duration::from_millis(2500));
    let mut web = TcpStream::connect(("127.0.0.1", http)).unwrap();
    web.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        web,
        "POST /gate.php?id=7 HTTP/1.1\r\nHost: {}:80\r\nUser-Agent: bot/1.0\r\nContent-Length: 5\r\n\r\nhello",
        name.to_uppercase()
    )
    .unwrap();
    let mut response = String::new();
    let _ = web.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    // A head that arrives in pieces, and a body after its head, are
    // served too: the accept loop's one read hands them to a task.
    let mut slow = TcpStream::connect(("127.0.0.1", http)).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(slow, "POST /slow HTTP/1.1\r\nHost: {name}\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    write!(slow, "Content-Length: 4\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    slow.write_all(b"late").unwrap();
    let mut response = String::new();
    let _ = slow.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");

    let mut hello = TcpStream::connect(("127.0.0.1", tls)).unwrap();
    hello.write_all(&client_hello(&name)).unwrap();
    hello
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = hello.read(&mut byte);

    let mut raw = TcpStream::connect(("127.0.0.1", tcp)).unwrap();
    raw.write_all(b"\x01\x02hello").unwrap();
    raw.shutdown(Shutdown::Write).unwrap();
    let _ = raw.read(&mut byte);

    let mut stored = Vec::new();
    wait_until(Duration::from_secs(20), || {
        stored = events(&config);
        stored.len() >= 6
    })
    .unwrap_or_else(|e| panic!("{e:?}: {stored:?}\n{}", server.log()));
    let of = |protocol: &str| {
        stored
            .iter()
            .find(|e| e["protocol"] == protocol)
            .unwrap_or_else(|| panic!("no {protocol} event in {stored:?}"))
            .clone()
    };
    let queries = stored.iter().filter(|e| e["protocol"] == "dns").count();
    assert!(
        queries >= 2,
        "one query through BIND, one straight: {stored:?}"
    );
    let query = of("dns");
    assert_eq!(query["name"], name.as_str());
    assert_eq!(query["family"], "necurs");
    assert_eq!(query["transport"], "udp");
    let request = of("http");
    assert_eq!(request["family"], "necurs", "{request}");
    // 127.0.0.1 is AS64500 in NL in the test databases.
    assert_eq!(request["src_asn"], 64500, "{request}");
    assert_eq!(request["src_as_name"], "EXAMPLE-NET-A");
    assert_eq!(request["src_country"], "NL");
    assert!(
        stored.iter().all(|e| e["src_country"] == "NL"),
        "{stored:?}"
    );
    assert_eq!(request["campaign"], "sink.rpz");
    assert!(request["detail"]
        .as_str()
        .unwrap_or("")
        .starts_with("POST /gate.php?id=7 bot/1.0"));
    let slow_request = stored
        .iter()
        .find(|e| e["detail"].as_str().unwrap_or("").starts_with("POST /slow"))
        .unwrap_or_else(|| panic!("no event of the slow request in {stored:?}"));
    assert_eq!(slow_request["family"], "necurs", "{slow_request}");
    let handshake = of("tls");
    assert_eq!(handshake["family"], "necurs", "{handshake}");
    assert!(
        handshake["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("t13d"),
        "{handshake}"
    );
    let connection = of("tcp");
    assert_eq!(connection["family"], "", "no name, no attribution");
    assert!(
        connection["detail"].as_str().unwrap_or("").contains("0102"),
        "{connection}"
    );

    let today = CLOCK_DAY;
    let out = dir.join("reports");
    let report = cautery(&[
        "report",
        "--config",
        config.to_str().unwrap_or(""),
        "--date",
        today,
        "--out",
        out.to_str().unwrap_or(""),
    ]);
    assert!(report.status.success(), "{}", text(&report.stderr));
    let http_file = out.join(format!(
        "{today}-event4_sinkhole_http-cidr-127_0_0_0-24.csv"
    ));
    let content = std::fs::read_to_string(&http_file).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; wrote {}",
            http_file.display(),
            text(&report.stdout)
        )
    });
    let mut lines = content.lines();
    assert_eq!(lines.next(), Some(HTTP_COLUMNS));
    let row = lines.next().unwrap_or("");
    assert!(
        row.contains("\"necurs\"") && row.contains("\"sink.rpz\""),
        "{row}"
    );
    let dns_file = out.join(format!("{today}-event4_sinkhole_dns-cidr-127_0_0_0-24.csv"));
    let other_file = out.join(format!("{today}-event4_sinkhole-cidr-127_0_0_0-24.csv"));
    assert!(dns_file.exists());
    assert!(other_file.exists());

    // Per AS, the file a network's abuse desk gets, with the AS and
    // country columns filled.
    let by_asn = dir.join("by-asn");
    let report = cautery(&[
        "report",
        "--config",
        utf8(&config),
        "--date",
        today,
        "--by",
        "asn",
        "--out",
        utf8(&by_asn),
    ]);
    assert!(report.status.success(), "{}", text(&report.stderr));
    let asn_file = by_asn.join(format!("{today}-event4_sinkhole_http-as64500.csv"));
    let content = std::fs::read_to_string(&asn_file).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; wrote {}",
            asn_file.display(),
            text(&report.stdout)
        )
    });
    let row = content.lines().nth(1).unwrap_or("");
    assert!(row.contains(",64500,\"NL\","), "src_asn, src_geo: {row}");

    if intelmq {
        intelmq_parses(&[&http_file, &other_file, &dns_file, &asn_file]);
    }
}

/// IntelMQ's Shadowserver parser takes every one of `files`, by its file
/// name, with no error and no line dropped, and maps the fields
/// (tests/intelmq/parse_reports.py says which).
fn intelmq_parses(files: &[&Path]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/intelmq/parse_reports.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .args(files)
        .output()
        .expect("run python3");
    let said = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "IntelMQ: {said}");
    eprint!("{said}");
    for file in files {
        let name = file
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        let line = said
            .lines()
            .find(|line| line.starts_with(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no line for {name}: {said}"));
        assert!(!line.starts_with(&format!("{name}: 0 events")), "{said}");
    }
}

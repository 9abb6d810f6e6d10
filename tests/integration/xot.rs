//! Zone transfers over TLS (XoT, RFC 9103) with BIND 9.18 as the
//! secondary: BIND pulls the policy zone from cautery's TLS listener only
//! (the TLS port speaks nothing else), verifying the certificate against a
//! CA made at test time with rcgen (no key is committed) and the host name,
//! with TSIG on top; then follows a rollover by a signed NOTIFY and an IXFR
//! over TLS.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use crate::harness::{
    cautery, cautery_command, free_port, program, require, status, stdout, wait_until, Process,
    TempDir,
};

const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==";
const DAY1: &str = "2026-11-26T12:00:00Z";
const DAY2: &str = "2026-11-27T12:00:00Z";
const HOST: &str = "xot.cautery.test";

/// A CA and a server certificate for [`HOST`] signed by it: the CA's PEM,
/// the server's chain and its key.
fn certificates() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "cautery test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let key = rcgen::KeyPair::generate().expect("server key");
    let mut params = rcgen::CertificateParams::new(vec![HOST.to_owned()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, HOST);
    let server = params
        .signed_by(&key, &ca, &ca_key)
        .expect("server certificate");
    (ca.pem(), server.pem(), key.serialize_pem())
}

fn names(day: &str) -> std::collections::BTreeSet<String> {
    stdout(&cautery(&["generate", "chinad", "--date", &day[..10]]))
        .lines()
        .map(str::to_owned)
        .collect()
}

fn metric(port: u16, line_start: &str) -> u64 {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = stream.write_all(b"GET /metrics HTTP/1.0\r\n\r\n");
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body);
    body.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn bind_pulls_over_tls_with_tsig_and_follows_a_rollover_by_notify_and_ixfr() {
    if !(require("named", "bind9") && require("dig", "bind9-dnsutils")) {
        return;
    }
    let dir = TempDir::new("xot");
    let (ca, chain, key) = certificates();
    let ca_file = dir.write("ca.pem", &ca);
    let chain_file = dir.write("server.pem", &chain);
    let key_file = dir.write("server.key", &key);
    // Three days in the zone (days-back = 2), so that a day's rollover
    // changes two thirds of it and the IXFR is smaller than the zone.
    let days: Vec<_> = ["2026-11-24", "2026-11-25", DAY1, DAY2]
        .iter()
        .map(|day| names(day))
        .collect();
    let only = |day: usize| {
        days[day]
            .iter()
            .find(|name| (0..4).all(|other| other == day || !days[other].contains(*name)))
            .expect("a name of one day only")
            .clone()
    };
    let (old, new) = (only(0), only(3));
    let (port, tls_port, metrics, bind_port) = (free_port(), free_port(), free_port(), free_port());
    let clock = dir.write("clock", DAY1);
    let config = format!(
        "version = 1\n\
         [server]\nlisten = [\"127.0.0.1:{port}\"]\nstate-dir = \"{state}\"\n\
         [metrics]\nlisten = \"127.0.0.1:{metrics}\"\n\
         [transfer]\nrequire-key = true\n\
         tls-listen = [\"127.0.0.1:{tls_port}\"]\n\
         tls-certificate = \"{chain}\"\ntls-key = \"{key}\"\n\
         notify = [{{ address = \"127.0.0.1:{bind_port}\", key = \"xfr-key\" }}]\n\
         [[transfer.keys]]\nname = \"xfr-key\"\nsecret = \"{SECRET}\"\n\
         [[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"chinad\"]\ndays-back = 2\ndays-ahead = 0\n",
        state = dir.join("state").display(),
        chain = chain_file.display(),
        key = key_file.display(),
    );
    let path = dir.write("cautery.toml", &config);
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&path)
        .arg("--clock-file")
        .arg(&clock);
    let cautery = Process::start("cautery", command, &dir.join("cautery.log"));
    wait_until(Duration::from_secs(60), || {
        cautery.log().contains("listening (tls, XoT)")
    })
    .unwrap_or_else(|e| panic!("cautery to listen over TLS: {e:?}\n{}", cautery.log()));

    // BIND's primary is the TLS port alone: a transfer can only come over
    // TLS, with the certificate checked against the CA and the host name.
    let conf_dir = dir.join("named");
    std::fs::create_dir_all(&conf_dir).expect("named dir");
    let conf = format!(
        r#"key "xfr-key" {{ algorithm hmac-sha256; secret "{SECRET}"; }};
tls cautery-tls {{ ca-file "{ca}"; remote-hostname "{HOST}"; }};
options {{
    directory "{dir}";
    pid-file "{dir}/named.pid";
    listen-on port {bind_port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion yes;
    allow-query {{ 127.0.0.1; }};
    forwarders {{ 127.0.0.1 port {port}; }};
    forward only;
    dnssec-validation no;
    notify no;
    response-policy {{ zone "cautery.rpz" min-update-interval 0; }} qname-wait-recurse no;
}};
controls {{ }};
zone "cautery.rpz" {{
    type secondary;
    primaries {{ 127.0.0.1 port {tls_port} key "xfr-key" tls cautery-tls; }};
    allow-notify {{ key "xfr-key"; }};
    file "cautery.rpz.db";
    request-ixfr yes;
}};
"#,
        ca = ca_file.display(),
        dir = conf_dir.display()
    );
    let conf_path = conf_dir.join("named.conf");
    std::fs::write(&conf_path, conf).expect("named.conf");
    let mut command = Command::new(program("named"));
    command.args(["-g", "-c"]).arg(&conf_path);
    let named = Process::start("named", command, &dir.join("named.log"));
    wait_until(Duration::from_secs(60), || {
        status(bind_port, &old) == "NXDOMAIN"
    })
    .unwrap_or_else(|e| {
        panic!(
            "BIND to block a day-1 name after a transfer over TLS: {e:?}\n{}\n{}",
            named.log(),
            cautery.log()
        )
    });
    assert_ne!(
        status(bind_port, &new),
        "NXDOMAIN",
        "{new} is not predicted on day 1"
    );
    let log = named.log();
    assert!(
        log.contains("TSIG 'xfr-key'"),
        "the transfer was not signed: {log}"
    );
    assert!(
        log.contains(&format!("127.0.0.1#{tls_port}")) && log.contains("Transfer completed"),
        "{log}"
    );
    assert!(metric(metrics, "cautery_transfers_total{type=\"axfr\"}") >= 1);

    // The rollover: a signed NOTIFY, then an IXFR over TLS.
    crate::harness::set_clock(&clock, DAY2);
    wait_until(Duration::from_secs(60), || {
        status(bind_port, &new) == "NXDOMAIN" && status(bind_port, &old) != "NXDOMAIN"
    })
    .unwrap_or_else(|e| panic!("BIND to follow the day-2 plan: {e:?}\n{}", named.log()));
    assert!(
        metric(metrics, "cautery_transfers_total{type=\"ixfr\"}") >= 1,
        "{}",
        cautery.log()
    );
    let log = named.log();
    assert!(
        log.contains("received notify for zone 'cautery.rpz': TSIG 'xfr-key'"),
        "{log}"
    );
    // The second transfer was incremental: fewer records than the first.
    let records: Vec<usize> = log
        .lines()
        .filter_map(|l| l.split("Transfer completed: ").nth(1))
        .filter_map(|l| l.split(", ").nth(1)?.strip_suffix(" records")?.parse().ok())
        .collect();
    assert!(records.len() >= 2, "{log}");
    assert!(records[records.len() - 1] < records[0], "{records:?}");
}

/// A certificate that does not load stops `cautery check-config` with the
/// file named.
#[test]
fn a_bad_tls_certificate_is_named_by_check_config() {
    let dir = TempDir::new("xot-config");
    let chain = dir.write("server.pem", "not a certificate\n");
    let key = dir.write("server.key", "not a key\n");
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[transfer]\ntls-listen = [\"127.0.0.1:8530\"]\n\
             tls-certificate = \"{}\"\ntls-key = \"{}\"\n",
            chain.display(),
            key.display()
        ),
    );
    let output = cautery(&["check-config", &config.display().to_string()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("server.pem"), "{error}");
    let missing = dir.write(
        "missing.toml",
        "version = 1\n[transfer]\ntls-listen = [\"127.0.0.1:8530\"]\n",
    );
    let output = cautery(&["check-config", &missing.display().to_string()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("tls-certificate and tls-key"),
        "{output:?}"
    );
}

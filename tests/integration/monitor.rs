//! `cautery monitor check`: predicted names joined with registry zone files
//! (plain and gzip, as CZDS hands them out), and the errors of bad files.

use std::collections::BTreeMap;
use std::process::Command;

use crate::harness::{cautery, require, set_clock, stderr, stdout, utf8, TempDir};

const AT: &str = "2026-11-26T00:00:00Z";

pub fn campaign(dir: &TempDir) -> String {
    let path = dir.write(
        "campaign.toml",
        "version = 1\nname = \"watch\"\n[[target]]\nfamily = \"necurs\"\nseeds = \"default\"\n\
         [horizon]\ndays-back = 1\ndays-ahead = 1\n[zone]\nname = \"rpz.test\"\n",
    );
    utf8(&path).to_owned()
}

/// The campaign's predicted names at `at`, from `cautery plan`.
pub fn predicted(campaign: &str, at: &str) -> Vec<String> {
    let output = cautery(&["plan", campaign, "--at", at]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
        .lines()
        .map(|line| line.split('\t').next().expect("name").to_owned())
        .collect()
}

fn gzip(dir: &TempDir, name: &str, text: &str) -> String {
    let plain = dir.write(name, text);
    let status = Command::new("gzip")
        .arg("-kf")
        .arg(&plain)
        .status()
        .expect("run gzip");
    assert!(status.success());
    format!("{}.gz", utf8(&plain))
}

#[test]
fn zone_files_report_exactly_the_predicted_names_delegated_with_their_servers() {
    if !require("gzip", "gzip") {
        return;
    }
    let dir = TempDir::new("monitor-check");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    assert!(names.len() > 100, "{} names", names.len());
    // Three predicted names written three ways (absolute, relative to
    // $ORIGIN with a blank-owner continuation, upper case in a second
    // file), a fourth predicted name only as an A record (not delegated),
    // and a look-alike that is not predicted.
    let (a, b, c, d) = (&names[3], &names[40], &names[77], &names[90]);
    let (b_label, b_origin) = b.split_once('.').expect("dotted");
    let first = format!(
        "; a registry file\n$TTL 86400\n{a}. 172800 IN NS ns1.sinkhole.test.\n\
         {a}. 172800 IN NS ns2.sinkhole.test.\n{d}. 3600 IN A 192.0.2.1\n\
         x{a}. IN NS ns.other.test.\n$ORIGIN {b_origin}.\n@ IN SOA a. b. (\n 1 2 3\n 4 5 )\n\
         {b_label} NS ns.evil\n\tNS NS.EVIL.TEST.\n"
    );
    let first = gzip(&dir, "first.zone", &first);
    let second = dir.write(
        "second.zone",
        &format!("{} IN NS Ns.Elsewhere.Test.\n", c.to_uppercase() + "."),
    );
    let output = cautery(&[
        "monitor",
        "check",
        &campaign,
        "--zone-file",
        &first,
        "--zone-file",
        utf8(&second),
        "--at",
        AT,
        "--format",
        "jsonl",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let found: BTreeMap<String, serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("json line");
            (value["domain"].as_str().expect("domain").to_owned(), value)
        })
        .collect();
    let expected: Vec<&String> = {
        let mut v = vec![a, b, c];
        v.sort();
        v
    };
    assert_eq!(found.keys().collect::<Vec<_>>(), expected);
    let ns = |name: &str| -> Vec<String> {
        found[name]["ns"]
            .as_array()
            .expect("ns")
            .iter()
            .map(|v| v.as_str().expect("str").to_owned())
            .collect()
    };
    assert_eq!(ns(a), ["ns1.sinkhole.test", "ns2.sinkhole.test"]);
    assert_eq!(
        ns(b),
        [format!("ns.evil.{b_origin}"), "ns.evil.test".into()]
    );
    assert_eq!(ns(c), ["ns.elsewhere.test"]);
    assert_eq!(found[a.as_str()]["source"], format!("zone-file:{first}"));
    for value in found.values() {
        assert_eq!(value["family"], "necurs");
        for key in ["seed", "valid_from", "valid_to"] {
            assert!(value[key].is_string(), "{key} in {value}");
        }
        assert!(value["valid_from"].as_str() < value["valid_to"].as_str());
    }

    // A month later the same names are out of the horizon: nothing found, still exit 0.
    let later = cautery(&[
        "monitor",
        "check",
        &campaign,
        "--zone-file",
        &first,
        "--at",
        "2026-12-26",
    ]);
    assert!(later.status.success(), "{}", stderr(&later));
    assert_eq!(stdout(&later), "");
}

#[test]
fn truncated_corrupt_and_missing_zone_files_exit_2_naming_the_file() {
    if !require("gzip", "gzip") {
        return;
    }
    let dir = TempDir::new("monitor-bad");
    let campaign = campaign(&dir);
    let mut lines = String::new();
    for i in 0..5000 {
        lines.push_str(&format!("name{i}.test. NS ns.test.\n"));
    }
    let whole = gzip(&dir, "whole.zone", &lines);
    let bytes = std::fs::read(&whole).expect("read");
    let cut = dir.join("cut.zone.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let open_paren = dir.write(
        "paren.zone",
        "a.test. NS ns.test.\nb.test. SOA a. b. ( 1 2\n",
    );
    let include = dir.write("include.zone", "$INCLUDE /etc/passwd\n");
    for (path, expected) in [
        (utf8(&cut).to_owned(), "truncated or corrupt gzip"),
        (utf8(&open_paren).to_owned(), "truncated"),
        (utf8(&include).to_owned(), "line 1: directive $INCLUDE"),
        (
            utf8(&dir.join("missing.zone")).to_owned(),
            "cannot read zone file",
        ),
    ] {
        let output = cautery(&[
            "monitor",
            "check",
            &campaign,
            "--zone-file",
            &path,
            "--at",
            AT,
        ]);
        assert_eq!(output.status.code(), Some(2), "{path}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains(&path) && message.contains(expected),
            "{path}: {message}"
        );
        assert_eq!(message.lines().count(), 1, "one line: {message}");
    }
    let none = cautery(&["monitor", "check", &campaign]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("--zone-file"), "{}", stderr(&none));
}

/// A webhook receiver on a loopback port: records each POST's signature
/// header and body, answers `status`.
struct Receiver {
    port: u16,
    /// The file holding the secret the alerts are signed with.
    secret: std::path::PathBuf,
    posts: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
    status: std::sync::Arc<std::sync::atomic::AtomicU16>,
}

impl Receiver {
    /// Starts a receiver; the secret it checks signatures with is written
    /// to `dir/secret`, for the monitor to sign with.
    fn start(dir: &TempDir) -> Receiver {
        let secret = dir.write("secret", "s3cret\n");
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let posts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let status = std::sync::Arc::new(std::sync::atomic::AtomicU16::new(200));
        let (kept, code) = (posts.clone(), status.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let (mut length, mut signature) = (0usize, String::new());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("x-cautery-signature:") {
                        signature = line["x-cautery-signature:".len()..].trim().to_owned();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let code = code.load(std::sync::atomic::Ordering::SeqCst);
                if code == 200 {
                    kept.lock()
                        .expect("lock")
                        .push((signature, String::from_utf8_lossy(&body).into_owned()));
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 {code} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Receiver {
            port,
            secret,
            posts,
            status,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// The `[monitor]` keys that send alerts here.
    fn config_keys(&self) -> String {
        format!(
            "webhook = \"{}\"\nwebhook-secret-file = \"{}\"\n",
            self.url(),
            utf8(&self.secret)
        )
    }

    fn take(&self) -> Vec<serde_json::Value> {
        use hmac::Mac;
        let posts = std::mem::take(&mut *self.posts.lock().expect("lock"));
        posts
            .into_iter()
            .map(|(signature, body)| {
                let mut mac =
                    hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").expect("any key");
                mac.update(body.as_bytes());
                let hex: String = mac
                    .finalize()
                    .into_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assert_eq!(signature, format!("sha256={hex}"), "signature of {body}");
                serde_json::from_str(&body).expect("JSON body")
            })
            .collect()
    }
}

/// `cautery.toml` in `dir` for the monitor on its own: no HTTP listener,
/// state under `dir/state`, then `sections` and a `[monitor]` table of
/// `monitor`.
fn standalone_config(dir: &TempDir, sections: &str, monitor: &str) -> std::path::PathBuf {
    dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[http]\nlisten = \"\"\n[server]\nstate-dir = \"{}/state\"\n\
             {sections}[monitor]\n{monitor}",
            dir.path().display()
        ),
    )
}

/// One cycle: `cautery monitor --config CONFIG --once --clock-file CLOCK`.
fn monitor_once(config: &std::path::Path, clock: &std::path::Path) -> std::process::Output {
    cautery(&[
        "monitor",
        "--config",
        utf8(config),
        "--once",
        "--clock-file",
        utf8(clock),
    ])
}

#[test]
fn alerts_reach_a_signed_webhook_once_per_event_and_again_when_undelivered() {
    let dir = TempDir::new("monitor-alerts");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let (evil, held) = (&names[5], &names[6]);
    let state = dir.join("events.sqlite");
    let receiver = Receiver::start(&dir);
    let url = receiver.url();
    let zone = |evil_ns: &str, held_ns: &str| {
        dir.write(
            "tld.zone",
            &format!("{evil}. NS {evil_ns}.\n{held}. NS {held_ns}.\n"),
        )
    };
    let check = |zone: &std::path::Path| {
        cautery(&[
            "monitor",
            "check",
            &campaign,
            "--zone-file",
            utf8(zone),
            "--at",
            AT,
            "--state",
            utf8(&state),
            "--webhook",
            &url,
            "--webhook-secret-file",
            utf8(&receiver.secret),
            "--held-ns",
            "sinkhole.test",
        ])
    };
    // First check: the name delegated elsewhere is registered; the one on our sinkhole is held.
    let first = zone("ns1.evil.test", "ns1.sinkhole.test");
    let output = check(&first);
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "registered");
    assert_eq!(alerts[0]["domain"], evil.as_str());
    assert_eq!(alerts[0]["ns"][0], "ns1.evil.test");
    let evidence = &alerts[0]["evidence"][0];
    assert_eq!(evidence["family"], "necurs");
    assert!(evidence["predicted_from"].as_str() <= evidence["valid_from"].as_str());
    assert!(!evidence["algorithm_source"]
        .as_array()
        .expect("array")
        .is_empty());
    // Same zone again: nothing new, nothing sent.
    let output = check(&first);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(receiver.take().is_empty());
    // The held name moves away from the sinkhole while the webhook fails:
    // exit 2, and the next check raises the alert again, once.
    let moved = zone("ns1.evil.test", "ns.elsewhere.test");
    receiver
        .status
        .store(500, std::sync::atomic::Ordering::SeqCst);
    let output = check(&moved);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("not delivered"),
        "{}",
        stderr(&output)
    );
    receiver
        .status
        .store(200, std::sync::atomic::Ordering::SeqCst);
    let output = check(&moved);
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "changed");
    assert_eq!(alerts[0]["domain"], held.as_str());
    assert_eq!(alerts[0]["away_from_sinkhole"], true);
    assert_eq!(alerts[0]["changes"][0]["from"], "ns1.sinkhole.test");
    let output = check(&moved);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(receiver.take().is_empty());
}

/// The requests a test server received: when, and which path.
type RequestLog = std::sync::Arc<std::sync::Mutex<Vec<(std::time::Instant, String)>>>;

type Handler = dyn Fn(&str, usize) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync;

/// A loopback HTTP server answering GETs with `handler(path, nth request for
/// that path)`; returns its port and the log of (instant, path).
fn http_server(handler: Box<Handler>) -> (u16, RequestLog) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request.split(' ').nth(1).unwrap_or_default().to_owned();
            let nth = {
                let mut log = kept.lock().expect("lock");
                log.push((std::time::Instant::now(), path.clone()));
                log.iter().filter(|(_, p)| *p == path).count()
            };
            let (status, headers, body) = handler(&path, nth);
            let mut head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/rdap+json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            let _ = write!(stream, "{head}\r\n{body}");
        }
    });
    (port, log)
}

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data/monitor/rdap")
        .join(name);
    std::fs::read_to_string(&path).expect("fixture")
}

#[test]
fn rdap_with_429_answers_gives_registrar_and_expiry_and_the_expiring_alert() {
    let dir = TempDir::new("monitor-rdap");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let (evil, held) = (names[8].clone(), names[9].clone());
    let held_answer = fixture("held-domain.json").replace("{DOMAIN}", &held.to_uppercase());
    let limited = fixture("too-many-requests.json");
    let held_path = format!("/rdap/domain/{held}");
    let (port, log) = http_server(Box::new(move |path, nth| {
        if path == held_path {
            if nth == 1 {
                // The first answer asks the client to wait one second.
                (429, vec![("retry-after", "1".to_owned())], limited.clone())
            } else {
                (200, Vec::new(), held_answer.clone())
            }
        } else {
            (404, Vec::new(), "{\"errorCode\": 404}".to_owned())
        }
    }));
    let tlds: Vec<String> = [&evil, &held]
        .iter()
        .map(|n| format!("\"{}\"", n.rsplit('.').next().expect("tld")))
        .collect();
    let bootstrap = dir.write(
        "dns.json",
        &fixture("dns.json")
            .replace("\"{TLDS}\"", &tlds.join(", "))
            .replace("{BASE}", &format!("http://127.0.0.1:{port}/rdap/")),
    );
    let zone = dir.write(
        "tld.zone",
        &format!("{evil}. NS ns.evil.test.\n{held}. NS ns1.sinkhole.test.\n{held}. NS ns2.sinkhole.test.\n"),
    );
    let state = dir.join("events.sqlite");
    let output = cautery(&[
        "monitor",
        "check",
        &campaign,
        "--zone-file",
        utf8(&zone),
        "--at",
        AT,
        "--state",
        utf8(&state),
        "--alerts",
        "--held-ns",
        "sinkhole.test",
        "--rdap-bootstrap",
        utf8(&bootstrap),
        "--rdap-interval-ms",
        "500",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let kinds: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().expect("kind"),
                a["domain"].as_str().expect("domain"),
            )
        })
        .collect();
    let mut expected = vec![("registered", evil.as_str()), ("expiring", held.as_str())];
    expected.sort_by_key(|(_, d)| names.iter().position(|n| n == d));
    let mut got = kinds.clone();
    got.sort_by_key(|(_, d)| names.iter().position(|n| n == d));
    assert_eq!(got, expected, "{alerts:?}");
    let expiring = alerts
        .iter()
        .find(|a| a["kind"] == "expiring")
        .expect("expiring");
    assert_eq!(expiring["registrar"], "Takedown Registrar Ltd");
    assert_eq!(expiring["expires"], "2026-12-06T00:00:00Z");
    // The 429 was honoured: the retry came a second later, and requests to
    // the one server were about the interval apart (the server notes them
    // when it has read them, so allow for connection set-up).
    let log = log.lock().expect("lock").clone();
    let held_requests: Vec<_> = log.iter().filter(|(_, p)| p.ends_with(&held)).collect();
    assert_eq!(held_requests.len(), 2, "{log:?}");
    assert!(held_requests[1].0 - held_requests[0].0 >= std::time::Duration::from_millis(950));
    for pair in log.windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= std::time::Duration::from_millis(400),
            "{log:?}"
        );
    }
    // Malformed RDAP JSON is refused with a clear line, and the check goes on.
    let broken = dir.write(
        "broken.json",
        "{\"services\": [[[\"test\"], [\"http://127.0.0.1:1/\"]]]",
    );
    let output = cautery(&[
        "monitor",
        "check",
        &campaign,
        "--zone-file",
        utf8(&zone),
        "--at",
        AT,
        "--rdap-bootstrap",
        utf8(&broken),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not valid RDAP JSON"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_health_alert_fires_when_a_source_stops_and_clears_when_it_returns() {
    let dir = TempDir::new("monitor-health");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let zone_text = format!("{}. NS ns.evil.test.\n", names[11]);
    let zone = dir.write("tld.zone", &zone_text);
    let state = dir.join("events.sqlite");
    let check = |at: &str| {
        cautery(&[
            "monitor",
            "check",
            &campaign,
            "--zone-file",
            utf8(&zone),
            "--at",
            at,
            "--state",
            utf8(&state),
            "--alerts",
            "--max-failures",
            "1",
        ])
    };
    let status = |at: &str| {
        cautery(&[
            "monitor",
            "status",
            "--state",
            utf8(&state),
            "--at",
            at,
            "--interval-minutes",
            "60",
            "--max-failures",
            "1",
        ])
    };
    let health_alerts = |output: &std::process::Output| -> Vec<serde_json::Value> {
        stdout(output)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
            .filter(|a| a["kind"] == "health")
            .collect()
    };
    let output = status(AT);
    assert_eq!(
        output.status.code(),
        Some(2),
        "no state yet: {}",
        stderr(&output)
    );

    let output = check("2026-11-26T00:00:00Z");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(health_alerts(&output).is_empty());
    let output = status("2026-11-26T00:30:00Z");
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).starts_with("ok\tzone-file:"),
        "{}",
        stdout(&output)
    );

    // The source stops: the zone file is gone.
    std::fs::remove_file(&zone).expect("remove");
    let output = check("2026-11-26T01:00:00Z");
    assert_eq!(output.status.code(), Some(2));
    let alerts = health_alerts(&output);
    assert_eq!(alerts.len(), 1, "{}", stdout(&output));
    assert!(alerts[0]["detail"]
        .as_str()
        .expect("detail")
        .contains("failing"));
    assert_eq!(alerts[0]["source"], format!("zone-file:{}", utf8(&zone)));
    let output = status("2026-11-26T01:10:00Z");
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).starts_with("unhealthy\tzone-file:"),
        "{}",
        stdout(&output)
    );
    // Still down: no second alert for the same state.
    let output = check("2026-11-26T02:00:00Z");
    assert_eq!(output.status.code(), Some(2));
    assert!(health_alerts(&output).is_empty(), "{}", stdout(&output));

    // It returns: one alert saying so, and status is healthy again.
    std::fs::write(&zone, &zone_text).expect("restore");
    let output = check("2026-11-26T03:00:00Z");
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts = health_alerts(&output);
    assert_eq!(alerts.len(), 1, "{}", stdout(&output));
    assert_eq!(alerts[0]["detail"], "recovered");
    assert_eq!(status("2026-11-26T03:30:00Z").status.code(), Some(0));
    // No check for over twice the interval: late.
    let output = status("2026-11-26T05:30:00Z");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("late: last good cycle"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn alerts_reach_a_loopback_syslog_receiver_in_rfc_5424_form() {
    let dir = TempDir::new("monitor-syslog");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let zone = dir.write("tld.zone", &format!("{}. NS ns.evil.test.\n", names[12]));
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    receiver
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let address = receiver.local_addr().expect("addr").to_string();
    let state = dir.join("events.sqlite");
    let output = cautery(&[
        "monitor",
        "check",
        &campaign,
        "--zone-file",
        utf8(&zone),
        "--at",
        AT,
        "--state",
        utf8(&state),
        "--syslog",
        &address,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut buffer = [0u8; 4096];
    let (length, _) = receiver.recv_from(&mut buffer).expect("a syslog message");
    let message = String::from_utf8_lossy(&buffer[..length]).into_owned();
    // daemon.warning = 3*8+4; version 1; RFC 3339 time; app cautery; msgid the kind.
    assert!(
        message.starts_with("<28>1 2026-11-26T00:00:00Z "),
        "{message}"
    );
    assert!(
        message.contains(" cautery - registered [cautery@32473 kind=\"registered\""),
        "{message}"
    );
    assert!(
        message.contains(&format!("domain=\"{}\"", names[12])),
        "{message}"
    );
    assert!(message.contains("family=\"necurs\""), "{message}");
}

#[test]
fn registry_requests_list_the_names_found_per_tld_with_evidence() {
    let dir = TempDir::new("monitor-registry");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let tld = |n: &String| n.rsplit('.').next().expect("tld").to_owned();
    let first = &names[13];
    let other = names
        .iter()
        .find(|n| tld(n) != tld(first))
        .expect("a second TLD");
    let zone = dir.write(
        "tld.zone",
        &format!("{first}. NS ns.evil.test.\n{other}. NS ns.evil.test.\n"),
    );
    let out = dir.join("requests");
    let output = cautery(&[
        "monitor",
        "check",
        &campaign,
        "--zone-file",
        utf8(&zone),
        "--at",
        AT,
        "--registry-requests",
        utf8(&out),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    for name in [first, other] {
        let csv = std::fs::read_to_string(out.join(format!("{}.csv", tld(name)))).expect("csv");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "domain,valid_from,valid_to,sources");
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(lines[1].starts_with(&format!("{name},")), "{csv}");
        assert!(lines[1].ends_with("necurs/9"), "{csv}");
        let evidence: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{}.evidence.json", tld(name))))
                .expect("json"),
        )
        .expect("valid JSON");
        assert_eq!(evidence[0]["domain"], name.as_str());
        assert_eq!(evidence[0]["ns"][0], "ns.evil.test");
        assert_eq!(evidence[0]["evidence"][0]["family"], "necurs");
    }
}

/// A loopback BIND serving the TLD `tld` as its primary, open to dynamic
/// updates from 127.0.0.1; returns it and its port once it answers.
fn tld_server(dir: &TempDir, tld: &str) -> (crate::harness::Process, u16) {
    let port = crate::harness::free_port();
    (tld_server_on(dir, tld, port), port)
}

/// [`tld_server`] on a given port; a zone written before (and its journal
/// of updates) is kept, so a restarted server serves what it served.
fn tld_server_on(dir: &TempDir, tld: &str, port: u16) -> crate::harness::Process {
    use crate::harness::{dig, program, wait_until, Process};
    if !dir.join("tld.zone").exists() {
        dir.write(
            "tld.zone",
            &format!(
                "$TTL 60\n@ SOA ns.{tld}. hostmaster.{tld}. 1 3600 600 86400 60\n\
                 @ NS ns.{tld}.\nns A 127.0.0.1\n"
            ),
        );
    }
    let d = dir.path().display();
    let conf = dir.write(
        "named.conf",
        &format!(
            "options {{ directory \"{d}\"; listen-on port {port} {{ 127.0.0.1; }}; \
             listen-on-v6 {{ none; }}; recursion no; dnssec-validation no; notify no; \
             pid-file \"{d}/named.pid\"; session-keyfile \"{d}/session.key\"; }};\n\
             controls {{ }};\nzone \"{tld}\" {{ type primary; file \"{d}/tld.zone\"; \
             allow-update {{ 127.0.0.1; }}; }};\n"
        ),
    );
    let mut command = Command::new(program("named"));
    command.args(["-g", "-c"]).arg(&conf);
    let named = Process::start("named", command, &dir.join("named.log"));
    wait_until(std::time::Duration::from_secs(30), || {
        dig(port, &[tld, "SOA"]).contains("status: NOERROR")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", named.log()));
    named
}

/// Adds (or removes) `name. NS server.` in the loopback TLD by RFC 2136 update.
fn nsupdate(port: u16, tld: &str, change: &str) {
    let mut child = Command::new("nsupdate")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run nsupdate");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            format!("server 127.0.0.1 {port}\nzone {tld}\nupdate {change}\nsend\n").as_bytes(),
        )
        .expect("write nsupdate");
    let output = child.wait_with_output().expect("nsupdate");
    assert!(output.status.success(), "nsupdate: {}", stderr(&output));
}

#[test]
fn a_name_delegated_mid_test_at_a_loopback_tld_reaches_the_webhook_in_the_next_cycle_once() {
    if !(require("named", "bind9") && require("nsupdate", "bind9-dnsutils")) {
        return;
    }
    let dir = TempDir::new("monitor-dns");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let name = &names[10];
    let tld = name.rsplit('.').next().expect("a TLD");
    let under_tld = names
        .iter()
        .filter(|n| n.ends_with(&format!(".{tld}")))
        .count();
    assert!(under_tld > 1, "{under_tld} names under .{tld}");
    let (named, port) = tld_server(&dir, tld);
    let state = dir.join("events.sqlite");
    let receiver = Receiver::start(&dir);
    let url = receiver.url();
    let server = format!("{tld}=127.0.0.1:{port}");
    // One cycle of the watch: every predicted name under the TLD asked of BIND.
    let cycle = || {
        let output = cautery(&[
            "monitor",
            "check",
            &campaign,
            "--dns",
            &server,
            "--dns-interval-ms",
            "0",
            "--at",
            AT,
            "--state",
            utf8(&state),
            "--webhook",
            &url,
            "--webhook-secret-file",
            utf8(&receiver.secret),
            "--format",
            "jsonl",
        ]);
        assert!(
            output.status.success(),
            "{}\n{}",
            stderr(&output),
            named.log()
        );
        output
    };
    let before = cycle();
    assert_eq!(stdout(&before), "", "nothing delegated yet");
    assert!(receiver.take().is_empty());
    assert!(
        stderr(&before).contains(&format!("{under_tld} DNS answers")),
        "{}",
        stderr(&before)
    );

    // The operator comes back: the name is delegated at the TLD.
    nsupdate(port, tld, &format!("add {name}. 3600 NS ns1.evil.example."));
    let after = cycle();
    let lines: Vec<serde_json::Value> = stdout(&after)
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", stdout(&after));
    assert_eq!(lines[0]["domain"], name.as_str());
    assert_eq!(lines[0]["ns"][0], "ns1.evil.example");
    assert_eq!(lines[0]["source"], format!("dns:127.0.0.1:{port}"));
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "registered");
    assert_eq!(alerts[0]["domain"], name.as_str());
    assert_eq!(alerts[0]["evidence"][0]["family"], "necurs");

    // Later cycles: still delegated, no second alert.
    for _ in 0..2 {
        cycle();
        assert!(receiver.take().is_empty());
    }
    let status = cautery(&["monitor", "status", "--state", utf8(&state), "--at", AT]);
    assert!(status.status.success(), "{}", stdout(&status));
    assert!(
        stdout(&status).contains(&format!("ok\tdns:{tld}\t")),
        "{}",
        stdout(&status)
    );
}

#[test]
fn a_dns_source_that_does_not_answer_is_a_failing_source_not_a_crash() {
    let dir = TempDir::new("monitor-dns-down");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let tld = names[0].rsplit('.').next().expect("a TLD");
    // A bound UDP socket that never answers.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let state = dir.join("events.sqlite");
    let output = cautery(&[
        "monitor",
        "check",
        &campaign,
        "--dns",
        &format!("{tld}=127.0.0.1:{port}"),
        "--dns-timeout-ms",
        "200",
        "--dns-attempts",
        "1",
        "--dns-concurrency",
        "16",
        "--dns-interval-ms",
        "0",
        "--at",
        AT,
        "--state",
        utf8(&state),
        "--alerts",
        "--max-failures",
        "1",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("got no usable answer"),
        "{}",
        stderr(&output)
    );
    let health: serde_json::Value =
        serde_json::from_str(stdout(&output).lines().next().expect("a health alert"))
            .expect("json");
    assert_eq!(health["kind"], "health");
    assert_eq!(health["source"], format!("dns:{tld}"));
    let bad = cautery(&[
        "monitor",
        "check",
        &campaign,
        "--dns",
        "com=a.gtld-servers.net",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not an IP address"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn the_monitor_daemon_alerts_a_delegation_once_and_its_stopped_dns_source_until_it_returns() {
    use crate::harness::{cautery_command, wait_until, Process};
    use std::time::Duration;
    if !(require("named", "bind9") && require("nsupdate", "bind9-dnsutils")) {
        return;
    }
    let dir = TempDir::new("monitor-daemon");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let name = &names[10];
    let tld = name.rsplit('.').next().expect("a TLD");
    let (named, port) = tld_server(&dir, tld);
    let receiver = Receiver::start(&dir);
    let clock = dir.write("clock", AT);
    let start: chrono::DateTime<chrono::Utc> = AT.parse().expect("instant");
    let minute = |n: i64| (start + chrono::Duration::minutes(n)).to_rfc3339();
    let config = standalone_config(
        &dir,
        "",
        &format!(
            "campaigns = [\"{campaign}\"]\ninterval = 60\ndns = [\"{tld}=127.0.0.1:{port}\"]\n\
             dns-timeout-ms = 300\ndns-attempts = 1\ndns-interval-ms = 0\n\
             state = \"monitor.sqlite\"\n{hook}max-failures = 1\n",
            hook = receiver.config_keys(),
        ),
    );
    let state = dir.join("state/monitor.sqlite");
    let status = |at: &str| {
        cautery(&[
            "monitor",
            "status",
            "--state",
            utf8(&state),
            "--at",
            at,
            "--interval-minutes",
            "1",
            "--max-failures",
            "1",
        ])
    };
    let mut command = cautery_command();
    command.args([
        "monitor",
        "--config",
        utf8(&config),
        "--clock-file",
        utf8(&clock),
    ]);
    let monitor = Process::start("cautery monitor", command, &dir.join("monitor.log"));
    let mut alerts: Vec<serde_json::Value> = Vec::new();
    let mut wait_for = |what: &dyn Fn(&serde_json::Value) -> bool| {
        wait_until(Duration::from_secs(60), || {
            alerts.extend(receiver.take());
            alerts.iter().any(what)
        })
        .unwrap_or_else(|e| panic!("{e:?}: {alerts:?}\n{}", monitor.log()));
    };

    // First cycle at the clock's instant: healthy, nothing delegated.
    wait_until(Duration::from_secs(60), || {
        stdout(&status(AT)).contains(&format!("ok\tdns:{tld}\t"))
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", monitor.log()));

    // Delegated while the daemon runs: the next cycle (one interval later) alerts.
    nsupdate(port, tld, &format!("add {name}. 3600 NS ns1.evil.example."));
    set_clock(&clock, &minute(1));
    wait_for(&|a| a["kind"] == "registered");

    // The TLD server stops: the next cycle fails, one health alert, status exits 1.
    drop(named);
    set_clock(&clock, &minute(2));
    wait_for(&|a| a["kind"] == "health" && a["detail"] != "recovered");
    let unhealthy = status(&minute(2));
    assert_eq!(unhealthy.status.code(), Some(1), "{}", stdout(&unhealthy));
    assert!(stdout(&unhealthy).contains(&format!("unhealthy\tdns:{tld}\tfailing")));

    // It returns on the same port: the next cycle clears the alert.
    let _named = tld_server_on(&dir, tld, port);
    set_clock(&clock, &minute(3));
    wait_for(&|a| a["kind"] == "health" && a["detail"] == "recovered");
    let healthy = status(&minute(3));
    assert!(healthy.status.success(), "{}", stdout(&healthy));

    // Each event once: one registered, one unhealthy, one recovered.
    set_clock(&clock, &minute(4));
    std::thread::sleep(Duration::from_secs(2));
    alerts.extend(receiver.take());
    let kinds: Vec<String> = alerts
        .iter()
        .map(|a| {
            format!(
                "{}:{}",
                a["kind"].as_str().unwrap_or(""),
                a["domain"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            format!("registered:{name}"),
            "health:".into(),
            "health:".into()
        ],
        "{alerts:?}"
    );
    assert_eq!(alerts[1]["source"], format!("dns:{tld}"));
}

#[test]
fn monitor_alerts_are_mailed_to_mail_to_through_a_loopback_smtp_server() {
    use crate::harness::{free_port, require_python_module, wait_until, Process};
    use std::time::Duration;
    if !require_python_module("aiosmtpd", "aiosmtpd") {
        return;
    }
    let dir = TempDir::new("monitor-mail");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let name = &names[12];
    let zone = dir.write("tld.zone", &format!("{name}. NS ns1.evil.example.\n"));
    let smtp = free_port();
    let maildir = dir.join("mail");
    let mut smtpd = Command::new("python3");
    smtpd
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{smtp}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir);
    let _smtpd = Process::start("aiosmtpd", smtpd, &dir.join("smtpd.log"));
    wait_until(Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", smtp)).is_ok()
    })
    .unwrap_or_else(|e| panic!("{e:?}: aiosmtpd did not start"));
    let clock = dir.write("clock", AT);
    let config = standalone_config(
        &dir,
        &format!(
            "[mail]\nsmtp = \"127.0.0.1:{smtp}\"\nfrom = \"cautery@sinkhole.example\"\n\
             starttls = \"never\"\n"
        ),
        &format!(
            "campaigns = [\"{campaign}\"]\nzone-files = [\"{zone}\"]\n\
             mail-to = [\"soc@cert.example\", \"takedown@cert.example\"]\n",
            zone = utf8(&zone),
        ),
    );
    let once = |config: &std::path::Path| monitor_once(config, &clock);
    let output = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    let mails: Vec<String> = std::fs::read_dir(maildir.join("new"))
        .expect("maildir")
        .filter_map(Result::ok)
        .map(|entry| std::fs::read_to_string(entry.path()).expect("mail"))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert!(
        mail.contains(&format!("Subject: cautery monitor: registered {name}")),
        "{mail}"
    );
    assert!(mail.contains("soc@cert.example") && mail.contains("takedown@cert.example"));
    assert!(mail.contains("\"family\":\"necurs\""), "{mail}");
    // A second cycle: nothing new, nothing mailed.
    let output = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_dir(maildir.join("new"))
            .expect("maildir")
            .count(),
        1
    );
    // mail-to without [mail] is refused, naming what to add.
    let bad = dir.write(
        "bad.toml",
        &format!(
            "version = 1\n[monitor]\ncampaigns = [\"{campaign}\"]\nzone-files = [\"{zone}\"]\n\
             mail-to = [\"soc@cert.example\"]\n",
            zone = utf8(&zone),
        ),
    );
    let refused = once(&bad);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("mail-to needs [mail]"),
        "{}",
        stderr(&refused)
    );
}

/// Writes a fetch record of `source` at `at` into a seed archive (the
/// shape `cautery seed fetch` writes; the object itself is not needed).
pub fn seed_record(archive: &std::path::Path, source: &str, at: &str) {
    let records = archive.join("records");
    std::fs::create_dir_all(&records).expect("records");
    let sha = format!("{:0>64}", at.len());
    let record = serde_json::json!({
        "sha256": sha, "source": source, "url": "https://www.ecb.example/eurofxref-hist-90d.xml",
        "fetched_at": at, "status": 200, "headers": [], "size": 10,
    });
    std::fs::write(
        records.join(format!("{source}-{}.json", at.replace(':', "-"))),
        record.to_string(),
    )
    .expect("record");
}

#[test]
fn a_stale_public_data_seed_input_is_a_health_alert_until_a_fresh_fetch() {
    let dir = TempDir::new("monitor-seed-input");
    let campaign = campaign(&dir);
    let zone = dir.write("tld.zone", "nothing.test. NS ns.test.\n");
    let archive = dir.join("cautery-data");
    let start: chrono::DateTime<chrono::Utc> = AT.parse().expect("instant");
    seed_record(
        &archive,
        "bedep",
        &(start - chrono::Duration::hours(80)).to_rfc3339(),
    );
    let receiver = Receiver::start(&dir);
    let clock = dir.write("clock", AT);
    let config = standalone_config(
        &dir,
        "",
        &format!(
            "campaigns = [\"{campaign}\"]\nzone-files = [\"{zone}\"]\nmax-failures = 1\n\
             seed-archive = \"cautery-data\"\nseed-inputs = [\"bedep=72\"]\n{hook}",
            zone = utf8(&zone),
            hook = receiver.config_keys(),
        ),
    );
    let once = || monitor_once(&config, &clock);
    let status = || {
        cautery(&[
            "monitor",
            "status",
            "--state",
            utf8(&dir.join("state/events.sqlite")),
            "--at",
            AT,
            "--max-failures",
            "1",
        ])
    };
    // 80 hours old, 72 allowed: the cycle is incomplete (exit 2), one health alert.
    let stale = once();
    assert_eq!(stale.status.code(), Some(2), "{}", stderr(&stale));
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "health");
    assert_eq!(alerts[0]["source"], "seed-input:bedep");
    assert!(
        alerts[0]["detail"]
            .as_str()
            .expect("detail")
            .contains("stale"),
        "{alerts:?}"
    );
    let judged = status();
    assert_eq!(judged.status.code(), Some(1), "{}", stdout(&judged));
    assert!(
        stdout(&judged).contains("unhealthy\tseed-input:bedep"),
        "{}",
        stdout(&judged)
    );
    // The seed watch fetches again: recovered, once.
    seed_record(
        &archive,
        "bedep",
        &(start - chrono::Duration::hours(2)).to_rfc3339(),
    );
    let fresh = once();
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["detail"], "recovered");
    assert!(status().status.success());
}

/// A zone file that hangs: a FIFO no one writes, so the cycle that opens it
/// blocks as on a stalled mount. `serve` runs the monitor as a unit and
/// must alert the stall itself (before, only `monitor status` saw it).
#[test]
fn a_stalled_cycle_is_a_health_alert_from_the_daemon_repeated_per_period_and_cleared() {
    use crate::harness::{cautery_command, free_port, wait_until, Process};
    use std::time::Duration;
    let dir = TempDir::new("monitor-stalled");
    let campaign = campaign(&dir);
    let zone = dir.join("com.zone");
    let made = Command::new("mkfifo").arg(&zone).status().expect("mkfifo");
    assert!(made.success());
    let receiver = Receiver::start(&dir);
    let clock = dir.write("clock", AT);
    let start: chrono::DateTime<chrono::Utc> = AT.parse().expect("instant");
    let later = |minutes: i64| (start + chrono::Duration::minutes(minutes)).to_rfc3339();
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[server]\nlisten = [\"127.0.0.1:{port}\"]\nstate-dir = \"{d}/state\"\n\
             [http]\nlisten = \"\"\n[events]\nstore = \"\"\n\
             [[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"chinad\"]\ndays-back = 0\n\
             days-ahead = 0\n[monitor]\ncampaigns = [\"{campaign}\"]\ninterval = 60\n\
             zone-files = [\"{zone}\"]\nstate = \"monitor.sqlite\"\nrenotify-days = 1\n\
             {hook}",
            port = free_port(),
            d = dir.path().display(),
            zone = utf8(&zone),
            hook = receiver.config_keys(),
        ),
    );
    let mut command = cautery_command();
    command.args([
        "serve",
        "--config",
        utf8(&config),
        "--clock-file",
        utf8(&clock),
    ]);
    let daemon = Process::start("cautery serve", command, &dir.join("serve.log"));
    let mut alerts: Vec<serde_json::Value> = Vec::new();
    let mut wait_for = |count: usize| {
        wait_until(Duration::from_secs(60), || {
            alerts.extend(receiver.take());
            alerts.len() >= count
        })
        .unwrap_or_else(|e| panic!("{e:?}: {alerts:?}\n{}", daemon.log()));
        alerts.clone()
    };

    // The first cycle hangs on the zone file; within twice the interval
    // nothing is said.
    wait_until(Duration::from_secs(60), || {
        daemon.log().contains("monitor cycle started")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", daemon.log()));
    set_clock(&clock, &later(1));
    std::thread::sleep(Duration::from_secs(2));
    assert!(receiver.take().is_empty());
    // Past twice the interval: one alert, by the daemon, while it hangs.
    set_clock(&clock, &later(4));
    let seen = wait_for(1);
    assert_eq!(seen[0]["kind"], "health");
    assert_eq!(seen[0]["source"], "monitor:cycle");
    assert_eq!(seen[0]["repeat"], false);
    let detail = seen[0]["detail"].as_str().expect("detail");
    assert!(detail.starts_with("stalled:"), "{detail}");
    let status = cautery(&[
        "monitor",
        "status",
        "--state",
        utf8(&dir.join("state/monitor.sqlite")),
        "--at",
        &later(4),
    ]);
    assert_eq!(status.status.code(), Some(1), "{}", stdout(&status));
    assert!(stdout(&status).contains("unhealthy\tmonitor:cycle"));
    // Still hung: nothing more until the re-notify period (a day) has passed.
    set_clock(&clock, &later(60));
    std::thread::sleep(Duration::from_secs(2));
    assert!(receiver.take().is_empty());
    set_clock(&clock, &later(24 * 60 + 4));
    let seen = wait_for(2);
    assert_eq!(seen[1]["source"], "monitor:cycle");
    assert_eq!(seen[1]["repeat"], true);

    // The source answers again (the FIFO gives its lines, then a plain file
    // takes its place): the stalled cycle ends late, the next one in time
    // clears the alert.
    let plain = dir.write("com.zone.plain", "nothing.test. NS ns.test.\n");
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&zone)
        .expect("open the FIFO");
    std::fs::rename(&plain, &zone).expect("replace the FIFO");
    std::io::Write::write_all(&mut writer, b"nothing.test. NS ns.test.\n").expect("write");
    drop(writer);
    set_clock(&clock, &later(24 * 60 + 6));
    let seen = wait_for(3);
    assert_eq!(seen[2]["source"], "monitor:cycle");
    assert_eq!(seen[2]["detail"], "recovered");
    set_clock(&clock, &later(24 * 60 + 8));
    std::thread::sleep(Duration::from_secs(2));
    alerts.extend(receiver.take());
    assert_eq!(alerts.len(), 3, "{alerts:?}");
}

#[test]
fn a_reload_that_changes_the_monitor_does_not_wait_for_a_stalled_cycle() {
    use crate::harness::{cautery_command, free_port, wait_until, Process};
    use std::time::Duration;
    let dir = TempDir::new("monitor-reload-stalled");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let (fresh, late) = (&names[10], &names[11]);
    let fifo = dir.join("hung.zone");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let plain = dir.write("tld.zone", &format!("{fresh}. NS ns.evil.test.\n"));
    let receiver = Receiver::start(&dir);
    let clock = dir.write("clock", AT);
    let port = free_port();
    let config = |zone: &std::path::Path| {
        dir.write(
            "cautery.toml",
            &format!(
                "version = 1\n[server]\nlisten = [\"127.0.0.1:{port}\"]\nstate-dir = \"{d}/state\"\n\
                 [http]\nlisten = \"\"\n[events]\nstore = \"\"\n\
                 [[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"chinad\"]\ndays-back = 0\n\
                 days-ahead = 0\n[monitor]\ncampaigns = [\"{campaign}\"]\ninterval = 60\n\
                 zone-files = [\"{zone}\"]\nstate = \"monitor.sqlite\"\n\
                 {hook}",
                d = dir.path().display(),
                zone = utf8(zone),
                hook = receiver.config_keys(),
            ),
        )
    };
    let path = config(&fifo);
    let mut command = cautery_command();
    command.args([
        "serve",
        "--config",
        utf8(&path),
        "--clock-file",
        utf8(&clock),
    ]);
    let daemon = Process::start("cautery serve", command, &dir.join("serve.log"));
    // The first cycle hangs reading the FIFO: once it has opened it (a
    // writer's non-blocking open succeeds only then), the writer stays open
    // and silent.
    let mut writer = None;
    wait_until(Duration::from_secs(60), || {
        use std::os::unix::fs::OpenOptionsExt;
        writer = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc_nonblock())
            .open(&fifo)
            .ok();
        writer.is_some()
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", daemon.log()));
    let mut writer = writer.expect("the FIFO's writer");
    // A reload to a zone file that answers: its cycle runs at once, while
    // the first one still hangs, and the clock has not moved.
    config(&plain);
    daemon.signal("HUP");
    let mut alerts: Vec<serde_json::Value> = Vec::new();
    wait_until(Duration::from_secs(60), || {
        alerts.extend(receiver.take());
        !alerts.is_empty()
    })
    .unwrap_or_else(|e| panic!("{e:?}: {alerts:?}\n{}", daemon.log()));
    assert_eq!(alerts[0]["kind"], "registered", "{alerts:?}");
    assert_eq!(alerts[0]["domain"], fresh.as_str());
    // The hung read ends: the given-up cycle stops without alerting what it read.
    std::io::Write::write_all(
        &mut writer,
        format!("{late}. NS ns.evil.test.\n").as_bytes(),
    )
    .expect("write");
    drop(writer);
    wait_until(Duration::from_secs(60), || {
        daemon
            .log()
            .contains("monitor cycle given up after a reload")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", daemon.log()));
    alerts.extend(receiver.take());
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(daemon.log().contains("check given up"), "{}", daemon.log());
}

/// `O_NONBLOCK` (Linux): a FIFO's writer opens only while a reader has it open.
fn libc_nonblock() -> i32 {
    0o4000
}

/// Archives `bytes` as an input of `source` fetched at `at`, as `cautery
/// seed fetch` does (object named by its SHA-256, one record); returns the
/// SHA-256, computed here from the bytes.
fn archive_input(archive: &std::path::Path, source: &str, at: &str, bytes: &[u8]) -> String {
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let objects = archive.join("objects");
    std::fs::create_dir_all(&objects).expect("objects");
    std::fs::write(objects.join(&sha), bytes).expect("object");
    let records = archive.join("records");
    std::fs::create_dir_all(&records).expect("records");
    let record = serde_json::json!({
        "sha256": sha, "source": source, "url": "http://127.0.0.1:9/eurofxref-hist-90d.xml",
        "fetched_at": at, "status": 200, "headers": [], "size": bytes.len(),
    });
    std::fs::write(
        records.join(format!("{source}-{}.json", at.replace(':', "-"))),
        record.to_string(),
    )
    .expect("record");
    sha
}

#[test]
fn a_public_data_family_is_watched_from_its_archived_input_and_alerts_cite_its_sha256() {
    let dir = TempDir::new("monitor-public-data");
    let at = "2015-04-15T12:00:00Z";
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/test-data/bedep/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("bedep fixture")
    };
    let campaign = dir.write(
        "bedep.toml",
        "version = 1\nname = \"bedep-watch\"\n[[target]]\nfamily = \"bedep\"\n\
         seeds = \"default\"\n[horizon]\ndays-back = 0\ndays-ahead = 0\n[zone]\n\
         name = \"rpz.test\"\n",
    );
    let campaign = utf8(&campaign);
    let checked = cautery(&["check-config", campaign]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(
        stdout(&checked).contains("public-data families bedep"),
        "{}",
        stdout(&checked)
    );
    let planned = cautery(&["plan", campaign, "--at", at]);
    assert_eq!(planned.status.code(), Some(2));
    assert!(
        stderr(&planned).contains("public-data family"),
        "{}",
        stderr(&planned)
    );
    let archive = dir.join("cautery-data");
    // Without an archived input the check says what to fetch.
    let zone = dir.write("com.zone", "nothing.com. NS ns.example.\n");
    let bare = cautery(&[
        "monitor",
        "check",
        campaign,
        "--zone-file",
        utf8(&zone),
        "--at",
        at,
        "--data-dir",
        utf8(&archive),
    ]);
    assert_eq!(bare.status.code(), Some(2), "{}", stderr(&bare));
    assert!(
        stderr(&bare).contains("cautery seed fetch bedep"),
        "{}",
        stderr(&bare)
    );

    // The input in force at `at`, an error page archived after it (passed
    // over, as `seed fetch` does) and a newer input fetched after `at`.
    let good = fixture("2015_4_7.xml");
    let sha = archive_input(&archive, "bedep", "2015-04-14T06:00:00Z", &good);
    archive_input(
        &archive,
        "bedep",
        "2015-04-15T06:00:00Z",
        b"<html>503 Service Unavailable</html>",
    );
    archive_input(
        &archive,
        "bedep",
        "2015-04-16T06:00:00Z",
        &fixture("2015_4_24.xml"),
    );
    let input_file = format!(
        "{}/test-data/bedep/2015_4_7.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let generated = cautery(&[
        "generate",
        "bedep",
        "--date",
        "2015-04-15",
        "--input",
        &input_file,
    ]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let names: Vec<String> = stdout(&generated).lines().map(str::to_owned).collect();
    assert!(names.len() > 2, "{names:?}");
    let zone = dir.write(
        "com.zone",
        &format!(
            "$ORIGIN com.\n{0}. NS ns1.registrar.example.\n{0}. NS ns2.registrar.example.\n\
             unrelated.com. NS ns1.registrar.example.\n",
            names[1]
        ),
    );
    let receiver = Receiver::start(&dir);
    let clock = dir.write("clock", at);
    let config = standalone_config(
        &dir,
        "",
        &format!(
            "campaigns = [\"{campaign}\"]\nzone-files = [\"{zone}\"]\n\
             seed-archive = \"cautery-data\"\n{hook}",
            zone = utf8(&zone),
            hook = receiver.config_keys(),
        ),
    );
    let once = monitor_once(&config, &clock);
    assert!(once.status.success(), "{}", stderr(&once));
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["kind"], "registered");
    assert_eq!(alert["domain"], names[1].as_str());
    let evidence = &alert["evidence"][0];
    assert_eq!(evidence["family"], "bedep");
    assert_eq!(evidence["seed"], "config0");
    assert_eq!(evidence["input_sha256"], sha.as_str(), "{alert}");
    assert_eq!(evidence["input_fetched_at"], "2015-04-14T06:00:00+00:00");
    let path = evidence["input_path"].as_str().expect("input_path");
    assert_eq!(std::fs::read(path).expect("archived input"), good);
    assert!(
        evidence["algorithm_source"][0]
            .as_str()
            .is_some_and(|s| s.starts_with("http")),
        "{evidence}"
    );

    // The one-shot check cites the same input in its registry request.
    let requests = dir.join("requests");
    let check = cautery(&[
        "monitor",
        "check",
        campaign,
        "--zone-file",
        utf8(&zone),
        "--at",
        at,
        "--data-dir",
        utf8(&archive),
        "--registry-requests",
        utf8(&requests),
    ]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(stdout(&check).starts_with(&names[1]), "{}", stdout(&check));
    let request: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(requests.join("com.evidence.json")).expect("evidence file"),
    )
    .expect("JSON");
    assert_eq!(request[0]["evidence"][0]["input_sha256"], sha.as_str());
}

#[test]
fn monitor_state_lives_in_postgresql_when_the_event_store_is_postgres() {
    let url = match std::env::var("CAUTERY_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                std::env::var("CAUTERY_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "CAUTERY_REQUIRE_POSTGRES=1 but CAUTERY_TEST_POSTGRES is not set"
            );
            eprintln!("skipped: needs CAUTERY_TEST_POSTGRES=<connection URL>");
            return;
        }
    };
    let schema = "cautery_monitor_test";
    let psql = |url: &str, sql: &str| {
        let output = Command::new("psql")
            .args([url, "-q", "-t", "-A", "-c", sql])
            .output()
            .expect("run psql");
        assert!(output.status.success(), "psql: {}", stderr(&output));
        stdout(&output)
    };
    psql(
        &url,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"),
    );
    let joiner = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{joiner}options=-c%20search_path%3D{schema}");
    let dir = TempDir::new("monitor-postgres");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let name = &names[14];
    let zone = dir.write("tld.zone", &format!("{name}. NS ns1.evil.example.\n"));
    let receiver = Receiver::start(&dir);
    let clock = dir.write("clock", AT);
    let config = standalone_config(
        &dir,
        &format!("[events]\nstore = \"{scoped}\"\n"),
        &format!(
            "campaigns = [\"{campaign}\"]\nzone-files = [\"{zone}\"]\n{hook}",
            zone = utf8(&zone),
            hook = receiver.config_keys(),
        ),
    );
    let once = || monitor_once(&config, &clock);
    let first = once();
    assert!(first.status.success(), "{}", stderr(&first));
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "registered");
    // Remembered in the database: the next cycle sends nothing.
    let second = once();
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(receiver.take().is_empty());
    let stored = psql(
        &url,
        &format!("SELECT domain, ns FROM {schema}.monitor_names; SELECT kind FROM {schema}.monitor_alerts"),
    );
    assert_eq!(
        stored.trim(),
        format!("{name}|[\"ns1.evil.example\"]\nregistered"),
        "{stored}"
    );
    let status = cautery(&["monitor", "status", "--state", &scoped, "--at", AT]);
    assert!(
        status.status.success(),
        "{}{}",
        stdout(&status),
        stderr(&status)
    );
    assert!(
        stdout(&status).contains("ok\tzone-file:"),
        "{}",
        stdout(&status)
    );
}

#[test]
fn a_held_name_that_leaves_its_zone_file_is_a_changed_alert_once_per_period() {
    let dir = TempDir::new("monitor-held-gone");
    // Ten days back: the name stays in the plan over the re-notify period.
    let campaign = dir.write(
        "campaign.toml",
        "version = 1\nname = \"watch\"\n[[target]]\nfamily = \"necurs\"\nseeds = \"default\"\n\
         [horizon]\ndays-back = 10\ndays-ahead = 1\n[zone]\nname = \"rpz.test\"\n",
    );
    let campaign = utf8(&campaign).to_owned();
    let names = predicted(&campaign, AT);
    let held = &names[6];
    let tld = held.rsplit('.').next().expect("a TLD");
    let state = dir.join("events.sqlite");
    let receiver = Receiver::start(&dir);
    let url = receiver.url();
    // The TLD's whole zone (its SOA says which), with or without the held name.
    let zone = |with_held: bool| {
        let mut text = format!("{tld}. 900 IN SOA a.nic.{tld}. h.nic.{tld}. 1 2 3 4 5\n");
        text.push_str(&format!(
            "{tld}. NS a.nic.{tld}.\nother-name.{tld}. NS ns.other.test.\n"
        ));
        if with_held {
            text.push_str(&format!(
                "{held}. NS ns1.sinkhole.test.\n{held}. NS ns2.sinkhole.test.\n"
            ));
        }
        dir.write("tld.zone", &text)
    };
    let check = |at: &str| {
        let output = cautery(&[
            "monitor",
            "check",
            &campaign,
            "--zone-file",
            utf8(&dir.join("tld.zone")),
            "--at",
            at,
            "--state",
            utf8(&state),
            "--webhook",
            &url,
            "--webhook-secret-file",
            utf8(&receiver.secret),
            "--held-ns",
            "sinkhole.test",
            "--renotify-days",
            "1",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
    };
    zone(true);
    check(AT);
    assert!(receiver.take().is_empty(), "a held name is ours");
    // The registry drops the delegation: one alert with the last servers seen and when.
    zone(false);
    check("2026-11-26T06:00:00Z");
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["kind"], "changed");
    assert_eq!(alert["domain"], held.as_str());
    assert_eq!(alert["away_from_sinkhole"], true);
    assert_eq!(alert["repeat"], false);
    assert_eq!(
        alert["ns"],
        serde_json::json!(["ns1.sinkhole.test", "ns2.sinkhole.test"])
    );
    assert_eq!(alert["last_seen"], "2026-11-26T00:00:00Z");
    assert_eq!(alert["changes"][0]["what"], "delegation");
    assert_eq!(alert["changes"][0]["to"], "");
    assert!(
        alert["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("zone-file:")),
        "{alert}"
    );
    assert_eq!(alert["evidence"][0]["family"], "necurs");
    // Still gone an hour later: nothing; after the re-notify period (a day): again, once.
    check("2026-11-26T07:00:00Z");
    assert!(receiver.take().is_empty());
    check("2026-11-27T07:00:00Z");
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["repeat"], true);
    // Back on the sinkhole: cleared without an alert; gone again: a new alert at once.
    zone(true);
    check("2026-11-27T08:00:00Z");
    assert!(receiver.take().is_empty());
    zone(false);
    check("2026-11-27T09:00:00Z");
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["repeat"], false);
    assert_eq!(alerts[0]["last_seen"], "2026-11-27T08:00:00Z");
}

#[test]
fn a_held_name_is_watched_after_its_day_for_expiry_and_for_leaving_its_zone() {
    let dir = TempDir::new("monitor-held-beyond");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let held = names[6].clone();
    let tld = held.rsplit('.').next().expect("a TLD").to_owned();
    let later = ["2026-11-29T12:00:00Z", "2026-12-03T00:00:00Z"];
    for at in later {
        assert!(
            !predicted(&campaign, at).contains(&held),
            "{held} is outside the horizon at {at}"
        );
    }
    // RDAP says the seized name expires on 2026-12-06.
    let answer = fixture("held-domain.json").replace("{DOMAIN}", &held.to_uppercase());
    let held_path = format!("/rdap/domain/{held}");
    let (port, log) = http_server(Box::new(move |path, _| {
        if path == held_path {
            (200, Vec::new(), answer.clone())
        } else {
            (404, Vec::new(), "{\"errorCode\": 404}".to_owned())
        }
    }));
    let bootstrap = dir.write(
        "dns.json",
        &fixture("dns.json")
            .replace("\"{TLDS}\"", &format!("\"{tld}\""))
            .replace("{BASE}", &format!("http://127.0.0.1:{port}/rdap/")),
    );
    let rdap_requests = || {
        let log = log.lock().expect("lock");
        log.iter().filter(|(_, path)| path.ends_with(&held)).count()
    };
    // The TLD's whole zone (its SOA says which), with or without the held name.
    let zone = |with_held: bool| {
        let mut text = format!("{tld}. 900 IN SOA a.nic.{tld}. h.nic.{tld}. 1 2 3 4 5\n");
        text.push_str(&format!("other-name.{tld}. NS ns.other.test.\n"));
        if with_held {
            text.push_str(&format!(
                "{held}. NS ns1.sinkhole.test.\n{held}. NS ns2.sinkhole.test.\n"
            ));
        }
        dir.write("tld.zone", &text)
    };
    let state = dir.join("events.sqlite");
    let check = |at: &str| -> Vec<serde_json::Value> {
        let output = cautery(&[
            "monitor",
            "check",
            &campaign,
            "--zone-file",
            utf8(&dir.join("tld.zone")),
            "--at",
            at,
            "--state",
            utf8(&state),
            "--alerts",
            "--held-ns",
            "sinkhole.test",
            "--rdap-bootstrap",
            utf8(&bootstrap),
            "--rdap-interval-ms",
            "0",
            "--expiry-warn-days",
            "5",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON alert"))
            .collect()
    };
    // Predicted and held, ten days before its expiry: nothing to say.
    zone(true);
    assert_eq!(check(AT), Vec::<serde_json::Value>::new());
    assert_eq!(rdap_requests(), 1);
    // Its day has passed; still on the sinkhole, expiry known and far: RDAP is not asked.
    assert_eq!(check(later[0]), Vec::<serde_json::Value>::new());
    assert_eq!(
        rdap_requests(),
        1,
        "a held name's far expiry is not asked again"
    );
    // Three days before its expiry: RDAP is asked, and the alert carries the
    // evidence kept from when it was predicted.
    let alerts = check(later[1]);
    assert_eq!(rdap_requests(), 2);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "expiring");
    assert_eq!(alerts[0]["domain"], held.as_str());
    assert_eq!(alerts[0]["expires"], "2026-12-06T00:00:00Z");
    assert_eq!(alerts[0]["evidence"][0]["family"], "necurs");
    // The registry drops it: a departure from the sinkhole, though no plan predicts it.
    zone(false);
    let alerts = check("2026-12-03T06:00:00Z");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["kind"], "changed");
    assert_eq!(alert["domain"], held.as_str());
    assert_eq!(alert["away_from_sinkhole"], true);
    assert_eq!(alert["changes"][0]["what"], "delegation");
    assert_eq!(alert["last_seen"], later[1]);
    assert_eq!(alert["evidence"][0]["family"], "necurs");
    assert!(
        alert["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("zone-file:")),
        "{alert}"
    );
}

#[test]
fn a_file_without_soa_is_not_taken_for_a_whole_zone() {
    let dir = TempDir::new("monitor-held-no-soa");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let held = &names[6];
    let state = dir.join("events.sqlite");
    let check = |text: &str, at: &str| {
        let zone = dir.write("part.zone", text);
        let output = cautery(&[
            "monitor",
            "check",
            &campaign,
            "--zone-file",
            utf8(&zone),
            "--at",
            at,
            "--state",
            utf8(&state),
            "--alerts",
            "--held-ns",
            "sinkhole.test",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    assert_eq!(check(&format!("{held}. NS ns1.sinkhole.test.\n"), AT), "");
    // A part of a zone (no SOA) without the held name says nothing of it.
    assert_eq!(check("x.test. NS ns.test.\n", "2026-11-26T01:00:00Z"), "");
}

#[test]
fn a_held_name_removed_at_a_loopback_tld_is_alerted_once_and_cleared_when_back() {
    if !(require("named", "bind9") && require("nsupdate", "bind9-dnsutils")) {
        return;
    }
    let dir = TempDir::new("monitor-dns-held-gone");
    let campaign = campaign(&dir);
    let names = predicted(&campaign, AT);
    let held = &names[10];
    let tld = held.rsplit('.').next().expect("a TLD");
    let (named, port) = tld_server(&dir, tld);
    let state = dir.join("events.sqlite");
    let receiver = Receiver::start(&dir);
    let url = receiver.url();
    let server = format!("{tld}=127.0.0.1:{port}");
    let cycle = |at: &str| {
        let output = cautery(&[
            "monitor",
            "check",
            &campaign,
            "--dns",
            &server,
            "--dns-interval-ms",
            "0",
            "--at",
            at,
            "--state",
            utf8(&state),
            "--webhook",
            &url,
            "--webhook-secret-file",
            utf8(&receiver.secret),
            "--held-ns",
            "sinkhole.test",
        ]);
        assert!(
            output.status.success(),
            "{}\n{}",
            stderr(&output),
            named.log()
        );
    };
    // Seized: the name is delegated to the operator's sinkhole.
    nsupdate(
        port,
        tld,
        &format!("add {held}. 3600 NS ns1.sinkhole.test."),
    );
    cycle(AT);
    assert!(receiver.take().is_empty(), "held: ours");
    // The registry deletes it: NXDOMAIN at the parent, one alert.
    nsupdate(port, tld, &format!("delete {held}. NS"));
    cycle("2026-11-26T01:00:00Z");
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "changed");
    assert_eq!(alerts[0]["domain"], held.as_str());
    assert_eq!(alerts[0]["away_from_sinkhole"], true);
    assert_eq!(alerts[0]["ns"][0], "ns1.sinkhole.test");
    assert_eq!(alerts[0]["last_seen"], "2026-11-26T00:00:00Z");
    assert_eq!(alerts[0]["source"], format!("dns:127.0.0.1:{port}"));
    cycle("2026-11-26T02:00:00Z");
    assert!(receiver.take().is_empty(), "once");
    // Back on the sinkhole: no alert, and the state forgets it was gone.
    nsupdate(
        port,
        tld,
        &format!("add {held}. 3600 NS ns1.sinkhole.test."),
    );
    cycle("2026-11-26T03:00:00Z");
    assert!(receiver.take().is_empty());
    nsupdate(port, tld, &format!("delete {held}. NS"));
    cycle("2026-11-26T04:00:00Z");
    let alerts = receiver.take();
    assert_eq!(alerts.len(), 1, "gone again: {alerts:?}");
    assert_eq!(alerts[0]["repeat"], false);
}

#[test]
fn live_findings_reach_the_monitors_webhook_once_per_client_and_family() {
    use crate::detect::{bind_sending_dnstap, drive_clients, stored_events, upstream, INFECTED};
    use crate::harness::{cautery_command, free_port, wait_until, Process};
    use std::time::Duration;
    if !(require("dig", "bind9-dnsutils") && require("named", "bind9")) {
        return;
    }
    let dir = TempDir::new("monitor-findings");
    let state = dir.join("state");
    let (dns, http) = (free_port(), free_port());
    let receiver = Receiver::start(&dir);
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[http]\nlisten = \"127.0.0.1:{http}\"\n[server]\nlisten = [\"127.0.0.1:{dns}\"]\nstate-dir = \"{}\"\n\
             [detect]\ndnstap-listen = [\"unix:dnstap.sock\"]\nalert = true\n\
             [monitor]\n{}\
             [[zone]]\nname = \"detect.rpz\"\nfamilies = [\"necurs\", \"qakbot\"]\n\
             seeds = \"default\"\ndays-back = 1\ndays-ahead = 1\naction = \"nxdomain\"\n",
            state.display(),
            receiver.config_keys(),
        ),
    );
    let mut command = cautery_command();
    command.args(["serve", "--config"]).arg(&config);
    let server = Process::start("cautery", command, &dir.join("cautery.log"));
    wait_until(Duration::from_secs(120), || {
        server.log().contains("dnstap collector listening")
            && server.log().contains("listening (udp+tcp)")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", server.log()));
    let (_upstream, upstream_port) = upstream(&dir);
    let (mut named, bind_port) =
        bind_sending_dnstap(&dir, upstream_port, &state.join("dnstap.sock"));

    // Two infected clients (necurs, qakbot), an accidental lookup, benign clients.
    drive_clients(bind_port, &mut named);
    let mut alerts = Vec::new();
    wait_until(Duration::from_secs(30), || {
        alerts.extend(receiver.take());
        alerts.len() >= INFECTED.len()
    })
    .unwrap_or_else(|e| panic!("{e:?}: {alerts:?}\n{}", server.log()));
    let mut seen: Vec<(String, String)> = Vec::new();
    for alert in &alerts {
        assert_eq!(alert["kind"], "finding", "{alert}");
        assert_eq!(alert["repeat"], false, "{alert}");
        let finding = &alert["finding"];
        seen.push((
            finding["client"].as_str().expect("client").to_owned(),
            finding["family"].as_str().expect("family").to_owned(),
        ));
        // Alerted when the third distinct name (min-names) made it a finding.
        assert!(finding["names"].as_u64() >= Some(3), "{alert}");
        assert_eq!(
            finding["sample"].as_array().map(Vec::len),
            finding["names"].as_u64().map(|n| n as usize),
            "{alert}"
        );
        assert_eq!(finding["nxdomain_share"], 1.0, "{alert}");
        assert!(finding["first_seen"].as_str() <= finding["last_seen"].as_str());
    }
    seen.sort();
    let expected: Vec<(String, String)> = INFECTED
        .iter()
        .map(|(client, family, _)| ((*client).to_owned(), (*family).to_owned()))
        .collect();
    assert_eq!(seen, expected, "{alerts:?}");

    // The same clients again: more events stored, no second alert.
    let before = stored_events(&config).len();
    drive_clients(bind_port, &mut named);
    wait_until(Duration::from_secs(30), || {
        stored_events(&config).len() > before
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", server.log()));
    std::thread::sleep(Duration::from_secs(2));
    let again = receiver.take();
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(
        server.log().matches("finding alerted").count(),
        INFECTED.len(),
        "{}",
        server.log()
    );
}

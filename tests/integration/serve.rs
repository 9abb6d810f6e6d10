//! `cautery serve` with real DNS software: BIND 9 and Unbound as RPZ
//! secondaries, dig for transfers with and without TSIG, and the sinkhole.
//!
//! Every server listens on loopback on ports picked at run time; resolvers
//! forward only to cautery, never to the internet. Time moves through the
//! daemon's clock file, and every wait is a poll with a bounded timeout.
//! A test whose program is not installed fails, naming the package, unless
//! `CAUTERY_SKIP_RESOLVER_TESTS=1` is set (see the harness).

use std::io::Write;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{
    cautery, cautery_command, dig, dig_at, free_port, program, require, require_library, status,
    stderr, stdout, utf8, wait_until, Process, TempDir,
};

const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==";
const DAY1: &str = "2026-11-26T12:00:00Z";
const DAY2: &str = "2026-11-27T12:00:00Z";

/// Chinad over three days: a day's rollover changes two of them (a day's
/// names leave, a day's enter), fewer rules than the zone holds, so an IXFR
/// is answered with the difference rather than the whole zone.
const CHINAD_THREE_DAYS: &str = "families = [\"chinad\"]\ndays-back = 2\ndays-ahead = 0";

fn names_of(family: &str, day: &str) -> Vec<String> {
    let output = cautery(&["generate", family, "--date", &day[..10]]);
    stdout(&output).lines().map(str::to_owned).collect()
}

/// A name of day 1 that day 2 no longer has, and the other way round.
fn rollover_names(family: &str) -> (String, String) {
    rollover_names_over(family, 0)
}

/// The same for a zone holding `back` days before the clock's day (at most
/// 2): a name that leaves the zone when the clock moves from day 1 to day 2,
/// and a name that enters it.
fn rollover_names_over(family: &str, back: usize) -> (String, String) {
    let days = ["2026-11-24", "2026-11-25", DAY1, DAY2];
    let held = |last: usize| -> std::collections::BTreeSet<String> {
        days[last - back..=last]
            .iter()
            .flat_map(|day| names_of(family, day))
            .collect()
    };
    let (one, two) = (held(2), held(3));
    let old = one
        .difference(&two)
        .next()
        .expect("a name that expires")
        .clone();
    let new = two
        .difference(&one)
        .next()
        .expect("a name that starts")
        .clone();
    (old, new)
}

struct Cautery {
    process: Process,
    port: u16,
    metrics: u16,
    clock: PathBuf,
}

fn start_cautery(dir: &Path, zone: &str, transfer: &str) -> Cautery {
    start_cautery_with(dir, "", zone, transfer)
}

fn start_cautery_with(dir: &Path, server: &str, zone: &str, transfer: &str) -> Cautery {
    start_cautery_on(dir, "127.0.0.1", &[], server, zone, transfer)
}

/// Starts cautery listening on `host` (a loopback address), with the
/// environment variables `env` added. The zone holds one day (`days-back =
/// 0`, `days-ahead = 0`) unless `zone` sets its own horizon.
fn start_cautery_on(
    dir: &Path,
    host: &str,
    env: &[(&str, &str)],
    server: &str,
    zone: &str,
    transfer: &str,
) -> Cautery {
    let horizon = if zone.contains("days-back") {
        ""
    } else {
        "days-back = 0\ndays-ahead = 0\n"
    };
    launch_cautery(dir, env, |port, metrics, state| {
        format!(
            "version = 1\n\
             [server]\nlisten = [\"{host}:{port}\"]\nstate-dir = \"{state}\"\n{server}\n\
             [metrics]\nlisten = \"127.0.0.1:{metrics}\"\n\
             [transfer]\n{transfer}\n\
             [[zone]]\nname = \"cautery.rpz\"\nseeds = \"default\"\n{horizon}{zone}\n"
        )
    })
}

/// Starts cautery with the configuration `config(port, metrics port,
/// state directory)`, the test clock and the environment variables `env`
/// added, and waits until it listens.
fn launch_cautery(
    dir: &Path,
    env: &[(&str, &str)],
    config: impl FnOnce(u16, u16, &str) -> String,
) -> Cautery {
    let port = free_port();
    let metrics = free_port();
    let clock = dir.join("clock");
    if !clock.exists() {
        std::fs::write(&clock, DAY1).expect("clock");
    }
    let state = dir.join("state");
    let config = config(port, metrics, &state.display().to_string());
    let path = dir.join("cautery.toml");
    std::fs::write(&path, config).expect("config");
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&path)
        .arg("--clock-file")
        .arg(&clock)
        .envs(env.iter().copied());
    let server = Cautery {
        process: Process::start("cautery", command, &dir.join("cautery.log")),
        port,
        metrics,
        clock,
    };
    wait_until(Duration::from_secs(60), || {
        server.log().contains("listening")
    })
    .expect("cautery to listen");
    server
}

impl Cautery {
    fn set_clock(&self, at: &str) {
        crate::harness::set_clock(&self.clock, at);
    }

    fn serial(&self, key: Option<&str>) -> u32 {
        self.serial_of("cautery.rpz", key)
    }

    fn serial_of(&self, zone: &str, key: Option<&str>) -> u32 {
        let mut args = vec![zone, "SOA", "+short"];
        if let Some(key) = key {
            args.extend(["-y", key]);
        }
        dig(self.port, &args)
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    fn metric(&self, line_start: &str) -> u64 {
        let mut stream =
            std::net::TcpStream::connect(("127.0.0.1", self.metrics)).expect("metrics connect");
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\n\r\n")
            .expect("metrics request");
        let mut body = String::new();
        std::io::Read::read_to_string(&mut stream, &mut body).expect("metrics body");
        body.lines()
            .find(|l| l.starts_with(line_start))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn log(&self) -> String {
        self.process.log()
    }
}

#[test]
fn bind_pulls_by_axfr_then_ixfr_after_a_rollover_and_notify() {
    if !(require("named", "bind9") && require("dig", "bind9-dnsutils")) {
        return;
    }
    let dir = TempDir::new("bind");
    let bind_port = free_port();
    let (old, new) = rollover_names_over("chinad", 2);
    let cautery = start_cautery(
        dir.path(),
        CHINAD_THREE_DAYS,
        &format!("notify = [\"127.0.0.1:{bind_port}\"]"),
    );
    // named takes the port picked before cautery started, so that cautery's
    // NOTIFY list can name it.
    let _named = start_named(dir.path(), cautery.port, bind_port);
    let port = bind_port;
    wait_until(Duration::from_secs(30), || status(port, &old) == "NXDOMAIN")
        .expect("BIND to block a day-1 name");
    assert_ne!(
        status(port, &new),
        "NXDOMAIN",
        "{new} is not predicted on day 1"
    );
    let before = cautery.serial(None);
    let started = Instant::now();
    cautery.set_clock(DAY2);
    wait_until(Duration::from_secs(30), || {
        status(port, &new) == "NXDOMAIN" && status(port, &old) != "NXDOMAIN"
    })
    .expect("BIND to follow the day-2 plan");
    let took = started.elapsed();
    eprintln!("plan change to BIND answering the new policy: {took:?}");
    assert!(cautery.serial(None) != before);
    assert!(
        cautery.metric("cautery_transfers_total{type=\"ixfr\"}") >= 1,
        "{}",
        cautery.log()
    );
    assert!(cautery.metric("cautery_notifies_total{result=\"answered\"}") >= 1);
    // The second transfer holds the difference (two days of a three-day
    // zone changed, plus four SOA records), not the zone again.
    let log = std::fs::read_to_string(dir.join("named.log")).unwrap_or_default();
    let records: Vec<usize> = log
        .lines()
        .filter_map(|l| l.split("Transfer completed: ").nth(1))
        .filter_map(|l| l.split(", ").nth(1)?.strip_suffix(" records")?.parse().ok())
        .collect();
    assert!(records.len() >= 2, "{log}");
    assert!(records[records.len() - 1] < records[0], "{records:?}");
}

fn start_named(dir: &Path, primary: u16, port: u16) -> Process {
    start_named_zones(dir, primary, port, &["cautery.rpz".to_owned()])
}

/// BIND as a secondary of `zones` from cautery at `primary`, each zone a
/// policy zone in that order.
fn start_named_zones(dir: &Path, primary: u16, port: u16, zones: &[String]) -> Process {
    let conf_dir = dir.join("named");
    std::fs::create_dir_all(&conf_dir).expect("named dir");
    let policy: String = zones
        .iter()
        .map(|zone| format!("zone \"{zone}\" min-update-interval 0; "))
        .collect();
    let secondaries: String = zones
        .iter()
        .map(|zone| {
            format!(
                "zone \"{zone}\" {{ type secondary; primaries {{ 127.0.0.1 port {primary}; }}; \
                 file \"{zone}.db\"; request-ixfr yes; }};\n"
            )
        })
        .collect();
    let conf = format!(
        r#"options {{
    directory "{dir}";
    pid-file "{dir}/named.pid";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion yes;
    allow-query {{ 127.0.0.1; }};
    forwarders {{ 127.0.0.1 port {primary}; }};
    forward only;
    dnssec-validation no;
    notify no;
    response-policy {{ {policy}}} qname-wait-recurse no;
}};
controls {{ }};
{secondaries}"#,
        dir = conf_dir.display()
    );
    spawn_named(dir, &conf_dir, &conf)
}

#[test]
fn bind_follows_a_split_zone_and_takes_only_the_parts_a_rollover_changes() {
    if !(require("named", "bind9") && require("dig", "bind9-dnsutils")) {
        return;
    }
    let dir = TempDir::new("bind-split");
    let bind_port = free_port();
    let (old, new) = rollover_names_over("chinad", 2);
    let cautery = start_cautery(
        dir.path(),
        &format!("{CHINAD_THREE_DAYS}\nsplit-days = 4"),
        &format!("notify = [\"127.0.0.1:{bind_port}\"]"),
    );
    let zones: Vec<String> = (0..4).map(|part| format!("d{part}.cautery.rpz")).collect();
    let _named = start_named_zones(dir.path(), cautery.port, bind_port, &zones);
    wait_until(Duration::from_secs(30), || {
        status(bind_port, &old) == "NXDOMAIN"
    })
    .expect("BIND to block a day-1 name");
    assert_ne!(status(bind_port, &new), "NXDOMAIN");
    let before: Vec<u32> = zones.iter().map(|z| cautery.serial_of(z, None)).collect();
    assert!(before.iter().all(|&serial| serial > 0), "{before:?}");
    let transfers = || {
        std::fs::read_to_string(dir.join("named.log"))
            .unwrap_or_default()
            .matches("Transfer completed")
            .count()
    };
    wait_until(Duration::from_secs(10), || transfers() >= 4).expect("BIND to take every part");
    let first = transfers();

    cautery.set_clock(DAY2);
    let took = wait_until(Duration::from_secs(30), || {
        status(bind_port, &new) == "NXDOMAIN" && status(bind_port, &old) != "NXDOMAIN"
    })
    .expect("BIND to follow the day-2 plan");
    eprintln!("plan change to BIND answering the new policy (split zone): {took:?}");
    // 2026-11-24 leaves and 2026-11-27 enters: days 20,781 and 20,784
    // since the epoch, parts 1 and 0 of 4. The other parts keep their serial.
    let after: Vec<u32> = zones.iter().map(|z| cautery.serial_of(z, None)).collect();
    let changed: Vec<usize> = (0..4).filter(|&i| after[i] != before[i]).collect();
    assert_eq!(changed, [0, 1], "{before:?} -> {after:?}");
    wait_until(Duration::from_secs(10), || transfers() >= first + 2)
        .expect("BIND to log both transfers");
    assert_eq!(transfers(), first + 2, "only the two parts that changed");
}

/// Writes `conf` as named.conf in `conf_dir` and starts BIND in the
/// foreground, its log in `dir`/named.log.
fn spawn_named(dir: &Path, conf_dir: &Path, conf: &str) -> Process {
    let path = conf_dir.join("named.conf");
    std::fs::write(&path, conf).expect("named.conf");
    let mut command = Command::new(program("named"));
    command.args(["-g", "-c"]).arg(&path);
    Process::start("named", command, &dir.join("named.log"))
}

#[test]
fn dig_transfers_need_the_tsig_key_when_one_is_required() {
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("tsig");
    let cautery = start_cautery(
        dir.path(),
        CHINAD_THREE_DAYS,
        &format!(
            "require-key = true\n[[transfer.keys]]\nname = \"xfr-key\"\nsecret = \"{SECRET}\""
        ),
    );
    let key = format!("hmac-sha256:xfr-key:{SECRET}");
    let unsigned = dig(cautery.port, &["cautery.rpz", "AXFR"]);
    assert!(unsigned.contains("Transfer failed"), "{unsigned}");
    let signed = dig(cautery.port, &["-y", &key, "cautery.rpz", "AXFR"]);
    assert!(
        !signed.contains("failed") && !signed.contains("verify"),
        "{signed}"
    );
    assert!(signed.contains("CNAME\t."), "{signed}");
    assert!(signed.contains("XFR size"), "{signed}");
    let wrong = dig(
        cautery.port,
        &[
            "-y",
            "hmac-sha256:xfr-key:d3Jvbmd3cm9uZ3dyb25nd3Jvbmd3cm9uZw==",
            "cautery.rpz",
            "AXFR",
        ],
    );
    assert!(!wrong.contains("XFR size"), "{wrong}");

    let before = cautery.serial(Some(&key));
    assert!(before > 0);
    cautery.set_clock(DAY2);
    wait_until(Duration::from_secs(30), || {
        cautery.serial(Some(&key)) != before
    })
    .expect("a new serial");
    let ixfr = format!("IXFR={before}");
    let unsigned = dig(cautery.port, &["+tcp", "cautery.rpz", &ixfr]);
    assert!(unsigned.contains("Transfer failed"), "{unsigned}");
    let signed = dig(cautery.port, &["+tcp", "-y", &key, "cautery.rpz", &ixfr]);
    assert!(!signed.contains("failed"), "{signed}");
    // An incremental answer names the old serial between the new ones.
    let serials: Vec<&str> = signed
        .lines()
        .filter(|l| l.contains("\tSOA\t"))
        .filter_map(|l| l.split_whitespace().nth(6))
        .collect();
    assert!(serials.len() >= 4, "{signed}");
    assert_eq!(serials[1], before.to_string(), "{signed}");
}

#[test]
fn the_sinkhole_answers_dig_and_logs_every_query() {
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("sinkhole");
    let names = names_of("chinad", DAY1);
    let cautery = start_cautery(
        dir.path(),
        &format!(
            "families = [\"chinad\"]\naction = \"sinkhole\"\nsinkhole-v4 = [\"192.0.2.53\"]\nsinkhole-v6 = [\"2001:db8::53\"]\nsubdomains = true\nallow = [\"{}\"]",
            names[3]
        ),
        "",
    );
    assert!(
        cautery
            .log()
            .contains("kept out of the policy by the allow-list"),
        "{}",
        cautery.log()
    );
    let allowed = dig(cautery.port, &[&names[3], "A", "+norec"]);
    assert!(!allowed.contains("192.0.2.53"), "{allowed}");
    let answer = dig(cautery.port, &[&names[0], "A", "+norec"]);
    assert!(answer.contains("flags: qr aa"), "{answer}");
    assert!(answer.contains("192.0.2.53"), "{answer}");
    let sub = format!("www.{}", names[1]);
    assert!(dig(cautery.port, &[&sub, "AAAA", "+short"]).contains("2001:db8::53"));
    let nodata = dig(cautery.port, &[&names[2], "MX"]);
    assert!(
        nodata.contains("status: NOERROR") && nodata.contains("ANSWER: 0"),
        "{nodata}"
    );
    assert!(dig(cautery.port, &["example.org", "A"]).contains("status: REFUSED"));
    let log = dir.join("state/queries.jsonl");
    wait_until(Duration::from_secs(10), || {
        std::fs::read_to_string(&log)
            .map(|t| t.lines().count() >= 3)
            .unwrap_or(false)
    })
    .expect("three query log lines");
    let text = std::fs::read_to_string(&log).expect("query log");
    let first: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("a line")).expect("json");
    assert_eq!(first["name"], names[0].as_str());
    assert_eq!(first["type"], "A");
    assert_eq!(first["family"], "chinad");
    assert!(first["client"]
        .as_str()
        .expect("client")
        .starts_with("127.0.0.1:"));
    assert!(first["valid_from"]
        .as_str()
        .expect("window")
        .starts_with("2026-11-26"));
}

/// Unbound with one `rpz:` clause per zone of `zones`, from cautery at
/// `primary`.
fn start_unbound(dir: &Path, primary: u16, port: u16, zones: &[String]) -> Process {
    let conf_dir = dir.join("unbound");
    std::fs::create_dir_all(&conf_dir).expect("unbound dir");
    let clauses: String = zones
        .iter()
        .map(|zone| {
            format!(
                "rpz:\n    name: \"{zone}.\"\n    primary: 127.0.0.1@{primary}\n    \
                 allow-notify: 127.0.0.1\n    zonefile: \"{dir}/{zone}.zone\"\n",
                dir = conf_dir.display()
            )
        })
        .collect();
    let conf = format!(
        r#"server:
    interface: 127.0.0.1@{port}
    port: {port}
    do-ip6: no
    use-syslog: no
    logfile: ""
    username: ""
    chroot: ""
    directory: "{dir}"
    pidfile: "{dir}/unbound.pid"
    do-not-query-localhost: no
    module-config: "respip iterator"
    access-control: 127.0.0.0/8 allow
    verbosity: 1
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@{primary}
{clauses}"#,
        dir = conf_dir.display()
    );
    let path = conf_dir.join("unbound.conf");
    std::fs::write(&path, conf).expect("unbound.conf");
    let mut command = Command::new(program("unbound"));
    command.args(["-d", "-c"]).arg(&path);
    Process::start("unbound", command, &dir.join("unbound.log"))
}

#[test]
fn unbound_pulls_the_policy_and_follows_a_rollover_after_notify() {
    unbound_follows_a_rollover("unbound", CHINAD_THREE_DAYS, &["cautery.rpz".to_owned()]);
}

#[test]
fn unbound_follows_a_rollover_of_a_split_zone() {
    let zones: Vec<String> = (0..4).map(|part| format!("d{part}.cautery.rpz")).collect();
    unbound_follows_a_rollover(
        "unbound-split",
        &format!("{CHINAD_THREE_DAYS}\nsplit-days = 4"),
        &zones,
    );
}

/// Unbound takes `zones` of cautery serving `zone`, blocks a name of day
/// 1, and after the clock moves to day 2 and cautery's NOTIFY, blocks a
/// name of day 2 and no longer the old one.
fn unbound_follows_a_rollover(name: &str, zone: &str, zones: &[String]) {
    if !(require("unbound", "unbound") && require("dig", "bind9-dnsutils")) {
        return;
    }
    let dir = TempDir::new(name);
    let unbound_port = free_port();
    let (old, new) = rollover_names_over("chinad", 2);
    let cautery = start_cautery(
        dir.path(),
        zone,
        &format!("notify = [\"127.0.0.1:{unbound_port}\"]"),
    );
    let _unbound = start_unbound(dir.path(), cautery.port, unbound_port, zones);
    wait_until(Duration::from_secs(30), || {
        status(unbound_port, &old) == "NXDOMAIN"
    })
    .expect("Unbound to block a day-1 name");
    assert_ne!(status(unbound_port, &new), "NXDOMAIN");
    let started = Instant::now();
    cautery.set_clock(DAY2);
    wait_until(Duration::from_secs(30), || {
        status(unbound_port, &new) == "NXDOMAIN" && status(unbound_port, &old) != "NXDOMAIN"
    })
    .expect("Unbound to follow the day-2 plan");
    eprintln!(
        "plan change to Unbound answering the new policy: {:?}",
        started.elapsed()
    );
    assert!(cautery.metric("cautery_notifies_total{result=\"answered\"}") >= 1);
}

#[test]
fn stalled_garbage_and_flooding_tcp_clients_do_not_harm_others() {
    use std::io::Read;
    use std::net::TcpStream;
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("abuse");
    let cautery = start_cautery_with(
        dir.path(),
        "tcp-idle-timeout = 1\nmax-transfers = 2\ntcp-max-connections = 64",
        "families = [\"chinad\"]",
        "",
    );
    let address = ("127.0.0.1", cautery.port);
    // Stalled clients: connect and say nothing.
    let mut stalled: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(address).expect("connect"))
        .collect();
    // A garbage client is cut off at once.
    let mut garbage = TcpStream::connect(address).expect("connect");
    garbage.write_all(&[0, 3, 1, 2, 3]).expect("write");
    garbage
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buffer = [0u8; 64];
    assert!(
        closed(garbage.read(&mut buffer)),
        "garbage connection left open"
    );
    // Meanwhile UDP and TCP clients are answered.
    assert!(dig(cautery.port, &["cautery.rpz", "SOA", "+short"]).contains("localhost."));
    assert!(dig(cautery.port, &["+tcp", "cautery.rpz", "SOA", "+short"]).contains("localhost."));
    // An AXFR flood: some are refused, none blocks the others.
    let flood: Vec<_> = (0..12)
        .map(|_| {
            let port = cautery.port;
            std::thread::spawn(move || dig(port, &["cautery.rpz", "AXFR"]))
        })
        .collect();
    assert!(dig(cautery.port, &["cautery.rpz", "SOA", "+short"]).contains("localhost."));
    let results: Vec<String> = flood.into_iter().map(|t| t.join().expect("dig")).collect();
    assert!(results.iter().any(|r| r.contains("XFR size")));
    // Stalled clients are cut off after the idle timeout.
    for stream in &mut stalled {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        assert!(
            closed(stream.read(&mut buffer)),
            "stalled connection left open"
        );
    }
    assert!(cautery.metric("cautery_errors_total{kind=\"tcp_timeout\"}") >= 20);
}

/// Whether a read shows the server closed the connection (EOF or reset), as
/// opposed to a timeout.
fn closed(read: std::io::Result<usize>) -> bool {
    match read {
        Ok(n) => n == 0,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

#[test]
fn sighup_reloads_without_dropping_a_query_and_sigterm_stops() {
    use hickory_proto::op::{Message, Query};
    use hickory_proto::rr::{Name, RecordType};
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("reload");
    let mut cautery = start_cautery(dir.path(), "families = [\"chinad\"]", "");
    let port = cautery.port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let asking = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
            socket
                .set_read_timeout(Some(Duration::from_secs(2)))
                .expect("timeout");
            let (mut sent, mut answered) = (0u32, 0u32);
            let mut buffer = [0u8; 2048];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut message = Message::new();
                message.set_id(sent as u16);
                message.add_query(Query::query(
                    Name::from_ascii("cautery.rpz.").expect("name"),
                    RecordType::SOA,
                ));
                socket
                    .send_to(&message.to_vec().expect("encode"), ("127.0.0.1", port))
                    .expect("send");
                sent += 1;
                if socket.recv(&mut buffer).is_ok() {
                    answered += 1;
                }
            }
            (sent, answered)
        })
    };
    let config = dir.join("cautery.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, format!("{text}action = \"nodata\"\n")).expect("config");
    cautery.process.signal("HUP");
    wait_until(Duration::from_secs(30), || {
        dig(port, &["cautery.rpz", "AXFR"]).contains("CNAME\t*.")
    })
    .expect("the reloaded action");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (sent, answered) = asking.join().expect("asking thread");
    assert!(sent > 10);
    assert_eq!(sent, answered, "queries dropped during the reload");
    cautery.process.signal("TERM");
    let mut exit = None;
    wait_until(Duration::from_secs(10), || {
        exit = cautery.process.exited();
        exit.is_some()
    })
    .expect("no exit after SIGTERM");
    let status = exit.expect("an exit status");
    assert!(status.success(), "{status:?}");
    assert!(cautery.log().contains("shutting down"));
}

#[test]
fn the_journal_survives_a_restart_so_ixfr_stays_incremental() {
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("restart");
    let first = start_cautery(dir.path(), CHINAD_THREE_DAYS, "");
    let day1 = first.serial(None);
    first.set_clock(DAY2);
    wait_until(Duration::from_secs(30), || first.serial(None) != day1).expect("the day-2 serial");
    let day2 = first.serial(None);
    drop(first);
    // Same state directory and clock: same serial, and the journal still
    // answers an IXFR from day 1 with the difference only.
    let second = start_cautery_keeping_state(dir.path(), CHINAD_THREE_DAYS, "");
    assert_eq!(second.serial(None), day2);
    let ixfr = dig(
        second.port,
        &["+tcp", "cautery.rpz", &format!("IXFR={day1}")],
    );
    let serials: Vec<&str> = ixfr
        .lines()
        .filter(|l| l.contains("\tSOA\t"))
        .filter_map(|l| l.split_whitespace().nth(6))
        .collect();
    assert_eq!(serials.len(), 4, "{ixfr}");
    assert_eq!(serials[1], day1.to_string(), "{ixfr}");
}

/// Starts cautery again on the state and clock a previous one left.
fn start_cautery_keeping_state(dir: &Path, zone: &str, transfer: &str) -> Cautery {
    let _ = std::fs::remove_file(dir.join("cautery.log"));
    start_cautery(dir, zone, transfer)
}

/// The serials of the SOA records in dig's output, in order.
fn soa_serials(output: &str) -> Vec<u32> {
    output
        .lines()
        .filter(|l| !l.starts_with(';') && l.contains("\tSOA\t"))
        .filter_map(|l| l.split_whitespace().nth(6))
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// dig's "messages N" from its XFR summary line.
fn xfr_messages(output: &str) -> u32 {
    output
        .split("(messages ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Sends one NOTIFY for cautery.rpz to `port` on 127.0.0.1, signed with
/// `secret` under the name xfr-key when given; returns the response code.
fn send_notify(port: u16, secret: Option<&[u8]>) -> String {
    use cautery_dns::tsig::{sign_request, TsigKey};
    use hickory_proto::op::{Message, OpCode, Query};
    use hickory_proto::rr::{Name, RecordType};
    let zone = Name::from_ascii("cautery.rpz.").expect("name");
    let mut message = Message::new();
    message.set_id(4711);
    message.set_op_code(OpCode::Notify);
    message.set_authoritative(true);
    message.add_query(Query::query(zone, RecordType::SOA));
    let mut bytes = message.to_vec().expect("encode");
    if let Some(secret) = secret {
        let key = TsigKey::new(Name::from_ascii("xfr-key.").expect("name"), secret.to_vec());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        sign_request(&mut bytes, &key, now);
    }
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    socket.send_to(&bytes, ("127.0.0.1", port)).expect("send");
    let mut buffer = [0u8; 1024];
    let length = socket.recv(&mut buffer).expect("a NOTIFY response");
    assert!(length >= 12);
    assert_eq!(buffer[0..2], 4711u16.to_be_bytes());
    match buffer[3] & 0x0F {
        0 => "NOERROR",
        5 => "REFUSED",
        9 => "NOTAUTH",
        _ => "other",
    }
    .to_string()
}

fn start_named_signed(dir: &Path, primary: &str, primary_port: u16, port: u16) -> Process {
    let conf_dir = dir.join("named");
    std::fs::create_dir_all(&conf_dir).expect("named dir");
    // The primary is cautery at `primary`, while its NOTIFY comes from
    // 127.0.0.1: BIND takes NOTIFY from a primary's address unsigned, from
    // anyone else only through allow-notify, here only with the key.
    let conf = format!(
        r#"key "xfr-key" {{ algorithm hmac-sha256; secret "{SECRET}"; }};
options {{
    directory "{dir}";
    pid-file "{dir}/named.pid";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion yes;
    allow-query {{ 127.0.0.1; }};
    forwarders {{ {primary} port {primary_port}; }};
    forward only;
    dnssec-validation no;
    notify no;
    response-policy {{ zone "cautery.rpz" min-update-interval 0; }} qname-wait-recurse no;
}};
controls {{ }};
zone "cautery.rpz" {{
    type secondary;
    primaries {{ {primary} port {primary_port} key "xfr-key"; }};
    allow-notify {{ key "xfr-key"; }};
    file "cautery.rpz.db";
    request-ixfr yes;
}};
"#,
        dir = conf_dir.display()
    );
    spawn_named(dir, &conf_dir, &conf)
}

#[test]
fn bind_follows_a_rollover_through_a_tsig_signed_notify_and_refuses_unsigned_ones() {
    if !(require("named", "bind9") && require("dig", "bind9-dnsutils")) {
        return;
    }
    let dir = TempDir::new("bind-tsig");
    let bind_port = free_port();
    let (old, new) = rollover_names("chinad");
    // cautery on 127.0.0.2 (loopback too); its NOTIFY leaves from 127.0.0.1.
    let cautery = start_cautery_on(
        dir.path(),
        "127.0.0.2",
        &[],
        "",
        "families = [\"chinad\"]",
        &format!(
            "require-key = true\n\
             notify = [{{ address = \"127.0.0.1:{bind_port}\", key = \"xfr-key\" }}]\n\
             [[transfer.keys]]\nname = \"xfr-key\"\nsecret = \"{SECRET}\""
        ),
    );
    let _named = start_named_signed(dir.path(), "127.0.0.2", cautery.port, bind_port);
    let named_log = || std::fs::read_to_string(dir.join("named.log")).unwrap_or_default();
    wait_until(Duration::from_secs(30), || {
        status(bind_port, &old) == "NXDOMAIN"
    })
    .expect("BIND to block a day-1 name");
    assert!(
        named_log().contains("TSIG 'xfr-key'"),
        "the transfer was not signed: {}",
        named_log()
    );
    // BIND refuses a NOTIFY that is unsigned or signed with another secret,
    // so the rollover below can only travel by cautery's signed NOTIFY (the
    // zone's refresh is an hour).
    assert_eq!(send_notify(bind_port, None), "REFUSED");
    assert_eq!(send_notify(bind_port, Some(b"another secret")), "NOTAUTH");
    assert!(
        named_log().contains("refused notify from non-primary"),
        "{}",
        named_log()
    );
    let key = format!("hmac-sha256:xfr-key:{SECRET}");
    let before = dig_at(
        "127.0.0.2",
        cautery.port,
        &["-y", &key, "cautery.rpz", "SOA", "+short"],
    );
    let started = Instant::now();
    cautery.set_clock(DAY2);
    wait_until(Duration::from_secs(30), || {
        status(bind_port, &new) == "NXDOMAIN" && status(bind_port, &old) != "NXDOMAIN"
    })
    .expect("BIND to follow the day-2 plan");
    eprintln!(
        "plan change to BIND answering, by signed NOTIFY: {:?}",
        started.elapsed()
    );
    let after = dig_at(
        "127.0.0.2",
        cautery.port,
        &["-y", &key, "cautery.rpz", "SOA", "+short"],
    );
    assert_ne!(before, after);
    let serial = after.split_whitespace().nth(2).expect("a serial");
    // BIND logs the key of the NOTIFY it took, and the serial it carried.
    let log = named_log();
    assert!(
        log.contains("received notify for zone 'cautery.rpz': TSIG 'xfr-key'")
            && log.contains("notify from 127.0.0.1#")
            && log.contains(&format!(": serial {serial}")),
        "{log}"
    );
    // BIND's answers to the NOTIFY were signed and verified here.
    wait_until(Duration::from_secs(10), || {
        cautery.metric("cautery_notifies_total{result=\"answered\"}") >= 2
    })
    .expect("the NOTIFY count");
    assert!(
        !cautery.log().contains("NOTIFY response rejected"),
        "{}",
        cautery.log()
    );
    assert!(cautery.metric("cautery_transfers_total{type=\"ixfr\"}") >= 1);
}

#[test]
fn dig_ixfr_over_udp_gets_the_difference_when_it_fits_and_the_soa_when_not() {
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    // torpig changes a handful of names a day, chinad a thousand.
    let (small_dir, large_dir) = (
        TempDir::new("udp-ixfr-small"),
        TempDir::new("udp-ixfr-large"),
    );
    let small = start_cautery(
        small_dir.path(),
        // One record per name: the count below is of names.
        "families = [\"torpig\"]\ndays-back = 2\ndays-ahead = 0\nsubdomains = false",
        "",
    );
    let large = start_cautery(large_dir.path(), CHINAD_THREE_DAYS, "");
    let (small_day1, large_day1) = (small.serial(None), large.serial(None));
    small.set_clock(DAY2);
    large.set_clock(DAY2);
    wait_until(Duration::from_secs(30), || {
        small.serial(None) != small_day1 && large.serial(None) != large_day1
    })
    .expect("the day-2 serials");
    let (small_day2, large_day2) = (small.serial(None), large.serial(None));
    // Three days of names each side of the rollover.
    let days = |days: &[&str]| -> std::collections::BTreeSet<String> {
        days.iter()
            .flat_map(|day| names_of("torpig", day))
            .collect()
    };
    let one = days(&["2026-11-24", "2026-11-25", DAY1]);
    let two = days(&["2026-11-25", DAY1, DAY2]);
    let changes = one.symmetric_difference(&two).count();
    assert!(
        changes > 0 && changes <= two.len(),
        "{changes} of {}",
        two.len()
    );

    let ixfr = format!("IXFR={small_day1}");
    let udp = dig(small.port, &["cautery.rpz", &ixfr, "+notcp"]);
    assert!(udp.contains("(UDP)"), "{udp}");
    assert_eq!(
        soa_serials(&udp),
        [small_day2, small_day1, small_day2, small_day2],
        "{udp}"
    );
    assert_eq!(udp.matches("\tCNAME\t").count(), changes, "{udp}");
    // The same difference as over TCP.
    let tcp = dig(small.port, &["+tcp", "cautery.rpz", &ixfr]);
    let records = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| !l.starts_with(';') && !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(records(&udp), records(&tcp));

    // A thousand changed names do not fit: the current SOA alone over UDP,
    // newer than the client's, which is the client's cue to retry over TCP
    // (dig only prints it).
    let ixfr = format!("IXFR={large_day1}");
    let udp = dig(
        large.port,
        &[
            "cautery.rpz",
            &ixfr,
            "+notcp",
            "+noall",
            "+answer",
            "+stats",
        ],
    );
    assert!(udp.contains("(UDP)"), "{udp}");
    assert_eq!(soa_serials(&udp), [large_day2], "{udp}");
    assert!(!udp.contains("\tCNAME\t"), "{udp}");
    let tcp = dig(large.port, &["+tcp", "cautery.rpz", &ixfr]);
    assert_eq!(
        soa_serials(&tcp),
        [large_day2, large_day1, large_day2, large_day2]
    );
    // Up to date, and a serial from the future: the SOA alone.
    for serial in [large_day2, large_day2.wrapping_add(1000)] {
        let ixfr = format!("IXFR={serial}");
        for transport in ["+notcp", "+tcp"] {
            let out = dig(large.port, &[transport, "cautery.rpz", &ixfr]);
            assert_eq!(soa_serials(&out), [large_day2], "{transport} {out}");
        }
    }
}

#[test]
fn dig_verifies_every_message_of_signed_multi_message_transfers() {
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("tsig-messages");
    let cautery = start_cautery(
        dir.path(),
        CHINAD_THREE_DAYS,
        &format!("[[transfer.keys]]\nname = \"xfr-key\"\nsecret = \"{SECRET}\""),
    );
    let key = format!("hmac-sha256:xfr-key:{SECRET}");
    let before = cautery.serial(Some(&key));
    // dig checks the TSIG of every message and stops at the first bad one.
    let axfr = dig(cautery.port, &["-y", &key, "cautery.rpz", "AXFR"]);
    assert!(xfr_messages(&axfr) >= 2, "{axfr}");
    assert!(
        !axfr.contains("failed") && !axfr.to_lowercase().contains("tsig verify"),
        "{axfr}"
    );
    cautery.set_clock(DAY2);
    wait_until(Duration::from_secs(30), || {
        cautery.serial(Some(&key)) != before
    })
    .expect("a new serial");
    let ixfr = dig(
        cautery.port,
        &["+tcp", "-y", &key, "cautery.rpz", &format!("IXFR={before}")],
    );
    assert!(xfr_messages(&ixfr) >= 2, "{ixfr}");
    assert!(
        !ixfr.contains("failed") && !ixfr.to_lowercase().contains("tsig verify"),
        "{ixfr}"
    );
    assert_eq!(soa_serials(&ixfr).len(), 4, "{ixfr}");
    // A wrong secret: dig cannot verify the answer and says so.
    let wrong = dig(
        cautery.port,
        &[
            "-y",
            "hmac-sha256:xfr-key:d3Jvbmd3cm9uZ3dyb25nd3Jvbmd3cm9uZw==",
            "cautery.rpz",
            "AXFR",
        ],
    );
    assert_eq!(xfr_messages(&wrong), 0, "{wrong}");
}

#[test]
fn dig_verifies_the_signed_badtime_answer_of_a_server_an_hour_ahead() {
    use base64::Engine;
    // `faketime -f -1h dig` would be the natural test, but dig hangs under
    // libfaketime (Debian's dig links jemalloc, which reads the clock while
    // libfaketime is still starting), so the server's clock moves instead:
    // either way the two clocks differ by an hour.
    let Some(preload) = require_library("faketime/libfaketime.so.1", "libfaketime") else {
        return;
    };
    let preload = utf8(&preload);
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("badtime");
    let cautery = start_cautery_on(
        dir.path(),
        "127.0.0.1",
        &[("LD_PRELOAD", preload), ("FAKETIME", "+1h")],
        "",
        "families = [\"chinad\"]",
        &format!("[[transfer.keys]]\nname = \"xfr-key\"\nsecret = \"{SECRET}\""),
    );
    let key = format!("hmac-sha256:xfr-key:{SECRET}");
    for query in [
        &["cautery.rpz", "AXFR"][..],
        &["+tcp", "cautery.rpz", "SOA"],
    ] {
        let out = dig(cautery.port, &[&["-y", key.as_str()][..], query].concat());
        // dig checks the MAC first: on an unsigned or altered answer it
        // says "tsig verify failure"; only on a verified one does it go on
        // to the time and find the clocks apart.
        assert!(
            out.contains("Couldn't verify signature: clocks are unsynchronized"),
            "{out}"
        );
        assert!(!out.contains("tsig verify failure"), "{out}");
        let tsig = out
            .lines()
            .find(|l| l.contains("\tTSIG\t"))
            .unwrap_or_else(|| panic!("no TSIG record: {out}"));
        // Name, TTL, class, type, algorithm, time signed, fudge, MAC size,
        // MAC, original ID, error, other length, other data.
        let fields: Vec<&str> = tsig.split_whitespace().collect();
        assert_eq!(fields.len(), 13, "{tsig}");
        assert_eq!(fields[7], "32", "a full MAC: {tsig}");
        assert_eq!(&fields[10..12], ["BADTIME", "6"], "{tsig}");
        // The request's time echoed; the server's time an hour later.
        let time_signed: i64 = fields[5].parse().expect("time signed");
        let server_time = base64::engine::general_purpose::STANDARD
            .decode(fields[12])
            .expect("base64 other data");
        let server_time = server_time
            .iter()
            .fold(0i64, |a, b| (a << 8) | i64::from(*b));
        assert!(
            (3600..=3602).contains(&(server_time - time_signed)),
            "{tsig}"
        );
        assert!(!out.contains("XFR size"), "no zone data: {out}");
        assert!(!out.contains("\tCNAME\t"), "no zone data: {out}");
    }
    assert!(cautery.metric("cautery_queries_total{type=\"AXFR\",outcome=\"notauth\"}") >= 1);
}

/// Starts cautery with a `[[zone]]` body given whole (no inline defaults).
fn start_cautery_zone(dir: &Path, zone: &str) -> Cautery {
    launch_cautery(dir, &[], |port, metrics, state| {
        format!(
            "version = 1\n\
             [server]\nlisten = [\"127.0.0.1:{port}\"]\nstate-dir = \"{state}\"\n\
             [metrics]\nlisten = \"127.0.0.1:{metrics}\"\n\
             [[zone]]\nname = \"cautery.rpz\"\n{zone}\n"
        )
    })
}

/// The trigger names of an AXFR of cautery.rpz, sorted.
fn zone_names(port: u16) -> Vec<String> {
    let mut names: Vec<String> = dig(port, &["cautery.rpz", "AXFR", "+noall", "+answer"])
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        // dig pads with tabs or, after a long owner, spaces.
        .filter(|fields| fields.get(3) == Some(&"CNAME"))
        .filter_map(|fields| fields[0].strip_suffix(".cautery.rpz."))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The instants of the "next change" lines of the log, in order.
fn next_changes(log: &str) -> Vec<chrono::DateTime<chrono::Utc>> {
    log.lines()
        .filter(|l| l.contains("next change"))
        .filter_map(|l| l.split("at=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|at| at.parse().ok())
        .collect()
}

#[test]
fn a_sub_day_window_enters_and_leaves_the_zone_at_its_instant_not_at_midnight() {
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    // Suppobox turns a name every 512 s; with no horizon, the zone holds the
    // names in use at the instant.
    let dir = TempDir::new("subday");
    let cautery = start_cautery_zone(
        dir.path(),
        "families = [\"suppobox\"]\nseeds = \"default\"\ndays-back = 0\ndays-ahead = 0",
    );
    let day1: chrono::DateTime<chrono::Utc> = DAY1.parse().expect("instant");
    let first = cautery.serial(None);
    assert_eq!(i64::from(first), day1.timestamp());
    let before = zone_names(cautery.port);
    assert!(!before.is_empty());
    let change = *next_changes(&cautery.log()).first().expect("a next change");
    assert!(
        change > day1 && change <= day1 + chrono::TimeDelta::seconds(512),
        "{change}"
    );
    assert_eq!(change.timestamp() % 512, 0, "a slot boundary: {change}");

    // A second before the boundary nothing moves...
    let just_before = change - chrono::TimeDelta::seconds(1);
    cautery.set_clock(&just_before.to_rfc3339());
    // That nothing happens can only be seen by waiting: five polls of the
    // clock file.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(cautery.serial(None), first);
    assert_eq!(zone_names(cautery.port), before);
    // ...at the boundary the zone changes, with the boundary as its serial.
    cautery.set_clock(&change.to_rfc3339());
    wait_until(Duration::from_secs(30), || cautery.serial(None) != first)
        .expect("the serial of the boundary");
    assert_eq!(i64::from(cautery.serial(None)), change.timestamp());
    let after = zone_names(cautery.port);
    assert!(
        after.iter().any(|n| !before.contains(n)),
        "a name enters at {change}"
    );
    assert!(
        before.iter().any(|n| !after.contains(n)),
        "a name leaves at {change}"
    );
    // An IXFR from the first serial holds just that difference.
    let ixfr = dig(
        cautery.port,
        &["+tcp", "cautery.rpz", &format!("IXFR={first}")],
    );
    let records = ixfr
        .lines()
        .filter(|l| l.split_whitespace().nth(3) == Some("CNAME"))
        .count();
    assert!(records >= 2 && records < before.len(), "{ixfr}");
    // The log announces the boundary after, still within the day.
    let changes = next_changes(&cautery.log());
    let following = *changes.last().expect("a following change");
    assert!(following > change, "{changes:?}");
    assert!(following.date_naive() == change.date_naive(), "{following}");
}

#[test]
fn a_zone_served_from_a_campaign_file_matches_export_and_follows_sighup() {
    if !require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("campaign");
    let exported = |extra: &str| -> Vec<String> {
        std::fs::write(
            dir.join("campaign.toml"),
            format!(
                "version = 1\nname = \"test\"\nsubdomains = false\n\
                 [[target]]\nfamily = \"chinad\"\n\
                 [horizon]\ndays-back = 0\ndays-ahead = 0\n\
                 [allow]\nfiles = [\"allow.txt\"]\n{extra}"
            ),
        )
        .expect("campaign");
        let output = cautery_command()
            .arg("export")
            .arg(dir.join("campaign.toml"))
            .args(["--format", "domains", "--at", DAY1])
            .output()
            .expect("export");
        assert!(output.status.success(), "{output:?}");
        let mut names: Vec<String> = String::from_utf8(output.stdout)
            .expect("utf-8")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    };
    let day1 = names_of("chinad", DAY1);
    std::fs::write(dir.join("allow.txt"), format!("{}\n", day1[0])).expect("allow");
    let expected = exported("");
    assert!(
        !expected.contains(&day1[0]),
        "the allow-list file gates export"
    );
    assert_eq!(expected.len(), day1.len() - 1);

    // check-config reads the serve file, the campaign and its allow-list.
    let zone = "campaigns = [\"campaign.toml\"]";
    let cautery = start_cautery_zone(dir.path(), zone);
    let check = cautery_command()
        .arg("check-config")
        .arg(dir.join("cautery.toml"))
        .output()
        .expect("check-config");
    let said = stdout(&check);
    assert!(check.status.success(), "{check:?}");
    assert!(said.contains("campaigns 'test'"), "{said}");
    assert_eq!(zone_names(cautery.port), expected);

    // SIGHUP rereads the campaign and its lists: a suffix now keeps out
    // the names under a second name's TLD.
    let gone = day1[1].clone();
    let expected = exported(&format!("names = [\"{gone}\"]\n"));
    assert!(!expected.contains(&gone));
    let serial = cautery.serial(None);
    cautery.process.signal("HUP");
    wait_until(Duration::from_secs(30), || cautery.serial(None) != serial)
        .expect("the reloaded campaign");
    assert_eq!(zone_names(cautery.port), expected);

    // A broken campaign fails check-config and the reload keeps the zone.
    std::fs::write(
        dir.join("campaign.toml"),
        "version = 1\n[[target]]\nfamily = \"chinadd\"\n",
    )
    .expect("campaign");
    let check = cautery_command()
        .arg("check-config")
        .arg(dir.join("cautery.toml"))
        .output()
        .expect("check-config");
    assert_eq!(check.status.code(), Some(2));
    assert!(
        stderr(&check).contains("did you mean 'chinad'"),
        "{check:?}"
    );
    cautery.process.signal("HUP");
    wait_until(Duration::from_secs(30), || {
        cautery.log().contains("reload failed")
    })
    .expect("the failed reload");
    assert_eq!(zone_names(cautery.port), expected);

    // Inline campaign keys beside campaign files are refused.
    std::fs::write(
        dir.join("both.toml"),
        "version = 1\n[[zone]]\ncampaigns = [\"campaign.toml\"]\nfamilies = [\"necurs\"]\n",
    )
    .expect("config");
    let check = cautery_command()
        .arg("check-config")
        .arg(dir.join("both.toml"))
        .output()
        .expect("check-config");
    assert_eq!(check.status.code(), Some(2));
    assert!(
        stderr(&check).contains("families cannot be set with campaigns"),
        "{check:?}"
    );
}

//! Exported policy in real resolvers: BIND 9, Unbound, PowerDNS Recursor and
//! Knot Resolver, each started on a loopback port with the policy and
//! forwarding only to a loopback BIND instance that is authoritative for a
//! test root zone (a wildcard A record under every TLD the names use). Root
//! hints point at 127.0.0.1 too and DNSSEC validation is off, so no query
//! leaves loopback.
//!
//! Each test asserts that a predicted name (and a name under it) gets the
//! campaign's action, while an allow-listed predicted name and a name nobody
//! predicted get the upstream answer.
//!
//! The resolvers come from Debian packages (`.ci/run` installs them). Set
//! `CAUTERY_SKIP_RESOLVER_TESTS=1` to skip these tests on a machine without
//! them; otherwise a missing resolver is a failure, not a silent pass.

use std::collections::BTreeSet;
use std::fs;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What the upstream answers for every name under a TLD of the root zone.
const UPSTREAM_ADDRESS: &str = "198.51.100.7";
/// The sinkhole address used by the sinkhole campaigns.
const SINKHOLE: &str = "192.0.2.66";
/// How long a server may take to answer its first query.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// The day the test campaigns are planned for.
const DAY: &str = "2026-11-26";
/// A family with about a thousand names a day under ordinary TLDs.
const FAMILY: &str = "cryptolocker";

fn skip(binary: &str) -> bool {
    let found = Command::new("sh")
        .args([
            "-c",
            &format!("command -v {binary} || test -x /usr/sbin/{binary}"),
        ])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return false;
    }
    if std::env::var_os("CAUTERY_SKIP_RESOLVER_TESTS").is_some() {
        eprintln!("skipping: {binary} is not installed");
        return true;
    }
    panic!(
        "{binary} is not installed: apt-get install bind9 bind9-utils dnsutils unbound \
         pdns-recursor knot-resolver (as .ci/run does), or set CAUTERY_SKIP_RESOLVER_TESTS=1"
    );
}

fn binary(name: &str) -> String {
    let sbin = format!("/usr/sbin/{name}");
    if Path::new(&sbin).exists() {
        sbin
    } else {
        name.to_owned()
    }
}

/// A port free on 127.0.0.1 for both UDP and TCP at the time of asking.
fn free_port() -> u16 {
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = udp.local_addr().expect("addr").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port");
}

/// A temporary folder removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "cautery-{tag}-{}-{}",
            std::process::id(),
            free_port()
        ));
        fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.file(name);
        fs::write(&path, text).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A server process, killed on drop.
struct Server {
    name: &'static str,
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(name: &'static str, mut command: Command, port: u16, log: PathBuf) -> Server {
        let file = fs::File::create(&log).expect("log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Server {
            name,
            child,
            port,
            log,
        }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls with queries for `probe` until the server gives `expected`
    /// (the upstream's wildcard answer), or fails after READY_TIMEOUT.
    fn wait_ready(&mut self, probe: &str) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited with {status}:\n{}", self.name, self.log());
            }
            let answer = dig(self.port, probe, "A");
            if answer.status == "NOERROR" && !answer.records.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{} did not answer {probe} within {READY_TIMEOUT:?} (last: {answer:?}):\n{}",
                    self.name,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Answer {
    status: String,
    /// `TYPE RDATA` of each answer record.
    records: Vec<String>,
}

impl Answer {
    fn addresses(&self) -> Vec<&str> {
        self.records
            .iter()
            .filter_map(|r| r.strip_prefix("A "))
            .collect()
    }
}

/// One query with `dig`: one try, a short timeout, no recursion flags
/// beyond the default RD.
fn dig(port: u16, name: &str, rtype: &str) -> Answer {
    let output = Command::new("dig")
        .args([
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            "+tries=1",
            "+time=1",
            "+nocookie",
            name,
            rtype,
        ])
        .output()
        .expect("run dig");
    let text = String::from_utf8_lossy(&output.stdout);
    let status = text
        .lines()
        .find_map(|l| l.split("status: ").nth(1))
        .map(|s| s.split(',').next().unwrap_or_default().trim().to_owned())
        .unwrap_or_else(|| "TIMEOUT".to_owned());
    let mut records = Vec::new();
    let mut in_answer = false;
    for line in text.lines() {
        if line.starts_with(";; ANSWER SECTION") {
            in_answer = true;
            continue;
        }
        if in_answer {
            if line.trim().is_empty() || line.starts_with(";;") {
                break;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() >= 5 {
                records.push(format!("{} {}", fields[3], fields[4..].join(" ")));
            }
        }
    }
    Answer { status, records }
}

fn cautery(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cautery"))
        .args(args)
        .output()
        .expect("run cautery")
}

/// The names a test works with: two predicted names (one of which will be
/// allow-listed) and one nobody predicts, plus every TLD in play.
struct Names {
    blocked: String,
    allowed: String,
    unpredicted: String,
    tlds: BTreeSet<String>,
}

fn names() -> Names {
    let output = cautery(&[
        "generate", FAMILY, "--from", DAY, "--to", DAY, "--format", "plain",
    ]);
    assert!(output.status.success());
    let all: Vec<String> = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(all.len() > 10, "{FAMILY} predicts too few names");
    let unpredicted = "cautery-unpredicted-name.com".to_owned();
    assert!(!all.contains(&unpredicted));
    let mut tlds: BTreeSet<String> = all
        .iter()
        .filter_map(|n| n.rsplit('.').next().map(str::to_owned))
        .collect();
    tlds.insert("com".to_owned());
    Names {
        blocked: all[0].clone(),
        allowed: all[1].clone(),
        unpredicted,
        tlds,
    }
}

/// Hints naming a root server on 127.0.0.1, so priming stays on loopback.
const HINTS: &str =
    ". 3600000 NS ns.root-servers.test.\nns.root-servers.test. 3600000 A 127.0.0.1\n";

/// The upstream: BIND authoritative for a test root zone.
fn upstream(dir: &TempDir, names: &Names) -> Server {
    let mut zone = String::from(
        "$TTL 60\n@ SOA ns.root-servers.test. hostmaster.root-servers.test. 1 3600 600 86400 60\n\
         @ NS ns.root-servers.test.\nns.root-servers.test. A 127.0.0.1\n",
    );
    for tld in &names.tlds {
        zone.push_str(&format!("*.{tld}. A {UPSTREAM_ADDRESS}\n"));
    }
    dir.write("root.zone", &zone);
    let port = free_port();
    let d = dir.0.display();
    let conf = dir.write(
        "upstream.conf",
        &format!(
            "options {{ directory \"{d}\"; listen-on port {port} {{ 127.0.0.1; }}; \
             listen-on-v6 {{ none; }}; recursion no; dnssec-validation no; notify no; \
             pid-file \"{d}/upstream.pid\"; session-keyfile \"{d}/upstream.key\"; }};\n\
             controls {{ }};\nzone \".\" {{ type primary; file \"{d}/root.zone\"; }};\n"
        ),
    );
    let mut command = Command::new(binary("named"));
    command.args(["-g", "-c"]).arg(&conf);
    let mut server = Server::start("upstream named", command, port, dir.file("upstream.log"));
    server.wait_ready(&names.unpredicted);
    server
}

/// A campaign file for FAMILY with `action`, allow-listing `allowed`.
fn campaign(dir: &TempDir, action_table: &str, names: &Names) -> PathBuf {
    dir.write(
        "allow.txt",
        &format!("# test allow-list\n{}\n", names.allowed),
    );
    dir.write(
        "campaign.toml",
        &format!(
            "version = 1\nname = \"test\"\nsubdomains = true\nttl = 60\n\
             [[target]]\nfamily = \"{FAMILY}\"\n\
             [horizon]\ndays-back = 0\ndays-ahead = 0\n\
             {action_table}\n\
             [allow]\nfiles = [\"allow.txt\"]\n\
             [zone]\nname = \"rpz.test\"\n"
        ),
    )
}

/// Exports `campaign` as `format` into `dir`; returns the file written.
fn export(dir: &TempDir, campaign: &Path, format: &str, extra: &[&str]) -> PathBuf {
    let out = dir.file("out");
    let mut args = vec![
        "export",
        campaign.to_str().expect("utf-8 path"),
        "--format",
        format,
        "--at",
        DAY,
        "--out",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let output = cautery(&args);
    assert!(
        output.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let extension = match format {
        "rpz" => "rpz",
        "unbound" => "unbound.conf",
        other => panic!("no extension for {other}"),
    };
    out.join(format!("test.{extension}"))
}

const NXDOMAIN: &str = "[action]\nkind = \"nxdomain\"\n";

fn sinkhole() -> String {
    format!("[action]\nkind = \"sinkhole\"\naddresses = [\"{SINKHOLE}\"]\n")
}

/// The collision report names the allow-listed name with its family and list.
fn assert_collision_reported(dir: &TempDir, names: &Names) {
    let report = fs::read_to_string(dir.file("out").join("test.collisions.csv")).expect("report");
    let line = report
        .lines()
        .find(|l| l.starts_with(&format!("{},", names.allowed)))
        .unwrap_or_else(|| {
            panic!(
                "{} missing from the collision report:\n{report}",
                names.allowed
            )
        });
    assert!(
        line.contains(FAMILY) && line.contains("allow.txt"),
        "{line}"
    );
}

/// The assertions every resolver must pass.
fn assert_policy(resolver: &Server, names: &Names, action: &str) {
    let sub = format!("www.{}", names.blocked);
    for name in [&names.blocked, &sub] {
        let answer = dig(resolver.port, name, "A");
        match action {
            "nxdomain" => assert_eq!(
                answer.status, "NXDOMAIN",
                "{}: {name} should not exist: {answer:?}",
                resolver.name
            ),
            "sinkhole" => {
                assert_eq!(
                    answer.status, "NOERROR",
                    "{}: {name}: {answer:?}",
                    resolver.name
                );
                assert_eq!(
                    answer.addresses(),
                    vec![SINKHOLE],
                    "{}: {name} should go to the sinkhole",
                    resolver.name
                );
            }
            other => panic!("no assertion for {other}"),
        }
    }
    for name in [&names.allowed, &names.unpredicted] {
        let answer = dig(resolver.port, name, "A");
        assert_eq!(
            (answer.status.as_str(), answer.addresses()),
            ("NOERROR", vec![UPSTREAM_ADDRESS]),
            "{}: {name} should resolve upstream",
            resolver.name
        );
    }
}

fn start_bind(dir: &TempDir, policy: &Path, upstream_port: u16) -> Server {
    let port = free_port();
    let d = dir.0.display();
    dir.write("hints", HINTS);
    let conf = dir.write(
        "resolver.conf",
        &format!(
            "options {{ directory \"{d}\"; listen-on port {port} {{ 127.0.0.1; }}; \
             listen-on-v6 {{ none; }}; recursion yes; allow-query {{ 127.0.0.1; }}; \
             forward only; forwarders {{ 127.0.0.1 port {upstream_port}; }}; \
             dnssec-validation no; notify no; pid-file \"{d}/resolver.pid\"; \
             session-keyfile \"{d}/resolver.key\"; \
             response-policy {{ zone \"rpz.test\"; }} qname-wait-recurse no; }};\n\
             controls {{ }};\n\
             zone \".\" {{ type hint; file \"{d}/hints\"; }};\n\
             zone \"rpz.test\" {{ type primary; file \"{}\"; allow-query {{ none; }}; }};\n",
            policy.display()
        ),
    );
    let mut command = Command::new(binary("named"));
    command.args(["-g", "-c"]).arg(&conf);
    Server::start("named", command, port, dir.file("resolver.log"))
}

fn start_unbound(
    dir: &TempDir,
    policy: Option<&Path>,
    include: Option<&Path>,
    upstream_port: u16,
) -> Server {
    let port = free_port();
    let d = dir.0.display();
    dir.write("hints", HINTS);
    let mut conf = format!(
        "server:\n  interface: 127.0.0.1@{port}\n  port: {port}\n  do-ip6: no\n  username: \"\"\n  \
         chroot: \"\"\n  directory: \"{d}\"\n  pidfile: \"{d}/unbound.pid\"\n  use-syslog: no\n  \
         logfile: \"\"\n  verbosity: 1\n  do-not-query-localhost: no\n  \
         access-control: 127.0.0.0/8 allow\n  root-hints: \"{d}/hints\"\n  \
         module-config: \"respip iterator\"\n  qname-minimisation: no\n"
    );
    if let Some(include) = include {
        conf.push_str(&format!("  include: \"{}\"\n", include.display()));
    }
    conf.push_str(&format!(
        "remote-control:\n  control-enable: no\nforward-zone:\n  name: \".\"\n  \
         forward-addr: 127.0.0.1@{upstream_port}\n"
    ));
    if let Some(policy) = policy {
        conf.push_str(&format!(
            "rpz:\n  name: rpz.test\n  zonefile: \"{}\"\n",
            policy.display()
        ));
    }
    let conf = dir.write("unbound.conf", &conf);
    let mut command = Command::new(binary("unbound"));
    command.args(["-d", "-c"]).arg(&conf);
    Server::start("unbound", command, port, dir.file("unbound.log"))
}

fn start_pdns(dir: &TempDir, policy: &Path, upstream_port: u16) -> Server {
    let port = free_port();
    let d = dir.0.display();
    dir.write("hints", HINTS);
    dir.write(
        "rpz.lua",
        &format!(
            "rpzFile(\"{}\", {{policyName=\"cautery\"}})\n",
            policy.display()
        ),
    );
    dir.write(
        "recursor.conf",
        &format!(
            "local-address=127.0.0.1\nlocal-port={port}\nforward-zones-recurse=.=127.0.0.1:{upstream_port}\n\
             dnssec=off\nhint-file={d}/hints\nlua-config-file={d}/rpz.lua\nsocket-dir={d}\n\
             security-poll-suffix=\ndaemon=no\ndisable-syslog=yes\nwrite-pid=no\nqname-minimization=no\n"
        ),
    );
    let mut command = Command::new(binary("pdns_recursor"));
    command.arg(format!("--config-dir={d}"));
    Server::start("pdns_recursor", command, port, dir.file("pdns.log"))
}

fn start_knot(dir: &TempDir, policy: &Path, upstream_port: u16) -> Server {
    let port = free_port();
    let d = dir.0.display();
    let conf = dir.write(
        "kresd.conf",
        &format!(
            "net.listen('127.0.0.1', {port}, {{ kind = 'dns' }})\n\
             trust_anchors.remove('.')\n\
             modules.load('hints > iterate')\n\
             hints.root({{['ns.root-servers.test.'] = '127.0.0.1'}})\n\
             cache.open(10 * MB, 'lmdb://{d}/cache')\n\
             policy.add(policy.rpz(policy.DENY, '{}', false))\n\
             policy.add(policy.all(policy.STUB('127.0.0.1@{upstream_port}')))\n",
            policy.display()
        ),
    );
    let rundir = dir.file("kresd");
    fs::create_dir_all(&rundir).expect("rundir");
    let mut command = Command::new(binary("kresd"));
    command.args(["-n", "-c"]).arg(&conf).arg(&rundir);
    Server::start("kresd", command, port, dir.file("kresd.log"))
}

/// Runs one resolver with one action: export, start, wait, assert.
fn check_rpz(tag: &str, action: &str, start: impl Fn(&TempDir, &Path, u16) -> Server) {
    let names = names();
    let dir = TempDir::new(tag);
    let upstream = upstream(&dir, &names);
    let table = if action == "nxdomain" {
        NXDOMAIN.to_owned()
    } else {
        sinkhole()
    };
    let campaign = campaign(&dir, &table, &names);
    let policy = export(&dir, &campaign, "rpz", &[]);
    assert_collision_reported(&dir, &names);
    if tag.starts_with("bind") {
        let check = Command::new(binary("named-checkzone"))
            .args(["-k", "fail", "rpz.test"])
            .arg(&policy)
            .output()
            .expect("run named-checkzone");
        assert!(
            check.status.success(),
            "named-checkzone refused the zone: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
    let mut resolver = start(&dir, &policy, upstream.port);
    resolver.wait_ready(&names.unpredicted);
    assert_policy(&resolver, &names, action);
}

#[test]
fn bind_applies_the_rpz() {
    if skip("named") || skip("dig") {
        return;
    }
    check_rpz("bind-nx", "nxdomain", start_bind);
    check_rpz("bind-sink", "sinkhole", start_bind);
}

#[test]
fn unbound_applies_the_rpz() {
    if skip("unbound") || skip("named") || skip("dig") {
        return;
    }
    let start = |dir: &TempDir, policy: &Path, upstream: u16| {
        start_unbound(dir, Some(policy), None, upstream)
    };
    check_rpz("unbound-nx", "nxdomain", start);
    check_rpz("unbound-sink", "sinkhole", start);
}

#[test]
fn unbound_applies_the_local_zone_list() {
    if skip("unbound") || skip("named") || skip("dig") {
        return;
    }
    for (tag, action) in [
        ("unbound-lz-nx", "nxdomain"),
        ("unbound-lz-sink", "sinkhole"),
    ] {
        let names = names();
        let dir = TempDir::new(tag);
        let upstream = upstream(&dir, &names);
        let table = if action == "nxdomain" {
            NXDOMAIN.to_owned()
        } else {
            sinkhole()
        };
        let campaign = campaign(&dir, &table, &names);
        let list = export(&dir, &campaign, "unbound", &[]);
        let mut resolver = start_unbound(&dir, None, Some(&list), upstream.port);
        resolver.wait_ready(&names.unpredicted);
        assert_policy(&resolver, &names, action);
    }
}

#[test]
fn powerdns_recursor_applies_the_rpz() {
    if skip("pdns_recursor") || skip("named") || skip("dig") {
        return;
    }
    check_rpz("pdns-nx", "nxdomain", start_pdns);
    check_rpz("pdns-sink", "sinkhole", start_pdns);
}

#[test]
fn knot_resolver_applies_the_rpz() {
    if skip("kresd") || skip("named") || skip("dig") {
        return;
    }
    check_rpz("knot-nx", "nxdomain", start_knot);
    check_rpz("knot-sink", "sinkhole", start_knot);
}

#[test]
fn knot_resolver_exports_refuse_cname_actions() {
    // Knot Resolver 5 would ignore the rule and let the names resolve; the
    // export must refuse rather than write that policy.
    let names = names();
    let dir = TempDir::new("knot-cname");
    let campaign = campaign(
        &dir,
        "[action]\nkind = \"cname\"\ntarget = \"sinkhole.example.net\"\n",
        &names,
    );
    let output = cautery(&[
        "export",
        campaign.to_str().expect("path"),
        "--format",
        "rpz",
        "--resolver",
        "knot",
        "--at",
        DAY,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "nothing may be written");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Knot Resolver"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

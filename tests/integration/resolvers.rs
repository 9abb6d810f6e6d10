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
//! The resolvers come from Debian packages (`.ci/run` installs them); a
//! missing one fails its test unless `CAUTERY_SKIP_RESOLVER_TESTS=1` is set
//! (see the harness).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::harness::{
    cautery, free_port, program, query, require, stdout, wait_until, Process, TempDir,
};

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

/// A resolver or the upstream, with the port it answers on.
struct Server {
    process: Process,
    port: u16,
}

impl Server {
    /// Starts `command` with its output in `log`, to answer on `port`.
    fn start(name: &str, command: Command, port: u16, log: PathBuf) -> Server {
        Server {
            process: Process::start(name, command, &log),
            port,
        }
    }

    fn name(&self) -> &str {
        self.process.name()
    }

    /// Polls with queries for `probe` until the server gives `expected`
    /// (the upstream's wildcard answer), or fails after READY_TIMEOUT.
    fn wait_ready(&mut self, probe: &str) {
        let mut last = None;
        let (process, port) = (&mut self.process, self.port);
        let ready = wait_until(READY_TIMEOUT, || {
            if let Some(status) = process.exited() {
                panic!(
                    "{} exited with {status}:\n{}",
                    process.name(),
                    process.log()
                );
            }
            let answer = query(port, probe, "A");
            let ready = answer.status == "NOERROR" && !answer.records.is_empty();
            last = Some(answer);
            ready
        });
        if ready.is_err() {
            panic!(
                "{} did not answer {probe} within {READY_TIMEOUT:?} (last: {last:?}):\n{}",
                self.name(),
                self.process.log()
            );
        }
    }
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
    let all: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
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
    let mut server = Server::start("upstream named", command, port, dir.join("upstream.log"));
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
    let out = dir.join("out");
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
    let report = fs::read_to_string(dir.join("out").join("test.collisions.csv")).expect("report");
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
        let answer = query(resolver.port, name, "A");
        match action {
            "nxdomain" => assert_eq!(
                answer.status,
                "NXDOMAIN",
                "{}: {name} should not exist: {answer:?}",
                resolver.name()
            ),
            "sinkhole" => {
                assert_eq!(
                    answer.status,
                    "NOERROR",
                    "{}: {name}: {answer:?}",
                    resolver.name()
                );
                assert_eq!(
                    answer.addresses(),
                    vec![SINKHOLE],
                    "{}: {name} should go to the sinkhole",
                    resolver.name()
                );
            }
            other => panic!("no assertion for {other}"),
        }
    }
    for name in [&names.allowed, &names.unpredicted] {
        let answer = query(resolver.port, name, "A");
        assert_eq!(
            (answer.status.as_str(), answer.addresses()),
            ("NOERROR", vec![UPSTREAM_ADDRESS]),
            "{}: {name} should resolve upstream",
            resolver.name()
        );
    }
}

fn start_bind(dir: &TempDir, policy: &Path, upstream_port: u16) -> Server {
    let port = free_port();
    let d = dir.path().display();
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
    let mut command = Command::new(program("named"));
    command.args(["-g", "-c"]).arg(&conf);
    Server::start("named", command, port, dir.join("resolver.log"))
}

fn start_unbound(
    dir: &TempDir,
    policy: Option<&Path>,
    include: Option<&Path>,
    upstream_port: u16,
) -> Server {
    let port = free_port();
    let d = dir.path().display();
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
    let mut command = Command::new(program("unbound"));
    command.args(["-d", "-c"]).arg(&conf);
    Server::start("unbound", command, port, dir.join("unbound.log"))
}

fn start_pdns(dir: &TempDir, policy: &Path, upstream_port: u16) -> Server {
    let port = free_port();
    let d = dir.path().display();
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
    let mut command = Command::new(program("pdns_recursor"));
    command.arg(format!("--config-dir={d}"));
    Server::start("pdns_recursor", command, port, dir.join("pdns.log"))
}

fn start_knot(dir: &TempDir, policy: &Path, upstream_port: u16) -> Server {
    let port = free_port();
    let d = dir.path().display();
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
    let rundir = dir.join("kresd");
    fs::create_dir_all(&rundir).expect("rundir");
    let mut command = Command::new(program("kresd"));
    command.args(["-n", "-c"]).arg(&conf).arg(&rundir);
    Server::start("kresd", command, port, dir.join("kresd.log"))
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
        let check = Command::new(program("named-checkzone"))
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
    if !(require("named", "bind9")
        && require("named-checkzone", "bind9-utils")
        && require("dig", "bind9-dnsutils"))
    {
        return;
    }
    check_rpz("bind-nx", "nxdomain", start_bind);
    check_rpz("bind-sink", "sinkhole", start_bind);
}

#[test]
fn unbound_applies_the_rpz() {
    if !(require("unbound", "unbound")
        && require("named", "bind9")
        && require("dig", "bind9-dnsutils"))
    {
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
    if !(require("unbound", "unbound")
        && require("named", "bind9")
        && require("dig", "bind9-dnsutils"))
    {
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
    if !(require("pdns_recursor", "pdns-recursor")
        && require("named", "bind9")
        && require("dig", "bind9-dnsutils"))
    {
        return;
    }
    check_rpz("pdns-nx", "nxdomain", start_pdns);
    check_rpz("pdns-sink", "sinkhole", start_pdns);
}

#[test]
fn knot_resolver_applies_the_rpz() {
    if !(require("kresd", "knot-resolver")
        && require("named", "bind9")
        && require("dig", "bind9-dnsutils"))
    {
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

//! The real binary's blocking commands: check-config, plan and export, their
//! files, serials, collision reports and refusals.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::harness::{cautery, text, utf8, TempDir};

const CAMPAIGN: &str = "version = 1\nname = \"t\"\n[[target]]\nfamily = \"cryptolocker\"\n\
                        [horizon]\ndays-back = 1\ndays-ahead = 1\n[zone]\nname = \"rpz.test\"\n";

fn generated(family: &str, from: &str, to: &str) -> BTreeSet<String> {
    let output = cautery(&["generate", family, "--from", from, "--to", to]);
    assert!(output.status.success());
    text(&output.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn the_example_campaign_is_valid() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/etc/campaign.example.toml");
    let output = cautery(&["check-config", example]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains(": ok: campaign 'example'"));
}

#[test]
fn check_config_names_the_bad_key_in_one_line() {
    let dir = TempDir::new("bad");
    for (content, needle) in [
        (format!("{CAMPAIGN}colour = 1\n"), "colour"),
        (
            CAMPAIGN.replace("cryptolocker", "cryptolockr"),
            "target[0].family",
        ),
        (CAMPAIGN.replace("version = 1", "version = 9"), "version"),
        (
            format!("{CAMPAIGN}[action]\nkind = \"sinkhole\"\n"),
            "action",
        ),
        (
            "version = 1\n[allow]\nfiles = [\"missing.txt\"]\n[[target]]\nfamily = \"necurs\"\n"
                .to_owned(),
            "missing.txt",
        ),
    ] {
        let file = dir.write("c.toml", &content);
        let file = utf8(&file);
        let output = cautery(&["check-config", file]);
        assert_eq!(output.status.code(), Some(2), "{content}");
        let stderr = text(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
}

/// A campaign path to a file without end (/dev/zero reports a size of 0)
/// was read whole, filling memory; now reading stops past the limit.
#[test]
fn an_endless_campaign_file_is_refused_instead_of_filling_memory() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let output = cautery(&["check-config", "/dev/zero"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("campaign file /dev/zero is larger than 64 MiB"),
        "{stderr}"
    );
}

#[test]
fn plan_lists_each_name_once_with_its_origins() {
    let dir = TempDir::new("plan");
    let file = dir.write("c.toml", CAMPAIGN);
    let file = utf8(&file);
    let output = cautery(&[
        "plan",
        file,
        "--at",
        "2026-11-26T12:00:00Z",
        "--format",
        "jsonl",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let mut names = BTreeSet::new();
    for line in text(&output.stdout).lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("json");
        let name = value["domain"].as_str().expect("domain").to_owned();
        assert!(names.insert(name.clone()), "{name} twice");
        let origins = value["origins"].as_array().expect("origins");
        assert!(!origins.is_empty());
        for origin in origins {
            assert_eq!(origin["family"], "cryptolocker");
            assert!(origin["valid_from"].is_string());
        }
    }
    // Daily names; a horizon of one day either side of noon touches three days.
    assert_eq!(names, generated("cryptolocker", "2026-11-25", "2026-11-27"));
}

/// `plan` printed names that `export` kept out by the allow-list, and
/// exited 0 with a missing allow-list file where `export` exited 2: it is
/// now a dry run of `export` for the same campaign and instant.
#[test]
fn plan_is_a_dry_run_of_export_with_the_same_allow_list_gate() {
    let dir = TempDir::new("dry-run");
    let at = "2026-11-26T12:00:00Z";
    let all = generated("cryptolocker", "2026-11-25", "2026-11-27");
    let allowed: Vec<&String> = all.iter().take(2).collect();
    dir.write("allow.txt", &format!("{}\n{}\n", allowed[0], allowed[1]));
    let with_allow = format!("{CAMPAIGN}[allow]\nfiles = [\"allow.txt\"]\n");
    let file = dir.write("c.toml", &with_allow);
    let file = utf8(&file);
    let planned = cautery(&["plan", file, "--at", at]);
    assert!(planned.status.success(), "{}", text(&planned.stderr));
    let planned: BTreeSet<String> = text(&planned.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_owned())
        .collect();
    let exported = cautery(&["export", file, "--at", at, "--format", "domains"]);
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let exported: BTreeSet<String> = text(&exported.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert_eq!(planned, exported, "plan and export give the same names");
    assert_eq!(planned.len(), all.len() - 2);
    assert!(!planned.contains(allowed[0]) && !planned.contains(allowed[1]));

    let missing = dir.write(
        "missing.toml",
        &format!("{CAMPAIGN}[allow]\nfiles = [\"nowhere.txt\"]\n"),
    );
    for command in ["plan", "export"] {
        let mut args = vec![command, utf8(&missing), "--at", at];
        if command == "export" {
            args.extend(["--format", "domains"]);
        }
        let output = cautery(&args);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(text(&output.stderr).contains("nowhere.txt"), "{command}");
    }
}

#[test]
fn rpz_serials_change_only_with_the_content() {
    let dir = TempDir::new("serial");
    let file = dir.write("c.toml", CAMPAIGN);
    let file = utf8(&file);
    let out = dir.join("out");
    let out = utf8(&out);
    let serial = |at: &str| {
        let output = cautery(&["export", file, "--format", "rpz", "--at", at, "--out", out]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let zone = fs::read_to_string(Path::new(out).join("t.rpz")).expect("zone");
        let soa = zone
            .lines()
            .find(|l| l.starts_with("@ IN SOA"))
            .expect("soa")
            .to_owned();
        soa.split_whitespace()
            .nth(5)
            .expect("serial")
            .parse::<u32>()
            .expect("number")
    };
    let first = serial("2026-11-26T00:00:00Z");
    assert_eq!(
        serial("2026-11-26T06:00:00Z"),
        first,
        "same names, same serial"
    );
    let next = serial("2026-11-27T00:00:00Z");
    assert!(next > first, "{next} after {first}");
}

#[test]
fn legitimate_domains_are_kept_out_and_reported() {
    let dir = TempDir::new("legit");
    let victim = generated("cryptolocker", "2026-11-26", "2026-11-26")
        .into_iter()
        .next()
        .expect("a name");
    let list = dir.write("top.csv", &format!("1,google.com\n2,{victim}\n"));
    let list = utf8(&list);
    let file = dir.write(
        "c.toml",
        &format!("{CAMPAIGN}[allow]\nlegitimate = [\"top.csv\"]\n"),
    );
    let file = utf8(&file);
    let out = dir.join("out");
    let out = utf8(&out);
    let output = cautery(&[
        "export",
        file,
        "--format",
        "domains",
        "--at",
        "2026-11-26",
        "--out",
        out,
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("kept out"),
        "{}",
        text(&output.stderr)
    );
    let domains = fs::read_to_string(Path::new(out).join("t.domains.txt")).expect("list");
    assert!(!domains.lines().any(|l| l == victim));
    let report = fs::read_to_string(Path::new(out).join("t.collisions.csv")).expect("report");
    let line = report
        .lines()
        .find(|l| l.starts_with(&format!("{victim},")))
        .expect("collision listed");
    assert!(
        line.contains("cryptolocker") && line.contains(list),
        "{line}"
    );
}

#[test]
fn one_off_exports_write_to_stdout() {
    let dir = TempDir::new("oneoff");
    let names = generated("cryptolocker", "2026-11-26", "2026-11-26");
    let allowed = names.iter().next().expect("a name").clone();
    let allow = dir.write("allow.txt", &format!("{allowed}\n"));
    let allow = utf8(&allow);
    let output = cautery(&[
        "export",
        "--family",
        "cryptolocker",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--action",
        "nxdomain",
        "--allow-list",
        allow,
        "--zone",
        "dga.rpz.test",
        "--format",
        "rpz",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let zone = text(&output.stdout);
    assert!(zone.contains("$ORIGIN dga.rpz.test."));
    let owners: BTreeSet<String> = zone
        .lines()
        .filter(|l| l.contains(" CNAME . ;"))
        .map(|l| l.split_whitespace().next().expect("owner").to_owned())
        .collect();
    let mut expected = names.clone();
    expected.remove(&allowed);
    assert_eq!(owners, expected);
    for name in &expected {
        assert!(zone.contains(&format!("\n*.{name} CNAME .\n")), "{name}");
    }
    assert!(
        text(&output.stderr).contains(&allowed),
        "collision on stderr"
    );
}

#[test]
fn formats_refuse_what_they_cannot_express() {
    let dir = TempDir::new("refuse");
    let file = dir.write("c.toml", CAMPAIGN);
    let file = utf8(&file);
    for (format, needle) in [("hosts", "hosts"), ("registry", "--out")] {
        let output = cautery(&["export", file, "--format", format, "--at", "2026-11-26"]);
        assert_eq!(output.status.code(), Some(2), "{format}");
        assert!(output.stdout.is_empty());
        let stderr = text(&output.stderr);
        assert!(stderr.contains(needle), "{stderr}");
    }
    let output = cautery(&[
        "export",
        "--family",
        "cryptolocker",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--exact",
        "--format",
        "dnsmasq",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("dnsmasq"));
}

#[test]
fn registry_lists_cover_every_name_once() {
    let dir = TempDir::new("registry");
    let file = dir.write("c.toml", CAMPAIGN);
    let file = utf8(&file);
    let out = dir.join("out");
    let out = utf8(&out);
    let output = cautery(&[
        "export",
        file,
        "--format",
        "registry",
        "--at",
        "2026-11-26T12:00:00Z",
        "--out",
        out,
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let folder = Path::new(out).join("t.registry");
    let summary = fs::read_to_string(folder.join("summary.csv")).expect("summary");
    let mut seen = BTreeSet::new();
    for line in summary.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let list = fs::read_to_string(folder.join(fields[4])).expect("tld file");
        let rows: Vec<&str> = list.lines().skip(1).collect();
        assert_eq!(rows.len().to_string(), fields[1]);
        let mut previous = String::new();
        for row in rows {
            let mut cells = row.split(',');
            let name = cells.next().expect("name");
            let from = cells.next().expect("from").to_owned();
            assert!(name.ends_with(&format!(".{}", fields[0])));
            assert!(from >= previous, "sorted by date");
            previous = from;
            assert!(seen.insert(name.to_owned()));
        }
    }
    assert_eq!(seen, generated("cryptolocker", "2026-11-25", "2026-11-27"));
}

#[test]
fn one_off_errors_name_the_option() {
    let output = cautery(&[
        "export",
        "--family",
        "necrus",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--format",
        "domains",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("cautery: --family: unknown family 'necrus'"),
        "{stderr}"
    );
    assert!(stderr.contains("'necurs'"), "{stderr}");
    let output = cautery(&[
        "export",
        "--family",
        "necurs",
        "--from",
        "2026-11-26",
        "--to",
        "2026-11-26",
        "--action",
        "sinkhole:300.1.1.1",
        "--format",
        "rpz",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("300.1.1.1"));
}

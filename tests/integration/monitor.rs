//! `cautery monitor check`: predicted names joined with registry zone files
//! (plain and gzip, as CZDS hands them out), and the errors of bad files.

use std::collections::BTreeMap;
use std::process::Command;

use crate::harness::{cautery, require, stderr, stdout, utf8, TempDir};

const AT: &str = "2026-11-26T00:00:00Z";

fn campaign(dir: &TempDir) -> String {
    let path = dir.write(
        "campaign.toml",
        "version = 1\nname = \"watch\"\n[[target]]\nfamily = \"necurs\"\nseeds = \"default\"\n\
         [horizon]\ndays-back = 1\ndays-ahead = 1\n[zone]\nname = \"rpz.test\"\n",
    );
    utf8(&path).to_owned()
}

/// The campaign's predicted names at `at`, from `cautery plan`.
fn predicted(campaign: &str, at: &str) -> Vec<String> {
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

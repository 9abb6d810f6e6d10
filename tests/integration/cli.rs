//! The real `cautery` binary: output formats, exit codes and error messages.

use std::collections::HashSet;
use std::io::Read;
use std::process::Stdio;

use crate::harness::{cautery, cautery_command, cautery_with_stdin, stderr, stdout};

fn families_json() -> Vec<serde_json::Value> {
    let output = cautery(&["families", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("families --format json is JSON")
}

/// A deterministic, time-dependent family, for tests that need dates to matter.
fn dated_family() -> String {
    families_json()
        .into_iter()
        .find(|f| f["time_dependent"] == true && f["deterministic"] == true)
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .unwrap_or_else(|| "banjori".to_owned())
}

#[test]
fn families_json_has_the_documented_fields() {
    let families = families_json();
    assert!(!families.is_empty());
    for family in &families {
        for key in [
            "name", "aliases", "seeds", "window", "tlds", "scheme", "seeding",
        ] {
            assert!(family.get(key).is_some(), "{family} lacks {key}");
        }
        let seeds = family["seeds"].as_array().expect("seeds is an array");
        assert!(!seeds.is_empty(), "{} has no seed", family["name"]);
        for seed in seeds {
            assert!(
                seed["name"].is_string() && seed["value"].is_string(),
                "{seed}"
            );
        }
        assert!(["arithmetic", "hash", "wordlist", "permutation"]
            .contains(&family["scheme"].as_str().expect("scheme")));
    }
    let table = stdout(&cautery(&["families"]));
    assert_eq!(
        table.lines().count(),
        families.len() + 1,
        "one table row per family plus a header"
    );
}

#[test]
fn the_three_formats_carry_the_same_names() {
    let family = dated_family();
    let args = |format: &'static str| -> Vec<String> {
        [
            "generate",
            &family,
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-03",
            "--format",
            format,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |format| {
        let a = args(format);
        let output = cautery(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    let plain: Vec<String> = run("plain").lines().map(str::to_owned).collect();
    let csv = run("csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("domain,family,seed,valid_from,valid_to"));
    let csv_names: Vec<String> = lines
        .map(|l| l.split(',').next().expect("field").to_owned())
        .collect();
    let jsonl: Vec<serde_json::Value> = run("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert!(!plain.is_empty());
    assert_eq!(plain, csv_names);
    let json_names: Vec<String> = jsonl
        .iter()
        .map(|v| v["domain"].as_str().expect("domain").to_owned())
        .collect();
    assert_eq!(plain, json_names);
    for record in &jsonl {
        assert_eq!(record["family"], family.as_str());
        assert!(record["seed"].is_string());
        let from = record["valid_from"]
            .as_str()
            .expect("a dated family has windows");
        let to = record["valid_to"]
            .as_str()
            .expect("a dated family has windows");
        assert!(from < to, "{from} < {to}");
        assert!(
            from <= "2026-03-03T23:59:59Z" && to > "2026-03-01T00:00:00Z",
            "window {from}..{to} misses the range"
        );
    }
}

#[test]
fn a_name_appears_once_per_window_over_a_range() {
    let output = cautery(&[
        "generate",
        "all",
        "--all-seeds",
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-14",
        "--format",
        "csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let mut seen = HashSet::new();
    for line in text.lines().skip(1) {
        assert!(seen.insert(line), "repeated: {line}");
    }
    assert!(seen.len() > 1000);
}

#[test]
fn unknown_family_suggests_the_closest_name() {
    let output = cautery(&["generate", "banjroi"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("unknown family 'banjroi'; did you mean 'banjori'"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "one line: {message}");
}

#[test]
fn bad_dates_and_ranges_exit_2_with_a_reason() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["generate", "banjori", "--date", "2026-13-01"],
            "bad date '2026-13-01' for --date: expected YYYY-MM-DD",
        ),
        (
            &[
                "generate",
                "banjori",
                "--from",
                "2026-02-01",
                "--to",
                "2026-01-01",
            ],
            "the range is reversed",
        ),
        (
            &[
                "generate",
                "banjori",
                "--from",
                "2000-01-01",
                "--to",
                "2026-01-01",
            ],
            "at most 3660 are allowed",
        ),
        (
            &["generate", "banjori", "--date", "1800-01-01"],
            "out of range",
        ),
        (
            &["lookup", "x.com", "--from", "yesterday-ish"],
            "bad date 'yesterday-ish' for --from",
        ),
    ];
    for (args, expected) in cases {
        let output = cautery(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{message}");
    }
}

#[test]
fn a_seed_of_the_wrong_form_is_refused() {
    let output = cautery(&["generate", "banjori", "--seed", "1.x"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("seed '1.x' does not fit banjori: expected"),
        "{message}"
    );
}

#[test]
fn lookup_exit_codes_follow_grep() {
    let names = stdout(&cautery(&["generate", "banjori"]));
    let name = names.lines().nth(5).expect("a name");
    let data = tempfile::tempdir().expect("data dir");
    let data = data.path().to_str().expect("utf-8 path");
    let found = cautery(&[
        "lookup",
        "--data-dir",
        data,
        &format!("{}.", name.to_uppercase()),
    ]);
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let line = stdout(&found);
    assert!(line.starts_with(&format!("{name}\tbanjori\t")), "{line}");
    let missing = cautery(&[
        "lookup",
        "--data-dir",
        data,
        name,
        "surely-not-generated.example",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("surely-not-generated.example"));
}

#[test]
fn lookup_reads_stdin_and_finds_every_origin() {
    let day = "2026-07-04";
    let output = cautery(&[
        "generate",
        "all",
        "--all-seeds",
        "--date",
        day,
        "--format",
        "csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .step_by(97)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(!rows.is_empty());
    let input: String = rows.iter().map(|r| format!("{}\n", r[0])).collect();
    let data = tempfile::tempdir().expect("data dir");
    let data = data.path().to_str().expect("utf-8 path");
    let output = cautery_with_stdin(
        &[
            "lookup",
            "--data-dir",
            data,
            "--from",
            day,
            "--to",
            day,
            "--format",
            "jsonl",
        ],
        &input,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let answers: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(answers.len(), rows.len());
    for (row, answer) in rows.iter().zip(&answers) {
        assert_eq!(answer["name"], row[0]);
        let origins = answer["origins"].as_array().expect("origins");
        let matches = origins.iter().any(|o| {
            o["family"] == row[1]
                && o["seed"] == row[2]
                && o["valid_from"].as_str().unwrap_or("") == row[3]
                && o["valid_to"].as_str().unwrap_or("") == row[4]
        });
        assert!(matches, "{row:?} not among {origins:?}");
    }
}

#[test]
fn a_closed_pipe_exits_0() {
    let mut child = cautery_command()
        .args([
            "generate",
            "all",
            "--all-seeds",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn handles_prints_miniduke_accounts_and_generate_points_there() {
    // ESET's own example date; `vayhXxj0k` and `AA2ADQAN` are in its lists.
    let output = cautery(&["handles", "miniduke", "--date", "2014-05-26"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.lines()
            .any(|l| l == "vayhXxj0k\tmain\t2014-05-21\t2014-05-27"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == "AA2ADQAN\ttwitterjs\t2014-05-01\t2014-05-31"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 5, "{text}");

    let refused = cautery(&["generate", "miniduke"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("cautery handles miniduke"));
    let unknown = cautery(&["handles", "zeus"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn decode_sunburst_reads_names_from_stdin_and_names_the_victims() {
    // Bambenek Consulting's passive-DNS list (test-data/sunburst/README.md):
    // one name there is no beacon, so the rest are decoded and the exit is 2.
    let names = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test-data/sunburst/bambenek-uniq-hostnames.txt"
    ))
    .expect("fixture");
    let output = cautery_with_stdin(&["decode", "sunburst", "--format", "jsonl"], &names);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("5btjo4rcbp3tiq8bo6t") && stderr(&output).contains("1 of 1722"),
        "{}",
        stderr(&output)
    );
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    let count = |kind: &str| lines.iter().filter(|l| l["kind"] == kind).count();
    assert_eq!(count("fragment") + count("status"), 1721);
    let victim = |domain: &str| {
        lines
            .iter()
            .find(|l| l["kind"] == "victim" && l["domain"] == domain)
            .unwrap_or_else(|| panic!("no victim {domain}"))
    };
    // Netresec's base32 example, in two fragments.
    let sunkist = victim("Sunkistgrowers.com");
    assert_eq!(sunkist["encoding"], "base32");
    assert_eq!(sunkist["complete"], true);
    // QiAnXin's GUID for bi.corp.
    assert_eq!(victim("bi.corp")["guid"], "008D8D69C07CBE21");
    // Stage-2 victims of FireEye's list (several machines share a domain).
    assert!(lines.iter().any(|l| l["kind"] == "victim"
        && l["domain"] == "central.pima.gov"
        && l["stage2"] == true));
    assert!(lines
        .iter()
        .any(|l| l["kind"] == "victim" && l["domain"] == "coxnet.cox.com" && l["stage2"] == true));
}

#[test]
fn decode_sunburst_plain_output_and_errors() {
    // FireEye's CNAME query that Netresec dated 2020-06-13 09:00 (stage 2),
    // and RedDrip7's example of the first fragment of qingmei-inc.com.
    let output = cautery(&[
        "decode",
        "sunburst",
        "6a57jk2ba1d9keg15cbg.appsync-api.eu-west-1.avsvmcloud.com",
        "1fik67gkncg86q6daovthro0love0oe2",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.lines()
            .any(|l| l.starts_with("status\t6a57jk2ba1d9keg15cbg.")
                && l.ends_with("\t1\t2020-06-13T09:00:00Z\tstage2")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l
            == "fragment\t1fik67gkncg86q6daovthro0love0oe2\tBD41966E451E4A0A\t0\tsubstitution\tqingmei-inc.co"),
        "{text}"
    );
    for bad in [
        "6a57jk2ba1d9keg15cbg.example.com",
        "6a57jk2ba1d9keg15cbg.appsync-api.mars-1.avsvmcloud.com",
        "wwwwwwwwwwwwwwwwwwww",
        "ph2eifo3n5utg1j8d94qrvbmk0sal76cph",
        "short",
    ] {
        let refused = cautery(&["decode", "sunburst", bad]);
        assert_eq!(refused.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&refused).contains("skipped"),
            "{bad}: {}",
            stderr(&refused)
        );
        assert!(stdout(&refused).is_empty(), "{bad}");
    }
    let generate = cautery(&["generate", "sunburst"]);
    assert_eq!(generate.status.code(), Some(2));
    assert!(stderr(&generate).contains("cautery decode sunburst"));
    let looked_up = cautery(&[
        "lookup",
        "6a57jk2ba1d9keg15cbg.appsync-api.eu-west-1.avsvmcloud.com",
    ]);
    assert_eq!(looked_up.status.code(), Some(1));
    assert!(stderr(&looked_up).contains("cautery decode sunburst"));
    let other = cautery(&["decode", "necurs", "x"]);
    assert_eq!(other.status.code(), Some(2));
    let too_long = cautery_with_stdin(&["decode", "sunburst"], &"p".repeat(10_000));
    assert_eq!(too_long.status.code(), Some(2));
    assert!(stderr(&too_long).contains("longer than"));
}

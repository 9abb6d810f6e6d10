//! `cautery discover` and the user seed store (`seed add`, `seed remove`,
//! `seeds.toml`) through the real binary.

use std::process::Output;

use crate::harness::{cautery, cautery_command, cautery_with_stdin, stderr, stdout, TempDir};

/// Runs cautery with `CAUTERY_DATA` set to `data`.
fn with_data(data: &TempDir, args: &[&str]) -> Output {
    cautery_command()
        .env("CAUTERY_DATA", data.path())
        .args(args)
        .output()
        .expect("run cautery")
}

fn names(args: &[&str]) -> Vec<String> {
    let output = cautery(args);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output).lines().map(str::to_owned).collect()
}

/// The JSON lines of a successful run.
fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    assert!(output.status.success(), "{}", stderr(output));
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn a_necurs_magic_no_one_published_is_found_from_twenty_of_its_names() {
    let all = names(&["generate", "necurs", "--seed", "77", "--date", "2017-07-02"]);
    let sample: Vec<String> = all.iter().step_by(100).take(20).cloned().collect();
    assert_eq!(sample.len(), 20);
    let output = cautery_with_stdin(
        &[
            "discover",
            "necurs",
            "--from",
            "2017-07-01",
            "--to",
            "2017-07-03",
            "--format",
            "jsonl",
        ],
        &(sample.join("\n") + "\nwww.example.invalid\n"),
    );
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "{}", stdout(&output));
    let found = &lines[0];
    assert_eq!(found["family"], "necurs");
    assert_eq!(found["seed"], "77");
    // www.example.invalid has a TLD necurs never uses: set aside.
    assert_eq!(found["explained"], 20);
    assert_eq!(found["names"], 20);
    let windows = found["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0]["from"], "2017-07-01T00:00:00Z");
    assert_eq!(windows[0]["to"], "2017-07-04T00:00:00Z");
    assert_eq!(windows[0]["names"].as_array().map(Vec::len), Some(20));
}

#[test]
fn auto_finds_the_family_and_sets_other_names_aside() {
    let qadars = names(&[
        "generate",
        "qadars",
        "--seed",
        "4D2",
        "--date",
        "2026-03-05",
    ]);
    let input = format!(
        "{}\n{}\nwww.example.org\nnot a name at all\n",
        qadars[3], qadars[150]
    );
    let output = cautery_with_stdin(
        &[
            "discover",
            "auto",
            "--from",
            "2026-03-05",
            "--to",
            "2026-03-05",
            "--budget",
            "5",
        ],
        &input,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    // The TLDs of the seed found are those observed (the default list here).
    assert!(out.contains("qadars\t04D2:net,org,top\t2/"), "{out}");
    // Families too big for the budget say so rather than run for hours.
    assert!(
        stderr(&output).contains("skipping locky"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_kraken_v2_seed_no_one_published_is_found_by_inversion() {
    let seed = "3141592:com,net,tv,cc";
    let all = names(&[
        "generate",
        "kraken-v2",
        "--seed",
        seed,
        "--date",
        "2026-06-11",
    ]);
    // Names of the first and last numbers (seeds 108 apart share the ones
    // in between) and a sample, with a benign name and a necurs name.
    let mut sample: Vec<String> = all.iter().step_by(97).cloned().collect();
    sample.extend(all[all.len() - 2..].iter().cloned());
    let necurs = names(&["generate", "necurs", "--date", "2017-07-02"]);
    let input = format!("{}\nwww.debian.org\n{}\n", sample.join("\n"), necurs[0]);
    let output = cautery_with_stdin(
        &[
            "discover",
            "kraken-v2",
            "--from",
            "2026-06-11",
            "--to",
            "2026-06-11",
            "--format",
            "jsonl",
        ],
        &input,
    );
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "{}", stdout(&output));
    assert_eq!(lines[0]["family"], "kraken-v2");
    assert_eq!(lines[0]["seed"], seed);
    assert_eq!(lines[0]["explained"], sample.len());
    // The names that never change, then the week's.
    let windows = lines[0]["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 2, "{windows:?}");
    assert!(windows[0]["from"].is_null());
    assert_eq!(windows[1]["from"], "2026-06-08T21:46:40Z");
    assert_eq!(windows[1]["to"], "2026-06-15T21:46:40Z");
}

#[test]
fn discover_exits_1_when_no_seed_makes_the_names_and_2_on_bad_input() {
    let output = cautery(&[
        "discover",
        "qadars",
        "qqqqqqqqqqqqqqqq.net",
        "--from",
        "2026-03-05",
        "--to",
        "2026-03-05",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let output = cautery(&["discover", "zloader", "abc.com"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot be searched"),
        "{}",
        stderr(&output)
    );
    let output = cautery(&["discover", "qadars", "abc.invalid"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("TLD"), "{}", stderr(&output));
}

#[test]
fn families_says_which_seed_spaces_are_searchable() {
    let output = cautery(&["families", "--format", "json"]);
    assert!(output.status.success());
    let families: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    let necurs = families
        .iter()
        .find(|f| f["name"] == "necurs")
        .expect("necurs");
    assert_eq!(necurs["searchable"], true);
    assert_eq!(necurs["seed_space"], 65536);
    assert!(necurs["full_search_seconds"]
        .as_f64()
        .is_some_and(|s| s > 0.0));
    let kraken = families
        .iter()
        .find(|f| f["name"] == "kraken-v2")
        .expect("kraken-v2");
    assert_eq!(kraken["searchable"], true);
    assert_eq!(kraken["seed_space"], 1 << 24);
    assert!(kraken["full_search_seconds"]
        .as_f64()
        .is_some_and(|s| s > 0.0 && s < 60.0));
    let zloader = families
        .iter()
        .find(|f| f["name"] == "zloader")
        .expect("zloader");
    assert_eq!(zloader["searchable"], false);
    assert!(zloader["seed_space"].is_null());
    let table = stdout(&cautery(&["families"]));
    assert!(table.lines().next().is_some_and(|h| h.contains("SEARCH")));
}

#[test]
fn a_kept_seed_is_used_by_every_command_until_removed() {
    let data = TempDir::new("seeds");
    let output = with_data(
        &data,
        &["seed", "add", "necurs", "77", "--note", "from a test"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(data.join("seeds.toml").is_file());

    let families = with_data(&data, &["families", "--format", "json"]);
    let families: Vec<serde_json::Value> = serde_json::from_slice(&families.stdout).expect("JSON");
    let necurs = families
        .iter()
        .find(|f| f["name"] == "necurs")
        .expect("necurs");
    let seeds = necurs["seeds"].as_array().expect("seeds");
    assert!(
        seeds.iter().any(|s| s["name"] == "user:77"
            && s["note"]
                .as_str()
                .is_some_and(|n| n.contains("from a test"))),
        "{seeds:?}"
    );

    let own = names(&["generate", "necurs", "--seed", "77", "--date", "2017-07-02"]);
    let generated = with_data(
        &data,
        &[
            "generate",
            "necurs",
            "--all-seeds",
            "--date",
            "2017-07-02",
            "--format",
            "csv",
        ],
    );
    assert!(generated.status.success(), "{}", stderr(&generated));
    let text = stdout(&generated);
    assert!(
        text.contains(&format!("{},necurs,user:77,", own[0])),
        "{}",
        &text[..200]
    );

    let lookup = with_data(
        &data,
        &[
            "lookup",
            &own[5],
            "--from",
            "2017-07-01",
            "--to",
            "2017-07-03",
        ],
    );
    assert!(lookup.status.success(), "{}", stderr(&lookup));
    assert!(
        stdout(&lookup).contains("\tnecurs\tuser:77\t"),
        "{}",
        stdout(&lookup)
    );

    let removed = with_data(&data, &["seed", "remove", "necurs", "user:77"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let again = with_data(&data, &["seed", "remove", "necurs", "77"]);
    assert_eq!(again.status.code(), Some(1));
    let generated = with_data(
        &data,
        &[
            "generate",
            "necurs",
            "--all-seeds",
            "--date",
            "2017-07-02",
            "--format",
            "csv",
        ],
    );
    assert!(!stdout(&generated).contains("user:77"));
}

#[test]
fn a_malformed_seed_store_is_an_error_naming_the_line() {
    let data = TempDir::new("bad-seeds");
    data.write(
        "seeds.toml",
        "version = 1\n\n[[seed]]\nfamily = \"necurs\"\nvalue = \"seventy\"\n",
    );
    let output = with_data(&data, &["families"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("seeds.toml") && message.contains("line 5"),
        "{message}"
    );
    let output = with_data(&data, &["seed", "add", "necurs", "78"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "adding to a broken file must not overwrite it"
    );
    let output = with_data(&data, &["seed", "add", "necurs", "nine"]);
    assert_eq!(output.status.code(), Some(2));
}

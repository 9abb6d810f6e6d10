//! `cautery lookup` with its persistent index: built once per range in the
//! data directory, reused by later lookups with the same answers; empty
//! input builds nothing.

use std::path::Path;

use crate::harness::{cautery, cautery_command, cautery_with_stdin, stderr, stdout};

const DAY: &str = "2026-07-04";

/// Some names of several families over `DAY`, from `cautery generate`.
fn sample_names() -> String {
    let output = cautery(&[
        "generate",
        "necurs",
        "pushdo",
        "banjori",
        "qsnatch",
        "--all-seeds",
        "--date",
        DAY,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let names: String = stdout(&output)
        .lines()
        .step_by(41)
        .map(|name| format!("{name}\n"))
        .collect();
    assert!(names.lines().count() > 50);
    names
}

fn index_folders(data: &Path) -> Vec<String> {
    match std::fs::read_dir(data.join("lookup-index")) {
        Ok(entries) => entries
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn a_warm_lookup_opens_the_stored_index_and_answers_as_the_cold_one() {
    let data = tempfile::tempdir().expect("data dir");
    let dir = data.path().to_str().expect("utf-8 path");
    let names = sample_names();
    let args = [
        "lookup",
        "--data-dir",
        dir,
        "--from",
        DAY,
        "--to",
        DAY,
        "--format",
        "jsonl",
        "--stats",
    ];
    let cold = cautery_with_stdin(&args, &names);
    assert_eq!(cold.status.code(), Some(0), "{}", stderr(&cold));
    assert!(stderr(&cold).contains(") built in"), "{}", stderr(&cold));
    let folders = index_folders(data.path());
    assert_eq!(folders.len(), 1, "{folders:?}");
    assert!(
        folders[0].starts_with(&format!("{DAY}_{DAY}-")),
        "{folders:?}"
    );
    let stored = data.path().join("lookup-index").join(&folders[0]);
    for file in ["names.bin", "blocks.bin", "windows.bin", "meta"] {
        assert!(stored.join(file).is_file(), "{file} missing");
    }
    let warm = cautery_with_stdin(&args, &names);
    assert_eq!(warm.status.code(), Some(0), "{}", stderr(&warm));
    assert!(stderr(&warm).contains(") opened in"), "{}", stderr(&warm));
    assert_eq!(stdout(&warm), stdout(&cold));
    assert_eq!(stdout(&warm).lines().count(), names.lines().count());
    assert_eq!(index_folders(data.path()), folders, "no second index");
    // Another range is another index.
    let other = cautery(&[
        "lookup",
        "--data-dir",
        dir,
        "--from",
        "2026-07-05",
        "--to",
        "2026-07-05",
        "x.example",
    ]);
    assert_eq!(other.status.code(), Some(1), "{}", stderr(&other));
    assert_eq!(index_folders(data.path()).len(), 2);
}

#[test]
fn lookup_of_empty_input_builds_nothing() {
    let data = tempfile::tempdir().expect("data dir");
    let dir = data.path().to_str().expect("utf-8 path");
    let output = cautery_with_stdin(&["lookup", "--data-dir", dir, "--stats"], "\n  \n");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    // Before the index was opened lazily, this built 61 days of every family.
    assert!(index_folders(data.path()).is_empty());
    assert!(!data.path().join("lookup-index").exists());
}

/// `cautery lookup` with raw bytes on stdin.
fn lookup_bytes(args: &[&str], input: Vec<u8>) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cautery_command()
        .arg("lookup")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cautery");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("wait");
    writer.join().expect("writer").expect("write stdin");
    output
}

#[test]
fn lookup_extract_finds_names_in_urls_ports_and_resolver_logs() {
    let data = tempfile::tempdir().expect("data dir");
    let dir = data.path().to_str().expect("utf-8 path");
    let output = cautery(&["generate", "necurs", "banjori", "--date", DAY]);
    let names: Vec<String> = stdout(&output)
        .lines()
        .step_by(7)
        .take(5)
        .map(str::to_owned)
        .collect();
    assert_eq!(names.len(), 5);
    let upper = names[2].to_uppercase();
    let text = format!(
        "visit https://user@{}:8443/gate.php?id=1 now\n\
         02-Dec-2026 10:00:00.123 queries: info: client @0x7f4b8c0a1b2c 127.0.0.1#53210 ({upper}): query: {upper} IN A +E(0)K (127.0.0.1)\n\
         [1764669600] unbound[1234:0] info: 127.0.0.1 {}. A IN\n\
         {}:443\n\
         ---- 127.0.0.1#53 [::1]:53 10:00:00 -- nothing here\n\
         {}\n",
        names[0], names[1], names[3], names[4]
    );
    let output = lookup_bytes(
        &[
            "--data-dir",
            dir,
            "--from",
            DAY,
            "--to",
            DAY,
            "--extract",
            "--format",
            "jsonl",
        ],
        text.into_bytes(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let answers: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let asked: Vec<&str> = answers
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    let expected = [&names[0], &names[2], &names[1], &names[3], &names[4]];
    assert_eq!(asked, expected);
    assert!(answers.iter().all(|a| a["found"] == true), "{answers:?}");
    // Without --extract the same log line is one name that no family makes.
    let output = lookup_bytes(
        &["--data-dir", dir, "--from", DAY, "--to", DAY],
        format!("{}:443\n", names[3]).into_bytes(),
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn lookup_echoes_escape_bytes_random_bytes_and_a_20_mb_line_escaped_and_cut() {
    let data = tempfile::tempdir().expect("data dir");
    let dir = data.path().to_str().expect("utf-8 path");
    let mut input = b"\x1b[31mred.com\n".to_vec();
    // Random bytes from a fixed linear congruential sequence, no newline.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..600 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let byte = (state >> 56) as u8;
        input.push(if byte == b'\n' { 0 } else { byte });
    }
    input.push(b'\n');
    input.extend(std::iter::repeat_n(b'a', 20 << 20));
    input.extend_from_slice(b"\n\xff\xfe\x07.example\n");
    for format in ["plain", "jsonl"] {
        let output = lookup_bytes(
            &[
                "--data-dir",
                dir,
                "--from",
                DAY,
                "--to",
                DAY,
                "--format",
                format,
            ],
            input.clone(),
        );
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        for (stream, bytes) in [("stderr", &output.stderr), ("stdout", &output.stdout)] {
            let text = String::from_utf8(bytes.clone())
                .unwrap_or_else(|_| panic!("{stream} is not UTF-8"));
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{stream} holds a control character: {text:?}"
            );
            assert!(text.len() < 8 << 10, "{stream} holds {} bytes", text.len());
        }
        let messages = stderr(&output);
        assert_eq!(messages.lines().count(), 4, "{messages}");
        assert!(messages.contains("'\\x1b[31mred.com'"), "{messages}");
        assert!(messages.contains("...(20971520 bytes, cut)'"), "{messages}");
        assert!(messages.contains("'\\xff\\xfe\\x07.example'"), "{messages}");
        if format == "jsonl" {
            let names: Vec<String> = stdout(&output)
                .lines()
                .map(|l| {
                    serde_json::from_str::<serde_json::Value>(l).expect("JSON")["name"]
                        .as_str()
                        .expect("name")
                        .to_owned()
                })
                .collect();
            assert_eq!(names.len(), 4);
            assert_eq!(names[0], "\\x1b[31mred.com");
        }
    }
}

#[test]
fn lookup_without_the_memory_for_an_index_stops_with_exit_2_not_an_abort() {
    let data = tempfile::tempdir().expect("data dir");
    let dir = data.path().to_str().expect("utf-8 path");
    // 128 MiB of address space: enough to start, not for the build's chunk.
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 131072; exec \"$0\" lookup --data-dir \"$1\" --from 2026-01-01 --to 2026-12-31 x.example")
        .arg(env!("CARGO_BIN_EXE_cautery"))
        .arg(dir)
        .output()
        .expect("run sh");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("not enough memory to build the lookup index"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        index_folders(data.path()).is_empty(),
        "the build folder is removed"
    );
}

//! `cautery lookup` with its persistent index: built once per range in the
//! data directory, reused by later lookups with the same answers; empty
//! input builds nothing.

use std::path::Path;

use crate::harness::{cautery, cautery_with_stdin, stderr, stdout};

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

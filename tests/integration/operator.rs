//! What a new operator meets (issue 16): a second daemon on a running
//! daemon's state, memory bounds of long exports, the seed archive's last
//! usable input, one-line messages and defaults, completions and the man
//! page. Each test is named after what broke.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::harness::{cautery_command, free_port, stderr, wait_until, Process, TempDir};

/// Every file of `dir` but the lock, by name, with its bytes.
fn state_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("state dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_file() && !path.ends_with("cautery.lock"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("state file"))
        })
        .collect()
}

/// A serve configuration: one zone of `family` for one day, on `port`,
/// metrics on `metrics`, state in `state`.
fn serve_config(port: u16, metrics: u16, state: &Path, family: &str) -> String {
    format!(
        "version = 1\n[server]\nlisten = [\"127.0.0.1:{port}\"]\nstate-dir = \"{}\"\n\
         [metrics]\nlisten = \"127.0.0.1:{metrics}\"\n[events]\nstore = \"\"\n\
         [[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"{family}\"]\ndays-back = 0\ndays-ahead = 0\n",
        state.display()
    )
}

fn serve_command(config: &Path, clock: &Path) -> Command {
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(config)
        .arg("--clock-file")
        .arg(clock);
    command
}

/// Before: a second `serve` with another configuration on the same state
/// directory planned and saved its own policy over the running daemon's,
/// then failed on its busy port; with free ports it ran beside it.
#[test]
fn second_serve_on_a_running_state_dir_is_refused_and_writes_nothing() {
    let dir = TempDir::new("second-serve");
    let state = dir.join("state");
    let clock = dir.write("clock", "2026-11-26T12:00:00Z");
    let (port, metrics) = (free_port(), free_port());
    let first_config = dir.write("first.toml", &serve_config(port, metrics, &state, "chinad"));
    let first = Process::start(
        "cautery",
        serve_command(&first_config, &clock),
        &dir.join("first.log"),
    );
    wait_until(Duration::from_secs(60), || {
        first.log().contains("state saved")
    })
    .unwrap_or_else(|e| {
        panic!(
            "first daemon did not save its state ({e:?}): {}",
            first.log()
        )
    });
    let before = state_files(&state);
    assert!(
        before.keys().any(|name| name.contains("cautery.rpz")),
        "{before:?}"
    );

    // Same DNS port (busy), another family: refused on the address.
    let busy = dir.write(
        "busy.toml",
        &serve_config(port, free_port(), &state, "necurs"),
    );
    let output = serve_command(&busy, &clock).output().expect("second serve");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("127.0.0.1:{port}")),
        "{}",
        stderr(&output)
    );
    assert_eq!(state_files(&state), before, "a failed serve wrote state");

    // Free ports, same state directory: refused, naming the holder.
    let free = dir.write(
        "free.toml",
        &serve_config(free_port(), free_port(), &state, "necurs"),
    );
    let output = serve_command(&free, &clock).output().expect("third serve");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains(&format!("process {}", first.id())),
        "{message}"
    );
    assert!(message.contains("state-dir"), "{message}");
    assert_eq!(state_files(&state), before, "a refused serve wrote state");
}

/// `cautery export ARGS` under an address-space limit of `kib` KiB
/// (`ulimit -v`), as an operator's shell or a systemd unit would set it.
fn export_under_limit(kib: u64, args: &str) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {kib} && exec \"$0\" export {args} --format domains"
        ))
        .arg(env!("CARGO_BIN_EXE_cautery"))
        .output()
        .expect("run sh")
}

/// Before: `export --family all --all-seeds` over years allocated until
/// an allocation failed and the process aborted (SIGABRT, exit 134).
#[test]
fn export_over_years_too_large_for_memory_is_refused_not_aborted() {
    let output = export_under_limit(
        1_500_000,
        "--family all --all-seeds --from 2017-01-01 --to 2026-12-31",
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(output.stdout.is_empty(), "refused before writing anything");
    assert!(message.contains("ulimit -v"), "{message}");
    assert!(message.contains("--from/--to"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    // What fits under the same limit still runs.
    let small = "--family necurs --from 2026-11-26 --to 2026-11-27";
    let limited = export_under_limit(1_500_000, small);
    assert!(limited.status.success(), "{}", stderr(&limited));
    let unlimited = export_under_limit(u64::from(u32::MAX), small);
    assert!(unlimited.status.success(), "{}", stderr(&unlimited));
    assert!(!limited.stdout.is_empty());
    assert_eq!(limited.stdout, unlimited.stdout);
}

/// Bash's completion of `cautery WORDS... CURRENT`, from the script that
/// `cautery completions bash` prints, run in a real bash.
fn bash_completes(script: &Path, words: &str) -> Vec<String> {
    let count = words.split_whitespace().count();
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={}; COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; \
             _cautery cautery \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            count - 1
        ))
        .output()
        .expect("run bash");
    assert!(output.status.success(), "{}", stderr(&output));
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Before: no completions and no man page; `--help` had no examples.
#[test]
fn completions_and_man_pages_come_from_the_command_line_definition() {
    if !crate::harness::require("bash", "bash") || !crate::harness::require("groff", "groff-base") {
        return;
    }
    let dir = TempDir::new("manual");
    let output = cautery_command()
        .args(["completions", "bash"])
        .output()
        .expect("completions");
    assert!(output.status.success(), "{}", stderr(&output));
    let script = dir.join("cautery.bash");
    std::fs::write(&script, &output.stdout).expect("script");
    let commands = bash_completes(&script, "cautery ex");
    assert_eq!(commands, ["export"], "{commands:?}");
    let options = bash_completes(&script, "cautery export --for");
    assert!(options.contains(&"--format".to_owned()), "{options:?}");
    let formats = bash_completes(&script, "cautery export --format r");
    assert!(
        formats.contains(&"rpz".to_owned()) && formats.contains(&"registry".to_owned()),
        "{formats:?}"
    );

    let pages = dir.join("man1");
    let output = cautery_command()
        .args(["man", "--out"])
        .arg(&pages)
        .output()
        .expect("man");
    assert!(output.status.success(), "{}", stderr(&output));
    let help = cautery_command().arg("--help").output().expect("help");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    assert!(help.contains("Examples:"), "{help}");
    // Every command of --help has its page, and groff reads each without a
    // warning.
    let listed: Vec<&str> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        // A wrapped description goes on with deeper indentation.
        .filter(|line| !line[2..].starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert!(listed.len() >= 10, "{listed:?}");
    for name in listed {
        let page = pages.join(format!("cautery-{name}.1"));
        assert!(page.exists(), "no page for {name}");
        let lint = Command::new("groff")
            .args(["-t", "-man", "-Tutf8", "-ww", "-z"])
            .arg(&page)
            .output()
            .expect("groff");
        assert!(
            lint.status.success() && lint.stderr.is_empty(),
            "{name}: {}",
            stderr(&lint)
        );
    }
    let text = Command::new("groff")
        .args(["-t", "-man", "-Tutf8"])
        .arg(pages.join("cautery-export.1"))
        .output()
        .expect("groff");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("--format"), "{text}");
}

/// An HTTP GET of `path` on 127.0.0.1:`port`: the whole response, or
/// nothing while nobody listens.
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    // HTTP/1.1 with a Host, as clients send: the server answers in the
    // request's version.
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response
}

/// Before: sinkhole hits were not counted per family, a CNAME query was
/// counted as type "other", and there was no health endpoint.
#[test]
fn metrics_count_sinkhole_hits_per_family_and_cname_queries_and_health_answers() {
    if !crate::harness::require("dig", "bind9-dnsutils") {
        return;
    }
    let dir = TempDir::new("metrics");
    let state = dir.join("state");
    let clock = dir.write("clock", "2026-11-26T12:00:00Z");
    let (port, metrics) = (free_port(), free_port());
    let config = serve_config(port, metrics, &state, "chinad").replace(
        "days-ahead = 0\n",
        "days-ahead = 0\naction = \"sinkhole\"\nsinkhole-v4 = [\"192.0.2.53\"]\n",
    );
    let config = dir.write("cautery.toml", &config);
    let daemon = Process::start(
        "cautery",
        serve_command(&config, &clock),
        &dir.join("cautery.log"),
    );
    wait_until(Duration::from_secs(60), || {
        http_get(metrics, "/health").starts_with("HTTP/1.1 200")
    })
    .unwrap_or_else(|e| panic!("not healthy ({e:?}): {}", daemon.log()));
    assert!(http_get(metrics, "/health").ends_with("ok\n"));
    let names = cautery_command()
        .args(["generate", "chinad", "--date", "2026-11-26"])
        .output()
        .expect("generate");
    let names = String::from_utf8_lossy(&names.stdout).into_owned();
    let names: Vec<&str> = names.lines().take(3).collect();
    for name in &names {
        let answer = crate::harness::dig(port, &[name, "A", "+short"]);
        assert!(answer.contains("192.0.2.53"), "{name}: {answer}");
    }
    crate::harness::dig(port, &[names[0], "CNAME"]);
    let text = http_get(metrics, "/metrics");
    let value = |prefix: &str| -> u64 {
        text.lines()
            .find_map(|line| line.strip_prefix(prefix)?.trim().parse().ok())
            .unwrap_or(0)
    };
    // Every query for a sinkholed name is a hit: the three A and the CNAME.
    assert_eq!(
        value("cautery_sinkhole_hits_total{family=\"chinad\"}"),
        names.len() as u64 + 1,
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("cautery_queries_total{type=\"CNAME\"")),
        "{text}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("cautery_queries_total{type=\"other\"")),
        "{text}"
    );
}

/// Before: no service unit and no production example. The unit passes
/// `systemd-analyze verify` (with the built binary and its man pages in
/// place of the installed ones), is hardened, and the production example
/// it points to validates.
#[test]
fn the_systemd_unit_verifies_and_the_production_example_validates() {
    if !crate::harness::require("systemd-analyze", "systemd") {
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let unit =
        std::fs::read_to_string(format!("{root}/etc/systemd/cautery.service")).expect("unit file");
    for hardening in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.lines().any(|l| l == hardening), "{hardening} missing");
    }
    let dir = TempDir::new("unit");
    let binary = env!("CARGO_BIN_EXE_cautery");
    let local = dir.write("cautery.service", &unit.replace("/usr/bin/cautery", binary));
    let pages = dir.join("man/man1");
    let output = cautery_command()
        .args(["man", "--out"])
        .arg(&pages)
        .output()
        .expect("man");
    assert!(output.status.success(), "{}", stderr(&output));
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&local)
        .env("MANPATH", dir.join("man"))
        .output()
        .expect("systemd-analyze");
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "{}",
        stderr(&verify)
    );
    let check = cautery_command()
        .args(["check-config"])
        .arg(format!("{root}/etc/cautery.production.toml"))
        .output()
        .expect("check-config");
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("d10.dga.rpz.example.net"),
        "split by day"
    );
}

/// Before: a missing file said its OS error twice, a configuration error
/// was a multi-line TOML snippet, `localhost:5353` got only "invalid socket
/// address syntax", `--date 26-12-01` read as the year 26, `seed show ab`
/// said "no archived input", `--url file:///` said "http: invalid format",
/// and `seed list` created the archive's folders.
#[test]
fn errors_are_one_line_saying_what_is_wrong_and_what_to_do() {
    let dir = TempDir::new("messages");
    let run = |args: &[&str]| {
        let output = cautery_command().args(args).output().expect("cautery");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert_eq!(message.trim_end().lines().count(), 1, "{args:?}: {message}");
        message
    };
    let missing = dir.join("missing.toml");
    let message = run(&["serve", "--config", &missing.display().to_string()]);
    assert_eq!(message.matches("os error 2").count(), 1, "{message}");
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );

    let unknown = dir.write("unknown.toml", "version = 1\n[server]\nbogus = 1\n");
    let message = run(&["check-config", &unknown.display().to_string()]);
    assert!(
        message.contains("line 3") && message.contains("`bogus`"),
        "{message}"
    );

    let host = dir.write(
        "host.toml",
        "version = 1\n[server]\nlisten = [\"localhost:5353\"]\n",
    );
    let message = run(&["check-config", &host.display().to_string()]);
    assert!(message.contains("127.0.0.1:5353"), "{message}");

    let message = run(&["generate", "necurs", "--date", "26-12-01"]);
    assert!(message.contains("four digits"), "{message}");

    let data = dir.join("data");
    let data = data.display().to_string();
    let message = run(&["seed", "show", "ab", "--data-dir", &data]);
    assert!(message.contains("at least 4 hex digits"), "{message}");
    let message = run(&[
        "seed",
        "fetch",
        "bedep",
        "--url",
        "file:///etc/hosts",
        "--data-dir",
        &data,
    ]);
    assert!(message.contains("--input FILE"), "{message}");

    let empty = dir.join("empty");
    let output = cautery_command()
        .args(["seed", "list", "--data-dir"])
        .arg(&empty)
        .output()
        .expect("seed list");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!empty.exists(), "seed list created {}", empty.display());
}

/// Before: `export --family banjori`, whose names do not depend on the day,
/// still demanded --from and --to.
#[test]
fn export_of_a_time_independent_family_needs_no_days() {
    let export = |extra: &[&str]| {
        cautery_command()
            .args(["export", "--family", "banjori", "--format", "domains"])
            .args(extra)
            .output()
            .expect("export")
    };
    let undated = export(&[]);
    assert!(undated.status.success(), "{}", stderr(&undated));
    let dated = export(&["--from", "2026-11-26", "--to", "2026-11-26"]);
    assert!(!undated.stdout.is_empty());
    assert_eq!(undated.stdout, dated.stdout);
    let daily = cautery_command()
        .args(["export", "--family", "necurs", "--format", "domains"])
        .output()
        .expect("export");
    assert_eq!(daily.status.code(), Some(2));
    assert!(
        stderr(&daily).contains("--from and --to"),
        "{}",
        stderr(&daily)
    );
}

/// Before: `families` cut its NAMES and WINDOW columns ("versi...").
#[test]
fn families_table_shows_every_window_and_names_figure_whole() {
    let json = cautery_command()
        .args(["families", "--format", "json"])
        .output()
        .expect("families json");
    let families: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let table = cautery_command()
        .arg("families")
        .output()
        .expect("families");
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    for family in families.as_array().expect("array") {
        let name = family["name"].as_str().expect("name");
        let row = table
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}"));
        for key in ["window", "names_per_window"] {
            let cell = family[key].as_str().expect(key);
            assert!(
                row.contains(cell),
                "{name}: {key} '{cell}' not whole in: {row}"
            );
        }
    }
}

/// Before: `export --family bedep` said "unknown family 'bedep'" although
/// `families` lists it, and `generate bedep --input FILE` for a day the
/// input does not cover printed nothing and exited 0.
#[test]
fn public_data_families_say_why_they_cannot_be_planned_and_which_days_an_input_covers() {
    let output = cautery_command()
        .args([
            "export",
            "--family",
            "bedep",
            "--from",
            "2026-11-26",
            "--to",
            "2026-11-26",
        ])
        .args(["--format", "domains"])
        .output()
        .expect("export");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("public-data family"), "{message}");
    assert!(message.contains("cautery seed fetch bedep"), "{message}");

    let input = format!(
        "{}/test-data/bedep/2015_4_7.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let covered = cautery_command()
        .args([
            "generate",
            "bedep",
            "--date",
            "2015-04-15",
            "--input",
            &input,
        ])
        .output()
        .expect("generate");
    assert!(covered.status.success() && !covered.stdout.is_empty());
    let other = cautery_command()
        .args([
            "generate",
            "bedep",
            "--date",
            "2026-12-02",
            "--input",
            &input,
        ])
        .output()
        .expect("generate");
    let message = stderr(&other);
    assert_eq!(other.status.code(), Some(1), "{message}");
    assert!(other.stdout.is_empty());
    assert!(message.contains("covers other days"), "{message}");
}

/// Before: a long export showed nothing on a terminal. Now a spinner says
/// what it does on a terminal (here a pseudo-terminal from script(1)), and
/// none is drawn when stderr is not one.
#[test]
fn long_exports_show_progress_on_a_terminal_only() {
    if !crate::harness::require("script", "bsdutils") {
        return;
    }
    let args = "export --family all --all-seeds --from 2026-11-01 --to 2026-11-30 --format domains";
    let piped = Command::new("sh")
        .arg("-c")
        .arg(format!("exec \"$0\" {args} > /dev/null"))
        .arg(env!("CARGO_BIN_EXE_cautery"))
        .output()
        .expect("export");
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert!(
        !stderr(&piped).contains("planning about"),
        "progress into a pipe"
    );
    let terminal = Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "{} {args} > /dev/null",
            env!("CARGO_BIN_EXE_cautery")
        ))
        .arg("/dev/null")
        .output()
        .expect("script");
    let shown = String::from_utf8_lossy(&terminal.stdout);
    assert!(terminal.status.success(), "{shown}");
    assert!(shown.contains("planning about"), "{shown}");
}

/// Before: `generate etc/families/rustock-model.toml` suggested `seed fetch
/// rustock-model`, which then failed to resolve the model's illustrative
/// host. Both now say the source is a placeholder and what to pass instead,
/// without touching the network.
#[test]
fn a_model_family_file_with_a_placeholder_source_says_what_to_pass() {
    let file = format!(
        "{}/etc/families/rustock-model.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let data = tempfile::tempdir().expect("data dir");
    let generate = cautery_command()
        .args(["generate", &file])
        .output()
        .expect("generate");
    let message = stderr(&generate);
    assert_eq!(generate.status.code(), Some(2), "{message}");
    assert!(message.contains("placeholder"), "{message}");
    assert!(message.contains("--input FILE"), "{message}");
    assert!(
        !message.contains("FILE_OR_HASH (cautery seed fetch"),
        "{message}"
    );

    let fetch = cautery_command()
        .args(["seed", "--data-dir"])
        .arg(data.path())
        .args(["fetch", &file])
        .output()
        .expect("seed fetch");
    let message = stderr(&fetch);
    assert_eq!(fetch.status.code(), Some(2), "{message}");
    assert!(message.contains("news.example.invalid"), "{message}");
    assert!(message.contains("--url URL"), "{message}");
    assert!(!message.contains("lookup address"), "{message}");
}

/// Before: `serve` planned whatever its zones asked for and, under a memory
/// limit, aborted half-way through the first plan. It now estimates the
/// zones' predictions first and refuses, saying which zone and what to do,
/// before it writes any state.
#[test]
fn serve_too_large_for_its_memory_limit_is_refused_before_planning() {
    let dir = TempDir::new("serve-memory");
    let state = dir.join("state");
    let clock = dir.write("clock", "2026-11-26T12:00:00Z");
    let config = serve_config(free_port(), free_port(), &state, "all").replace(
        "days-back = 0\ndays-ahead = 0",
        "days-back = 60\ndays-ahead = 60\nseeds = \"all\"",
    );
    let config = dir.write("big.toml", &config);
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1500000 && exec \"$0\" serve --config \"$1\" --clock-file \"$2\"")
        .arg(env!("CARGO_BIN_EXE_cautery"))
        .arg(&config)
        .arg(&clock)
        .output()
        .expect("run sh");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("serving about"), "{message}");
    assert!(message.contains("cautery.rpz"), "{message}");
    assert!(message.contains("days-back/days-ahead"), "{message}");
    assert!(message.contains("ulimit -v"), "{message}");
    assert!(
        !state.exists() || state_files(&state).is_empty(),
        "a refused serve wrote state"
    );
}

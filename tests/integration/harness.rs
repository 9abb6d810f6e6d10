//! The one harness of the integration tests: running the built `cautery`
//! binary, temporary folders, loopback ports, processes killed on drop,
//! `dig`, and bounded waits. Every module of this test binary uses these
//! helpers rather than its own copy.
//!
//! # Programs a test needs
//!
//! A test that runs an external program (BIND's `named` and `dig`,
//! Unbound, PowerDNS Recursor, Knot Resolver, libfaketime) first calls
//! [`require`] (or [`require_library`]) for each, naming the Debian package
//! that provides it; a Python module (IntelMQ) is asked for with
//! [`require_python_module`], naming its pip requirement. A missing program
//! fails the test with the command that installs it (`apt-get install
//! bind9`, `pip install intelmq==3.2.1`), as `.ci/run` does, so a
//! machine without the resolvers can never pass by testing nothing. With
//! `CAUTERY_SKIP_RESOLVER_TESTS=1` in the environment the test says it is
//! skipped, and why, and passes instead.
//!
//! # Time
//!
//! A wait for something another process does is a poll with a bound,
//! [`wait_until`], never a bare sleep. `cautery serve` reads its time from
//! a clock file (`--clock-file`), so tests move the daemon's clock by
//! writing that file rather than by waiting for the wall clock, with
//! [`set_clock`] (a rename, never a write in place).
//!
//! # Limitations
//!
//! A port from [`free_port`] is free when asked for, not reserved: another
//! program may take it before the server under test binds it. The harness
//! at least never hands the same port out twice in one run.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io::Write;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often [`wait_until`] looks again.
pub const POLL: Duration = Duration::from_millis(50);

/// The environment variable that turns a missing program into a skip.
pub const SKIP_VARIABLE: &str = "CAUTERY_SKIP_RESOLVER_TESTS";

/// A command for the built `cautery` binary.
pub fn cautery_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cautery"))
}

/// Runs `cautery` with `args` and returns what it wrote and how it exited.
pub fn cautery(args: &[&str]) -> Output {
    cautery_command().args(args).output().expect("run cautery")
}

/// Runs `cautery` with `args`, writing `input` to its standard input.
pub fn cautery_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = cautery_command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cautery");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_owned();
    // A writer thread, so that a large input cannot deadlock against a
    // full stdout pipe.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("wait");
    writer.join().expect("writer").expect("write stdin");
    output
}

/// Output bytes as text; cautery writes UTF-8 only.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

/// A command's standard output as text.
pub fn stdout(output: &Output) -> String {
    text(&output.stdout)
}

/// A command's standard error as text.
pub fn stderr(output: &Output) -> String {
    text(&output.stderr)
}

/// A path as a command-line argument.
pub fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A temporary folder, removed on drop unless the test failed: then it is
/// kept, and its path printed, for the logs of the servers it holds.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    /// A new empty folder whose name starts with `cautery-{tag}-`.
    pub fn new(tag: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("cautery-{tag}-"))
            .tempdir()
            .expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// The path of `name` inside the folder.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    /// Writes `content` to `name` inside the folder; returns its path.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.join(name);
        fs::write(&path, content).expect("write");
        path
    }
}

/// Moves the daemon's clock: writes `at` (an RFC 3339 instant) beside
/// `clock` and renames it over, in one step, so the daemon never reads a
/// half-written file, and sees the change at its next look (it reads the
/// file again when its inode changes).
pub fn set_clock(clock: &Path, at: &str) {
    let next = clock.with_extension("next");
    fs::write(&next, at).expect("write the next clock");
    fs::rename(&next, clock).expect("move the clock");
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.disable_cleanup(true);
            eprintln!("kept for inspection: {}", self.path().display());
        }
    }
}

/// A port free on 127.0.0.1 for both UDP and TCP at the time of asking,
/// and not handed out before in this run.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = udp.local_addr().expect("addr").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok()
            && GIVEN.lock().expect("ports").insert(port)
        {
            return port;
        }
    }
    panic!("no free loopback port");
}

/// Where `program` is installed: on the PATH or in an sbin folder (which
/// an unprivileged PATH may lack).
pub fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|file| {
            fs::metadata(file).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The path of `program`, which a test has [`require`]d.
pub fn program(program: &str) -> PathBuf {
    find(program).unwrap_or_else(|| panic!("{program} is not installed"))
}

/// Whether a test may go on with `program`: true if it is installed;
/// false, after saying so, if it is not and `CAUTERY_SKIP_RESOLVER_TESTS=1`
/// is set; otherwise a panic naming the Debian `package` to install.
pub fn require(program: &str, package: &str) -> bool {
    find(program).is_some() || skip(program, &format!("apt-get install {package}"))
}

/// Whether a test may go on with the Python module `module` (imported by
/// `python3`), as [`require`] for a program; a missing one names the pip
/// requirement `pip` (`intelmq==3.2.1`) to install.
pub fn require_python_module(module: &str, pip: &str) -> bool {
    let imported = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    imported
        || skip(
            &format!("the Python module {module}"),
            &format!("pip install {pip}"),
        )
}

/// The path of the shared library `file` (e.g. `faketime/libfaketime.so.1`)
/// under /usr/lib or a multiarch folder of it; `None` when the test is to
/// be skipped, as with [`require`].
pub fn require_library(file: &str, package: &str) -> Option<PathBuf> {
    let multiarch = fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path());
    let found = multiarch
        .chain([PathBuf::from("/usr/lib")])
        .map(|dir| dir.join(file))
        .find(|path| path.exists());
    if found.is_none() {
        skip(file, &format!("apt-get install {package}"));
    }
    found
}

/// The one rule for a missing program: fail, unless told to skip;
/// `install` is the command that installs it.
fn skip(program: &str, install: &str) -> bool {
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_owned();
    if std::env::var_os(SKIP_VARIABLE).is_some_and(|value| value == "1") {
        eprintln!("skipped {test}: {program} is not installed ({SKIP_VARIABLE}=1)");
        return false;
    }
    panic!(
        "{test} needs {program}, which is not installed: {install} \
         (.ci/run installs every program the tests use), or set {SKIP_VARIABLE}=1 to skip"
    );
}

/// A process started by a test, killed when dropped.
pub struct Process {
    name: String,
    child: Child,
    log: Option<PathBuf>,
}

impl Process {
    /// Starts `command` with no input and its output in the file `log`.
    pub fn start(name: &str, mut command: Command, log: &Path) -> Process {
        let file = fs::File::create(log).expect("log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Process {
            name: name.to_owned(),
            child,
            log: Some(log.to_owned()),
        }
    }

    /// Guards a child the test started itself (to read its output).
    pub fn guard(name: &str, child: Child) -> Process {
        Process {
            name: name.to_owned(),
            child,
            log: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// What the process has logged so far.
    pub fn log(&self) -> String {
        self.log
            .as_ref()
            .and_then(|log| fs::read_to_string(log).ok())
            .unwrap_or_default()
    }

    /// Sends `signal` (a name such as `HUP`) with kill(1).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal} {}", self.name);
    }

    /// How the process ended, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("wait")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A [`wait_until`] that ran out of time.
pub struct TimedOut(Duration);

impl fmt::Debug for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {:?}", self.0)
    }
}

/// Polls `condition` every [`POLL`] until it holds, and returns how long
/// that took; gives up after `within`.
pub fn wait_until(
    within: Duration,
    mut condition: impl FnMut() -> bool,
) -> Result<Duration, TimedOut> {
    let start = Instant::now();
    loop {
        if condition() {
            return Ok(start.elapsed());
        }
        let left = within.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(TimedOut(within));
        }
        std::thread::sleep(POLL.min(left));
    }
}

/// `dig` against 127.0.0.1:`port`: one try, a two-second timeout (later
/// options in `args` win), the whole output.
pub fn dig(port: u16, args: &[&str]) -> String {
    dig_at("127.0.0.1", port, args)
}

/// `dig` against `host`:`port`, as [`dig`].
pub fn dig_at(host: &str, port: u16, args: &[&str]) -> String {
    let output = Command::new("dig")
        .arg(format!("@{host}"))
        .args(["-p", &port.to_string(), "+time=2", "+tries=1"])
        .args(args)
        .output()
        .expect("run dig");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The response code and answer records of a dig output.
#[derive(Debug)]
pub struct Answer {
    /// NOERROR, NXDOMAIN, ..., or TIMEOUT when dig got no answer.
    pub status: String,
    /// `TYPE RDATA` of each answer record.
    pub records: Vec<String>,
}

impl Answer {
    pub fn parse(text: &str) -> Answer {
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

    /// The addresses of the A records.
    pub fn addresses(&self) -> Vec<&str> {
        self.records
            .iter()
            .filter_map(|r| r.strip_prefix("A "))
            .collect()
    }
}

/// One recursive query for `name` `rtype` with a one-second timeout.
pub fn query(port: u16, name: &str, rtype: &str) -> Answer {
    Answer::parse(&dig(port, &["+time=1", "+nocookie", name, rtype]))
}

/// The response code for `name` A at 127.0.0.1:`port`.
pub fn status(port: u16, name: &str) -> String {
    Answer::parse(&dig(port, &[name, "A", "+noall", "+comments"])).status
}

#[test]
fn a_missing_program_fails_with_its_package_unless_skipping_is_asked_for() {
    let program = "cautery-test-no-such-program";
    if std::env::var_os(SKIP_VARIABLE).is_some_and(|value| value == "1") {
        assert!(!require(program, "no-such-package"));
        return;
    }
    let failure = std::panic::catch_unwind(|| require(program, "no-such-package"))
        .expect_err("a missing program is a failure");
    let message = failure
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.contains(&format!("needs {program}"))
            && message.contains("apt-get install no-such-package")
            && message.contains("CAUTERY_SKIP_RESOLVER_TESTS=1"),
        "{message}"
    );
    assert!(require("sh", "dash"));
}

#[test]
fn a_missing_python_module_fails_with_its_pip_requirement_unless_skipping() {
    let module = "cautery_test_no_such_module";
    if std::env::var_os(SKIP_VARIABLE).is_some_and(|value| value == "1") {
        assert!(!require_python_module(module, "no-such-requirement==1"));
        return;
    }
    let failure =
        std::panic::catch_unwind(|| require_python_module(module, "no-such-requirement==1"))
            .expect_err("a missing module is a failure");
    let message = failure
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.contains(&format!("the Python module {module}"))
            && message.contains("pip install no-such-requirement==1")
            && message.contains("CAUTERY_SKIP_RESOLVER_TESTS=1"),
        "{message}"
    );
}

#[test]
fn wait_until_gives_up_at_its_bound() {
    let start = Instant::now();
    let waited = wait_until(Duration::from_millis(120), || false);
    assert!(waited.is_err());
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(120), "{took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    let mut calls = 0;
    let took = wait_until(Duration::from_secs(5), || {
        calls += 1;
        calls == 3
    })
    .expect("the third call holds");
    assert!(
        took >= 2 * POLL && took < Duration::from_secs(5),
        "{took:?}"
    );
}

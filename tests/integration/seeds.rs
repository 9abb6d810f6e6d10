//! Public-data seeds end to end, against a local HTTP server on 127.0.0.1
//! (ephemeral port) serving recorded inputs, then changed ones, then broken
//! ones. No traffic leaves the loopback interface.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{cautery_command, text, Process, TempDir};

/// What the server answers on a path.
#[derive(Clone)]
enum Route {
    Body(u16, Vec<u8>),
    RedirectToSelf,
    Slow(Duration),
    Huge(usize),
}

/// Per path: the body last served and when it was first served.
type ServedLog = Mutex<HashMap<String, (Vec<u8>, Instant)>>;

/// A tiny HTTP/1.1 server for tests: one thread, one request per connection.
struct Server {
    port: u16,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    /// When each path was last served with new content.
    served: Arc<ServedLog>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let routes: Arc<Mutex<HashMap<String, Route>>> = Arc::default();
        let served: Arc<ServedLog> = Arc::default();
        let (r, s) = (Arc::clone(&routes), Arc::clone(&served));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, s) = (Arc::clone(&r), Arc::clone(&s));
                std::thread::spawn(move || serve(stream, &r, &s));
            }
        });
        Server {
            port,
            routes,
            served,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn set(&self, path: &str, route: Route) {
        self.routes
            .lock()
            .expect("lock")
            .insert(path.to_owned(), route);
    }

    fn first_served(&self, path: &str, body: &[u8]) -> Option<Instant> {
        let served = self.served.lock().expect("lock");
        served
            .get(path)
            .filter(|(b, _)| b == body)
            .map(|(_, at)| *at)
    }
}

fn serve(mut stream: TcpStream, routes: &Mutex<HashMap<String, Route>>, served: &ServedLog) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let route = routes.lock().expect("lock").get(&path).cloned();
    let _ = match route {
        Some(Route::Body(status, body)) => {
            {
                let mut served = served.lock().expect("lock");
                if served.get(&path).is_none_or(|(b, _)| *b != body) {
                    served.insert(path.clone(), (body.clone(), Instant::now()));
                }
            }
            write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nLast-Modified: Tue, 07 Apr 2015 14:00:00 GMT\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .and_then(|()| stream.write_all(&body))
        }
        Some(Route::RedirectToSelf) => write!(
            stream,
            "HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        Some(Route::Slow(delay)) => {
            std::thread::sleep(delay);
            write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        }
        Some(Route::Huge(size)) => {
            let chunk = vec![b'x'; 64 * 1024];
            let mut result = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
            );
            let mut sent = 0;
            while result.is_ok() && sent < size {
                result = stream.write_all(&chunk);
                sent += chunk.len();
            }
            result
        }
        None => write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    };
}

/// Runs cautery with its archive in `data` and no family files.
fn cautery_in(data: &Path, args: &[&str]) -> Output {
    cautery_command()
        .args(args)
        .env("CAUTERY_DATA", data)
        .env("CAUTERY_FAMILY_DIRS", data.join("no-family-files"))
        .output()
        .expect("run cautery")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/test-data/bedep/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The names of each config in an Arbor run log.
fn logged_names(name: &str) -> Vec<BTreeSet<String>> {
    let log = text(&fixture(name));
    let mut out: Vec<BTreeSet<String>> = Vec::new();
    let mut listing = false;
    for line in log.lines() {
        if line.starts_with("config") {
            out.push(BTreeSet::new());
            listing = false;
        } else if line.starts_with('\t') && line.trim().ends_with("domains:") {
            listing = true;
        } else if listing && line.starts_with("\t\t") {
            out.last_mut()
                .expect("config")
                .insert(line.trim().to_owned());
        }
    }
    out
}

fn sha256_of(output: &Output) -> String {
    let stdout = text(&output.stdout);
    stdout
        .split_whitespace()
        .next()
        .filter(|h| h.len() == 64)
        .unwrap_or_else(|| panic!("no hash in {stdout:?} / {}", text(&output.stderr)))
        .to_owned()
}

/// Every archived object and record hashes to its name and nothing is
/// left half-written.
fn assert_archive_intact(data: &Path) {
    for (dir, suffix) in [("objects", ""), ("records", ".json")] {
        for entry in std::fs::read_dir(data.join(dir)).expect("archive dir") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let output = Command::new("sha256sum")
                .arg(&path)
                .output()
                .expect("sha256sum");
            let digest = text(&output.stdout);
            let digest = digest.split_whitespace().next().expect("digest");
            assert_eq!(
                name.strip_suffix(suffix),
                Some(digest),
                "{}",
                path.display()
            );
        }
    }
    let partial = std::fs::read_dir(data.join("tmp")).expect("tmp").count();
    assert_eq!(partial, 0, "a half-written file was left behind");
}

fn names_of(output: &Output) -> BTreeSet<String> {
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn bedep_fetched_from_the_server_is_bit_exact_with_arbor_logs() {
    let server = Server::start();
    let data = TempDir::new("seeds");
    for (stem, day, configs) in [
        ("2015_4_7", "2015-04-15", 2),
        ("2015_10_26", "2015-10-26", 6),
    ] {
        server.set(
            "/ecb.xml",
            Route::Body(200, fixture(&format!("{stem}.xml"))),
        );
        let fetched = cautery_in(
            data.path(),
            &["seed", "fetch", "bedep", "--url", &server.url("/ecb.xml")],
        );
        assert!(fetched.status.success(), "{}", text(&fetched.stderr));
        let hash = sha256_of(&fetched);
        let expected = logged_names(&format!("{stem}.output"));
        assert_eq!(expected.len(), configs);
        for (config, names) in expected.iter().enumerate() {
            let seed = format!("config{config}");
            let got = names_of(&cautery_in(
                data.path(),
                &[
                    "generate",
                    "bedep",
                    "--date",
                    day,
                    "--seed",
                    &seed,
                    "--input",
                    &hash[..12],
                ],
            ));
            assert_eq!(&got, names, "{stem} {seed}");
        }
    }
    assert_archive_intact(data.path());
}

#[test]
fn predictions_cite_the_input_hash_and_match_a_local_file() {
    let data = TempDir::new("seeds");
    let file = format!(
        "{}/test-data/bedep/2015_4_24.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = cautery_in(
        data.path(),
        &[
            "generate",
            "bedep",
            "--date",
            "2015-04-24",
            "--all-seeds",
            "--input",
            &file,
            "--format",
            "jsonl",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    // The log covers configs 0 to 2; --all-seeds gives all seven.
    let logged = logged_names("2015_4_24.output");
    for (config, names) in logged.iter().enumerate() {
        let seed = format!("config{config}");
        let got: BTreeSet<String> = lines
            .iter()
            .filter(|l| l["seed"] == seed.as_str())
            .map(|l| l["domain"].as_str().expect("domain").to_owned())
            .collect();
        assert_eq!(&got, names, "{seed}");
    }
    assert!(lines.iter().any(|l| l["seed"] == "config6"));
    let sha = Command::new("sha256sum")
        .arg(&file)
        .output()
        .expect("sha256sum");
    let sha = text(&sha.stdout);
    let sha = sha.split_whitespace().next().expect("digest");
    assert!(lines
        .iter()
        .all(|l| l["input"] == sha && l["family"] == "bedep"));
}

#[test]
fn fetch_tells_whether_the_predictions_changed() {
    let server = Server::start();
    let data = TempDir::new("seeds");
    let url = server.url("/ecb.xml");
    let fetch = || cautery_in(data.path(), &["seed", "fetch", "bedep", "--url", &url]);
    server.set("/ecb.xml", Route::Body(200, fixture("2015_4_7.xml")));
    let first = fetch();
    assert!(
        text(&first.stdout).contains("first input"),
        "{}",
        text(&first.stdout)
    );
    let again = fetch();
    assert!(text(&again.stdout).contains("content already archived"));
    assert!(text(&again.stdout).contains("predictions unchanged"));
    server.set("/ecb.xml", Route::Body(200, fixture("2015_4_24.xml")));
    let changed = fetch();
    assert!(text(&changed.stdout).contains("new content"));
    assert!(
        text(&changed.stdout).contains("predictions changed"),
        "{}",
        text(&changed.stdout)
    );
    let list = cautery_in(data.path(), &["seed", "list"]);
    assert_eq!(text(&list.stdout).lines().count(), 3);
    assert_eq!(
        std::fs::read_dir(data.path().join("objects"))
            .expect("objects")
            .count(),
        2
    );
    let show = cautery_in(data.path(), &["seed", "show", &sha256_of(&changed)[..10]]);
    assert!(
        text(&show.stdout).contains("last-modified: Tue, 07 Apr 2015"),
        "{}",
        text(&show.stdout)
    );
    assert_archive_intact(data.path());
}

#[test]
fn bad_inputs_give_clear_errors_and_leave_the_last_good_input_in_force() {
    let server = Server::start();
    let data = TempDir::new("seeds");
    let good = fixture("2015_4_7.xml");
    server.set("/good", Route::Body(200, good.clone()));
    let first = cautery_in(
        data.path(),
        &["seed", "fetch", "bedep", "--url", &server.url("/good")],
    );
    let good_hash = sha256_of(&first);
    let truncated = good[..good.len() / 2].to_vec();
    let cases: Vec<(&str, Route, &str)> = vec![
        (
            "/truncated",
            Route::Body(200, truncated),
            "not a well-formed XML",
        ),
        (
            "/html",
            Route::Body(200, b"<html><body>Maintenance</body></html>".to_vec()),
            "no ECB rate cube",
        ),
        (
            "/json",
            Route::Body(200, b"{\"rates\": [1, 2".to_vec()),
            "not a well-formed XML",
        ),
        ("/error", Route::Body(503, b"busy".to_vec()), "HTTP 503"),
        ("/loop", Route::RedirectToSelf, "redirects more than"),
        (
            "/slow",
            Route::Slow(Duration::from_secs(4)),
            "did not answer within",
        ),
        ("/huge", Route::Huge(4 * 1024 * 1024), "body over"),
    ];
    for (path, route, message) in cases {
        server.set(path, route);
        let output = cautery_in(
            data.path(),
            &[
                "seed",
                "fetch",
                "bedep",
                "--url",
                &server.url(path),
                "--timeout",
                "1",
                "--max-body",
                "1000000",
            ],
        );
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{path}: {stderr}");
        assert!(stderr.contains(message), "{path}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{path}: one line: {stderr}");
        assert_archive_intact(data.path());
        let still = cautery_in(
            data.path(),
            &[
                "generate",
                "bedep",
                "--date",
                "2015-04-15",
                "--input",
                &good_hash,
            ],
        );
        assert_eq!(
            names_of(&still),
            logged_names("2015_4_7.output")[0],
            "{path}"
        );
    }
}

/// Before: after a good, a truncated and an HTML fetch, the HTML fetch
/// said the truncated file's predictions "stay", and fetching the good
/// input again reported a change from the HTML page.
#[test]
fn fetch_compares_with_the_last_usable_input_not_the_last_fetch() {
    let server = Server::start();
    let data = TempDir::new("seeds");
    let good = fixture("2015_4_7.xml");
    let fetch = |path: &str| {
        cautery_in(
            data.path(),
            &["seed", "fetch", "bedep", "--url", &server.url(path)],
        )
    };
    server.set("/good", Route::Body(200, good.clone()));
    server.set(
        "/truncated",
        Route::Body(200, good[..good.len() / 2].to_vec()),
    );
    server.set(
        "/html",
        Route::Body(200, b"<html>Maintenance</html>".to_vec()),
    );
    let good_hash = sha256_of(&fetch("/good"));
    for path in ["/truncated", "/html"] {
        let output = fetch(path);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{path}: {stderr}");
        assert!(
            stderr.contains(&format!("last good predictions stay: input {good_hash}")),
            "{path}: {stderr}"
        );
    }
    let again = fetch("/good");
    let stdout = text(&again.stdout);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        stdout.contains("predictions unchanged (same input)"),
        "{stdout}"
    );
}

#[test]
fn orchard_balance_from_the_server_and_from_a_file_agree() {
    let server = Server::start();
    let data = TempDir::new("seeds");
    let answer = br#"{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa":{"final_balance":7264937589,"n_tx":4110,"total_received":7264937589}}"#;
    server.set("/balance", Route::Body(200, answer.to_vec()));
    let fetched = cautery_in(
        data.path(),
        &[
            "seed",
            "fetch",
            "orchard-balance",
            "--url",
            &server.url("/balance"),
        ],
    );
    assert!(fetched.status.success(), "{}", text(&fetched.stderr));
    let hash = sha256_of(&fetched);
    let from_archive = names_of(&cautery_in(
        data.path(),
        &["generate", "orchard-balance", "--input", &hash],
    ));
    let file = data.path().join("answer.json");
    std::fs::write(&file, answer).expect("write");
    let from_file = names_of(&cautery_in(
        data.path(),
        &[
            "generate",
            "orchard-balance",
            "--input",
            file.to_str().expect("utf-8"),
        ],
    ));
    assert_eq!(from_archive.len(), 16);
    assert_eq!(from_archive, from_file);
    server.set(
        "/rate-limited",
        Route::Body(200, b"<html>Too many requests</html>".to_vec()),
    );
    let refused = cautery_in(
        data.path(),
        &[
            "seed",
            "fetch",
            "orchard-balance",
            "--url",
            &server.url("/rate-limited"),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("not a well-formed JSON"),
        "{}",
        text(&refused.stderr)
    );
}

fn family_file(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("headlines.toml");
    let text = format!(
        r#"version = 1
name = "headlines-test"
summary = "test family: names from a page's headlines"
model = true
[source]
url = "{url}"
[extract]
css = "h2.headline"
count = 2
[normalise]
collapse-whitespace = true
lowercase = true
[hash]
algorithm = "sha256"
[names]
alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
min-length = 8
max-length = 14
count = 12
tlds = ["com", "net"]
"#
    );
    std::fs::write(&path, text).expect("write family file");
    path
}

#[test]
fn a_content_seeded_family_file_end_to_end() {
    let server = Server::start();
    let data = TempDir::new("seeds");
    let path = family_file(data.path(), &server.url("/news"));
    let path = path.to_str().expect("utf-8");
    let page = |a: &str| {
        format!("<html><body><h2 class=headline>{a}</h2><h2 class=headline>Markets  calm</h2></body></html>")
    };
    server.set(
        "/news",
        Route::Body(200, page("Storm hits coast").into_bytes()),
    );
    let first = cautery_in(data.path(), &["seed", "fetch", path]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let generate = |hash: &str, day: &str| {
        names_of(&cautery_in(
            data.path(),
            &["generate", path, "--date", day, "--input", hash],
        ))
    };
    let day1 = generate(&sha256_of(&first), "2026-01-01");
    assert_eq!(day1.len(), 12);
    assert!(day1
        .iter()
        .all(|n| n.ends_with(".com") || n.ends_with(".net")));
    assert_ne!(
        day1,
        generate(&sha256_of(&first), "2026-01-02"),
        "the date is mixed in"
    );
    server.set(
        "/news",
        Route::Body(200, page("Election called").into_bytes()),
    );
    let second = cautery_in(data.path(), &["seed", "fetch", path]);
    assert!(
        text(&second.stdout).contains("predictions changed"),
        "{}",
        text(&second.stdout)
    );
    assert_ne!(day1, generate(&sha256_of(&second), "2026-01-01"));
    server.set(
        "/news",
        Route::Body(
            200,
            b"<html><body><h1>New design</h1></body></html>".to_vec(),
        ),
    );
    let redesigned = cautery_in(data.path(), &["seed", "fetch", path]);
    assert_eq!(redesigned.status.code(), Some(2));
    assert!(
        text(&redesigned.stderr).contains("h2.headline"),
        "{}",
        text(&redesigned.stderr)
    );
    let families = cautery_command()
        .args(["families"])
        .env("CAUTERY_FAMILY_DIRS", data.path())
        .output()
        .expect("families");
    let listing = text(&families.stdout);
    assert!(
        listing.contains("headlines-test") && listing.contains("bedep"),
        "{listing}"
    );
    assert_archive_intact(data.path());
}

#[test]
fn watch_prints_new_predictions_soon_after_an_input_changes() {
    let server = Server::start();
    let data = TempDir::new("seeds");
    server.set("/ecb.xml", Route::Body(200, fixture("2015_4_7.xml")));
    let config = data.path().join("watch.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\ntimeout-seconds = 2\n[[source]]\nname = \"ecb\"\nfamily = \"bedep\"\nurl = \"{}\"\ninterval-seconds = 1\njitter-seconds = 0\nseeds = [\"config0\"]\n",
            server.url("/ecb.xml")
        ),
    )
    .expect("write config");
    let mut child = cautery_command()
        .args([
            "seed",
            "watch",
            "--config",
            config.to_str().expect("utf-8"),
            "--for-seconds",
            "20",
        ])
        .env("CAUTERY_DATA", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn watch");
    let stdout = child.stdout.take().expect("stdout");
    let watch = Process::guard("seed watch", child);
    let (sender, receiver) = std::sync::mpsc::channel::<(String, Instant)>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send((line, Instant::now()));
        }
    });
    let next_header = || loop {
        let (line, at) = receiver
            .recv_timeout(Duration::from_secs(10))
            .expect("a header line");
        if line.starts_with("# ") {
            return (line, at);
        }
    };
    let (first, _) = next_header();
    assert!(first.contains(" ecb input "), "{first}");
    let changed = fixture("2015_4_24.xml");
    server.set("/ecb.xml", Route::Body(200, changed.clone()));
    let (second, printed) = next_header();
    let served = server
        .first_served("/ecb.xml", &changed)
        .expect("changed input served");
    let latency = printed.duration_since(served);
    drop(watch);
    assert_ne!(first, second);
    let hash = second
        .split_whitespace()
        .nth(4)
        .expect("hash in header")
        .trim_end_matches(':');
    assert_eq!(hash.len(), 64, "{second}");
    eprintln!("served-to-printed latency: {latency:?}");
    assert!(latency < Duration::from_secs(1), "latency {latency:?}");
}

//! The HTTP API of `cautery serve` (issue 14) against a running daemon
//! with a fixed clock: bodies checked against what the CLI and DNS say,
//! and every body checked against the OpenAPI document the server serves
//! (its schemas, with a JSON Schema validator). Then tokens and scopes,
//! the failed-attempt limit, CSRF rules, and an allow-list write that
//! reaches the served zone and the audit log.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::harness::{cautery, cautery_command, free_port, stdout, wait_until, Process, TempDir};

const DAY: &str = "2026-11-26T12:00:00Z";
/// The fixed clock of the daemon with events: not the wall clock, so a
/// sinkhole stamping events with the system clock fails the victims test.
pub const EVENTS_AT: &str = "2026-11-20T09:41:00Z";
const READ_TOKEN: &str = "read-token-0123456789abcdef";
const ADMIN_TOKEN: &str = "admin-token-0123456789abcdef";

/// A daemon serving chinad for one day, its HTTP server on `http`.
pub struct Daemon {
    /// The daemon's process.
    pub process: Process,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    dns: u16,
    openapi: Value,
}

fn start(dir: &TempDir, http_section: &str) -> Daemon {
    let (dns, http) = (free_port(), free_port());
    let clock = dir.write("clock", DAY);
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[server]\nlisten = [\"127.0.0.1:{dns}\"]\nstate-dir = \"{}\"\n\
             [http]\nlisten = \"127.0.0.1:{http}\"\n{http_section}\n[events]\nstore = \"\"\n\
             [[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"chinad\"]\ndays-back = 0\ndays-ahead = 0\n",
            dir.join("state").display()
        ),
    );
    let mut command: Command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--clock-file")
        .arg(&clock);
    let process = Process::start("cautery", command, &dir.join("cautery.log"));
    let base = format!("http://127.0.0.1:{http}");
    wait_until(Duration::from_secs(60), || {
        get(&format!("{base}/health"), None).0 == 200
    })
    .unwrap_or_else(|e| panic!("daemon not healthy ({e:?}): {}", process.log()));
    let (status, openapi) = get(&format!("{base}/api/v1/openapi.json"), None);
    assert_eq!(status, 200);
    Daemon {
        process,
        base,
        dns,
        openapi: serde_json::from_str(&openapi).expect("openapi.json is JSON"),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and body of a GET.
pub fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let mut request = agent().get(url);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    match request.call() {
        Ok(mut response) => (
            response.status().as_u16(),
            response.body_mut().read_to_string().unwrap_or_default(),
        ),
        Err(_) => (0, String::new()),
    }
}

/// Status and body of a POST of `body` (JSON unless `content_type` says).
fn post(url: &str, token: Option<&str>, content_type: &str, body: &str) -> (u16, String) {
    let mut request = agent().post(url).header("Content-Type", content_type);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let mut response = request.send(body).expect("POST");
    (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap_or_default(),
    )
}

impl Daemon {
    /// GET `path`, expecting `status`, the body valid against `schema`.
    fn json(&self, path: &str, token: Option<&str>, status: u16, schema: &str) -> Value {
        let (got, body) = get(&format!("{}{path}", self.base), token);
        assert_eq!(got, status, "GET {path}: {body}");
        self.checked(path, &body, schema)
    }

    /// `body` parsed and validated against `#/components/schemas/{schema}`.
    fn checked(&self, what: &str, body: &str, schema: &str) -> Value {
        validated(&self.openapi, what, body, schema)
    }
}

/// `body` parsed and validated against `#/components/schemas/{schema}` of
/// the OpenAPI document `openapi`.
pub fn validated(openapi: &Value, what: &str, body: &str, schema: &str) -> Value {
    let value: Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {body}"));
    let mut root = openapi.clone();
    root["$ref"] = Value::from(format!("#/components/schemas/{schema}"));
    let validator = jsonschema::validator_for(&root).expect("the OpenAPI schemas compile");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .take(3)
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match {schema}: {errors:?}\n{}",
        body.chars().take(2000).collect::<String>()
    );
    value
}

fn names_of(family: &str, day: &str) -> Vec<String> {
    let output = cautery(&["generate", family, "--date", day]);
    stdout(&output).lines().map(str::to_string).collect()
}

#[test]
fn every_read_endpoint_answers_what_the_cli_and_the_zone_say_in_the_documented_shape() {
    let dir = TempDir::new("api-reads");
    let daemon = start(&dir, "");
    let expected = names_of("chinad", "2026-11-26");
    assert!(!expected.is_empty());

    // Families: every one, a search, pages that continue.
    let all = daemon.json("/api/v1/families", None, 200, "FamilyPage");
    let total = all["total"].as_u64().expect("total");
    assert!(total > 40, "{total} families");
    let found = daemon.json("/api/v1/families?q=chin", None, 200, "FamilyPage");
    assert!(found["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|f| f["name"] == "chinad"));
    let first = daemon.json("/api/v1/families?limit=2", None, 200, "FamilyPage");
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = daemon.json(
        &format!("/api/v1/families?limit=2&cursor={cursor}"),
        None,
        200,
        "FamilyPage",
    );
    assert_ne!(first["items"][0]["name"], second["items"][0]["name"]);
    assert_eq!(second["items"][0]["name"], all["items"][2]["name"]);
    let bad = daemon.json("/api/v1/families?cursor=zzz", None, 400, "Error");
    assert!(
        bad["error"]
            .as_str()
            .expect("error")
            .contains("next_cursor"),
        "{bad}"
    );

    // One family; an unknown one says what was meant.
    let chinad = daemon.json("/api/v1/families/chinad", None, 200, "Family");
    assert_eq!(chinad["name"], "chinad");
    let unknown = daemon.json("/api/v1/families/chinda", None, 404, "Error");
    assert!(
        unknown["error"].as_str().expect("error").contains("chinad"),
        "{unknown}"
    );

    // Predictions are the CLI's names, in the CLI's order.
    let predicted = daemon.json(
        "/api/v1/families/chinad/predictions?from=2026-11-26&to=2026-11-26&limit=10000",
        None,
        200,
        "Predictions",
    );
    let names: Vec<&str> = predicted["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, expected);
    assert_eq!(predicted["items"][0]["valid_from"], "2026-11-26T00:00:00Z");
    assert_eq!(predicted["items"][0]["valid_to"], "2026-11-27T00:00:00Z");
    // The same day again, a page at a time (kept from the answer above):
    // every name once, in the same order.
    let mut paged: Vec<String> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = daemon.json(
            &format!(
                "/api/v1/families/chinad/predictions?from=2026-11-26&to=2026-11-26&limit=300{cursor}"
            ),
            None,
            200,
            "Predictions",
        );
        assert_eq!(page["total"], names.len());
        paged.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|p| p["name"].as_str().expect("name").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(paged, names);
    let default_day = daemon.json(
        "/api/v1/families/chinad/predictions?limit=1",
        None,
        200,
        "Predictions",
    );
    assert_eq!(
        default_day["from"], "2026-11-26",
        "the daemon's clock decides today"
    );
    let long = daemon.json(
        "/api/v1/families/chinad/predictions?from=2026-01-01&to=2026-12-31",
        None,
        400,
        "Error",
    );
    assert!(
        long["error"].as_str().expect("error").contains("31 days"),
        "{long}"
    );

    // Lookup by GET and POST, from the served zone.
    let one = daemon.json(
        &format!("/api/v1/lookup?name={}", expected[0].to_uppercase()),
        None,
        200,
        "Lookup",
    );
    assert_eq!(one["at"], DAY);
    assert_eq!(one["results"][0]["found"], true);
    assert_eq!(one["results"][0]["matches"][0]["family"], "chinad");
    assert_eq!(one["results"][0]["matches"][0]["zone"], "cautery.rpz");
    assert_eq!(
        one["results"][0]["matches"][0]["valid_from"],
        "2026-11-26T00:00:00Z"
    );
    let body = serde_json::json!({"names": [expected[1], "example.com"]}).to_string();
    let (status, text) = post(
        &format!("{}/api/v1/lookup", daemon.base),
        None,
        "application/json",
        &body,
    );
    assert_eq!(status, 200, "{text}");
    let two = daemon.checked("POST lookup", &text, "Lookup");
    assert_eq!(two["results"][0]["found"], true);
    assert_eq!(two["results"][1]["found"], false);
    assert_eq!(two["results"][1]["matches"], serde_json::json!([]));

    // Zones: the serial DNS gives, one rule per name of the day.
    let zones = daemon.json("/api/v1/zones", None, 200, "Zones");
    let zone = &zones["zones"][0];
    assert_eq!(zone["name"], "cautery.rpz");
    assert_eq!(zone["rules"].as_u64(), Some(expected.len() as u64));
    let soa = crate::harness::dig(daemon.dns, &["+short", "cautery.rpz", "SOA"]);
    let serial = soa.split_whitespace().nth(2).expect("SOA serial");
    assert_eq!(zone["serial"].to_string(), serial, "{soa}");
    assert_eq!(zone["next_change"], "2026-11-27T00:00:00Z");
    assert_eq!(
        zone["secondaries"],
        serde_json::json!([]),
        "no transfer yet"
    );
    // A secondary on 127.0.0.2 transfers the zone: its address, the kind
    // and the serial it got, in sync.
    let axfr = crate::harness::dig(daemon.dns, &["-b", "127.0.0.2", "cautery.rpz", "AXFR"]);
    assert!(axfr.contains("SOA"), "{axfr}");
    let zones = daemon.json("/api/v1/zones", None, 200, "Zones");
    let secondary = &zones["zones"][0]["secondaries"][0];
    assert_eq!(secondary["address"], "127.0.0.2", "{zones}");
    assert_eq!(secondary["kind"], "axfr");
    assert_eq!(secondary["serial"].to_string(), serial);
    assert_eq!(secondary["in_sync"], true);

    // The campaign of the zone, its families and horizon.
    let campaigns = daemon.json("/api/v1/campaigns", None, 200, "Campaigns");
    let campaign = &campaigns["campaigns"][0];
    assert_eq!(campaign["zone"], "cautery.rpz");
    assert_eq!(campaign["targets"][0]["family"], "chinad");
    assert_eq!(campaign["days_back"], 0);
    let name = campaign["name"].as_str().expect("name");
    let report = daemon.json(
        &format!("/api/v1/campaigns/{name}/collisions"),
        None,
        200,
        "Collisions",
    );
    assert_eq!(report["total"], 0, "nothing allow-listed: {report}");
    assert_eq!(report["kept"].as_u64(), Some(expected.len() as u64));
    daemon.json("/api/v1/campaigns/nothing/collisions", None, 404, "Error");

    // Errors are JSON with the same shape; headers forbid inline script.
    daemon.json("/api/v2/nothing", None, 404, "Error");
    let response = agent()
        .get(&format!("{}/api/v1/zones", daemon.base))
        .call()
        .expect("GET");
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    // /metrics moved under the same address.
    let (status, metrics) = get(&format!("{}/metrics", daemon.base), None);
    assert_eq!(status, 200);
    assert!(
        metrics.contains(&format!("cautery_serial{{zone=\"cautery.rpz.\"}} {serial}")),
        "{metrics}"
    );
    drop(daemon.process);
}

#[test]
fn tokens_have_scopes_failures_are_limited_and_writes_need_json_from_this_origin() {
    let dir = TempDir::new("api-tokens");
    let daemon = start(
        &dir,
        &format!(
            "max-failures-per-minute = 3\n\
             [[http.tokens]]\nname = \"analyst\"\ntoken = \"{READ_TOKEN}\"\nscope = \"read\"\n\
             [[http.tokens]]\nname = \"lead\"\ntoken = \"{ADMIN_TOKEN}\"\nscope = \"admin\"\n"
        ),
    );
    let zones = format!("{}/api/v1/zones", daemon.base);
    let reload = format!("{}/api/v1/reload", daemon.base);
    let refused = daemon.json("/api/v1/zones", None, 401, "Error");
    assert!(
        refused["error"].as_str().expect("error").contains("Bearer"),
        "{refused}"
    );
    daemon.json("/api/v1/zones", Some(READ_TOKEN), 200, "Zones");
    let (status, body) = post(&reload, Some(READ_TOKEN), "application/json", "{}");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("admin"), "{body}");
    let (status, body) = post(&reload, Some(ADMIN_TOKEN), "text/plain", "{}");
    assert_eq!(status, 415, "a form cannot post: {body}");
    let (status, body) = post(&reload, Some(ADMIN_TOKEN), "application/json", "{}");
    assert_eq!(status, 200, "{body}");
    daemon.checked("reload", &body, "Reloaded");
    let cross = agent()
        .post(&reload)
        .header("Content-Type", "application/json")
        .header("Origin", "http://evil.example")
        .header("Authorization", &format!("Bearer {ADMIN_TOKEN}"))
        .send("{}")
        .expect("POST");
    assert_eq!(cross.status().as_u16(), 403);
    // The request without a token failed once; two wrong tokens make
    // three, and then even the right one waits for the minute.
    for _ in 0..2 {
        assert_eq!(get(&zones, Some("wrong-token-0123456789abcdef")).0, 401);
    }
    let (status, body) = get(&zones, Some(READ_TOKEN));
    assert_eq!(status, 429, "{body}");
    assert!(daemon.process.log().contains("wrong bearer token"));
    // Liveness and the API's description stay open.
    assert_eq!(get(&format!("{}/health", daemon.base), None).0, 200);
}

#[test]
fn an_allow_list_entry_reaches_the_zone_at_the_next_serial_and_the_audit_log() {
    let dir = TempDir::new("api-allow");
    let daemon = start(&dir, "");
    let name = names_of("chinad", "2026-11-26").remove(0);
    let serial_of = || {
        daemon.json("/api/v1/zones", None, 200, "Zones")["zones"][0]["serial"]
            .as_u64()
            .expect("serial")
    };
    let before = serial_of();
    let url = format!("{}/api/v1/allow-list", daemon.base);
    let body = serde_json::json!({"name": name, "reason": "sinkholed by the registry, ticket 42"})
        .to_string();
    let (status, text) = post(&url, None, "application/json", &body);
    assert_eq!(status, 201, "{text}");
    daemon.checked("allow add", &text, "Written");
    let (status, text) = post(&url, None, "application/json", &body);
    assert_eq!(status, 409, "twice: {text}");
    let bad = serde_json::json!({"name": "not a name", "reason": "x"}).to_string();
    let (status, text) = post(&url, None, "application/json", &bad);
    assert_eq!(status, 400, "{text}");
    daemon.checked("bad name", &text, "Error");

    let lookup = format!("/api/v1/lookup?name={name}");
    wait_until(Duration::from_secs(60), || {
        daemon.json(&lookup, None, 200, "Lookup")["results"][0]["found"] == false
    })
    .unwrap_or_else(|e| {
        panic!(
            "the allowed name is still served ({e:?}): {}",
            daemon.process.log()
        )
    });
    assert!(serial_of() > before, "a new serial");
    // The collision report names it, with the list and entry that matched.
    let campaign = daemon.json("/api/v1/campaigns", None, 200, "Campaigns")["campaigns"][0]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    let report = daemon.json(
        &format!("/api/v1/campaigns/{campaign}/collisions"),
        None,
        200,
        "Collisions",
    );
    assert_eq!(report["total"], 1, "{report}");
    assert_eq!(report["items"][0]["name"], name.as_str());
    assert_eq!(report["items"][0]["family"], "chinad");
    assert_eq!(report["items"][0]["entry"], name.as_str());
    assert!(
        report["items"][0]["reason"]
            .as_str()
            .expect("reason")
            .starts_with("allow-list"),
        "{report}"
    );
    let entries = daemon.json("/api/v1/allow-list", None, 200, "AllowEntries");
    assert_eq!(entries["entries"][0]["name"], name.as_str());
    assert_eq!(entries["entries"][0]["by"], "loopback");
    assert_eq!(entries["entries"][0]["at"], DAY);
    let audit = std::fs::read_to_string(dir.join("state").join("audit.jsonl")).expect("audit log");
    let line: Value =
        serde_json::from_str(audit.lines().next().expect("a line")).expect("JSON line");
    assert_eq!(line["action"], "allow-add");
    assert_eq!(line["name"], name.as_str());
    assert_eq!(line["reason"], "sinkholed by the registry, ticket 42");
    assert_eq!(line["from"], "127.0.0.1");

    // Removing it needs a reason and brings the name back.
    let removed = agent()
        .delete(&format!("{url}/{name}?reason=registry%20released%20it"))
        .call()
        .expect("DELETE");
    assert_eq!(removed.status().as_u16(), 200);
    wait_until(Duration::from_secs(60), || {
        daemon.json(&lookup, None, 200, "Lookup")["results"][0]["found"] == true
    })
    .unwrap_or_else(|e| panic!("the name did not come back ({e:?})"));
    let audit = std::fs::read_to_string(dir.join("state").join("audit.jsonl")).expect("audit log");
    assert_eq!(audit.lines().count(), 2, "{audit}");
    assert!(audit.contains("allow-remove") && audit.contains("registry released it"));
}

#[test]
fn the_api_is_refused_on_a_public_address_without_tokens() {
    let dir = TempDir::new("api-public");
    let config = dir.write(
        "cautery.toml",
        "version = 1\n[http]\nlisten = \"0.0.0.0:8053\"\n[[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"chinad\"]\n",
    );
    let output = cautery(&["check-config", config.to_str().expect("path")]);
    assert_eq!(output.status.code(), Some(2));
    let message = crate::harness::stderr(&output);
    assert!(
        message.contains("0.0.0.0:8053") && message.contains("tokens"),
        "{message}"
    );
    let short = dir.write(
        "short.toml",
        "version = 1\n[[http.tokens]]\nname = \"x\"\ntoken = \"short\"\nscope = \"read\"\n",
    );
    let output = cautery(&["check-config", short.to_str().expect("path")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::harness::stderr(&output).contains("at least 16"));
}

/// A daemon with a connection sinkhole for necurs, its clock fixed at
/// [`EVENTS_AT`] (the sinkhole stamps events with the daemon's clock), that
/// has recorded three bot requests for necurs names and one for a name no
/// zone has; `extra` is appended to its configuration. Returns the daemon
/// and the instant.
pub fn daemon_with_events(dir: &TempDir, extra: &str) -> (Daemon, chrono::DateTime<chrono::Utc>) {
    let now: chrono::DateTime<chrono::Utc> = EVENTS_AT.parse().expect("instant");
    let day = now.format("%Y-%m-%d").to_string();
    let (dns, http, sink) = (free_port(), free_port(), free_port());
    let clock = dir.write("clock", &now.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[server]\nlisten = [\"127.0.0.1:{dns}\"]\nstate-dir = \"{}\"\n\
             [http]\nlisten = \"127.0.0.1:{http}\"\n\
             [sinkhole]\nhttp-listen = [\"127.0.0.1:{sink}\"]\n\
             [[zone]]\nname = \"sink.rpz\"\nfamilies = [\"necurs\"]\nseeds = \"default\"\n\
             days-back = 0\ndays-ahead = 0\naction = \"sinkhole\"\nsinkhole-v4 = [\"127.0.0.1\"]\n{extra}",
            dir.join("state").display()
        ),
    );
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--clock-file")
        .arg(&clock);
    let process = Process::start("cautery", command, &dir.join("cautery.log"));
    let base = format!("http://127.0.0.1:{http}");
    wait_until(Duration::from_secs(60), || {
        get(&format!("{base}/health"), None).0 == 200
            && process.log().contains("sinkhole listening")
    })
    .unwrap_or_else(|e| panic!("daemon not up ({e:?}): {}", process.log()));
    let openapi =
        serde_json::from_str(&get(&format!("{base}/api/v1/openapi.json"), None).1).expect("JSON");
    let daemon = Daemon {
        process,
        base,
        dns,
        openapi,
    };
    let names = names_of("necurs", &day);
    for host in [
        &names[0],
        &names[1],
        &names[2],
        &"unrelated.example".to_string(),
    ] {
        let _ = agent()
            .get(&format!("http://127.0.0.1:{sink}/gate.php"))
            .header("Host", host.as_str())
            .call();
    }
    wait_until(Duration::from_secs(30), || {
        get(&format!("{}/api/v1/victims", daemon.base), None)
            .1
            .contains("\"events\":4,")
    })
    .unwrap_or_else(|e| panic!("events not stored ({e:?}): {}", daemon.process.log()));
    (daemon, now)
}

#[test]
fn victims_count_the_sinkhole_events_per_family_hour_and_network() {
    let dir = TempDir::new("api-victims");
    let (daemon, now) = daemon_with_events(&dir, "");
    let mut victims = Value::Null;
    wait_until(Duration::from_secs(30), || {
        victims = daemon.json("/api/v1/victims", None, 200, "Victims");
        victims["events"] == 4
    })
    .unwrap_or_else(|e| panic!("events not counted ({e:?}): {victims}"));
    assert_eq!(victims["sources"], 1);
    assert_eq!(victims["bucket_seconds"], 3600);
    let necurs = victims["families"]
        .as_array()
        .expect("families")
        .iter()
        .find(|f| f["family"] == "necurs")
        .unwrap_or_else(|| panic!("no necurs series: {victims}"));
    assert_eq!(necurs["events"], 3);
    let points = necurs["points"].as_array().expect("points");
    assert_eq!(points.len(), 24, "every hour of the day, zeros included");
    let hour = now.format("%Y-%m-%dT%H:00:00Z").to_string();
    let last = points.last().expect("a point");
    assert_eq!(last["at"], hour.as_str());
    assert_eq!(last["events"], 3);
    assert_eq!(
        points
            .iter()
            .map(|p| p["events"].as_u64().unwrap_or(0))
            .sum::<u64>(),
        3
    );
    assert_eq!(victims["countries"][0]["events"], 4);
    let long = daemon.json("/api/v1/victims?hours=10000", None, 400, "Error");
    assert!(
        long["error"].as_str().expect("error").contains("744"),
        "{long}"
    );
}

#[test]
fn monitor_state_alerts_and_seed_inputs_are_read_from_the_monitors_tables_and_the_archive() {
    let dir = TempDir::new("api-monitor");
    let campaign = crate::monitor::campaign(&dir);
    let at = "2026-11-26T00:00:00Z";
    let names = crate::monitor::predicted(&campaign, at);
    let (first, second) = (&names[5], &names[50]);
    let zone = dir.write(
        "tld.zone",
        &format!("{first}. NS ns1.evil.test.\n{second}. NS ns2.evil.test.\n"),
    );
    let archive = dir.join("cautery-data");
    let start: chrono::DateTime<chrono::Utc> = at.parse().expect("instant");
    // bedep fetched 80 hours before (72 allowed: a health alert), and
    // twice before that.
    for hours in [100, 90, 80] {
        crate::monitor::seed_record(
            &archive,
            "bedep",
            &(start - chrono::Duration::hours(hours)).to_rfc3339(),
        );
    }
    let (dns, http) = (free_port(), free_port());
    let clock = dir.write("clock", at);
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[server]\nlisten = [\"127.0.0.1:{dns}\"]\nstate-dir = \"{d}/state\"\n\
             [http]\nlisten = \"127.0.0.1:{http}\"\n[events]\nstore = \"\"\n[monitor]\n\
             campaigns = [\"{campaign}\"]\nzone-files = [\"{zone}\"]\nmax-failures = 1\n\
             state = \"monitor.sqlite\"\nseed-archive = \"cautery-data\"\n\
             seed-inputs = [\"bedep=72\"]\n\
             [[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"chinad\"]\n",
            d = dir.path().display(),
            zone = zone.display(),
        ),
    );
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--clock-file")
        .arg(&clock);
    let process = Process::start("cautery", command, &dir.join("cautery.log"));
    let base = format!("http://127.0.0.1:{http}");
    // The seed-input health alert may be stored before the cycle's zone
    // join: wait for the whole cycle, both registrations included.
    wait_until(Duration::from_secs(60), || {
        let body = get(&format!("{base}/api/v1/monitor/alerts"), None).1;
        let alerts: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let kinds: Vec<&str> = alerts["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["kind"].as_str())
            .collect();
        kinds.contains(&"health") && kinds.iter().filter(|k| **k == "registered").count() == 2
    })
    .unwrap_or_else(|e| panic!("no monitor cycle ({e:?}): {}", process.log()));
    let openapi =
        serde_json::from_str(&get(&format!("{base}/api/v1/openapi.json"), None).1).expect("JSON");
    let daemon = Daemon {
        process,
        base,
        dns,
        openapi,
    };

    // Two names registered, in name order, a page at a time.
    let monitor = daemon.json("/api/v1/monitor", None, 200, "Monitor");
    assert_eq!(monitor["at"], at);
    assert_eq!(monitor["interval_seconds"], 3600);
    let mut registered = [first.clone(), second.clone()];
    registered.sort();
    assert_eq!(monitor["items"][0]["domain"], registered[0].as_str());
    assert_eq!(monitor["items"][1]["domain"], registered[1].as_str());
    assert_eq!(monitor["items"][0]["first_seen"], at);
    let sources = monitor["sources"].as_array().expect("sources");
    let seed_input = sources
        .iter()
        .find(|s| s["source"] == "seed-input:bedep")
        .unwrap_or_else(|| panic!("no seed-input source: {monitor}"));
    assert_eq!(seed_input["healthy"], false);
    assert!(
        seed_input["last_error"]
            .as_str()
            .expect("error")
            .contains("stale"),
        "{seed_input}"
    );
    assert!(sources.iter().any(|s| s["source"]
        .as_str()
        .expect("source")
        .starts_with("zone-file:")
        && s["healthy"] == true));
    let page = daemon.json("/api/v1/monitor?limit=1", None, 200, "Monitor");
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
    let cursor = page["next_cursor"].as_str().expect("a next page");
    let rest = daemon.json(
        &format!("/api/v1/monitor?limit=1&cursor={cursor}"),
        None,
        200,
        "Monitor",
    );
    assert_eq!(rest["items"][0]["domain"], registered[1].as_str());
    assert_eq!(rest["next_cursor"], Value::Null);

    // Alerts: two registrations and the health alert, newest first, paged.
    let alerts = daemon.json("/api/v1/monitor/alerts", None, 200, "MonitorAlerts");
    let items = alerts["items"].as_array().expect("items");
    let mut kinds: Vec<&str> = items
        .iter()
        .map(|a| a["kind"].as_str().expect("kind"))
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["health", "registered", "registered"], "{alerts}");
    let ids: Vec<i64> = items
        .iter()
        .map(|a| a["id"].as_i64().expect("id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert!(items.iter().all(|a| a["at"] == at));
    let registration = items
        .iter()
        .find(|a| a["domain"] == first.as_str())
        .unwrap_or_else(|| panic!("no alert of {first}: {alerts}"));
    assert_eq!(registration["detail"]["kind"], "registered");
    let one = daemon.json("/api/v1/monitor/alerts?limit=1", None, 200, "MonitorAlerts");
    let cursor = one["next_cursor"].as_str().expect("a next page");
    let two = daemon.json(
        &format!("/api/v1/monitor/alerts?limit=2&cursor={cursor}"),
        None,
        200,
        "MonitorAlerts",
    );
    assert_eq!(two["items"][0]["id"].as_i64(), Some(ids[1]));
    assert_eq!(two["items"][1]["id"].as_i64(), Some(ids[2]));
    let bad = daemon.json("/api/v1/monitor/alerts?cursor=x1", None, 400, "Error");
    assert!(bad["error"]
        .as_str()
        .expect("error")
        .contains("next_cursor"));

    // The seed archive: three fetches, newest first.
    let seeds = daemon.json("/api/v1/seeds?source=bedep", None, 200, "SeedInputs");
    assert_eq!(seeds["total"], 3);
    assert_eq!(seeds["items"][0]["fetched_at"], "2026-11-22T16:00:00Z");
    assert_eq!(seeds["items"][0]["day"], "2026-11-22");
    assert_eq!(seeds["items"][0]["size"], 10);
    assert_eq!(seeds["items"][2]["fetched_at"], "2026-11-21T20:00:00Z");
    let none = daemon.json("/api/v1/seeds?source=murofet", None, 200, "SeedInputs");
    assert_eq!(none["total"], 0);
    daemon.json("/api/v1/seeds?limit=0", None, 400, "Error");
}

/// A CA and a certificate for 127.0.0.1 signed by it (made here: no key
/// is committed): the CA's DER, the server's PEM chain and key.
fn api_certificates() -> (Vec<u8>, String, String) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "cautery API test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let key = rcgen::KeyPair::generate().expect("server key");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    let server = params.signed_by(&key, &ca, &ca_key).expect("certificate");
    (ca.der().to_vec(), server.pem(), key.serialize_pem())
}

/// One HTTP/1.1 GET over TLS to 127.0.0.1:`port`, trusting `roots` only:
/// the status and body, or the TLS error.
fn tls_get(
    roots: &rustls::RootCertStore,
    port: u16,
    path: &str,
    token: Option<&str>,
) -> Result<(u16, String), String> {
    use std::io::{Read, Write};
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots.clone())
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").map_err(|e| e.to_string())?;
    let connection =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let socket = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut stream = rustls::StreamOwned::new(connection, socket);
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{authorization}Connection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        // A server closing without close_notify still gave its answer.
        Err(e) if !answer.is_empty() && e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => return Err(e.to_string()),
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status: {text}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

#[test]
fn over_tls_the_api_needs_a_token_and_a_client_that_trusts_the_configured_certificate() {
    let dir = TempDir::new("api-tls");
    let (ca, chain, key) = api_certificates();
    let chain_file = dir.write("api.pem", &chain);
    let key_file = dir.write("api.key", &key);
    // Deployed as for a public address: TLS from files, tokens required.
    let daemon_section = format!(
        "tls-certificate = \"{}\"\ntls-key = \"{}\"\n\
         [[http.tokens]]\nname = \"analyst\"\ntoken = \"{READ_TOKEN}\"\nscope = \"read\"\n",
        chain_file.display(),
        key_file.display()
    );
    let (dns, http) = (free_port(), free_port());
    let clock = dir.write("clock", DAY);
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[server]\nlisten = [\"127.0.0.1:{dns}\"]\nstate-dir = \"{}\"\n\
             [http]\nlisten = \"127.0.0.1:{http}\"\n{daemon_section}\n[events]\nstore = \"\"\n\
             [[zone]]\nname = \"cautery.rpz\"\nfamilies = [\"chinad\"]\ndays-back = 0\ndays-ahead = 0\n",
            dir.join("state").display()
        ),
    );
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--clock-file")
        .arg(&clock);
    let process = Process::start("cautery", command, &dir.join("cautery.log"));
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca))
        .expect("CA");
    wait_until(Duration::from_secs(60), || {
        tls_get(&roots, http, "/health", None).is_ok_and(|(status, _)| status == 200)
    })
    .unwrap_or_else(|e| panic!("no HTTPS ({e:?}): {}", process.log()));

    let (_, openapi) = tls_get(&roots, http, "/api/v1/openapi.json", None).expect("openapi");
    let openapi: Value = serde_json::from_str(&openapi).expect("JSON");
    // No token: 401 with a JSON error that says what to send.
    let (status, body) = tls_get(&roots, http, "/api/v1/zones", None).expect("TLS");
    assert_eq!(status, 401, "{body}");
    let refused = validated(&openapi, "no token", &body, "Error");
    assert!(
        refused["error"].as_str().expect("error").contains("Bearer"),
        "{refused}"
    );
    // The read token: the zones.
    let (status, body) = tls_get(&roots, http, "/api/v1/zones", Some(READ_TOKEN)).expect("TLS");
    assert_eq!(status, 200, "{body}");
    let zones = validated(&openapi, "zones over TLS", &body, "Zones");
    assert_eq!(zones["zones"][0]["name"], "cautery.rpz");
    // A client that does not trust the CA gets no answer at all.
    let stranger = rustls::RootCertStore::empty();
    let refused = tls_get(&stranger, http, "/api/v1/zones", Some(READ_TOKEN));
    assert!(refused.is_err(), "{refused:?}");
    // Plain HTTP on the TLS port is not answered with the API.
    let (status, _) = get(
        &format!("http://127.0.0.1:{http}/api/v1/zones"),
        Some(READ_TOKEN),
    );
    assert_ne!(status, 200);
}

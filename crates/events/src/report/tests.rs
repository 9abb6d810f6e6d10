use std::collections::BTreeMap;

use chrono::{Duration, Utc};

use super::*;
use crate::event::Details;
use crate::store::SqliteStore;
use crate::testing::{at, dns_event, http_event, tcp_event, tls_event};

/// The headers as `shared/formats/shadowserver.md` gives them, wrapped as
/// there.
const FORMAT_SINKHOLE_HTTP: &str = "
    timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,src_hostname,src_naics,
    src_sector,device_vendor,device_type,device_model,dst_ip,dst_port,dst_asn,dst_geo,dst_region,
    dst_city,dst_hostname,dst_naics,dst_sector,public_source,infection,family,tag,application,version,
    event_id,http_url,http_host,http_agent,forwarded_by,ssl_cipher,http_referer";
const FORMAT_SINKHOLE_DNS: &str = "
    timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,src_hostname,src_naics,
    src_sector,device_vendor,device_type,device_model,infection,family,tag,query_type,query,count";

fn unwrap_header(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn headers_are_shadowservers() {
    let http = unwrap_header(FORMAT_SINKHOLE_HTTP);
    let dns = unwrap_header(FORMAT_SINKHOLE_DNS);
    // "the same columns up to and including event_id"
    let sinkhole = &http[..http.find("event_id").unwrap() + "event_id".len()];
    for (reports, expected) in [
        (
            [Report::Event4SinkholeHttp, Report::Event6SinkholeHttp],
            &*http,
        ),
        ([Report::Event4Sinkhole, Report::Event6Sinkhole], sinkhole),
        (
            [Report::Event4SinkholeDns, Report::Event6SinkholeDns],
            &*dns,
        ),
    ] {
        for report in reports {
            assert_eq!(report.columns().join(","), expected);
            let quoted: Vec<String> = expected.split(',').map(|c| format!("\"{c}\"")).collect();
            assert_eq!(report.header(), format!("{}\n", quoted.join(",")));
        }
    }
    assert_eq!(
        Report::Event4SinkholeDns.header(),
        "\"timestamp\",\"protocol\",\"src_ip\",\"src_port\",\"src_asn\",\"src_geo\",\
         \"src_region\",\"src_city\",\"src_hostname\",\"src_naics\",\"src_sector\",\
         \"device_vendor\",\"device_type\",\"device_model\",\"infection\",\"family\",\"tag\",\
         \"query_type\",\"query\",\"count\"\n"
    );
}

#[test]
fn file_names_carry_date_report_and_scope() {
    let day = NaiveDate::from_ymd_opt(2021, 3, 4).unwrap();
    assert_eq!(
        Report::Event4SinkholeHttp.file_name(day, &Scope::Asn(64500)),
        "2021-03-04-event4_sinkhole_http-as64500.csv"
    );
    assert_eq!(
        Report::Event6SinkholeDns.file_name(day, &"2001:db8::/32".parse().unwrap()),
        "2021-03-04-event6_sinkhole_dns-cidr-2001_db8__-32.csv"
    );
    assert_eq!(
        Report::Event4Sinkhole.file_name(day, &"192.0.2.0/24".parse().unwrap()),
        "2021-03-04-event4_sinkhole-cidr-192_0_2_0-24.csv"
    );
    assert_eq!(
        Report::Event4SinkholeDns.file_name(day, &Scope::Country("NL".to_owned())),
        "2021-03-04-event4_sinkhole_dns-country-nl.csv"
    );
}

#[test]
fn events_go_to_their_report_by_protocol_and_family_of_address() {
    assert_eq!(
        Report::of(&http_event("192.0.2.2:1")),
        Report::Event4SinkholeHttp
    );
    assert_eq!(
        Report::of(&http_event("[2001:db8::1]:1")),
        Report::Event6SinkholeHttp
    );
    assert_eq!(
        Report::of(&tls_event("192.0.2.2:1")),
        Report::Event4Sinkhole
    );
    assert_eq!(
        Report::of(&tcp_event("[::ffff:192.0.2.2]:1")),
        Report::Event4Sinkhole
    );
    assert_eq!(
        Report::of(&dns_event("[2001:db8::1]:1", "a.com", "A")),
        Report::Event6SinkholeDns
    );
}

/// A day of events: three identical DNS queries (ports and times differ),
/// other DNS rows, one event of each connection kind, and events either
/// side of the day.
fn day_of_events() -> Vec<Event> {
    let mut events = Vec::new();
    for (second, port) in [(0, 5353), (30, 5354), (59, 5355)] {
        let mut query = dns_event(&format!("192.0.2.1:{port}"), "qwkjxhbd.com", "A");
        query.time = at(10, 0, second);
        events.push(query);
    }
    let mut aaaa = dns_event("192.0.2.1:6000", "qwkjxhbd.com", "AAAA");
    aaaa.time = at(9, 0, 0);
    events.push(aaaa);
    let mut other = dns_event("[::ffff:192.0.2.8]:7000", "qwkjxhbd.com", "A");
    other.time = at(10, 0, 30);
    events.push(other);
    let mut ipv6 = dns_event("[2001:db8::53]:8000", "xn--bcher-kva.example", "TXT");
    ipv6.src_asn = Some(64501);
    ipv6.src_country = Some("DE".to_owned());
    events.push(ipv6);
    events.push(http_event("192.0.2.2:40000"));
    events.push(tls_event("[2001:db8::2]:40001"));
    events.push(tcp_event("[::ffff:192.0.2.3]:40002"));
    let mut before = http_event("192.0.2.2:1");
    before.time = at(0, 0, 0) - Duration::microseconds(1);
    events.push(before);
    let mut after = http_event("192.0.2.2:2");
    after.time = at(0, 0, 0) + Duration::days(1);
    events.push(after);
    events
}

fn scopes() -> Vec<Scope> {
    [
        "as64500",
        "192.0.2.0/24",
        "country-de",
        "2001:db8::/32",
        "as65000",
    ]
    .iter()
    .map(|text| text.parse().unwrap())
    .collect()
}

/// A store read a page at a time, as PostgreSQL is (the default
/// [`EventStore::scan_between`]), with pages of two events.
struct Paged(SqliteStore);

impl EventStore for Paged {
    fn insert_batch(&mut self, batch: crate::BatchId, events: &[Event]) -> Result<(), StoreError> {
        self.0.insert_batch(batch, events)
    }

    fn events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Event)>, StoreError> {
        self.0.events_between(from, to, after_id, limit)
    }

    fn scan_page_size(&self) -> usize {
        2
    }

    fn delete_before(&mut self, before: DateTime<Utc>, max: usize) -> Result<usize, StoreError> {
        self.0.delete_before(before, max)
    }
}

/// Every file of a run, by name, as its lines.
fn run(options: &ReportOptions) -> (ReportSummary, BTreeMap<String, Vec<String>>) {
    run_on(options, false)
}

/// The same, read through [`Paged`] when `paged`.
fn run_on(options: &ReportOptions, paged: bool) -> (ReportSummary, BTreeMap<String, Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("events.db")).unwrap();
    store.insert(&day_of_events()).unwrap();
    let store: Box<dyn EventStore> = if paged {
        Box::new(Paged(store))
    } else {
        Box::new(store)
    };
    let out = dir.path().join("reports");
    std::fs::create_dir(&out).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let summary = write_reports(&*store, day, &scopes(), &out, options).unwrap();
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let entry = entry.unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        files.insert(
            entry.file_name().into_string().unwrap(),
            text.lines().map(str::to_owned).collect(),
        );
    }
    (summary, files)
}

const DNS_A: &str = "\"2026-03-04 10:00:00\",\"udp\",\"192.0.2.1\",5353,64500,\"NL\",,,,,,,,,\
                     \"necurs\",\"necurs\",\"op-necurs\",\"A\",\"qwkjxhbd.com\",3";
const DNS_AAAA: &str = "\"2026-03-04 09:00:00\",\"udp\",\"192.0.2.1\",6000,64500,\"NL\",,,,,,,,,\
                        \"necurs\",\"necurs\",\"op-necurs\",\"AAAA\",\"qwkjxhbd.com\",1";
const DNS_OTHER: &str = "\"2026-03-04 10:00:30\",\"udp\",\"192.0.2.8\",7000,64500,\"NL\",,,,,,,,,\
                         \"necurs\",\"necurs\",\"op-necurs\",\"A\",\"qwkjxhbd.com\",1";
const HTTP: &str = "\"2026-03-04 11:30:15\",\"tcp\",\"192.0.2.2\",40000,64500,\"NL\",,,,,,,,,\
                    \"198.51.100.80\",80,,,,,,,,\"cautery\",\"necurs\",\"necurs\",\"op-necurs\",\
                    \"http\",,,\"POST /gate.php?id=\"\"1\"\"\",\"qwkjxhbd.com\",\
                    \"Mozilla/4.0 (compatible; MSIE 7.0)\",\"203.0.113.9\",,";
const TCP: &str = "\"2026-03-04 23:59:59\",\"tcp\",\"192.0.2.3\",40002,,,,,,,,,,,\
                   \"198.51.100.80\",4455,,,,,,,,\"cautery\",\"necurs\",\"necurs\",\"op-necurs\",\
                   \"tcp\",,";
const TLS: &str = "\"2026-03-04 12:00:01\",\"tcp\",\"2001:db8::2\",40001,64501,\"DE\",,,,,,,,,\
                   \"2001:db8:53::443\",443,,,,,,,,\"cautery\",,,,\"https\",,";
const DNS_V6: &str = "\"2026-03-04 10:00:00\",\"udp\",\"2001:db8::53\",8000,64501,\"DE\",,,,,,,,,\
                      \"necurs\",\"necurs\",\"op-necurs\",\"TXT\",\"xn--bcher-kva.example\",1";

#[test]
fn a_day_is_reported_per_scope_with_dns_counted() {
    let (summary, files) = run(&ReportOptions::default());
    let header = |report: Report| report.header().trim_end().to_owned();
    let file = |lines: &[&str], report: Report| {
        let mut all = vec![header(report)];
        all.extend(lines.iter().map(|line| (*line).to_owned()));
        all
    };
    let expected: BTreeMap<String, Vec<String>> = [
        (
            "2026-03-04-event4_sinkhole_dns-as64500.csv",
            file(&[DNS_AAAA, DNS_A, DNS_OTHER], Report::Event4SinkholeDns),
        ),
        (
            "2026-03-04-event4_sinkhole_http-as64500.csv",
            file(&[HTTP], Report::Event4SinkholeHttp),
        ),
        (
            "2026-03-04-event4_sinkhole_dns-cidr-192_0_2_0-24.csv",
            file(&[DNS_AAAA, DNS_A, DNS_OTHER], Report::Event4SinkholeDns),
        ),
        (
            "2026-03-04-event4_sinkhole_http-cidr-192_0_2_0-24.csv",
            file(&[HTTP], Report::Event4SinkholeHttp),
        ),
        (
            "2026-03-04-event4_sinkhole-cidr-192_0_2_0-24.csv",
            file(&[TCP], Report::Event4Sinkhole),
        ),
        (
            "2026-03-04-event6_sinkhole-country-de.csv",
            file(&[TLS], Report::Event6Sinkhole),
        ),
        (
            "2026-03-04-event6_sinkhole_dns-country-de.csv",
            file(&[DNS_V6], Report::Event6SinkholeDns),
        ),
        (
            "2026-03-04-event6_sinkhole-cidr-2001_db8__-32.csv",
            file(&[TLS], Report::Event6Sinkhole),
        ),
        (
            "2026-03-04-event6_sinkhole_dns-cidr-2001_db8__-32.csv",
            file(&[DNS_V6], Report::Event6SinkholeDns),
        ),
    ]
    .into_iter()
    .map(|(name, lines)| (name.to_owned(), lines))
    .collect();
    assert_eq!(files, expected);

    // Every row has as many fields as its header (quotes aside, the values
    // here hold no commas).
    for (name, lines) in &files {
        let columns = lines[0].split(',').count();
        for line in &lines[1..] {
            let unquoted = line.replace("\"\"", "");
            let mut fields = 1;
            let mut quoted = false;
            for c in unquoted.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => fields += 1,
                    _ => {}
                }
            }
            assert_eq!(fields, columns, "{name}: {line}");
        }
    }

    assert_eq!(summary.passes, 1);
    assert_eq!(summary.files.len(), 9);
    assert_eq!(summary.rows(), 3 + 1 + 3 + 1 + 1 + 1 + 1 + 1 + 1);
    let first = &summary.files[0];
    assert_eq!(first.report, Report::Event4SinkholeHttp);
    assert_eq!(first.scope, Scope::Asn(64500));
    assert_eq!(first.rows, 1);
    assert!(first
        .path
        .ends_with("2026-03-04-event4_sinkhole_http-as64500.csv"));
    assert!(summary.files.iter().all(|file| file.rows
        == files[&file
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()]
            .len() as u64
            - 1));
}

#[test]
fn dns_counts_beyond_memory_take_more_passes_and_agree() {
    let (_, unbounded) = run(&ReportOptions::default());
    for (rows, paged) in [(1, false), (2, false), (1, true)] {
        let (summary, bounded) = run_on(
            &ReportOptions {
                dns_rows_in_memory: rows,
                ..ReportOptions::default()
            },
            paged,
        );
        assert!(summary.passes > 1, "{rows} rows in memory");
        assert_eq!(
            bounded.keys().collect::<Vec<_>>(),
            unbounded.keys().collect::<Vec<_>>()
        );
        for (name, lines) in &bounded {
            let mut sorted = lines.clone();
            sorted.sort();
            let mut expected = unbounded[name].clone();
            expected.sort();
            assert_eq!(sorted, expected, "{name} with {rows} rows in memory");
        }
    }
}

/// A bot's `Host: NAME.COM:80` becomes `http_host` `NAME.COM`, which
/// IntelMQ's Shadowserver parser maps to `destination.fqdn`; with the port
/// it dropped the field.
#[test]
fn http_host_is_the_host_name_without_a_port() {
    for (host, column) in [
        ("QWKJXHBD.COM:80", "QWKJXHBD.COM"),
        ("qwkjxhbd.com:", "qwkjxhbd.com"),
        ("qwkjxhbd.com", "qwkjxhbd.com"),
        ("192.0.2.80:8080", "192.0.2.80"),
        ("[2001:db8::80]:8080", "[2001:db8::80]"),
        ("[2001:db8::80]", "[2001:db8::80]"),
        ("2001:db8::80", "2001:db8::80"),
        ("qwkjxhbd.com:http", "qwkjxhbd.com:http"),
    ] {
        let mut event = http_event("192.0.2.2:40000");
        if let Details::Http { host: header, .. } = &mut event.details {
            *header = Some(host.to_owned());
        }
        let mut row = Row::new();
        connection_row(
            &EventRow::of(1, &event),
            Report::Event4SinkholeHttp,
            "2026-03-04 11:30:15",
            &mut row,
        );
        let row = row.end();
        assert!(
            row.contains(&format!(
                "\"POST /gate.php?id=\"\"1\"\"\",\"{column}\",\"Mozilla"
            )),
            "{host}: {row}"
        );
    }
}

/// The files of a report of `store` read by `readers` readers, by name, as
/// bytes; and that no `.partial` file is left.
fn files_read_by(
    store: &dyn EventStore,
    readers: usize,
    rows: usize,
) -> (ReportSummary, BTreeMap<String, Vec<u8>>) {
    let out = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let options = ReportOptions {
        readers,
        dns_rows_in_memory: rows,
    };
    let summary = write_reports(store, day, &scopes(), out.path(), &options).unwrap();
    let files: BTreeMap<String, Vec<u8>> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .collect();
    assert!(
        files.keys().all(|name| name.ends_with(".csv")),
        "{:?}",
        files.keys()
    );
    (summary, files)
}

/// Readers over parts of the day, each on its own connection, write the
/// same bytes as one reader: connection rows of every part in time order,
/// a DNS row seen in several parts counted once with its first query.
#[test]
fn parallel_readers_write_the_same_bytes_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("events.db")).unwrap();
    let mut events = day_of_events();
    // The same DNS row (source, name, type) early, mid-day and late, and
    // connection rows in every part of the day, some in the same second.
    for (hour, minute) in [(1, 0), (11, 59), (12, 0), (16, 0), (23, 59)] {
        let mut query = dns_event("192.0.2.1:5400", "qwkjxhbd.com", "A");
        query.time = at(hour, minute, 0);
        events.push(query);
        let mut request = http_event("192.0.2.2:40100");
        request.time = at(hour, minute, 0);
        events.push(request.clone());
        events.push(request);
        let mut tcp = tcp_event("[::ffff:192.0.2.3]:40102");
        tcp.time = at(hour, minute, 30);
        events.push(tcp);
    }
    store.insert(&events).unwrap();
    let (one_summary, one) = files_read_by(&store, 1, 1_000_000);
    assert_eq!(one_summary.passes, 1);
    assert!(one.len() > 4, "{:?}", one.keys());
    for readers in [2, 3, 5, 16] {
        let (summary, many) = files_read_by(&store, readers, 1_000_000);
        let listed = |summary: &ReportSummary| -> Vec<(String, u64)> {
            summary
                .files
                .iter()
                .map(|f| (f.path.file_name().unwrap().to_string_lossy().into(), f.rows))
                .collect()
        };
        assert_eq!(listed(&summary), listed(&one_summary), "{readers} readers");
        assert_eq!(summary.passes, 1);
        for (name, bytes) in &one {
            assert!(
                many.get(name) == Some(bytes),
                "{name} with {readers} readers:\n{}\nwith one:\n{}",
                String::from_utf8_lossy(many.get(name).map_or(&[][..], |b| b)),
                String::from_utf8_lossy(bytes)
            );
        }
        assert_eq!(many.len(), one.len());
    }
    // Counting in several passes, the readers agree on the rows (their
    // order across passes follows the run's random hash).
    for readers in [1, 3] {
        let (summary, bounded) = files_read_by(&store, readers, 1);
        assert!(summary.passes > 1);
        assert_eq!(
            bounded.keys().collect::<Vec<_>>(),
            one.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &bounded {
            let lines = |bytes: &[u8]| {
                let mut lines: Vec<String> = String::from_utf8_lossy(bytes)
                    .lines()
                    .map(str::to_owned)
                    .collect();
                lines.sort();
                lines
            };
            assert_eq!(lines(bytes), lines(&one[name]), "{name}, {readers} readers");
        }
    }
}

/// A store read in pages (PostgreSQL) gives the same files as SQLite's
/// one-statement scan.
#[test]
fn paged_and_scanned_stores_report_the_same() {
    let (scanned_summary, scanned) = run(&ReportOptions::default());
    let (paged_summary, paged) = run_on(&ReportOptions::default(), true);
    assert_eq!(scanned, paged);
    assert_eq!(scanned_summary.rows(), paged_summary.rows());
    assert!(scanned_summary.rows() > 0);
}

#[test]
fn a_day_without_events_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("events.db")).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let summary = write_reports(
        &store,
        day,
        &scopes(),
        dir.path(),
        &ReportOptions::default(),
    )
    .unwrap();
    assert!(summary.files.is_empty());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".csv") || name.ends_with(".partial"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn an_unwritable_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("events.db")).unwrap();
    store.insert(&day_of_events()).unwrap();
    let missing = dir.path().join("missing");
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let error =
        write_reports(&store, day, &scopes(), &missing, &ReportOptions::default()).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("missing"), "{text}");
    assert!(text.contains("check that the directory exists"), "{text}");
}

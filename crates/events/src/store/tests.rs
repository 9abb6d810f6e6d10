//! The same checks for every store: SQLite always, PostgreSQL when
//! `CAUTERY_TEST_POSTGRES` names a database.

use chrono::Duration;

use super::*;
use crate::batch::BatchId;
use crate::event::{Details, Protocol};
use crate::testing::{at, dns_event, http_event, tcp_event, tls_event};

fn one_of_each() -> Vec<Event> {
    let mut open_window = dns_event("192.0.2.1:5353", "qwkjxhbd.com", "AAAA");
    if let Some(attribution) = &mut open_window.attribution {
        attribution.provenance.window.to = None;
    }
    vec![
        open_window,
        http_event("192.0.2.2:40000"),
        tls_event("[2001:db8::2]:40001"),
        tcp_event("[::ffff:192.0.2.3]:40002"),
    ]
}

fn whole_day(store: &dyn EventStore) -> Vec<(i64, Event)> {
    store
        .events_between(at(0, 0, 0), at(0, 0, 0) + Duration::days(1), None, 1000)
        .unwrap()
}

/// Every event comes back field for field, in time order.
fn round_trip(store: &mut dyn EventStore) {
    let events = one_of_each();
    store.insert(&events).unwrap();
    store.insert(&[]).unwrap();
    let read: Vec<Event> = whole_day(store).into_iter().map(|(_, e)| e).collect();
    assert_eq!(read, events);
}

/// Pages of ties in time follow the id, none lost or repeated; the range is
/// half-open.
fn paging(store: &mut dyn EventStore) {
    let mut events = Vec::new();
    for i in 0..25u16 {
        let mut event = dns_event(&format!("192.0.2.{}:{}", i % 3, 1000 + i), "a.com", "A");
        event.time = at(5, 0, u32::from(i % 2));
        events.push(event);
    }
    let mut before = dns_event("192.0.2.9:1", "a.com", "A");
    before.time = at(4, 59, 59);
    let mut at_end = dns_event("192.0.2.9:2", "a.com", "A");
    at_end.time = at(6, 0, 0);
    events.push(before);
    events.push(at_end);
    store.insert(&events).unwrap();

    let (from, to) = (at(5, 0, 0), at(6, 0, 0));
    let mut cursor = None;
    let mut seen = Vec::new();
    loop {
        let page = store.events_between(from, to, cursor, 10).unwrap();
        let done = page.len() < 10;
        cursor = page.last().map(|(id, _)| *id).or(cursor);
        seen.extend(page);
        if done {
            break;
        }
    }
    assert_eq!(seen.len(), 25);
    let keys: Vec<_> = seen.iter().map(|(id, e)| (e.time, *id)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "pages in (time, id) order without repeats");
    assert!(seen.iter().all(|(_, e)| e.time >= from && e.time < to));
}

/// Deletes are bounded, oldest first, and stop at the cut-off.
fn bounded_delete(store: &mut dyn EventStore) {
    let mut events = Vec::new();
    for minute in 0..10 {
        let mut event = tcp_event("192.0.2.4:1");
        event.time = at(1, minute, 0);
        events.push(event);
    }
    store.insert(&events).unwrap();
    assert_eq!(store.delete_before(at(1, 7, 0), 4).unwrap(), 4);
    assert_eq!(store.delete_before(at(1, 7, 0), 4).unwrap(), 3);
    assert_eq!(store.delete_before(at(1, 7, 0), 4).unwrap(), 0);
    let left: Vec<_> = whole_day(store).into_iter().map(|(_, e)| e.time).collect();
    assert_eq!(left, vec![at(1, 7, 0), at(1, 8, 0), at(1, 9, 0)]);
}

/// A batch given again stores only what is not stored yet: the whole of
/// it after a commit whose answer was lost, the rest after a part of it.
fn batch_given_again(store: &mut dyn EventStore) {
    let events = one_of_each();
    let (whole, split) = (BatchId::random(), BatchId::random());
    store.insert_batch(whole, &events).unwrap();
    store.insert_batch(whole, &events).unwrap();
    let read: Vec<Event> = whole_day(store).into_iter().map(|(_, e)| e).collect();
    assert_eq!(read, events, "a batch stored once, however often given");
    // The first half committed, then the connection died.
    let mut more = one_of_each();
    for event in &mut more {
        event.time -= Duration::minutes(1);
    }
    store.insert_batch(split, &more[..2]).unwrap();
    store.insert_batch(split, &more).unwrap();
    store.insert_batch(split, &more).unwrap();
    let read: Vec<Event> = whole_day(store).into_iter().map(|(_, e)| e).collect();
    let mut expected: Vec<Event> = events.iter().chain(&more).cloned().collect();
    expected.sort_by_key(|e| e.time);
    assert_eq!(read, expected);
    // Another id is another batch, even with the same events.
    store.insert_batch(BatchId::random(), &events).unwrap();
    assert_eq!(whole_day(store).len(), 12);
    let (kept, scanned) = counted_both_ways(&*store, at(0, 0, 0), 24, Duration::hours(1));
    assert_eq!(
        kept, scanned,
        "the per-hour counts of a batch given again count it once"
    );
    assert_eq!(kept.total.events, 12);
}

fn unknown_cursor(store: &mut dyn EventStore) {
    let error = store
        .events_between(at(0, 0, 0), at(1, 0, 0), Some(987_654_321), 10)
        .unwrap_err();
    assert!(matches!(
        error,
        StoreError::UnknownCursor { id: 987_654_321 }
    ));
    assert!(error
        .to_string()
        .contains("start again from the first page"));
}

#[test]
fn sqlite_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(&mut SqliteStore::open(dir.path().join("events.db")).unwrap());
}

#[test]
fn sqlite_paging() {
    let dir = tempfile::tempdir().unwrap();
    paging(&mut SqliteStore::open(dir.path().join("events.db")).unwrap());
}

#[test]
fn sqlite_bounded_delete() {
    let dir = tempfile::tempdir().unwrap();
    bounded_delete(&mut SqliteStore::open(dir.path().join("events.db")).unwrap());
}

#[test]
fn sqlite_batch_given_again_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    batch_given_again(&mut SqliteStore::open(dir.path().join("events.db")).unwrap());
}

#[test]
fn sqlite_unknown_cursor() {
    let dir = tempfile::tempdir().unwrap();
    unknown_cursor(&mut SqliteStore::open(dir.path().join("events.db")).unwrap());
}

#[test]
fn sqlite_reopen_keeps_events_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    SqliteStore::open(&path)
        .unwrap()
        .insert(&one_of_each())
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(whole_day(&store).len(), 4);
    let connection = rusqlite::Connection::open(path).unwrap();
    let rows: i64 = connection
        .query_row("SELECT count(*) FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(rows, SCHEMA_VERSION);
    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn migrations_match_the_schema_version() {
    assert_eq!(super::sqlite::MIGRATIONS.len() as i64, SCHEMA_VERSION);
    assert_eq!(super::postgresql::MIGRATIONS.len() as i64, SCHEMA_VERSION);
}

/// What version 2 was: version 3 without the record of batches.
const BACK_TO_VERSION_2: &str = "DROP TABLE victims_hourly; DROP TABLE event_batches; \
     DELETE FROM schema_version WHERE version > 2";

/// What version 1 was: version 2's table plus the source index.
const BACK_TO_VERSION_1: &str = "DROP TABLE victims_hourly; DROP TABLE event_batches; \
     CREATE INDEX events_src_ip ON events (src_ip); \
     DELETE FROM schema_version WHERE version > 1";

/// What version 3 was: the events without their per-hour victims counts.
const BACK_TO_VERSION_3: &str = "DROP TABLE victims_hourly; \
     DELETE FROM schema_version WHERE version > 3";

/// `count` events spread over 2026-03-03 22:00 to 03-05 18:00 from a few
/// families (and none), sources (IPv4, IPv6, IPv4-mapped IPv6 twins of the
/// IPv4 ones), ASes with changing names, and countries, some unknown;
/// drawn from `seed` by xorshift.
fn random_events(seed: u64, count: usize) -> Vec<Event> {
    let mut state = seed | 1;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let start = at(0, 0, 0) - Duration::hours(2);
    (0..count)
        .map(|_| {
            let host = next(30);
            let src = match next(3) {
                0 => format!("192.0.2.{host}:1000"),
                1 => format!("[::ffff:192.0.2.{host}]:1000"),
                _ => format!("[2001:db8::{host}]:1000"),
            };
            let mut event = dns_event(&src, "a.com", "A");
            event.time = start + Duration::seconds(next(44 * 3600) as i64);
            match next(4) {
                0 => event.attribution = None,
                family => {
                    if let Some(attribution) = &mut event.attribution {
                        attribution.provenance.family =
                            ["necurs", "locky", "conficker-c"][family as usize - 1].into();
                    }
                }
            }
            event.src_asn = [Some(64500), Some(64501), Some(64502), None][next(4) as usize];
            event.src_as_name =
                [Some("B-NET"), Some("A-NET"), None][next(3) as usize].map(str::to_owned);
            event.src_country =
                [Some("NL"), Some("DE"), Some("BR"), None][next(4) as usize].map(str::to_owned);
            event
        })
        .collect()
}

/// The counts of a period from the store's per-hour rows, and from its
/// events.
fn counted_both_ways(
    store: &dyn EventStore,
    from: chrono::DateTime<chrono::Utc>,
    hours: i64,
    bucket: Duration,
) -> (crate::victims::Counted, crate::victims::Counted) {
    let to = from + Duration::hours(hours);
    let mut kept = crate::victims::VictimCounts::new(from, to, bucket);
    store
        .hourly_between(from, to, &mut |row| {
            kept.add(&row);
            true
        })
        .unwrap();
    let mut scanned = crate::victims::VictimCounts::new(from, to, bucket);
    hourly_from_events(store, from, to, &mut |row| {
        scanned.add(&row);
        true
    })
    .unwrap();
    assert!(scanned.rows() > 0, "the period has events");
    (kept.finish(3), scanned.finish(3))
}

/// The per-hour rows a store keeps add up to what its events say, for any
/// period and bucket, over batches that share hours and sources.
fn aggregates_agree_with_the_events(store: &mut dyn EventStore, seed: u64) {
    let events = random_events(seed, 3_000);
    for batch in events.chunks(700) {
        store.insert(batch).unwrap();
    }
    let day = Duration::days(1);
    for (from, hours, bucket) in [
        (at(0, 0, 0) - Duration::hours(2), 44, Duration::hours(1)),
        (at(5, 0, 0), 7, Duration::hours(1)),
        (at(0, 0, 0) - day, 72, day),
    ] {
        let (kept, scanned) = counted_both_ways(store, from, hours, bucket);
        assert_eq!(kept, scanned, "{from} + {hours} h");
        assert!(kept.families.len() == 4 && kept.asns.len() == 3);
    }
    let (kept, _) = counted_both_ways(
        store,
        at(0, 0, 0) - Duration::hours(2),
        44,
        Duration::hours(1),
    );
    assert_eq!(kept.total.events, 3_000);
    assert!(
        kept.total.sources == 60,
        "30 IPv4 sources (mapped twins included) and 30 IPv6: {:?}",
        kept.total
    );
}

/// A batch of many events of one key adds one row with their number, and
/// the same batch given again (whole, or its missing part after a part of
/// it was stored) adds nothing more. 12,000 events: PostgreSQL splits the
/// batch, and both parts add to the same row.
fn one_key_batch_given_again_counts_exactly(store: &mut dyn EventStore) {
    let events: Vec<Event> = (0..12_000)
        .map(|n| {
            let mut event = dns_event("192.0.2.77:1000", "a.com", "A");
            event.time = at(9, 0, 0) + Duration::milliseconds(n * 250);
            event
        })
        .collect();
    let (whole, split) = (BatchId::random(), BatchId::random());
    store.insert_batch(whole, &events).unwrap();
    store.insert_batch(whole, &events).unwrap();
    store.insert_batch(split, &events[..7_000]).unwrap();
    store.insert_batch(split, &events).unwrap();
    store.insert_batch(split, &events).unwrap();
    let mut rows = Vec::new();
    store
        .hourly_between(at(0, 0, 0), at(12, 0, 0), &mut |row| {
            rows.push((row.hour, row.src_ip.to_string(), row.events));
            true
        })
        .unwrap();
    assert_eq!(
        rows,
        vec![(at(9, 0, 0), "192.0.2.77".to_owned(), 24_000)],
        "one row, each of the two batches counted once"
    );
    let (kept, scanned) = counted_both_ways(&*store, at(0, 0, 0), 24, Duration::hours(1));
    assert_eq!(kept, scanned);
}

/// Retention takes the per-hour rows of the hours it deleted whole.
fn retention_takes_whole_hours(store: &mut dyn EventStore) {
    let mut events = Vec::new();
    for minute in [0, 30] {
        for hour in [3, 4, 5] {
            let mut event = tcp_event("192.0.2.4:1");
            event.time = at(hour, minute, 0);
            events.push(event);
        }
    }
    store.insert(&events).unwrap();
    crate::retention::purge(store, at(4, 15, 0), 2).unwrap();
    let mut hours = Vec::new();
    store
        .hourly_between(at(0, 0, 0), at(12, 0, 0), &mut |row| {
            hours.push((row.hour, row.events));
            true
        })
        .unwrap();
    hours.sort();
    // 03:00 is gone; 04:00 was cut through and is counted whole.
    assert_eq!(hours, vec![(at(4, 0, 0), 2), (at(5, 0, 0), 2)]);
}

#[test]
fn sqlite_aggregates_agree_with_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("events.db")).unwrap();
    aggregates_agree_with_the_events(&mut store, 0x5eed);
}

#[test]
fn sqlite_one_key_batch_given_again_counts_exactly() {
    let dir = tempfile::tempdir().unwrap();
    one_key_batch_given_again_counts_exactly(
        &mut SqliteStore::open(dir.path().join("events.db")).unwrap(),
    );
}

#[test]
fn sqlite_retention_takes_whole_hours_of_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    retention_takes_whole_hours(&mut SqliteStore::open(dir.path().join("events.db")).unwrap());
}

#[test]
fn sqlite_version_3_store_migrates_and_backfills_its_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let events = random_events(7, 2_000);
    SqliteStore::open(&path).unwrap().insert(&events).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(BACK_TO_VERSION_3)
        .unwrap();
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let from = at(0, 0, 0) - Duration::hours(2);
    let (kept, scanned) = counted_both_ways(&store, from, 44, Duration::hours(1));
    assert_eq!(kept, scanned);
    assert_eq!(kept.total.events, 2_000);
    // Batches after the migration add to the backfilled rows.
    store.insert(&random_events(8, 500)).unwrap();
    let (kept, scanned) = counted_both_ways(&store, from, 44, Duration::hours(1));
    assert_eq!(kept, scanned);
    assert_eq!(kept.total.events, 2_500);
}

/// A SQLite store in `dir` holding [`one_of_each`], taken back to an
/// older schema by `back`; its path.
fn sqlite_store_back_at(dir: &std::path::Path, back: &str) -> std::path::PathBuf {
    let path = dir.join("events.db");
    SqliteStore::open(&path)
        .unwrap()
        .insert(&one_of_each())
        .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(back)
        .unwrap();
    path
}

/// A version 2 store gains the record of batches and keeps its events;
/// batches written after it are stored once however often given.
#[test]
fn sqlite_version_2_store_migrates_keeping_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = sqlite_store_back_at(dir.path(), BACK_TO_VERSION_2);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let events: Vec<Event> = whole_day(&store).into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, one_of_each());
    let id = BatchId::random();
    store.insert_batch(id, &one_of_each()).unwrap();
    store.insert_batch(id, &one_of_each()).unwrap();
    assert_eq!(whole_day(&store).len(), 8);
    let (kept, scanned) = counted_both_ways(&store, at(0, 0, 0), 24, Duration::hours(1));
    assert_eq!(
        kept, scanned,
        "the backfill counts what the events say, and no batch twice"
    );
}

/// Retention deletes the records of batches with their events, and only
/// those whose events are all gone.
#[test]
fn sqlite_retention_deletes_the_records_of_batches_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let (old, new) = (BatchId::random(), BatchId::random());
    let mut early = tcp_event("192.0.2.7:1");
    early.time = at(1, 0, 0);
    let mut late = early.clone();
    late.time = at(3, 0, 0);
    store.insert_batch(old, &[early.clone()]).unwrap();
    store.insert_batch(new, &[early, late]).unwrap();
    let records = || -> i64 {
        rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("SELECT count(*) FROM event_batches", [], |row| row.get(0))
            .unwrap()
    };
    assert_eq!(records(), 2);
    assert_eq!(store.delete_before(at(2, 0, 0), 10).unwrap(), 2);
    assert_eq!(
        records(),
        1,
        "the batch with a later event is still recorded"
    );
}

#[test]
fn sqlite_version_1_store_migrates_keeping_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = sqlite_store_back_at(dir.path(), BACK_TO_VERSION_1);
    let index_count = |path: &std::path::Path| -> i64 {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'events_src_ip'",
                [],
                |row| row.get(0),
            )
            .unwrap()
    };
    assert_eq!(index_count(&path), 1);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(index_count(&path), 0);
    let events: Vec<Event> = whole_day(&store).into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, one_of_each());
    store.insert(&one_of_each()).unwrap();
    assert_eq!(whole_day(&store).len(), 8);
}

#[test]
fn sqlite_from_a_newer_cautery_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    drop(SqliteStore::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("INSERT INTO schema_version (version) VALUES (99)", [])
        .unwrap();
    let error = SqliteStore::open(path).unwrap_err();
    assert!(matches!(
        error,
        StoreError::SchemaTooNew {
            found: 99,
            supported: SCHEMA_VERSION
        }
    ));
    assert!(error.to_string().contains("upgrade cautery"));
}

#[test]
fn sqlite_row_written_by_someone_else_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store.insert(&[tcp_event("192.0.2.5:1")]).unwrap();
    rusqlite::Connection::open(path)
        .unwrap()
        .execute("UPDATE events SET protocol = 'gopher'", [])
        .unwrap();
    let error = store
        .events_between(at(0, 0, 0), at(23, 59, 59) + Duration::seconds(1), None, 10)
        .unwrap_err();
    assert!(
        matches!(error, StoreError::CorruptRow { column: "protocol", ref value, .. } if value == "gopher")
    );
}

/// The one-statement scan of SQLite and the default scan through pages
/// see the same rows, in the same order, and filter by protocol.
#[test]
fn sqlite_scan_agrees_with_pages_and_filters_by_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("events.db")).unwrap();
    let mut events = one_of_each();
    events.extend(one_of_each());
    events[5].time = at(23, 59, 59);
    store.insert(&events).unwrap();
    let day = (at(0, 0, 0), at(0, 0, 0) + Duration::days(1));
    let expected: Vec<(i64, Event)> = whole_day(&store);
    for protocol in [None, Some(Protocol::Dns), Some(Protocol::Http)] {
        let mut seen = Vec::new();
        store
            .scan_between(day.0, day.1, protocol, &mut |row| {
                seen.push(format!("{row:?}"));
                true
            })
            .unwrap();
        let wanted: Vec<String> = expected
            .iter()
            .filter(|(_, e)| protocol.is_none_or(|p| p == e.protocol()))
            .map(|(id, e)| format!("{:?}", EventRow::of(*id, e)))
            .collect();
        assert_eq!(seen, wanted, "{protocol:?}");
    }
    assert_eq!(expected.last().unwrap().1.time, at(23, 59, 59));
    // `false` stops the scan.
    let mut count = 0;
    store
        .scan_between(day.0, day.1, None, &mut |_| {
            count += 1;
            count < 3
        })
        .unwrap();
    assert_eq!(count, 3);
    // A damaged row is named, as by events_between.
    rusqlite::Connection::open(dir.path().join("events.db"))
        .unwrap()
        .execute(
            "UPDATE events SET src_ip = 'not an address' WHERE id = 2",
            [],
        )
        .unwrap();
    let error = store
        .scan_between(day.0, day.1, None, &mut |_| true)
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::CorruptRow {
                id: 2,
                column: "src_ip",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn sqlite_keeps_microseconds() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("events.db")).unwrap();
    let mut event = tcp_event("192.0.2.6:1");
    event.time = at(3, 0, 0) + Duration::nanoseconds(1_234_567);
    store.insert(&[event]).unwrap();
    let (_, read) = whole_day(&store).remove(0);
    assert_eq!(read.time, at(3, 0, 0) + Duration::microseconds(1_234));
    assert!(matches!(read.details, Details::Tcp { len: 4, .. }));
}

/// `count` events of one day as a sinkhole sees them: in time order, a
/// quarter of each protocol, from `sources` distinct IPv4 addresses of
/// 10.0.0.0/8 spread over 1,000 autonomous systems (enriched), in batches
/// of `batch`.
fn day_of_events(count: u32, sources: u32, batch: u32) -> impl Iterator<Item = Vec<Event>> {
    let template = one_of_each();
    let step_us = (86_400_000_000 / i64::from(count.max(1))).max(1);
    (0..count.div_ceil(batch)).map(move |b| {
        (b * batch..((b + 1) * batch).min(count))
            .map(|n| {
                let mut event = template[(n % 4) as usize].clone();
                event.time = at(0, 0, 0) + Duration::microseconds(i64::from(n) * step_us);
                let host = n.wrapping_mul(2_654_435_761) % sources.max(1);
                event.src = std::net::SocketAddr::new(
                    std::net::Ipv4Addr::from(0x0a00_0000 + host).into(),
                    (n % 60_000) as u16,
                );
                event.src_asn = Some(4_200_000_000 + host % 1_000);
                event
            })
            .collect()
    })
}

fn bench_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// User and system CPU seconds of this process so far, from /proc: on a
/// machine shared with other jobs a steadier figure than elapsed time.
fn cpu_seconds() -> f64 {
    cpu_seconds_in("/proc/self/stat")
}

/// User and system CPU seconds in a `/proc/PID/stat` file.
fn cpu_seconds_in(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in brackets.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |n: usize| {
        fields
            .get(n)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15, the 12th and 13th after ')'.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory of this process, from /proc.
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn insert_rate(store: &mut dyn EventStore, what: &str) {
    let count = bench_number("CAUTERY_BENCH_EVENTS", 1_000_000);
    let size = bench_number("CAUTERY_BENCH_BATCH", 100_000);
    let batches: Vec<Vec<Event>> = day_of_events(count, 100_000, size).collect();
    let start = std::time::Instant::now();
    let cpu = cpu_seconds();
    for batch in &batches {
        store.insert(batch).unwrap();
    }
    let elapsed = start.elapsed();
    let cpu = cpu_seconds() - cpu;
    println!(
        "{what}: inserted {count} events in batches of {size} in {elapsed:.2?}: {:.0} events/s ({cpu:.2} s CPU in this process: {:.0} events per CPU second)",
        f64::from(count) / elapsed.as_secs_f64(),
        f64::from(count) / cpu
    );
}

/// Measures the SQLite insert rate: `cargo test -p cautery-events --release
/// -- --ignored sqlite_insert_rate --nocapture` (scripts/bench-sinkhole.sh).
/// `CAUTERY_BENCH_EVENTS` (default 1M) events in batches of
/// `CAUTERY_BENCH_BATCH` (default 100,000).
#[test]
#[ignore = "a measurement, run by hand"]
fn sqlite_insert_rate() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("events.db")).unwrap();
    insert_rate(&mut store, "SQLite");
}

/// The same into PostgreSQL (`CAUTERY_TEST_POSTGRES`), by binary COPY.
#[test]
#[ignore = "a measurement, run by hand"]
fn postgres_insert_rate() {
    let Some(url) = postgres_url() else {
        return;
    };
    let schema = "cautery_events_bench";
    let mut client = postgres_fresh_client(&url, schema);
    // The server's side: the backends' CPU time, from /proc (the server
    // runs on this machine in the benchmark).
    let mut backends = vec![pid_of(&mut client)];
    let mut store = PostgresStore::from_client(client).unwrap();
    // CAUTERY_BENCH_ID_CACHE=N: ids drawn N at a time from the identity's
    // sequence (1, PostgreSQL's default, takes the sequence's lock per row).
    let id_cache = bench_number("CAUTERY_BENCH_ID_CACHE", 0);
    if id_cache > 0 {
        let mut client = postgres_client(&url, schema);
        client
            .batch_execute(&format!(
                "ALTER TABLE events ALTER COLUMN id SET CACHE {id_cache}"
            ))
            .unwrap();
    }
    // As PostgresStore::connect: more connections for parallel COPY
    // (CAUTERY_BENCH_COPY_CONNECTIONS=1 measures one).
    let connections = bench_number(
        "CAUTERY_BENCH_COPY_CONNECTIONS",
        super::postgresql::COPY_CONNECTIONS as u32,
    );
    for _ in 1..connections {
        let mut client = postgres_client(&url, schema);
        backends.push(pid_of(&mut client));
        store.add_copy_client(client);
    }
    let server_cpu = || -> f64 {
        backends
            .iter()
            .flatten()
            .map(|&pid| cpu_seconds_of(pid))
            .sum()
    };
    let before = server_cpu();
    insert_rate(&mut store, "PostgreSQL");
    let count = f64::from(bench_number("CAUTERY_BENCH_EVENTS", 1_000_000));
    println!(
        "PostgreSQL backends: {:.2} s CPU for these events ({:.2} s per million; WAL writer and checkpointer not counted)",
        server_cpu() - before,
        (server_cpu() - before) / count * 1e6
    );
}

/// The process id of the server's backend of `client`, when the server
/// runs on this machine.
fn pid_of(client: &mut postgres::Client) -> Option<u32> {
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .ok()?
        .get(0);
    u32::try_from(pid).ok()
}

/// User and system CPU seconds of process `pid`, from /proc.
fn cpu_seconds_of(pid: u32) -> f64 {
    cpu_seconds_in(&format!("/proc/{pid}/stat"))
}

/// A day of `CAUTERY_BENCH_EVENTS` events (default 10M) from
/// `CAUTERY_BENCH_SOURCES` distinct addresses (default 2M) in SQLite: the
/// insert time, the store's size per million events, and the time and
/// memory of that day's per-AS reports (1,000 ASes, every file).
#[test]
#[ignore = "a measurement, run by hand"]
fn report_of_a_big_day() {
    let count = bench_number("CAUTERY_BENCH_EVENTS", 10_000_000);
    let sources = bench_number("CAUTERY_BENCH_SOURCES", 2_000_000);
    let dir = tempfile::tempdir().unwrap();
    // CAUTERY_BENCH_STORE=FILE keeps the store there, and a second run
    // reports from it without filling it again.
    let path = std::env::var_os("CAUTERY_BENCH_STORE")
        .map_or_else(|| dir.path().join("events.db"), std::path::PathBuf::from);
    let filled = path.exists();
    let mut store = SqliteStore::open(&path).unwrap();
    if !filled {
        let start = std::time::Instant::now();
        let cpu = cpu_seconds();
        // Each batch's CPU time: the day's last tenth, with every source
        // seen before, must go in about as fast as its first (2M distinct
        // sources held without slowing down).
        let mut batch_cpu = Vec::new();
        for batch in day_of_events(count, sources, 100_000) {
            let before = cpu_seconds();
            store.insert(&batch).unwrap();
            batch_cpu.push(cpu_seconds() - before);
        }
        let inserted = start.elapsed();
        let cpu = cpu_seconds() - cpu;
        let tenth = (batch_cpu.len() / 10).max(1);
        let first: f64 = batch_cpu.iter().take(tenth).sum();
        let last: f64 = batch_cpu.iter().rev().take(tenth).sum();
        println!(
            "sources held: the first tenth of the day took {first:.2} s CPU, the last {last:.2} s ({:+.0} %; goal within 20 %)",
            (last / first.max(f64::MIN_POSITIVE) - 1.0) * 100.0
        );
        let bytes: u64 = ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                std::fs::metadata(file).ok()
            })
            .map(|m| m.len())
            .sum();
        println!(
            "stored {count} events from {sources} sources in {inserted:.2?} ({:.0} events/s, {cpu:.1} s CPU); store {:.1} MiB, {:.1} MiB per million events; peak memory so far {} MiB",
            f64::from(count) / inserted.as_secs_f64(),
            bytes as f64 / 1048576.0,
            bytes as f64 / 1048576.0 / (f64::from(count) / 1e6),
            peak_rss_mib()
        );
    }
    let rss_before = peak_rss_mib();
    let scopes: Vec<crate::report::Scope> = (0..1_000)
        .map(|n| crate::report::Scope::Asn(4_200_000_000 + n))
        .collect();
    let out = dir.path().join("reports");
    std::fs::create_dir_all(&out).unwrap();
    let start = std::time::Instant::now();
    let cpu = cpu_seconds();
    // CAUTERY_BENCH_READERS=1 times one reader; 0 (default) one per core.
    let readers = bench_number("CAUTERY_BENCH_READERS", 0) as usize;
    let summary = crate::report::write_reports(
        &store,
        at(0, 0, 0).date_naive(),
        &scopes,
        &out,
        &crate::report::ReportOptions {
            readers,
            ..crate::report::ReportOptions::default()
        },
    )
    .unwrap();
    println!(
        "reports of the day ({} readers): {} files, {} rows in {:.2?}, {:.2} s CPU ({} passes); peak memory {} MiB (before the reports {rss_before} MiB)",
        match readers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        },
        summary.files.len(),
        summary.rows(),
        start.elapsed(),
        cpu_seconds() - cpu,
        summary.passes,
        peak_rss_mib()
    );
    assert!(summary.rows() > 0);
}

/// The PostgreSQL URL to test against, or `None` (skipped) when there is
/// none; a failure when one is required.
fn postgres_url() -> Option<String> {
    match std::env::var("CAUTERY_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CAUTERY_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "CAUTERY_REQUIRE_POSTGRES=1 but CAUTERY_TEST_POSTGRES is not set. Run \
                 scripts/test-postgres.sh as root (it starts Debian's PostgreSQL cluster, \
                 creates a role and a database and runs these tests), or set \
                 CAUTERY_TEST_POSTGRES to the URL of a database where the tests may create \
                 schemas, e.g. postgresql://cautery:cautery@localhost/cautery_events_test; or unset \
                 CAUTERY_REQUIRE_POSTGRES to skip the PostgreSQL tests"
            );
            eprintln!(
                "skipped: the PostgreSQL store tests need CAUTERY_TEST_POSTGRES=<connection URL>"
            );
            None
        }
    }
}

/// A store in a fresh schema of its own, so that tests do not see each
/// other's rows.
fn postgres_store(url: &str, schema: &str) -> PostgresStore {
    PostgresStore::from_client(postgres_fresh_client(url, schema)).unwrap()
}

/// A client on a fresh, empty `schema`.
fn postgres_fresh_client(url: &str, schema: &str) -> postgres::Client {
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|error| panic!("cannot connect to CAUTERY_TEST_POSTGRES={url}: {error}"));
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; \
             SET search_path TO {schema}"
        ))
        .unwrap();
    client
}

/// A second connection to the schema of [`postgres_store`], as
/// [`PostgresStore::connect`] opens for parallel COPY.
fn postgres_client(url: &str, schema: &str) -> postgres::Client {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("SET search_path TO {schema}"))
        .unwrap();
    client
}

/// A large batch is copied over two connections, and when one part fails
/// the other is rolled back: all or nothing still.
#[test]
fn postgres_splits_a_large_batch_all_or_nothing() {
    let Some(url) = postgres_url() else {
        return;
    };
    let schema = "cautery_events_test_split";
    let mut store = postgres_store(&url, schema);
    store.add_copy_client(postgres_client(&url, schema));
    let batch = day_of_events(20_000, 1_000, 20_000).next().unwrap();
    store.insert(&batch).unwrap();
    let count = |store: &PostgresStore| {
        let mut count = 0;
        store
            .scan_between(
                at(0, 0, 0),
                at(0, 0, 0) + Duration::days(1),
                None,
                &mut |_| {
                    count += 1;
                    true
                },
            )
            .unwrap();
        count
    };
    assert_eq!(count(&store), 20_000);
    // A batch of which one half committed (the connection lost before the
    // other's commit) is completed, not stored again, the rest split too.
    let id = BatchId::random();
    let later = day_of_events(20_000, 1_000, 20_000).next().unwrap();
    store.insert_batch(id, &later[..10_000]).unwrap();
    assert_eq!(count(&store), 30_000);
    store.insert_batch(id, &later).unwrap();
    store.insert_batch(id, &later).unwrap();
    assert_eq!(count(&store), 40_000);
    // The second connection looks at a schema without the table: its
    // COPY fails, and the first part must not stay.
    let mut store = PostgresStore::from_client(store.into_client()).unwrap();
    let mut broken = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    broken
        .batch_execute(
            "DROP SCHEMA IF EXISTS cautery_events_test_split_empty CASCADE; \
             CREATE SCHEMA cautery_events_test_split_empty; \
             SET search_path TO cautery_events_test_split_empty",
        )
        .unwrap();
    store.add_copy_client(broken);
    let error = store.insert(&batch).unwrap_err();
    assert!(
        matches!(error, StoreError::Postgres { .. }),
        "the cause, not the rollback: {error}"
    );
    assert_eq!(count(&store), 40_000, "nothing of the failed batch stays");
}

#[test]
fn postgres_store_behaves_as_sqlite() {
    let Some(url) = postgres_url() else {
        return;
    };
    round_trip(&mut postgres_store(&url, "cautery_events_test_round_trip"));
    paging(&mut postgres_store(&url, "cautery_events_test_paging"));
    bounded_delete(&mut postgres_store(&url, "cautery_events_test_delete"));
    batch_given_again(&mut postgres_store(&url, "cautery_events_test_batch_again"));
    unknown_cursor(&mut postgres_store(&url, "cautery_events_test_cursor"));
    aggregates_agree_with_the_events(
        &mut postgres_store(&url, "cautery_events_test_aggregates"),
        0x5eed,
    );
    retention_takes_whole_hours(&mut postgres_store(&url, "cautery_events_test_retention"));
    let mut store = postgres_store(&url, "cautery_events_test_one_key");
    store.add_copy_client(postgres_client(&url, "cautery_events_test_one_key"));
    one_key_batch_given_again_counts_exactly(&mut store);
    let mut store = postgres_store(&url, "cautery_events_test_version");
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    store.insert(&one_of_each()).unwrap();
    // Migrating again is a no-op.
    let mut client = store.into_client();
    client
        .batch_execute("SET search_path TO cautery_events_test_version")
        .unwrap();
    let store = PostgresStore::from_client(client).unwrap();
    assert_eq!(whole_day(&store).len(), 4);
    // A version 1 store migrates to version 2 keeping its events.
    let mut client = store.into_client();
    client
        .batch_execute(&format!(
            "SET search_path TO cautery_events_test_version; {BACK_TO_VERSION_1}"
        ))
        .unwrap();
    let store = PostgresStore::from_client(client).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let events: Vec<Event> = whole_day(&store).into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, one_of_each());
    // A version 2 store gains the record of batches, keeping its events.
    let mut client = store.into_client();
    client.batch_execute(BACK_TO_VERSION_2).unwrap();
    let mut store = PostgresStore::from_client(client).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(whole_day(&store).len(), 4);
    let id = BatchId::random();
    store.insert_batch(id, &one_of_each()).unwrap();
    store.insert_batch(id, &one_of_each()).unwrap();
    assert_eq!(whole_day(&store).len(), 8);
    let (kept, scanned) = counted_both_ways(&store, at(0, 0, 0), 24, Duration::hours(1));
    assert_eq!(kept, scanned, "the backfill counts what the events say");
    let mut client = store.into_client();
    let indexes: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'cautery_events_test_version' \
             AND indexname = 'events_src_ip'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(indexes, 0);
}

/// Opens `openers` stores on the same fresh database at once, released
/// together by a barrier, and returns what each open gave.
fn open_at_once<T: Send>(
    openers: usize,
    open: impl Fn() -> Result<T, StoreError> + Sync,
) -> Vec<Result<T, StoreError>> {
    let barrier = std::sync::Barrier::new(openers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..openers)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    open()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("opener thread"))
            .collect()
    })
}

/// The daemon's units open the same fresh file at once: every open
/// succeeds and the schema is made once (before the migrations took the
/// write lock first, the second opener found "table already exists").
#[test]
fn sqlite_openers_of_a_fresh_file_take_turns() {
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.sqlite");
        for opened in open_at_once(6, || SqliteStore::open(&path)) {
            let store = opened.unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        }
        let connection = rusqlite::Connection::open(&path).unwrap();
        let versions: i64 = connection
            .query_row("SELECT count(*) FROM schema_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(
            versions, SCHEMA_VERSION,
            "round {round}: one row per version"
        );
    }
}

/// The same for PostgreSQL: sinkhole nodes and the writer's COPY
/// connections open a fresh schema at once.
#[test]
fn postgres_openers_of_a_fresh_schema_take_turns() {
    let Some(url) = postgres_url() else { return };
    let schema = "cautery_events_test_openers";
    for round in 0..5 {
        drop(postgres_fresh_client(&url, schema));
        let opened = open_at_once(4, || {
            PostgresStore::from_client(postgres_client(&url, schema))
        });
        for store in opened {
            let store = store.unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        }
        let versions: i64 = postgres_client(&url, schema)
            .query_one("SELECT count(*) FROM schema_version", &[])
            .unwrap()
            .get(0);
        assert_eq!(
            versions, SCHEMA_VERSION,
            "round {round}: one row per version"
        );
    }
}

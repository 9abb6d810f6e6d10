//! The SQLite event store, the default: one file, no server.
//!
//! The file is opened in WAL mode with `synchronous = NORMAL`: a power cut
//! may lose the last batches but never corrupts the file, and readers (the
//! reports) do not block the writer. Each batch is one transaction through
//! one prepared statement.
//!
//! The only index besides the row id is on the time: schema version 1 also
//! indexed the source address, and with events from many sources that
//! index cost most of the insert time (its insertions land all over it, and
//! every commit writes each page it dirtied to the WAL): 45,000 events/s
//! in batches of 10,000 with it, 150,000 without, on 2 cores. Version 2
//! drops it; nothing looks events up by source.
//!
//! Known limitations: one writer at a time (SQLite's); a second process
//! writing waits up to five seconds for the lock, then fails.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::columns::{micros, RawEvent, COLUMNS};
use super::hourly::hourly_columns;
use super::{
    victims_hourly_backfill, victims_hourly_table, EachRow, EventRow, EventStore, RawHourly,
    StoreError, SCHEMA_VERSION,
};
use crate::batch::{self, BatchId};
use crate::event::{Event, Protocol, Transport};
use crate::victims::HourlyRow;

/// Schema migrations, the first creating version 1. Never edit one that
/// has shipped: add the next.
pub(super) const MIGRATIONS: &[&str] = &[
    "CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time_us INTEGER NOT NULL,
        protocol TEXT NOT NULL,
        transport TEXT NOT NULL,
        src_ip TEXT NOT NULL,
        src_port INTEGER NOT NULL,
        dst_ip TEXT NOT NULL,
        dst_port INTEGER NOT NULL,
        name TEXT,
        family TEXT,
        seed TEXT,
        window_from_us INTEGER,
        window_to_us INTEGER,
        campaign TEXT,
        dns_qtype TEXT,
        http_method TEXT,
        http_target TEXT,
        http_host TEXT,
        http_user_agent TEXT,
        http_referer TEXT,
        http_forwarded_for TEXT,
        http_body_len INTEGER,
        http_body_sha256 TEXT,
        tls_sni TEXT,
        tls_alpn TEXT,
        tls_ja4 TEXT,
        tcp_first_bytes_hex TEXT,
        tcp_len INTEGER,
        src_asn INTEGER,
        src_as_name TEXT,
        src_country TEXT
    );
    -- SQLite ends every index with the rowid, so this one also serves the
    -- (time, id) order and cursor of events_between.
    CREATE INDEX events_time ON events (time_us);
    CREATE INDEX events_src_ip ON events (src_ip);",
    // Version 2: no index on the source address. Nothing queries by it (the
    // reports walk a day in time order), and keeping it cost most of the
    // insert time: each batch from many sources dirtied pages all over it.
    "DROP INDEX IF EXISTS events_src_ip;",
    // Version 3, as in PostgreSQL: the parts of batches stored, so that a
    // batch replayed is not stored twice (see crate::batch).
    "CREATE TABLE event_batches (
        batch_id TEXT NOT NULL,
        first_event INTEGER NOT NULL,
        events INTEGER NOT NULL,
        last_time_us INTEGER NOT NULL,
        PRIMARY KEY (batch_id, first_event)
    );
    CREATE INDEX event_batches_time ON event_batches (last_time_us);",
    // Version 4: per-hour victims counts, kept with every batch.
    concat!(
        victims_hourly_table!(),
        " WITHOUT ROWID;",
        victims_hourly_backfill!()
    ),
    // Version 5, kept in step with PostgreSQL's (the per-hour key's text
    // compared byte by byte): SQLite's BINARY collation already does.
    "-- nothing to change",
];

/// Adds one merged row of a batch to the per-hour victims counts.
const HOURLY_UPSERT_SQL: &str = "INSERT INTO victims_hourly \
     (hour_us, family, src_ip, src_asn, src_country, src_as_name, events) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
     ON CONFLICT (hour_us, family, src_ip, src_asn, src_country) DO UPDATE SET \
     events = events + excluded.events, \
     src_as_name = CASE WHEN src_as_name IS NULL OR excluded.src_as_name < src_as_name \
     THEN coalesce(excluded.src_as_name, src_as_name) ELSE src_as_name END";

/// The per-hour rows of `?1 <= hour < ?2`, walking the primary key.
const HOURLY_SQL: &str = "SELECT hour_us, family, src_ip, src_asn, src_country, src_as_name, \
     events FROM victims_hourly WHERE hour_us >= ?1 AND hour_us < ?2";

/// Deletes the per-hour rows of the hours that end by `?1`.
const HOURLY_DELETE_SQL: &str = "DELETE FROM victims_hourly WHERE hour_us <= ?1 - 3600000000";

/// The first page of a time range: `?1` from, `?2` to, `?3` limit.
fn first_page_sql() -> String {
    format!(
        "SELECT id, {COLUMNS} FROM events WHERE time_us >= ?1 AND time_us < ?2 \
         ORDER BY time_us, id LIMIT ?3"
    )
}

/// A page after the cursor (`?1` its time, `?4` its id) up to `?2`, from
/// `?5`, at most `?3` events. The row value lets SQLite walk the time index
/// from the cursor on instead of scanning the range again.
fn next_page_sql() -> String {
    format!(
        "SELECT id, {COLUMNS} FROM events WHERE (time_us, id) > (?1, ?4) \
         AND time_us >= ?5 AND time_us < ?2 ORDER BY time_us, id LIMIT ?3"
    )
}

/// What the reports read of a range, `?1` from, `?2` to, `?3` one protocol
/// or NULL for all: one statement walking the time index, the columns in
/// the order [`event_row`] reads them.
const SCAN_SQL: &str = "SELECT id, time_us, protocol, transport, src_ip, src_port, dst_ip, \
     dst_port, name, family, campaign, dns_qtype, http_method, http_target, http_host, \
     http_user_agent, http_referer, http_forwarded_for, src_asn, src_country \
     FROM events WHERE time_us >= ?1 AND time_us < ?2 AND (?3 IS NULL OR protocol = ?3) \
     ORDER BY time_us, id";

/// One row of [`SCAN_SQL`], its text borrowed from SQLite's buffers.
/// `sqlite` turns SQLite's own failures into the store's error.
fn event_row<'r>(
    row: &'r rusqlite::Row<'_>,
    sqlite: &dyn Fn(rusqlite::Error) -> StoreError,
) -> Result<EventRow<'r>, StoreError> {
    let id: i64 = row.get(0).map_err(sqlite)?;
    let corrupt = |column: &'static str, value: &dyn std::fmt::Display| StoreError::CorruptRow {
        id,
        column,
        value: value.to_string(),
    };
    // A value of another type is damage, not a failure of SQLite: name
    // the column.
    let text = |index: usize, column: &'static str| -> Result<Option<&'r str>, StoreError> {
        row.get_ref(index)
            .map_err(sqlite)?
            .as_str_or_null()
            .map_err(|_| corrupt(column, &"a value that is not text"))
    };
    let number = |index: usize, column: &'static str| -> Result<Option<i64>, StoreError> {
        row.get_ref(index)
            .map_err(sqlite)?
            .as_i64_or_null()
            .map_err(|_| corrupt(column, &"a value that is not a number"))
    };
    let required_text =
        |index, column| text(index, column)?.ok_or_else(|| corrupt(column, &"NULL"));
    let required_number =
        |index, column| number(index, column)?.ok_or_else(|| corrupt(column, &"NULL"));
    let address = |index, column| {
        let ip = required_text(index, column)?;
        ip.parse::<IpAddr>()
            .map(|ip| ip.to_canonical())
            .map_err(|_| corrupt(column, &ip))
    };
    let port = |index, column| {
        let port = required_number(index, column)?;
        u16::try_from(port).map_err(|_| corrupt(column, &port))
    };
    let protocol = required_text(2, "protocol")?;
    let protocol = Protocol::from_name(protocol).ok_or_else(|| corrupt("protocol", &protocol))?;
    let transport = required_text(3, "transport")?;
    let transport =
        Transport::from_name(transport).ok_or_else(|| corrupt("transport", &transport))?;
    let src_asn = number(18, "src_asn")?
        .map(|asn| u32::try_from(asn).map_err(|_| corrupt("src_asn", &asn)))
        .transpose()?;
    Ok(EventRow {
        id,
        time_us: required_number(1, "time_us")?,
        protocol,
        transport,
        src_ip: address(4, "src_ip")?,
        src_port: port(5, "src_port")?,
        dst_ip: address(6, "dst_ip")?,
        dst_port: port(7, "dst_port")?,
        name: text(8, "name")?,
        family: text(9, "family")?,
        campaign: text(10, "campaign")?,
        dns_qtype: text(11, "dns_qtype")?,
        http_method: text(12, "http_method")?,
        http_target: text(13, "http_target")?,
        http_host: text(14, "http_host")?,
        http_user_agent: text(15, "http_user_agent")?,
        http_referer: text(16, "http_referer")?,
        http_forwarded_for: text(17, "http_forwarded_for")?,
        src_asn,
        src_country: text(19, "src_country")?,
    })
}

/// Deletes the oldest events before `?1`, at most `?2`.
const DELETE_SQL: &str = "DELETE FROM events WHERE id IN \
     (SELECT id FROM events WHERE time_us < ?1 ORDER BY time_us, id LIMIT ?2)";

/// Deletes the records of batches whose events are all before `?1`, at
/// most `?2`.
const DELETE_BATCHES_SQL: &str = "DELETE FROM event_batches WHERE rowid IN \
     (SELECT rowid FROM event_batches WHERE last_time_us < ?1 LIMIT ?2)";

/// Events in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    connection: Connection,
    path: String,
}

impl SqliteStore {
    /// Opens (creating if need be) the store at `path` and brings its schema
    /// to [`SCHEMA_VERSION`].
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().display().to_string();
        let error = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let connection = Connection::open(&path).map_err(error)?;
        let mut store = SqliteStore { connection, path };
        store.configure().map_err(|source| store.error(source))?;
        store.migrate()?;
        Ok(store)
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.connection
            .query_row(
                "SELECT coalesce(max(version), 0) FROM schema_version",
                [],
                |row| row.get(0),
            )
            .map_err(|source| self.error(source))
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn configure(&mut self) -> rusqlite::Result<()> {
        // journal_mode answers with the mode it set, so it is a query.
        // The busy timeout comes first: another connection may hold the
        // lock while this one switches the journal mode.
        self.connection.busy_timeout(Duration::from_secs(5))?;
        // Two connections switching a fresh file to WAL at once can
        // deadlock on the upgrade from a shared lock, and SQLite answers
        // one of them "busy" without waiting: try again for a while.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            match self
                .connection
                .query_row("PRAGMA journal_mode = WAL", [], |row| {
                    row.get::<_, String>(0)
                }) {
                Err(rusqlite::Error::SqliteFailure(failure, _))
                    if failure.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                other => {
                    other?;
                    break;
                }
            }
        }
        self.connection
            .pragma_update(None, "synchronous", "NORMAL")?;
        // A batch of 100,000 events dirties more pages (events, the time
        // index, the per-hour victims rows) than SQLite's default 2 MiB
        // cache holds, and it wrote the excess to the WAL before the commit
        // wrote them again; 32 MiB at most, taken only as used.
        self.connection.pragma_update(None, "cache_size", -32_768)?;
        // Statements: the inserts (events, batches, per-hour counts), the
        // page queries, the scan, the deletes, the per-hour read.
        self.connection.set_prepared_statement_cache_capacity(16);
        Ok(())
    }

    /// Brings the schema to [`SCHEMA_VERSION`]. Two connections may open a
    /// fresh database at once (the daemon's units each open their own):
    /// the migrations run in one immediate transaction, which takes the
    /// write lock before the version is read, so the second connection
    /// waits for the first and then finds the schema current.
    fn migrate(&mut self) -> Result<(), StoreError> {
        if self.schema_version().ok() == Some(SCHEMA_VERSION) {
            return Ok(());
        }
        let path = self.path.clone();
        let error = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(error)?;
        transaction
            .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            .map_err(error)?;
        let found: i64 = transaction
            .query_row(
                "SELECT coalesce(max(version), 0) FROM schema_version",
                [],
                |row| row.get(0),
            )
            .map_err(error)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for (version, migration) in (1..).zip(MIGRATIONS).skip_while(|(v, _)| *v <= found) {
            transaction.execute_batch(migration).map_err(error)?;
            transaction
                .execute(
                    "INSERT INTO schema_version (version) VALUES (?1)",
                    [version],
                )
                .map_err(error)?;
        }
        transaction.commit().map_err(error)
    }

    /// Stores what of `batch` is not stored yet, in one transaction.
    fn insert_missing(&mut self, batch: BatchId, events: &[Event]) -> rusqlite::Result<()> {
        let batch = batch.to_string();
        let transaction = self.connection.transaction()?;
        let stored: Vec<(usize, usize)> = transaction
            .prepare_cached("SELECT first_event, events FROM event_batches WHERE batch_id = ?1")?
            .query_map([&batch], |row| {
                let (first, count): (i64, i64) = (row.get(0)?, row.get(1)?);
                Ok((
                    usize::try_from(first).unwrap_or(usize::MAX),
                    usize::try_from(count).unwrap_or(0),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for range in batch::missing(events.len(), &stored) {
            let part = &events[range.clone()];
            let last_time_us = part.iter().map(|e| micros(e.time)).max().unwrap_or(0);
            transaction
                .prepare_cached(
                    "INSERT INTO event_batches (batch_id, first_event, events, last_time_us) \
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    batch,
                    i64::try_from(range.start).unwrap_or(i64::MAX),
                    i64::try_from(part.len()).unwrap_or(i64::MAX),
                    last_time_us
                ])?;
            Self::insert_events(&transaction, part)?;
            // The victims counts move with the events they count.
            Self::insert_hourly(&transaction, part)?;
        }
        transaction.commit()
    }

    /// Adds `events` to the per-hour victims counts: one row per key, in
    /// the table's key order (see `hourly`).
    fn insert_hourly(
        transaction: &rusqlite::Transaction<'_>,
        events: &[Event],
    ) -> rusqlite::Result<()> {
        let mut upsert = transaction.prepare_cached(HOURLY_UPSERT_SQL)?;
        for row in hourly_columns(events) {
            upsert.execute(params![
                row.hour_us,
                row.family,
                row.src_ip,
                row.src_asn,
                row.src_country,
                row.src_as_name,
                row.events,
            ])?;
        }
        Ok(())
    }

    fn insert_events(
        transaction: &rusqlite::Transaction<'_>,
        events: &[Event],
    ) -> rusqlite::Result<()> {
        {
            let mut statement = transaction.prepare_cached(&format!(
                "INSERT INTO events ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
                 ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, \
                 ?27, ?28, ?29, ?30)"
            ))?;
            for event in events {
                let raw = RawEvent::from_event(event);
                statement.execute(params![
                    raw.time_us,
                    raw.protocol,
                    raw.transport,
                    raw.src_ip,
                    raw.src_port,
                    raw.dst_ip,
                    raw.dst_port,
                    raw.name,
                    raw.family,
                    raw.seed,
                    raw.window_from_us,
                    raw.window_to_us,
                    raw.campaign,
                    raw.dns_qtype,
                    raw.http_method,
                    raw.http_target,
                    raw.http_host,
                    raw.http_user_agent,
                    raw.http_referer,
                    raw.http_forwarded_for,
                    raw.http_body_len,
                    raw.http_body_sha256,
                    raw.tls_sni,
                    raw.tls_alpn,
                    raw.tls_ja4,
                    raw.tcp_first_bytes_hex,
                    raw.tcp_len,
                    raw.src_asn,
                    raw.src_as_name,
                    raw.src_country,
                ])?;
            }
        }
        Ok(())
    }

    fn page(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after_id: Option<i64>,
        limit: usize,
    ) -> rusqlite::Result<Result<Vec<(i64, Event)>, StoreError>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (sql, cursor) = match after_id {
            None => (first_page_sql(), (micros(from), 0)),
            Some(id) => {
                let time: Option<i64> = self
                    .connection
                    .prepare_cached("SELECT time_us FROM events WHERE id = ?1")?
                    .query_row([id], |row| row.get(0))
                    .optional()?;
                let Some(time) = time else {
                    return Ok(Err(StoreError::UnknownCursor { id }));
                };
                (next_page_sql(), (time, id))
            }
        };
        let mut statement = self.connection.prepare_cached(&sql)?;
        let mut rows = if after_id.is_some() {
            statement.query(params![cursor.0, micros(to), limit, cursor.1, micros(from)])?
        } else {
            statement.query(params![cursor.0, micros(to), limit])?
        };
        let mut events = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let raw = RawEvent {
                time_us: row.get(1)?,
                protocol: row.get(2)?,
                transport: row.get(3)?,
                src_ip: row.get(4)?,
                src_port: row.get(5)?,
                dst_ip: row.get(6)?,
                dst_port: row.get(7)?,
                name: row.get(8)?,
                family: row.get(9)?,
                seed: row.get(10)?,
                window_from_us: row.get(11)?,
                window_to_us: row.get(12)?,
                campaign: row.get(13)?,
                dns_qtype: row.get(14)?,
                http_method: row.get(15)?,
                http_target: row.get(16)?,
                http_host: row.get(17)?,
                http_user_agent: row.get(18)?,
                http_referer: row.get(19)?,
                http_forwarded_for: row.get(20)?,
                http_body_len: row.get(21)?,
                http_body_sha256: row.get(22)?,
                tls_sni: row.get(23)?,
                tls_alpn: row.get(24)?,
                tls_ja4: row.get(25)?,
                tcp_first_bytes_hex: row.get(26)?,
                tcp_len: row.get(27)?,
                src_asn: row.get(28)?,
                src_as_name: row.get(29)?,
                src_country: row.get(30)?,
            };
            match raw.into_event(id) {
                Ok(event) => events.push((id, event)),
                Err(error) => return Ok(Err(error)),
            }
        }
        Ok(Ok(events))
    }
}

impl EventStore for SqliteStore {
    /// One statement for the whole range: a report holds one read
    /// transaction while it runs (WAL: the writer goes on, the WAL file
    /// grows until the report ends).
    fn scan_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        protocol: Option<Protocol>,
        each: &mut EachRow<'_>,
    ) -> Result<(), StoreError> {
        let sqlite = |source| self.error(source);
        let mut statement = self.connection.prepare_cached(SCAN_SQL).map_err(sqlite)?;
        let mut rows = statement
            .query(params![
                micros(from),
                micros(to),
                protocol.map(Protocol::as_str)
            ])
            .map_err(sqlite)?;
        while let Some(row) = rows.next().map_err(sqlite)? {
            if !each(&event_row(row, &sqlite)?) {
                break;
            }
        }
        Ok(())
    }

    /// The same file on a connection of its own, for reading: no schema
    /// change, WAL readers do not block the writer or each other.
    fn reader(&self) -> Result<Option<Box<dyn EventStore + Send>>, StoreError> {
        if self.path.is_empty() || self.path.starts_with(':') || self.path.starts_with("file:") {
            // An in-memory database is not shared between connections.
            return Ok(None);
        }
        let connection = Connection::open(&self.path).map_err(|source| self.error(source))?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(|source| self.error(source))?;
        Ok(Some(Box::new(SqliteStore {
            connection,
            path: self.path.clone(),
        })))
    }

    fn insert_batch(&mut self, batch: BatchId, events: &[Event]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        self.insert_missing(batch, events)
            .map_err(|source| self.error(source))
    }

    fn events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Event)>, StoreError> {
        self.page(from, to, after_id, limit)
            .map_err(|source| self.error(source))?
    }

    fn delete_before(
        &mut self,
        before: DateTime<Utc>,
        max_rows: usize,
    ) -> Result<usize, StoreError> {
        let limit = i64::try_from(max_rows).unwrap_or(i64::MAX);
        let deleted = self
            .connection
            .prepare_cached(DELETE_SQL)
            .and_then(|mut statement| statement.execute(params![micros(before), limit]))
            .map_err(|source| self.error(source))?;
        if deleted < max_rows {
            // The events are gone up to the cut-off: so go the records of
            // the batches they came in (bounded; the next purge takes the
            // rest).
            self.connection
                .prepare_cached(DELETE_BATCHES_SQL)
                .and_then(|mut statement| statement.execute(params![micros(before), limit]))
                .map_err(|source| self.error(source))?;
            self.connection
                .prepare_cached(HOURLY_DELETE_SQL)
                .and_then(|mut statement| statement.execute([micros(before)]))
                .map_err(|source| self.error(source))?;
        }
        Ok(deleted)
    }
    fn hourly_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        each: &mut dyn FnMut(HourlyRow) -> bool,
    ) -> Result<(), StoreError> {
        let sqlite = |source| self.error(source);
        let mut statement = self.connection.prepare_cached(HOURLY_SQL).map_err(sqlite)?;
        let mut rows = statement
            .query(params![micros(from), micros(to)])
            .map_err(sqlite)?;
        while let Some(row) = rows.next().map_err(sqlite)? {
            let raw = RawHourly {
                hour_us: row.get(0).map_err(sqlite)?,
                family: row.get(1).map_err(sqlite)?,
                src_ip: row.get(2).map_err(sqlite)?,
                src_asn: row.get(3).map_err(sqlite)?,
                src_country: row.get(4).map_err(sqlite)?,
                src_as_name: row.get(5).map_err(sqlite)?,
                events: row.get(6).map_err(sqlite)?,
            };
            if !each(raw.into_row()?) {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paging a day of 10 million events must not scan or sort the day
    /// once per page.
    #[test]
    fn pages_and_deletes_walk_the_time_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("events.db")).unwrap();
        for sql in [
            first_page_sql(),
            next_page_sql(),
            DELETE_SQL.to_owned(),
            SCAN_SQL.to_owned(),
        ] {
            let mut statement = store
                .connection
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let nulls = vec![rusqlite::types::Null; statement.parameter_count()];
            let plan: Vec<String> = statement
                .query_map(rusqlite::params_from_iter(nulls), |row| row.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join("; ");
            assert!(plan.contains("INDEX events_time"), "{sql}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{sql}: {plan}");
        }
    }
}

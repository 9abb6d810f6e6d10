//! The PostgreSQL event store: one database that the sinkhole nodes of a
//! deployment write to and the reports read from.
//!
//! Same columns as the SQLite store (see `columns`), with an identity
//! column for ids. A batch goes in with binary `COPY ... FROM STDIN`
//! inside a transaction. [`PostgresStore::connect`] opens
//! [`COPY_CONNECTIONS`] connections and splits a large batch between them,
//! so that the server parses the halves on two cores at once (one backend
//! parsing a COPY is what bounds the insert rate); both halves are copied
//! before either transaction commits, and a failure while copying rolls
//! both back.
//!
//! Each part records itself in `event_batches` (batch id, first event,
//! count) inside its transaction, and [`EventStore::insert_batch`] reads
//! those records first: a batch given again stores only the parts not yet
//! stored. This is what makes a lost commit answer harmless: the server
//! committed, the connection died before the client read the reply, the
//! writer spooled the batch and replayed it (before version 3 the replay
//! stored it twice), and likewise a connection lost between the two
//! commits of a split batch.
//!
//! Known limitations: [`PostgresStore::connect`] does not use TLS; give
//! [`PostgresStore::from_client`] a client connected with a TLS connector
//! for a database across a network. Two nodes migrating a new database at
//! the same instant may both try; the loser fails once and succeeds on its
//! next start.

use chrono::{DateTime, Utc};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Row};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;

use super::columns::{micros, RawEvent, COLUMNS, COLUMN_COUNT};
use super::hourly::hourly_columns;
use super::{
    victims_hourly_backfill, victims_hourly_table, EventStore, RawHourly, StoreError,
    SCHEMA_VERSION,
};
use crate::batch::{self, BatchId};
use crate::event::Event;
use crate::victims::HourlyRow;

/// The advisory lock key held while the events tables are migrated
/// ("cautevt1" in ASCII), so concurrent openers take turns.
const MIGRATION_LOCK: i64 = 0x6361_7574_6576_7431;

/// Schema migrations, the first creating version 1. Never edit one that
/// has shipped: add the next.
pub(super) const MIGRATIONS: &[&str] = &[
    "CREATE TABLE events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        time_us BIGINT NOT NULL,
        protocol TEXT NOT NULL,
        transport TEXT NOT NULL,
        src_ip TEXT NOT NULL,
        src_port INTEGER NOT NULL,
        dst_ip TEXT NOT NULL,
        dst_port INTEGER NOT NULL,
        name TEXT,
        family TEXT,
        seed TEXT,
        window_from_us BIGINT,
        window_to_us BIGINT,
        campaign TEXT,
        dns_qtype TEXT,
        http_method TEXT,
        http_target TEXT,
        http_host TEXT,
        http_user_agent TEXT,
        http_referer TEXT,
        http_forwarded_for TEXT,
        http_body_len BIGINT,
        http_body_sha256 TEXT,
        tls_sni TEXT,
        tls_alpn TEXT,
        tls_ja4 TEXT,
        tcp_first_bytes_hex TEXT,
        tcp_len BIGINT,
        src_asn BIGINT,
        src_as_name TEXT,
        src_country TEXT
    );
    CREATE INDEX events_time ON events (time_us, id);
    CREATE INDEX events_src_ip ON events (src_ip);",
    // Version 2, as in SQLite: no index on the source address, which
    // nothing queries and which slowed every COPY.
    "DROP INDEX IF EXISTS events_src_ip;",
    // Version 3: the parts of batches stored, so a batch replayed after a
    // commit whose answer was lost is not stored twice (see crate::batch).
    // `last_time_us` (the newest event of the part) lets retention delete
    // the records with their events.
    "CREATE TABLE event_batches (
        batch_id TEXT NOT NULL,
        first_event BIGINT NOT NULL,
        events BIGINT NOT NULL,
        last_time_us BIGINT NOT NULL,
        PRIMARY KEY (batch_id, first_event)
    );
    CREATE INDEX event_batches_time ON event_batches (last_time_us);",
    // Version 4: per-hour victims counts, kept with every batch.
    concat!(victims_hourly_table!(), ";", victims_hourly_backfill!()),
    // Version 5: the per-hour key's text compared byte by byte, as SQLite
    // does and as the writer sorts it: the database's locale collation
    // cost about a second of server CPU per million upserted rows.
    "ALTER TABLE victims_hourly
        ALTER COLUMN family TYPE TEXT COLLATE \"C\",
        ALTER COLUMN src_ip TYPE TEXT COLLATE \"C\",
        ALTER COLUMN src_country TYPE TEXT COLLATE \"C\";",
];

/// Adds the merged rows of a batch to the per-hour victims counts, one
/// array per column. The rows are sorted by key, so two nodes writing the
/// same hours lock rows in the same order and do not deadlock.
const HOURLY_UPSERT_SQL: &str = "INSERT INTO victims_hourly \
     (hour_us, family, src_ip, src_asn, src_country, src_as_name, events) \
     SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::TEXT[], \
     $6::TEXT[], $7::BIGINT[]) \
     ON CONFLICT (hour_us, family, src_ip, src_asn, src_country) DO UPDATE SET \
     events = victims_hourly.events + EXCLUDED.events, \
     src_as_name = CASE WHEN victims_hourly.src_as_name IS NULL \
     OR EXCLUDED.src_as_name < victims_hourly.src_as_name \
     THEN coalesce(EXCLUDED.src_as_name, victims_hourly.src_as_name) \
     ELSE victims_hourly.src_as_name END";

/// The types of [`COLUMNS`], in order, for binary `COPY`.
const COLUMN_TYPES: [Type; COLUMN_COUNT] = [
    Type::INT8, // time_us
    Type::TEXT, // protocol
    Type::TEXT, // transport
    Type::TEXT, // src_ip
    Type::INT4, // src_port
    Type::TEXT, // dst_ip
    Type::INT4, // dst_port
    Type::TEXT, // name
    Type::TEXT, // family
    Type::TEXT, // seed
    Type::INT8, // window_from_us
    Type::INT8, // window_to_us
    Type::TEXT, // campaign
    Type::TEXT, // dns_qtype
    Type::TEXT, // http_method
    Type::TEXT, // http_target
    Type::TEXT, // http_host
    Type::TEXT, // http_user_agent
    Type::TEXT, // http_referer
    Type::TEXT, // http_forwarded_for
    Type::INT8, // http_body_len
    Type::TEXT, // http_body_sha256
    Type::TEXT, // tls_sni
    Type::TEXT, // tls_alpn
    Type::TEXT, // tls_ja4
    Type::TEXT, // tcp_first_bytes_hex
    Type::INT8, // tcp_len
    Type::INT8, // src_asn
    Type::TEXT, // src_as_name
    Type::TEXT, // src_country
];

/// Connections [`PostgresStore::connect`] opens to copy batches in
/// parallel: two, one per core of the small machines a sinkhole runs on.
pub const COPY_CONNECTIONS: usize = 2;

/// Events per connection below which a batch is not split: a split costs a
/// thread and a second commit.
const MIN_SPLIT: usize = 5_000;

/// Events in a PostgreSQL database.
pub struct PostgresStore {
    // The trait reads through `&self`; the client needs `&mut` for every
    // query. The store is used from one thread, so a RefCell is enough.
    client: RefCell<Client>,
    /// More connections for parallel COPY, beside `client`.
    helpers: Vec<Client>,
    /// How `client` was connected, to open readers for the reports'
    /// parallel scan; none for a client given by the caller.
    config: Option<postgres::Config>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

fn error(source: postgres::Error) -> StoreError {
    StoreError::Postgres { source }
}

/// How long a connection attempt may take unless the URL says
/// (`connect_timeout`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl PostgresStore {
    /// Connects without TLS to `url` (`postgresql://user:password@host/db`
    /// or `host=... user=... dbname=...`) and brings the schema to
    /// [`SCHEMA_VERSION`].
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let mut config: postgres::Config = url.parse().map_err(error)?;
        if config.get_connect_timeout().is_none() {
            // A server that does not answer must not hold the writer (and
            // the events behind it) for the system's TCP timeout.
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let mut store = PostgresStore::from_client(config.connect(NoTls).map_err(error)?)?;
        for _ in 1..COPY_CONNECTIONS {
            store.add_copy_client(config.connect(NoTls).map_err(error)?);
        }
        store.config = Some(config);
        Ok(store)
    }

    /// Adds a connection (to the same database, with the same search path)
    /// that large batches are copied through in parallel with the first.
    pub fn add_copy_client(&mut self, client: Client) {
        self.helpers.push(client);
    }

    /// A store over a client connected by the caller (with TLS, a search
    /// path, a statement timeout); brings the schema to [`SCHEMA_VERSION`].
    pub fn from_client(client: Client) -> Result<PostgresStore, StoreError> {
        let store = PostgresStore {
            client: RefCell::new(client),
            helpers: Vec::new(),
            config: None,
        };
        store.migrate()?;
        Ok(store)
    }

    /// The client, to close it or to use it for something else.
    pub fn into_client(self) -> Client {
        self.client.into_inner()
    }

    /// The schema version of the store.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let row = self
            .client
            .borrow_mut()
            .query_one(
                "SELECT coalesce(max(version), 0)::BIGINT FROM schema_version",
                &[],
            )
            .map_err(error)?;
        row.try_get(0).map_err(error)
    }

    /// Brings the schema to [`SCHEMA_VERSION`]. Several connections
    /// (sinkhole nodes, the writer's COPY connections, the API) may open a
    /// fresh database at once: the migrations run in one transaction that
    /// first takes [`MIGRATION_LOCK`], so the others wait and then find
    /// the schema current.
    fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client.borrow_mut();
        let mut transaction = client.transaction().map_err(error)?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(error)?;
        transaction
            .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .map_err(error)?;
        let found: i64 = transaction
            .query_one(
                "SELECT coalesce(max(version), 0)::BIGINT FROM schema_version",
                &[],
            )
            .map_err(error)?
            .try_get(0)
            .map_err(error)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for (version, migration) in (1i64..).zip(MIGRATIONS).skip_while(|(v, _)| *v <= found) {
            transaction.batch_execute(migration).map_err(error)?;
            transaction
                .execute(
                    "INSERT INTO schema_version (version) VALUES ($1)",
                    &[&version],
                )
                .map_err(error)?;
        }
        transaction.commit().map_err(error)
    }
}

fn port(port: i64) -> i32 {
    // Ports come from a u16; the conversion cannot fail.
    i32::try_from(port).unwrap_or(i32::MAX)
}

fn raw_of(row: &Row) -> Result<(i64, RawEvent), postgres::Error> {
    let id: i64 = row.try_get(0)?;
    let src_port: i32 = row.try_get(5)?;
    let dst_port: i32 = row.try_get(7)?;
    Ok((
        id,
        RawEvent {
            time_us: row.try_get(1)?,
            protocol: row.try_get(2)?,
            transport: row.try_get(3)?,
            src_ip: row.try_get(4)?,
            src_port: i64::from(src_port),
            dst_ip: row.try_get(6)?,
            dst_port: i64::from(dst_port),
            name: row.try_get(8)?,
            family: row.try_get(9)?,
            seed: row.try_get(10)?,
            window_from_us: row.try_get(11)?,
            window_to_us: row.try_get(12)?,
            campaign: row.try_get(13)?,
            dns_qtype: row.try_get(14)?,
            http_method: row.try_get(15)?,
            http_target: row.try_get(16)?,
            http_host: row.try_get(17)?,
            http_user_agent: row.try_get(18)?,
            http_referer: row.try_get(19)?,
            http_forwarded_for: row.try_get(20)?,
            http_body_len: row.try_get(21)?,
            http_body_sha256: row.try_get(22)?,
            tls_sni: row.try_get(23)?,
            tls_alpn: row.try_get(24)?,
            tls_ja4: row.try_get(25)?,
            tcp_first_bytes_hex: row.try_get(26)?,
            tcp_len: row.try_get(27)?,
            src_asn: row.try_get(28)?,
            src_as_name: row.try_get(29)?,
            src_country: row.try_get(30)?,
        },
    ))
}

/// Adds what `events` count to the per-hour victims counts inside
/// `transaction`: one row per key, in key order (see `hourly`), in one
/// statement.
fn add_hourly(
    transaction: &mut postgres::Transaction<'_>,
    events: &[Event],
) -> Result<(), StoreError> {
    let rows = hourly_columns(events);
    if rows.is_empty() {
        return Ok(());
    }
    let hours: Vec<i64> = rows.iter().map(|r| r.hour_us).collect();
    let families: Vec<&str> = rows.iter().map(|r| r.family).collect();
    let sources: Vec<&str> = rows.iter().map(|r| r.src_ip.as_str()).collect();
    let asns: Vec<i64> = rows.iter().map(|r| r.src_asn).collect();
    let countries: Vec<&str> = rows.iter().map(|r| r.src_country).collect();
    let names: Vec<Option<&str>> = rows.iter().map(|r| r.src_as_name).collect();
    let events: Vec<i64> = rows.iter().map(|r| r.events).collect();
    transaction
        .execute(
            HOURLY_UPSERT_SQL,
            &[
                &hours, &families, &sources, &asns, &countries, &names, &events,
            ],
        )
        .map_err(error)?;
    Ok(())
}

/// One part of a batch: its events, and where they start in the batch.
#[derive(Clone, Copy)]
struct Part<'a> {
    batch: &'a str,
    first: usize,
    events: &'a [Event],
}

/// Copies a part in one transaction of `client`, and commits it once
/// every copier has reached `copied` and none failed (`failed`).
fn copy_and_commit(
    client: &mut Client,
    part: Part<'_>,
    copied: &Barrier,
    failed: &AtomicBool,
) -> Result<(), StoreError> {
    let mut transaction = match client.transaction() {
        Ok(transaction) => transaction,
        Err(e) => {
            failed.store(true, Ordering::SeqCst);
            copied.wait();
            return Err(error(e));
        }
    };
    let outcome = copy(&mut transaction, part);
    if outcome.is_err() {
        failed.store(true, Ordering::SeqCst);
    }
    copied.wait();
    outcome?;
    if failed.load(Ordering::SeqCst) {
        // Another part failed: this one rolls back too.
        transaction.rollback().map_err(error)?;
        return Err(StoreError::PartRolledBack);
    }
    // The part's victims counts, after the barrier: parts adding to the
    // same rows wait on each other's row locks, which before the barrier
    // would hold both there for good. After it each commits without
    // waiting for the others; one that fails now is one part missing,
    // which event_batches lets a replay store (counts included).
    add_hourly(&mut transaction, part.events)?;
    transaction.commit().map_err(error)
}

/// Copies a part's events and records the part in `event_batches`, in
/// `transaction`.
fn copy(transaction: &mut postgres::Transaction<'_>, part: Part<'_>) -> Result<(), StoreError> {
    let events = part.events;
    let sink = transaction
        .copy_in(&format!(
            "COPY events ({COLUMNS}) FROM STDIN (FORMAT binary)"
        ))
        .map_err(error)?;
    let mut writer = BinaryCopyInWriter::new(sink, &COLUMN_TYPES);
    for event in events {
        let raw = RawEvent::from_event(event);
        let src_port = port(raw.src_port);
        let dst_port = port(raw.dst_port);
        let values: [&(dyn ToSql + Sync); COLUMN_COUNT] = [
            &raw.time_us,
            &raw.protocol,
            &raw.transport,
            &raw.src_ip,
            &src_port,
            &raw.dst_ip,
            &dst_port,
            &raw.name,
            &raw.family,
            &raw.seed,
            &raw.window_from_us,
            &raw.window_to_us,
            &raw.campaign,
            &raw.dns_qtype,
            &raw.http_method,
            &raw.http_target,
            &raw.http_host,
            &raw.http_user_agent,
            &raw.http_referer,
            &raw.http_forwarded_for,
            &raw.http_body_len,
            &raw.http_body_sha256,
            &raw.tls_sni,
            &raw.tls_alpn,
            &raw.tls_ja4,
            &raw.tcp_first_bytes_hex,
            &raw.tcp_len,
            &raw.src_asn,
            &raw.src_as_name,
            &raw.src_country,
        ];
        writer.write(&values).map_err(error)?;
    }
    writer.finish().map_err(error)?;
    let last_time_us = events.iter().map(|e| micros(e.time)).max().unwrap_or(0);
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    transaction
        .execute(
            "INSERT INTO event_batches (batch_id, first_event, events, last_time_us) \
             VALUES ($1, $2, $3, $4)",
            &[
                &part.batch,
                &count(part.first),
                &count(events.len()),
                &last_time_us,
            ],
        )
        .map_err(error)?;
    Ok(())
}

impl PostgresStore {
    /// The parts of `batch` already stored, as (first event, count).
    fn stored_parts(&mut self, batch: &str) -> Result<Vec<(usize, usize)>, StoreError> {
        let rows = self
            .client
            .get_mut()
            .query(
                "SELECT first_event, events FROM event_batches WHERE batch_id = $1",
                &[&batch],
            )
            .map_err(error)?;
        rows.iter()
            .map(|row| {
                let first: i64 = row.try_get(0).map_err(error)?;
                let count: i64 = row.try_get(1).map_err(error)?;
                Ok((
                    usize::try_from(first).unwrap_or(usize::MAX),
                    usize::try_from(count).unwrap_or(0),
                ))
            })
            .collect()
    }

    /// Stores one part, over several connections when it is large.
    fn insert_part(&mut self, part: Part<'_>) -> Result<(), StoreError> {
        let events = part.events;
        let parts = (events.len() / MIN_SPLIT).clamp(1, self.helpers.len() + 1);
        let client = self.client.get_mut();
        if parts == 1 {
            let mut transaction = client.transaction().map_err(error)?;
            copy(&mut transaction, part)?;
            // The victims counts move with the events they count.
            add_hourly(&mut transaction, part.events)?;
            return transaction.commit().map_err(error);
        }
        let size = events.len().div_ceil(parts);
        let copied = Barrier::new(parts);
        let failed = AtomicBool::new(false);
        let mut clients: Vec<&mut Client> = std::iter::once(client)
            .chain(self.helpers.iter_mut())
            .take(parts)
            .collect();
        let outcomes: Vec<Result<(), StoreError>> = std::thread::scope(|scope| {
            let mut chunks = events.chunks(size).enumerate().map(|(index, chunk)| Part {
                batch: part.batch,
                first: part.first + index * size,
                events: chunk,
            });
            let Some(first) = chunks.next() else {
                return Vec::new();
            };
            let mut clients = clients.iter_mut();
            let Some(own) = clients.next() else {
                return Vec::new();
            };
            let others: Vec<_> = clients
                .zip(chunks)
                .map(|(client, chunk)| {
                    let (copied, failed) = (&copied, &failed);
                    scope.spawn(move || copy_and_commit(client, chunk, copied, failed))
                })
                .collect();
            let mut outcomes = vec![copy_and_commit(own, first, &copied, &failed)];
            outcomes.extend(
                others
                    .into_iter()
                    .map(|h| h.join().unwrap_or(Err(StoreError::PartRolledBack))),
            );
            outcomes
        });
        // The cause first: a part that only rolled back says little.
        let mut outcomes = outcomes;
        outcomes.sort_by_key(|o| matches!(o, Err(StoreError::PartRolledBack)));
        outcomes.into_iter().collect()
    }
}

impl EventStore for PostgresStore {
    fn insert_batch(&mut self, batch: BatchId, events: &[Event]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let id = batch.to_string();
        let stored = self.stored_parts(&id)?;
        for range in batch::missing(events.len(), &stored) {
            self.insert_part(Part {
                batch: &id,
                first: range.start,
                events: &events[range],
            })?;
        }
        Ok(())
    }

    /// A connection of its own to the same database, when this store was
    /// opened by [`PostgresStore::connect`].
    fn reader(&self) -> Result<Option<Box<dyn EventStore + Send>>, StoreError> {
        let Some(config) = &self.config else {
            return Ok(None);
        };
        Ok(Some(Box::new(PostgresStore {
            client: RefCell::new(config.connect(NoTls).map_err(error)?),
            helpers: Vec::new(),
            config: Some(config.clone()),
        })))
    }

    fn events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Event)>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut client = self.client.borrow_mut();
        let rows = match after_id {
            None => client.query(
                &format!(
                    "SELECT id, {COLUMNS} FROM events WHERE time_us >= $1 AND time_us < $2 \
                     ORDER BY time_us, id LIMIT $3"
                ),
                &[&micros(from), &micros(to), &limit],
            ),
            Some(id) => {
                let cursor = client
                    .query_opt("SELECT time_us FROM events WHERE id = $1", &[&id])
                    .map_err(error)?;
                let Some(cursor) = cursor else {
                    return Err(StoreError::UnknownCursor { id });
                };
                let time: i64 = cursor.try_get(0).map_err(error)?;
                client.query(
                    &format!(
                        "SELECT id, {COLUMNS} FROM events WHERE (time_us, id) > ($1, $2) \
                         AND time_us >= $3 AND time_us < $4 ORDER BY time_us, id LIMIT $5"
                    ),
                    &[&time, &id, &micros(from), &micros(to), &limit],
                )
            }
        }
        .map_err(error)?;
        rows.iter()
            .map(|row| {
                let (id, raw) = raw_of(row).map_err(error)?;
                Ok((id, raw.into_event(id)?))
            })
            .collect()
    }

    fn delete_before(
        &mut self,
        before: DateTime<Utc>,
        max_rows: usize,
    ) -> Result<usize, StoreError> {
        let limit = i64::try_from(max_rows).unwrap_or(i64::MAX);
        let client = self.client.get_mut();
        let deleted = client
            .execute(
                "DELETE FROM events WHERE id IN \
                 (SELECT id FROM events WHERE time_us < $1 ORDER BY time_us, id LIMIT $2)",
                &[&micros(before), &limit],
            )
            .map_err(error)?;
        let deleted = usize::try_from(deleted).unwrap_or(usize::MAX);
        if deleted < max_rows {
            // The events are gone up to the cut-off: so go the records of
            // the batches they came in (bounded too; the next purge takes
            // the rest).
            client
                .execute(
                    "DELETE FROM event_batches WHERE (batch_id, first_event) IN \
                     (SELECT batch_id, first_event FROM event_batches \
                      WHERE last_time_us < $1 LIMIT $2)",
                    &[&micros(before), &limit],
                )
                .map_err(error)?;
            client
                .execute(
                    "DELETE FROM victims_hourly WHERE hour_us <= $1 - 3600000000",
                    &[&micros(before)],
                )
                .map_err(error)?;
        }
        Ok(deleted)
    }

    fn hourly_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        each: &mut dyn FnMut(HourlyRow) -> bool,
    ) -> Result<(), StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut client = self.client.borrow_mut();
        let (from, to) = (micros(from), micros(to));
        let params: [&(dyn ToSql + Sync); 2] = [&from, &to];
        let mut rows = client
            .query_raw(
                "SELECT hour_us, family, src_ip, src_asn, src_country, src_as_name, events \
                 FROM victims_hourly WHERE hour_us >= $1 AND hour_us < $2",
                params,
            )
            .map_err(error)?;
        while let Some(row) = rows.next().map_err(error)? {
            let raw = RawHourly {
                hour_us: row.try_get(0).map_err(error)?,
                family: row.try_get(1).map_err(error)?,
                src_ip: row.try_get(2).map_err(error)?,
                src_asn: row.try_get(3).map_err(error)?,
                src_country: row.try_get(4).map_err(error)?,
                src_as_name: row.try_get(5).map_err(error)?,
                events: row.try_get(6).map_err(error)?,
            };
            if !each(raw.into_row()?) {
                break;
            }
        }
        Ok(())
    }
}

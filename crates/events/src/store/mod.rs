//! Event stores: where the sinkhole's events are kept until they are
//! reported and retention deletes them.
//!
//! - [`EventStore`]: what the daemon, the reports and retention need
//!   (insert a batch, page through a time range, scan a range as borrowed
//!   [`EventRow`]s, delete old events in bounded batches).
//! - [`SqliteStore`]: the default, one file next to the daemon's state
//!   (WAL, `synchronous = NORMAL`, one transaction per batch).
//! - [`PostgresStore`]: one database shared by many sinkhole nodes (batches
//!   go in with binary `COPY`).
//!
//! Both keep one table, `events`, with one column per field of
//! [`Event`](crate::Event), created by versioned migrations recorded in a
//! `schema_version` table. Times are microseconds since the Unix epoch, UTC.
//! A second table, `event_batches`, records which parts of which batch
//! ([`BatchId`]) are stored, in the transaction that stores them, so that a
//! batch written again (a replay after a commit whose answer was lost) is
//! not stored twice. A third, `victims_hourly`, keeps the per-hour victims
//! counts (one row per [`HourlyRow`]), added to in the transaction that
//! stores the events they count.
//!
//! Blocking code: the daemon runs a store on a thread of its own.
//!
//! Known limitations: a page cursor is the id of the last event of the
//! previous page; if retention deletes that event between two pages the
//! next page fails with [`StoreError::UnknownCursor`]. The PostgreSQL store
//! connects without TLS unless it is given a client ([`PostgresStore::from_client`]).

mod columns;
mod hourly;
mod postgresql;
mod row;
mod sqlite;

use chrono::{DateTime, Utc};

use crate::batch::BatchId;
use crate::event::{Event, Protocol};
use crate::victims::{hour_of, HourlyRow, HourlyRows};

pub use self::postgresql::PostgresStore;
pub use self::row::{EachRow, EventRow};
pub use self::sqlite::SqliteStore;

/// The newest schema version this code writes and reads. Version 2 dropped
/// the index on the source address (insert speed); version 3 added
/// `event_batches`; version 4 the per-hour victims counts
/// (`victims_hourly`), backfilled from the events; version 5 compares
/// that table's key text byte by byte in PostgreSQL (as SQLite does).
pub const SCHEMA_VERSION: i64 = 5;

/// The per-hour victims table of schema version 4, the same in both
/// stores (SQLite adds `WITHOUT ROWID`: the key is the table): no family is `''`, no AS `-1`, no country `''` (a key column
/// cannot be NULL and still be unique), the source address as
/// [`Event::src_ip`] writes it. The backfill groups the stored events the
/// same way, turning IPv4-mapped IPv6 sources (`::ffff:a.b.c.d`, as
/// events keep them) into IPv4.
macro_rules! victims_hourly_table {
    () => {
        "CREATE TABLE victims_hourly (
            hour_us BIGINT NOT NULL,
            family TEXT NOT NULL,
            src_ip TEXT NOT NULL,
            src_asn BIGINT NOT NULL,
            src_country TEXT NOT NULL,
            src_as_name TEXT,
            events BIGINT NOT NULL,
            PRIMARY KEY (hour_us, family, src_ip, src_asn, src_country)
        )"
    };
}
pub(crate) use victims_hourly_table;

/// The backfill of [`victims_hourly_table`] from the stored events.
macro_rules! victims_hourly_backfill {
    () => {
        "INSERT INTO victims_hourly
            (hour_us, family, src_ip, src_asn, src_country, src_as_name, events)
        SELECT time_us - time_us % 3600000000, coalesce(family, ''),
            CASE WHEN src_ip LIKE '::ffff:%.%' THEN substr(src_ip, 8) ELSE src_ip END,
            coalesce(src_asn, -1), coalesce(src_country, ''), min(src_as_name), count(*)
        FROM events GROUP BY 1, 2, 3, 4, 5;"
    };
}
pub(crate) use victims_hourly_backfill;

/// The column values of a [`HourlyRow`] (see [`victims_hourly_table`]).
pub(crate) struct RawHourly {
    pub hour_us: i64,
    pub family: String,
    pub src_ip: String,
    pub src_asn: i64,
    pub src_country: String,
    pub src_as_name: Option<String>,
    pub events: i64,
}

impl RawHourly {
    pub(crate) fn into_row(self) -> Result<HourlyRow, StoreError> {
        let corrupt = |column: &'static str, value: String| StoreError::CorruptHourly {
            hour_us: self.hour_us,
            column,
            value,
        };
        let src_ip = self
            .src_ip
            .parse::<std::net::IpAddr>()
            .map_err(|_| corrupt("src_ip", self.src_ip.clone()))?;
        let src_asn = match self.src_asn {
            -1 => None,
            asn => Some(u32::try_from(asn).map_err(|_| corrupt("src_asn", asn.to_string()))?),
        };
        let hour = DateTime::from_timestamp_micros(self.hour_us)
            .ok_or_else(|| corrupt("hour_us", self.hour_us.to_string()))?;
        Ok(HourlyRow {
            hour,
            family: Some(self.family).filter(|f| !f.is_empty()),
            src_ip,
            src_asn,
            src_as_name: self.src_as_name,
            src_country: Some(self.src_country).filter(|c| !c.is_empty()),
            events: u64::try_from(self.events).unwrap_or(0),
        })
    }
}

/// The rows of the hours `from <= hour < to`, counted from the events
/// themselves: what [`EventStore::hourly_between`] answers for a store that
/// keeps no aggregates, and the reference the stores' own are tested
/// against.
pub fn hourly_from_events<S: EventStore + ?Sized>(
    store: &S,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    each: &mut dyn FnMut(HourlyRow) -> bool,
) -> Result<(), StoreError> {
    let mut rows = HourlyRows::default();
    let mut cursor = None;
    let size = store.scan_page_size().max(1);
    loop {
        let page = store.events_between(hour_of(from), to, cursor, size)?;
        for (_, event) in &page {
            rows.add(HourlyRow::of_event(event));
        }
        if page.len() < size {
            break;
        }
        cursor = page.last().map(|(id, _)| *id);
    }
    for row in rows.into_sorted() {
        if !each(row) {
            break;
        }
    }
    Ok(())
}

/// What the daemon, the reports and retention need from a store.
pub trait EventStore {
    /// Stores a batch of events, all or none, under a new batch id.
    fn insert(&mut self, events: &[Event]) -> Result<(), StoreError> {
        self.insert_batch(BatchId::random(), events)
    }

    /// Stores the events of batch `batch` that are not stored yet: a batch
    /// given again after it was stored, wholly or in part, adds only what
    /// is missing. Each part goes in all or none. The writer gives a batch
    /// the same id for every attempt, so retrying after any error, even one
    /// that came after the commit, never stores an event twice.
    fn insert_batch(&mut self, batch: BatchId, events: &[Event]) -> Result<(), StoreError>;

    /// Events with `from <= time < to`, ordered by time and then by id, at
    /// most `limit` of them, each with its id. For the next page pass the id
    /// of the last event returned as `after_id`; a page shorter than `limit`
    /// is the last.
    fn events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Event)>, StoreError>;

    /// Calls `each` for every event with `from <= time < to` (only those of
    /// `protocol` when it is given), in time order and then by id, until
    /// `each` says `false`. The reports read a day this way.
    ///
    /// The default pages through [`EventStore::events_between`];
    /// [`SqliteStore`] reads the range in one statement, borrowing each
    /// row's text instead of building an [`Event`].
    fn scan_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        protocol: Option<Protocol>,
        each: &mut EachRow<'_>,
    ) -> Result<(), StoreError> {
        let size = self.scan_page_size().max(1);
        let mut cursor = None;
        loop {
            let page = self.events_between(from, to, cursor, size)?;
            for (id, event) in &page {
                if protocol.is_some_and(|p| p != event.protocol()) {
                    continue;
                }
                if !each(&EventRow::of(*id, event)) {
                    return Ok(());
                }
            }
            if page.len() < size {
                return Ok(());
            }
            cursor = page.last().map(|(id, _)| *id);
        }
    }

    /// Another connection to the same store, to read a part of a range
    /// beside this one (the reports' parallel scan); `None` when the store
    /// cannot open one, and the reports read with one connection.
    fn reader(&self) -> Result<Option<Box<dyn EventStore + Send>>, StoreError> {
        Ok(None)
    }

    /// Events per page of the default [`EventStore::scan_between`].
    fn scan_page_size(&self) -> usize {
        10_000
    }

    /// Calls `each` for the per-hour victims rows ([`HourlyRow`]) of the
    /// hours `from <= hour < to` (`from` and `to` at whole hours), in no
    /// particular order, until `each` says `false`.
    ///
    /// The default counts them from the events
    /// ([`hourly_from_events`]); both stores read their `victims_hourly`
    /// table instead.
    fn hourly_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        each: &mut dyn FnMut(HourlyRow) -> bool,
    ) -> Result<(), StoreError> {
        hourly_from_events(self, from, to, each)
    }

    /// Deletes at most `max_rows` of the oldest events with `time < before`
    /// and says how many it deleted. Bounded so that a large purge does not
    /// hold the store for long; [`crate::retention::purge`] loops over it.
    /// The call that deletes fewer than `max_rows` (the last of a purge)
    /// also deletes the per-hour victims rows of the hours that end by
    /// `before`.
    fn delete_before(
        &mut self,
        before: DateTime<Utc>,
        max_rows: usize,
    ) -> Result<usize, StoreError>;
}

/// Why a store could not do what was asked, and what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite refused.
    #[error("SQLite event store {path}: {source}; check that the directory exists and is writable and that no other program holds the file locked")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// PostgreSQL refused, or could not be reached.
    #[error("PostgreSQL event store: {source}; check the connection URL, that the server is up, and that the role may create tables in the database")]
    Postgres {
        /// What the client or the server said.
        #[source]
        source: postgres::Error,
    },
    /// The store was migrated by a newer cautery.
    #[error("the event store has schema version {found}, this cautery knows versions up to {supported}; upgrade cautery, or point it at a new store")]
    SchemaTooNew {
        /// The version found in `schema_version`.
        found: i64,
        /// [`SCHEMA_VERSION`].
        supported: i64,
    },
    /// A row that cannot be an event.
    #[error("event {id} in the store has {column} {value:?}, which cautery never writes; the store was changed by another program or is damaged: delete the row or restore the store from a backup")]
    CorruptRow {
        /// The row's id.
        id: i64,
        /// The column.
        column: &'static str,
        /// What it holds.
        value: String,
    },
    /// A batch copied over several PostgreSQL connections was rolled back
    /// because another part of it failed (that part's error says why).
    #[error("PostgreSQL event store: the batch was rolled back because the part copied over another connection failed")]
    PartRolledBack,
    /// A per-hour victims row that cautery never writes.
    #[error("the per-hour victims row of hour {hour_us} has {column} {value:?}, which cautery never writes; the store was changed by another program or is damaged: delete the table victims_hourly's damaged rows")]
    CorruptHourly {
        /// The row's hour, microseconds since the epoch.
        hour_us: i64,
        /// The column.
        column: &'static str,
        /// What it holds.
        value: String,
    },
    /// The cursor of a page no longer exists.
    #[error("no event with id {id} to continue after (deleted by retention while paging?); start again from the first page")]
    UnknownCursor {
        /// The `after_id` given.
        id: i64,
    },
}

#[cfg(test)]
mod tests;

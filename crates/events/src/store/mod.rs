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
//! not stored twice.
//!
//! Blocking code: the daemon runs a store on a thread of its own.
//!
//! Known limitations: a page cursor is the id of the last event of the
//! previous page; if retention deletes that event between two pages the
//! next page fails with [`StoreError::UnknownCursor`]. The PostgreSQL store
//! connects without TLS unless it is given a client ([`PostgresStore::from_client`]).

mod columns;
mod postgresql;
mod row;
mod sqlite;

use chrono::{DateTime, Utc};

use crate::batch::BatchId;
use crate::event::{Event, Protocol};

pub use self::postgresql::PostgresStore;
pub use self::row::{EachRow, EventRow};
pub use self::sqlite::SqliteStore;

/// The newest schema version this code writes and reads. Version 2 dropped
/// the index on the source address (insert speed); version 3 added
/// `event_batches`.
pub const SCHEMA_VERSION: i64 = 3;

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

    /// Deletes at most `max_rows` of the oldest events with `time < before`
    /// and says how many it deleted. Bounded so that a large purge does not
    /// hold the store for long; [`crate::retention::purge`] loops over it.
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
    /// The cursor of a page no longer exists.
    #[error("no event with id {id} to continue after (deleted by retention while paging?); start again from the first page")]
    UnknownCursor {
        /// The `after_id` given.
        id: i64,
    },
}

#[cfg(test)]
mod tests;

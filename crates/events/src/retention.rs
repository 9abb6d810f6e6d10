//! Retention: deleting events older than the operator keeps them, in
//! bounded batches so that a large purge (the first after a long outage, or
//! after shortening the retention) never holds the store's write lock for
//! long: the sinkhole's inserts slip in between batches.
//!
//! Time is a parameter: the daemon's scheduler reads the clock and passes
//! the cut-off.

use chrono::{DateTime, Duration, Utc};

use crate::store::{EventStore, StoreError};

/// Rows deleted per batch by default: a fraction of a second of work for
/// SQLite on a small machine.
pub const DEFAULT_BATCH_ROWS: usize = 10_000;

/// What [`purge`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeSummary {
    /// Events deleted.
    pub rows: u64,
    /// Batches (store transactions) it took, the last one short.
    pub batches: u64,
}

/// The cut-off for keeping `days` days of events at `now`.
pub fn cutoff(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - Duration::days(i64::from(days))
}

/// Deletes every event with `time < before`, at most `batch_rows` (at least
/// one) per store call, until a batch comes back short.
pub fn purge(
    store: &mut dyn EventStore,
    before: DateTime<Utc>,
    batch_rows: usize,
) -> Result<PurgeSummary, StoreError> {
    let batch_rows = batch_rows.max(1);
    let mut summary = PurgeSummary::default();
    loop {
        let deleted = store.delete_before(before, batch_rows)?;
        summary.rows += deleted as u64;
        summary.batches += 1;
        if deleted < batch_rows {
            return Ok(summary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;
    use crate::testing::{at, tcp_event};

    #[test]
    fn purge_deletes_in_bounded_batches_up_to_the_cutoff() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path().join("events.db")).unwrap();
        let events: Vec<_> = (0..25)
            .map(|minute| {
                let mut event = tcp_event("192.0.2.1:1");
                event.time = at(2, minute, 0);
                event
            })
            .collect();
        store.insert(&events).unwrap();
        let summary = purge(&mut store, at(2, 20, 0), 8).unwrap();
        assert_eq!(
            summary,
            PurgeSummary {
                rows: 20,
                batches: 3
            }
        );
        let left = store
            .events_between(at(0, 0, 0), at(3, 0, 0), None, 100)
            .unwrap();
        assert_eq!(left.len(), 5);
        assert_eq!(left[0].1.time, at(2, 20, 0));
        assert_eq!(purge(&mut store, at(2, 20, 0), 0).unwrap().rows, 0);
    }

    #[test]
    fn cutoff_is_days_before_now() {
        assert_eq!(cutoff(at(12, 0, 0), 30), at(12, 0, 0) - Duration::days(30));
    }
}

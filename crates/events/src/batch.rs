//! Batch ids: what makes writing a batch of events twice harmless.
//!
//! The daemon's writer gives every batch a random [`BatchId`] when it forms
//! it, and the id goes wherever the batch goes (spool files, memory). A
//! store records, in the transaction that stores the events, which part of
//! which batch it stored (`event_batches`: id, first event, count). Storing
//! a batch again looks there first and stores only the events not yet
//! stored.
//!
//! Why: a commit whose answer is lost (the connection to PostgreSQL cut
//! after the server committed, before the client read the reply) looks like
//! a failure. The writer spools the batch and replays it later; without the
//! record the replay stored those events a second time. The same holds for
//! a crash between a replay's commit and the removal of its spool file, and
//! for a batch split over two connections of which one committed.
//!
//! Known limitations: retention deletes the records with the events they
//! describe, so a batch replayed after more than `retain-days` is stored
//! again (its events are past retention anyway). Spool files written before
//! batch ids existed get a fresh id when read, so they are not protected.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

/// The id of a batch of events: 128 random bits, written as 32 lowercase
/// hexadecimal digits. Many sinkhole nodes write to one PostgreSQL store,
/// so ids are random rather than counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BatchId(u128);

impl BatchId {
    /// A new id, from the system's random source. Should that fail (it does
    /// not on Linux), the id is made of the time, the process id and a
    /// counter: unique on this node still.
    pub fn random() -> BatchId {
        let mut bytes = [0u8; 16];
        if getrandom::fill(&mut bytes).is_ok() {
            return BatchId(u128::from_le_bytes(bytes));
        }
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let process = u64::from(std::process::id());
        BatchId((u128::from(nanos) << 64) | u128::from((process << 40) ^ count))
    }

    /// The id from its number (tests, and ids read back from a store).
    pub const fn from_u128(value: u128) -> BatchId {
        BatchId(value)
    }
}

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// A batch id that is not 32 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a batch id (32 hexadecimal digits)")]
pub struct BadBatchId(String);

impl FromStr for BatchId {
    type Err = BadBatchId;

    fn from_str(text: &str) -> Result<BatchId, BadBatchId> {
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BadBatchId(text.to_owned()));
        }
        u128::from_str_radix(text, 16)
            .map(BatchId)
            .map_err(|_| BadBatchId(text.to_owned()))
    }
}

/// The ranges of a batch of `len` events that the parts in `stored`
/// (first event, count) do not cover, in order. Parts reaching past the
/// batch or overlapping each other are clipped, not trusted.
pub(crate) fn missing(len: usize, stored: &[(usize, usize)]) -> Vec<Range<usize>> {
    let mut stored: Vec<Range<usize>> = stored
        .iter()
        .map(|&(first, count)| first.min(len)..first.saturating_add(count).min(len))
        .filter(|range| !range.is_empty())
        .collect();
    stored.sort_by_key(|range| range.start);
    let mut missing = Vec::new();
    let mut next = 0;
    for range in stored {
        if range.start > next {
            missing.push(next..range.start);
        }
        next = next.max(range.end);
    }
    if next < len {
        missing.push(next..len);
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_read_back() {
        let (a, b) = (BatchId::random(), BatchId::random());
        assert_ne!(a, b);
        let text = a.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(text.parse::<BatchId>().unwrap(), a);
        assert_eq!(
            BatchId::from_u128(0x2a).to_string(),
            "0000000000000000000000000000002a"
        );
        for bad in [
            "",
            "2a",
            "g0000000000000000000000000000000",
            "+000000000000000000000000000002a",
        ] {
            assert!(bad.parse::<BatchId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_parts_are_what_no_stored_part_covers() {
        assert_eq!(missing(10, &[]), vec![0..10]);
        assert_eq!(missing(10, &[(0, 10)]), Vec::<Range<usize>>::new());
        assert_eq!(missing(10, &[(0, 5)]), vec![5..10]);
        assert_eq!(missing(10, &[(5, 5)]), vec![0..5]);
        assert_eq!(missing(10, &[(7, 1), (2, 3)]), vec![0..2, 5..7, 8..10]);
        // Overlapping or out-of-range parts are clipped.
        assert_eq!(missing(10, &[(0, 6), (4, 4), (20, 5)]), vec![8..10]);
        assert_eq!(missing(10, &[(8, usize::MAX)]), vec![0..8]);
        assert_eq!(missing(0, &[]), Vec::<Range<usize>>::new());
    }
}

//! Counters of the DNS server: queries by type and outcome, transfers,
//! NOTIFYs, errors and sinkhole hits by family. Plain atomics, bumped on
//! the message path (the family map takes a read lock, and its write lock
//! only the first time a family is hit); the daemon's metrics registry
//! reads them and renders them with its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use crate::authority::{Outcome, QueryKind};

/// Errors counted, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A TCP client stalled past the idle timeout.
    TcpTimeout,
    /// A TCP connection refused because of the connection limit.
    TcpLimit,
    /// A transfer refused because of the concurrent transfer limit.
    TransferLimit,
    /// A query log line dropped because the writer fell behind.
    QueryLogDropped,
    /// A socket or file error.
    Io,
}

impl ErrorKind {
    /// Every kind, in the order they are reported.
    pub const ALL: [ErrorKind; 5] = [
        ErrorKind::TcpTimeout,
        ErrorKind::TcpLimit,
        ErrorKind::TransferLimit,
        ErrorKind::QueryLogDropped,
        ErrorKind::Io,
    ];

    /// The kind's metric label.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::TcpTimeout => "tcp_timeout",
            ErrorKind::TcpLimit => "tcp_limit",
            ErrorKind::TransferLimit => "transfer_limit",
            ErrorKind::QueryLogDropped => "query_log_dropped",
            ErrorKind::Io => "io",
        }
    }
}

/// The DNS server's counters.
#[derive(Debug, Default)]
pub struct Counters {
    queries: [[AtomicU64; 9]; 9],
    transfers: [AtomicU64; 2],
    notifies: [AtomicU64; 2],
    errors: [AtomicU64; 5],
    /// Sinkhole answers by family: the families of the library and of
    /// family files, never a name a client sent, so the label stays small.
    sinkhole_hits: RwLock<HashMap<Box<str>, AtomicU64>>,
}

fn index<T: PartialEq>(all: &[T], value: &T) -> usize {
    all.iter().position(|v| v == value).unwrap_or(0)
}

impl Counters {
    /// Counts one query.
    pub fn query(&self, kind: QueryKind, outcome: Outcome) {
        self.queries[index(&QueryKind::ALL, &kind)][index(&Outcome::ALL, &outcome)]
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one query answered from a sinkholed name of `family`
    /// (`None`: a rule without provenance).
    pub fn sinkhole_hit(&self, family: Option<&str>) {
        let family = family.unwrap_or("unknown");
        {
            let hits = self.sinkhole_hits.read().unwrap_or_else(|e| e.into_inner());
            if let Some(counter) = hits.get(family) {
                counter.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        let mut hits = self
            .sinkhole_hits
            .write()
            .unwrap_or_else(|e| e.into_inner());
        hits.entry(family.into())
            .or_default()
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Sinkhole answers by family, sorted by family.
    pub fn sinkhole_hits(&self) -> Vec<(String, u64)> {
        let hits = self.sinkhole_hits.read().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<(String, u64)> = hits
            .iter()
            .map(|(family, count)| (family.to_string(), count.load(Ordering::Relaxed)))
            .collect();
        all.sort();
        all
    }

    /// Counts one transfer started, `"axfr"` or `"ixfr"`.
    pub fn transfer(&self, kind: &str) {
        self.transfers[usize::from(kind == "ixfr")].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one NOTIFY, answered or not.
    pub fn notify(&self, answered: bool) {
        self.notifies[usize::from(!answered)].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one error.
    pub fn error(&self, kind: ErrorKind) {
        self.errors[index(&ErrorKind::ALL, &kind)].fetch_add(1, Ordering::Relaxed);
    }

    /// Queries counted for one kind and outcome.
    pub fn queries(&self, kind: QueryKind, outcome: Outcome) -> u64 {
        self.queries[index(&QueryKind::ALL, &kind)][index(&Outcome::ALL, &outcome)]
            .load(Ordering::Relaxed)
    }

    /// Transfers started, `"axfr"` and `"ixfr"`.
    pub fn transfers(&self) -> [(&'static str, u64); 2] {
        [
            ("axfr", self.transfers[0].load(Ordering::Relaxed)),
            ("ixfr", self.transfers[1].load(Ordering::Relaxed)),
        ]
    }

    /// NOTIFYs sent, `"answered"` and `"unanswered"`.
    pub fn notifies(&self) -> [(&'static str, u64); 2] {
        [
            ("answered", self.notifies[0].load(Ordering::Relaxed)),
            ("unanswered", self.notifies[1].load(Ordering::Relaxed)),
        ]
    }

    /// Errors counted of one kind.
    pub fn errors(&self, kind: ErrorKind) -> u64 {
        self.errors[index(&ErrorKind::ALL, &kind)].load(Ordering::Relaxed)
    }
}

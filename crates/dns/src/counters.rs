//! Counters of the DNS server: queries by type and outcome, transfers,
//! NOTIFYs, errors and sinkhole hits by family. Plain atomics, bumped on
//! the message path (the family map takes a read lock, and its write lock
//! only the first time a family is hit); the daemon's metrics registry
//! reads them and renders them with its own. Beside them, the last
//! transfer of each zone to each peer (a secondary's address), for the
//! daemon's API: bounded to [`MAX_PEER_TRANSFERS`] (zone, peer) pairs, the
//! oldest forgotten first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

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
    /// Last transfer per (zone, peer). Peers are those the transfer ACL
    /// admitted, so few; still bounded.
    peer_transfers: Mutex<HashMap<(Box<str>, IpAddr), PeerTransfer>>,
}

/// (zone, peer) pairs whose last transfer is kept.
pub const MAX_PEER_TRANSFERS: usize = 1024;

/// The last transfer of a zone to one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerTransfer {
    /// The zone, without the final dot.
    pub zone: String,
    /// The peer's address.
    pub peer: IpAddr,
    /// `"axfr"` or `"ixfr"`.
    pub kind: &'static str,
    /// The serial the transfer brought the peer to.
    pub serial: u32,
    /// When it started, in seconds since the Unix epoch (the server's
    /// clock).
    pub at_unix: u64,
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

    /// Records a transfer of `zone` at `serial` to `peer`, started at
    /// `at_unix`.
    pub fn peer_transfer(
        &self,
        zone: &str,
        peer: IpAddr,
        kind: &'static str,
        serial: u32,
        at_unix: u64,
    ) {
        let mut peers = self
            .peer_transfers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let key = (Box::<str>::from(zone), peer.to_canonical());
        if !peers.contains_key(&key) && peers.len() >= MAX_PEER_TRANSFERS {
            if let Some(oldest) = peers
                .iter()
                .min_by_key(|(_, t)| t.at_unix)
                .map(|(k, _)| k.clone())
            {
                peers.remove(&oldest);
            }
        }
        peers.insert(
            key,
            PeerTransfer {
                zone: zone.to_owned(),
                peer: peer.to_canonical(),
                kind,
                serial,
                at_unix,
            },
        );
    }

    /// The last transfer of each zone to each peer, by zone and peer.
    pub fn peer_transfers(&self) -> Vec<PeerTransfer> {
        let peers = self
            .peer_transfers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<PeerTransfer> = peers.values().cloned().collect();
        all.sort_by(|a, b| a.zone.cmp(&b.zone).then(a.peer.cmp(&b.peer)));
        all
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_transfer_per_zone_and_peer_is_kept_and_the_oldest_forgotten_past_the_bound() {
        let counters = Counters::default();
        let peer = |n: u32| IpAddr::from(std::net::Ipv4Addr::from(0x7f00_0000 + n));
        counters.peer_transfer("a.rpz", peer(2), "axfr", 1, 100);
        counters.peer_transfer("a.rpz", peer(2), "ixfr", 2, 200);
        let all = counters.peer_transfers();
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].kind, all[0].serial, all[0].at_unix),
            ("ixfr", 2, 200)
        );
        for n in 0..MAX_PEER_TRANSFERS as u32 {
            counters.peer_transfer("b.rpz", peer(10 + n), "axfr", 7, 300 + u64::from(n));
        }
        let all = counters.peer_transfers();
        assert_eq!(all.len(), MAX_PEER_TRANSFERS);
        assert!(
            !all.iter().any(|t| t.zone == "a.rpz"),
            "the oldest pair went first"
        );
    }
}

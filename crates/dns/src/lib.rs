//! DNS serving for cautery: the RPZ primary and the sinkhole authority.
//!
//! - [`records`]: the input, a policy zone of `cautery-policy` (the model
//!   the planner fills), as SOA, NS and RPZ records.
//! - [`journal`]: the bounded IXFR journal and the state files that survive
//!   restarts.
//! - [`tsig`]: TSIG (RFC 8945) with HMAC-SHA256.
//! - [`authority`]: the pure message path: SOA, AXFR (RFC 5936), IXFR
//!   (RFC 1995), NOTIFY messages (RFC 1996), sinkhole answers.
//! - [`prepared`]: the allocation-free fast path for plain sinkhole
//!   queries, byte-identical to the full path's answers.
//! - [`server`]: UDP and TCP sockets and their limits, and TLS listeners
//!   for zone transfers ([`tls`], XoT, RFC 9103).
//! - [`notify`]: NOTIFY (RFC 1996) to secondaries, TSIG-signed for those
//!   with a key.
//! - [`rrl`], [`querylog`], [`counters`]: rate limiting, the sinkhole query
//!   log, the counters the daemon's metrics registry reports.
//!
//! Wire format comes from `hickory-proto`; TSIG, the IXFR journal and the
//! transfer streaming are written here because no crate offers them in a
//! stable release.
//!
//! Known limitations: one SOA per zone for all journal entries (a changed
//! SOA timer shows in old serials too); an IXFR over UDP larger than the
//! client's payload size is answered with the SOA alone, so the client
//! falls back to TCP; DNSSEC is not offered.

pub mod authority;
pub mod counters;
pub mod journal;
pub mod notify;
pub mod prepared;
pub mod querylog;
pub mod records;
pub mod rrl;
pub mod server;
#[doc(hidden)]
pub mod testing;
pub mod tls;
pub mod tsig;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use authority::{Authority, ServedZone, SinkholeApex, TransferAccess, Transport};
pub use counters::{Counters, ErrorKind, PeerTransfer};
pub use journal::{Journal, JournalLimits, StateFiles};
pub use notify::NotifyTarget;
pub use records::{Action, Policy, PolicyDiff, PolicyRecords, Provenance, Rule, Soa};
pub use server::{Bound, Server, ServerConfig, Shared};

/// Errors of the DNS crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A domain name that does not parse.
    #[error("'{name}' is not a valid domain name: {reason}")]
    BadName {
        /// The text given.
        name: String,
        /// Why.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A state file that does not parse.
    #[error("{path}: {reason}; remove it to start over with a full transfer for every secondary")]
    BadState {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A TLS certificate or key that cannot be used.
    #[error("{path}: {reason} (tls-certificate and tls-key must be PEM files of a certificate chain and its private key)")]
    Tls {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An address could not be bound.
    #[error("cannot listen on {0}: {1} (is another server on that port?)")]
    Bind(SocketAddr, std::io::Error),
}

impl Error {
    fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

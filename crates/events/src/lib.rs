//! Sinkhole events for cautery: what a bot did when it reached the
//! sinkhole, where that is kept, and the per-network reports sent to the
//! ISPs and CERTs responsible for the infected hosts.
//!
//! - [`event`]: the model, [`Event`], one DNS query, HTTP request, TLS
//!   hello or TCP connection, with its attribution (family, seed, window,
//!   campaign) and the source's enrichment (AS, country).
//! - [`store`]: [`EventStore`] and its two implementations, [`SqliteStore`]
//!   (the default, one file) and [`PostgresStore`] (shared by many sinkhole
//!   nodes), with versioned schema migrations.
//! - [`report`]: daily CSV reports per [`Scope`] (AS, network, country) in
//!   Shadowserver's `event4_sinkhole_http`, `event4_sinkhole` and
//!   `event4_sinkhole_dns` formats and their `event6_*` twins, streamed from
//!   the store ([`store::EventRow`], borrowed, no allocation per event).
//! - [`enrich`]: the source's AS and country from MaxMind-format databases.
//! - [`retention`]: deleting old events in bounded batches.
//! - [`spool`]: batches waiting on local disk while the store is down.
//! - [`batch`]: batch ids, which make storing a batch twice harmless (a
//!   replay after a commit whose answer was lost).
//!
//! Blocking code without an async runtime of its own: the daemon runs a
//! store on a thread of its own. (The PostgreSQL client runs a private
//! single-threaded Tokio runtime inside.) No clock is read here: the day of
//! a report and the cut-off of retention are parameters.
//!
//! Known limitations: enrichment (AS, country) is filled by the daemon
//! before insert and never recomputed for stored events; the reports leave empty the columns
//! the sinkhole cannot know (region, city, NAICS, sector, device, the
//! sinkhole's own AS).

pub mod batch;
pub mod enrich;
pub mod event;
pub mod report;
pub mod retention;
pub mod spool;
pub mod store;
#[cfg(test)]
mod testing;

pub use batch::BatchId;
pub use enrich::{EnrichError, Enricher, Origin};
pub use event::{Attribution, Details, Event, Protocol, Transport};
pub use report::{
    write_reports, Report, ReportError, ReportFile, ReportOptions, ReportSummary, Scope,
};
pub use spool::{Spool, SpoolError};
pub use store::{EventStore, PostgresStore, SqliteStore, StoreError};

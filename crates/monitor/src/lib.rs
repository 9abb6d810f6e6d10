//! The registration watch: is a predicted name registered by someone?
//!
//! This crate owns the pure logic of `cautery monitor`:
//!
//! - [`zonefile`]: a streaming reader of registry zone files (RFC 1035 §5
//!   master format, as ICANN's CZDS hands them out, gzip or plain) that yields
//!   one delegation per `NS` record, with `$ORIGIN`, `$TTL`, relative names,
//!   `@`, blank owners and parentheses handled, every line bounded.
//! - [`join`]: the join of such a stream with the names of a plan (a hash
//!   index of the predicted names, one lookup per `NS` line).
//! - [`state`]: what is remembered per name found registered, and which
//!   alerts are due (registered, changed, expiring), once per event.
//! - [`alert`]: alerts with their evidence, as JSON, chat text, and the
//!   HMAC-SHA256 signature of webhook bodies.
//! - [`delegation`]: the DNS source: the `NS` query asked of a TLD's
//!   authoritative servers and the reading of their answer (referral,
//!   NXDOMAIN), bounded and fuzzed; a pacer per server.
//! - [`rdap`]: RDAP bootstrap, query URLs, the fields kept of an RFC 9083
//!   domain answer, and `Retry-After`.
//! - [`health`]: the watcher's own health per source: late cycles,
//!   repeated failures, stale data.
//! - [`store`]: the state in SQLite, beside the sinkhole events in tables
//!   of its own; [`postgres`]: the same tables in PostgreSQL.
//!
//! It does no network I/O, reads no file but its SQLite state (readers are
//! passed in) and never reads the clock.
//!
//! Known limitations: `$INCLUDE` is refused (registry files do not use it);
//! names with `\DDD` escapes are kept escaped, so they never match a
//! predicted name (predicted names are plain host names).

pub mod alert;
pub mod delegation;
pub mod health;
pub mod join;
pub mod postgres;
pub mod rdap;
pub mod state;
pub mod store;
pub mod zonefile;

pub use alert::{signature, Alert, FindingFacts, SIGNATURE_HEADER};
pub use delegation::{DelegationError, Pacer, ParentAnswer};
pub use health::{
    cycle_notice, cycle_problem, problems, record, CycleNotice, HealthRules, Problem, SourceHealth,
    CYCLE_SOURCE,
};
pub use join::{join_zone, Found, HeldName, JoinStats, PredictionIndex, Target};
pub use postgres::{open_state, PostgresState};
pub use rdap::{domain_url, parse_domain, retry_after, Bootstrap, DomainRecord, RdapError};
pub use state::{
    due_again, observe, observe_gone, AlertKind, AlertRules, Change, Due, Evidence, NameState,
    Observation,
};
pub use store::{SqliteState, StateStore, StoreError, StoredAlert};
pub use zonefile::{open_stream, Delegation, ZoneFileError, ZoneReader, MAX_LINE};

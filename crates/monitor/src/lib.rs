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
//!
//! It does no file or network I/O of its own (readers are passed in) and
//! never reads the clock.
//!
//! Known limitations: `$INCLUDE` is refused (registry files do not use it);
//! names with `\DDD` escapes are kept escaped, so they never match a
//! predicted name (predicted names are plain host names).

pub mod join;
pub mod zonefile;

pub use join::{join_zone, Found, JoinStats, PredictionIndex};
pub use zonefile::{open_stream, Delegation, ZoneFileError, ZoneReader, MAX_LINE};

//! Finding infected machines in resolver telemetry.
//!
//! - [`formats`]: bounded, panic-free parsers of the query logs of BIND
//!   (the `queries` and `rpz` categories), Unbound (`log-queries`,
//!   `log-replies`, `rpz-log`), dnsmasq (`log-queries`, also `=extra`) and
//!   Zeek's `dns.log` (TSV and JSON), with format detection. Each line
//!   becomes at most one [`Record`]: when, who asked, what name, and the
//!   answer's NXDOMAIN-ness when the line says it.
//! - [`dnstap`]: Frame Streams framing (files and the bidirectional
//!   handshake of a live stream) and the few `dnstap.Dnstap` protobuf
//!   fields a finding needs; client queries and responses become records.
//! - [`pcap`]: pcap and pcapng captures, DNS over UDP and TCP.
//! - [`findings`]: the records of a log collected compactly, then
//!   attributed through the reverse index of `cautery-dga` at the instant
//!   each query was made (plus a slack for bots with wrong clocks), and
//!   aggregated into one [`findings::Finding`] per client and family when the
//!   client asked for enough distinct names of the family within a window.
//!
//! The crate is pure logic: no sockets, no clock, no files; the binary
//! reads the input and builds the index over the span the log covers.
//!
//! Known limitations: timestamps without a zone (BIND's default
//! `dd-Mon-yyyy`, syslog-style prefixes) are taken as UTC; syslog-style
//! prefixes carry no year, so the caller gives one; dnsmasq replies name
//! their client only with `log-queries=extra`; names that no family
//! explains are scored by [`classify`]; enough flagged names from one
//! client make an `unknown-dga` finding.

pub mod classify;
pub mod dnstap;
pub mod findings;
pub mod formats;
pub mod pcap;
mod record;
mod time;
mod wire;

pub use findings::{Collection, Finding, Settings, UNKNOWN_DGA};
pub use formats::{detect_format, InputFormat, LineParser, Malformed};
pub use record::Record;

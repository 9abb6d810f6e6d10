//! The one model of a policy, shared by the planner (`cautery-zone`), the DNS
//! server (`cautery-dns`), the daemon and everything built on them.
//!
//! - [`DomainName`]: a name normalised (lower case, no final dot) and checked
//!   once, when it enters: host names in the sense of RFC 952 and RFC 1123
//!   §2.1, at most 63 octets a label and 253 in all (RFC 1035 §2.3.4).
//! - [`Action`]: what a resolver does with a name, and its one mapping to
//!   RPZ data ([`Action::rpz_data`], draft-vixie-dnsop-dns-rpz).
//! - [`Provenance`]: the family, seed and typed [`Window`] that produced a
//!   name.
//! - [`Rule`], [`Soa`], [`Policy`] (a policy zone: apex data and rules sorted
//!   by name, with a hash index for lookups) and [`PolicyDiff`] (one IXFR
//!   delta).
//! - [`serial`]: RFC 1982 serial number arithmetic and the rule by which a
//!   policy zone's serial moves.
//!
//! No I/O, no clock, no wire format: the DNS crate renders records from
//! these types, the planner fills them.
//!
//! Known limitations: names are ASCII host names (internationalised names in
//! their A-label form); names with underscores or other characters some
//! malware emits are refused rather than escaped.

mod action;
pub mod name;
mod policy;
mod provenance;
pub mod serial;
mod soa;

pub use action::{Action, ActionError, RpzData, RpzTarget};
pub use cautery_dga::Window;
pub use name::{check_name, check_name_within, normalise_name, DomainName, NameError};
pub use policy::{Policy, PolicyDiff, Rule};
pub use provenance::{push_instant, Provenance, ProvenanceRef};
pub use soa::Soa;

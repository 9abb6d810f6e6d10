//! One query seen in telemetry.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

/// Longest DNS name in presentation form without its trailing dot (RFC 1035).
pub const MAX_NAME: usize = 253;

/// What one log line says a client asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// When the resolver logged it.
    pub time: DateTime<Utc>,
    /// The querying address.
    pub client: IpAddr,
    /// The name asked for: lower case, no trailing dot.
    pub name: String,
    /// Whether the answer was NXDOMAIN, when the line says.
    pub nxdomain: Option<bool>,
}

/// The name in canonical form, or `None` when it cannot be a DNS name
/// (empty, too long, blanks or control characters).
pub(crate) fn canonical_name(raw: &[u8]) -> Option<String> {
    let raw = raw.strip_suffix(b".").unwrap_or(raw);
    if raw.is_empty() || raw.len() > MAX_NAME {
        return None;
    }
    if raw.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return None;
    }
    let text = std::str::from_utf8(raw).ok()?;
    Some(text.to_ascii_lowercase())
}

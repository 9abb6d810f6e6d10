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

impl Record {
    /// A record to parse lines into ([`crate::LineParser::parse_into`]):
    /// the epoch, `0.0.0.0`, no name.
    pub fn empty() -> Record {
        Record {
            time: DateTime::UNIX_EPOCH,
            client: IpAddr::from([0, 0, 0, 0]),
            name: String::new(),
            nxdomain: None,
        }
    }

    /// Sets the fields but the name (which the parser wrote already);
    /// true, for a parser to return.
    pub(crate) fn set(
        &mut self,
        time: DateTime<Utc>,
        client: IpAddr,
        nxdomain: Option<bool>,
    ) -> bool {
        self.time = time;
        self.client = client;
        self.nxdomain = nxdomain;
        true
    }
}

/// Writes the name in canonical form into `out` (replacing what it held,
/// keeping its allocation); `None` when it cannot be a DNS name (empty,
/// too long, blanks, control characters or bytes that are not UTF-8).
pub(crate) fn canonical_into(raw: &[u8], out: &mut String) -> Option<()> {
    let raw = raw.strip_suffix(b".").unwrap_or(raw);
    if raw.is_empty() || raw.len() > MAX_NAME {
        return None;
    }
    // Without early exit, so that the check runs over wide words.
    if raw
        .iter()
        .fold(false, |odd, &b| odd | (b <= b' ') | (b >= 0x7f))
    {
        // Control characters, blanks, or bytes beyond ASCII: the slow path.
        let name = canonical_name(raw)?;
        out.clear();
        out.push_str(&name);
        return Some(());
    }
    out.clear();
    out.push_str(std::str::from_utf8(raw).ok()?);
    out.make_ascii_lowercase();
    Some(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_into_agrees_with_canonical_name() {
        let mut out = String::from("left over");
        for raw in [
            &b"WWW.Example.COM."[..],
            b"a",
            b"",
            b".",
            b"a b",
            b"tab\there",
            b"del\x7f",
            b"\xff\xfe",
            "bücher.DE".as_bytes(),
            b"x..",
        ] {
            let expected = canonical_name(raw);
            let got = canonical_into(raw, &mut out).map(|()| out.clone());
            assert_eq!(got, expected, "{raw:?}");
        }
        let long = vec![b'a'; MAX_NAME + 1];
        assert_eq!(canonical_into(&long, &mut out), None);
    }
}

//! The DNS source: is a predicted name delegated at its parent?
//!
//! A registered name is one its TLD's authoritative servers delegate: asked
//! for `NAME. NS` without recursion, a TLD server answers with a referral
//! (RFC 1034 §4.3.2: the `NS` records of `NAME` in the authority section,
//! not authoritative), or, for a name it does not delegate, `NXDOMAIN` or an
//! authoritative empty answer. This module writes the query (RFC 1035 §4.1,
//! with an EDNS(0) OPT record, RFC 6891, so referrals with glue fit in UDP)
//! and reads the answer into a [`ParentAnswer`]; [`Pacer`] spaces the
//! queries to one server. The sockets, retries and concurrency are the
//! caller's (`cautery monitor` in the binary).
//!
//! Everything in an answer comes from the network: the parser reads at most
//! [`MAX_MESSAGE`] bytes, follows compression pointers only backwards
//! (so no loop), keeps at most [`MAX_NS`] name servers and escapes any byte
//! of a label that is not a host-name character as `\DDD` (RFC 1035 §5.1),
//! so nothing it returns carries control characters. It never panics (see
//! the `delegation` fuzz target).
//!
//! Known limitations: DNSSEC is not validated (a forged referral is caught
//! only by the transaction ID and the question); a name whose parent is not
//! the TLD (e.g. under `co.uk`) must be configured with the servers of that
//! parent.

use std::time::{Duration, Instant};

/// The largest DNS message read (a TCP answer's 16-bit length).
pub const MAX_MESSAGE: usize = 65_535;
/// Name servers kept per name; registries allow 13 or fewer.
pub const MAX_NS: usize = 32;
/// The UDP payload size announced in the OPT record (the DNS flag day 2020 value).
pub const UDP_PAYLOAD: u16 = 1232;

const TYPE_NS: u16 = 2;
const TYPE_OPT: u16 = 41;
const CLASS_IN: u16 = 1;

/// What a parent server said about a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentAnswer {
    /// Delegated to these name servers (lower case, sorted, each once).
    Delegated(Vec<String>),
    /// Not delegated: `NXDOMAIN`, or an authoritative answer without `NS`.
    NotDelegated,
    /// The UDP answer was cut (TC bit): ask again over TCP.
    Truncated,
}

/// Why an answer cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DelegationError {
    /// The name cannot be asked (empty, a label over 63 bytes, over 255 in all).
    #[error("'{0}' is not a domain name that can be asked")]
    BadName(String),
    /// The message is cut or malformed.
    #[error("malformed DNS answer: {0}")]
    Malformed(&'static str),
    /// Not the answer to this query (ID, flags or question differ); a late
    /// answer to an earlier query, or a forgery.
    #[error("not the answer to this query: {0}")]
    Mismatch(&'static str),
    /// The server answered with an error code (SERVFAIL, REFUSED...).
    #[error("the server answered {0}; is it authoritative for this TLD?")]
    Rcode(&'static str),
    /// The server referred upwards or sideways: it does not serve the parent zone.
    #[error("the server is not authoritative for the parent of {name}: it refers to {zone}; configure the TLD's own servers")]
    NotAuthoritative {
        /// The name asked.
        name: String,
        /// The zone it referred to.
        zone: String,
    },
}

/// The query `NAME. IN NS`, recursion not desired, with an EDNS(0) OPT
/// record, under transaction `id`.
pub fn query(name: &str, id: u16) -> Result<Vec<u8>, DelegationError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let bad = || DelegationError::BadName(name.to_owned());
    if name.is_empty() || name.len() > 253 {
        return Err(bad());
    }
    let mut message = Vec::with_capacity(name.len() + 30);
    message.extend_from_slice(&id.to_be_bytes());
    // Flags all clear: a standard query, RD = 0 (a parent is asked, not a resolver).
    message.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(bad());
        }
        message.push(label.len() as u8);
        message.extend_from_slice(label.as_bytes());
    }
    message.push(0);
    message.extend_from_slice(&TYPE_NS.to_be_bytes());
    message.extend_from_slice(&CLASS_IN.to_be_bytes());
    // OPT: root owner, type 41, class = payload size, TTL 0, no options.
    message.push(0);
    message.extend_from_slice(&TYPE_OPT.to_be_bytes());
    message.extend_from_slice(&UDP_PAYLOAD.to_be_bytes());
    message.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    Ok(message)
}

/// Reads the answer of a parent server to [`query`]`(name, id)`.
pub fn parse_answer(message: &[u8], id: u16, name: &str) -> Result<ParentAnswer, DelegationError> {
    let asked = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if message.len() > MAX_MESSAGE {
        return Err(DelegationError::Malformed("longer than 65535 bytes"));
    }
    let mut reader = Reader {
        message,
        position: 0,
    };
    let answer_id = reader.u16()?;
    let flags = reader.u16()?;
    let counts = [reader.u16()?, reader.u16()?, reader.u16()?, reader.u16()?];
    if answer_id != id {
        return Err(DelegationError::Mismatch("transaction ID"));
    }
    if flags & 0x8000 == 0 {
        return Err(DelegationError::Mismatch("a query, not an answer"));
    }
    if (flags >> 11) & 0xf != 0 {
        return Err(DelegationError::Mismatch("opcode"));
    }
    if flags & 0x0200 != 0 {
        return Ok(ParentAnswer::Truncated);
    }
    if counts[0] != 1 {
        return Err(DelegationError::Mismatch("not one question"));
    }
    let question = reader.name()?;
    let (qtype, qclass) = (reader.u16()?, reader.u16()?);
    if question != asked || qtype != TYPE_NS || qclass != CLASS_IN {
        return Err(DelegationError::Mismatch("question"));
    }
    match flags & 0xf {
        0 => {}
        3 => return Ok(ParentAnswer::NotDelegated),
        1 => return Err(DelegationError::Rcode("FORMERR")),
        2 => return Err(DelegationError::Rcode("SERVFAIL")),
        4 => return Err(DelegationError::Rcode("NOTIMP")),
        5 => return Err(DelegationError::Rcode("REFUSED")),
        _ => return Err(DelegationError::Rcode("an unknown error code")),
    }
    let authoritative = flags & 0x0400 != 0;
    let mut servers: Vec<String> = Vec::new();
    let mut elsewhere: Option<String> = None;
    // Answer and authority sections; the additional section (glue, OPT) is not needed.
    for _ in 0..u32::from(counts[1]) + u32::from(counts[2]) {
        let owner = reader.name()?;
        let rtype = reader.u16()?;
        let class = reader.u16()?;
        reader.skip(4)?;
        let length = usize::from(reader.u16()?);
        let end = reader
            .position
            .checked_add(length)
            .filter(|&end| end <= message.len())
            .ok_or(DelegationError::Malformed("record data past the end"))?;
        if rtype == TYPE_NS && class == CLASS_IN {
            if owner == asked {
                let target = reader.name()?;
                if reader.position > end {
                    return Err(DelegationError::Malformed("NS target past its record"));
                }
                if servers.len() < MAX_NS && !servers.contains(&target) {
                    servers.push(target);
                }
            } else if elsewhere.is_none() {
                elsewhere = Some(owner);
            }
        }
        reader.position = end;
    }
    if !servers.is_empty() {
        servers.sort();
        return Ok(ParentAnswer::Delegated(servers));
    }
    if authoritative {
        return Ok(ParentAnswer::NotDelegated);
    }
    Err(DelegationError::NotAuthoritative {
        name: asked,
        zone: elsewhere.map_or_else(
            || "nothing (an empty answer)".to_owned(),
            |z| display_zone(&z),
        ),
    })
}

fn display_zone(zone: &str) -> String {
    if zone.is_empty() {
        ".".to_owned()
    } else {
        zone.to_owned()
    }
}

struct Reader<'a> {
    message: &'a [u8],
    position: usize,
}

impl Reader<'_> {
    fn u16(&mut self) -> Result<u16, DelegationError> {
        let bytes = self
            .message
            .get(self.position..self.position + 2)
            .ok_or(DelegationError::Malformed("cut short"))?;
        self.position += 2;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn skip(&mut self, count: usize) -> Result<(), DelegationError> {
        if self.position + count > self.message.len() {
            return Err(DelegationError::Malformed("cut short"));
        }
        self.position += count;
        Ok(())
    }

    /// A name at the position, lower case, without the final dot (the root
    /// is empty); moves past it (past the first pointer when compressed).
    fn name(&mut self) -> Result<String, DelegationError> {
        let mut text = String::new();
        let mut at = self.position;
        let mut resume: Option<usize> = None;
        let mut wire_length = 0usize;
        loop {
            let &length = self
                .message
                .get(at)
                .ok_or(DelegationError::Malformed("name cut short"))?;
            match length & 0xc0 {
                0x00 => {
                    if length == 0 {
                        self.position = resume.unwrap_or(at + 1);
                        return Ok(text);
                    }
                    let label = self
                        .message
                        .get(at + 1..at + 1 + usize::from(length))
                        .ok_or(DelegationError::Malformed("label cut short"))?;
                    wire_length += label.len() + 1;
                    if wire_length > 255 {
                        return Err(DelegationError::Malformed("name over 255 bytes"));
                    }
                    if !text.is_empty() {
                        text.push('.');
                    }
                    for &byte in label {
                        match byte.to_ascii_lowercase() {
                            b @ (b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_') => {
                                text.push(char::from(b))
                            }
                            b => text.push_str(&format!("\\{b:03}")),
                        }
                    }
                    at += 1 + label.len();
                }
                0xc0 => {
                    let &low = self
                        .message
                        .get(at + 1)
                        .ok_or(DelegationError::Malformed("pointer cut short"))?;
                    let target = usize::from(length & 0x3f) << 8 | usize::from(low);
                    // Only backwards: every jump lowers the position, so no loop.
                    if target >= at {
                        return Err(DelegationError::Malformed("compression pointer forwards"));
                    }
                    resume.get_or_insert(at + 2);
                    at = target;
                }
                _ => return Err(DelegationError::Malformed("unknown label type")),
            }
        }
    }
}

/// Spaces the queries to one server: at most one per `interval`.
#[derive(Debug, Clone)]
pub struct Pacer {
    interval: Duration,
    next: Option<Instant>,
}

impl Pacer {
    /// A pacer allowing one query per `interval` (zero: no limit).
    pub fn new(interval: Duration) -> Pacer {
        Pacer {
            interval,
            next: None,
        }
    }

    /// Takes the next slot at or after `now`; returns when it starts.
    pub fn take(&mut self, now: Instant) -> Instant {
        let slot = match self.next {
            Some(next) if next > now => next,
            _ => now,
        };
        self.next = Some(slot + self.interval);
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer to `query(name, id)` with these flags and records
    /// (owner, type, rdata as a name) in the authority section.
    fn answer(name: &str, id: u16, flags: u16, authority: &[(&str, u16, &str)]) -> Vec<u8> {
        let mut message = query(name, id).unwrap();
        message.truncate(message.len() - 11); // drop the OPT record
        message[2..4].copy_from_slice(&flags.to_be_bytes());
        message[8..10].copy_from_slice(&(authority.len() as u16).to_be_bytes());
        message[10..12].copy_from_slice(&[0, 0]);
        for (owner, rtype, data) in authority {
            let owner = encode(owner);
            let data = encode(data);
            message.extend_from_slice(&owner);
            message.extend_from_slice(&rtype.to_be_bytes());
            message.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
            message.extend_from_slice(&(data.len() as u16).to_be_bytes());
            message.extend_from_slice(&data);
        }
        message
    }

    fn encode(name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for label in name.split('.').filter(|l| !l.is_empty()) {
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
        out.push(0);
        out
    }

    #[test]
    fn the_query_asks_ns_without_recursion_with_edns() {
        let message = query("Abc.Example.", 0x1234).unwrap();
        assert_eq!(&message[..4], &[0x12, 0x34, 0, 0]);
        assert_eq!(&message[4..12], &[0, 1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(&message[12..25], b"\x03Abc\x07Example\x00");
        assert_eq!(&message[25..29], &[0, 2, 0, 1]);
        assert_eq!(message.len(), 29 + 11);
        assert!(query("a..b", 1).is_err());
        assert!(query(&"a".repeat(64), 1).is_err());
        assert!(query("", 1).is_err());
    }

    #[test]
    fn a_referral_is_a_delegation_with_its_servers_sorted_once() {
        let message = answer(
            "abc.test",
            7,
            0x8000,
            &[
                ("ABC.test", TYPE_NS, "ns2.Evil.example"),
                ("abc.test", TYPE_NS, "ns1.evil.example"),
                ("abc.test", TYPE_NS, "ns1.evil.example"),
            ],
        );
        assert_eq!(
            parse_answer(&message, 7, "abc.test."),
            Ok(ParentAnswer::Delegated(vec![
                "ns1.evil.example".into(),
                "ns2.evil.example".into()
            ]))
        );
    }

    #[test]
    fn nxdomain_and_an_authoritative_empty_answer_are_not_delegated() {
        let nx = answer("abc.test", 7, 0x8403, &[]);
        assert_eq!(
            parse_answer(&nx, 7, "abc.test"),
            Ok(ParentAnswer::NotDelegated)
        );
        let nodata = answer("abc.test", 7, 0x8400, &[("test", 6, "ns.test")]);
        assert_eq!(
            parse_answer(&nodata, 7, "abc.test"),
            Ok(ParentAnswer::NotDelegated)
        );
    }

    #[test]
    fn an_upward_referral_says_the_server_is_not_the_parent() {
        let up = answer(
            "abc.test",
            7,
            0x8000,
            &[("", TYPE_NS, "a.root-servers.net")],
        );
        let error = parse_answer(&up, 7, "abc.test").unwrap_err();
        assert!(error.to_string().contains("refers to ."), "{error}");
    }

    #[test]
    fn other_ids_questions_errors_and_truncation() {
        let message = answer("abc.test", 7, 0x8000, &[]);
        assert!(matches!(
            parse_answer(&message, 8, "abc.test"),
            Err(DelegationError::Mismatch(_))
        ));
        assert!(matches!(
            parse_answer(&message, 7, "abd.test"),
            Err(DelegationError::Mismatch(_))
        ));
        let refused = answer("abc.test", 7, 0x8005, &[]);
        assert_eq!(
            parse_answer(&refused, 7, "abc.test"),
            Err(DelegationError::Rcode("REFUSED"))
        );
        let cut = answer("abc.test", 7, 0x8200, &[]);
        assert_eq!(
            parse_answer(&cut, 7, "abc.test"),
            Ok(ParentAnswer::Truncated)
        );
    }

    #[test]
    fn compression_pointers_go_backwards_only_and_odd_bytes_are_escaped() {
        // The NS owner points at the question's name (offset 12), the
        // target's second label at the question's "test" (offset 16).
        let mut message = answer("abc.test", 9, 0x8000, &[]);
        message[9] = 1;
        message.extend_from_slice(&[0xc0, 12, 0, 2, 0, 1, 0, 0, 0, 1, 0, 5]);
        message.extend_from_slice(b"\x02n\x01\xc0\x10");
        assert_eq!(
            parse_answer(&message, 9, "abc.test"),
            Ok(ParentAnswer::Delegated(vec!["n\\001.test".into()]))
        );
        // A pointer to itself is refused, not followed for ever.
        let mut looped = answer("abc.test", 9, 0x8000, &[]);
        looped[9] = 1;
        let at = looped.len() as u8;
        looped.extend_from_slice(&[0xc0, at, 0, 2, 0, 1, 0, 0, 0, 1, 0, 0]);
        assert!(matches!(
            parse_answer(&looped, 9, "abc.test"),
            Err(DelegationError::Malformed(_))
        ));
    }

    #[test]
    fn every_prefix_of_an_answer_is_an_error_not_a_panic() {
        let message = answer(
            "abc.test",
            7,
            0x8000,
            &[("abc.test", TYPE_NS, "ns1.evil.example")],
        );
        for end in 0..message.len() {
            assert!(
                parse_answer(&message[..end], 7, "abc.test").is_err(),
                "{end}"
            );
        }
    }

    #[test]
    fn the_pacer_spaces_slots_by_the_interval() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Duration::from_millis(100));
        assert_eq!(pacer.take(start), start);
        assert_eq!(pacer.take(start), start + Duration::from_millis(100));
        assert_eq!(pacer.take(start), start + Duration::from_millis(200));
        let later = start + Duration::from_secs(5);
        assert_eq!(pacer.take(later), later);
    }
}

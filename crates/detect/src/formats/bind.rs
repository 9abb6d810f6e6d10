//! BIND 9 query logging (`category queries`) and RPZ rewrites
//! (`category rpz`), in the form of BIND 9.11 to 9.20:
//!
//! ```text
//! 02-Dec-2026 19:04:48.123 queries: info: client @0x7f0d2c0a6b68 127.0.0.2#47731 (www.example.com): query: www.example.com IN A +E(0)K (127.0.0.1)
//! 02-Dec-2026 19:04:48.125 rpz: info: client @0x7f0d2c0a6b68 127.0.0.2#47731 (bad.example): rpz QNAME NXDOMAIN rewrite bad.example/A/IN via bad.example.rpz.local
//! ```
//!
//! The time may be any `print-time` form; category and severity may be
//! absent; older versions lack the `@0x…` client object; a `view NAME:`
//! may precede `query:`. Source: the BIND 9 ARM, "The category phrase"
//! (queries, rpz) and `lib/ns/query.c` / `lib/ns/client.c` messages.

use super::{address, split_once, Malformed};
use crate::record::{canonical_into, Record};
use crate::time::{token, Clock};

/// The searcher for `client `, built once (memmem builds one per call).
static CLIENT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"client "));

pub(super) fn parse(line: &[u8], clock: &mut Clock, out: &mut Record) -> Result<bool, Malformed> {
    let (time, rest) = clock.leading(line).ok_or(Malformed::Timestamp)?;
    let Some(at) = CLIENT.find(rest) else {
        return Ok(false);
    };
    let (mut word, mut rest) = token(&rest[at + 7..]);
    if word.starts_with(b"@") {
        (word, rest) = token(rest);
    }
    let hash = word
        .iter()
        .rposition(|&b| b == b'#')
        .ok_or(Malformed::Client)?;
    let client = address(&word[..hash]).ok_or(Malformed::Client)?;
    // "(name): " then the message; the parenthesised name is the query's.
    let rest = rest.strip_prefix(b"(").ok_or(Malformed::Shape)?;
    let (quoted, mut message) = split_once(rest, b"): ").ok_or(Malformed::Shape)?;
    if message.starts_with(b"view ") {
        message = split_once(message, b": ").ok_or(Malformed::Shape)?.1;
    }
    if let Some(query) = message.strip_prefix(b"query: ") {
        let (name, _) = token(query);
        canonical_into(name, &mut out.name).ok_or(Malformed::Name)?;
        return Ok(out.set(time, client, None));
    }
    if let Some(rewrite) = message.strip_prefix(b"rpz ") {
        // rpz TRIGGER POLICY rewrite NAME/TYPE/CLASS via RULE
        let (_trigger, rewrite) = token(rewrite);
        let (policy, _) = token(rewrite);
        canonical_into(quoted, &mut out.name).ok_or(Malformed::Name)?;
        return Ok(out.set(time, client, Some(policy == b"NXDOMAIN")));
    }
    Ok(false)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) const QUERY: &str = "\
02-Dec-2026 19:04:48.123 queries: info: client @0x7f0d2c0a6b68 127.0.0.2#47731 (www.Example.com): query: www.Example.com IN A +E(0)K (127.0.0.1)
02-Dec-2026 19:04:48.125 rpz: info: client @0x7f0d2c0a6b68 127.0.0.2#47731 (bad.example): rpz QNAME NXDOMAIN rewrite bad.example/A/IN via bad.example.rpz.local
02-Dec-2026 19:04:49.000 general: info: managed-keys-zone: Key 20326 for zone . is now trusted";

    fn one(line: &str) -> Result<Option<Record>, Malformed> {
        crate::LineParser::new(crate::InputFormat::Bind, 2026).parse(line.as_bytes())
    }

    #[test]
    fn query_lines_of_every_print_option_are_read() {
        let lines = [
            "02-Dec-2026 19:04:48.123 queries: info: client @0x7f0d2c0a6b68 127.0.0.2#47731 (www.Example.com): query: www.Example.com IN A +E(0)K (127.0.0.1)",
            "02-Dec-2026 19:04:48.123 client @0x7f0d2c0a6b68 127.0.0.2#47731 (www.example.com): query: www.example.com IN A +E(0)K (127.0.0.1)",
            "2026-12-02T19:04:48.123Z queries: info: client @0x7f0d2c0a6b68 127.0.0.2#47731 (www.example.com): view internal: query: www.example.com IN A + (127.0.0.1)",
            "02-Dec-2026 19:04:48.123 client 127.0.0.2#47731 (www.example.com): query: www.example.com. IN A + (127.0.0.1)",
        ];
        for line in lines {
            let record = one(line).unwrap().expect(line);
            assert_eq!(record.name, "www.example.com");
            assert_eq!(record.client.to_string(), "127.0.0.2");
            assert_eq!(record.time.to_rfc3339(), "2026-12-02T19:04:48.123+00:00");
            assert_eq!(record.nxdomain, None);
        }
    }

    #[test]
    fn rpz_rewrites_say_whether_the_answer_was_nxdomain() {
        let record = one("02-Dec-2026 19:04:48.125 rpz: info: client @0x7f0d2c0a6b68 ::1#47731 (bad.example): rpz QNAME NXDOMAIN rewrite bad.example/A/IN via bad.example.rpz.local").unwrap().unwrap();
        assert_eq!(record.name, "bad.example");
        assert_eq!(record.client.to_string(), "::1");
        assert_eq!(record.nxdomain, Some(true));
        let record = one("02-Dec-2026 19:04:48.125 rpz: info: client @0x1 10.0.0.1#1 (x.example): rpz QNAME Local-Data rewrite x.example/A/IN via x.example.rpz").unwrap().unwrap();
        assert_eq!(record.nxdomain, Some(false));
    }

    #[test]
    fn other_lines_are_skipped_and_broken_ones_reported() {
        assert_eq!(
            one("02-Dec-2026 19:04:49.000 general: info: loaded serial 1"),
            Ok(None)
        );
        assert_eq!(
            one("02-Dec-2026 19:04:49.000 query-errors: info: client @0x1 127.0.0.1#5 (a.example): query failed (SERVFAIL) for a.example/IN/A at query.c:7000"),
            Ok(None)
        );
        assert_eq!(one("garbage"), Err(Malformed::Timestamp));
        assert_eq!(
            one("02-Dec-2026 19:04:48.123 client @0x1 not-an-ip#1 (a): query: a IN A +"),
            Err(Malformed::Client)
        );
        assert_eq!(
            one("02-Dec-2026 19:04:48.123 client @0x1 127.0.0.1#1 (a): query: a\u{1}b IN A +"),
            Err(Malformed::Name)
        );
    }
}

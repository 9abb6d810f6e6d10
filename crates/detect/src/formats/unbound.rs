//! Unbound's `log-queries`, `log-replies` and `rpz-log` lines:
//!
//! ```text
//! [1796238288] unbound[1234:0] info: 127.0.0.2 www.example.com. A IN
//! [1796238288] unbound[1234:0] info: 127.0.0.2 www.example.com. A IN NXDOMAIN 0.000000 0 103
//! [1796238288] unbound[1234:0] info: rpz: applied [blocklist] bad.example. nxdomain 127.0.0.2@53211 bad.example. A IN
//! ```
//!
//! The time is the default `[epoch]`, `log-time-ascii` or `log-time-iso`.
//! Source: unbound.conf(5) and the `log_query_in`, `log_reply_info` and
//! `log_rpz_apply` messages of Unbound 1.17 to 1.22.

use super::{address, Malformed};
use crate::record::{canonical_into, Record};
use crate::time::{token, Clock};

pub(super) fn parse(line: &[u8], clock: &mut Clock, out: &mut Record) -> Result<bool, Malformed> {
    let (time, rest) = clock.leading(line).ok_or(Malformed::Timestamp)?;
    let (program, rest) = token(rest);
    if !program.starts_with(b"unbound") {
        return Err(Malformed::Shape);
    }
    let Some(message) = rest.strip_prefix(b"info: ") else {
        return Ok(false);
    };
    if let Some(applied) = message.strip_prefix(b"rpz: applied ") {
        // [zone]? rule action client@port qname type class
        let (mut word, mut rest) = token(applied);
        if word.starts_with(b"[") {
            (_, rest) = token(rest);
        }
        (word, rest) = token(rest);
        let nxdomain = word.eq_ignore_ascii_case(b"nxdomain");
        let (who, rest) = token(rest);
        let at = who
            .iter()
            .rposition(|&b| b == b'@')
            .ok_or(Malformed::Client)?;
        let client = address(&who[..at]).ok_or(Malformed::Client)?;
        let (name, _) = token(rest);
        canonical_into(name, &mut out.name).ok_or(Malformed::Name)?;
        return Ok(out.set(time, client, Some(nxdomain)));
    }
    let (who, rest) = token(message);
    let Some(client) = address(who) else {
        // "info: start of service", "info: resolving ...", and the like.
        return Ok(false);
    };
    let (name, rest) = token(rest);
    canonical_into(name, &mut out.name).ok_or(Malformed::Name)?;
    let (_type, rest) = token(rest);
    let (_class, rest) = token(rest);
    let (rcode, _) = token(rest);
    let nxdomain = if rcode.is_empty() {
        None
    } else {
        Some(rcode == b"NXDOMAIN")
    };
    Ok(out.set(time, client, nxdomain))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) const QUERY: &str = "\
[1796238288] unbound[1234:0] info: start of service (unbound 1.17.1).
[1796238288] unbound[1234:0] info: 127.0.0.2 www.example.com. A IN
[1796238288] unbound[1234:0] info: 127.0.0.2 www.example.com. A IN NOERROR 0.000000 0 103";

    fn one(line: &str) -> Result<Option<Record>, Malformed> {
        crate::LineParser::new(crate::InputFormat::Unbound, 2026).parse(line.as_bytes())
    }

    #[test]
    fn queries_replies_and_rpz_are_read() {
        let record = one("[1796238288] unbound[1234:0] info: 127.0.0.2 www.Example.com. A IN")
            .unwrap()
            .unwrap();
        assert_eq!(record.name, "www.example.com");
        assert_eq!(record.client.to_string(), "127.0.0.2");
        assert_eq!(record.time.to_rfc3339(), "2026-12-02T19:04:48+00:00");
        assert_eq!(record.nxdomain, None);

        let record = one(
            "[1796238288] unbound[1234:0] info: ::1 qx.example. AAAA IN NXDOMAIN 0.012000 0 98",
        )
        .unwrap()
        .unwrap();
        assert_eq!(record.client.to_string(), "::1");
        assert_eq!(record.nxdomain, Some(true));

        let record = one("Dec 02 19:04:48 unbound[1234:0] info: rpz: applied [blocklist] bad.example. nxdomain 127.0.0.3@53211 bad.example. A IN")
            .unwrap()
            .unwrap();
        assert_eq!(record.name, "bad.example");
        assert_eq!(record.client.to_string(), "127.0.0.3");
        assert_eq!(record.nxdomain, Some(true));

        let record = one("2026-12-02T19:04:48.000Z unbound[1:0] info: rpz: applied bad.example. redirect 127.0.0.3@5 bad.example. A IN")
            .unwrap()
            .unwrap();
        assert_eq!(record.nxdomain, Some(false));
    }

    #[test]
    fn other_messages_are_skipped_and_broken_ones_reported() {
        assert_eq!(
            one("[1796238288] unbound[1234:0] notice: init module 0: validator"),
            Ok(None)
        );
        assert_eq!(
            one("[1796238288] unbound[1234:0] info: resolving example. A IN"),
            Ok(None)
        );
        assert_eq!(
            one("[1796238288] unbound[1:0] info: 127.0.0.2"),
            Err(Malformed::Name)
        );
        assert_eq!(one("[1796238288] named[1]: x"), Err(Malformed::Shape));
        assert_eq!(
            one("[1796238288] unbound[1:0] info: rpz: applied x. nxdomain nowhere x. A IN"),
            Err(Malformed::Client)
        );
    }
}

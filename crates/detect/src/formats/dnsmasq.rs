//! dnsmasq `log-queries` lines, plain and with `log-queries=extra` (which
//! prefixes a query serial and the client's address/port to every line of
//! the query, replies included):
//!
//! ```text
//! Dec  2 19:04:48 dnsmasq[1234]: query[A] www.example.com from 127.0.0.2
//! Dec  2 19:04:48 dnsmasq[1234]: 7 127.0.0.2/40123 query[A] www.example.com from 127.0.0.2
//! Dec  2 19:04:48 dnsmasq[1234]: 7 127.0.0.2/40123 reply www.example.com is NXDOMAIN
//! ```
//!
//! Source: dnsmasq(8) `--log-queries` and `log_query` in `src/cache.c`.
//! Replies without `extra` do not name the client and are skipped.

use super::{address, Malformed};
use crate::record::{canonical_into, Record};
use crate::time::{token, Clock};

pub(super) fn parse(line: &[u8], clock: &mut Clock, out: &mut Record) -> Result<bool, Malformed> {
    let (time, rest) = clock.leading(line).ok_or(Malformed::Timestamp)?;
    let (mut program, mut rest) = token(rest);
    if !program.starts_with(b"dnsmasq") {
        // A syslog host name may stand before the program.
        (program, rest) = token(rest);
        if !program.starts_with(b"dnsmasq") {
            return Err(Malformed::Shape);
        }
    }
    let (mut word, mut after) = token(rest);
    let mut extra_client = None;
    if !word.is_empty() && word.iter().all(u8::is_ascii_digit) {
        let (who, tail) = token(after);
        let slash = who
            .iter()
            .rposition(|&b| b == b'/')
            .ok_or(Malformed::Client)?;
        extra_client = Some(address(&who[..slash]).ok_or(Malformed::Client)?);
        (word, after) = token(tail);
    }
    if word.starts_with(b"query[") {
        let (name, tail) = token(after);
        canonical_into(name, &mut out.name).ok_or(Malformed::Name)?;
        let (from, tail) = token(tail);
        let client = match extra_client {
            Some(client) => client,
            None if from == b"from" => address(token(tail).0).ok_or(Malformed::Client)?,
            None => return Err(Malformed::Client),
        };
        return Ok(out.set(time, client, None));
    }
    if word == b"reply" {
        let Some(client) = extra_client else {
            return Ok(false);
        };
        let (name, tail) = token(after);
        canonical_into(name, &mut out.name).ok_or(Malformed::Name)?;
        let (_is, tail) = token(tail);
        let (answer, _) = token(tail);
        return Ok(out.set(time, client, Some(answer == b"NXDOMAIN")));
    }
    Ok(false)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) const QUERY: &str = "\
Dec  2 19:04:40 dnsmasq[1234]: started, version 2.89 cachesize 150
Dec  2 19:04:48 dnsmasq[1234]: query[A] www.example.com from 127.0.0.2
Dec  2 19:04:48 dnsmasq[1234]: forwarded www.example.com to 127.0.0.1";

    fn one(line: &str) -> Result<Option<Record>, Malformed> {
        crate::LineParser::new(crate::InputFormat::Dnsmasq, 2026).parse(line.as_bytes())
    }

    #[test]
    fn plain_and_extra_lines_are_read() {
        let record = one("Dec  2 19:04:48 dnsmasq[1234]: query[A] www.Example.com from 127.0.0.2")
            .unwrap()
            .unwrap();
        assert_eq!(record.name, "www.example.com");
        assert_eq!(record.client.to_string(), "127.0.0.2");
        assert_eq!(record.time.to_rfc3339(), "2026-12-02T19:04:48+00:00");

        let record =
            one("Dec 12 19:04:48 host dnsmasq[1234]: 7 ::1/40123 query[AAAA] x.example from ::1")
                .unwrap()
                .unwrap();
        assert_eq!(record.client.to_string(), "::1");
        assert_eq!(record.time.to_rfc3339(), "2026-12-12T19:04:48+00:00");

        let record =
            one("Dec  2 19:04:48 dnsmasq[1234]: 7 127.0.0.2/40123 reply x.example is NXDOMAIN")
                .unwrap()
                .unwrap();
        assert_eq!(
            (record.name.as_str(), record.nxdomain),
            ("x.example", Some(true))
        );
        let record =
            one("Dec  2 19:04:48 dnsmasq[1234]: 7 127.0.0.2/40123 reply x.example is 192.0.2.1")
                .unwrap()
                .unwrap();
        assert_eq!(record.nxdomain, Some(false));
    }

    #[test]
    fn other_lines_are_skipped_and_broken_ones_reported() {
        assert_eq!(
            one("Dec  2 19:04:48 dnsmasq[1234]: reply x.example is NXDOMAIN"),
            Ok(None)
        );
        assert_eq!(
            one("Dec  2 19:04:48 dnsmasq[1234]: cached x.example is NXDOMAIN"),
            Ok(None)
        );
        assert_eq!(
            one("Dec  2 19:04:48 dnsmasq[1234]: query[A] x.example from nobody"),
            Err(Malformed::Client)
        );
        assert_eq!(
            one("Dec  2 19:04:48 dnsmasq[1234]: query[A]"),
            Err(Malformed::Name)
        );
        assert_eq!(one("Dec  2 19:04:48 a b c"), Err(Malformed::Shape));
    }
}

//! Resolver-log formats, one module each, behind one [`LineParser`].
//!
//! A parser reads one line at a time (at most [`MAX_LINE`] bytes: the
//! reader cuts longer ones) and returns a [`Record`] for a line that shows a
//! client's query or reply, `None` for a line of the program that says
//! something else (start-up, a cache dump, a Zeek header), and a
//! [`Malformed`] error for a line it cannot read. Callers count malformed
//! lines and go on: one bad line never stops a run.

mod bind;
mod dnsmasq;
mod unbound;
mod zeek;

use std::io::BufRead;

use crate::record::Record;
use crate::time::Clock;

/// Longest line kept; the rest of a longer line is dropped (and the line
/// then most likely counted as malformed).
pub const MAX_LINE: usize = 16 * 1024;

/// The log formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputFormat {
    /// BIND 9 `queries` and `rpz` category lines.
    Bind,
    /// Unbound `log-queries`, `log-replies` and `rpz-log` lines.
    Unbound,
    /// dnsmasq `log-queries` (and `log-queries=extra`) lines.
    Dnsmasq,
    /// Zeek `dns.log`, tab-separated with `#fields` headers.
    ZeekTsv,
    /// Zeek `dns.log`, one JSON object per line.
    ZeekJson,
}

impl InputFormat {
    /// Every format, in the order detection tries them.
    pub const ALL: [InputFormat; 5] = [
        InputFormat::ZeekTsv,
        InputFormat::ZeekJson,
        InputFormat::Dnsmasq,
        InputFormat::Unbound,
        InputFormat::Bind,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Bind => "bind",
            InputFormat::Unbound => "unbound",
            InputFormat::Dnsmasq => "dnsmasq",
            InputFormat::ZeekTsv => "zeek-tsv",
            InputFormat::ZeekJson => "zeek-json",
        }
    }
}

/// Why a line could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// No timestamp the parser knows starts the line.
    #[error("no timestamp")]
    Timestamp,
    /// The client address is missing or not an address.
    #[error("no client address")]
    Client,
    /// The queried name is missing or cannot be a DNS name.
    #[error("no queried name")]
    Name,
    /// A line of the wrong shape for the format.
    #[error("not a line of this format")]
    Shape,
    /// A Zeek data line before any `#fields` header naming its columns.
    #[error("Zeek data before its #fields header")]
    NoHeader,
    /// A dnstap payload, packet or DNS message cut short or not of its kind.
    #[error("a message or packet that cannot be read")]
    Message,
}

/// Reads lines of one format.
#[derive(Debug, Clone)]
pub struct LineParser {
    format: InputFormat,
    clock: Clock,
    zeek: zeek::Columns,
}

impl LineParser {
    /// A parser of `format`; `syslog_year` is the year of syslog-style
    /// timestamps, which have none.
    pub fn new(format: InputFormat, syslog_year: i32) -> LineParser {
        LineParser {
            format,
            clock: Clock::new(syslog_year),
            zeek: zeek::Columns::default(),
        }
    }

    /// The format read.
    pub fn format(&self) -> InputFormat {
        self.format
    }

    /// Reads one line (without its end of line).
    pub fn parse(&mut self, line: &[u8]) -> Result<Option<Record>, Malformed> {
        let mut record = Record::empty();
        Ok(self.parse_into(line, &mut record)?.then_some(record))
    }

    /// Reads one line (without its end of line) into `record`, reusing its
    /// name's allocation: true when the line was a query or reply (and
    /// `record` now says what), false for another line of the program
    /// (`record` then holds anything).
    pub fn parse_into(&mut self, line: &[u8], record: &mut Record) -> Result<bool, Malformed> {
        let line = trim_end(line);
        if line.is_empty() {
            return Ok(false);
        }
        let parsed = match self.format {
            InputFormat::Bind => return bind::parse(line, &mut self.clock, record),
            InputFormat::Unbound => return unbound::parse(line, &mut self.clock, record),
            InputFormat::Dnsmasq => return dnsmasq::parse(line, &mut self.clock, record),
            InputFormat::ZeekTsv => self.zeek.parse(line)?,
            InputFormat::ZeekJson => zeek::parse_json(line)?,
        };
        Ok(parsed.map(|parsed| *record = parsed).is_some())
    }
}

fn trim_end(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|&b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t'))
        .map_or(0, |i| i + 1);
    &line[..end]
}

/// The format whose parser reads most of `sample` (the first lines of an
/// input), or `None` when no parser reads any line of it.
pub fn detect_format(sample: &[Vec<u8>], syslog_year: i32) -> Option<InputFormat> {
    let mut best: Option<(InputFormat, usize)> = None;
    for format in InputFormat::ALL {
        let mut parser = LineParser::new(format, syslog_year);
        let read = sample
            .iter()
            .filter(|line| matches!(parser.parse(line), Ok(Some(_))))
            .count();
        if read > 0 && best.is_none_or(|(_, most)| read > most) {
            best = Some((format, read));
        }
    }
    best.map(|(format, _)| format)
}

/// Reads one line into `line` (without its end), keeping at most
/// [`MAX_LINE`] bytes of it; returns false at the end of the input.
pub fn read_bounded_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<bool> {
    line.clear();
    let mut read_any = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(read_any);
        }
        read_any = true;
        let (chunk, done) = match memchr::memchr(b'\n', buffer) {
            Some(end) => (&buffer[..end], Some(end + 1)),
            None => (buffer, None),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let consumed = done.unwrap_or(buffer.len());
        reader.consume(consumed);
        if done.is_some() {
            return Ok(true);
        }
    }
}

/// Splits at the first occurrence of `needle`.
pub(crate) fn split_once<'a>(line: &'a [u8], needle: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let at = find(line, needle)?;
    Some((&line[..at], &line[at + needle.len()..]))
}

/// The first position of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    // The needles are a few bytes: a searcher per call costs more than
    // finding the first byte and comparing.
    let (&first, _) = needle.split_first()?;
    let mut start = 0;
    while let Some(offset) = memchr::memchr(first, &haystack[start..]) {
        let at = start + offset;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        start = at + 1;
    }
    None
}

/// An address written as text, IPv4 or IPv6 (an IPv6 scope is dropped).
pub(crate) fn address(text: &[u8]) -> Option<std::net::IpAddr> {
    if let Some(v4) = plain_ipv4(text) {
        return Some(v4.into());
    }
    let text = std::str::from_utf8(text).ok()?;
    let text = text.split('%').next().unwrap_or(text);
    text.parse().ok()
}

/// The common case of [`address`] without the standard parser: four
/// decimal numbers of at most three digits, no leading zero, at most 255
/// (what `Ipv4Addr::from_str` accepts); `None` for anything else, which the
/// standard parser then decides.
fn plain_ipv4(text: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut at = 0;
    let mut value = 0u16;
    let mut digits = 0;
    for &b in text {
        if b == b'.' {
            if digits == 0 || at == 3 {
                return None;
            }
            octets[at] = u8::try_from(value).ok()?;
            (at, value, digits) = (at + 1, 0, 0);
        } else if b.is_ascii_digit() && digits < 3 && !(digits == 1 && value == 0) {
            value = value * 10 + u16::from(b - b'0');
            digits += 1;
        } else {
            return None;
        }
    }
    if digits == 0 || at != 3 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(std::net::Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Vec<u8>> {
        text.lines().map(|l| l.as_bytes().to_vec()).collect()
    }

    #[test]
    fn detection_picks_the_format_that_reads_the_sample() {
        let cases = [
            (bind::tests::QUERY, InputFormat::Bind),
            (unbound::tests::QUERY, InputFormat::Unbound),
            (dnsmasq::tests::QUERY, InputFormat::Dnsmasq),
            (zeek::tests::TSV, InputFormat::ZeekTsv),
            (zeek::tests::JSON, InputFormat::ZeekJson),
        ];
        for (sample, format) in cases {
            assert_eq!(
                detect_format(&lines(sample), 2026),
                Some(format),
                "{sample}"
            );
        }
        assert_eq!(detect_format(&lines("hello\nworld"), 2026), None);
    }

    #[test]
    fn every_parser_survives_hostile_bytes() {
        let nasty: [&[u8]; 8] = [
            b"\xff\xfe\x00",
            b"[",
            b"[1] unbound[1:0] info: ",
            b"02-Dec-2026 19:04:48.123 client @",
            b"02-Dec-2026 19:04:48.123 client 1.2.3.4#5 (",
            b"Dec  2 19:04:48 dnsmasq[1]: 1 2/3 query[A]",
            b"{\"ts\":1e400,\"id.orig_h\":\"x\"}",
            b"#fields\tts\n",
        ];
        for format in InputFormat::ALL {
            let mut parser = LineParser::new(format, 2026);
            for line in nasty {
                let _ = parser.parse(line);
            }
        }
    }

    #[test]
    fn the_quick_ipv4_reader_accepts_what_the_standard_one_does() {
        for text in [
            "10.0.0.1",
            "255.255.255.255",
            "256.0.0.1",
            "01.2.3.4",
            "0.0.0.0",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "",
            "1.2.3.4%eth0",
            "a.b.c.d",
            "1000.1.1.1",
            "1.2.3.04",
            "::1",
            "::ffff:1.2.3.4",
            "fe80::1%eth0",
            "1.2.3.4 ",
            "+1.2.3.4",
        ] {
            let expected = text
                .split('%')
                .next()
                .unwrap()
                .parse::<std::net::IpAddr>()
                .ok();
            assert_eq!(address(text.as_bytes()), expected, "{text}");
            if let Some(quick) = plain_ipv4(text.as_bytes()) {
                assert_eq!(Some(std::net::IpAddr::from(quick)), expected, "{text}");
            }
        }
    }

    #[test]
    fn long_lines_are_cut() {
        let input = format!("{}\nshort\r\n", "x".repeat(MAX_LINE * 2));
        let mut reader = std::io::BufReader::with_capacity(64, input.as_bytes());
        let mut line = Vec::new();
        assert!(read_bounded_line(&mut reader, &mut line).unwrap());
        assert_eq!(line.len(), MAX_LINE);
        assert!(read_bounded_line(&mut reader, &mut line).unwrap());
        assert_eq!(line, b"short\r");
        assert!(!read_bounded_line(&mut reader, &mut line).unwrap());
    }
}

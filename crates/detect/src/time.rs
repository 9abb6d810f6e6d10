//! The timestamps that start log lines, parsed by hand (a log has millions
//! of them) and without panics.
//!
//! Accepted, each followed by a blank:
//! - `[1796238288]`: Unbound's default (seconds since the epoch);
//! - `2026-12-02T19:04:48.123Z` and other RFC 3339 / ISO 8601 forms
//!   (BIND `print-time iso8601-utc`, Unbound `log-time-iso`, rsyslog);
//!   without a zone, UTC;
//! - `02-Dec-2026 19:04:48.123`: BIND's default `print-time`, taken as UTC;
//! - `Dec  2 19:04:48`: syslog (dnsmasq, Unbound `log-time-ascii`), with the
//!   year the caller gives, taken as UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month(text: &[u8]) -> Option<u32> {
    let position = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(text))?;
    u32::try_from(position + 1).ok()
}

fn number(text: &[u8]) -> Option<u32> {
    if text.is_empty() || text.len() > 9 {
        return None;
    }
    let mut value = 0u32;
    for &b in text {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    Some(value)
}

/// Nanoseconds of a fraction's digits (`123` is 123 ms); at most 9 used.
fn fraction(text: &[u8]) -> Option<u32> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let used = &text[..text.len().min(9)];
    let value = number(used)?;
    Some(value * 10u32.pow(9 - u32::try_from(used.len()).ok()?))
}

fn instant(
    year: i32,
    month: u32,
    day: u32,
    clock: &[u8],
    offset_seconds: i64,
) -> Option<DateTime<Utc>> {
    // HH:MM:SS with an optional .fraction
    if clock.len() < 8 || clock[2] != b':' || clock[5] != b':' {
        return None;
    }
    let hour = number(&clock[..2])?;
    let minute = number(&clock[3..5])?;
    let second = number(&clock[6..8])?;
    let nanos = match clock.get(8) {
        None => 0,
        Some(b'.' | b',') => fraction(&clock[9..])?,
        Some(_) => return None,
    };
    let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(
        hour,
        minute,
        second.min(59),
        nanos,
    )?;
    let utc = Utc.from_utc_datetime(&naive);
    utc.checked_sub_signed(chrono::TimeDelta::seconds(offset_seconds))
}

/// Splits `line` at its first blank (runs of blanks skipped).
pub(crate) fn token(line: &[u8]) -> (&[u8], &[u8]) {
    let end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let rest = &line[end..];
    let skip = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
    (&line[..end], &rest[skip..])
}

fn iso(text: &[u8]) -> Option<DateTime<Utc>> {
    // YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]
    if text.len() < 19 || text[4] != b'-' || text[7] != b'-' || !matches!(text[10], b'T' | b't') {
        return None;
    }
    let year = i32::try_from(number(&text[..4])?).ok()?;
    let month = number(&text[5..7])?;
    let day = number(&text[8..10])?;
    let clock = &text[11..];
    let zone_at = clock
        .iter()
        .enumerate()
        .skip(8)
        .find(|(_, &b)| matches!(b, b'Z' | b'z' | b'+' | b'-'))
        .map(|(i, _)| i);
    let (clock, offset) = match zone_at {
        None => (clock, 0),
        Some(at) => {
            let zone = &clock[at..];
            let offset = match zone[0] {
                b'Z' | b'z' if zone.len() == 1 => 0,
                b'+' | b'-' => {
                    let digits: Vec<u8> =
                        zone[1..].iter().copied().filter(|&b| b != b':').collect();
                    if digits.len() != 4 {
                        return None;
                    }
                    let hours = i64::from(number(&digits[..2])?);
                    let minutes = i64::from(number(&digits[2..])?);
                    let sign = if zone[0] == b'-' { -1 } else { 1 };
                    sign * (hours * 3600 + minutes * 60)
                }
                _ => return None,
            };
            (&clock[..at], offset)
        }
    };
    instant(year, month, day, clock, offset)
}

/// Parses the timestamp that starts `line`; returns it and the rest of the
/// line after the blanks that follow it.
pub(crate) fn leading(line: &[u8], syslog_year: i32) -> Option<(DateTime<Utc>, &[u8])> {
    let first = *line.first()?;
    if first == b'[' {
        let end = line.iter().position(|&b| b == b']')?;
        let inside = &line[1..end];
        let (seconds, nanos) = match inside.iter().position(|&b| b == b'.') {
            Some(dot) => (&inside[..dot], fraction(&inside[dot + 1..])?),
            None => (inside, 0),
        };
        if seconds.is_empty() || seconds.len() > 12 || !seconds.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let seconds: i64 = std::str::from_utf8(seconds).ok()?.parse().ok()?;
        let time = DateTime::from_timestamp(seconds, nanos)?;
        let (_, rest) = token(&line[end..]);
        return Some((time, rest));
    }
    let (head, rest) = token(line);
    if first.is_ascii_digit() {
        if let Some(time) = iso(head) {
            return Some((time, rest));
        }
        // dd-Mon-yyyy HH:MM:SS.fff
        if head.len() == 11 && head[2] == b'-' && head[6] == b'-' {
            let day = number(&head[..2])?;
            let month = month(&head[3..6])?;
            let year = i32::try_from(number(&head[7..])?).ok()?;
            let (clock, rest) = token(rest);
            return Some((instant(year, month, day, clock, 0)?, rest));
        }
        return None;
    }
    // Mon dd HH:MM:SS
    let month = month(head)?;
    let (day, rest) = token(rest);
    let day = number(day)?;
    let (clock, rest) = token(rest);
    Some((instant(syslog_year, month, day, clock, 0)?, rest))
}

/// [`leading`] with a memory of the last timestamp: a log writes many lines
/// a second, so when a line starts with the same text up to the seconds as
/// the line before, only the fraction after it is read.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    syslog_year: i32,
    /// The last timestamp's text up to and including its seconds.
    key: [u8; Clock::KEY],
    key_len: usize,
    /// Its instant without the fraction that followed the key: always a
    /// whole second, so that a fraction is set rather than added.
    base: NaiveDateTime,
}

impl Clock {
    /// Longest key kept (an ISO 8601 time with a fraction and a zone).
    const KEY: usize = 40;

    pub(crate) fn new(syslog_year: i32) -> Clock {
        Clock {
            syslog_year,
            key: [0; Clock::KEY],
            key_len: 0,
            base: DateTime::UNIX_EPOCH.naive_utc(),
        }
    }

    /// As [`leading`].
    pub(crate) fn leading<'a>(&mut self, line: &'a [u8]) -> Option<(DateTime<Utc>, &'a [u8])> {
        let key = &self.key[..self.key_len];
        if self.key_len > 0 && line.starts_with(key) {
            let after = &line[self.key_len..];
            // Digits of a fraction, then a blank.
            let (nanos, tail) = match after.first() {
                Some(b' ') => (0, after),
                Some(b'.' | b',') => {
                    let digits = after[1..]
                        .iter()
                        .position(|b| !b.is_ascii_digit())
                        .unwrap_or(after.len() - 1);
                    (fraction(&after[1..=digits])?, &after[1 + digits..])
                }
                _ => (u32::MAX, after),
            };
            if nanos != u32::MAX && tail.first() == Some(&b' ') {
                let (_, rest) = token(tail);
                let time = self.base.with_nanosecond(nanos)?.and_utc();
                return Some((time, rest));
            }
        }
        let (time, rest) = leading(line, self.syslog_year)?;
        self.remember(line, rest, time);
        Some((time, rest))
    }

    /// Keeps the text of the timestamp that `leading` read off `line` when
    /// it is "anything up to HH:MM:SS" then at most a fraction.
    fn remember(&mut self, line: &[u8], rest: &[u8], time: DateTime<Utc>) {
        self.key_len = 0;
        let text = &line[..line.len() - rest.len()];
        let text = &text[..text.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1)];
        let Some(colon) = text.iter().rposition(|&b| b == b':') else {
            return;
        };
        // The last colon must be the one of MM:SS (not of a zone's
        // +HH:MM), so that only a fraction may follow the key.
        let key_len = colon + 3;
        if colon < 5 || key_len > text.len() || key_len > Clock::KEY || text[0] == b'[' {
            return;
        }
        let clock = &text[colon - 5..key_len];
        if clock[2] != b':'
            || !clock
                .iter()
                .enumerate()
                .all(|(i, b)| i == 2 || i == 5 || b.is_ascii_digit())
        {
            return;
        }
        let nanos = match &text[key_len..] {
            [] => 0,
            [b'.' | b',', digits @ ..] if digits.len() <= 9 => match fraction(digits) {
                Some(nanos) => nanos,
                None => return,
            },
            _ => return,
        };
        let Some(base) = time.checked_sub_signed(chrono::TimeDelta::nanoseconds(i64::from(nanos)))
        else {
            return;
        };
        if base.nanosecond() != 0 {
            return;
        }
        self.key[..key_len].copy_from_slice(&text[..key_len]);
        self.key_len = key_len;
        self.base = base.naive_utc();
    }
}

/// Seconds since the epoch with a fraction, as Zeek writes `ts`.
pub(crate) fn epoch_seconds(text: &[u8]) -> Option<DateTime<Utc>> {
    let (whole, nanos) = match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], fraction(&text[dot + 1..])?),
        None => (text, 0),
    };
    if whole.is_empty() || whole.len() > 12 || !whole.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let seconds: i64 = std::str::from_utf8(whole).ok()?.parse().ok()?;
    DateTime::from_timestamp(seconds, nanos)
}

/// An ISO 8601 instant on its own (Zeek JSON with ISO timestamps).
pub(crate) fn iso_instant(text: &[u8]) -> Option<DateTime<Utc>> {
    iso(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        let (time, rest) = leading(text.as_bytes(), 2026).expect(text);
        format!("{} | {}", time.to_rfc3339(), String::from_utf8_lossy(rest))
    }

    #[test]
    fn every_leading_form_is_read() {
        assert_eq!(at("[1796238288] x"), "2026-12-02T19:04:48+00:00 | x");
        assert_eq!(
            at("02-Dec-2026 19:04:48.123 client"),
            "2026-12-02T19:04:48.123+00:00 | client"
        );
        assert_eq!(
            at("2026-12-02T19:04:48.123Z client"),
            "2026-12-02T19:04:48.123+00:00 | client"
        );
        assert_eq!(
            at("2026-12-02T20:04:48.5+01:00 a"),
            "2026-12-02T19:04:48.500+00:00 | a"
        );
        assert_eq!(
            at("Dec  2 19:04:48 dnsmasq[1]:"),
            "2026-12-02T19:04:48+00:00 | dnsmasq[1]:"
        );
    }

    #[test]
    fn the_clock_reads_what_leading_reads() {
        let lines = [
            "02-Dec-2026 19:04:48.123 client",
            "02-Dec-2026 19:04:48.9 a b",
            "02-Dec-2026 19:04:48 c",
            "02-Dec-2026 19:04:48.123456789123 d",
            "02-Dec-2026 19:04:48.x e",
            "02-Dec-2026 19:04:48.5",
            "02-Dec-2026 19:04:49.001 f",
            "02-Dec-2026 19:04:49.999999999 g",
            "02-Dec-2026 19:04:49.000000001 h",
            "31-Dec-2026 23:59:59.999 i",
            "31-Dec-2026 23:59:59.5 j",
            "2026-12-02T19:04:48.123Z client",
            "2026-12-02T19:04:48.124Z client",
            "2026-12-02T20:04:48.5+01:00 a",
            "2026-12-02T20:04:48.5+01:00 a",
            "2026-12-02T20:04:48.5+01:00.3 a",
            "2026-12-02T20:04:48.6+01:00 a",
            "2026-12-02T20:04:48 a",
            "2026-12-02T20:04:48.7 a",
            "Dec  2 19:04:48 dnsmasq[1]:",
            "Dec  2 19:04:48 dnsmasq[1]:",
            "Dec  2 19:04:48.25 dnsmasq[1]:",
            "[1796238288] x",
            "[1796238288] x",
            "",
            "02-Dec-2026 19:04:48",
        ];
        let mut clock = Clock::new(2026);
        for line in lines {
            assert_eq!(
                clock.leading(line.as_bytes()),
                leading(line.as_bytes(), 2026),
                "{line}"
            );
        }
    }

    #[test]
    fn impossible_dates_are_refused_not_panicked_on() {
        for bad in [
            "",
            "[",
            "[99999999999999999999] x",
            "31-Feb-2026 10:00:00 x",
            "2026-13-01T00:00:00Z x",
            "Foo 1 00:00:00 x",
            "Dec 2 25:61:00 x",
            "2026-12-02T19:04:48+1 x",
            "02-Dec-2026 19:04",
        ] {
            assert!(leading(bad.as_bytes(), 2026).is_none(), "{bad}");
        }
    }
}

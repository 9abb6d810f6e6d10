//! SOA serials: RFC 1982 serial number arithmetic (32 bits) and the one rule
//! by which the serial of a policy zone moves, for exports and the daemon
//! alike. When the content changes the serial becomes the Unix time of the
//! change, or the previous serial plus one when that is later in serial
//! arithmetic, so it grows on every change even when the clock goes back or
//! a state file is lost.

use chrono::{DateTime, Utc};

/// Whether `a` is after `b` in RFC 1982 serial arithmetic (§3.2).
pub fn is_after(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

/// Whether `a` is before `b` in RFC 1982 serial arithmetic.
pub fn is_before(a: u32, b: u32) -> bool {
    is_after(b, a)
}

/// The Unix time of `at` as a serial (at least 1, at most `u32::MAX`).
pub fn of_instant(at: DateTime<Utc>) -> u32 {
    u32::try_from(at.timestamp().max(1)).unwrap_or(u32::MAX)
}

/// The serial of changed content published at `at`, after `previous` (none
/// for a zone never published).
pub fn next(previous: Option<u32>, at: DateTime<Utc>) -> u32 {
    let clock = of_instant(at);
    match previous {
        Some(old) if !is_after(clock, old) => old.wrapping_add(1),
        _ => clock,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("instant")
    }

    #[test]
    fn serial_arithmetic_wraps_as_rfc_1982_says() {
        assert!(is_after(2, 1));
        assert!(!is_after(1, 1));
        assert!(is_after(0, u32::MAX), "0 follows the largest serial");
        assert!(is_before(u32::MAX, 5));
        // Exactly half the space apart: undefined, and neither is after.
        assert!(!is_after(0x8000_0000, 0));
    }

    #[test]
    fn the_serial_is_the_clock_or_one_more_whichever_is_later() {
        let day = at("2026-11-26T00:00:00Z");
        assert_eq!(next(None, day), 1_795_651_200);
        assert_eq!(next(Some(7), day), 1_795_651_200);
        assert_eq!(next(Some(1_795_651_200), day), 1_795_651_201);
        // A serial ahead of the clock keeps counting from where it is.
        assert_eq!(next(Some(1_795_652_000), day), 1_795_652_001);
        // The largest serial is behind this clock in serial arithmetic.
        assert!(is_after(next(Some(u32::MAX), day), u32::MAX));
    }
}

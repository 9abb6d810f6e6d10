//! Renderings of hostile bytes that are safe to put in a log line, a JSON
//! report or a terminal: control characters never reach the reader raw.

use std::fmt::Write as _;

/// Appends `c` to `out`, escaping a control character (C0, DEL, C1) as
/// `\u{..}` and a backslash as `\\`, so that an escaped string is never
/// mistaken for a raw one.
fn push_escaped_char(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        c if c.is_control() => {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// Decodes `bytes` as UTF-8, replacing invalid sequences with U+FFFD and
/// escaping control characters, and stops before the result would exceed
/// `max_chars` characters (an escape is never cut in half).
pub(crate) fn escape_lossy(bytes: &[u8], max_chars: usize) -> String {
    let decoded = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = 0usize;
    let mut piece = String::new();
    for c in decoded.chars() {
        piece.clear();
        push_escaped_char(&mut piece, c);
        let width = piece.chars().count();
        if chars.saturating_add(width) > max_chars {
            break;
        }
        chars = chars.saturating_add(width);
        out.push_str(&piece);
    }
    out
}

/// Renders `bytes` byte by byte: printable ASCII as itself, a backslash as
/// `\\`, tab, CR and LF as `\t`, `\r`, `\n`, anything else as `\xNN`.
pub(crate) fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// Lower-case hexadecimal, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    for &b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_lossy_escapes_controls_and_backslash_and_replaces_bad_utf8() {
        assert_eq!(
            escape_lossy(b"a\\b\x1b[2J\r\n\x7f\xffz", 100),
            "a\\\\b\\u{1b}[2J\\r\\n\\u{7f}\u{fffd}z"
        );
        assert_eq!(escape_lossy("é\u{85}".as_bytes(), 100), "é\\u{85}");
    }

    #[test]
    fn escape_lossy_cuts_at_a_character_limit_without_splitting_an_escape() {
        assert_eq!(escape_lossy(b"abcdef", 4), "abcd");
        // "ab" is 2 characters; "\u{1b}" would take 6 more, past 5.
        assert_eq!(escape_lossy(b"ab\x1bcd", 5), "ab");
        assert_eq!(escape_lossy("ééé".as_bytes(), 2), "éé");
        assert_eq!(escape_lossy(b"abc", 0), "");
    }

    #[test]
    fn escape_bytes_keeps_printable_ascii_only() {
        assert_eq!(
            escape_bytes(b"GET /\\ \x00\x16\x03\x01\t\r\n\xc3\xa9~"),
            "GET /\\\\ \\x00\\x16\\x03\\x01\\t\\r\\n\\xc3\\xa9~"
        );
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0a, 0xff, 0x16]), "000aff16");
        assert_eq!(hex(&[]), "");
    }
}

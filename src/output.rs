//! Writing to stdout: buffered, and quiet when the reader goes away.

use std::io::{self, BufWriter, Write};

/// Buffered standard output.
pub type Stdout = BufWriter<io::StdoutLock<'static>>;

/// A large buffer on stdout: generation writes millions of short lines.
pub fn stdout() -> Stdout {
    BufWriter::with_capacity(1 << 20, io::stdout().lock())
}

/// Whether `error` comes from writing to a closed pipe (`cautery ... | head`).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Writes `text` as a JSON string, escaped.
pub fn json_string(out: &mut impl Write, text: &str) -> io::Result<()> {
    serde_json::to_writer(&mut *out, text).map_err(io::Error::from)
}

/// Bytes of an input shown when it is echoed; the rest is cut.
pub const ECHO_LIMIT: usize = 256;

/// `input` made safe to echo on a terminal or into a log, for input that
/// attackers may write (names from resolver logs, sinkhole hits): control
/// characters (C0, DEL, C1), Unicode bidirectional and invisible format
/// characters, the backslash and bytes that are not UTF-8 are written as
/// `\xNN` per byte; after [`ECHO_LIMIT`] bytes the text is cut and
/// `...(N bytes, cut)` says so, `N` being `total`, the input's whole length
/// (a reader may have kept only the start of a long line).
pub fn escape_echo(input: &[u8], total: usize) -> String {
    let total = total.max(input.len());
    let shown = &input[..input.len().min(ECHO_LIMIT)];
    let mut out = String::with_capacity(shown.len() + 32);
    let hex = |out: &mut String, bytes: &[u8]| {
        for byte in bytes {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    };
    for chunk in shown.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' || c.is_control() || is_format_character(c) {
                let mut buffer = [0u8; 4];
                hex(&mut out, c.encode_utf8(&mut buffer).as_bytes());
            } else {
                out.push(c);
            }
        }
        hex(&mut out, chunk.invalid());
    }
    if total > shown.len() {
        out.push_str(&format!("...({total} bytes, cut)"));
    }
    out
}

/// Characters that change how text around them is shown without being
/// seen themselves: zero-width and bidirectional marks, embeddings,
/// overrides and isolates (Unicode's "Trojan Source" set), the BOM.
fn is_format_character(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_bytes_control_characters_and_bad_utf8_are_escaped() {
        assert_eq!(escape_echo(b"\x1b[31mred.com", 12), "\\x1b[31mred.com");
        assert_eq!(
            escape_echo(b"a\\b\x7f\xff\xfe", 6),
            "a\\x5cb\\x7f\\xff\\xfe"
        );
        assert_eq!(
            escape_echo("c\u{202e}moc.x\u{85}".as_bytes(), 0),
            "c\\xe2\\x80\\xaemoc.x\\xc2\\x85"
        );
        assert_eq!(escape_echo("é.example".as_bytes(), 0), "é.example");
    }

    #[test]
    fn long_input_is_cut_and_says_so() {
        let line = vec![b'a'; 20 << 20];
        let echoed = escape_echo(&line[..1024], line.len());
        assert_eq!(
            echoed,
            format!("{}...(20971520 bytes, cut)", "a".repeat(ECHO_LIMIT))
        );
    }

    #[test]
    fn random_bytes_never_echo_a_control_byte() {
        // A fixed linear congruential sequence: random-looking, reproducible.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..300)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (state >> 56) as u8
                })
                .collect();
            let echoed = escape_echo(&bytes, bytes.len());
            assert!(echoed.chars().all(|c| !c.is_control()), "{echoed:?}");
            assert!(echoed.len() <= ECHO_LIMIT * 4 + 40);
        }
    }
}

//! The first bytes of a TCP stream that is neither HTTP nor TLS, or whose
//! parser gave up: what a report shows of an unknown protocol.
//!
//! Owns [`FirstBytes`], which keeps at most a fixed number of bytes and
//! counts the rest, and its two renderings: lower-case hex (exact, for
//! tools) and printable-escaped text (readable, for people and logs).
//!
//! No protocol is implemented here; the bytes are evidence, kept as they
//! came. Known limitations: the stream's later bytes are counted, not kept,
//! and not hashed (a body sample of [`crate::http::BodySample`] hashes).

use crate::text;

/// The first bytes of a stream, at most a fixed number, and how many
/// arrived in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstBytes {
    kept: Vec<u8>,
    limit: usize,
    total: u64,
}

impl FirstBytes {
    /// Keeps at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            kept: Vec::new(),
            limit,
            total: 0,
        }
    }

    /// Adds the next bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.kept.len());
        self.kept
            .extend_from_slice(bytes.get(..room).unwrap_or(bytes));
        self.total = self
            .total
            .saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        &self.kept
    }

    /// How many bytes were pushed in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether all the kept room is used; more bytes would not be kept.
    pub fn is_full(&self) -> bool {
        self.kept.len() >= self.limit
    }

    /// The kept bytes in lower-case hex, two digits a byte.
    pub fn hex(&self) -> String {
        text::hex(&self.kept)
    }

    /// The kept bytes as text: printable ASCII as itself, `\\` for a
    /// backslash, `\t`, `\r`, `\n`, and `\xNN` for any other byte.
    pub fn escaped(&self) -> String {
        text::escape_bytes(&self.kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_bytes_and_counts_all() {
        let mut first = FirstBytes::new(6);
        first.push(b"SSH-2");
        assert!(!first.is_full());
        first.push(b".0-libssh\r\n");
        assert!(first.is_full());
        assert_eq!(first.bytes(), b"SSH-2.");
        assert_eq!(first.total(), 16);
        assert_eq!(first.hex(), "5353482d322e");
        assert_eq!(first.escaped(), "SSH-2.");
    }

    #[test]
    fn renders_binary_bytes_escaped() {
        let mut first = FirstBytes::new(64);
        first.push(b"\x16\x03\x01\x00\xa5\x01ok\\\r\n");
        assert_eq!(first.hex(), "16030100a5016f6b5c0d0a");
        assert_eq!(
            first.escaped(),
            "\\x16\\x03\\x01\\x00\\xa5\\x01ok\\\\\\r\\n"
        );
        assert_eq!(first.total(), 11);
    }

    #[test]
    fn a_zero_limit_keeps_nothing_but_counts() {
        let mut first = FirstBytes::new(0);
        first.push(b"abc");
        assert_eq!(first.bytes(), b"");
        assert_eq!(first.total(), 3);
        assert_eq!(first.hex(), "");
        assert_eq!(first.escaped(), "");
    }
}

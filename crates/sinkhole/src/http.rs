//! HTTP/1.x request heads as a bot sends them to the sinkhole, and a
//! bounded sample of the body that follows.
//!
//! Owns [`parse_request_head`], which turns the bytes received so far into
//! a [`Request`] once the head's blank line has arrived, and [`BodySample`],
//! which keeps the first bytes of a body and hashes all of it.
//!
//! Implements the message syntax of RFC 9112 (§2 message format, §3 request
//! line, §5 field lines, §6.3 message body length for `Content-Length`)
//! through the `httparse` crate, which reads the head without copying and
//! without allocating; this module adds the bounds a sinkhole needs (at most
//! [`HttpLimits::max_head`] bytes and [`HttpLimits::max_headers`] field
//! lines) and keeps only the fields a report uses, escaped for display.
//!
//! Known limitations:
//! - Only the first `Host`, `User-Agent`, `Referer` and `X-Forwarded-For`
//!   fields are kept; a repeated `Host` is not refused, although RFC 9112
//!   §3.2 tells a server to answer it with 400 (a sinkhole records, it does
//!   not serve).
//! - `Transfer-Encoding` is not interpreted: a chunked body is sampled as
//!   the bytes on the wire.
//! - Obsolete line folding (RFC 9112 §5.2) and non-UTF-8 request targets are
//!   refused, as `httparse` refuses them. Empty lines before the request
//!   line are skipped (RFC 9112 §2.2).
//! - HTTP/2's connection preface is not a request head: it comes back as
//!   [`InvalidHead::Version`] and belongs in [`crate::tcp::FirstBytes`].

use sha2::{Digest, Sha256};

use crate::text;

/// How much of a request head the parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// The most bytes a head may take, request line and final blank line
    /// included. A client that has sent this many bytes without a blank
    /// line gets [`InvalidHead::TooLarge`].
    pub max_head: usize,
    /// The most header field lines a head may hold.
    pub max_headers: usize,
}

impl Default for HttpLimits {
    /// 8 KiB and 64 fields: what common servers accept by default (nginx's
    /// `large_client_header_buffers` start at 8 KiB), far more than any bot
    /// sends.
    fn default() -> Self {
        Self {
            max_head: 8192,
            max_headers: 64,
        }
    }
}

/// The most characters kept of each header value in a [`Request`].
pub const MAX_FIELD_CHARS: usize = 1024;

/// The protocol version of a request line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    /// `HTTP/1.0`.
    Http10,
    /// `HTTP/1.1`.
    Http11,
}

/// A parsed request head: what a report says about one HTTP request.
///
/// Strings are decoded as UTF-8 with invalid sequences replaced, and
/// control characters and backslashes escaped (`\u{1b}`, `\r`, `\\`), so
/// they are safe to log and display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, a token (RFC 9110 §9.1), e.g. `GET`, `POST`.
    pub method: String,
    /// The request target as sent: path and query, or an absolute URI, or
    /// `*`, or an authority for `CONNECT`.
    pub target: String,
    /// The protocol version.
    pub version: HttpVersion,
    /// The first `Host` field, at most [`MAX_FIELD_CHARS`] characters.
    pub host: Option<String>,
    /// The first `User-Agent` field, at most [`MAX_FIELD_CHARS`] characters.
    pub user_agent: Option<String>,
    /// The first `Referer` field, at most [`MAX_FIELD_CHARS`] characters.
    pub referer: Option<String>,
    /// The first `X-Forwarded-For` field, at most [`MAX_FIELD_CHARS`]
    /// characters.
    pub x_forwarded_for: Option<String>,
    /// The body length the client announced, if it sent `Content-Length`.
    pub content_length: Option<u64>,
}

/// Why a request head was refused. The connection should be closed (after
/// a 400 answer, if the sinkhole answers at all) and its first bytes kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidHead {
    /// No blank line within the limit.
    #[error("the request head is longer than {limit} bytes; raise max-head if clients need more")]
    TooLarge {
        /// [`HttpLimits::max_head`].
        limit: usize,
    },
    /// More field lines than the limit.
    #[error("the request head has more than {limit} header fields; raise max-headers if clients need more")]
    TooManyHeaders {
        /// [`HttpLimits::max_headers`].
        limit: usize,
    },
    /// The method is not a token (RFC 9110 §5.6.2, §9.1).
    #[error("the method is not a token (RFC 9110 §9.1)")]
    Method,
    /// The request target is empty, holds a byte not allowed there, or is
    /// not UTF-8 (RFC 9112 §3.2).
    #[error("the request target is empty or holds a byte not allowed there (RFC 9112 §3.2)")]
    Target,
    /// The request line does not end in `HTTP/1.0` or `HTTP/1.1`, or is not
    /// followed by a line break (RFC 9112 §3).
    #[error("the request line does not end in HTTP/1.0 or HTTP/1.1 (RFC 9112 §3)")]
    Version,
    /// A line does not end where it should, or a carriage return is not
    /// followed by a line feed (RFC 9112 §2.2).
    #[error("a line does not end in CRLF (RFC 9112 §2.2)")]
    LineBreak,
    /// A field line is not `name: value` with a token name and a value of
    /// visible characters, spaces and tabs (RFC 9112 §5).
    #[error("a header field is not `name: value` (RFC 9112 §5)")]
    HeaderField,
    /// A `Content-Length` is not a decimal number that fits 64 bits, or two
    /// of them differ (RFC 9112 §6.3).
    #[error("Content-Length is not one decimal number (RFC 9112 §6.3)")]
    ContentLength,
}

/// What the bytes received so far amount to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadParse {
    /// A whole head, and its length in bytes, blank line included: the body
    /// (if any) starts at that offset.
    Complete(Request, usize),
    /// No blank line yet and still under the limit: read more.
    Incomplete,
    /// The head can never become valid, whatever follows.
    Invalid(InvalidHead),
}

/// Parses the request head at the start of `bytes`, the bytes a client has
/// sent so far on a connection.
///
/// Reads at most `limits.max_head` bytes of `bytes`. Call again with more
/// bytes after [`HeadParse::Incomplete`]; a prefix of a complete head never
/// parses as [`HeadParse::Invalid`].
pub fn parse_request_head(bytes: &[u8], limits: &HttpLimits) -> HeadParse {
    let window = bytes.get(..limits.max_head).unwrap_or(bytes);
    // Sized by our configuration, never by the client.
    let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(window) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            return if bytes.len() >= limits.max_head {
                HeadParse::Invalid(InvalidHead::TooLarge {
                    limit: limits.max_head,
                })
            } else {
                HeadParse::Incomplete
            };
        }
        Err(error) => {
            return HeadParse::Invalid(match error {
                httparse::Error::TooManyHeaders => InvalidHead::TooManyHeaders {
                    limit: limits.max_headers,
                },
                // httparse says Token for both the method and the target;
                // the method is set once it has been read.
                httparse::Error::Token if request.method.is_none() => InvalidHead::Method,
                httparse::Error::Token => InvalidHead::Target,
                httparse::Error::Version | httparse::Error::Status => InvalidHead::Version,
                httparse::Error::NewLine => InvalidHead::LineBreak,
                _ => InvalidHead::HeaderField,
            });
        }
    };
    match build_request(&request) {
        Ok(parsed) => HeadParse::Complete(parsed, head_len),
        Err(invalid) => HeadParse::Invalid(invalid),
    }
}

fn build_request(request: &httparse::Request<'_, '_>) -> Result<Request, InvalidHead> {
    let version = match request.version {
        Some(0) => HttpVersion::Http10,
        Some(1) => HttpVersion::Http11,
        _ => return Err(InvalidHead::Version),
    };
    let method = request.method.ok_or(InvalidHead::Method)?;
    let target = request.path.ok_or(InvalidHead::Target)?;
    let mut parsed = Request {
        method: text::escape_lossy(method.as_bytes(), usize::MAX),
        target: text::escape_lossy(target.as_bytes(), usize::MAX),
        version,
        host: None,
        user_agent: None,
        referer: None,
        x_forwarded_for: None,
        content_length: None,
    };
    for header in request.headers.iter() {
        let name = header.name;
        let slot = if name.eq_ignore_ascii_case("host") {
            &mut parsed.host
        } else if name.eq_ignore_ascii_case("user-agent") {
            &mut parsed.user_agent
        } else if name.eq_ignore_ascii_case("referer") {
            &mut parsed.referer
        } else if name.eq_ignore_ascii_case("x-forwarded-for") {
            &mut parsed.x_forwarded_for
        } else {
            if name.eq_ignore_ascii_case("content-length") {
                let value = content_length(header.value)?;
                match parsed.content_length {
                    Some(seen) if seen != value => return Err(InvalidHead::ContentLength),
                    _ => parsed.content_length = Some(value),
                }
            }
            continue;
        };
        if slot.is_none() {
            *slot = Some(text::escape_lossy(trim(header.value), MAX_FIELD_CHARS));
        }
    }
    Ok(parsed)
}

/// A `Content-Length` value: one decimal number, or a list of equal ones,
/// which RFC 9112 §6.3 lets a recipient accept as that number.
fn content_length(value: &[u8]) -> Result<u64, InvalidHead> {
    let mut length = None;
    for item in value.split(|&b| b == b',') {
        let item = trim(item);
        if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
            return Err(InvalidHead::ContentLength);
        }
        let mut number: u64 = 0;
        for &digit in item {
            number = number
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(digit - b'0')))
                .ok_or(InvalidHead::ContentLength)?;
        }
        match length {
            Some(seen) if seen != number => return Err(InvalidHead::ContentLength),
            _ => length = Some(number),
        }
    }
    length.ok_or(InvalidHead::ContentLength)
}

/// Strips the optional white space (spaces and tabs, RFC 9110 §5.6.3)
/// around a field value.
fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |last| last.saturating_add(1));
    value.get(start..end).unwrap_or_default()
}

/// The first bytes of a request body, its length and its SHA-256, fed as
/// the body arrives.
///
/// Keeps at most the bound given to [`BodySample::new`]; counts and hashes
/// every byte pushed, so two bots posting the same payload share a hash even
/// when it is longer than the sample.
#[derive(Debug, Clone)]
pub struct BodySample {
    kept: Vec<u8>,
    limit: usize,
    total: u64,
    hasher: Sha256,
}

impl BodySample {
    /// A sample that keeps at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            kept: Vec::new(),
            limit,
            total: 0,
            hasher: Sha256::new(),
        }
    }

    /// Adds the next bytes of the body.
    pub fn push(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.kept.len());
        self.kept
            .extend_from_slice(bytes.get(..room).unwrap_or(bytes));
        self.total = self
            .total
            .saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
        self.hasher.update(bytes);
    }

    /// The bytes kept: the first `limit` bytes pushed.
    pub fn bytes(&self) -> &[u8] {
        &self.kept
    }

    /// How many bytes were pushed in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether bytes were pushed that are not kept.
    pub fn truncated(&self) -> bool {
        self.total > u64::try_from(self.kept.len()).unwrap_or(u64::MAX)
    }

    /// The SHA-256 of every byte pushed so far, in lower-case hexadecimal.
    pub fn sha256_hex(&self) -> String {
        text::hex(&self.hasher.clone().finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> HeadParse {
        parse_request_head(bytes, &HttpLimits::default())
    }

    fn complete(bytes: &[u8]) -> (Request, usize) {
        match parse(bytes) {
            HeadParse::Complete(request, len) => (request, len),
            other => panic!("expected a complete head, got {other:?}"),
        }
    }

    const BOT: &[u8] = b"POST /gate.php?id=42&x=%41 HTTP/1.1\r\n\
        hOsT: qxkzvbw.example\r\n\
        User-Agent:   Mozilla/4.0 (compatible; MSIE 6.0)  \r\n\
        referer: http://a.example/\r\n\
        X-Forwarded-For: 192.0.2.1, 198.51.100.7\r\n\
        Content-Length: 5\r\n\
        \r\n\
        hello";

    #[test]
    fn a_bot_request_gives_its_fields_with_case_insensitive_names() {
        let (request, len) = complete(BOT);
        assert_eq!(len, BOT.len() - 5);
        assert_eq!(
            request,
            Request {
                method: "POST".into(),
                target: "/gate.php?id=42&x=%41".into(),
                version: HttpVersion::Http11,
                host: Some("qxkzvbw.example".into()),
                user_agent: Some("Mozilla/4.0 (compatible; MSIE 6.0)".into()),
                referer: Some("http://a.example/".into()),
                x_forwarded_for: Some("192.0.2.1, 198.51.100.7".into()),
                content_length: Some(5),
            }
        );
    }

    #[test]
    fn every_prefix_of_a_head_is_incomplete() {
        let (_, len) = complete(BOT);
        for end in 0..len {
            assert_eq!(parse(&BOT[..end]), HeadParse::Incomplete, "prefix {end}");
        }
    }

    #[test]
    fn http_1_0_without_headers() {
        let (request, len) = complete(b"GET / HTTP/1.0\r\n\r\n");
        assert_eq!(len, 18);
        assert_eq!(request.version, HttpVersion::Http10);
        assert_eq!(request.host, None);
        assert_eq!(request.content_length, None);
    }

    #[test]
    fn control_characters_and_bad_utf8_in_values_are_escaped() {
        // U+0085 (NEL) is a C1 control; 0xff is never UTF-8.
        let (request, _) =
            complete(b"GET /\xc2\x85 HTTP/1.1\r\nUser-Agent: a\\b\tc\xc2\x85\xff\r\n\r\n");
        assert_eq!(
            request.user_agent.as_deref(),
            Some("a\\\\b\\tc\\u{85}\u{fffd}")
        );
        assert_eq!(request.target, "/\\u{85}");
    }

    #[test]
    fn field_values_are_cut_to_1024_characters() {
        let mut head = b"GET / HTTP/1.1\r\nUser-Agent: ".to_vec();
        head.extend(std::iter::repeat_n(b'a', 3000));
        head.extend_from_slice(b"\r\nHost: x\r\n\r\n");
        let (request, _) = complete(&head);
        assert_eq!(request.user_agent.map(|ua| ua.len()), Some(MAX_FIELD_CHARS));
        assert_eq!(request.host.as_deref(), Some("x"));
    }

    #[test]
    fn the_first_of_repeated_fields_is_kept() {
        let (request, _) = complete(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
        assert_eq!(request.host.as_deref(), Some("a"));
    }

    #[test]
    fn content_length_repeated_with_the_same_value_is_accepted() {
        let (request, _) =
            complete(b"GET / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7, 7\r\n\r\n");
        assert_eq!(request.content_length, Some(7));
    }

    #[test]
    fn conflicting_or_malformed_content_length_is_invalid() {
        for head in [
            &b"GET / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nContent-Length: 7, 8\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: \r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n",
        ] {
            assert_eq!(
                parse(head),
                HeadParse::Invalid(InvalidHead::ContentLength),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        let (request, _) =
            complete(b"GET / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n");
        assert_eq!(request.content_length, Some(u64::MAX));
    }

    #[test]
    fn a_head_without_a_blank_line_within_the_limit_is_too_large() {
        let limits = HttpLimits {
            max_head: 32,
            max_headers: 64,
        };
        let head = b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";
        assert_eq!(
            parse_request_head(&head[..31], &limits),
            HeadParse::Incomplete
        );
        assert_eq!(
            parse_request_head(head, &limits),
            HeadParse::Invalid(InvalidHead::TooLarge { limit: 32 })
        );
        // A head that ends exactly at the limit is accepted.
        let exact = b"GET / HTTP/1.1\r\nHost: a.exam\r\n\r\n";
        assert_eq!(exact.len(), 32);
        assert!(matches!(
            parse_request_head(exact, &limits),
            HeadParse::Complete(_, 32)
        ));
    }

    #[test]
    fn more_headers_than_the_limit_is_invalid() {
        let limits = HttpLimits {
            max_head: 8192,
            max_headers: 2,
        };
        let two = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
        assert!(matches!(
            parse_request_head(two, &limits),
            HeadParse::Complete(_, _)
        ));
        let three = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert_eq!(
            parse_request_head(three, &limits),
            HeadParse::Invalid(InvalidHead::TooManyHeaders { limit: 2 })
        );
    }

    #[test]
    fn bad_request_lines_say_which_part_is_wrong() {
        assert_eq!(
            parse(b"G(T / HTTP/1.1\r\n\r\n"),
            HeadParse::Invalid(InvalidHead::Method)
        );
        assert_eq!(
            parse(b"GET  HTTP/1.1\r\n\r\n"),
            HeadParse::Invalid(InvalidHead::Target)
        );
        assert_eq!(
            parse(b"GET /\x01 HTTP/1.1\r\n\r\n"),
            HeadParse::Invalid(InvalidHead::Target)
        );
        assert_eq!(
            parse(b"GET / HTTP/2.0\r\n\r\n"),
            HeadParse::Invalid(InvalidHead::Version)
        );
        assert_eq!(
            parse(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            HeadParse::Invalid(InvalidHead::Version)
        );
        assert_eq!(
            parse(b"\x16\x03\x01\x02\x00"),
            HeadParse::Invalid(InvalidHead::Method)
        );
        assert_eq!(
            parse(b"GET / HTTP/1.1\rX"),
            HeadParse::Invalid(InvalidHead::LineBreak)
        );
    }

    #[test]
    fn bad_field_lines_are_invalid() {
        for head in [
            &b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: x\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: x\x00y\r\n\r\n",
        ] {
            assert_eq!(
                parse(head),
                HeadParse::Invalid(InvalidHead::HeaderField),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn body_sample_keeps_a_bounded_prefix_and_hashes_everything() {
        let mut sample = BodySample::new(4);
        sample.push(b"hel");
        sample.push(b"lo");
        sample.push(b"");
        assert_eq!(sample.bytes(), b"hell");
        assert_eq!(sample.total(), 5);
        assert!(sample.truncated());
        // sha256("hello"), as `printf hello | sha256sum` prints it.
        assert_eq!(
            sample.sha256_hex(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn an_empty_body_sample_hashes_the_empty_string() {
        let sample = BodySample::new(0);
        assert_eq!(sample.total(), 0);
        assert!(!sample.truncated());
        assert_eq!(
            sample.sha256_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

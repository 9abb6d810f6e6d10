//! TLS ClientHellos as a bot sends them to the sinkhole, and their JA4
//! fingerprint.
//!
//! Owns [`parse_client_hello`], which reads the TLS record layer at the
//! start of a connection and the ClientHello it carries, and [`ja4`] /
//! [`ja4_raw`], the JA4 TLS client fingerprint of that hello. The sinkhole
//! does not complete the handshake: the hello alone names the host the bot
//! wanted (SNI) and fingerprints the TLS library it was built with.
//!
//! Implements:
//! - RFC 8446 §5.1 (record layer: handshake records of at most 2^14 bytes,
//!   no zero-length handshake fragment, a handshake message spanning
//!   records) and §4.1.2 (ClientHello), which keeps the TLS 1.2 layout
//!   (RFC 5246 §7.4.1.2, extensions optional);
//! - RFC 8446 §4.2.1 `supported_versions` and §4.2.3
//!   `signature_algorithms`;
//! - RFC 6066 §3 `server_name` (the first `host_name` entry);
//! - RFC 7301 §3.1 `application_layer_protocol_negotiation`;
//! - RFC 8701 GREASE values, which JA4 ignores;
//! - JA4 as FoxIO specifies it:
//!   <https://github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md>.
//!
//! A hello is [`HelloParse::Invalid`] when its bytes cannot be read as one
//! (a length that runs past or stops short of its block, a list of 16-bit
//! values with an odd length, another record or message type). What can be
//! read but RFC 8446 forbids (an empty ALPN name, a repeated extension, a
//! long session id) is read and fingerprinted: a broken client is evidence
//! too. Of a repeated extension, the first is kept.
//!
//! Known limitations: the SSLv2-compatible hello (RFC 5246 Appendix E.2)
//! and DTLS are refused; QUIC's CRYPTO frames are not decrypted here (give
//! [`ja4`] a hello read from them and `quic = true`); an encrypted hello
//! (ECH) is seen only as its outer hello; a hello is read only if it fits
//! in [`MAX_HELLO`] bytes.

mod ja4;

pub use ja4::{ja4, ja4_raw};

use crate::text;

/// The largest ClientHello read, handshake header included, across all the
/// records that carry it. Browsers send 0.5 to 2 KiB, and a post-quantum
/// key share adds about 1.2 KiB.
pub const MAX_HELLO: usize = 16 * 1024;

/// The largest record payload (RFC 8446 §5.1: 2^14 bytes).
const MAX_RECORD: usize = 1 << 14;

/// The most characters kept of a server name.
pub const MAX_SERVER_NAME_CHARS: usize = 1024;

const CONTENT_TYPE_HANDSHAKE: u8 = 22;
const HANDSHAKE_CLIENT_HELLO: u8 = 1;

const EXTENSION_SERVER_NAME: u16 = 0x0000;
const EXTENSION_SIGNATURE_ALGORITHMS: u16 = 0x000d;
const EXTENSION_ALPN: u16 = 0x0010;
const EXTENSION_SUPPORTED_VERSIONS: u16 = 0x002b;

/// What a ClientHello says about the client, values as on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` (`client_version` before TLS 1.3), e.g. `0x0303`.
    pub legacy_version: u16,
    /// The `supported_versions` extension's list, GREASE included, if the
    /// extension was sent.
    pub supported_versions: Option<Vec<u16>>,
    /// The cipher suites in the client's order, GREASE included.
    pub cipher_suites: Vec<u16>,
    /// The extension types in the client's order, GREASE included.
    pub extensions: Vec<u16>,
    /// The first `host_name` of the `server_name` extension, escaped like
    /// the strings of [`crate::http::Request`], at most
    /// [`MAX_SERVER_NAME_CHARS`] characters.
    pub server_name: Option<String>,
    /// The ALPN protocol names in the client's order, raw (e.g. `h2`,
    /// `http/1.1`).
    pub alpn: Vec<Vec<u8>>,
    /// The `signature_algorithms` extension's list in the client's order.
    pub signature_algorithms: Vec<u16>,
}

/// Why bytes are not a ClientHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidHello {
    /// A record is not a handshake record; often the client speaks another
    /// protocol.
    #[error(
        "record content type {content_type} is not a handshake (22); the client may not speak TLS"
    )]
    NotHandshake {
        /// The record's content type.
        content_type: u8,
    },
    /// A record's protocol version is not 3.x (SSL 3.0 to TLS 1.3).
    #[error("record version major {major} is not 3; SSLv2 hellos and DTLS are not read")]
    RecordVersion {
        /// The first byte of the record's version.
        major: u8,
    },
    /// A handshake record is empty or longer than 2^14 bytes (RFC 8446
    /// §5.1).
    #[error("a handshake record of {length} bytes; RFC 8446 §5.1 allows 1 to 16384")]
    RecordLength {
        /// The record's length.
        length: usize,
    },
    /// The first handshake message is not a ClientHello.
    #[error("handshake message type {message_type} is not a ClientHello (1)")]
    NotClientHello {
        /// The handshake message type.
        message_type: u8,
    },
    /// The ClientHello is longer than [`MAX_HELLO`].
    #[error("a ClientHello of {length} bytes is longer than the {MAX_HELLO} read")]
    TooLarge {
        /// The handshake message's length, header included.
        length: usize,
    },
    /// A length runs past the end of its enclosing block.
    #[error("the {field} runs past the end of its block")]
    Truncated {
        /// The field, named as in RFC 8446.
        field: &'static str,
    },
    /// A list of 16-bit values has an odd length in bytes.
    #[error("the {field} has an odd length")]
    OddLength {
        /// The field, named as in RFC 8446.
        field: &'static str,
    },
    /// Bytes are left after the last field of a block.
    #[error("bytes left after the {field}")]
    TrailingBytes {
        /// The field, named as in RFC 8446.
        field: &'static str,
    },
}

/// What the bytes received so far amount to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloParse {
    /// A whole ClientHello.
    Complete(ClientHello),
    /// Valid so far: read more.
    Incomplete,
    /// Never a ClientHello, whatever follows.
    Invalid(InvalidHello),
}

/// Parses the ClientHello at the start of `bytes`, the bytes a client has
/// sent so far on a connection.
///
/// Reads records until the hello is whole, at most [`MAX_HELLO`] bytes of
/// handshake data; bytes after the hello are ignored. Every check is made
/// as soon as its bytes are there, so a client that does not speak TLS is
/// refused at its first byte, and a prefix of a hello is never
/// [`HelloParse::Invalid`].
pub fn parse_client_hello(bytes: &[u8]) -> HelloParse {
    match assemble(bytes) {
        Ok(Some(message)) => match read_client_hello(message.get(4..).unwrap_or_default()) {
            Ok(hello) => HelloParse::Complete(hello),
            Err(invalid) => HelloParse::Invalid(invalid),
        },
        Ok(None) => HelloParse::Incomplete,
        Err(invalid) => HelloParse::Invalid(invalid),
    }
}

/// Gathers the handshake bytes of successive records until they hold the
/// whole first handshake message, and returns that message (4-byte header
/// and body), or `None` if more bytes are needed.
fn assemble(bytes: &[u8]) -> Result<Option<Vec<u8>>, InvalidHello> {
    // Grows with bytes received, each record at most MAX_RECORD, and stops
    // once MAX_HELLO is reached: never sized by a length the client gives.
    let mut handshake: Vec<u8> = Vec::new();
    let mut rest = bytes;
    loop {
        if let Some(&content_type) = rest.first() {
            if content_type != CONTENT_TYPE_HANDSHAKE {
                return Err(InvalidHello::NotHandshake { content_type });
            }
        }
        if let Some(&major) = rest.get(1) {
            if major != 3 {
                return Err(InvalidHello::RecordVersion { major });
            }
        }
        let (Some(&high), Some(&low)) = (rest.get(3), rest.get(4)) else {
            return Ok(None);
        };
        let length = usize::from(u16::from_be_bytes([high, low]));
        if length == 0 || length > MAX_RECORD {
            return Err(InvalidHello::RecordLength { length });
        }
        let after_header = rest.get(5..).unwrap_or_default();
        let (payload, next) = after_header
            .split_at_checked(length)
            .unwrap_or((after_header, &[]));
        let whole_record = payload.len() == length;
        handshake.extend_from_slice(payload);
        rest = next;

        if let Some(&message_type) = handshake.first() {
            if message_type != HANDSHAKE_CLIENT_HELLO {
                return Err(InvalidHello::NotClientHello { message_type });
            }
        }
        if let Some(&[_, a, b, c]) = handshake.get(..4) {
            let body_length = (usize::from(a) << 16) | (usize::from(b) << 8) | usize::from(c);
            let message_length = body_length.saturating_add(4);
            if message_length > MAX_HELLO {
                return Err(InvalidHello::TooLarge {
                    length: message_length,
                });
            }
            if handshake.len() >= message_length {
                handshake.truncate(message_length);
                return Ok(Some(handshake));
            }
        }
        if !whole_record {
            return Ok(None);
        }
    }
}

/// A cursor over a block of the hello; every read is checked.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, length: usize, field: &'static str) -> Result<&'a [u8], InvalidHello> {
        let (taken, rest) = self
            .bytes
            .split_at_checked(length)
            .ok_or(InvalidHello::Truncated { field })?;
        self.bytes = rest;
        Ok(taken)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, InvalidHello> {
        match self.take(1, field)? {
            &[byte] => Ok(byte),
            _ => Err(InvalidHello::Truncated { field }),
        }
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, InvalidHello> {
        match self.take(2, field)? {
            &[high, low] => Ok(u16::from_be_bytes([high, low])),
            _ => Err(InvalidHello::Truncated { field }),
        }
    }

    /// A block with a one-byte length (`opaque x<0..2^8-1>`).
    fn block8(&mut self, field: &'static str) -> Result<&'a [u8], InvalidHello> {
        let length = self.u8(field)?;
        self.take(usize::from(length), field)
    }

    /// A block with a two-byte length (`opaque x<0..2^16-1>`).
    fn block16(&mut self, field: &'static str) -> Result<&'a [u8], InvalidHello> {
        let length = self.u16(field)?;
        self.take(usize::from(length), field)
    }

    /// Fails unless the block has been read to its end.
    fn finish(&self, field: &'static str) -> Result<(), InvalidHello> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(InvalidHello::TrailingBytes { field })
        }
    }
}

/// A block of big-endian 16-bit values.
fn u16_list(block: &[u8], field: &'static str) -> Result<Vec<u16>, InvalidHello> {
    let pairs = block.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(InvalidHello::OddLength { field });
    }
    Ok(pairs
        .map(|pair| match pair {
            &[high, low] => u16::from_be_bytes([high, low]),
            _ => 0,
        })
        .collect())
}

/// Reads a ClientHello body (RFC 8446 §4.1.2).
fn read_client_hello(body: &[u8]) -> Result<ClientHello, InvalidHello> {
    let mut reader = Reader::new(body);
    let legacy_version = reader.u16("legacy_version")?;
    reader.take(32, "random")?;
    reader.block8("legacy_session_id")?;
    let cipher_suites = u16_list(reader.block16("cipher_suites")?, "cipher_suites")?;
    reader.block8("legacy_compression_methods")?;
    let mut hello = ClientHello {
        legacy_version,
        supported_versions: None,
        cipher_suites,
        extensions: Vec::new(),
        server_name: None,
        alpn: Vec::new(),
        signature_algorithms: Vec::new(),
    };
    // Before TLS 1.3 a hello may end here (RFC 5246 §7.4.1.2).
    if reader.is_empty() {
        return Ok(hello);
    }
    let mut extensions = Reader::new(reader.block16("extensions")?);
    reader.finish("extensions")?;
    let mut seen_alpn = false;
    let mut seen_signature_algorithms = false;
    let mut seen_server_name = false;
    while !extensions.is_empty() {
        let extension_type = extensions.u16("extension_type")?;
        let data = extensions.block16("extension_data")?;
        hello.extensions.push(extension_type);
        match extension_type {
            EXTENSION_SERVER_NAME => {
                let name = read_server_name(data)?;
                if !seen_server_name {
                    seen_server_name = true;
                    hello.server_name = name;
                }
            }
            EXTENSION_ALPN => {
                let names = read_alpn(data)?;
                if !seen_alpn {
                    seen_alpn = true;
                    hello.alpn = names;
                }
            }
            EXTENSION_SIGNATURE_ALGORITHMS => {
                let mut reader = Reader::new(data);
                let list = u16_list(
                    reader.block16("supported_signature_algorithms")?,
                    "supported_signature_algorithms",
                )?;
                reader.finish("supported_signature_algorithms")?;
                if !seen_signature_algorithms {
                    seen_signature_algorithms = true;
                    hello.signature_algorithms = list;
                }
            }
            EXTENSION_SUPPORTED_VERSIONS => {
                let mut reader = Reader::new(data);
                let list = u16_list(reader.block8("supported_versions")?, "supported_versions")?;
                reader.finish("supported_versions")?;
                if hello.supported_versions.is_none() {
                    hello.supported_versions = Some(list);
                }
            }
            _ => {}
        }
    }
    Ok(hello)
}

/// The first `host_name` of a `server_name` extension (RFC 6066 §3).
fn read_server_name(data: &[u8]) -> Result<Option<String>, InvalidHello> {
    let mut reader = Reader::new(data);
    let mut list = Reader::new(reader.block16("server_name_list")?);
    reader.finish("server_name_list")?;
    let mut host_name = None;
    while !list.is_empty() {
        let name_type = list.u8("name_type")?;
        // Every name type RFC 6066 foresees is a two-byte-length block.
        let name = list.block16("server_name")?;
        if name_type == 0 && host_name.is_none() {
            host_name = Some(text::escape_lossy(name, MAX_SERVER_NAME_CHARS));
        }
    }
    Ok(host_name)
}

/// The protocol names of an ALPN extension (RFC 7301 §3.1).
fn read_alpn(data: &[u8]) -> Result<Vec<Vec<u8>>, InvalidHello> {
    let mut reader = Reader::new(data);
    let mut list = Reader::new(reader.block16("protocol_name_list")?);
    reader.finish("protocol_name_list")?;
    let mut names = Vec::new();
    while !list.is_empty() {
        names.push(list.block8("protocol_name")?.to_vec());
    }
    Ok(names)
}

/// Test helpers that write ClientHellos, shared with the JA4 tests.
#[cfg(test)]
pub(crate) mod build {
    /// A two-byte length and the bytes.
    pub fn block16(bytes: &[u8]) -> Vec<u8> {
        let mut out = u16::try_from(bytes.len())
            .expect("block under 64 KiB")
            .to_be_bytes()
            .to_vec();
        out.extend_from_slice(bytes);
        out
    }

    /// A one-byte length and the bytes.
    pub fn block8(bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![u8::try_from(bytes.len()).expect("block under 256 bytes")];
        out.extend_from_slice(bytes);
        out
    }

    /// Big-endian 16-bit values.
    pub fn u16s(values: &[u16]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    /// An extension: type and data.
    pub fn extension(extension_type: u16, data: &[u8]) -> Vec<u8> {
        let mut out = extension_type.to_be_bytes().to_vec();
        out.extend(block16(data));
        out
    }

    /// A `server_name` extension's data with one host name.
    pub fn server_name(host: &[u8]) -> Vec<u8> {
        let mut entry = vec![0];
        entry.extend(block16(host));
        block16(&entry)
    }

    /// An ALPN extension's data.
    pub fn alpn(names: &[&[u8]]) -> Vec<u8> {
        let list: Vec<u8> = names.iter().flat_map(|name| block8(name)).collect();
        block16(&list)
    }

    /// A ClientHello body without extensions, as before TLS 1.2: version,
    /// zero random, a 32-byte session id, the cipher suites and null
    /// compression.
    pub fn hello_body_bare(version: u16, ciphers: &[u16]) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend([0u8; 32]);
        body.extend(block8(&[0x5a; 32]));
        body.extend(block16(&u16s(ciphers)));
        body.extend(block8(&[0]));
        body
    }

    /// A ClientHello body with an extensions block (perhaps empty).
    pub fn hello_body(version: u16, ciphers: &[u16], extensions: &[Vec<u8>]) -> Vec<u8> {
        let mut body = hello_body_bare(version, ciphers);
        body.extend(block16(&extensions.concat()));
        body
    }

    /// A handshake message of type 1 around a body.
    pub fn handshake(body: &[u8]) -> Vec<u8> {
        let length = u32::try_from(body.len()).expect("small body").to_be_bytes();
        let mut out = vec![1, length[1], length[2], length[3]];
        out.extend_from_slice(body);
        out
    }

    /// Handshake records carrying `message`, cut into fragments of at most
    /// `fragment` bytes.
    pub fn records(message: &[u8], fragment: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in message.chunks(fragment) {
            out.extend([22, 3, 1]);
            out.extend(block16(chunk));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    const GREASE: u16 = 0x3a3a;

    fn curl_like_hello() -> (Vec<u8>, ClientHello) {
        let ciphers = [GREASE, 0x1302, 0x1301, 0xc02c, 0x00ff];
        let extensions = [
            extension(GREASE, &[]),
            extension(0x0000, &server_name(b"qxkzvbw.Example")),
            extension(0x0010, &alpn(&[b"h2", b"http/1.1"])),
            extension(0x000d, &block16(&u16s(&[0x0403, 0x0804]))),
            extension(0x002b, &block8(&u16s(&[GREASE, 0x0304, 0x0303]))),
            extension(0x0015, &[0; 7]),
        ];
        let bytes = records(
            &handshake(&hello_body(0x0303, &ciphers, &extensions)),
            MAX_RECORD,
        );
        let hello = ClientHello {
            legacy_version: 0x0303,
            supported_versions: Some(vec![GREASE, 0x0304, 0x0303]),
            cipher_suites: ciphers.to_vec(),
            extensions: vec![GREASE, 0x0000, 0x0010, 0x000d, 0x002b, 0x0015],
            server_name: Some("qxkzvbw.Example".into()),
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            signature_algorithms: vec![0x0403, 0x0804],
        };
        (bytes, hello)
    }

    #[test]
    fn a_hello_in_one_record_gives_its_fields_as_sent() {
        let (bytes, expected) = curl_like_hello();
        assert_eq!(parse_client_hello(&bytes), HelloParse::Complete(expected));
    }

    #[test]
    fn bytes_after_the_hello_are_ignored() {
        let (mut bytes, expected) = curl_like_hello();
        bytes.extend_from_slice(b"\x17\x03\x03\x00\x01\x00garbage");
        assert_eq!(parse_client_hello(&bytes), HelloParse::Complete(expected));
    }

    #[test]
    fn a_hello_cut_into_records_of_any_size_reads_the_same() {
        let (bytes, expected) = curl_like_hello();
        let message = bytes.get(5..).expect("one record");
        for fragment in [1, 2, 3, 4, 5, 7, 50, 100] {
            assert_eq!(
                parse_client_hello(&records(message, fragment)),
                HelloParse::Complete(expected.clone()),
                "fragments of {fragment}"
            );
        }
    }

    #[test]
    fn every_prefix_of_a_hello_is_incomplete() {
        let (bytes, _) = curl_like_hello();
        for end in 0..bytes.len() {
            assert_eq!(
                parse_client_hello(&bytes[..end]),
                HelloParse::Incomplete,
                "prefix {end}"
            );
        }
        let (one, _) = curl_like_hello();
        let split = records(one.get(5..).expect("one record"), 3);
        for end in 0..split.len() {
            assert_eq!(
                parse_client_hello(&split[..end]),
                HelloParse::Incomplete,
                "prefix {end} of 3-byte records"
            );
        }
    }

    #[test]
    fn a_tls_1_0_hello_without_extensions_is_read() {
        let bytes = records(&handshake(&hello_body_bare(0x0301, &[0x002f])), 1000);
        let HelloParse::Complete(hello) = parse_client_hello(&bytes) else {
            panic!("not complete");
        };
        assert_eq!(hello.legacy_version, 0x0301);
        assert_eq!(hello.cipher_suites, vec![0x002f]);
        assert!(hello.extensions.is_empty());
        assert_eq!(hello.supported_versions, None);
    }

    #[test]
    fn other_protocols_are_refused_at_their_first_byte() {
        assert_eq!(
            parse_client_hello(b"G"),
            HelloParse::Invalid(InvalidHello::NotHandshake { content_type: b'G' })
        );
        assert_eq!(
            parse_client_hello(b"\x16\x80"),
            HelloParse::Invalid(InvalidHello::RecordVersion { major: 0x80 })
        );
        // An SSLv2-compatible hello.
        assert_eq!(
            parse_client_hello(b"\x80\x2e\x01\x00\x02"),
            HelloParse::Invalid(InvalidHello::NotHandshake { content_type: 0x80 })
        );
    }

    #[test]
    fn empty_and_oversized_records_are_refused() {
        assert_eq!(
            parse_client_hello(b"\x16\x03\x01\x00\x00"),
            HelloParse::Invalid(InvalidHello::RecordLength { length: 0 })
        );
        assert_eq!(
            parse_client_hello(b"\x16\x03\x01\x40\x01"),
            HelloParse::Invalid(InvalidHello::RecordLength { length: 16385 })
        );
        assert_eq!(
            parse_client_hello(b"\x16\x03\x01\x40\x00\x01"),
            HelloParse::Incomplete
        );
    }

    #[test]
    fn a_record_after_the_first_must_be_a_handshake_too() {
        let (bytes, _) = curl_like_hello();
        let mut split = records(bytes.get(5..).expect("one record"), 10);
        split.truncate(15);
        split.extend_from_slice(b"\x15\x03\x03\x00\x02\x02\x28");
        assert_eq!(
            parse_client_hello(&split),
            HelloParse::Invalid(InvalidHello::NotHandshake { content_type: 0x15 })
        );
    }

    #[test]
    fn a_server_hello_or_a_huge_hello_is_refused() {
        assert_eq!(
            parse_client_hello(b"\x16\x03\x03\x00\x01\x02"),
            HelloParse::Invalid(InvalidHello::NotClientHello { message_type: 2 })
        );
        // 16381 bytes of body make 16385 with the header: one too many.
        assert_eq!(
            parse_client_hello(b"\x16\x03\x01\x00\x04\x01\x00\x3f\xfd"),
            HelloParse::Invalid(InvalidHello::TooLarge { length: 16385 })
        );
        assert_eq!(
            parse_client_hello(b"\x16\x03\x01\x00\x04\x01\x00\x3f\xfc"),
            HelloParse::Incomplete
        );
    }

    #[test]
    fn the_largest_hello_is_read_across_two_records() {
        // A padding extension fills the hello to exactly MAX_HELLO bytes.
        let empty = handshake(&hello_body(0x0303, &[0x1301], &[])).len();
        let padding = MAX_HELLO - empty - 4;
        let message = handshake(&hello_body(
            0x0303,
            &[0x1301],
            &[extension(0x0015, &vec![0; padding])],
        ));
        assert_eq!(message.len(), MAX_HELLO);
        let HelloParse::Complete(hello) = parse_client_hello(&records(&message, MAX_RECORD - 1))
        else {
            panic!("not complete");
        };
        assert_eq!(hello.extensions, vec![0x0015]);
    }

    /// A hello whose body is replaced, in one record.
    fn with_body(body: &[u8]) -> HelloParse {
        parse_client_hello(&records(&handshake(body), MAX_RECORD))
    }

    #[test]
    fn lengths_that_run_past_their_block_are_truncated() {
        let mut body = hello_body_bare(0x0303, &[0x1301]);
        // cipher_suites claims 4 bytes where 2 and the compression byte are.
        body[2 + 32 + 33 + 1] = 4;
        body.truncate(body.len() - 2);
        assert_eq!(
            with_body(&body),
            HelloParse::Invalid(InvalidHello::Truncated {
                field: "cipher_suites"
            })
        );
        assert_eq!(
            with_body(&[3, 3, 0]),
            HelloParse::Invalid(InvalidHello::Truncated { field: "random" })
        );
        let sni = extension(0x0000, &[0, 5, 0, 0, 9, b'a']);
        assert_eq!(
            with_body(&hello_body(0x0303, &[0x1301], &[sni])),
            HelloParse::Invalid(InvalidHello::Truncated {
                field: "server_name_list"
            })
        );
    }

    #[test]
    fn odd_lists_and_trailing_bytes_are_refused() {
        let mut body = hello_body_bare(0x0303, &[]);
        let at = 2 + 32 + 33;
        body.splice(at..at + 2, [0, 3, 0x13, 0x01, 0x13]);
        assert_eq!(
            with_body(&body),
            HelloParse::Invalid(InvalidHello::OddLength {
                field: "cipher_suites"
            })
        );
        let mut body = hello_body(0x0303, &[0x1301], &[]);
        body.push(0);
        assert_eq!(
            with_body(&body),
            HelloParse::Invalid(InvalidHello::TrailingBytes {
                field: "extensions"
            })
        );
        let mut alpn_data = alpn(&[b"h2"]);
        alpn_data.push(0);
        assert_eq!(
            with_body(&hello_body(
                0x0303,
                &[0x1301],
                &[extension(0x0010, &alpn_data)]
            )),
            HelloParse::Invalid(InvalidHello::TrailingBytes {
                field: "protocol_name_list"
            })
        );
    }

    #[test]
    fn of_repeated_extensions_the_first_is_kept_and_all_are_listed() {
        let body = hello_body(
            0x0303,
            &[0x1301],
            &[
                extension(0x0000, &server_name(b"first.example")),
                extension(0x0000, &server_name(b"second.example")),
                extension(0x0010, &alpn(&[b""])),
            ],
        );
        let HelloParse::Complete(hello) = with_body(&body) else {
            panic!("not complete");
        };
        assert_eq!(hello.server_name.as_deref(), Some("first.example"));
        assert_eq!(hello.extensions, vec![0x0000, 0x0000, 0x0010]);
        assert_eq!(hello.alpn, vec![Vec::<u8>::new()]);
    }

    #[test]
    fn a_server_name_with_control_characters_is_escaped() {
        let body = hello_body(
            0x0303,
            &[0x1301],
            &[extension(0x0000, &server_name(b"a\x1b[0m.example"))],
        );
        let HelloParse::Complete(hello) = with_body(&body) else {
            panic!("not complete");
        };
        assert_eq!(hello.server_name.as_deref(), Some("a\\u{1b}[0m.example"));
    }
}

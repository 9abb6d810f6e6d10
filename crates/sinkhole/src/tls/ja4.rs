//! The JA4 TLS client fingerprint, as FoxIO specifies it in
//! <https://github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md>
//! (JA4 is BSD-3-Clause; this is an independent implementation of the
//! published algorithm).
//!
//! `JA4 = a_b_c`:
//! - `a`: `t` (TLS over TCP) or `q` (QUIC); the version, two characters,
//!   from the highest non-GREASE `supported_versions` entry, else
//!   `legacy_version`; `d` if a `server_name` extension was sent, else `i`;
//!   the number of non-GREASE cipher suites and of non-GREASE extensions,
//!   two digits each, at most 99; the first and last character of the first
//!   ALPN name (`00` if there is none or it is empty; hexadecimal digits if
//!   either end is not ASCII alphanumeric).
//! - `b`: the first 12 hexadecimal digits of the SHA-256 of the non-GREASE
//!   cipher suites as 4-digit lower-case hex, sorted, comma-joined.
//! - `c`: the same over the non-GREASE extension types sorted, without
//!   `server_name` (0x0000) and ALPN (0x0010), then, if any, `_` and the
//!   signature algorithms in the client's order.
//!
//! An empty list hashes to `000000000000`, not to the hash of nothing.
//!
//! Known limitations: DTLS (`d` prefix) is not produced, since the sinkhole
//! does not read DTLS; where FoxIO's own tool and its specification differ
//! (a one-character ALPN name, where the tool prints `0` as the last
//! character), this follows the specification.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::{ClientHello, EXTENSION_ALPN, EXTENSION_SERVER_NAME};

/// Whether a value is one of the 16 GREASE values of RFC 8701
/// (`0x0a0a`, `0x1a1a`, ..., `0xfafa`).
fn is_grease(value: u16) -> bool {
    (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0x00ff)
}

/// The JA4 fingerprint of a ClientHello, e.g.
/// `t13d1516h2_8daaf6152771_e5627efa2ab1`. `quic` says whether the hello
/// came in QUIC CRYPTO frames rather than TLS records over TCP.
pub fn ja4(hello: &ClientHello, quic: bool) -> String {
    let parts = Parts::new(hello, quic);
    format!(
        "{}_{}_{}",
        parts.prefix,
        hash12(&parts.ciphers),
        hash12(&parts.extensions)
    )
}

/// The raw JA4 fingerprint (`JA4_r`): the same three parts with the lists
/// written out instead of hashed, for analysts who compare fingerprints
/// that differ by one value.
pub fn ja4_raw(hello: &ClientHello, quic: bool) -> String {
    let parts = Parts::new(hello, quic);
    format!("{}_{}_{}", parts.prefix, parts.ciphers, parts.extensions)
}

/// The three parts of a fingerprint before hashing.
struct Parts {
    prefix: String,
    ciphers: String,
    extensions: String,
}

impl Parts {
    fn new(hello: &ClientHello, quic: bool) -> Self {
        let mut ciphers: Vec<u16> = hello
            .cipher_suites
            .iter()
            .copied()
            .filter(|&c| !is_grease(c))
            .collect();
        let all_extensions: Vec<u16> = hello
            .extensions
            .iter()
            .copied()
            .filter(|&e| !is_grease(e))
            .collect();
        let mut prefix = String::with_capacity(10);
        prefix.push(if quic { 'q' } else { 't' });
        prefix.push_str(version(hello));
        prefix.push(if all_extensions.contains(&EXTENSION_SERVER_NAME) {
            'd'
        } else {
            'i'
        });
        let _ = write!(
            prefix,
            "{:02}{:02}",
            ciphers.len().min(99),
            all_extensions.len().min(99)
        );
        prefix.push_str(&alpn_characters(hello.alpn.first()));

        ciphers.sort_unstable();
        let mut extensions: Vec<u16> = all_extensions
            .into_iter()
            .filter(|&e| e != EXTENSION_SERVER_NAME && e != EXTENSION_ALPN)
            .collect();
        extensions.sort_unstable();
        let mut extensions = hex_list(&extensions);
        let signatures: Vec<u16> = hello
            .signature_algorithms
            .iter()
            .copied()
            .filter(|&s| !is_grease(s))
            .collect();
        if !signatures.is_empty() {
            extensions.push('_');
            extensions.push_str(&hex_list(&signatures));
        }
        Self {
            prefix,
            ciphers: hex_list(&ciphers),
            extensions,
        }
    }
}

/// The two-character version: the highest non-GREASE `supported_versions`
/// entry if there is one, else `legacy_version`.
fn version(hello: &ClientHello) -> &'static str {
    let highest = hello
        .supported_versions
        .iter()
        .flatten()
        .copied()
        .filter(|&v| !is_grease(v))
        .max();
    match highest.unwrap_or(hello.legacy_version) {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// The first and last character of the first ALPN name.
fn alpn_characters(first: Option<&Vec<u8>>) -> String {
    let Some((&head, &tail)) = first.and_then(|name| name.first().zip(name.last())) else {
        return "00".to_owned();
    };
    if head.is_ascii_alphanumeric() && tail.is_ascii_alphanumeric() {
        [char::from(head), char::from(tail)].iter().collect()
    } else {
        // The first and last digit of the name written in hex.
        format!("{:x}{:x}", head >> 4, tail & 0x0f)
    }
}

/// Values as 4-digit lower-case hex, comma-joined.
fn hex_list(values: &[u16]) -> String {
    let mut out = String::with_capacity(values.len().saturating_mul(5));
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{value:04x}");
    }
    out
}

/// The first 12 hex digits of the SHA-256 of `text`, or twelve zeros for an
/// empty list.
fn hash12(text: &str) -> String {
    if text.is_empty() {
        return "000000000000".to_owned();
    }
    let digest = Sha256::digest(text.as_bytes());
    let mut out = crate::text::hex(digest.get(..6).unwrap_or_default());
    out.truncate(12);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::build::*;
    use crate::tls::{parse_client_hello, HelloParse, MAX_RECORD};

    /// The cipher suites, extension types and signature algorithms of the
    /// worked example in FoxIO's JA4 specification (technical_details/JA4.md,
    /// sections "Cipher hash", "Extension hash" and "Raw Output"), with
    /// GREASE values added where Chrome puts them. Returns the hello as
    /// records on the wire.
    fn spec_example(signatures: &[u16]) -> Vec<u8> {
        let ciphers = [
            0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
            0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
        ];
        let types: [u16; 18] = [
            0x1a1a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023,
            0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x2a2a,
        ];
        let extensions: Vec<Vec<u8>> = types
            .iter()
            .map(|&extension_type| {
                let data = match extension_type {
                    0x0000 => server_name(b"example.com"),
                    0x0010 => alpn(&[b"h2", b"http/1.1"]),
                    0x000d => block16(&u16s(signatures)),
                    0x002b => block8(&u16s(&[0x5a5a, 0x0304, 0x0303])),
                    _ => Vec::new(),
                };
                extension(extension_type, &data)
            })
            .collect();
        records(
            &handshake(&hello_body(0x0303, &ciphers, &extensions)),
            MAX_RECORD,
        )
    }

    fn parsed(bytes: &[u8]) -> ClientHello {
        match parse_client_hello(bytes) {
            HelloParse::Complete(hello) => hello,
            other => panic!("expected a hello, got {other:?}"),
        }
    }

    const SPEC_SIGNATURES: [u16; 8] = [
        0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
    ];

    #[test]
    fn the_specification_example_gives_its_published_fingerprint() {
        let hello = parsed(&spec_example(&SPEC_SIGNATURES));
        // "JA4 = t13d1516h2_8daaf6152771_e5627efa2ab1" and "JA4_r = ..." in
        // FoxIO's technical_details/JA4.md.
        assert_eq!(ja4(&hello, false), "t13d1516h2_8daaf6152771_e5627efa2ab1");
        assert_eq!(
            ja4_raw(&hello, false),
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,\
             cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,\
             ff01_0403,0804,0401,0503,0805,0501,0806,0601"
        );
        assert_eq!(ja4(&hello, true), "q13d1516h2_8daaf6152771_e5627efa2ab1");
    }

    #[test]
    fn without_signature_algorithms_the_extension_list_is_hashed_alone() {
        // "0005,...,ff01 = 6d807ffa2a79" in the specification.
        let hello = parsed(&spec_example(&[]));
        assert_eq!(ja4(&hello, false), "t13d1516h2_8daaf6152771_6d807ffa2a79");
    }

    #[test]
    fn hash12_matches_the_published_cipher_hash_and_zeros_for_nothing() {
        assert_eq!(
            hash12("002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"),
            "8daaf6152771"
        );
        assert_eq!(hash12(""), "000000000000");
    }

    #[test]
    fn grease_is_the_sixteen_rfc_8701_values() {
        let grease: Vec<u16> = (0..=u16::MAX).filter(|&v| is_grease(v)).collect();
        assert_eq!(grease.len(), 16);
        assert_eq!(grease.first(), Some(&0x0a0a));
        assert_eq!(grease.last(), Some(&0xfafa));
        assert!(grease
            .iter()
            .all(|v| v >> 8 == v & 0xff && v & 0x0f == 0x0a));
    }

    fn plain_hello() -> ClientHello {
        ClientHello {
            legacy_version: 0x0303,
            supported_versions: None,
            cipher_suites: vec![0x1301],
            extensions: vec![],
            server_name: None,
            alpn: vec![],
            signature_algorithms: vec![],
        }
    }

    fn prefix(hello: &ClientHello) -> String {
        ja4(hello, false).chars().take(10).collect()
    }

    #[test]
    fn alpn_characters_follow_the_specification_examples() {
        for (name, expected) in [
            (&b"h2"[..], "h2"),
            (b"http/1.1", "h1"),
            (b"h", "hh"),
            (b"", "00"),
            (b"\xab", "ab"),
            (b"\xab\xcd", "ad"),
            (b"\x30\xab", "3b"),
            (b"\x30\x31\xab\xcd", "3d"),
            (b"\x30\xab\xcd\x31", "01"),
        ] {
            let hello = ClientHello {
                alpn: vec![name.to_vec(), b"h2".to_vec()],
                ..plain_hello()
            };
            assert_eq!(prefix(&hello), format!("t12i0100{expected}"), "{name:?}");
        }
        assert_eq!(prefix(&plain_hello()), "t12i010000");
    }

    #[test]
    fn the_version_comes_from_supported_versions_then_legacy_version() {
        let mut hello = plain_hello();
        hello.supported_versions = Some(vec![0x0303, 0xfafa, 0x0304, 0x0302]);
        assert_eq!(&prefix(&hello)[1..3], "13");
        // Only GREASE: fall back to legacy_version.
        hello.supported_versions = Some(vec![0x1a1a]);
        assert_eq!(&prefix(&hello)[1..3], "12");
        for (legacy, code) in [
            (0x0301, "10"),
            (0x0300, "s3"),
            (0x0002, "s2"),
            (0xfefd, "d2"),
            (0x7f1c, "00"),
        ] {
            hello.legacy_version = legacy;
            hello.supported_versions = None;
            assert_eq!(&prefix(&hello)[1..3], code, "{legacy:#06x}");
        }
    }

    #[test]
    fn counts_ignore_grease_and_stop_at_99() {
        let hello = ClientHello {
            cipher_suites: (1..=150).chain([0x0a0a, 0xdada]).collect(),
            extensions: vec![0x0000, 0x3a3a, 0x0017],
            ..plain_hello()
        };
        assert_eq!(prefix(&hello), "t12d990200");
    }

    #[test]
    fn a_hello_without_ciphers_or_extensions_hashes_to_zeros() {
        let hello = ClientHello {
            cipher_suites: vec![0x2a2a],
            ..plain_hello()
        };
        assert_eq!(ja4(&hello, false), "t12i000000_000000000000_000000000000");
        // Only SNI and ALPN: the extension list is empty once they are out.
        let hello = ClientHello {
            extensions: vec![0x0010, 0x0000],
            alpn: vec![b"h2".to_vec()],
            ..plain_hello()
        };
        assert_eq!(ja4(&hello, false).get(24..), Some("000000000000"));
        assert_eq!(&prefix(&hello), "t12d0102h2");
    }
}

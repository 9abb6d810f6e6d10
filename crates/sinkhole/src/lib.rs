//! The parsers of the connection sinkhole: what a bot sends after it has
//! resolved a predicted name to a sinkhole address and connects to it.
//!
//! - [`http`]: HTTP/1.x request heads (RFC 9112) and a bounded, hashed
//!   sample of the body.
//! - [`tls`]: the TLS record layer and the ClientHello (RFC 8446, RFC 6066
//!   server name, RFC 7301 ALPN), and the JA4 client fingerprint of FoxIO.
//! - [`tcp`]: the first bytes of any other stream, with renderings for
//!   reports.
//!
//! Everything a client sends is hostile. Every parser here reads at most a
//! fixed number of bytes, never allocates a size the client names, never
//! panics and never indexes a slice unchecked; `fuzz/` holds a target for
//! each parser. The crate is pure logic: no sockets, no tokio, no clock.
//! The daemon's sinkhole unit reads the sockets, applies time-outs and
//! turns what these parsers return into events.
//!
//! Known limitations: HTTP/2 and HTTP/3 are not parsed (their first bytes
//! are kept by [`tcp::FirstBytes`]); the SSLv2-compatible ClientHello and
//! DTLS are refused; an encrypted ClientHello (ECH) is fingerprinted by its
//! outer hello only, as JA4 does.

pub mod http;
pub mod tcp;
mod text;
pub mod tls;

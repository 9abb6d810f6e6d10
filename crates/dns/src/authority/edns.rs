//! EDNS (RFC 6891) and DNS cookies (RFC 7873, server cookies of RFC 9018):
//! what the OPT record of a request asks, and the options of the answer.
//!
//! - Versions above 0 get BADVERS (RFC 6891 §6.1.3), decided in
//!   [`Authority::handle`](super::Authority::handle) from [`Edns::version`].
//! - Unknown options are ignored; the DO bit is copied (RFC 3225 §3).
//! - A COOKIE option of a bad length (not 8, not 16 to 40 octets) makes
//!   the request FORMERR (RFC 7873 §5.2.2). Otherwise, when the server has
//!   a cookie secret, the answer carries the client cookie and a fresh
//!   server cookie of RFC 9018: version 1, three reserved octets, the time
//!   in seconds, and SipHash-2-4 keyed by the secret over the client
//!   cookie, those eight octets and the client's address. A server cookie
//!   that does not verify (another server's, an old secret's, older than an
//!   hour or more than five minutes ahead) is treated as absent (RFC 7873
//!   §5.2.3 and §5.2.4, for a server that does not require cookies): the
//!   answer is given with a new server cookie, never BADCOOKIE.
//!
//! Known limitation: the fast path ([`crate::prepared`]) leaves every query
//! with an option to the full path, so a resolver that sends cookies is
//! answered there.

use std::hash::Hasher;
use std::net::IpAddr;

use hickory_proto::op::{Edns, Message};
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use siphasher::sip::SipHasher24;

/// EDNS option code of COOKIE (RFC 7873 §4).
pub(super) const COOKIE: u16 = 10;
/// EDNS option code of Extended DNS Errors (RFC 8914).
pub(super) const EXTENDED_ERROR: u16 = 15;
/// Extended DNS Error "Not Authoritative" (RFC 8914 §4.21).
pub(super) const NOT_AUTHORITATIVE: u16 = 20;

/// Version of the server cookie of RFC 9018 §4.
const COOKIE_VERSION: u8 = 1;
/// Oldest server cookie accepted, seconds (RFC 9018 §4.3: one hour).
const COOKIE_MAX_AGE: u64 = 3600;
/// Furthest ahead a server cookie may be, seconds (RFC 9018 §4.3).
const COOKIE_MAX_AHEAD: u64 = 300;
/// Age under which a valid server cookie is sent back as it came rather
/// than renewed (RFC 9018 §4.3: half an hour).
const COOKIE_RENEW_AFTER: i64 = 1800;

/// The secret that keys server cookies: 16 octets, the SipHash key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CookieSecret(pub [u8; 16]);

impl std::fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieSecret(..)")
    }
}

/// The COOKIE option of a request.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum RequestCookie {
    /// No COOKIE option.
    Absent,
    /// A length RFC 7873 §5.2.2 answers with FORMERR.
    Malformed,
    /// The client cookie, and the server cookie when one came.
    Present { client: [u8; 8], server: Vec<u8> },
}

/// Reads the COOKIE option of `edns`.
pub(super) fn request_cookie(edns: &Edns) -> RequestCookie {
    let Some(EdnsOption::Unknown(_, data)) = edns.option(EdnsCode::Cookie) else {
        return RequestCookie::Absent;
    };
    if data.len() != 8 && !(16..=40).contains(&data.len()) {
        return RequestCookie::Malformed;
    }
    let mut client = [0u8; 8];
    client.copy_from_slice(&data[..8]);
    RequestCookie::Present {
        client,
        server: data[8..].to_vec(),
    }
}

/// The server cookie for `client` at `now`.
fn server_cookie(secret: &CookieSecret, client: &[u8; 8], address: IpAddr, now: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[0] = COOKIE_VERSION;
    // RFC 9018 §4.2: the timestamp is serial-number arithmetic on 32 bits.
    out[4..8].copy_from_slice(&(now as u32).to_be_bytes());
    let mut hasher = SipHasher24::new_with_key(&secret.0);
    hasher.write(client);
    hasher.write(&out[..8]);
    match address {
        IpAddr::V4(v4) => hasher.write(&v4.octets()),
        IpAddr::V6(v6) => hasher.write(&v6.octets()),
    }
    out[8..].copy_from_slice(&hasher.finish().to_be_bytes());
    out
}

/// Whether `server` is a cookie this server gave `client` at `address`
/// within the last hour.
fn verify(
    secret: &CookieSecret,
    client: &[u8; 8],
    server: &[u8],
    address: IpAddr,
    now: u64,
) -> bool {
    if server.len() != 16 || server[0] != COOKIE_VERSION {
        return false;
    }
    let stamp = u32::from_be_bytes([server[4], server[5], server[6], server[7]]);
    // Serial arithmetic: the signed distance from the stamp to now.
    let age = i64::from((now as u32).wrapping_sub(stamp) as i32);
    if age > COOKIE_MAX_AGE as i64 || age < -(COOKIE_MAX_AHEAD as i64) {
        return false;
    }
    let mut hasher = SipHasher24::new_with_key(&secret.0);
    hasher.write(client);
    hasher.write(&server[..8]);
    match address {
        IpAddr::V4(v4) => hasher.write(&v4.octets()),
        IpAddr::V6(v6) => hasher.write(&v6.octets()),
    }
    // Not secret-dependent timing worth guarding: the hash is a MAC over
    // public data, and a forger learns nothing from an early mismatch
    // that a UDP round trip does not already hide.
    hasher.finish().to_be_bytes() == server[8..16]
}

/// The COOKIE option of the answer to a request with `cookie`, when the
/// server has a secret: the client cookie and its server cookie if that is
/// valid and under half an hour old, else a fresh one.
pub(super) fn answer_cookie(
    secret: Option<&CookieSecret>,
    cookie: &RequestCookie,
    address: IpAddr,
    now: u64,
) -> Option<Vec<u8>> {
    let (secret, RequestCookie::Present { client, server }) = (secret?, cookie) else {
        return None;
    };
    let mut out = client.to_vec();
    if verify(secret, client, server, address, now) {
        let stamp = u32::from_be_bytes([server[4], server[5], server[6], server[7]]);
        if i64::from((now as u32).wrapping_sub(stamp) as i32) < COOKIE_RENEW_AFTER {
            out.extend_from_slice(server);
            return Some(out);
        }
    }
    out.extend_from_slice(&server_cookie(secret, client, address, now));
    Some(out)
}

/// Puts the COOKIE option `value` into the OPT record of `response`.
pub(super) fn add_option(response: &mut Message, code: u16, value: Vec<u8>) {
    if let Some(edns) = response.extensions_mut().as_mut() {
        edns.options_mut().insert(EdnsOption::Unknown(code, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: CookieSecret = CookieSecret(*b"0123456789abcdef");
    const NOW: u64 = 1_800_000_000;

    fn address() -> IpAddr {
        "192.0.2.7".parse().unwrap()
    }

    #[test]
    fn a_server_cookie_verifies_for_its_client_and_address_only() {
        let client = *b"clientck";
        let cookie = server_cookie(&SECRET, &client, address(), NOW);
        assert_eq!(cookie[0], 1);
        assert_eq!(cookie[1..4], [0, 0, 0]);
        assert!(verify(&SECRET, &client, &cookie, address(), NOW + 10));
        assert!(!verify(&SECRET, b"otherclt", &cookie, address(), NOW));
        assert!(!verify(
            &SECRET,
            &client,
            &cookie,
            "192.0.2.8".parse().unwrap(),
            NOW
        ));
        let other = CookieSecret(*b"fedcba9876543210");
        assert!(!verify(&other, &client, &cookie, address(), NOW));
        let mut altered = cookie;
        altered[9] ^= 1;
        assert!(!verify(&SECRET, &client, &altered, address(), NOW));
        // The time is inside the hash: moving it breaks the cookie.
        let mut moved = cookie;
        moved[7] ^= 1;
        assert!(!verify(&SECRET, &client, &moved, address(), NOW));
    }

    #[test]
    fn a_server_cookie_expires_after_an_hour_and_may_be_five_minutes_ahead() {
        let client = *b"clientck";
        let cookie = server_cookie(&SECRET, &client, address(), NOW);
        assert!(verify(&SECRET, &client, &cookie, address(), NOW + 3600));
        assert!(!verify(&SECRET, &client, &cookie, address(), NOW + 3601));
        assert!(verify(&SECRET, &client, &cookie, address(), NOW - 300));
        assert!(!verify(&SECRET, &client, &cookie, address(), NOW - 301));
    }

    #[test]
    fn a_valid_young_server_cookie_is_sent_back_and_an_old_or_foreign_one_renewed() {
        let client = *b"clientck";
        let given = server_cookie(&SECRET, &client, address(), NOW);
        let ask = |server: &[u8]| RequestCookie::Present {
            client,
            server: server.to_vec(),
        };
        let answer = |server: &[u8], at: u64| {
            answer_cookie(Some(&SECRET), &ask(server), address(), at).unwrap()
        };
        assert_eq!(answer(&given, NOW + 1799)[8..], given);
        let renewed = answer(&given, NOW + 1800);
        assert_ne!(renewed[8..], given);
        assert!(verify(
            &SECRET,
            &client,
            &renewed[8..],
            address(),
            NOW + 1800
        ));
        let foreign = [9u8; 16];
        let fresh = answer(&foreign, NOW);
        assert_eq!(fresh[..8], client);
        assert_eq!(fresh[8..], server_cookie(&SECRET, &client, address(), NOW));
        assert_eq!(answer(&[], NOW).len(), 24);
        // Without a secret no cookie is answered.
        assert_eq!(answer_cookie(None, &ask(&given), address(), NOW), None);
    }

    #[test]
    fn cookie_lengths_that_rfc_7873_calls_malformed_are_found() {
        for length in [0usize, 1, 7, 9, 15, 41, 48] {
            let mut edns = Edns::new();
            edns.options_mut()
                .insert(EdnsOption::Unknown(COOKIE, vec![7; length]));
            assert_eq!(request_cookie(&edns), RequestCookie::Malformed, "{length}");
        }
        for length in [8usize, 16, 24, 40] {
            let mut edns = Edns::new();
            edns.options_mut()
                .insert(EdnsOption::Unknown(COOKIE, vec![7; length]));
            assert!(matches!(
                request_cookie(&edns),
                RequestCookie::Present { .. }
            ));
        }
        assert_eq!(request_cookie(&Edns::new()), RequestCookie::Absent);
    }
}

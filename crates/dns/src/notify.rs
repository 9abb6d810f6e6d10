//! NOTIFY (RFC 1996) to secondaries when a policy zone gets a new serial,
//! signed with TSIG (RFC 8945, HMAC-SHA256) for secondaries that have a key.
//!
//! Each target gets up to five tries, two seconds apart, over UDP from an
//! ephemeral port. A try succeeds on a response from the target's address
//! with the same ID, QR set, opcode NOTIFY and NOERROR; to a signed NOTIFY
//! the response must also carry a valid TSIG covering our MAC (RFC 8945
//! §5.3.2), otherwise it is ignored as if it never came (it may be forged)
//! and the next try goes out. Every try is signed afresh, with a new time.
//!
//! Limitations: the time signed is the system clock, not the daemon's
//! injectable plan clock (the secondary checks it against its own clock);
//! the source address is whatever the system picks for the target.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hickory_proto::op::{Message, OpCode, Query};
use hickory_proto::rr::RecordType;
use tokio::net::UdpSocket;
use tokio::task::JoinSet;

use crate::counters::Counters;
use crate::records::{Policy, PolicyRecords};
use crate::tsig::{self, ResponseError, ResponseVerifier, TsigKey};

/// Tries per target.
const TRIES: u32 = 5;
/// Wait for a response after each try.
const TRY_TIMEOUT: Duration = Duration::from_secs(2);

/// A secondary to notify.
#[derive(Debug, Clone)]
pub struct NotifyTarget {
    /// Its address and port.
    pub address: SocketAddr,
    /// The key to sign with, if the secondary expects signed NOTIFY.
    pub key: Option<TsigKey>,
}

impl From<SocketAddr> for NotifyTarget {
    fn from(address: SocketAddr) -> NotifyTarget {
        NotifyTarget { address, key: None }
    }
}

/// How one target's NOTIFY ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyResult {
    /// A valid NOERROR response came back.
    Answered,
    /// The last response refused the NOTIFY with this RCODE (e.g. REFUSED
    /// from a secondary that does not list us, NOTAUTH on a bad key).
    Refused(u16),
    /// The last response to a signed NOTIFY failed TSIG verification.
    BadSignature(ResponseError),
    /// No response at all, or the socket failed.
    Unanswered,
}

/// Builds a NOTIFY for `policy`'s zone at its serial, unsigned.
pub fn notify_message(id: u16, policy: &Policy) -> Vec<u8> {
    let mut message = Message::new();
    message.set_id(id);
    message.set_op_code(OpCode::Notify);
    message.set_authoritative(true);
    message.add_query(Query::query(policy.zone_name(), RecordType::SOA));
    message.add_answer(policy.soa_record(policy.serial));
    message.to_vec().unwrap_or_default()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Sends NOTIFY for `policy` to every target at once, each with up to five
/// tries two seconds apart, counting and logging the results.
pub async fn notify_all(policy: Arc<Policy>, targets: Vec<NotifyTarget>, metrics: Arc<Counters>) {
    let mut tasks = JoinSet::new();
    for target in targets {
        let policy = policy.clone();
        let metrics = metrics.clone();
        tasks.spawn(async move {
            let result = notify_one(&policy, &target, TRIES, TRY_TIMEOUT).await;
            metrics.notify(result == NotifyResult::Answered);
            let address = target.address;
            let signed = target.key.is_some();
            let serial = policy.serial;
            match result {
                NotifyResult::Answered => {
                    tracing::debug!(%address, serial, signed, "NOTIFY answered");
                }
                NotifyResult::Refused(rcode) => tracing::warn!(
                    %address, serial, signed, rcode,
                    "NOTIFY refused by the secondary (does it allow NOTIFY from us, with this key?)"
                ),
                NotifyResult::BadSignature(error @ ResponseError::ClockSkew(_)) => tracing::warn!(
                    %address, serial, "NOTIFY refused by the secondary: {error}"
                ),
                NotifyResult::BadSignature(error) => tracing::warn!(
                    %address, serial,
                    "NOTIFY response rejected: {error} (check that both sides have the same key)"
                ),
                NotifyResult::Unanswered => tracing::warn!(
                    %address, serial, signed, "NOTIFY not answered after {TRIES} tries"
                ),
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// Sends one zone's NOTIFY to one target: up to `tries` tries, each
/// waiting `timeout` for a response.
pub async fn notify_one(
    policy: &Policy,
    target: &NotifyTarget,
    tries: u32,
    timeout: Duration,
) -> NotifyResult {
    let local: SocketAddr = match target.address.ip() {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let Ok(socket) = UdpSocket::bind(local).await else {
        return NotifyResult::Unanswered;
    };
    let id = random_id();
    let unsigned = notify_message(id, policy);
    let mut buffer = vec![0u8; 4096];
    let mut result = NotifyResult::Unanswered;
    for _ in 0..tries {
        let mut message = unsigned.clone();
        let mut verifier = target.key.as_ref().map(|key| {
            let mac = tsig::sign_request(&mut message, key, unix_now());
            ResponseVerifier::new(key.clone(), mac)
        });
        if socket.send_to(&message, target.address).await.is_err() {
            return NotifyResult::Unanswered;
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = tokio::time::timeout_at(deadline, socket.recv_from(&mut buffer)).await;
            let (length, from) = match received {
                Ok(Ok(x)) => x,
                Ok(Err(_)) => continue,
                Err(_) => break,
            };
            let response = &buffer[..length];
            if from.ip() != target.address.ip() || !is_response_to(response, id) {
                continue;
            }
            if let Some(verifier) = &mut verifier {
                if let Err(error) = verifier.verify(response, unix_now()) {
                    // Keep listening: the real answer may still come.
                    result = NotifyResult::BadSignature(error);
                    continue;
                }
            }
            let rcode = u16::from(response[3] & 0x0F);
            if rcode == 0 {
                return NotifyResult::Answered;
            }
            result = NotifyResult::Refused(rcode);
            break;
        }
    }
    result
}

/// An unpredictable message ID, so that an off-path sender cannot easily
/// answer in the secondary's place: std's hasher keys are random per
/// `RandomState`.
fn random_id() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(unix_now());
    hasher.finish() as u16
}

/// Whether `bytes` is a NOTIFY response (QR set, opcode 4) with ID `id`.
fn is_response_to(bytes: &[u8], id: u16) -> bool {
    bytes.len() >= 12
        && bytes[0..2] == id.to_be_bytes()
        && bytes[2] & 0x80 != 0
        && (bytes[2] >> 3) & 0x0F == 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Soa;
    use crate::tsig::Verdict;

    fn policy() -> Policy {
        let zone = cautery_policy::DomainName::new("cautery.rpz").unwrap();
        Policy::new(zone.clone(), 42, Soa::default(), vec![zone], 60, Vec::new())
    }

    fn key(secret: &[u8]) -> TsigKey {
        TsigKey::new(
            crate::records::parse_name("xfr-key").unwrap(),
            secret.to_vec(),
        )
    }

    /// How the fake secondary answers.
    #[derive(Clone, Copy)]
    enum Secondary {
        /// Checks the request's signature with its key and signs its answer.
        Signing,
        /// Answers without a TSIG record.
        Unsigned,
        /// Answers REFUSED, signed.
        Refusing,
        /// Signs as `Signing` does, with a clock this many seconds ahead.
        Skewed(i64),
    }

    /// A secondary on loopback that answers every NOTIFY as told; returns
    /// its address and the requests it saw, as (signed by the right key,
    /// serial in the answer section).
    async fn secondary(
        behaviour: Secondary,
        secret: &'static [u8],
    ) -> (
        SocketAddr,
        tokio::sync::mpsc::UnboundedReceiver<(bool, u32)>,
    ) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = socket.local_addr().unwrap();
        let (seen, receiver) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 4096];
            while let Ok((length, from)) = socket.recv_from(&mut buffer).await {
                let request = &buffer[..length];
                let now = match behaviour {
                    Secondary::Skewed(offset) => unix_now().saturating_add_signed(offset),
                    _ => unix_now(),
                };
                let verdict = tsig::verify(request, &[key(secret)], now);
                let parsed = Message::from_vec(request).unwrap();
                let serial = parsed
                    .answers()
                    .first()
                    .and_then(crate::authority::soa_serial)
                    .unwrap_or(0);
                let _ = seen.send((matches!(verdict, Verdict::Signed(_)), serial));
                let mut response = Message::new();
                response.set_id(parsed.id());
                response.set_message_type(hickory_proto::op::MessageType::Response);
                response.set_op_code(OpCode::Notify);
                response.add_queries(parsed.queries().iter().cloned());
                if let Secondary::Refusing = behaviour {
                    response.set_response_code(hickory_proto::op::ResponseCode::Refused);
                }
                let mut out = response.to_vec().unwrap();
                match (behaviour, verdict) {
                    (Secondary::Unsigned, _) => {}
                    (_, Verdict::Signed(mut signer)) => signer.sign(&mut out, now),
                    (_, Verdict::Failed(failure)) => {
                        out[3] = 9; // NOTAUTH
                        failure.append_to(&mut out, now);
                    }
                    (_, Verdict::Unsigned) => {}
                }
                socket.send_to(&out, from).await.unwrap();
            }
        });
        (address, receiver)
    }

    const SECRET: &[u8] = b"0123456789abcdef";
    const SHORT: Duration = Duration::from_millis(300);

    #[tokio::test]
    async fn a_signed_notify_verifies_at_the_secondary_and_its_signed_answer_here() {
        let (address, mut seen) = secondary(Secondary::Signing, SECRET).await;
        let target = NotifyTarget {
            address,
            key: Some(key(SECRET)),
        };
        assert_eq!(
            notify_one(&policy(), &target, 2, SHORT).await,
            NotifyResult::Answered
        );
        assert_eq!(seen.recv().await, Some((true, 42)));
    }

    #[tokio::test]
    async fn an_unsigned_notify_is_still_sent_to_targets_without_a_key() {
        let (address, mut seen) = secondary(Secondary::Unsigned, SECRET).await;
        assert_eq!(
            notify_one(&policy(), &address.into(), 2, SHORT).await,
            NotifyResult::Answered
        );
        assert_eq!(seen.recv().await, Some((false, 42)));
    }

    #[tokio::test]
    async fn an_unsigned_answer_to_a_signed_notify_is_not_accepted() {
        let (address, mut seen) = secondary(Secondary::Unsigned, SECRET).await;
        let target = NotifyTarget {
            address,
            key: Some(key(SECRET)),
        };
        assert_eq!(
            notify_one(&policy(), &target, 2, SHORT).await,
            NotifyResult::BadSignature(ResponseError::Unsigned)
        );
        // Both tries went out, each signed.
        assert_eq!(seen.recv().await, Some((true, 42)));
        assert_eq!(seen.recv().await, Some((true, 42)));
    }

    #[tokio::test]
    async fn a_secondary_with_another_secret_answers_badsig_and_we_report_it() {
        let (address, _seen) = secondary(Secondary::Signing, b"another secret").await;
        let target = NotifyTarget {
            address,
            key: Some(key(SECRET)),
        };
        assert_eq!(
            notify_one(&policy(), &target, 1, SHORT).await,
            NotifyResult::BadSignature(ResponseError::PeerError(tsig::BADSIG))
        );
    }

    #[tokio::test]
    async fn a_secondary_an_hour_ahead_answers_a_signed_badtime_and_we_learn_the_skew() {
        let (address, mut seen) = secondary(Secondary::Skewed(3600), SECRET).await;
        let target = NotifyTarget {
            address,
            key: Some(key(SECRET)),
        };
        let result = notify_one(&policy(), &target, 1, SHORT).await;
        // The second may turn between signing here and checking there.
        let NotifyResult::BadSignature(error @ ResponseError::ClockSkew(skew)) = result else {
            panic!("not a clock skew: {result:?}");
        };
        assert!((3600..=3601).contains(&skew), "{skew}");
        assert!(
            error.to_string().contains(&format!("differ by {skew} s")),
            "{error}"
        );
        assert_eq!(seen.recv().await, Some((false, 42)), "refused for its time");
        let (address, _seen) = secondary(Secondary::Skewed(-7200), SECRET).await;
        let target = NotifyTarget {
            address,
            key: Some(key(SECRET)),
        };
        let result = notify_one(&policy(), &target, 1, SHORT).await;
        let NotifyResult::BadSignature(error @ ResponseError::ClockSkew(skew)) = result else {
            panic!("not a clock skew: {result:?}");
        };
        assert!((-7200..=-7199).contains(&skew), "{skew}");
        assert!(error.to_string().contains("behind"), "{error}");
    }

    #[tokio::test]
    async fn a_refusal_is_not_counted_as_an_answer() {
        let (address, _seen) = secondary(Secondary::Refusing, SECRET).await;
        let target = NotifyTarget {
            address,
            key: Some(key(SECRET)),
        };
        assert_eq!(
            notify_one(&policy(), &target, 1, SHORT).await,
            NotifyResult::Refused(5)
        );
    }

    #[tokio::test]
    async fn silence_is_unanswered() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target: NotifyTarget = socket.local_addr().unwrap().into();
        assert_eq!(
            notify_one(&policy(), &target, 2, Duration::from_millis(50)).await,
            NotifyResult::Unanswered
        );
    }
}

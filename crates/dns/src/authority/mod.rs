//! The message path: one request's bytes in, the response's bytes out. Pure:
//! no sockets, no clock (the time for TSIG is a parameter).
//!
//! Answers, in order of precedence:
//! - policy zones (RPZ primary): SOA and NS at the apex, the RPZ records
//!   below it, AXFR (RFC 5936) and IXFR (RFC 1995) of the whole zone, all
//!   subject to the transfer ACL and TSIG (RFC 8945); anyone else REFUSED;
//! - sinkhole names: names whose rule has a sinkhole action, and their
//!   subdomains when the rule covers them, answered authoritatively with the
//!   sinkhole addresses and the sinkhole SOA and NS;
//! - anything else: REFUSED (this server is authoritative for nothing else).
//!
//! Malformed requests get FORMERR when their header can be read and are
//! dropped otherwise; responses are never sent to responses. The checks
//! before dispatch are those of RFC 6891 and RFC 8906 as NSD applies them
//! (`tests/integration/compliance.rs` compares the two): NOTIMP for other
//! opcodes; FORMERR for an RCODE in a query, records outside the additional
//! section, a second OPT, a malformed cookie; BADVERS for EDNS versions
//! above 0; class ANY answered from class IN without AA, others REFUSED.
//!
//! This module owns the state the message path reads ([`Authority`],
//! [`ServedZone`]), the dispatch of [`Authority::handle`] and its result
//! ([`Handled`], [`Reply`]); the rest lives in one file per job:
//! - `access`: who may transfer policy zones (address prefixes, TSIG keys);
//! - `edns`: EDNS options of answers, DNS cookies (RFC 7873, RFC 9018);
//! - `labels`: the metric labels of a request ([`QueryKind`], [`Outcome`]);
//! - `answer`: answers inside a policy zone and the encoding of responses;
//! - `transfer`: AXFR (RFC 5936) and IXFR (RFC 1995), streamed;
//! - `sinkhole`: answers for sinkholed names.

use std::net::SocketAddr;
use std::sync::Arc;

use hickory_proto::op::{Message, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use hickory_proto::rr::{DNSClass, Name, RecordType};

use crate::journal::Journal;
use crate::records::{Policy, PolicyRecords};
use crate::tsig::{self, Verdict};

mod access;
mod answer;
#[cfg(test)]
mod compliance;
mod edns;
mod labels;
mod sinkhole;
mod transfer;

pub use access::{Prefix, TransferAccess};
pub use edns::CookieSecret;
pub use labels::{Outcome, QueryKind};
pub use sinkhole::{SinkholeApex, SinkholeHit};
pub use transfer::{soa_serial, Transfer};

use answer::{encode, encode_signed, formerr_from_header, response_to, udp_limit, zone_answer};

/// Largest UDP response sent with EDNS (the DNS flag day 2020 value).
pub const MAX_UDP_PAYLOAD: u16 = 1232;
/// Largest request accepted.
pub const MAX_REQUEST: usize = 65_535;

/// One policy zone as served: the policy and its IXFR journal.
#[derive(Debug, Clone)]
pub struct ServedZone {
    /// The current policy.
    pub policy: Arc<Policy>,
    /// Its journal, ending at the current serial.
    pub journal: Arc<Journal>,
    /// The zone's name in wire form, made once rather than per query.
    pub name: Name,
}

impl ServedZone {
    /// A policy served with its journal.
    pub fn new(policy: Arc<Policy>, journal: Arc<Journal>) -> ServedZone {
        ServedZone {
            name: policy.zone_name(),
            policy,
            journal,
        }
    }
}

/// Everything the message path reads: swapped whole on every change, so a
/// request sees one consistent state.
#[derive(Debug, Clone, Default)]
pub struct Authority {
    /// Policy zones.
    pub zones: Vec<ServedZone>,
    /// Transfer access.
    pub access: TransferAccess,
    /// Sinkhole apex data.
    pub sinkhole: SinkholeApex,
    /// The secret of server cookies (RFC 7873); none: cookies ignored.
    pub cookie_secret: Option<CookieSecret>,
    /// Whether an IXFR spanning several journal entries is answered as
    /// one condensed difference (RFC 1995 §5) rather than one per entry.
    pub condense_ixfr: bool,
}

/// The transport a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP: one response, size-limited.
    Udp,
    /// TCP: transfers allowed.
    Tcp,
}

/// The response to one request.
pub enum Reply {
    /// Nothing to send.
    None,
    /// One message.
    Message(Vec<u8>),
    /// A zone transfer: a stream of messages (TCP only).
    Transfer(Box<Transfer>),
}

/// One request's result.
pub struct Handled {
    /// What to send.
    pub reply: Reply,
    /// Query kind, for metrics.
    pub kind: QueryKind,
    /// Outcome, for metrics.
    pub outcome: Outcome,
    /// Set when the query hit a sinkholed name.
    pub hit: Option<SinkholeHit>,
    /// Set when the reply is a transfer: `"axfr"` or `"ixfr"`.
    pub transfer: Option<&'static str>,
    /// With a transfer: the zone (without the final dot) and the serial it
    /// brings the peer to.
    pub transferred: Option<(String, u32)>,
}

/// The zone of `policy` and its serial, as a transfer's record.
fn transferred(policy: &cautery_policy::Policy) -> (String, u32) {
    (
        policy.zone.to_string().trim_end_matches('.').to_owned(),
        policy.serial,
    )
}

impl Handled {
    fn new(reply: Reply, kind: QueryKind, outcome: Outcome) -> Handled {
        Handled {
            reply,
            kind,
            outcome,
            hit: None,
            transfer: None,
            transferred: None,
        }
    }

    fn dropped() -> Handled {
        Handled::new(Reply::None, QueryKind::Other, Outcome::Dropped)
    }
}

impl Authority {
    /// Answers one request received from `client` over `transport`, at
    /// `now` (seconds since the epoch, for TSIG only).
    pub fn handle(
        &self,
        bytes: &[u8],
        client: SocketAddr,
        transport: Transport,
        now: u64,
    ) -> Handled {
        if bytes.len() < 12 || bytes.len() > MAX_REQUEST {
            return Handled::dropped();
        }
        // A response (QR set) is never answered: that is how loops start.
        if bytes[2] & 0x80 != 0 {
            return Handled::dropped();
        }
        let mut request = match Message::from_vec(bytes) {
            Ok(message) => message,
            Err(_) => return formerr_from_header(bytes),
        };
        let kind = request
            .queries()
            .first()
            .map(|q| QueryKind::of(q.query_type()))
            .unwrap_or(QueryKind::Other);
        if request.op_code() != OpCode::Query {
            return self.respond(
                &request,
                ResponseCode::NotImp,
                QueryKind::Other,
                Outcome::Notimp,
            );
        }
        // The checks of NSD's query path: no RCODE in a query, one
        // question, no records in the answer section nor in the authority
        // section (but the SOA of an IXFR), nothing in the additional
        // section but OPT and TSIG (more than one OPT fails to parse).
        if bytes[3] & 0x0F != 0 {
            return formerr_from_header(bytes);
        }
        let ixfr = request
            .queries()
            .first()
            .is_some_and(|q| q.query_type() == RecordType::IXFR);
        if !request.answers().is_empty()
            || (!ixfr && !request.name_servers().is_empty())
            || request
                .additionals()
                .iter()
                .any(|r| r.record_type() != RecordType::TSIG)
        {
            return formerr_from_header(bytes);
        }
        let cookie = match request.extensions() {
            Some(edns) if edns.version() > 0 => {
                // RFC 6891 §6.1.3: BADVERS, version 0, no answer.
                let mut response = response_to(&request);
                response.set_response_code(ResponseCode::BADVERS);
                // No data, so no DO bit and no cookie (as NSD).
                if let Some(edns) = response.extensions_mut().as_mut() {
                    edns.set_dnssec_ok(false);
                    edns.options_mut().remove(EdnsCode::Cookie);
                }
                let out = encode(&response, None);
                return Handled::new(Reply::Message(out), kind, Outcome::Formerr);
            }
            Some(edns) => edns::request_cookie(edns),
            None => edns::RequestCookie::Absent,
        };
        if cookie == edns::RequestCookie::Malformed {
            return formerr_from_header(bytes);
        }
        // The answer's cookie replaces the request's, so that every answer
        // built from the request (`response_to`) carries it.
        let reply_cookie =
            edns::answer_cookie(self.cookie_secret.as_ref(), &cookie, client.ip(), now);
        if let Some(edns) = request.extensions_mut().as_mut() {
            edns.options_mut().remove(EdnsCode::Cookie);
            if let Some(value) = reply_cookie {
                edns.options_mut()
                    .insert(EdnsOption::Unknown(edns::COOKIE, value));
            }
        }
        if request.queries().len() != 1 {
            if request.queries().is_empty()
                && request.extensions().is_some()
                && request.name_servers().is_empty()
            {
                // An EDNS probe without a question (RFC 7873 §5.4 uses
                // them to learn a server cookie): NOERROR and the OPT.
                return self.respond(&request, ResponseCode::NoError, kind, Outcome::Answer);
            }
            let mut handled = formerr_from_header(bytes);
            if let Reply::Message(out) = &mut handled.reply {
                // As NSD: no flag but QR.
                out[2] = 0x80;
            }
            return handled;
        }
        let query = request.queries()[0].clone();
        match query.query_class() {
            DNSClass::IN => {}
            // Class ANY is answered from class IN data, not
            // authoritatively (RFC 1035 §3.2.5; as NSD).
            DNSClass::ANY if !ixfr && query.query_type() != RecordType::AXFR => {
                let mut handled = self.answer_in(&request, bytes, &query, client, transport, now);
                if let Reply::Message(out) = &mut handled.reply {
                    if tsig::find(out).ok().flatten().is_none() {
                        out[2] &= !0x04;
                    }
                }
                return handled;
            }
            // CHAOS (version.bind, id.server) is refused with the question;
            // other classes without it, as NSD answers both.
            DNSClass::CH => {
                return self.respond(&request, ResponseCode::Refused, kind, Outcome::Refused)
            }
            _ => {
                let mut response = response_to(&request);
                response.take_queries();
                response.set_response_code(ResponseCode::Refused);
                let out = encode(&response, None);
                return Handled::new(Reply::Message(out), kind, Outcome::Refused);
            }
        }
        self.answer_in(&request, bytes, &query, client, transport, now)
    }

    /// Answers a query of class IN (or ANY).
    fn answer_in(
        &self,
        request: &Message,
        bytes: &[u8],
        query: &Query,
        client: SocketAddr,
        transport: Transport,
        now: u64,
    ) -> Handled {
        let kind = QueryKind::of(query.query_type());
        let qname = query.name().to_lowercase();
        if let Some(zone) = self.zones.iter().find(|z| z.name.zone_of(&qname)) {
            return self.policy_zone(request, bytes, zone, query, client, transport, now);
        }
        if matches!(query.query_type(), RecordType::AXFR | RecordType::IXFR) {
            return self.respond(request, ResponseCode::Refused, kind, Outcome::Refused);
        }
        self.sinkhole(request, query, transport)
    }

    fn respond(
        &self,
        request: &Message,
        code: ResponseCode,
        kind: QueryKind,
        outcome: Outcome,
    ) -> Handled {
        let mut response = response_to(request);
        response.set_response_code(code);
        Handled::new(Reply::Message(encode(&response, None)), kind, outcome)
    }

    #[allow(clippy::too_many_arguments)]
    fn policy_zone(
        &self,
        request: &Message,
        bytes: &[u8],
        zone: &ServedZone,
        query: &Query,
        client: SocketAddr,
        transport: Transport,
        now: u64,
    ) -> Handled {
        let kind = QueryKind::of(query.query_type());
        let verdict = tsig::verify(bytes, &self.access.keys, now);
        let mut signer = match verdict {
            Verdict::Failed(failure) => {
                // No zone data: NOTAUTH, with a TSIG record that is signed
                // for BADTIME only (RFC 8945 §5.2, §5.3.2).
                let mut response = response_to(request);
                response.set_response_code(ResponseCode::NotAuth);
                let mut out = encode(&response, None);
                failure.append_to(&mut out, now);
                return Handled::new(Reply::Message(out), kind, Outcome::Notauth);
            }
            Verdict::Signed(signer) => Some(signer),
            Verdict::Unsigned => None,
        };
        let address_ok = self.access.allow.iter().any(|p| p.contains(client.ip()));
        if !address_ok || (self.access.require_key && signer.is_none()) {
            let mut response = response_to(request);
            response.set_response_code(ResponseCode::Refused);
            let out = encode_signed(&response, None, signer.as_mut(), now);
            return Handled::new(Reply::Message(out), kind, Outcome::Refused);
        }
        let policy = &zone.policy;
        match query.query_type() {
            RecordType::AXFR if transport == Transport::Tcp => {
                let mut handled = Handled::new(
                    Reply::Transfer(Box::new(Transfer::axfr(
                        request,
                        policy.clone(),
                        signer,
                        now,
                    ))),
                    kind,
                    Outcome::Answer,
                );
                handled.transfer = Some("axfr");
                handled.transferred = Some(transferred(policy));
                handled
            }
            RecordType::AXFR => {
                let mut response = response_to(request);
                response.set_response_code(ResponseCode::Refused);
                let out = encode_signed(&response, None, signer.as_mut(), now);
                Handled::new(Reply::Message(out), kind, Outcome::Refused)
            }
            RecordType::IXFR => self.ixfr(request, zone, transport, signer, now),
            _ => {
                let mut response = response_to(request);
                response.set_authoritative(true);
                let qname = query.name().to_lowercase();
                let outcome = zone_answer(
                    policy,
                    &zone.name,
                    &qname,
                    query.query_type(),
                    &mut response,
                );
                let limit = udp_limit(request, transport);
                let out = encode_signed(&response, limit, signer.as_mut(), now);
                Handled::new(Reply::Message(out), kind, outcome)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::JournalLimits;
    use crate::records::{parse_name, Action, PolicyDiff, Rule, Soa};
    use crate::tsig::{ResponseError, ResponseVerifier, TsigKey};
    use cautery_policy::DomainName;
    use hickory_proto::rr::Name;

    pub(super) const NOW: u64 = 1_800_000_000;

    pub(super) fn zone() -> Name {
        parse_name("cautery.rpz").unwrap()
    }

    pub(super) fn key() -> TsigKey {
        TsigKey::new(parse_name("xfr-key").unwrap(), b"0123456789abcdef".to_vec())
    }

    pub(super) fn policy(serial: u32, names: &[String]) -> Policy {
        let nx = Arc::new(Action::Nxdomain);
        let rules = names
            .iter()
            .map(|name| Rule {
                name: DomainName::new(name).unwrap(),
                action: nx.clone(),
                subdomains: false,
                provenance: None,
            })
            .collect();
        let zone = DomainName::new("cautery.rpz").unwrap();
        Policy::new(zone.clone(), serial, Soa::default(), vec![zone], 60, rules)
    }

    fn names(prefix: &str, count: usize) -> Vec<String> {
        (0..count).map(|i| format!("{prefix}{i}.example")).collect()
    }

    /// Names kept from serial 10 to 12 by [`zone_with_changes`]: more than
    /// the changes, so that the difference is the smaller answer.
    pub(super) fn kept(changed: usize) -> usize {
        3 + 2 * changed
    }

    /// A zone at serial 12 whose journal holds 11 -> 12 only: serial 10 is
    /// older than the journal. 11 -> 12 removes `old0..` and adds `new0..`,
    /// `changed` names each.
    pub(super) fn zone_with_changes(changed: usize) -> Authority {
        zone_with(kept(changed), changed, changed)
    }

    /// As [`zone_with_changes`], with `keep` names kept, `removed` removed
    /// and `added` added from 11 to 12.
    pub(super) fn zone_with(keep: usize, removed: usize, added: usize) -> Authority {
        let keep = names("keep", keep);
        let at_10 = policy(10, &keep);
        let at_11 = policy(11, &[keep.clone(), names("old", removed)].concat());
        let at_12 = policy(12, &[keep, names("new", added)].concat());
        let mut journal = Journal::new(JournalLimits::default());
        journal.push(PolicyDiff::between(&at_10, &at_11));
        journal.push(PolicyDiff::between(&at_11, &at_12));
        // Keep only the last difference, as if the first had been dropped.
        let mut last = Journal::new(JournalLimits::default());
        last.push(PolicyDiff::between(&at_11, &at_12));
        assert!(journal.since(10).is_some() && last.since(10).is_none());
        Authority {
            zones: vec![ServedZone::new(Arc::new(at_12), Arc::new(last))],
            access: TransferAccess {
                allow: Prefix::parse("127.0.0.0/8").into_iter().collect(),
                keys: vec![key()],
                require_key: false,
            },
            sinkhole: SinkholeApex::default(),
            cookie_secret: None,
            condense_ixfr: false,
        }
    }

    pub(super) fn client() -> SocketAddr {
        "127.0.0.1:5300".parse().unwrap()
    }

    /// An AXFR request for the policy zone, signed at `signed` with `key`,
    /// handled at `NOW`: the one message answered and the request's MAC.
    fn signed_axfr(key: &TsigKey, signed: u64, transport: Transport) -> (Handled, Vec<u8>) {
        let mut request = Message::new();
        request.set_id(78);
        request.add_query(Query::query(zone(), RecordType::AXFR));
        let mut bytes = request.to_vec().unwrap();
        let mac = tsig::sign_request(&mut bytes, key, signed);
        (
            zone_with_changes(2).handle(&bytes, client(), transport, NOW),
            mac,
        )
    }

    /// The NOTAUTH answer of `handled`, checked for the parts every TSIG
    /// error answer shares: one message, RCODE 9, the question, no data.
    fn notauth(handled: Handled) -> Vec<u8> {
        assert_eq!(handled.outcome, Outcome::Notauth);
        assert_eq!(handled.transfer, None);
        let Reply::Message(out) = handled.reply else {
            panic!("not one message");
        };
        let answer = Message::from_vec(&out).unwrap();
        assert_eq!(answer.id(), 78);
        assert_eq!(u16::from(answer.response_code()), 9, "NOTAUTH");
        assert_eq!(answer.queries().len(), 1);
        assert!(answer.answers().is_empty() && answer.name_servers().is_empty());
        out
    }

    #[test]
    fn an_axfr_signed_with_a_skewed_clock_gets_a_signed_badtime_and_no_zone_data() {
        // Over TCP it would have been a transfer; over UDP a refusal.
        for transport in [Transport::Tcp, Transport::Udp] {
            for skew in [1000, -1000, 301] {
                let signed = NOW.saturating_add_signed(-skew);
                let (handled, mac) = signed_axfr(&key(), signed, transport);
                let out = notauth(handled);
                let record = tsig::find(&out).unwrap().unwrap();
                assert_eq!(record.time_signed, signed, "the request's time, echoed");
                assert_eq!(
                    ResponseVerifier::new(key(), mac.clone()).verify(&out, signed),
                    Err(ResponseError::ClockSkew(skew)),
                    "{transport:?} {skew}"
                );
                // Signed with the key: an altered answer does not verify.
                let mut altered = out.clone();
                altered[14] ^= 1;
                assert_eq!(
                    ResponseVerifier::new(key(), mac).verify(&altered, signed),
                    Err(ResponseError::BadSignature)
                );
            }
        }
        // Within the fudge: the transfer.
        let (handled, _) = signed_axfr(&key(), NOW - 300, Transport::Tcp);
        assert_eq!(handled.transfer, Some("axfr"));
    }

    #[test]
    fn a_wrong_secret_or_an_unknown_key_gets_an_unsigned_notauth() {
        let wrong = TsigKey::new(key().name, b"wrong secret".to_vec());
        let unknown = TsigKey::new(parse_name("other-key").unwrap(), b"x".to_vec());
        for (client_key, error) in [(wrong, tsig::BADSIG), (unknown, tsig::BADKEY)] {
            for transport in [Transport::Tcp, Transport::Udp] {
                let (handled, mac) = signed_axfr(&client_key, NOW, transport);
                let out = notauth(handled);
                let record = tsig::find(&out).unwrap().unwrap();
                assert!(record.mac.is_empty(), "MAC size 0 (RFC 8945 §5.3.2)");
                assert_eq!(
                    ResponseVerifier::new(client_key.clone(), mac).verify(&out, NOW),
                    Err(ResponseError::PeerError(error))
                );
            }
        }
    }
}

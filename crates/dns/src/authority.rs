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
//! dropped otherwise; responses are never sent to responses.
//!
//! IXFR (RFC 1995): a client at the current serial, or at a serial newer
//! than it (a bogus one), gets the current SOA alone; a client within the
//! journal gets the differences, unless they hold more rules than the zone
//! itself (a day's part of a split zone is replaced whole), when the whole
//! zone is smaller; a client older than the journal gets the whole zone,
//! AXFR-style (§4). Over UDP (§2) the answer goes in one datagram
//! when it fits the client's payload size (EDNS0, at most 1232, else 512
//! octets); otherwise the current SOA alone, and the client retries over
//! TCP.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, NS, SOA};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use crate::journal::Journal;
use crate::policy::{parse_name, soa_record, Action, Origin, Policy, PolicyDiff, Rule, SoaFields};
use crate::tsig::{self, Signer, TsigKey, Verdict};

/// Largest UDP response sent with EDNS (the DNS flag day 2020 value).
pub const MAX_UDP_PAYLOAD: u16 = 1232;
/// Largest request accepted.
pub const MAX_REQUEST: usize = 65_535;
/// Target size of one transfer message; records never straddle messages.
const TRANSFER_CHUNK: usize = 16_000;

/// A network prefix for ACLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    /// The network address.
    pub address: IpAddr,
    /// Prefix length.
    pub length: u8,
}

impl Prefix {
    /// Parses `ADDRESS` or `ADDRESS/LENGTH`.
    pub fn parse(text: &str) -> Option<Prefix> {
        let (address, length) = match text.split_once('/') {
            Some((a, l)) => (a.parse::<IpAddr>().ok()?, l.parse::<u8>().ok()?),
            None => {
                let a = text.parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        (length <= max).then_some(Prefix { address, length })
    }

    /// Whether `ip` is inside the prefix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.length))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.length))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Who may transfer policy zones.
#[derive(Debug, Clone, Default)]
pub struct TransferAccess {
    /// Client addresses allowed.
    pub allow: Vec<Prefix>,
    /// TSIG keys accepted.
    pub keys: Vec<TsigKey>,
    /// Whether a valid TSIG signature is required on top of the address.
    pub require_key: bool,
}

/// Apex data of sinkhole answers.
#[derive(Debug, Clone)]
pub struct SinkholeApex {
    /// SOA fields of every sinkholed name.
    pub soa: SoaFields,
    /// Name servers of every sinkholed name.
    pub ns: Vec<Name>,
    /// TTL of sinkhole answers.
    pub ttl: u32,
}

impl Default for SinkholeApex {
    fn default() -> Self {
        SinkholeApex {
            soa: SoaFields::default(),
            ns: vec![Name::from_ascii("localhost.").unwrap_or_else(|_| Name::root())],
            ttl: 300,
        }
    }
}

/// One policy zone as served: the policy and its IXFR journal.
#[derive(Debug, Clone)]
pub struct ServedZone {
    /// The current policy.
    pub policy: Arc<Policy>,
    /// Its journal, ending at the current serial.
    pub journal: Arc<Journal>,
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
}

/// The transport a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP: one response, size-limited.
    Udp,
    /// TCP: transfers allowed.
    Tcp,
}

/// Query types, grouped for metrics (low cardinality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// A.
    A,
    /// AAAA.
    Aaaa,
    /// SOA.
    Soa,
    /// NS.
    Ns,
    /// AXFR.
    Axfr,
    /// IXFR.
    Ixfr,
    /// ANY.
    Any,
    /// NOTIFY or another opcode.
    Other,
}

impl QueryKind {
    /// Every kind, in metric order.
    pub const ALL: [QueryKind; 8] = [
        QueryKind::A,
        QueryKind::Aaaa,
        QueryKind::Soa,
        QueryKind::Ns,
        QueryKind::Axfr,
        QueryKind::Ixfr,
        QueryKind::Any,
        QueryKind::Other,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            QueryKind::A => "A",
            QueryKind::Aaaa => "AAAA",
            QueryKind::Soa => "SOA",
            QueryKind::Ns => "NS",
            QueryKind::Axfr => "AXFR",
            QueryKind::Ixfr => "IXFR",
            QueryKind::Any => "ANY",
            QueryKind::Other => "other",
        }
    }

    fn of(record_type: RecordType) -> QueryKind {
        match record_type {
            RecordType::A => QueryKind::A,
            RecordType::AAAA => QueryKind::Aaaa,
            RecordType::SOA => QueryKind::Soa,
            RecordType::NS => QueryKind::Ns,
            RecordType::AXFR => QueryKind::Axfr,
            RecordType::IXFR => QueryKind::Ixfr,
            RecordType::ANY => QueryKind::Any,
            _ => QueryKind::Other,
        }
    }
}

/// What happened to a request, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An answer with data (or a transfer).
    Answer,
    /// NXDOMAIN.
    Nxdomain,
    /// NOERROR without data.
    Nodata,
    /// REFUSED.
    Refused,
    /// FORMERR.
    Formerr,
    /// NOTIMP.
    Notimp,
    /// NOTAUTH (TSIG failure).
    Notauth,
    /// Dropped without answer (unparseable, or a response).
    Dropped,
    /// Dropped or truncated by response-rate limiting.
    RateLimited,
}

impl Outcome {
    /// Every outcome, in metric order.
    pub const ALL: [Outcome; 9] = [
        Outcome::Answer,
        Outcome::Nxdomain,
        Outcome::Nodata,
        Outcome::Refused,
        Outcome::Formerr,
        Outcome::Notimp,
        Outcome::Notauth,
        Outcome::Dropped,
        Outcome::RateLimited,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Answer => "answer",
            Outcome::Nxdomain => "nxdomain",
            Outcome::Nodata => "nodata",
            Outcome::Refused => "refused",
            Outcome::Formerr => "formerr",
            Outcome::Notimp => "notimp",
            Outcome::Notauth => "notauth",
            Outcome::Dropped => "dropped",
            Outcome::RateLimited => "rate_limited",
        }
    }
}

/// A query that hit a sinkholed name, for the query log.
#[derive(Debug, Clone)]
pub struct SinkholeHit {
    /// The name asked, lower case, without trailing dot.
    pub name: String,
    /// The query type.
    pub record_type: RecordType,
    /// Where the rule came from.
    pub origin: Option<Arc<Origin>>,
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
}

impl Handled {
    fn new(reply: Reply, kind: QueryKind, outcome: Outcome) -> Handled {
        Handled {
            reply,
            kind,
            outcome,
            hit: None,
            transfer: None,
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
        let request = match Message::from_vec(bytes) {
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
        if request.queries().len() != 1 {
            return self.respond(&request, ResponseCode::FormErr, kind, Outcome::Formerr);
        }
        let query = request.queries()[0].clone();
        if query.query_class() != DNSClass::IN {
            return self.respond(&request, ResponseCode::Refused, kind, Outcome::Refused);
        }
        let qname = query.name().to_lowercase();
        if let Some(zone) = self.zones.iter().find(|z| z.policy.zone.zone_of(&qname)) {
            return self.policy_zone(&request, bytes, zone, &query, client, transport, now);
        }
        if matches!(query.query_type(), RecordType::AXFR | RecordType::IXFR) {
            return self.respond(&request, ResponseCode::Refused, kind, Outcome::Refused);
        }
        self.sinkhole(&request, &query, transport)
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
                let outcome = zone_answer(policy, &qname, query.query_type(), &mut response);
                let limit = udp_limit(request, transport);
                let out = encode_signed(&response, limit, signer.as_mut(), now);
                Handled::new(Reply::Message(out), kind, outcome)
            }
        }
    }

    fn ixfr(
        &self,
        request: &Message,
        zone: &ServedZone,
        transport: Transport,
        mut signer: Option<Signer>,
        now: u64,
    ) -> Handled {
        let policy = &zone.policy;
        let client_serial = request.name_servers().iter().find_map(|r| match r.data() {
            RData::SOA(soa) => Some(soa.serial()),
            _ => None,
        });
        let Some(client_serial) = client_serial else {
            let mut response = response_to(request);
            response.set_response_code(ResponseCode::FormErr);
            let out = encode_signed(&response, None, signer.as_mut(), now);
            return Handled::new(Reply::Message(out), QueryKind::Ixfr, Outcome::Formerr);
        };
        // Up to date, or newer than us (a bogus serial): the current SOA
        // alone, which tells the client there is nothing newer here.
        let up_to_date =
            client_serial == policy.serial || serial_greater(client_serial, policy.serial);
        let current_soa = |signer: Option<&mut Signer>| {
            let mut response = response_to(request);
            response.set_authoritative(true);
            response.add_answer(policy.soa_record(policy.serial));
            let out = encode_signed(&response, None, signer, now);
            Handled::new(Reply::Message(out), QueryKind::Ixfr, Outcome::Answer)
        };
        if up_to_date {
            return current_soa(signer.as_mut());
        }
        let diffs = zone.journal.since(client_serial).filter(|diffs| {
            let changes: usize = diffs.iter().map(|d| d.len()).sum();
            changes <= policy.rules().len()
        });
        let mut transfer = match diffs {
            Some(diffs) => Transfer::ixfr(request, policy.clone(), diffs, signer, now),
            None => Transfer::axfr(request, policy.clone(), signer, now),
        };
        if transport == Transport::Udp {
            // RFC 1995 §2: the whole answer in one datagram when it fits,
            // else the current SOA, and the client retries over TCP.
            let limit = udp_limit(request, transport).unwrap_or(512);
            return match transfer.datagram(limit) {
                Some(out) => {
                    let mut handled =
                        Handled::new(Reply::Message(out), QueryKind::Ixfr, Outcome::Answer);
                    handled.transfer = Some("ixfr");
                    handled
                }
                None => current_soa(transfer.signer.as_mut()),
            };
        }
        let mut handled = Handled::new(
            Reply::Transfer(Box::new(transfer)),
            QueryKind::Ixfr,
            Outcome::Answer,
        );
        handled.transfer = Some("ixfr");
        handled
    }

    fn sinkhole(&self, request: &Message, query: &Query, transport: Transport) -> Handled {
        let kind = QueryKind::of(query.query_type());
        let mut text = query.name().to_ascii().to_ascii_lowercase();
        if text.ends_with('.') {
            text.pop();
        }
        let found = self.zones.iter().find_map(|zone| {
            zone.policy
                .covering_rule(&text)
                .filter(|(rule, _)| rule.action.is_sinkhole())
        });
        let Some((rule, exact)) = found else {
            return self.respond(request, ResponseCode::Refused, kind, Outcome::Refused);
        };
        let serial = self.zones.first().map(|z| z.policy.serial).unwrap_or(1);
        // The apex records are built only when the answer needs them: the
        // common A query for a sinkholed name does not.
        let apex = || parse_name(&rule.name).unwrap_or_else(|_| Name::root());
        let soa = || soa_record(&apex(), &self.sinkhole.soa, serial, self.sinkhole.ttl);
        let mut response = response_to(request);
        response.set_authoritative(true);
        let outcome = if !exact && !rule.subdomains {
            response.set_response_code(ResponseCode::NXDomain);
            response.add_name_server(soa());
            Outcome::Nxdomain
        } else {
            let answers = sinkhole_answers(rule, query, exact, &self.sinkhole, &soa, &apex);
            if answers.is_empty() {
                response.add_name_server(soa());
                Outcome::Nodata
            } else {
                response.add_answers(answers);
                Outcome::Answer
            }
        };
        let limit = udp_limit(request, transport);
        let mut handled = Handled::new(Reply::Message(encode(&response, limit)), kind, outcome);
        handled.hit = Some(SinkholeHit {
            name: text,
            record_type: query.query_type(),
            origin: rule.origin.clone(),
        });
        handled
    }
}

fn sinkhole_answers(
    rule: &Rule,
    query: &Query,
    exact: bool,
    apex: &SinkholeApex,
    soa: &dyn Fn() -> Record,
    apex_name: &dyn Fn() -> Name,
) -> Vec<Record> {
    let Action::Sinkhole { v4, v6 } = &*rule.action else {
        return Vec::new();
    };
    let owner = query.name().clone();
    let ttl = apex.ttl;
    let a = || {
        v4.iter()
            .map(|ip| Record::from_rdata(owner.clone(), ttl, RData::A(A(*ip))))
    };
    let aaaa = || {
        v6.iter()
            .map(|ip| Record::from_rdata(owner.clone(), ttl, RData::AAAA(AAAA(*ip))))
    };
    match query.query_type() {
        RecordType::A => a().collect(),
        RecordType::AAAA => aaaa().collect(),
        RecordType::ANY => a().chain(aaaa()).collect(),
        RecordType::SOA if exact => vec![soa()],
        RecordType::NS if exact => apex
            .ns
            .iter()
            .map(|ns| Record::from_rdata(apex_name(), ttl, RData::NS(NS(ns.clone()))))
            .collect(),
        _ => Vec::new(),
    }
}

/// Fills `response` with the answer for `qname` inside a policy zone.
fn zone_answer(
    policy: &Policy,
    qname: &Name,
    qtype: RecordType,
    response: &mut Message,
) -> Outcome {
    let mut records = Vec::new();
    if *qname == policy.zone {
        match qtype {
            RecordType::SOA => records.push(policy.soa_record(policy.serial)),
            RecordType::NS => records.extend(policy.ns_records()),
            RecordType::ANY => {
                records.push(policy.soa_record(policy.serial));
                records.extend(policy.ns_records());
            }
            _ => {}
        }
        return finish(policy, response, records, true);
    }
    // Below the apex: `[*.]TRIGGER.ZONE`; find the rule of TRIGGER.
    let full = qname.to_ascii().to_ascii_lowercase();
    let zone_text = policy.zone.to_ascii();
    let trigger = full
        .strip_suffix(&zone_text)
        .unwrap_or("")
        .trim_end_matches('.')
        .to_string();
    let (wildcard, trigger) = match trigger.strip_prefix("*.") {
        Some(rest) => (true, rest.to_string()),
        None => (false, trigger),
    };
    let Some(rule) = policy.rule(&trigger) else {
        return finish(policy, response, records, false);
    };
    if wildcard && !rule.subdomains {
        return finish(policy, response, records, false);
    }
    let mut all = Vec::new();
    policy.rule_records(rule, &mut all);
    records.extend(all.into_iter().filter(|r| {
        r.name() == qname
            && (qtype == RecordType::ANY
                || r.record_type() == qtype
                || r.record_type() == RecordType::CNAME)
    }));
    finish(policy, response, records, true)
}

fn finish(policy: &Policy, response: &mut Message, records: Vec<Record>, exists: bool) -> Outcome {
    if !records.is_empty() {
        response.add_answers(records);
        return Outcome::Answer;
    }
    response.add_name_server(policy.soa_record(policy.serial));
    if exists {
        Outcome::Nodata
    } else {
        response.set_response_code(ResponseCode::NXDomain);
        Outcome::Nxdomain
    }
}

/// RFC 1982 serial number arithmetic: whether `a` is after `b`.
pub fn serial_greater(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

fn formerr_from_header(bytes: &[u8]) -> Handled {
    let mut out = bytes[..12].to_vec();
    // QR=1, keep opcode and RD; RCODE=FORMERR; no sections.
    out[2] = 0x80 | (bytes[2] & 0x79);
    out[3] = 0x01;
    out[4..12].fill(0);
    Handled::new(Reply::Message(out), QueryKind::Other, Outcome::Formerr)
}

fn response_to(request: &Message) -> Message {
    let mut response = Message::new();
    response.set_id(request.id());
    response.set_message_type(MessageType::Response);
    response.set_op_code(request.op_code());
    response.set_recursion_desired(request.recursion_desired());
    response.add_queries(request.queries().iter().cloned());
    if request.extensions().is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(MAX_UDP_PAYLOAD);
        response.set_edns(edns);
    }
    response
}

fn udp_limit(request: &Message, transport: Transport) -> Option<usize> {
    match transport {
        Transport::Tcp => None,
        Transport::Udp => Some(match request.extensions() {
            Some(edns) => usize::from(edns.max_payload().clamp(512, MAX_UDP_PAYLOAD)),
            None => 512,
        }),
    }
}

/// Encodes a response; over `limit` bytes it is sent empty with TC set.
fn encode(response: &Message, limit: Option<usize>) -> Vec<u8> {
    let bytes = response.to_vec().unwrap_or_default();
    match limit {
        Some(limit) if bytes.len() > limit => {
            let mut short = response.clone();
            short.take_answers();
            short.take_name_servers();
            short.take_additionals();
            short.set_truncated(true);
            short.to_vec().unwrap_or_default()
        }
        _ if bytes.is_empty() => servfail_bytes(response),
        _ => bytes,
    }
}

fn encode_signed(
    response: &Message,
    limit: Option<usize>,
    signer: Option<&mut Signer>,
    now: u64,
) -> Vec<u8> {
    // Leave room for the TSIG record.
    let room = signer.as_ref().map_or(0, |s| s.record_len());
    let mut out = encode(response, limit.map(|l| l.saturating_sub(room)));
    if let Some(signer) = signer {
        signer.sign(&mut out, now);
    }
    out
}

fn servfail_bytes(response: &Message) -> Vec<u8> {
    let mut out = vec![0u8; 12];
    out[0..2].copy_from_slice(&response.id().to_be_bytes());
    out[2] = 0x80;
    out[3] = 0x02;
    out
}

/// One part of a transfer.
enum Part {
    Soa(u32),
    Ns,
    Rules {
        policy_rules: bool,
        diff: Option<Arc<PolicyDiff>>,
        removed: bool,
    },
}

/// A zone transfer, produced one message at a time so that a transfer of
/// millions of records never sits in memory whole.
pub struct Transfer {
    header: Message,
    policy: Arc<Policy>,
    parts: Vec<Part>,
    part: usize,
    position: usize,
    signer: Option<Signer>,
    now: u64,
    pending: Vec<Record>,
}

impl Transfer {
    fn base(request: &Message, policy: Arc<Policy>, signer: Option<Signer>, now: u64) -> Transfer {
        let mut header = response_to(request);
        header.set_authoritative(true);
        Transfer {
            header,
            policy,
            parts: Vec::new(),
            part: 0,
            position: 0,
            signer,
            now,
            pending: Vec::new(),
        }
    }

    fn axfr(request: &Message, policy: Arc<Policy>, signer: Option<Signer>, now: u64) -> Transfer {
        let serial = policy.serial;
        let mut transfer = Transfer::base(request, policy, signer, now);
        transfer.parts = vec![
            Part::Soa(serial),
            Part::Ns,
            Part::Rules {
                policy_rules: true,
                diff: None,
                removed: false,
            },
            Part::Soa(serial),
        ];
        transfer
    }

    fn ixfr(
        request: &Message,
        policy: Arc<Policy>,
        diffs: Vec<Arc<PolicyDiff>>,
        signer: Option<Signer>,
        now: u64,
    ) -> Transfer {
        let serial = policy.serial;
        let mut transfer = Transfer::base(request, policy, signer, now);
        transfer.parts.push(Part::Soa(serial));
        for diff in diffs {
            transfer.parts.push(Part::Soa(diff.from_serial));
            transfer.parts.push(Part::Rules {
                policy_rules: false,
                diff: Some(diff.clone()),
                removed: true,
            });
            transfer.parts.push(Part::Soa(diff.to_serial));
            transfer.parts.push(Part::Rules {
                policy_rules: false,
                diff: Some(diff),
                removed: false,
            });
        }
        transfer.parts.push(Part::Soa(serial));
        transfer
    }

    /// The next message to send, or `None` when the transfer is complete.
    pub fn next_message(&mut self) -> Option<Vec<u8>> {
        let records = self.collect(TRANSFER_CHUNK);
        if records.is_empty() {
            return None;
        }
        let mut message = self.header.clone();
        message.add_answers(records);
        let mut out = message.to_vec().unwrap_or_default();
        if let Some(signer) = &mut self.signer {
            signer.sign(&mut out, self.now);
        }
        // Only the first message carries the question (RFC 5936 §2.2).
        if self.header.query_count() > 0 {
            self.header.take_queries();
            self.header.take_additionals();
        }
        Some(out)
    }

    /// The whole transfer as one message of at most `limit` octets (an
    /// IXFR answer over UDP), signed; `None` when it does not fit, and then
    /// the signer is still unused, for the fallback answer. Stops building
    /// as soon as the records pass the limit, so a big zone costs little.
    fn datagram(&mut self, limit: usize) -> Option<Vec<u8>> {
        // Room for the TSIG record, as in `encode_signed`.
        let room = self.signer.as_ref().map_or(0, Signer::record_len);
        let limit = limit.saturating_sub(room);
        // `estimate` is pessimistic (it ignores name compression), so
        // collect beyond the limit and let the encoded size decide.
        let records = self.collect(limit.saturating_mul(4));
        if !self.finished() {
            return None;
        }
        let mut message = self.header.clone();
        message.add_answers(records);
        let mut out = match message.to_vec() {
            Ok(out) if out.len() <= limit => out,
            _ => return None,
        };
        if let Some(signer) = &mut self.signer {
            signer.sign(&mut out, self.now);
        }
        Some(out)
    }

    /// Whether every record has been handed out.
    fn finished(&self) -> bool {
        self.pending.is_empty() && self.part >= self.parts.len()
    }

    /// The next records, until their estimated size reaches `budget`.
    fn collect(&mut self, budget: usize) -> Vec<Record> {
        let mut records: Vec<Record> = std::mem::take(&mut self.pending);
        let mut size: usize = records.iter().map(estimate).sum();
        while size < budget {
            let Some(part) = self.parts.get(self.part) else {
                break;
            };
            match part {
                Part::Soa(serial) => {
                    let record = self.policy.soa_record(*serial);
                    size += estimate(&record);
                    records.push(record);
                    self.part += 1;
                }
                Part::Ns => {
                    for record in self.policy.ns_records() {
                        size += estimate(&record);
                        records.push(record);
                    }
                    self.part += 1;
                }
                Part::Rules {
                    policy_rules,
                    diff,
                    removed,
                } => {
                    let rules: &[Rule] = match (policy_rules, diff) {
                        (true, _) => self.policy.rules(),
                        (false, Some(diff)) if *removed => &diff.removed,
                        (false, Some(diff)) => &diff.added,
                        (false, None) => &[],
                    };
                    match rules.get(self.position) {
                        Some(rule) => {
                            let before = records.len();
                            self.policy.rule_records(rule, &mut records);
                            size += records[before..].iter().map(estimate).sum::<usize>();
                            self.position += 1;
                        }
                        None => {
                            self.part += 1;
                            self.position = 0;
                        }
                    }
                }
            }
        }
        records
    }
}

fn estimate(record: &Record) -> usize {
    // Owner (compression makes it shorter), fixed fields and RDATA.
    record.name().len() + 10 + 20
}

/// An SOA record's serial, for tests and clients.
pub fn soa_serial(record: &Record) -> Option<u32> {
    match record.data() {
        RData::SOA(soa) => Some(SOA::serial(soa)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::JournalLimits;
    use crate::policy::parse_name;
    use crate::tsig::{ResponseError, ResponseVerifier};

    const NOW: u64 = 1_800_000_000;

    fn zone() -> Name {
        parse_name("cautery.rpz").unwrap()
    }

    fn key() -> TsigKey {
        TsigKey::new(parse_name("xfr-key").unwrap(), b"0123456789abcdef".to_vec())
    }

    fn policy(serial: u32, names: &[String]) -> Policy {
        let nx = Arc::new(Action::Nxdomain);
        let rules = names
            .iter()
            .map(|name| Rule {
                name: name.as_str().into(),
                action: nx.clone(),
                subdomains: false,
                origin: None,
            })
            .collect();
        Policy::new(
            zone(),
            serial,
            SoaFields::default(),
            vec![zone()],
            60,
            rules,
        )
    }

    fn names(prefix: &str, count: usize) -> Vec<String> {
        (0..count).map(|i| format!("{prefix}{i}.example")).collect()
    }

    /// Names kept from serial 10 to 12 by [`zone_with_changes`]: more than
    /// the changes, so that the difference is the smaller answer.
    fn kept(changed: usize) -> usize {
        3 + 2 * changed
    }

    /// A zone at serial 12 whose journal holds 11 -> 12 only: serial 10 is
    /// older than the journal. 11 -> 12 removes `old0..` and adds `new0..`,
    /// `changed` names each.
    fn zone_with_changes(changed: usize) -> Authority {
        zone_with(kept(changed), changed, changed)
    }

    /// As [`zone_with_changes`], with `keep` names kept, `removed` removed
    /// and `added` added from 11 to 12.
    fn zone_with(keep: usize, removed: usize, added: usize) -> Authority {
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
            zones: vec![ServedZone {
                policy: Arc::new(at_12),
                journal: Arc::new(last),
            }],
            access: TransferAccess {
                allow: Prefix::parse("127.0.0.0/8").into_iter().collect(),
                keys: vec![key()],
                require_key: false,
            },
            sinkhole: SinkholeApex::default(),
        }
    }

    fn ixfr_request(serial: u32, edns: Option<u16>) -> Message {
        let mut message = Message::new();
        message.set_id(77);
        message.add_query(Query::query(zone(), RecordType::IXFR));
        let soa = SOA::new(Name::root(), Name::root(), serial, 0, 0, 0, 0);
        message.add_name_server(Record::from_rdata(zone(), 0, RData::SOA(soa)));
        if let Some(size) = edns {
            let mut opt = Edns::new();
            opt.set_max_payload(size);
            message.set_edns(opt);
        }
        message
    }

    fn client() -> SocketAddr {
        "127.0.0.1:5300".parse().unwrap()
    }

    /// The answer records of a reply, every message of a transfer included.
    fn answers(handled: Handled) -> (Vec<Record>, Vec<usize>) {
        let messages = match handled.reply {
            Reply::Message(bytes) => vec![bytes],
            Reply::Transfer(mut transfer) => {
                std::iter::from_fn(|| transfer.next_message()).collect()
            }
            Reply::None => Vec::new(),
        };
        let sizes = messages.iter().map(Vec::len).collect();
        let records = messages
            .iter()
            .flat_map(|m| Message::from_vec(m).unwrap().answers().to_vec())
            .collect();
        (records, sizes)
    }

    fn serials(records: &[Record]) -> Vec<u32> {
        records.iter().filter_map(soa_serial).collect()
    }

    fn ixfr(
        authority: &Authority,
        serial: u32,
        edns: Option<u16>,
        transport: Transport,
    ) -> (Vec<Record>, Vec<usize>) {
        let bytes = ixfr_request(serial, edns).to_vec().unwrap();
        answers(authority.handle(&bytes, client(), transport, NOW))
    }

    #[test]
    fn a_small_ixfr_over_udp_is_answered_with_the_difference_in_one_datagram() {
        let authority = zone_with_changes(2);
        let (records, sizes) = ixfr(&authority, 11, None, Transport::Udp);
        assert_eq!(sizes.len(), 1);
        assert!(sizes[0] <= 512, "{sizes:?}");
        assert_eq!(serials(&records), [12, 11, 12, 12], "RFC 1995 layout");
        let owners: Vec<String> = records
            .iter()
            .filter(|r| r.record_type() == RecordType::CNAME)
            .map(|r| r.name().to_ascii())
            .collect();
        assert_eq!(
            owners,
            [
                "old0.example.cautery.rpz.",
                "old1.example.cautery.rpz.",
                "new0.example.cautery.rpz.",
                "new1.example.cautery.rpz."
            ]
        );
        // The same over TCP.
        let (tcp, _) = ixfr(&authority, 11, None, Transport::Tcp);
        assert_eq!(tcp, records);
    }

    #[test]
    fn an_ixfr_over_udp_uses_the_edns_size_and_falls_back_to_the_soa_when_too_big() {
        // About 27 octets a record: 24 changes fit 1232 octets, not 512.
        let authority = zone_with_changes(12);
        let (records, sizes) = ixfr(&authority, 11, Some(1232), Transport::Udp);
        assert_eq!(serials(&records), [12, 11, 12, 12]);
        assert_eq!(records.len(), 4 + 24);
        assert!(sizes[0] > 512 && sizes[0] <= 1232, "{sizes:?}");
        for edns in [None, Some(512)] {
            let (records, sizes) = ixfr(&authority, 11, edns, Transport::Udp);
            assert_eq!(serials(&records), [12], "{edns:?}");
            assert_eq!(records.len(), 1);
            assert!(sizes[0] <= 512);
        }
        let big = zone_with_changes(500);
        let (records, sizes) = ixfr(&big, 11, Some(4096), Transport::Udp);
        assert_eq!(serials(&records), [12]);
        assert!(sizes[0] <= usize::from(MAX_UDP_PAYLOAD));
        let (records, _) = ixfr(&big, 11, Some(4096), Transport::Tcp);
        assert_eq!(records.len(), 4 + 1000);
    }

    #[test]
    fn an_ixfr_from_before_the_journal_is_answered_axfr_style() {
        let authority = zone_with_changes(2);
        for transport in [Transport::Tcp, Transport::Udp] {
            let (records, _) = ixfr(&authority, 10, Some(1232), transport);
            assert_eq!(serials(&records), [12, 12], "{transport:?}");
            // SOA, NS, the rules of serial 12, SOA.
            assert_eq!(records.len(), 1 + 1 + kept(2) + 2 + 1, "{transport:?}");
        }
        // Over UDP a whole zone that does not fit gets the SOA alone.
        let (records, _) = ixfr(&zone_with_changes(500), 10, Some(1232), Transport::Udp);
        assert_eq!(serials(&records), [12]);
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn an_ixfr_whose_difference_outweighs_the_zone_is_answered_axfr_style() {
        // 11 -> 12 removes 40 names and adds 6 to 3 kept: 46 changes
        // against a zone of 9 rules.
        let authority = zone_with(3, 40, 6);
        let (records, _) = ixfr(&authority, 11, None, Transport::Tcp);
        assert_eq!(serials(&records), [12, 12]);
        assert_eq!(records.len(), 1 + 1 + 9 + 1);
        // As many changes as rules: still the difference.
        let authority = zone_with(3, 3, 3);
        let (records, _) = ixfr(&authority, 11, None, Transport::Tcp);
        assert_eq!(serials(&records), [12, 11, 12, 12]);
        assert_eq!(records.len(), 4 + 6);
    }

    #[test]
    fn an_ixfr_at_the_current_serial_or_a_newer_one_gets_the_current_soa_alone() {
        let authority = zone_with_changes(2);
        // 13 is after 12; 12 + 2^31 - 1 is too, by RFC 1982 arithmetic.
        for serial in [12, 13, 12 + 0x7FFF_FFFF] {
            for transport in [Transport::Tcp, Transport::Udp] {
                let (records, sizes) = ixfr(&authority, serial, None, transport);
                assert_eq!(serials(&records), [12], "{serial} {transport:?}");
                assert_eq!(records.len(), 1);
                assert_eq!(sizes.len(), 1);
            }
        }
    }

    #[test]
    fn a_signed_ixfr_over_udp_is_signed_whether_it_fits_or_not() {
        for (changed, expected) in [(2, vec![12, 11, 12, 12]), (500, vec![12])] {
            let authority = zone_with_changes(changed);
            let mut bytes = ixfr_request(11, Some(1232)).to_vec().unwrap();
            let mac = tsig::sign_request(&mut bytes, &key(), NOW);
            let Reply::Message(out) = authority
                .handle(&bytes, client(), Transport::Udp, NOW)
                .reply
            else {
                panic!("not one message");
            };
            assert!(out.len() <= 1232);
            ResponseVerifier::new(key(), mac).verify(&out, NOW).unwrap();
            let records = Message::from_vec(&out).unwrap().answers().to_vec();
            assert_eq!(serials(&records), expected);
        }
    }

    #[test]
    fn every_message_of_a_signed_multi_message_transfer_verifies_in_order() {
        let authority = zone_with_changes(1500);
        for (record_type, serial) in [(RecordType::AXFR, 0), (RecordType::IXFR, 11)] {
            let mut request = ixfr_request(serial, None);
            request.take_queries();
            request.add_query(Query::query(zone(), record_type));
            if record_type == RecordType::AXFR {
                request.take_name_servers();
            }
            let mut bytes = request.to_vec().unwrap();
            let mac = tsig::sign_request(&mut bytes, &key(), NOW);
            let Reply::Transfer(mut transfer) = authority
                .handle(&bytes, client(), Transport::Tcp, NOW)
                .reply
            else {
                panic!("not a transfer");
            };
            let mut verifier = ResponseVerifier::new(key(), mac);
            let mut messages = 0;
            while let Some(message) = transfer.next_message() {
                verifier.verify(&message, NOW).unwrap();
                messages += 1;
            }
            assert!(messages >= 3, "{record_type}: {messages} messages");
        }
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

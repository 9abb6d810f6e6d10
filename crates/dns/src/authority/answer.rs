//! Answers for names inside a policy zone (the apex SOA and NS, and the
//! RPZ records of draft-vixie-dnsop-dns-rpz below it), and the encoding of every response: the response header, the UDP size limit
//! (EDNS0, RFC 6891: at most 1232 octets, else 512) with TC set when an
//! answer does not fit, and TSIG signing (RFC 8945) of single messages.

use hickory_proto::op::{Edns, Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsCode;
use hickory_proto::rr::{Name, Record, RecordType};

use super::{Handled, Outcome, QueryKind, Reply, Transport, MAX_UDP_PAYLOAD};
use crate::records::{rule_records, Policy, PolicyRecords};
use crate::tsig::Signer;

/// Fills `response` with the answer for `qname` inside a policy zone.
pub(super) fn zone_answer(
    policy: &Policy,
    zone: &Name,
    qname: &Name,
    qtype: RecordType,
    response: &mut Message,
) -> Outcome {
    let mut records = Vec::new();
    if qname == zone {
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
    let zone_text = zone.to_ascii();
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
    rule_records(zone, policy.ttl, rule, &mut all);
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

pub(super) fn formerr_from_header(bytes: &[u8]) -> Handled {
    let mut out = bytes[..12].to_vec();
    // QR=1, keep opcode and RD; RCODE=FORMERR; no sections.
    out[2] = 0x80 | (bytes[2] & 0x79);
    out[3] = 0x01;
    out[4..12].fill(0);
    Handled::new(Reply::Message(out), QueryKind::Other, Outcome::Formerr)
}

pub(super) fn response_to(request: &Message) -> Message {
    let mut response = Message::new();
    response.set_id(request.id());
    response.set_message_type(MessageType::Response);
    response.set_op_code(request.op_code());
    response.set_recursion_desired(request.recursion_desired());
    response.add_queries(request.queries().iter().cloned());
    if let Some(asked) = request.extensions() {
        let mut edns = Edns::new();
        edns.set_max_payload(MAX_UDP_PAYLOAD);
        // RFC 3225 §3: the DO bit is copied into the response.
        edns.set_dnssec_ok(asked.flags().dnssec_ok);
        // The answer's cookie, which `Authority::handle` put in place of
        // the request's.
        if let Some(cookie) = asked.option(EdnsCode::Cookie) {
            edns.options_mut().insert(cookie.clone());
        }
        response.set_edns(edns);
    }
    response
}

pub(super) fn udp_limit(request: &Message, transport: Transport) -> Option<usize> {
    match transport {
        Transport::Tcp => None,
        Transport::Udp => Some(match request.extensions() {
            Some(edns) => usize::from(edns.max_payload().clamp(512, MAX_UDP_PAYLOAD)),
            None => 512,
        }),
    }
}

/// Encodes a response; over `limit` bytes it is sent empty with TC set.
pub(super) fn encode(response: &Message, limit: Option<usize>) -> Vec<u8> {
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

pub(super) fn encode_signed(
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

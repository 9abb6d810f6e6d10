//! Sinkhole answers: names whose rule has a sinkhole action, and their
//! subdomains when the rule covers them, answered authoritatively with the
//! sinkhole addresses and a synthesized SOA and NS at the rule's name; the
//! query-log record of such a hit ([`SinkholeHit`]).

use std::sync::Arc;

use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, NS};
use hickory_proto::rr::{Name, RData, Record, RecordType};

use super::answer::{encode, response_to, udp_limit};
use super::edns::{add_option, EXTENDED_ERROR, NOT_AUTHORITATIVE};
use super::{Authority, Handled, Outcome, QueryKind, Reply, Transport};
use crate::records::{parse_name, soa_record, Action, Provenance, Rule, Soa};

/// Apex data of sinkhole answers.
#[derive(Debug, Clone)]
pub struct SinkholeApex {
    /// SOA fields of every sinkholed name.
    pub soa: Soa,
    /// Name servers of every sinkholed name.
    pub ns: Vec<Name>,
    /// TTL of sinkhole answers.
    pub ttl: u32,
}

impl Default for SinkholeApex {
    fn default() -> Self {
        SinkholeApex {
            soa: Soa::default(),
            ns: vec![Name::from_ascii("localhost.").unwrap_or_else(|_| Name::root())],
            ttl: 300,
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
    pub provenance: Option<Arc<Provenance>>,
}

impl Authority {
    pub(super) fn sinkhole(
        &self,
        request: &Message,
        query: &Query,
        transport: Transport,
    ) -> Handled {
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
            // Not authoritative: REFUSED, with the Extended DNS Error that
            // says so when the client speaks EDNS (RFC 8914 §4.21, as NSD).
            let mut response = response_to(request);
            response.set_response_code(ResponseCode::Refused);
            add_option(
                &mut response,
                EXTENDED_ERROR,
                NOT_AUTHORITATIVE.to_be_bytes().to_vec(),
            );
            let out = encode(&response, udp_limit(request, transport));
            return Handled::new(Reply::Message(out), kind, Outcome::Refused);
        };
        let serial = self.zones.first().map(|z| z.policy.serial).unwrap_or(1);
        // The apex records are built only when the answer needs them: the
        // common A query for a sinkholed name does not. At the rule's own
        // name the apex is the name as asked (its case kept, as NSD's
        // compression to the question keeps it).
        let apex = || {
            if exact {
                query.name().clone()
            } else {
                parse_name(&rule.name).unwrap_or_else(|_| Name::root())
            }
        };
        // RFC 2308 §3: the SOA of a negative answer lives no longer than
        // its minimum field.
        let negative_ttl = self.sinkhole.ttl.min(self.sinkhole.soa.minimum);
        let soa = || soa_record(&apex(), &self.sinkhole.soa, serial, negative_ttl);
        let answer_soa = || soa_record(&apex(), &self.sinkhole.soa, serial, self.sinkhole.ttl);
        let mut response = response_to(request);
        response.set_authoritative(true);
        let outcome = if !exact && !rule.subdomains {
            response.set_response_code(ResponseCode::NXDomain);
            response.add_name_server(soa());
            Outcome::Nxdomain
        } else {
            let answers = sinkhole_answers(rule, query, exact, &self.sinkhole, &answer_soa);
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
            provenance: rule.provenance.clone(),
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
            .map(|ns| Record::from_rdata(owner.clone(), ttl, RData::NS(NS(ns.clone()))))
            .collect(),
        _ => Vec::new(),
    }
}

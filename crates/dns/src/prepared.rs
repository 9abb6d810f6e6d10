//! The fast path for the common sinkhole query: one plain question of type
//! A or AAAA, class IN, for a sinkholed name, with no other records except
//! an EDNS0 OPT record without options (what resolvers send). Its answer is assembled straight from the request's bytes: the
//! header with ID and RD kept, the question copied as it came (case
//! preserved, as the full path does), then one record per sinkhole address
//! whose owner is a compression pointer to the question, then the server's
//! own OPT record when the query had one.
//!
//! Only the header and the question are read, with bounds checks on every
//! octet; anything unusual returns `None` so that the caller takes the full
//! message path ([`Authority::handle`]): other opcodes or sections, EDNS
//! options, versions other than 0 or flags other than DO, compression
//! pointers or unusual characters in the question name,
//! trailing octets, names inside a policy zone, NXDOMAIN and NODATA answers,
//! answers over 512 octets. The unit tests and the `sinkhole_fast_path`
//! fuzz target check that whenever this path answers, its bytes are those
//! of the full path.
//!
//! Nothing is allocated per query apart from the caller's output buffer,
//! which is reused.

use crate::authority::{Authority, QueryKind, SinkholeHit, MAX_UDP_PAYLOAD};
use crate::records::{Action, Rule};
use hickory_proto::rr::RecordType;

/// Largest UDP response without EDNS (RFC 1035 §4.2.1).
const PLAIN_UDP_LIMIT: usize = 512;
/// Longest name in presentation form without the trailing dot.
const MAX_TEXT: usize = 253;
/// An OPT record without options: root owner, type, class (the payload
/// size), TTL (extended RCODE, version, flags) and an empty RDATA.
const OPT_LENGTH: usize = 11;

/// A query answered by the fast path.
#[derive(Debug)]
pub struct FastAnswer<'a> {
    /// The rule that covered the name.
    pub rule: &'a Rule,
    /// The query type (A or AAAA).
    pub record_type: RecordType,
    name: [u8; MAX_TEXT],
    name_length: usize,
}

impl FastAnswer<'_> {
    /// Query kind, for metrics.
    pub fn kind(&self) -> QueryKind {
        if self.record_type == RecordType::AAAA {
            QueryKind::Aaaa
        } else {
            QueryKind::A
        }
    }

    /// The name asked, lower case, without trailing dot.
    pub fn name(&self) -> &str {
        // Only octets of the host-name alphabet are ever stored.
        std::str::from_utf8(&self.name[..self.name_length]).unwrap_or("")
    }

    /// The query-log record of this query (allocates; call it only when
    /// the log is on).
    pub fn hit(&self) -> SinkholeHit {
        SinkholeHit {
            name: self.name().to_string(),
            record_type: self.record_type,
            provenance: self.rule.provenance.clone(),
        }
    }
}

/// Octets a question name may hold on the fast path: those that
/// `Name::to_ascii` prints unescaped, so that the lower-cased text is what
/// the full path looks up.
fn plain_octet(octet: u8) -> bool {
    octet.is_ascii_alphanumeric() || octet == b'-' || octet == b'_'
}

/// Answers `request` into `out` when it is a plain sinkhole query; returns
/// `None` (and leaves `out` in an unspecified state) when the full path must
/// answer it.
pub fn answer<'a>(
    authority: &'a Authority,
    request: &[u8],
    out: &mut Vec<u8>,
) -> Option<FastAnswer<'a>> {
    let header = request.get(..12)?;
    // QR=0, opcode QUERY, TC=0 (AA and RD are free); RCODE 0.
    if header[2] & 0xFA != 0 || header[3] & 0x0F != 0 {
        return None;
    }
    // One question, no answers or authority, at most one additional record
    // (which must be a plain OPT, checked below).
    if header[4..10] != [0, 1, 0, 0, 0, 0] {
        return None;
    }
    let edns = match header[10..12] {
        [0, 0] => false,
        [0, 1] => true,
        _ => return None,
    };
    let mut name = [0u8; MAX_TEXT];
    let mut name_length = 0;
    let mut at = 12;
    loop {
        let length = usize::from(*request.get(at)?);
        if length == 0 {
            at += 1;
            break;
        }
        // Pointers and extended label types go to the full path.
        if length > 63 {
            return None;
        }
        let label = request.get(at + 1..at + 1 + length)?;
        let separator = usize::from(name_length > 0);
        if name_length + separator + length > MAX_TEXT {
            return None;
        }
        if separator == 1 {
            name[name_length] = b'.';
            name_length += 1;
        }
        for &octet in label {
            if !plain_octet(octet) {
                return None;
            }
            name[name_length] = octet.to_ascii_lowercase();
            name_length += 1;
        }
        at += 1 + length;
    }
    if name_length == 0 {
        return None;
    }
    let question_end = at + 4;
    let fixed = request.get(at..question_end)?;
    if request.len() != question_end + if edns { OPT_LENGTH } else { 0 } {
        return None;
    }
    if edns {
        let opt = request.get(question_end..)?;
        // Root owner, type OPT (41), any payload size, extended RCODE 0,
        // version 0, no flag but DO, no options.
        if opt[0] != 0
            || opt[1..3] != [0, 41]
            || opt[5..7] != [0, 0]
            || opt[7] & 0x7F != 0
            || opt[8..11] != [0, 0, 0]
        {
            return None;
        }
    }
    let record_type = match [fixed[0], fixed[1]] {
        [0, 1] => RecordType::A,
        [0, 28] => RecordType::AAAA,
        _ => return None,
    };
    if fixed[2..4] != [0, 1] {
        return None;
    }
    let text = std::str::from_utf8(&name[..name_length]).ok()?;
    if authority
        .zones
        .iter()
        .any(|zone| zone.policy.zone.contains_text(text))
    {
        return None;
    }
    let (rule, exact) = authority.zones.iter().find_map(|zone| {
        zone.policy
            .covering_rule(text)
            .filter(|(rule, _)| rule.action.is_sinkhole())
    })?;
    if !exact && !rule.subdomains {
        return None;
    }
    let Action::Sinkhole { v4, v6 } = &*rule.action else {
        return None;
    };
    let (count, rdata_length) = match record_type {
        RecordType::A => (v4.len(), 4),
        _ => (v6.len(), 16),
    };
    let opt_length = if edns { OPT_LENGTH } else { 0 };
    if count == 0 || question_end + count * (12 + rdata_length) + opt_length > PLAIN_UDP_LIMIT {
        return None;
    }
    let count = u16::try_from(count).ok()?;
    out.clear();
    out.extend_from_slice(&request[..2]);
    // QR, AA, and the client's RD; RA, AD, CD and RCODE clear.
    out.push(0x84 | (request[2] & 0x01));
    out.push(0);
    out.extend_from_slice(&[0, 1]);
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, u8::from(edns)]);
    out.extend_from_slice(&request[12..question_end]);
    let ttl = authority.sinkhole.ttl.to_be_bytes();
    let mut record = |rtype: u16, rdata: &[u8]| {
        out.extend_from_slice(&[0xC0, 12]);
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&[0, 1]);
        out.extend_from_slice(&ttl);
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    };
    if record_type == RecordType::A {
        for address in v4 {
            record(1, &address.octets());
        }
    } else {
        for address in v6 {
            record(28, &address.octets());
        }
    }
    if edns {
        // The full path's OPT: our payload size, version 0, the DO bit
        // copied (RFC 3225 §3).
        let dnssec_ok = request[question_end + 7] & 0x80;
        out.push(0);
        out.extend_from_slice(&[0, 41]);
        out.extend_from_slice(&MAX_UDP_PAYLOAD.to_be_bytes());
        out.extend_from_slice(&[0, 0, dnssec_ok, 0, 0, 0]);
    }
    Some(FastAnswer {
        rule,
        record_type,
        name,
        name_length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authority::{Reply, ServedZone, SinkholeApex, Transport};
    use crate::journal::{Journal, JournalLimits};
    use crate::records::{Policy, Soa};
    use hickory_proto::op::{Edns, Message, Query};
    use hickory_proto::rr::Name;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::sync::Arc;

    fn rule(name: &str, action: &Arc<Action>, subdomains: bool) -> Rule {
        Rule {
            name: cautery_policy::DomainName::new(name).unwrap(),
            action: action.clone(),
            subdomains,
            provenance: None,
        }
    }

    fn zone(name: &str, rules: Vec<Rule>) -> ServedZone {
        let zone = cautery_policy::DomainName::new(name).unwrap();
        ServedZone::new(
            Arc::new(Policy::new(
                zone.clone(),
                7,
                Soa::default(),
                vec![zone],
                60,
                rules,
            )),
            Arc::new(Journal::new(JournalLimits::default())),
        )
    }

    fn authority() -> Authority {
        let two = Arc::new(Action::Sinkhole {
            v4: vec![Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)],
            v6: vec![Ipv6Addr::LOCALHOST],
        });
        let v4_only = Arc::new(Action::Sinkhole {
            v4: vec![Ipv4Addr::new(198, 51, 100, 9)],
            v6: vec![],
        });
        let many = Arc::new(Action::Sinkhole {
            v4: (0..25).map(|i| Ipv4Addr::new(10, 0, 0, i)).collect(),
            v6: vec![],
        });
        let nx = Arc::new(Action::Nxdomain);
        Authority {
            zones: vec![
                zone(
                    "cautery.rpz",
                    vec![
                        rule("evil.com", &two, false),
                        rule("sub.evil.com", &nx, false),
                        rule("wide.net", &v4_only, true),
                        rule("blocked.org", &nx, true),
                        rule("many.biz", &many, false),
                        rule("rpz", &two, false),
                    ],
                ),
                zone("second.rpz", vec![rule("blocked.org", &two, false)]),
            ],
            sinkhole: SinkholeApex {
                ttl: 1234,
                ..SinkholeApex::default()
            },
            ..Authority::default()
        }
    }

    fn query(name: &str, record_type: RecordType) -> Vec<u8> {
        let mut message = Message::new();
        message.set_id(0xBEEF);
        message.set_recursion_desired(true);
        message.add_query(Query::query(Name::from_ascii(name).unwrap(), record_type));
        message.to_vec().unwrap()
    }

    /// `query` with an EDNS0 OPT record of `size` (DO set when `dnssec_ok`).
    fn edns_query(name: &str, record_type: RecordType, size: u16, dnssec_ok: bool) -> Vec<u8> {
        let mut message = Message::from_vec(&query(name, record_type)).unwrap();
        let mut edns = Edns::new();
        edns.set_max_payload(size);
        edns.set_dnssec_ok(dnssec_ok);
        message.set_edns(edns);
        message.to_vec().unwrap()
    }

    fn full_path(authority: &Authority, request: &[u8]) -> Option<Vec<u8>> {
        let client = "127.0.0.1:5300".parse().unwrap();
        match authority.handle(request, client, Transport::Udp, 0).reply {
            Reply::Message(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Asserts that the fast path answers `request` exactly as the full
    /// path does, and returns the answer.
    fn same_as_full_path(authority: &Authority, request: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let fast = answer(authority, request, &mut out);
        assert!(fast.is_some(), "fast path declined {request:02x?}");
        assert_eq!(Some(out.clone()), full_path(authority, request));
        out
    }

    #[test]
    fn answers_equal_the_full_path() {
        let authority = authority();
        for (name, record_type, answers) in [
            ("evil.com.", RecordType::A, 2),
            ("evil.com.", RecordType::AAAA, 1),
            ("wide.net.", RecordType::A, 1),
            ("deep.down.wide.net.", RecordType::A, 1),
            ("many.biz.", RecordType::A, 25),
            // A name in the second zone: the first zone's rule for it is
            // not a sinkhole, so the second zone's rule answers.
            ("blocked.org.", RecordType::A, 2),
        ] {
            let out = same_as_full_path(&authority, &query(name, record_type));
            let parsed = Message::from_vec(&out).unwrap();
            assert_eq!(parsed.answers().len(), answers, "{name}");
            assert!(parsed.authoritative());
            assert_eq!(parsed.id(), 0xBEEF);
            assert!(parsed.answers().iter().all(|r| r.ttl() == 1234));
        }
    }

    #[test]
    fn edns_queries_get_the_full_paths_answer_with_its_opt_record() {
        let authority = authority();
        for (size, dnssec_ok) in [(512, false), (1232, true), (4096, false), (100, true)] {
            for (name, record_type) in [
                ("evil.com.", RecordType::A),
                ("EVIL.com.", RecordType::AAAA),
                ("deep.wide.net.", RecordType::A),
                ("many.biz.", RecordType::A),
            ] {
                let request = edns_query(name, record_type, size, dnssec_ok);
                let out = same_as_full_path(&authority, &request);
                let parsed = Message::from_vec(&out).unwrap();
                let edns = parsed.extensions().as_ref().expect("an OPT record");
                assert_eq!(edns.max_payload(), MAX_UDP_PAYLOAD);
                assert_eq!(edns.flags().dnssec_ok, dnssec_ok, "DO copied");
            }
        }
    }

    #[test]
    fn names_are_matched_without_regard_to_case_and_echoed_as_asked() {
        let authority = authority();
        let out = same_as_full_path(&authority, &query("EvIl.CoM.", RecordType::A));
        let parsed = Message::from_vec(&out).unwrap();
        assert_eq!(parsed.queries()[0].name().to_ascii(), "EvIl.CoM.");
        let mut out = Vec::new();
        let fast = answer(
            &authority,
            &query("DEEP.Wide.NET.", RecordType::A),
            &mut out,
        )
        .unwrap();
        assert_eq!(fast.name(), "deep.wide.net");
        assert_eq!(fast.kind(), QueryKind::A);
    }

    #[test]
    fn unusual_queries_go_to_the_full_path() {
        let authority = authority();
        let mut out = Vec::new();
        let declined = |request: &[u8]| answer(&authority, request, &mut Vec::new()).is_none();
        // Not sinkholed, NXDOMAIN, NODATA, no subdomains, other types.
        assert!(declined(&query("good.com.", RecordType::A)));
        assert!(declined(&query("sub.evil.com.", RecordType::A)));
        assert!(declined(&query("x.evil.com.", RecordType::A)));
        assert!(declined(&query("wide.net.", RecordType::AAAA)));
        assert!(declined(&query("evil.com.", RecordType::MX)));
        assert!(declined(&query("evil.com.", RecordType::ANY)));
        // Inside a policy zone, the zone apex, the root, a rule named like
        // the zone's parent label (answered by the full path too).
        assert!(declined(&query("evil.com.cautery.rpz.", RecordType::A)));
        assert!(declined(&query("cautery.rpz.", RecordType::A)));
        assert!(declined(&query("CAUTERY.RPZ.", RecordType::A)));
        assert!(declined(&query(".", RecordType::A)));
        assert!(same_as_full_path(&authority, &query("rpz.", RecordType::A)).len() > 12);
        // Over 512 octets with 25 addresses and a long name.
        let long = format!("{}.many.biz.", vec!["a".repeat(63); 3].join("."));
        let mut many = authority.clone();
        let Some(zone) = many.zones.first_mut() else {
            unreachable!()
        };
        let mut rules = zone.policy.rules().to_vec();
        rules.iter_mut().for_each(|r| r.subdomains = true);
        zone.policy = Arc::new(Policy::new(
            zone.policy.zone.clone(),
            7,
            Soa::default(),
            zone.policy.ns.clone(),
            60,
            rules,
        ));
        assert!(answer(&many, &query(&long, RecordType::A), &mut out).is_none());
        assert!(answer(&many, &query("x.many.biz.", RecordType::A), &mut out).is_some());
        // EDNS with an option, another version, an unknown flag, or an OPT
        // that is not the last octets.
        let edns = edns_query("evil.com.", RecordType::A, 1232, false);
        let opt = edns.len() - OPT_LENGTH;
        for (at, value) in [(6, 1u8), (5, 1), (8, 1), (7, 0x40), (10, 4), (0, 1)] {
            let mut changed = edns.clone();
            changed[opt + at] = value;
            assert!(declined(&changed), "OPT octet {at} = {value}");
        }
        let mut two = edns.clone();
        two[11] = 2;
        assert!(declined(&two));
        let mut trailing = edns.clone();
        trailing.push(0);
        assert!(declined(&trailing));
        // A response, another opcode, truncated flag, a second section.
        let plain = query("evil.com.", RecordType::A);
        for (at, value) in [(2, 0x80), (2, 0x28), (2, 0x02), (3, 0x01), (7, 1), (11, 1)] {
            let mut changed = plain.clone();
            changed[at] |= value;
            assert!(declined(&changed), "octet {at} |= {value:#x}");
        }
        // Class CH, trailing octets.
        let mut chaos = plain.clone();
        let last = chaos.len() - 1;
        chaos[last] = 3;
        assert!(declined(&chaos));
        let mut trailing = plain.clone();
        trailing.push(0);
        assert!(declined(&trailing));
        // An escaped character in the name.
        let mut dotted = plain.clone();
        dotted[13] = b'.';
        assert!(declined(&dotted));
    }

    #[test]
    fn the_compliance_corpus_is_declined_or_answered_as_the_full_path_answers() {
        // Flags, classes, EDNS versions, DO, options: the fast path answers
        // only what it can answer exactly as the full path does.
        let authority = authority();
        let plain = query("evil.com.", RecordType::A);
        let mut answered = 0;
        for (high, low) in [
            (0x01u8, 0u8),
            (0x05, 0),
            (0x03, 0),
            (0x01, 0x80),
            (0x01, 0x10),
            (0x01, 0x01),
            (0x09, 0),
        ] {
            for class in [1u8, 3, 4, 254, 255] {
                for opt in [
                    None,
                    Some((0u8, 0x00u8, &[][..])),
                    Some((0, 0x80, &[][..])),
                    Some((1, 0x00, &[][..])),
                    Some((255, 0x80, &[][..])),
                    Some((0, 0x00, &[0u8, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8][..])),
                    Some((0, 0x00, &[0u8, 3, 0, 0][..])),
                ] {
                    let mut request = plain.clone();
                    request[2] = high;
                    request[3] = low;
                    let last = request.len() - 1;
                    request[last] = class;
                    if let Some((version, flags, options)) = opt {
                        request[11] = 1;
                        request.extend_from_slice(&[0, 0, 41, 4, 0, 0, version, flags, 0]);
                        request.extend_from_slice(&(options.len() as u16).to_be_bytes());
                        request.extend_from_slice(options);
                    }
                    let mut out = Vec::new();
                    if answer(&authority, &request, &mut out).is_some() {
                        answered += 1;
                        assert_eq!(Some(out), full_path(&authority, &request), "{request:02x?}");
                        assert_eq!(class, 1);
                        assert!(
                            opt.is_none_or(
                                |(version, _, options)| version == 0 && options.is_empty()
                            )
                        );
                    }
                }
            }
        }
        // Headers with RD, AA, RA or CD asked (the answer's flags are the
        // server's own), each without OPT, with OPT, with OPT and DO.
        assert_eq!(answered, 4 * 3);
    }

    #[test]
    fn truncated_and_malformed_questions_are_declined_without_panic() {
        let authority = authority();
        let plain = query("deep.down.wide.net.", RecordType::A);
        let mut out = Vec::new();
        for length in 0..plain.len() {
            assert!(answer(&authority, &plain[..length], &mut out).is_none());
        }
        // A label that runs past the end, a pointer, a 64-octet label.
        for (at, value) in [(12, 60u8), (12, 0xC0), (12, 0x40)] {
            let mut bad = plain.clone();
            bad[at] = value;
            assert!(answer(&authority, &bad, &mut out).is_none());
        }
        // A name over 253 characters made of plain labels.
        let mut long = plain[..12].to_vec();
        for _ in 0..5 {
            long.push(63);
            long.extend_from_slice(&[b'a'; 63]);
        }
        long.extend_from_slice(&[0, 0, 1, 0, 1]);
        assert!(answer(&authority, &long, &mut out).is_none());
    }

    #[test]
    fn random_queries_agree_with_the_full_path() {
        // A small deterministic generator: names built from the rules'
        // labels and a few others, in mixed case, with both types.
        let authority = authority();
        let labels = [
            "evil", "com", "wide", "net", "deep", "rpz", "cautery", "many", "biz", "x",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut answered = 0;
        for _ in 0..20_000 {
            let count = 1 + next() % 4;
            let mut name = String::new();
            for _ in 0..count {
                let label = labels[(next() % labels.len() as u64) as usize];
                let upper = next() % 3 == 0;
                if upper {
                    name.push_str(&label.to_ascii_uppercase());
                } else {
                    name.push_str(label);
                }
                name.push('.');
            }
            let record_type = if next() % 2 == 0 {
                RecordType::A
            } else {
                RecordType::AAAA
            };
            let request = if next() % 2 == 0 {
                query(&name, record_type)
            } else {
                edns_query(
                    &name,
                    record_type,
                    512 + (next() % 4096) as u16,
                    next() % 2 == 0,
                )
            };
            let mut out = Vec::new();
            if answer(&authority, &request, &mut out).is_some() {
                answered += 1;
                assert_eq!(Some(out), full_path(&authority, &request), "{name}");
            }
        }
        assert!(answered > 100, "only {answered} answered on the fast path");
    }
}

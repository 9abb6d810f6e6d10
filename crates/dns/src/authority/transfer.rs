//! Zone transfers of policy zones: AXFR (RFC 5936) and IXFR (RFC 1995),
//! streamed one message at a time, each message TSIG-signed (RFC 8945)
//! when the request was; serial arithmetic (RFC 1982).
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

use std::sync::Arc;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{Name, RData, Record};

use super::answer::{encode_signed, response_to, udp_limit};
use super::{Authority, Handled, Outcome, QueryKind, Reply, ServedZone, Transport};
use crate::records::{rule_records, Policy, PolicyDiff, PolicyRecords, Rule};
use crate::tsig::Signer;
use cautery_policy::serial;

/// Target size of one transfer message; records never straddle messages.
const TRANSFER_CHUNK: usize = 16_000;

impl Authority {
    pub(super) fn ixfr(
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
            client_serial == policy.serial || serial::is_after(client_serial, policy.serial);
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
        let diffs = zone
            .journal
            .since(client_serial)
            .map(|diffs| {
                if self.condense_ixfr && diffs.len() > 1 {
                    vec![Arc::new(condense(&diffs))]
                } else {
                    diffs
                }
            })
            .filter(|diffs| {
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
                    handled.transferred = Some(super::transferred(policy));
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
        handled.transferred = Some(super::transferred(policy));
        handled
    }
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
    /// The zone's name in wire form, made once per transfer.
    zone: Name,
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
            zone: policy.zone_name(),
            policy,
            parts: Vec::new(),
            part: 0,
            position: 0,
            signer,
            now,
            pending: Vec::new(),
        }
    }

    pub(super) fn axfr(
        request: &Message,
        policy: Arc<Policy>,
        signer: Option<Signer>,
        now: u64,
    ) -> Transfer {
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
                            rule_records(&self.zone, self.policy.ttl, rule, &mut records);
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

/// The differences `diffs` (consecutive, oldest first) as one: the rules
/// the first removed from the client's version that the last does not
/// hold, and the rules of the last version the first did not hold (RFC
/// 1995 §5, condensation). A rule removed and added back unchanged is in
/// neither; names come out sorted, as the journal's differences are.
fn condense(diffs: &[Arc<PolicyDiff>]) -> PolicyDiff {
    use std::collections::BTreeMap;
    // Per name: the rule the client holds (if a difference removed it)
    // and the rule the newest version holds (if one added it).
    let mut names: BTreeMap<&cautery_policy::DomainName, (Option<&Rule>, Option<&Rule>)> =
        BTreeMap::new();
    for diff in diffs {
        for rule in &diff.removed {
            let entry = names.entry(&rule.name).or_default();
            match entry.1 {
                // Added by an earlier difference: that addition is undone.
                Some(_) => entry.1 = None,
                None => entry.0 = Some(rule),
            }
        }
        for rule in &diff.added {
            names.entry(&rule.name).or_default().1 = Some(rule);
        }
    }
    let mut condensed = PolicyDiff {
        from_serial: diffs.first().map_or(0, |d| d.from_serial),
        to_serial: diffs.last().map_or(0, |d| d.to_serial),
        ..PolicyDiff::default()
    };
    for (old, new) in names.into_values() {
        if old.is_some() && old == new {
            continue;
        }
        condensed.removed.extend(old.cloned());
        condensed.added.extend(new.cloned());
    }
    condensed
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
    use crate::authority::tests::{client, kept, key, zone, zone_with, zone_with_changes, NOW};
    use crate::authority::MAX_UDP_PAYLOAD;
    use crate::tsig::{self, ResponseVerifier};
    use hickory_proto::op::{Edns, Query};
    use hickory_proto::rr::{Name, RecordType};

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

    /// Serials 10 to 13 in the journal: 10 -> 11 removes a, adds d; 11 ->
    /// 12 adds a back and e, removes b; 12 -> 13 removes e, adds f.
    fn three_changes(condense: bool) -> Authority {
        // Eight names kept throughout, so that the three changes (seven
        // rules) weigh less than the zone and IXFR answers them.
        let set = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("{n}.example"))
                .chain((0..8).map(|i| format!("k{i}.example")))
                .collect::<Vec<_>>()
        };
        let versions = [
            crate::authority::tests::policy(10, &set(&["a", "b", "c"])),
            crate::authority::tests::policy(11, &set(&["b", "c", "d"])),
            crate::authority::tests::policy(12, &set(&["a", "c", "d", "e"])),
            crate::authority::tests::policy(13, &set(&["a", "c", "d", "f"])),
        ];
        let mut journal = crate::journal::Journal::new(crate::journal::JournalLimits::default());
        for pair in versions.windows(2) {
            journal.push(PolicyDiff::between(&pair[0], &pair[1]));
        }
        let mut authority = zone_with_changes(1);
        authority.zones = vec![ServedZone::new(
            Arc::new(versions[3].clone()),
            Arc::new(journal),
        )];
        authority.condense_ixfr = condense;
        authority
    }

    fn owners(records: &[Record]) -> Vec<String> {
        records
            .iter()
            .filter(|r| r.record_type() == RecordType::CNAME)
            .map(|r| {
                r.name()
                    .to_ascii()
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_condensed_ixfr_is_the_net_change_in_one_difference_when_asked() {
        let bytes = ixfr_request(10, None).to_vec().unwrap();
        let handled = three_changes(true).handle(&bytes, client(), Transport::Tcp, NOW);
        let (records, _) = answers(handled);
        assert_eq!(serials(&records), [13, 10, 13, 13]);
        // Between the SOAs of 10 and 13: b removed; then d and f added. The
        // a removed and added back unchanged, the e added and removed, are
        // left out.
        let soas: Vec<usize> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.record_type() == RecordType::SOA)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(owners(&records[soas[1]..soas[2]]), ["b"]);
        assert_eq!(owners(&records[soas[2]..soas[3]]), ["d", "f"]);
        // Unasked, one difference per change.
        let handled = three_changes(false).handle(&bytes, client(), Transport::Tcp, NOW);
        let (records, _) = answers(handled);
        assert_eq!(serials(&records), [13, 10, 11, 11, 12, 12, 13, 13]);
        // From 12 there is one change only: the same either way.
        let from_12 = ixfr_request(12, None).to_vec().unwrap();
        let condensed =
            answers(three_changes(true).handle(&from_12, client(), Transport::Tcp, NOW));
        let plain = answers(three_changes(false).handle(&from_12, client(), Transport::Tcp, NOW));
        assert_eq!(condensed.0, plain.0);
    }

    #[test]
    fn an_axfr_keeps_streaming_the_serial_it_started_with_when_the_zone_changes() {
        // RFC 5936 §2.2 wants one version per AXFR: the transfer holds the
        // policy it started on, so a swap in the middle does not show.
        let mut authority = three_changes(false);
        let mut request = Message::new();
        request.set_id(5);
        request.add_query(Query::query(zone(), RecordType::AXFR));
        let bytes = request.to_vec().unwrap();
        let Reply::Transfer(mut transfer) = authority
            .handle(&bytes, client(), Transport::Tcp, NOW)
            .reply
        else {
            panic!("no transfer");
        };
        authority.zones = vec![ServedZone::new(
            Arc::new(crate::authority::tests::policy(
                14,
                &["z.example".to_string()],
            )),
            Arc::new(crate::journal::Journal::new(
                crate::journal::JournalLimits::default(),
            )),
        )];
        let mut records = Vec::new();
        while let Some(message) = transfer.next_message() {
            assert!(message.len() <= 65_535);
            records.extend(Message::from_vec(&message).unwrap().take_answers());
        }
        assert_eq!(serials(&records), [13, 13]);
        let mut held = owners(&records);
        held.retain(|name| !name.starts_with('k'));
        assert_eq!(held, ["a", "c", "d", "f"]);
    }
}

//! The policy model (`cautery-policy`) in wire form: the SOA, NS and RPZ
//! records of a policy zone as hickory-proto records. The one mapping from
//! an action to RPZ data is [`Action::rpz_data`]; this module only turns
//! its output into records.

use hickory_proto::rr::rdata::{A, AAAA, CNAME, NS, SOA};
use hickory_proto::rr::{Name, RData, Record};

pub use cautery_policy::{Action, Policy, PolicyDiff, Provenance, RpzData, RpzTarget, Rule, Soa};

use crate::Error;

/// Parses a domain name, lower-cased and fully qualified.
pub fn parse_name(text: &str) -> Result<Name, Error> {
    let mut name = Name::from_ascii(text).map_err(|e| Error::BadName {
        name: text.to_string(),
        reason: e.to_string(),
    })?;
    name.set_fqdn(true);
    Ok(name.to_lowercase())
}

/// A policy's records in wire form.
pub trait PolicyRecords {
    /// The zone's name, fully qualified.
    fn zone_name(&self) -> Name;
    /// The SOA record of the zone at `serial`.
    fn soa_record(&self, serial: u32) -> Record;
    /// The apex NS records.
    fn ns_records(&self) -> Vec<Record>;
}

impl PolicyRecords for Policy {
    fn zone_name(&self) -> Name {
        parse_name(&self.zone).unwrap_or_else(|_| Name::root())
    }

    fn soa_record(&self, serial: u32) -> Record {
        soa_record(&self.zone_name(), &self.soa, serial, self.ttl)
    }

    fn ns_records(&self) -> Vec<Record> {
        let zone = self.zone_name();
        self.ns
            .iter()
            .filter_map(|ns| parse_name(ns).ok())
            .map(|ns| Record::from_rdata(zone.clone(), self.ttl, RData::NS(NS(ns))))
            .collect()
    }
}

/// An SOA record. The SOA's names were checked when they entered, so they
/// always parse.
pub fn soa_record(zone: &Name, soa: &Soa, serial: u32, ttl: u32) -> Record {
    let mname = parse_name(&soa.mname).unwrap_or_else(|_| Name::root());
    let rname = parse_name(&soa.rname).unwrap_or_else(|_| Name::root());
    Record::from_rdata(
        zone.clone(),
        ttl,
        RData::SOA(SOA::new(
            mname,
            rname,
            serial,
            clamp(soa.refresh),
            clamp(soa.retry),
            clamp(soa.expire),
            soa.minimum,
        )),
    )
}

fn clamp(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// The RPZ records of `rule` in `zone`: `NAME.zone` and, when it covers
/// subdomains, `*.NAME.zone`, with the action's RPZ data.
pub fn rule_records(zone: &Name, ttl: u32, rule: &Rule, out: &mut Vec<Record>) {
    let Ok(label_part) = Name::from_ascii(rule.name.as_str()) else {
        return;
    };
    let Ok(owner) = label_part.append_domain(zone) else {
        return;
    };
    let wildcard = if rule.subdomains {
        Name::from_ascii("*")
            .ok()
            .and_then(|w| w.append_domain(&owner).ok())
    } else {
        None
    };
    for owner in std::iter::once(owner).chain(wildcard) {
        for data in rule.action.rpz_data() {
            let rdata = match data {
                RpzData::Cname(target) => RData::CNAME(CNAME(cname_target(target))),
                RpzData::A(address) => RData::A(A(address)),
                RpzData::Aaaa(address) => RData::AAAA(AAAA(address)),
            };
            out.push(Record::from_rdata(owner.clone(), ttl, rdata));
        }
    }
}

fn cname_target(target: RpzTarget<'_>) -> Name {
    match target {
        RpzTarget::Root => Name::root(),
        RpzTarget::Wildcard => fixed("*."),
        RpzTarget::Drop => fixed("rpz-drop."),
        RpzTarget::Passthru => fixed("rpz-passthru."),
        RpzTarget::Name(name) => parse_name(name).unwrap_or_else(|_| Name::root()),
    }
}

fn fixed(text: &str) -> Name {
    Name::from_ascii(text).unwrap_or_else(|_| Name::root())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cautery_policy::DomainName;

    use super::*;

    #[test]
    fn rpz_records_follow_the_action() {
        let zone = parse_name("cautery.rpz").expect("zone");
        let mut out = Vec::new();
        let rule = Rule {
            name: DomainName::new("evil.com").expect("name"),
            action: Arc::new(Action::Nxdomain),
            subdomains: true,
            provenance: None,
        };
        rule_records(&zone, 60, &rule, &mut out);
        let text: Vec<String> = out.iter().map(|r| r.to_string()).collect();
        assert_eq!(text.len(), 2);
        assert!(
            text[0].starts_with("evil.com.cautery.rpz. 60 IN CNAME ."),
            "{}",
            text[0]
        );
        assert!(
            text[1].starts_with("*.evil.com.cautery.rpz."),
            "{}",
            text[1]
        );
        let sinkhole = Rule {
            action: Arc::new(Action::parse("sinkhole:192.0.2.1,2001:db8::1").expect("ok")),
            subdomains: false,
            ..rule
        };
        out.clear();
        rule_records(&zone, 60, &sinkhole, &mut out);
        let text: Vec<String> = out.iter().map(|r| r.to_string()).collect();
        assert_eq!(text.len(), 2);
        assert!(text[0].contains(" A 192.0.2.1"), "{}", text[0]);
        assert!(text[1].contains(" AAAA 2001:db8::1"), "{}", text[1]);
    }
}

//! The server's input: a policy zone as a sorted list of rules, and the
//! difference between two policies.
//!
//! This is deliberately small and independent of the planner (crates/zone):
//! whatever computes plans converts them into a [`Policy`], and the server
//! renders it as RPZ records (the RPZ draft, draft-vixie-dnsop-dns-rpz) and
//! answers sinkhole queries from it.
//!
//! Rules are kept compact (a boxed name and two shared pointers) so that ten
//! million of them fit in well under a gigabyte.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use hickory_proto::rr::rdata::{A, AAAA, CNAME, NS, SOA};
use hickory_proto::rr::{Name, RData, Record};
use serde::{Deserialize, Serialize};

use crate::Error;

/// What a resolver does with a name a rule covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Answer NXDOMAIN (`CNAME .`).
    Nxdomain,
    /// Answer with no data (`CNAME *.`).
    Nodata,
    /// Drop the query (`CNAME rpz-drop.`).
    Drop,
    /// Leave the name alone (`CNAME rpz-passthru.`).
    Passthru,
    /// Answer with sinkhole addresses; cautery's sinkhole authority answers
    /// these names itself.
    Sinkhole {
        /// IPv4 sinkhole addresses.
        v4: Vec<Ipv4Addr>,
        /// IPv6 sinkhole addresses.
        v6: Vec<Ipv6Addr>,
    },
}

impl Action {
    /// Whether the sinkhole authority answers names with this action.
    pub fn is_sinkhole(&self) -> bool {
        matches!(self, Action::Sinkhole { .. })
    }
}

/// Where a rule came from, for query logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Origin {
    /// Family name.
    pub family: String,
    /// Seed name.
    pub seed: String,
    /// Start of the window, RFC 3339, empty when unbounded.
    pub valid_from: String,
    /// End of the window, RFC 3339, empty when unbounded.
    pub valid_to: String,
}

/// One rule: a trigger name and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The trigger name, lower case, without trailing dot.
    pub name: Box<str>,
    /// The action.
    pub action: Arc<Action>,
    /// Whether subdomains are covered too (`*.name`).
    pub subdomains: bool,
    /// Where the name came from; only the first origin is kept.
    pub origin: Option<Arc<Origin>>,
}

impl Rule {
    /// Whether two rules render the same records.
    fn same_records(&self, other: &Rule) -> bool {
        self.name == other.name
            && self.action == other.action
            && self.subdomains == other.subdomains
    }
}

/// The SOA values of a zone apart from its serial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoaFields {
    /// Primary name server.
    pub mname: String,
    /// Responsible mailbox, as a domain name.
    pub rname: String,
    /// Refresh interval, seconds.
    pub refresh: u32,
    /// Retry interval, seconds.
    pub retry: u32,
    /// Expiry, seconds.
    pub expire: u32,
    /// Negative-caching TTL, seconds.
    pub minimum: u32,
}

impl Default for SoaFields {
    fn default() -> Self {
        SoaFields {
            mname: "localhost".into(),
            rname: "hostmaster.localhost".into(),
            refresh: 3600,
            retry: 600,
            expire: 864_000,
            minimum: 60,
        }
    }
}

/// A policy zone: apex data and rules sorted by name, one rule per name.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The zone's name, e.g. `cautery.rpz.`.
    pub zone: Name,
    /// The zone's serial.
    pub serial: u32,
    /// SOA fields.
    pub soa: SoaFields,
    /// Name servers of the zone.
    pub ns: Vec<Name>,
    /// TTL of every record.
    pub ttl: u32,
    rules: Vec<Rule>,
    index: NameIndex,
}

/// A hash table from rule name to position in the sorted rules, so that a
/// sinkhole lookup costs a hash and about one comparison instead of the
/// twenty-odd comparisons (each a cache miss) of a binary search over a
/// million names. Open addressing with linear probing over `u32` slots (0
/// empty, otherwise position + 1), at most three quarters full: 8 MiB for a
/// million rules. Keyed by a per-process random hash, as the names asked
/// come from the network.
#[derive(Debug, Clone, Default)]
struct NameIndex {
    hasher: ahash::RandomState,
    slots: Vec<u32>,
}

impl NameIndex {
    fn new(rules: &[Rule]) -> NameIndex {
        let hasher = ahash::RandomState::new();
        // Positions must fit in a slot; beyond that, fall back to binary
        // search (an empty table).
        if rules.is_empty() || rules.len() >= (u32::MAX / 2) as usize {
            return NameIndex {
                hasher,
                slots: Vec::new(),
            };
        }
        let capacity = (rules.len() * 4 / 3 + 1).next_power_of_two();
        let mut slots = vec![0u32; capacity];
        let mask = capacity - 1;
        for (position, rule) in rules.iter().enumerate() {
            let mut at = hasher.hash_one(rule.name.as_bytes()) as usize & mask;
            while slots[at] != 0 {
                at = (at + 1) & mask;
            }
            slots[at] = position as u32 + 1;
        }
        NameIndex { hasher, slots }
    }

    fn find(&self, rules: &[Rule], name: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return rules.binary_search_by(|r| (*r.name).cmp(name)).ok();
        }
        let mask = self.slots.len() - 1;
        let mut at = self.hasher.hash_one(name.as_bytes()) as usize & mask;
        loop {
            let position = (*self.slots.get(at)? as usize).checked_sub(1)?;
            if rules.get(position).is_some_and(|r| *r.name == *name) {
                return Some(position);
            }
            at = (at + 1) & mask;
        }
    }
}

/// Parses a domain name, lower-cased and fully qualified.
pub fn parse_name(text: &str) -> Result<Name, Error> {
    let mut name = Name::from_ascii(text).map_err(|e| Error::BadName {
        name: text.to_string(),
        reason: e.to_string(),
    })?;
    name.set_fqdn(true);
    Ok(name.to_lowercase())
}

/// A rule name as the policy stores it: lower case, without trailing dot.
pub fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

impl Policy {
    /// A policy; `rules` are normalised, sorted and deduplicated (the first
    /// rule for a name wins). Rules whose name is not a valid domain name
    /// (empty labels, characters a master file cannot hold unescaped) are
    /// dropped.
    pub fn new(
        zone: Name,
        serial: u32,
        soa: SoaFields,
        ns: Vec<Name>,
        ttl: u32,
        mut rules: Vec<Rule>,
    ) -> Policy {
        for rule in &mut rules {
            if rule.name.bytes().any(|b| b.is_ascii_uppercase()) || rule.name.ends_with('.') {
                rule.name = normalise(&rule.name).into_boxed_str();
            }
        }
        rules.retain(|r| valid_rule_name(&r.name, &zone));
        // Stable, so the first rule for a name stays first.
        rules.sort_by(|a, b| a.name.cmp(&b.name));
        rules.dedup_by(|later, first| later.name == first.name);
        rules.shrink_to_fit();
        let index = NameIndex::new(&rules);
        Policy {
            zone: zone.to_lowercase(),
            serial,
            soa,
            ns,
            ttl,
            rules,
            index,
        }
    }

    /// The rules, sorted by name.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether two policies hold the same rules and apex data (serials
    /// aside).
    pub fn same_content(&self, other: &Policy) -> bool {
        self.zone == other.zone
            && self.soa == other.soa
            && self.ns == other.ns
            && self.ttl == other.ttl
            && self.rules.len() == other.rules.len()
            && self
                .rules
                .iter()
                .zip(&other.rules)
                .all(|(a, b)| a.same_records(b))
    }

    /// The rule for exactly this name (lower case, no trailing dot).
    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.index
            .find(&self.rules, name)
            .and_then(|i| self.rules.get(i))
    }

    /// The rule that covers `name`: the name itself, or the closest parent
    /// whose rule covers subdomains. Returns the rule and whether the match
    /// was exact.
    pub fn covering_rule(&self, name: &str) -> Option<(&Rule, bool)> {
        if let Some(rule) = self.rule(name) {
            return Some((rule, true));
        }
        let mut rest = name;
        while let Some(dot) = rest.find('.') {
            rest = &rest[dot + 1..];
            if let Some(rule) = self.rule(rest) {
                return Some((rule, false));
            }
        }
        None
    }

    /// The SOA record of the zone at `serial`.
    pub fn soa_record(&self, serial: u32) -> Record {
        soa_record(&self.zone, &self.soa, serial, self.ttl)
    }

    /// The apex NS records.
    pub fn ns_records(&self) -> Vec<Record> {
        self.ns
            .iter()
            .map(|ns| Record::from_rdata(self.zone.clone(), self.ttl, RData::NS(NS(ns.clone()))))
            .collect()
    }

    /// The RPZ records of one rule.
    pub fn rule_records(&self, rule: &Rule, out: &mut Vec<Record>) {
        rule_records(&self.zone, self.ttl, rule, out);
    }

    /// Number of records in the whole zone, SOA counted once.
    pub fn record_count(&self) -> usize {
        let per_rule: usize = self.rules.iter().map(records_per_rule).sum();
        1 + self.ns.len() + per_rule
    }
}

fn records_per_rule(rule: &Rule) -> usize {
    let base = match &*rule.action {
        Action::Sinkhole { v4, v6 } => v4.len() + v6.len(),
        _ => 1,
    };
    if rule.subdomains {
        base * 2
    } else {
        base
    }
}

fn valid_rule_name(name: &str, zone: &Name) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    if name
        .split('.')
        .any(|label| label.is_empty() || label.len() > 63)
    {
        return false;
    }
    // Owner `*.name.zone` must fit in 255 octets on the wire, and the name
    // must be one the wire format can carry (some DGAs emit `]` or `` ` ``).
    name.len() + 2 + 1 + zone.len() <= 254 && Name::from_ascii(name).is_ok()
}

/// An SOA record.
pub fn soa_record(zone: &Name, soa: &SoaFields, serial: u32, ttl: u32) -> Record {
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

/// The RPZ records of `rule` in `zone`.
pub fn rule_records(zone: &Name, ttl: u32, rule: &Rule, out: &mut Vec<Record>) {
    let Ok(label_part) = Name::from_ascii(&*rule.name) else {
        return;
    };
    let Ok(owner) = label_part.append_domain(zone) else {
        return;
    };
    let owners: Vec<Name> = if rule.subdomains {
        let wildcard = Name::from_ascii("*")
            .ok()
            .and_then(|w| w.append_domain(&owner).ok());
        std::iter::once(owner).chain(wildcard).collect()
    } else {
        vec![owner]
    };
    for owner in owners {
        match &*rule.action {
            Action::Nxdomain => out.push(cname(owner, ttl, Name::root())),
            Action::Nodata => out.push(cname(owner, ttl, fixed("*."))),
            Action::Drop => out.push(cname(owner, ttl, fixed("rpz-drop."))),
            Action::Passthru => out.push(cname(owner, ttl, fixed("rpz-passthru."))),
            Action::Sinkhole { v4, v6 } => {
                for address in v4 {
                    out.push(Record::from_rdata(
                        owner.clone(),
                        ttl,
                        RData::A(A(*address)),
                    ));
                }
                for address in v6 {
                    out.push(Record::from_rdata(
                        owner.clone(),
                        ttl,
                        RData::AAAA(AAAA(*address)),
                    ));
                }
            }
        }
    }
}

fn fixed(text: &str) -> Name {
    Name::from_ascii(text).unwrap_or_else(|_| Name::root())
}

fn cname(owner: Name, ttl: u32, target: Name) -> Record {
    Record::from_rdata(owner, ttl, RData::CNAME(CNAME(target)))
}

/// The difference between two policies: the rules to delete and the rules to
/// add, each sorted by name. A rule whose action changed is in both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDiff {
    /// Serial of the older policy.
    pub from_serial: u32,
    /// Serial of the newer policy.
    pub to_serial: u32,
    /// Rules removed.
    pub removed: Vec<Rule>,
    /// Rules added.
    pub added: Vec<Rule>,
}

impl PolicyDiff {
    /// The difference from `old` to `new`, by a merge of the sorted rules.
    pub fn between(old: &Policy, new: &Policy) -> PolicyDiff {
        let mut diff = PolicyDiff {
            from_serial: old.serial,
            to_serial: new.serial,
            ..PolicyDiff::default()
        };
        let (mut i, mut j) = (0, 0);
        let (a, b) = (&old.rules, &new.rules);
        while i < a.len() || j < b.len() {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => match x.name.cmp(&y.name) {
                    std::cmp::Ordering::Less => {
                        diff.removed.push(x.clone());
                        i += 1;
                    }
                    std::cmp::Ordering::Greater => {
                        diff.added.push(y.clone());
                        j += 1;
                    }
                    std::cmp::Ordering::Equal => {
                        if !x.same_records(y) {
                            diff.removed.push(x.clone());
                            diff.added.push(y.clone());
                        }
                        i += 1;
                        j += 1;
                    }
                },
                (Some(x), None) => {
                    diff.removed.push(x.clone());
                    i += 1;
                }
                (None, Some(y)) => {
                    diff.added.push(y.clone());
                    j += 1;
                }
                (None, None) => break,
            }
        }
        diff
    }

    /// Number of rules changed.
    pub fn len(&self) -> usize {
        self.removed.len() + self.added.len()
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn rule(name: &str, action: Action) -> Rule {
        Rule {
            name: name.into(),
            action: Arc::new(action),
            subdomains: false,
            origin: None,
        }
    }

    fn policy(serial: u32, rules: Vec<Rule>) -> Policy {
        Policy::new(
            parse_name("cautery.rpz").unwrap(),
            serial,
            SoaFields::default(),
            vec![parse_name("localhost").unwrap()],
            60,
            rules,
        )
    }

    #[test]
    fn rules_are_sorted_deduplicated_and_lowercased() {
        let p = policy(
            1,
            vec![
                rule("B.com.", Action::Nxdomain),
                rule("a.com", Action::Nxdomain),
                rule("b.com", Action::Drop),
                rule("bad..name", Action::Nxdomain),
                rule("]`begizadegq.bazaar", Action::Nxdomain),
            ],
        );
        let names: Vec<&str> = p.rules().iter().map(|r| &*r.name).collect();
        assert_eq!(names, ["a.com", "b.com"]);
        assert_eq!(*p.rule("b.com").unwrap().action, Action::Nxdomain);
    }

    #[test]
    fn diff_lists_removed_added_and_changed() {
        let old = policy(
            1,
            vec![
                rule("a.com", Action::Nxdomain),
                rule("b.com", Action::Nxdomain),
            ],
        );
        let new = policy(
            2,
            vec![rule("b.com", Action::Drop), rule("c.com", Action::Nxdomain)],
        );
        let diff = PolicyDiff::between(&old, &new);
        let removed: Vec<&str> = diff.removed.iter().map(|r| &*r.name).collect();
        let added: Vec<&str> = diff.added.iter().map(|r| &*r.name).collect();
        assert_eq!(removed, ["a.com", "b.com"]);
        assert_eq!(added, ["b.com", "c.com"]);
        assert!(PolicyDiff::between(&new, &new).is_empty());
    }

    #[test]
    fn the_index_finds_every_rule_and_nothing_else() {
        let rules: Vec<Rule> = (0..5000)
            .map(|i| rule(&format!("n{i}.example"), Action::Nxdomain))
            .collect();
        let p = policy(1, rules);
        for i in 0..5000 {
            let name = format!("n{i}.example");
            assert_eq!(p.rule(&name).map(|r| &*r.name), Some(name.as_str()));
            assert!(p.rule(&format!("n{i}.other")).is_none());
            assert!(p.rule(&format!("x{i}.example")).is_none());
        }
        assert!(p.rule("").is_none());
        assert!(policy(1, vec![]).rule("n1.example").is_none());
        // The table is at most three quarters full, so a probe for a
        // missing name always ends at an empty slot.
        assert!(p.index.slots.len() * 3 >= 5000 * 4 - 4);
    }

    #[test]
    fn covering_rule_walks_up_to_parents() {
        let mut r = rule("evil.com", Action::Nxdomain);
        r.subdomains = true;
        let p = policy(1, vec![r]);
        assert!(p.covering_rule("evil.com").unwrap().1);
        assert!(!p.covering_rule("a.b.evil.com").unwrap().1);
        assert!(p.covering_rule("com").is_none());
    }

    #[test]
    fn rpz_records_follow_the_action() {
        let p = policy(1, vec![]);
        let mut out = Vec::new();
        let mut r = rule("evil.com", Action::Nxdomain);
        r.subdomains = true;
        p.rule_records(&r, &mut out);
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
    }
}

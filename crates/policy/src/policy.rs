//! A policy zone as a sorted list of rules with a hash index, and the
//! difference between two policies (one IXFR delta, RFC 1995).
//!
//! Rules are kept compact (a shared name, two shared pointers, a flag) so that ten
//! million of them fit in well under a gigabyte.

use std::sync::Arc;

use crate::action::Action;
use crate::name::DomainName;
use crate::provenance::Provenance;
use crate::soa::Soa;

/// One rule: a trigger name and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The trigger name.
    pub name: DomainName,
    /// The action.
    pub action: Arc<Action>,
    /// Whether subdomains are covered too (`*.name`).
    pub subdomains: bool,
    /// Where the name came from: the first window in force when the rule
    /// was made.
    pub provenance: Option<Arc<Provenance>>,
}

impl Rule {
    /// Whether two rules render the same records.
    pub fn same_records(&self, other: &Rule) -> bool {
        self.name == other.name
            && self.action == other.action
            && self.subdomains == other.subdomains
    }

    /// How many RPZ records the rule renders.
    pub fn record_count(&self) -> usize {
        self.action.rpz_len() * if self.subdomains { 2 } else { 1 }
    }
}

/// A policy zone: apex data and rules sorted by name, one rule per name.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The zone's name, e.g. `cautery.rpz`.
    pub zone: DomainName,
    /// The zone's serial.
    pub serial: u32,
    /// SOA values.
    pub soa: Soa,
    /// Name servers of the zone.
    pub ns: Vec<DomainName>,
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
            return rules.binary_search_by(|r| r.name.as_str().cmp(name)).ok();
        }
        let mask = self.slots.len() - 1;
        let mut at = self.hasher.hash_one(name.as_bytes()) as usize & mask;
        loop {
            let position = (*self.slots.get(at)? as usize).checked_sub(1)?;
            if rules.get(position).is_some_and(|r| r.name.as_str() == name) {
                return Some(position);
            }
            at = (at + 1) & mask;
        }
    }
}

impl Policy {
    /// A policy; `rules` are sorted and deduplicated (the first rule for a
    /// name wins). Rules whose `*.name.zone` owner would not fit in 255
    /// octets on the wire are dropped.
    pub fn new(
        zone: DomainName,
        serial: u32,
        soa: Soa,
        ns: Vec<DomainName>,
        ttl: u32,
        mut rules: Vec<Rule>,
    ) -> Policy {
        // Owner `*.name.zone.` in wire form: the text plus `*.`, two dots
        // and the length octets, at most 255.
        let room = 254usize.saturating_sub(zone.len() + 3);
        rules.retain(|r| r.name.len() <= room);
        // Stable, so the first rule for a name stays first.
        rules.sort_by(|a, b| a.name.cmp(&b.name));
        rules.dedup_by(|later, first| later.name == first.name);
        rules.shrink_to_fit();
        let index = NameIndex::new(&rules);
        Policy {
            zone,
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

    /// The rule for `name` or else for its closest parent that has one
    /// (whether that rule covers subdomains is the caller's to check).
    /// Returns the rule and whether the match was exact.
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

    /// Number of records in the whole zone, SOA counted once.
    pub fn record_count(&self) -> usize {
        let per_rule: usize = self.rules.iter().map(Rule::record_count).sum();
        1 + self.ns.len() + per_rule
    }
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

    fn name(text: &str) -> DomainName {
        DomainName::new(text).expect("name")
    }

    pub(crate) fn rule(text: &str, action: Action) -> Rule {
        Rule {
            name: name(text),
            action: Arc::new(action),
            subdomains: false,
            provenance: None,
        }
    }

    fn policy(serial: u32, rules: Vec<Rule>) -> Policy {
        Policy::new(
            name("cautery.rpz"),
            serial,
            Soa::default(),
            vec![name("localhost")],
            60,
            rules,
        )
    }

    #[test]
    fn rules_are_sorted_and_the_first_rule_for_a_name_wins() {
        let p = policy(
            1,
            vec![
                rule("B.com.", Action::Nxdomain),
                rule("a.com", Action::Nxdomain),
                rule("b.com", Action::Drop),
            ],
        );
        let names: Vec<&str> = p.rules().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a.com", "b.com"]);
        assert_eq!(*p.rule("b.com").expect("rule").action, Action::Nxdomain);
    }

    #[test]
    fn names_too_long_for_the_zone_are_dropped() {
        let long = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(50)
        );
        let p = policy(
            1,
            vec![
                rule(&long, Action::Nxdomain),
                rule("a.com", Action::Nxdomain),
            ],
        );
        assert_eq!(p.rules().len(), 1);
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
        let removed: Vec<&str> = diff.removed.iter().map(|r| r.name.as_str()).collect();
        let added: Vec<&str> = diff.added.iter().map(|r| r.name.as_str()).collect();
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
            assert_eq!(p.rule(&name).map(|r| r.name.as_str()), Some(name.as_str()));
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
        assert!(p.covering_rule("evil.com").expect("exact").1);
        assert!(!p.covering_rule("a.b.evil.com").expect("parent").1);
        assert!(p.covering_rule("com").is_none());
    }
}

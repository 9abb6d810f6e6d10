//! The join of a zone file's delegations with a plan's predicted names.
//!
//! The predicted names go into one hash map (name -> entry of the gated
//! plan, a DoS-resistant hasher since zone files come from outside); each
//! `NS` line costs one lookup, or none when it repeats the previous line's
//! owner (registry files list a name's servers one after another). The
//! delegations found are gathered per name with all their name servers.

use std::collections::HashMap;
use std::io::BufRead;

use ahash::RandomState;
use cautery_zone::{Entry, GatedPlan};

use crate::zonefile::{ZoneFileError, ZoneReader};

/// Name servers kept per name; registries allow 13 or fewer.
const MAX_NS: usize = 32;

/// The predicted names of a gated plan, by name.
pub struct PredictionIndex<'a> {
    entries: Vec<Entry<'a>>,
    by_name: HashMap<&'a str, u32, RandomState>,
}

impl<'a> PredictionIndex<'a> {
    /// Indexes every name of `plan` that passed the gate.
    pub fn new(plan: &'a GatedPlan) -> PredictionIndex<'a> {
        let entries: Vec<Entry<'a>> = plan.entries().collect();
        let mut by_name = HashMap::with_capacity_and_hasher(entries.len(), RandomState::new());
        for (position, entry) in entries.iter().enumerate() {
            // A plan holds far fewer than 4 G names (its arenas are bounded).
            by_name.insert(entry.name(), position as u32);
        }
        PredictionIndex { entries, by_name }
    }

    /// Predicted names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no name is predicted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every predicted name, in the plan's order.
    pub fn entries(&self) -> &[Entry<'a>] {
        &self.entries
    }

    /// The entry of `name` (lower case, without the final dot).
    pub fn get(&self, name: &str) -> Option<Entry<'a>> {
        self.by_name
            .get(name)
            .map(|&position| self.entries[position as usize])
    }
}

/// A predicted name found delegated in a source.
#[derive(Debug, Clone)]
pub struct Found<'a> {
    /// The plan's entry: the name and every family, seed and window.
    pub entry: Entry<'a>,
    /// Its name servers, sorted, each once.
    pub ns: Vec<String>,
    /// Where it was found (e.g. `zone-file:com.zone.gz`).
    pub source: String,
}

/// What a join read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JoinStats {
    /// Lines read.
    pub lines: u64,
    /// `NS` records read.
    pub delegations: u64,
    /// Predicted names found delegated.
    pub found: u64,
}

/// Reads every delegation of `reader` and appends the predicted names it
/// delegates to `found`, one [`Found`] per name, labelled `source`.
pub fn join_zone<'a, R: BufRead>(
    reader: &mut ZoneReader<R>,
    index: &PredictionIndex<'a>,
    source: &str,
    found: &mut Vec<Found<'a>>,
) -> Result<JoinStats, ZoneFileError> {
    let first = found.len();
    let mut slots: HashMap<&'a str, usize, RandomState> = HashMap::default();
    let mut last_owner = String::new();
    let mut last_slot: Option<usize> = None;
    let mut stats = JoinStats::default();
    while let Some(delegation) = reader.next_delegation()? {
        stats.delegations += 1;
        if delegation.owner != last_owner {
            last_owner.clear();
            last_owner.push_str(delegation.owner);
            last_slot = index.get(delegation.owner).map(|entry| {
                *slots.entry(entry.name()).or_insert_with(|| {
                    found.push(Found {
                        entry,
                        ns: Vec::new(),
                        source: source.to_owned(),
                    });
                    found.len() - 1
                })
            });
        }
        if let Some(slot) = last_slot {
            let ns = &mut found[slot].ns;
            // Bounded: a corrupt file must not grow one name's list without end.
            if ns.len() < MAX_NS && !ns.iter().any(|known| known == delegation.ns) {
                ns.push(delegation.ns.to_owned());
            }
        }
    }
    for hit in &mut found[first..] {
        hit.ns.sort();
    }
    stats.lines = reader.lines();
    stats.found = (found.len() - first) as u64;
    Ok(stats)
}

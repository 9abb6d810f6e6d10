//! The join of a zone file's delegations with a plan's predicted names.
//!
//! The predicted names go into one hash map (name -> entry of the gated
//! plan, a DoS-resistant hasher since zone files come from outside); each
//! `NS` line costs one lookup, or none when it repeats the previous line's
//! owner (registry files list a name's servers one after another). The
//! delegations found are gathered per name with all their name servers.
//!
//! Beside the plan's names the index may hold the names the operator holds
//! (sinkholed, seized) that the plan does not predict any more
//! ([`PredictionIndex::with_held`]): a seized name must be watched for
//! years after its day has passed, so it is joined like a predicted one.

use std::collections::HashMap;
use std::io::BufRead;

use ahash::RandomState;
use cautery_zone::{Entry, GatedPlan};
use chrono::{DateTime, Utc};

use crate::zonefile::{ZoneFileError, ZoneReader};

/// Name servers kept per name; registries allow 13 or fewer.
const MAX_NS: usize = 32;

/// A name held on the operator's sinkhole that the plan does not predict,
/// as the monitor's state knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldName {
    /// The name, lower case.
    pub domain: String,
    /// Its expiry last known (RDAP).
    pub expires: Option<DateTime<Utc>>,
}

/// A name the index watches: one of the plan's, or a held one outside it.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A name of the plan, with every family, seed and window.
    Predicted(Entry<'a>),
    /// A held name that the plan does not predict.
    Held(&'a HeldName),
}

impl<'a> Target<'a> {
    /// The name, lower case.
    pub fn name(&self) -> &'a str {
        match self {
            Target::Predicted(entry) => entry.name(),
            Target::Held(held) => &held.domain,
        }
    }

    /// The plan's entry, for a predicted name.
    pub fn entry(&self) -> Option<Entry<'a>> {
        match self {
            Target::Predicted(entry) => Some(*entry),
            Target::Held(_) => None,
        }
    }
}

/// The predicted names of a gated plan, and held names outside it, by name.
pub struct PredictionIndex<'a> {
    entries: Vec<Entry<'a>>,
    held: Vec<&'a HeldName>,
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
        PredictionIndex {
            entries,
            held: Vec::new(),
            by_name,
        }
    }

    /// Adds the names of `held` that the plan does not predict (a predicted
    /// name stays the plan's, with its evidence).
    pub fn with_held(mut self, held: &'a [HeldName]) -> PredictionIndex<'a> {
        for name in held {
            let Ok(position) = u32::try_from(self.entries.len() + self.held.len()) else {
                break;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) =
                self.by_name.entry(name.domain.as_str())
            {
                slot.insert(position);
                self.held.push(name);
            }
        }
        self
    }

    /// Predicted names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Held names outside the plan.
    pub fn held_len(&self) -> usize {
        self.held.len()
    }

    /// Whether no name is predicted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every name watched: the plan's in its order, then the held ones.
    pub fn targets(&self) -> impl Iterator<Item = Target<'a>> + '_ {
        self.entries
            .iter()
            .map(|entry| Target::Predicted(*entry))
            .chain(self.held.iter().map(|held| Target::Held(held)))
    }

    /// What `name` (lower case, without the final dot) is watched as.
    pub fn get(&self, name: &str) -> Option<Target<'a>> {
        self.by_name.get(name).map(|&position| {
            let position = position as usize;
            match self.entries.get(position) {
                Some(entry) => Target::Predicted(*entry),
                None => Target::Held(self.held[position - self.entries.len()]),
            }
        })
    }
}

/// A watched name found delegated in a source.
#[derive(Debug, Clone)]
pub struct Found<'a> {
    /// The name, and for a predicted one the plan's entry (every family,
    /// seed and window).
    pub target: Target<'a>,
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
    /// Watched names found delegated.
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
            last_slot = index.get(delegation.owner).map(|target| {
                *slots.entry(target.name()).or_insert_with(|| {
                    found.push(Found {
                        target,
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

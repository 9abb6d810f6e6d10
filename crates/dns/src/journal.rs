//! The IXFR journal (RFC 1995): the last differences between successive
//! serials of a policy zone, bounded in entries and in rules, and the state
//! files that let the zone and its journal survive a restart.
//!
//! State files, in the state directory, one pair per zone:
//! - `ZONE.policy`: a JSON header line (serial, apex data, actions and
//!   origins), then one tab-separated line per rule: name, action index,
//!   subdomains (0/1), origin index or `-`.
//! - `ZONE.journal`: one JSON object per line, one line per difference,
//!   oldest first.
//!
//! Both are written to a temporary file and renamed, so a crash leaves the
//! previous version. A client whose serial is older than the journal's first
//! entry gets a full transfer.

use std::collections::VecDeque;
use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ahash::AHashMap;
use serde::{Deserialize, Serialize};

use cautery_policy::DomainName;

use crate::records::{Action, Policy, PolicyDiff, Provenance, Rule, Soa};
use crate::Error;

/// Limits of a journal.
#[derive(Debug, Clone, Copy)]
pub struct JournalLimits {
    /// Differences kept at most.
    pub max_entries: usize,
    /// Changed rules kept at most, over all differences.
    pub max_rules: usize,
}

impl Default for JournalLimits {
    fn default() -> Self {
        JournalLimits {
            max_entries: 64,
            max_rules: 4_000_000,
        }
    }
}

/// The last differences of one zone, oldest first, each ending where the
/// next starts.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    entries: VecDeque<Arc<PolicyDiff>>,
    rules: usize,
    limits: JournalLimits,
}

impl Journal {
    /// An empty journal.
    pub fn new(limits: JournalLimits) -> Journal {
        Journal {
            entries: VecDeque::new(),
            rules: 0,
            limits,
        }
    }

    /// Appends a difference; drops the oldest ones beyond the limits. A
    /// difference that does not follow the last one clears the journal.
    pub fn push(&mut self, diff: PolicyDiff) {
        if let Some(last) = self.entries.back() {
            if last.to_serial != diff.from_serial {
                self.entries.clear();
                self.rules = 0;
            }
        }
        if diff.len() > self.limits.max_rules || self.limits.max_entries == 0 {
            self.entries.clear();
            self.rules = 0;
            return;
        }
        self.rules += diff.len();
        self.entries.push_back(Arc::new(diff));
        while self.entries.len() > self.limits.max_entries || self.rules > self.limits.max_rules {
            if let Some(old) = self.entries.pop_front() {
                self.rules -= old.len();
            }
        }
    }

    /// The differences that bring a client at `serial` to the newest serial,
    /// or `None` when the journal does not reach back that far.
    pub fn since(&self, serial: u32) -> Option<Vec<Arc<PolicyDiff>>> {
        let start = self.entries.iter().position(|d| d.from_serial == serial)?;
        Some(self.entries.iter().skip(start).cloned().collect())
    }

    /// Number of differences held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the journal is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The differences, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &Arc<PolicyDiff>> {
        self.entries.iter()
    }
}

#[derive(Serialize, Deserialize)]
struct PolicyHeader {
    version: u32,
    zone: DomainName,
    serial: u32,
    soa: Soa,
    ns: Vec<DomainName>,
    ttl: u32,
    actions: Vec<Action>,
    origins: Vec<Provenance>,
    rules: usize,
}

#[derive(Serialize, Deserialize)]
struct StoredRule {
    name: DomainName,
    action: Action,
    #[serde(default)]
    subdomains: bool,
}

#[derive(Serialize, Deserialize)]
struct StoredDiff {
    from: u32,
    to: u32,
    removed: Vec<StoredRule>,
    added: Vec<StoredRule>,
}

/// Where a zone's state lives.
#[derive(Debug, Clone)]
pub struct StateFiles {
    policy: PathBuf,
    journal: PathBuf,
}

impl StateFiles {
    /// The state files of `zone` under `dir`.
    pub fn new(dir: &Path, zone: &DomainName) -> StateFiles {
        let mut stem = zone.to_string();
        if stem.is_empty() {
            stem = "root".into();
        }
        let stem: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        StateFiles {
            policy: dir.join(format!("{stem}.policy")),
            journal: dir.join(format!("{stem}.journal")),
        }
    }

    /// Saves a policy and its journal.
    pub fn save(&self, policy: &Policy, journal: &Journal) -> Result<(), Error> {
        if let Some(dir) = self.policy.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        write_atomically(&self.policy, |out| write_policy(out, policy))?;
        write_atomically(&self.journal, |out| {
            for diff in journal.entries() {
                let stored = StoredDiff {
                    from: diff.from_serial,
                    to: diff.to_serial,
                    removed: diff.removed.iter().map(stored_rule).collect(),
                    added: diff.added.iter().map(stored_rule).collect(),
                };
                serde_json::to_writer(&mut *out, &stored).map_err(std::io::Error::other)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        })
    }

    /// Loads the saved policy and journal, or `None` when there is none.
    pub fn load(&self, limits: JournalLimits) -> Result<Option<(Policy, Journal)>, Error> {
        let file = match fs::File::open(&self.policy) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&self.policy, e)),
        };
        let policy = read_policy(BufReader::new(file)).map_err(|reason| Error::BadState {
            path: self.policy.clone(),
            reason,
        })?;
        let mut journal = Journal::new(limits);
        if let Ok(file) = fs::File::open(&self.journal) {
            for line in BufReader::new(file).lines() {
                let line = line.map_err(|e| Error::io(&self.journal, e))?;
                let stored: StoredDiff =
                    serde_json::from_str(&line).map_err(|e| Error::BadState {
                        path: self.journal.clone(),
                        reason: e.to_string(),
                    })?;
                journal.push(PolicyDiff {
                    from_serial: stored.from,
                    to_serial: stored.to,
                    removed: stored.removed.into_iter().map(rule_of).collect(),
                    added: stored.added.into_iter().map(rule_of).collect(),
                });
            }
        }
        // A journal that does not end at the saved serial is of no use.
        if journal
            .entries()
            .last()
            .is_some_and(|d| d.to_serial != policy.serial)
        {
            journal = Journal::new(limits);
        }
        Ok(Some((policy, journal)))
    }
}

fn stored_rule(rule: &Rule) -> StoredRule {
    StoredRule {
        name: rule.name.clone(),
        action: (*rule.action).clone(),
        subdomains: rule.subdomains,
    }
}

fn rule_of(stored: StoredRule) -> Rule {
    Rule {
        name: stored.name,
        action: Arc::new(stored.action),
        subdomains: stored.subdomains,
        provenance: None,
    }
}

fn write_atomically(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<fs::File>) -> std::io::Result<()>,
) -> Result<(), Error> {
    let temporary = path.with_extension("tmp");
    let result = (|| {
        let mut out = BufWriter::new(fs::File::create(&temporary)?);
        body(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    result.map_err(|e| Error::io(path, e))
}

fn write_policy(out: &mut impl Write, policy: &Policy) -> std::io::Result<()> {
    let mut actions: Vec<Action> = Vec::new();
    let mut action_index: AHashMap<*const Action, usize> = AHashMap::new();
    let mut origins: Vec<Provenance> = Vec::new();
    let mut origin_index: AHashMap<*const Provenance, usize> = AHashMap::new();
    for rule in policy.rules() {
        action_index
            .entry(Arc::as_ptr(&rule.action))
            .or_insert_with(|| {
                actions.push((*rule.action).clone());
                actions.len() - 1
            });
        if let Some(origin) = &rule.provenance {
            origin_index.entry(Arc::as_ptr(origin)).or_insert_with(|| {
                origins.push((**origin).clone());
                origins.len() - 1
            });
        }
    }
    let header = PolicyHeader {
        version: 1,
        zone: policy.zone.clone(),
        serial: policy.serial,
        soa: policy.soa.clone(),
        ns: policy.ns.clone(),
        ttl: policy.ttl,
        actions,
        origins,
        rules: policy.rules().len(),
    };
    serde_json::to_writer(&mut *out, &header).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    for rule in policy.rules() {
        let action = action_index[&Arc::as_ptr(&rule.action)];
        write!(
            out,
            "{}\t{action}\t{}\t",
            rule.name,
            u8::from(rule.subdomains)
        )?;
        match &rule.provenance {
            Some(origin) => writeln!(out, "{}", origin_index[&Arc::as_ptr(origin)])?,
            None => writeln!(out, "-")?,
        }
    }
    Ok(())
}

fn read_policy(mut input: impl BufRead) -> Result<Policy, String> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(|e| e.to_string())?;
    let header: PolicyHeader = serde_json::from_str(&line).map_err(|e| e.to_string())?;
    if header.version != 1 {
        return Err(format!("unknown state version {}", header.version));
    }
    let actions: Vec<Arc<Action>> = header.actions.into_iter().map(Arc::new).collect();
    let origins: Vec<Arc<Provenance>> = header.origins.into_iter().map(Arc::new).collect();
    let mut rules = Vec::with_capacity(header.rules.min(50_000_000));
    for (number, line) in input.lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        let bad = || format!("rule line {} is malformed", number + 2);
        let mut fields = line.split('\t');
        let name = fields.next().ok_or_else(bad)?;
        let action: usize = fields.next().and_then(|f| f.parse().ok()).ok_or_else(bad)?;
        let subdomains = fields.next().ok_or_else(bad)? == "1";
        let origin = match fields.next().ok_or_else(bad)? {
            "-" => None,
            index => Some(
                origins
                    .get(index.parse::<usize>().map_err(|_| bad())?)
                    .ok_or_else(bad)?
                    .clone(),
            ),
        };
        let name = DomainName::new(name)
            .map_err(|e| format!("rule line {}: '{name}': {e}", number + 2))?;
        rules.push(Rule {
            name,
            action: actions.get(action).ok_or_else(bad)?.clone(),
            subdomains,
            provenance: origin,
        });
    }
    Ok(Policy::new(
        header.zone,
        header.serial,
        header.soa,
        header.ns,
        header.ttl,
        rules,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str) -> Rule {
        Rule {
            name: DomainName::new(name).unwrap(),
            action: Arc::new(Action::Nxdomain),
            subdomains: false,
            provenance: Some(Arc::new(Provenance {
                family: "necurs".into(),
                seed: "default".into(),
                window: cautery_policy::Window {
                    from: "2026-11-26T00:00:00Z".parse().ok(),
                    to: None,
                },
            })),
        }
    }

    fn diff(from: u32, to: u32, n: usize) -> PolicyDiff {
        PolicyDiff {
            from_serial: from,
            to_serial: to,
            removed: Vec::new(),
            added: (0..n).map(|i| rule(&format!("n{i}.com"))).collect(),
        }
    }

    #[test]
    fn journal_is_bounded_and_chains_from_a_serial() {
        let mut journal = Journal::new(JournalLimits {
            max_entries: 3,
            max_rules: 10,
        });
        for serial in 1..6 {
            journal.push(diff(serial, serial + 1, 1));
        }
        assert_eq!(journal.len(), 3);
        assert!(journal.since(2).is_none());
        assert_eq!(journal.since(3).unwrap().len(), 3);
        assert_eq!(journal.since(5).unwrap().len(), 1);
        journal.push(diff(6, 7, 9));
        assert_eq!(journal.len(), 2, "rule bound drops old entries");
        journal.push(diff(99, 100, 1));
        assert_eq!(journal.len(), 1, "a gap clears the journal");
    }

    #[test]
    fn state_survives_a_round_trip() {
        let dir = std::env::temp_dir().join(format!("cautery-journal-{}", std::process::id()));
        let zone = DomainName::new("cautery.rpz").unwrap();
        let policy = Policy::new(
            zone.clone(),
            7,
            Soa::default(),
            vec![DomainName::new("ns.example").unwrap()],
            60,
            vec![rule("b.com"), rule("a.com")],
        );
        let mut journal = Journal::new(JournalLimits::default());
        journal.push(diff(6, 7, 2));
        let files = StateFiles::new(&dir, &zone);
        files.save(&policy, &journal).unwrap();
        let (loaded, loaded_journal) = files.load(JournalLimits::default()).unwrap().unwrap();
        assert!(loaded.same_content(&policy));
        assert_eq!(loaded.serial, 7);
        assert_eq!(loaded.rules()[0].provenance, policy.rules()[0].provenance);
        assert_eq!(loaded_journal.len(), 1);
        let _ = fs::remove_dir_all(dir);
    }
}

//! From records to findings: which client asked for the names of which
//! family, at the moments the family used them.
//!
//! A [`Collection`] keeps every record of an input compactly (names and
//! clients interned, an observation is 24 bytes) and knows the span of time
//! it covers; the caller builds a `cautery_dga::ReverseIndex` over that span
//! plus [`Settings::slack`] and asks for [`Collection::findings`]. A name
//! counts for a family only when one of the family's windows for it,
//! widened by the slack on both sides, holds the instant of the query; a
//! client becomes a finding only when it asked for at least
//! [`Settings::min_names`] distinct names of the family within some
//! [`Settings::window`], so one accidental lookup (a researcher, a
//! colliding word-list name) does not make an infected host.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ahash::AHashMap;
use cautery_dga::ReverseIndex;
use chrono::{DateTime, TimeDelta, Utc};

use crate::record::Record;

/// The family of findings made of names the classifier flags and no known
/// family explains.
pub const UNKNOWN_DGA: &str = "unknown-dga";

/// Thresholds of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Fewest distinct names of a family a client must ask for within
    /// [`Settings::window`].
    pub min_names: usize,
    /// The span within which those names must fall.
    pub window: TimeDelta,
    /// How far outside a name's window a query still counts (bots with
    /// wrong clocks, resolvers logging in local time, names retried late).
    pub slack: TimeDelta,
    /// How many sample names a finding carries.
    pub samples: usize,
    /// Fewest distinct names no family explains, but the classifier
    /// flags, that make an `unknown-dga` finding (within the window); 0
    /// turns those findings off.
    pub unknown_min_names: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            min_names: 3,
            window: TimeDelta::hours(24),
            slack: TimeDelta::hours(24),
            samples: 5,
            unknown_min_names: 10,
        }
    }
}

/// A conclusion about one client: it runs a family's DGA.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The querying address.
    pub client: IpAddr,
    /// The family (canonical name).
    pub family: &'static str,
    /// The seeds of the family whose names it asked for.
    pub seeds: Vec<String>,
    /// Its first query for a name of the family.
    pub first_seen: DateTime<Utc>,
    /// Its last such query.
    pub last_seen: DateTime<Utc>,
    /// Distinct names of the family asked for.
    pub names: usize,
    /// Lines (queries, replies, rewrites) about those names.
    pub lines: usize,
    /// The share of those lines that report NXDOMAIN, among the lines that
    /// report an answer at all; `None` when none does.
    pub nxdomain_share: Option<f64>,
    /// Some of the names, first asked first.
    pub samples: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct NameSlot {
    hash: u64,
    /// Ids count up from 0 in the order first seen.
    id: u32,
    start: u32,
    len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Observation {
    millis: i64,
    name: u32,
    client: u32,
    /// 0 unknown, 1 answered, 2 NXDOMAIN.
    answer: u8,
}

/// The records of an input, kept for attribution.
#[derive(Debug, Default)]
pub struct Collection {
    /// Each distinct name, once, with where it is in `name_text`: a probe
    /// touches the table and the text only (a log of a million distinct
    /// names misses the caches at each).
    name_ids: hashbrown::HashTable<NameSlot>,
    /// The distinct names end to end, one allocation for all of them.
    name_text: String,
    /// Where each name (by id) ends in `name_text`.
    name_ends: Vec<usize>,
    hasher: ahash::RandomState,
    client_ids: AHashMap<IpAddr, u32>,
    clients: Vec<IpAddr>,
    observations: Vec<Observation>,
    first: Option<i64>,
    last: Option<i64>,
}

/// More distinct names or clients than an index of 32 bits holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("more than 4 294 967 295 distinct names or clients (or 4 GiB of distinct names) in one input; split it")]
pub struct CollectionFull;

fn intern<K: std::hash::Hash + Eq>(
    ids: &mut AHashMap<K, u32>,
    key: K,
    push: impl FnOnce(),
    next: usize,
) -> Result<u32, CollectionFull> {
    if let Some(&id) = ids.get(&key) {
        return Ok(id);
    }
    let id = u32::try_from(next).map_err(|_| CollectionFull)?;
    ids.insert(key, id);
    push();
    Ok(id)
}

impl Collection {
    /// An empty collection.
    pub fn new() -> Collection {
        Collection::default()
    }

    /// Keeps one record.
    pub fn add(&mut self, record: &Record) -> Result<(), CollectionFull> {
        let name = self.intern_name(&record.name)?;
        let next = self.clients.len();
        let clients = &mut self.clients;
        let client = intern(
            &mut self.client_ids,
            record.client,
            || clients.push(record.client),
            next,
        )?;
        let millis = record.time.timestamp_millis();
        self.first = Some(self.first.map_or(millis, |first| first.min(millis)));
        self.last = Some(self.last.map_or(millis, |last| last.max(millis)));
        self.observations.push(Observation {
            millis,
            name,
            client,
            answer: match record.nxdomain {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            },
        });
        Ok(())
    }

    fn intern_name(&mut self, name: &str) -> Result<u32, CollectionFull> {
        let hash = self.hasher.hash_one(name);
        let text = &self.name_text;
        let same = |slot: &NameSlot| {
            slot.hash == hash
                && text.get(slot.start as usize..(slot.start + slot.len) as usize) == Some(name)
        };
        if let Some(slot) = self.name_ids.find(hash, same) {
            return Ok(slot.id);
        }
        let id = u32::try_from(self.name_ends.len()).map_err(|_| CollectionFull)?;
        let start = u32::try_from(self.name_text.len()).map_err(|_| CollectionFull)?;
        let len = u32::try_from(name.len()).map_err(|_| CollectionFull)?;
        start.checked_add(len).ok_or(CollectionFull)?;
        self.name_text.push_str(name);
        self.name_ends.push(self.name_text.len());
        let slot = NameSlot {
            hash,
            id,
            start,
            len,
        };
        self.name_ids.insert_unique(hash, slot, |slot| slot.hash);
        Ok(id)
    }

    /// Number of records kept.
    pub fn len(&self) -> usize {
        self.observations.len()
    }

    /// Whether no record was kept.
    pub fn is_empty(&self) -> bool {
        self.observations.is_empty()
    }

    /// Number of distinct names.
    pub fn distinct_names(&self) -> usize {
        self.name_ends.len()
    }

    /// The distinct names by id.
    fn names(&self) -> Vec<&str> {
        let mut start = 0;
        self.name_ends
            .iter()
            .map(|&end| {
                let name = &self.name_text[start..end];
                start = end;
                name
            })
            .collect()
    }

    /// The first and last instants of the records, if any.
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let first = DateTime::from_timestamp_millis(self.first?)?;
        let last = DateTime::from_timestamp_millis(self.last?)?;
        Some((first, last))
    }

    /// Attributes every record through `index` and returns the findings,
    /// ordered by client, then family. Names no family of the index makes
    /// at all are given to `is_dga` (once each); those it flags count for
    /// the family [`UNKNOWN_DGA`].
    pub fn findings(
        &self,
        index: &ReverseIndex,
        settings: &Settings,
        is_dga: &dyn Fn(&str) -> bool,
    ) -> Vec<Finding> {
        let names = self.names();
        // Each name's origins, looked up once: (family, seed, window).
        let origins: Vec<Vec<(&'static str, String, cautery_dga::Window)>> = names
            .iter()
            .map(|name| {
                index
                    .lookup(name)
                    .into_iter()
                    .map(|hit| (hit.family, hit.seed.to_owned(), hit.window))
                    .collect()
            })
            .collect();
        let unknown: Vec<bool> = if settings.unknown_min_names == 0 {
            vec![false; names.len()]
        } else {
            names
                .iter()
                .zip(&origins)
                .map(|(name, hits)| hits.is_empty() && is_dga(name))
                .collect()
        };
        let mut groups: AHashMap<(u32, &'static str), Group> = AHashMap::new();
        for observation in &self.observations {
            let hits = &origins[observation.name as usize];
            if unknown[observation.name as usize] {
                groups
                    .entry((observation.client, UNKNOWN_DGA))
                    .or_default()
                    .observations
                    .push(*observation);
                continue;
            }
            if hits.is_empty() {
                continue;
            }
            let Some(at) = DateTime::from_timestamp_millis(observation.millis) else {
                continue;
            };
            let (start, end) = (at - settings.slack, at + settings.slack);
            let mut counted: Vec<&'static str> = Vec::new();
            for (family, seed, window) in hits {
                if !window.overlaps(start, end) {
                    continue;
                }
                let group = groups.entry((observation.client, family)).or_default();
                group.seeds.insert(seed.clone());
                if !counted.contains(family) {
                    counted.push(family);
                    group.observations.push(*observation);
                }
            }
        }
        let mut findings: Vec<Finding> = groups
            .into_iter()
            .filter_map(|((client, family), group)| {
                self.finding(
                    &names,
                    self.clients[client as usize],
                    family,
                    group,
                    settings,
                )
            })
            .collect();
        findings.sort_by(|a, b| (a.client, a.family).cmp(&(b.client, b.family)));
        findings
    }

    fn finding(
        &self,
        names: &[&str],
        client: IpAddr,
        family: &'static str,
        mut group: Group,
        settings: &Settings,
    ) -> Option<Finding> {
        group.observations.sort_by_key(|o| o.millis);
        let observations = &group.observations;
        let needed = if family == UNKNOWN_DGA {
            settings.unknown_min_names.max(settings.min_names)
        } else {
            settings.min_names
        };
        if most_distinct_within(observations, settings.window.num_milliseconds()) < needed {
            return None;
        }
        let mut seen: AHashMap<u32, ()> = AHashMap::new();
        let mut samples = Vec::new();
        for observation in observations {
            if seen.insert(observation.name, ()).is_none() && samples.len() < settings.samples {
                samples.push(names[observation.name as usize].to_string());
            }
        }
        let answered = observations.iter().filter(|o| o.answer != 0).count();
        let nxdomain = observations.iter().filter(|o| o.answer == 2).count();
        #[allow(clippy::cast_precision_loss)]
        let nxdomain_share = (answered > 0).then(|| nxdomain as f64 / answered as f64);
        Some(Finding {
            client,
            family,
            seeds: group.seeds.into_iter().collect(),
            first_seen: DateTime::from_timestamp_millis(observations.first()?.millis)?,
            last_seen: DateTime::from_timestamp_millis(observations.last()?.millis)?,
            names: seen.len(),
            lines: observations.len(),
            nxdomain_share,
            samples,
        })
    }
}

#[derive(Debug, Default)]
struct Group {
    seeds: BTreeSet<String>,
    observations: Vec<Observation>,
}

/// The most distinct names among observations (sorted by time) that fall
/// within any span of `window` milliseconds.
fn most_distinct_within(observations: &[Observation], window: i64) -> usize {
    let mut counts: AHashMap<u32, usize> = AHashMap::new();
    let mut most = 0;
    let mut start = 0;
    for (end, observation) in observations.iter().enumerate() {
        *counts.entry(observation.name).or_insert(0) += 1;
        while observation.millis - observations[start].millis > window {
            let name = observations[start].name;
            if let Some(count) = counts.get_mut(&name) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(&name);
                }
            }
            start += 1;
        }
        debug_assert!(start <= end);
        most = most.max(counts.len());
    }
    most
}

#[cfg(test)]
mod tests {
    use super::*;
    use cautery_dga::{find_family, predict, Generator};
    use chrono::NaiveDate;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Every name `family` (default seed) uses on `day`, with its window.
    fn names_of(family: &str, on: &str) -> Vec<String> {
        let family = find_family(family).unwrap();
        let generator: Box<dyn Generator> = (family.bind)(family.default_seed().value).unwrap();
        let mut out = Vec::new();
        predict(
            family,
            generator.as_ref(),
            day(on),
            day(on),
            |name, window| {
                if window.contains(at(&format!("{on}T12:00:00Z"))) {
                    out.push(name.to_ascii_lowercase());
                }
            },
        )
        .unwrap();
        out
    }

    fn index(family: &str, first: &str, last: &str) -> ReverseIndex {
        let family = find_family(family).unwrap();
        let generator = (family.bind)(family.default_seed().value).unwrap();
        let mut index = ReverseIndex::new();
        index
            .add(family, "default", generator.as_ref(), day(first), day(last))
            .unwrap();
        index
    }

    fn record(time: &str, client: &str, name: &str, nxdomain: Option<bool>) -> Record {
        Record {
            time: at(time),
            client: client.parse().unwrap(),
            name: name.to_owned(),
            nxdomain,
        }
    }

    #[test]
    fn only_clients_with_enough_names_of_the_day_are_found() {
        let names = names_of("necurs", "2026-12-02");
        let old = names_of("necurs", "2026-09-01");
        assert!(names.len() > 10 && !old.is_empty());
        let index = index("necurs", "2026-08-25", "2026-12-09");
        let mut collection = Collection::new();
        // .2: infected, five names of the day, some NXDOMAIN.
        for (i, name) in names.iter().take(5).enumerate() {
            let time = format!("2026-12-02T12:0{i}:00Z");
            collection
                .add(&record(&time, "127.0.0.2", name, None))
                .unwrap();
            collection
                .add(&record(&time, "127.0.0.2", name, Some(i % 2 == 0)))
                .unwrap();
        }
        // .3: one accidental lookup of a name of the day, and benign names.
        collection
            .add(&record(
                "2026-12-02T12:00:00Z",
                "127.0.0.3",
                &names[0],
                None,
            ))
            .unwrap();
        collection
            .add(&record(
                "2026-12-02T12:00:00Z",
                "127.0.0.3",
                "www.example.com",
                None,
            ))
            .unwrap();
        // .4: names of September asked for in December: not that moment's.
        for name in old.iter().take(5) {
            collection
                .add(&record("2026-12-02T13:00:00Z", "127.0.0.4", name, None))
                .unwrap();
        }
        let findings = collection.findings(&index, &Settings::default(), &|_| false);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let finding = &findings[0];
        assert_eq!(finding.client.to_string(), "127.0.0.2");
        assert_eq!(finding.family, "necurs");
        assert_eq!(finding.names, 5);
        assert_eq!(finding.lines, 10);
        assert_eq!(finding.nxdomain_share, Some(0.6));
        assert_eq!(finding.first_seen, at("2026-12-02T12:00:00Z"));
        assert_eq!(finding.last_seen, at("2026-12-02T12:04:00Z"));
        assert_eq!(finding.samples, names[..5].to_vec());
        assert_eq!(finding.seeds, ["default"]);

        let strict = Settings {
            min_names: 6,
            ..Settings::default()
        };
        assert!(collection.findings(&index, &strict, &|_| false).is_empty());
    }

    #[test]
    fn flagged_names_no_family_explains_make_unknown_dga_findings() {
        let index = index("necurs", "2026-12-01", "2026-12-03");
        let names = names_of("necurs", "2026-12-02");
        let mut collection = Collection::new();
        for (i, name) in names.iter().take(12).enumerate() {
            let time = format!("2026-12-02T12:{i:02}:00Z");
            collection
                .add(&record(
                    &time,
                    "10.0.0.9",
                    &format!("zz{i}q.example"),
                    Some(true),
                ))
                .unwrap();
            // A known family's name is never unknown, whatever the score.
            collection
                .add(&record(&time, "10.0.0.8", name, None))
                .unwrap();
            collection
                .add(&record(&time, "10.0.0.7", &format!("ok{i}.example"), None))
                .unwrap();
        }
        let flag = |name: &str| name.starts_with("zz") || names.iter().any(|n| n == name);
        let findings = collection.findings(&index, &Settings::default(), &flag);
        let found: Vec<(String, &str)> = findings
            .iter()
            .map(|f| (f.client.to_string(), f.family))
            .collect();
        assert_eq!(
            found,
            [
                ("10.0.0.8".to_owned(), "necurs"),
                ("10.0.0.9".to_owned(), UNKNOWN_DGA)
            ]
        );
        assert_eq!(findings[1].names, 12);
        assert_eq!(findings[1].nxdomain_share, Some(1.0));
        let fewer = Settings {
            unknown_min_names: 13,
            ..Settings::default()
        };
        assert_eq!(collection.findings(&index, &fewer, &flag).len(), 1);
        let off = Settings {
            unknown_min_names: 0,
            ..Settings::default()
        };
        assert_eq!(collection.findings(&index, &off, &flag).len(), 1);
    }

    #[test]
    fn the_nxdomain_share_counts_only_lines_with_an_answer_code() {
        let index = index("necurs", "2026-12-01", "2026-12-03");
        let mut collection = Collection::new();
        for i in 0..10 {
            let time = format!("2026-12-02T12:{i:02}:00Z");
            let name = format!("zz{i}q.example");
            // .9: a query line (no code) and a reply line for each name,
            // 4 of 10 replies NXDOMAIN; .10: query lines only.
            collection
                .add(&record(&time, "10.0.0.9", &name, None))
                .unwrap();
            collection
                .add(&record(&time, "10.0.0.9", &name, Some(i < 4)))
                .unwrap();
            collection
                .add(&record(&time, "10.0.0.10", &name, None))
                .unwrap();
        }
        let flag = |name: &str| name.starts_with("zz");
        let findings = collection.findings(&index, &Settings::default(), &flag);
        assert_eq!(findings.len(), 2, "{findings:?}");
        // A file's unknown-dga finding does not require most NXDOMAIN (the
        // share is printed for the reader to judge).
        assert_eq!(findings[0].client.to_string(), "10.0.0.9");
        assert_eq!(findings[0].lines, 20);
        assert_eq!(findings[0].nxdomain_share, Some(0.4));
        assert_eq!(findings[1].client.to_string(), "10.0.0.10");
        assert_eq!(findings[1].nxdomain_share, None);
    }

    /// Names `family` (default seed) uses at `instant`.
    fn names_at(family: &str, instant: &str) -> Vec<String> {
        let family = find_family(family).unwrap();
        let generator: Box<dyn Generator> = (family.bind)(family.default_seed().value).unwrap();
        let instant = at(instant);
        let on = instant.date_naive();
        let mut out = Vec::new();
        predict(
            family,
            generator.as_ref(),
            on.pred_opt().unwrap(),
            on.succ_opt().unwrap(),
            |name, window| {
                let name = name.to_ascii_lowercase();
                if window.contains(instant) && !out.contains(&name) {
                    out.push(name);
                }
            },
        )
        .unwrap();
        out
    }

    fn found(findings: &[Finding]) -> Vec<(String, &'static str, usize)> {
        findings
            .iter()
            .map(|f| (f.client.to_string(), f.family, f.names))
            .collect()
    }

    #[test]
    fn each_family_has_its_own_threshold_for_one_client() {
        let mut index = index("necurs", "2026-12-01", "2026-12-03");
        let qakbot = find_family("qakbot").unwrap();
        let generator = (qakbot.bind)(qakbot.default_seed().value).unwrap();
        index
            .add(
                qakbot,
                "default",
                generator.as_ref(),
                day("2026-12-01"),
                day("2026-12-03"),
            )
            .unwrap();
        let necurs = names_at("necurs", "2026-12-02T12:00:00Z");
        let qakbot = names_at("qakbot", "2026-12-02T12:00:00Z");
        assert!(necurs.len() >= 2 && qakbot.len() >= 50, "{}", qakbot.len());
        let mut collection = Collection::new();
        // .2: two necurs names and fifty qakbot names in one day; .3: one
        // of each.
        for (i, name) in necurs
            .iter()
            .take(2)
            .chain(qakbot.iter().take(50))
            .enumerate()
        {
            let time = format!("2026-12-02T{:02}:{:02}:00Z", 8 + i / 60, i % 60);
            collection
                .add(&record(&time, "10.0.0.2", name, None))
                .unwrap();
        }
        for name in [&necurs[0], &qakbot[0]] {
            collection
                .add(&record("2026-12-02T09:00:00Z", "10.0.0.3", name, None))
                .unwrap();
        }
        let findings = collection.findings(&index, &Settings::default(), &|_| false);
        assert_eq!(found(&findings), [("10.0.0.2".into(), "qakbot", 50)]);
        let two = Settings {
            min_names: 2,
            ..Settings::default()
        };
        let findings = collection.findings(&index, &two, &|_| false);
        assert_eq!(
            found(&findings),
            [
                ("10.0.0.2".into(), "necurs", 2),
                ("10.0.0.2".into(), "qakbot", 50)
            ]
        );
    }

    #[test]
    fn names_asked_across_midnight_utc_count_together_within_the_window() {
        let index = index("necurs", "2026-11-30", "2026-12-04");
        let late = names_at("necurs", "2026-12-01T23:50:00Z");
        let early: Vec<String> = names_at("necurs", "2026-12-02T00:10:00Z")
            .into_iter()
            .filter(|name| !late[..2].contains(name))
            .collect();
        // (Necurs's windows last days: the same names may be valid on both
        // sides of midnight; distinct ones are taken.)
        assert!(late.len() >= 2 && early.len() >= 2);
        let first_hour = names_at("necurs", "2026-12-01T00:10:00Z");
        let last_hour: Vec<String> = names_at("necurs", "2026-12-02T23:50:00Z")
            .into_iter()
            .filter(|name| !first_hour[..2].contains(name))
            .collect();
        let mut collection = Collection::new();
        // .2: two names 10 minutes before midnight, two 10 minutes after.
        for name in late.iter().take(2) {
            collection
                .add(&record("2026-12-01T23:50:00Z", "10.0.0.2", name, None))
                .unwrap();
        }
        for name in early.iter().take(2) {
            collection
                .add(&record("2026-12-02T00:10:00Z", "10.0.0.2", name, None))
                .unwrap();
        }
        // .3: two names early on the first day, two late on the second:
        // the same two calendar days, but 47 hours apart.
        for name in first_hour.iter().take(2) {
            collection
                .add(&record("2026-12-01T00:10:00Z", "10.0.0.3", name, None))
                .unwrap();
        }
        for name in last_hour.iter().take(2) {
            collection
                .add(&record("2026-12-02T23:50:00Z", "10.0.0.3", name, None))
                .unwrap();
        }
        // Without slack, so each name counts only inside its own window.
        let exact = Settings {
            slack: TimeDelta::zero(),
            ..Settings::default()
        };
        let findings = collection.findings(&index, &exact, &|_| false);
        assert_eq!(found(&findings), [("10.0.0.2".into(), "necurs", 4)]);
        assert_eq!(findings[0].first_seen, at("2026-12-01T23:50:00Z"));
        assert_eq!(findings[0].last_seen, at("2026-12-02T00:10:00Z"));
        // A window of two days holds .3's names too.
        let two_days = Settings {
            window: TimeDelta::hours(48),
            ..exact
        };
        let findings = collection.findings(&index, &two_days, &|_| false);
        assert_eq!(
            found(&findings),
            [
                ("10.0.0.2".into(), "necurs", 4),
                ("10.0.0.3".into(), "necurs", 4)
            ]
        );
    }

    #[test]
    fn mixed_case_and_trailing_dots_are_one_name_each() {
        use crate::{InputFormat, LineParser};
        let index = index("necurs", "2026-12-01", "2026-12-03");
        let names = names_at("necurs", "2026-12-02T12:00:00Z");
        let line = |client: &str, name: &str| {
            format!(
                "02-Dec-2026 12:00:00.000 queries: info: client @0x7f0d2c0a6b68 {client}#5353 \
                 ({name}): query: {name} IN A +E(0)K (10.0.0.53)"
            )
        };
        let mut parser = LineParser::new(InputFormat::Bind, 2026);
        let mut collection = Collection::new();
        let mut add = |text: String| {
            let record = parser.parse(text.as_bytes()).unwrap().unwrap();
            collection.add(&record).unwrap();
        };
        // .2: three names, each as written, in upper case with the root's
        // dot, and in mixed case; .3: one name written three ways.
        for name in names.iter().take(3) {
            add(line("10.0.0.2", name));
            add(line("10.0.0.2", &format!("{}.", name.to_ascii_uppercase())));
            let mixed: String = name
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            add(line("10.0.0.2", &mixed));
        }
        add(line("10.0.0.3", &names[3]));
        add(line(
            "10.0.0.3",
            &format!("{}.", names[3].to_ascii_uppercase()),
        ));
        add(line("10.0.0.3", &names[3].to_ascii_uppercase()));
        let findings = collection.findings(&index, &Settings::default(), &|_| false);
        assert_eq!(found(&findings), [("10.0.0.2".into(), "necurs", 3)]);
        assert_eq!(findings[0].lines, 9);
        assert_eq!(findings[0].samples, names[..3].to_vec());
    }

    #[test]
    fn names_spread_wider_than_the_window_do_not_add_up() {
        let obs = |millis, name| Observation {
            millis,
            name,
            client: 0,
            answer: 0,
        };
        let hour = 3_600_000;
        let spread = [
            obs(0, 1),
            obs(2 * hour, 2),
            obs(4 * hour, 3),
            obs(4 * hour, 3),
        ];
        assert_eq!(most_distinct_within(&spread, hour), 1);
        assert_eq!(most_distinct_within(&spread, 2 * hour), 2);
        assert_eq!(most_distinct_within(&spread, 4 * hour), 3);
    }
}

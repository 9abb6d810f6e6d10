//! Victims counted per hour: the aggregates behind the console's victims
//! page (events and distinct sources per family over time, per AS, per
//! country), kept by the stores beside the events so that a count over 31
//! days reads hours, not every event.
//!
//! - [`HourlyRow`]: one (hour, family, source address, AS, country) with
//!   the number of events. The stores keep these rows in a `victims_hourly`
//!   table, added to in the same transaction as the events they count
//!   (schema version 4 created it and backfilled it from the events).
//! - [`VictimCounts`]: adds rows up into a period's answer.
//!
//! Distinct sources over several hours cannot be summed from per-hour
//! counts (a bot seen in two hours is one source), so each row keeps its
//! source address: the distinct sources of a period are the distinct
//! addresses among its rows, exactly, not an estimate. The price is one
//! row per source, family, AS and country per hour: a sinkhole seeing S
//! distinct bots an hour keeps about S rows an hour, however often each
//! bot calls (a bot calls its domains many times an hour, so this is far
//! fewer rows than events).
//!
//! Known limitations: retention deletes the rows of an hour once all of
//! that hour is before its cut-off, so an hour that retention has cut
//! through is counted whole until the next purge. Events are counted in
//! the hour of their own time stamp (the daemon's clock), not when they
//! were stored.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::event::Event;

/// The counts of one source for one family, AS and country in one hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HourlyRow {
    /// The start of the hour, UTC.
    pub hour: DateTime<Utc>,
    /// The family the events were attributed to, `None` for none.
    pub family: Option<String>,
    /// The source, IPv4-mapped IPv6 addresses as IPv4.
    pub src_ip: IpAddr,
    /// The source's AS when enrichment knew it.
    pub src_asn: Option<u32>,
    /// The AS's name (the smallest seen in the hour, when several).
    pub src_as_name: Option<String>,
    /// The source's country (ISO 3166 alpha-2) when enrichment knew it.
    pub src_country: Option<String>,
    /// Events.
    pub events: u64,
}

/// What identifies a row: everything but the AS name and the count.
type Key = (
    DateTime<Utc>,
    Option<String>,
    IpAddr,
    Option<u32>,
    Option<String>,
);

/// The start of the hour of `time`.
pub fn hour_of(time: DateTime<Utc>) -> DateTime<Utc> {
    time.duration_trunc(TimeDelta::hours(1)).unwrap_or(time)
}

/// The smaller of two optional names, a name before none: the one rule by
/// which every store and the in-memory count pick an AS's name.
pub(crate) fn smaller_name(a: Option<String>, b: Option<&str>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) if b < a.as_str() => Some(b.to_owned()),
        (Some(a), _) => Some(a),
        (None, b) => b.map(str::to_owned),
    }
}

impl HourlyRow {
    /// The row of one event.
    pub fn of_event(event: &Event) -> HourlyRow {
        HourlyRow {
            hour: hour_of(event.time),
            family: event
                .attribution
                .as_ref()
                .map(|a| a.provenance.family.to_string()),
            src_ip: event.src_ip(),
            src_asn: event.src_asn,
            src_as_name: event.src_as_name.clone(),
            // The stores write no country as '': an empty one is none.
            src_country: event.src_country.clone().filter(|c| !c.is_empty()),
            events: 1,
        }
    }

    fn key(&self) -> Key {
        (
            self.hour,
            self.family.clone(),
            self.src_ip,
            self.src_asn,
            self.src_country.clone(),
        )
    }
}

/// Rows merged by key: what a batch adds to the stored aggregates.
#[derive(Default)]
pub struct HourlyRows {
    rows: HashMap<Key, HourlyRow>,
}

impl HourlyRows {
    /// Adds `row` to the row of the same key.
    pub fn add(&mut self, row: HourlyRow) {
        match self.rows.entry(row.key()) {
            Entry::Occupied(mut kept) => {
                let kept = kept.get_mut();
                kept.events += row.events;
                kept.src_as_name =
                    smaller_name(kept.src_as_name.take(), row.src_as_name.as_deref());
            }
            Entry::Vacant(slot) => {
                slot.insert(row);
            }
        }
    }

    /// The rows of `events`, merged.
    pub fn of_events(events: &[Event]) -> HourlyRows {
        let mut rows = HourlyRows::default();
        for event in events {
            rows.add(HourlyRow::of_event(event));
        }
        rows
    }

    /// The rows in key order (stores write them in this order, so that two
    /// writers lock rows in the same order and never deadlock).
    pub fn into_sorted(self) -> Vec<HourlyRow> {
        let mut rows: Vec<HourlyRow> = self.rows.into_values().collect();
        // Compared in place: a key() per comparison would clone two strings.
        rows.sort_unstable_by(|a, b| {
            (a.hour, &a.family, a.src_ip, a.src_asn, &a.src_country).cmp(&(
                b.hour,
                &b.family,
                b.src_ip,
                b.src_asn,
                &b.src_country,
            ))
        });
        rows
    }
}

/// Events and distinct sources.
#[derive(Default)]
struct Tally {
    events: u64,
    sources: HashSet<IpAddr>,
}

impl Tally {
    fn add(&mut self, row: &HourlyRow) {
        self.events += row.events;
        self.sources.insert(row.src_ip);
    }
}

/// Events and distinct sources of one bucket, family, AS or country.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    /// Events.
    pub events: u64,
    /// Distinct source addresses.
    pub sources: u64,
}

impl From<&Tally> for Count {
    fn from(tally: &Tally) -> Count {
        Count {
            events: tally.events,
            sources: tally.sources.len() as u64,
        }
    }
}

/// One family's counts over a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyCounts {
    /// The family, `None` for events no family was attributed to.
    pub family: Option<String>,
    /// Over the whole period.
    pub total: Count,
    /// Every bucket of the period in time order, zeros included.
    pub points: Vec<(DateTime<Utc>, Count)>,
}

/// One AS's counts over a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsCounts {
    /// The AS, `None` for sources enrichment did not place.
    pub asn: Option<u32>,
    /// Its name.
    pub as_name: Option<String>,
    /// Over the period.
    pub total: Count,
}

/// One country's counts over a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountryCounts {
    /// The country, `None` for sources enrichment did not place.
    pub country: Option<String>,
    /// Over the period.
    pub total: Count,
}

/// A period's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    /// Everything.
    pub total: Count,
    /// Per family, by name (events without a family last).
    pub families: Vec<FamilyCounts>,
    /// Per AS, most sources first (then most events, then the AS number).
    pub asns: Vec<AsCounts>,
    /// Per country, most sources first (then most events, then the code).
    pub countries: Vec<CountryCounts>,
}

/// A family's tallies per bucket.
type Series = BTreeMap<DateTime<Utc>, Tally>;

/// Adds rows of `[from, to)` up into buckets of `bucket` (an hour or a
/// multiple of it, aligned on `from`).
pub struct VictimCounts {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: TimeDelta,
    total: Tally,
    families: BTreeMap<Option<String>, (Tally, Series)>,
    asns: HashMap<Option<u32>, (Option<String>, Tally)>,
    countries: HashMap<Option<String>, Tally>,
    rows: u64,
}

impl VictimCounts {
    /// Counts for `[from, to)` in buckets of `bucket`.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>, bucket: TimeDelta) -> VictimCounts {
        VictimCounts {
            from,
            to,
            bucket,
            total: Tally::default(),
            families: BTreeMap::new(),
            asns: HashMap::new(),
            countries: HashMap::new(),
            rows: 0,
        }
    }

    /// Rows added so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Adds one row (rows outside the period are left out).
    pub fn add(&mut self, row: &HourlyRow) {
        if row.hour < self.from || row.hour >= self.to {
            return;
        }
        self.rows += 1;
        self.total.add(row);
        let buckets = (row.hour - self.from).num_seconds() / self.bucket.num_seconds().max(1);
        let at = self.from + self.bucket * i32::try_from(buckets).unwrap_or(i32::MAX);
        let (tally, series) = self.families.entry(row.family.clone()).or_default();
        tally.add(row);
        series.entry(at).or_default().add(row);
        let (name, tally) = self.asns.entry(row.src_asn).or_default();
        *name = smaller_name(name.take(), row.src_as_name.as_deref());
        tally.add(row);
        self.countries
            .entry(row.src_country.clone())
            .or_default()
            .add(row);
    }

    /// The answer, with at most `top` ASes and countries.
    pub fn finish(self, top: usize) -> Counted {
        let (from, to, bucket) = (self.from, self.to, self.bucket);
        let mut families: Vec<FamilyCounts> = self
            .families
            .into_iter()
            .map(|(family, (tally, series))| {
                let mut points = Vec::new();
                let mut at = from;
                while at < to {
                    points.push((at, series.get(&at).map(Count::from).unwrap_or_default()));
                    at += bucket;
                }
                FamilyCounts {
                    family,
                    total: Count::from(&tally),
                    points,
                }
            })
            .collect();
        // None sorts first in a BTreeMap; events without a family go last.
        families.sort_by_key(|f| (f.family.is_none(), f.family.clone()));
        let mut asns: Vec<AsCounts> = self
            .asns
            .into_iter()
            .map(|(asn, (as_name, tally))| AsCounts {
                asn,
                as_name,
                total: Count::from(&tally),
            })
            .collect();
        asns.sort_by(|a, b| {
            b.total
                .sources
                .cmp(&a.total.sources)
                .then(b.total.events.cmp(&a.total.events))
                .then(a.asn.cmp(&b.asn))
        });
        asns.truncate(top);
        let mut countries: Vec<CountryCounts> = self
            .countries
            .into_iter()
            .map(|(country, tally)| CountryCounts {
                country,
                total: Count::from(&tally),
            })
            .collect();
        countries.sort_by(|a, b| {
            b.total
                .sources
                .cmp(&a.total.sources)
                .then(b.total.events.cmp(&a.total.events))
                .then(a.country.cmp(&b.country))
        });
        countries.truncate(top);
        Counted {
            total: Count::from(&self.total),
            families,
            asns,
            countries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, dns_event};

    #[test]
    fn a_source_seen_in_two_hours_is_one_source() {
        let mut first = dns_event("192.0.2.1:1", "a.com", "A");
        first.time = at(5, 10, 0);
        let mut second = dns_event("[::ffff:192.0.2.1]:2", "a.com", "A");
        second.time = at(6, 50, 0);
        let mut other = dns_event("192.0.2.2:3", "a.com", "A");
        other.time = at(6, 51, 0);
        let rows = HourlyRows::of_events(&[first, second, other]).into_sorted();
        assert_eq!(rows.len(), 3);
        let mut counts = VictimCounts::new(
            at(0, 0, 0),
            at(0, 0, 0) + TimeDelta::days(1),
            TimeDelta::hours(1),
        );
        for row in &rows {
            counts.add(row);
        }
        let counted = counts.finish(50);
        assert_eq!(
            counted.total,
            Count {
                events: 3,
                sources: 2
            }
        );
        let points = &counted.families[0].points;
        assert_eq!(points.len(), 24);
        assert_eq!(
            points[5].1,
            Count {
                events: 1,
                sources: 1
            }
        );
        assert_eq!(
            points[6].1,
            Count {
                events: 2,
                sources: 2
            }
        );
    }

    #[test]
    fn as_names_are_the_smallest_seen() {
        assert_eq!(smaller_name(None, Some("b")), Some("b".into()));
        assert_eq!(smaller_name(Some("b".into()), Some("a")), Some("a".into()));
        assert_eq!(smaller_name(Some("a".into()), None), Some("a".into()));
    }
}

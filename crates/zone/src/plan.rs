//! The planner and the policy: from a campaign's targets and an instant to
//! the names in force over the horizon, each once with its provenance, and
//! from those to the names a policy may block.
//!
//! A plan made for the instant `at` holds every prediction whose window
//! shares an instant with `[at - days_back, at + days_ahead]`. Generation is
//! spread over the machine's cores, one share of the bound seeds each; the
//! result does not depend on how it was spread, since records are sorted by
//! name, then source, then window.

use std::cmp::Ordering;

use cautery_dga::{midnight, predict, Window, EARLIEST_DAY, LATEST_DAY};
use cautery_policy::{check_name_within, NameError, ProvenanceRef};
use chrono::{DateTime, TimeDelta, Utc};

use crate::allow::{AllowList, AllowMatch};
use crate::error::CampaignError;
use crate::targets::{check_horizon, BoundSeed, Horizon};

/// A plan that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The horizon reaches outside the days the family library serves.
    #[error(
        "the range {start} .. {end} is outside the days served ({EARLIEST_DAY} to {LATEST_DAY})"
    )]
    OutOfRange {
        /// First instant of the horizon.
        start: DateTime<Utc>,
        /// Last instant of the horizon.
        end: DateTime<Utc>,
    },
    /// A family's generator panicked: a bug in the family library. No plan
    /// is made rather than one with names missing.
    #[error("a family generator failed (a bug, please report it); no policy was written")]
    GeneratorFailed,
    /// The names of one share of the seeds exceed 4 GiB of text.
    #[error("the plan holds more than 4 GiB of names per thread; shorten the horizon or split the campaign")]
    TooLarge,
    /// The horizon is too long.
    #[error(transparent)]
    Campaign(#[from] CampaignError),
}

/// A family and seed, as named in a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Canonical family name.
    pub family: &'static str,
    /// Seed name or raw value.
    pub seed: String,
}

#[derive(Debug)]
struct Record {
    /// The name's first eight bytes, big-endian, so most comparisons while
    /// sorting millions of names are one integer comparison.
    prefix: u64,
    /// The name's place in its share's arena: which arena, where, how long.
    arena: u16,
    start: u32,
    length: u32,
    source: u32,
    window: Window,
}

/// One name of a plan with all its origins.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    plan: &'a Plan,
    range: (u32, u32),
}

impl<'a> Entry<'a> {
    /// The name, lower case.
    pub fn name(&self) -> &'a str {
        name_of(&self.plan.arenas, &self.plan.records[self.range.0 as usize])
    }

    /// Every family, seed and window that produced the name, sorted by
    /// family, seed and window.
    pub fn origins(&self) -> impl Iterator<Item = ProvenanceRef<'a>> + 'a {
        let plan = self.plan;
        plan.records[self.range.0 as usize..self.range.1 as usize]
            .iter()
            .map(move |r| {
                let source = &plan.sources[r.source as usize];
                ProvenanceRef {
                    family: source.family,
                    seed: &source.seed,
                    window: r.window,
                }
            })
    }

    /// The first origin (every entry has one).
    pub fn first_origin(&self) -> ProvenanceRef<'a> {
        let record = &self.plan.records[self.range.0 as usize];
        let source = &self.plan.sources[record.source as usize];
        ProvenanceRef {
            family: source.family,
            seed: &source.seed,
            window: record.window,
        }
    }

    /// The union of the origins' windows: earliest start and latest end
    /// (`None` for unbounded).
    pub fn span(&self) -> Window {
        let mut origins = self.origins();
        let first = origins.next().map_or(Window::ALWAYS, |o| o.window);
        origins.fold(first, |acc, o| Window {
            from: acc.from.zip(o.window.from).map(|(a, b)| a.min(b)),
            to: acc.to.zip(o.window.to).map(|(a, b)| a.max(b)),
        })
    }
}

/// Every name in force over a horizon, once, with provenance; sorted by name.
#[derive(Debug)]
pub struct Plan {
    /// The instant the plan is made for.
    pub at: DateTime<Utc>,
    /// First instant of the horizon.
    pub start: DateTime<Utc>,
    /// First instant after the horizon.
    pub end: DateTime<Utc>,
    sources: Vec<Source>,
    /// The names' text, one arena per generating thread: millions of small
    /// allocations would cost more than the names themselves.
    arenas: Vec<String>,
    records: Vec<Record>,
    /// Start of each name's run of records, plus the end.
    groups: Vec<u32>,
}

impl Plan {
    /// Distinct names.
    pub fn len(&self) -> usize {
        self.groups.len().saturating_sub(1)
    }

    /// Whether no name is in force.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Predictions before deduplication (one per name, family, seed, window).
    pub fn predictions(&self) -> usize {
        self.records.len()
    }

    /// The families and seeds planned.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The `index`th name, in name order.
    pub fn entry(&self, index: usize) -> Entry<'_> {
        Entry {
            plan: self,
            range: (self.groups[index], self.groups[index + 1]),
        }
    }

    /// Every name, in name order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        (0..self.len()).map(move |i| self.entry(i))
    }
}

/// The horizon around `at`, as `[start, end]`.
pub fn horizon_bounds(horizon: &Horizon, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        at - TimeDelta::days(i64::from(horizon.days_back)),
        at + TimeDelta::days(i64::from(horizon.days_ahead)),
    )
}

/// Plans `seeds` over `horizon` around the instant `at`: every name whose
/// window shares an instant with `[at - days_back, at + days_ahead]`.
pub fn plan(seeds: &[BoundSeed], horizon: &Horizon, at: DateTime<Utc>) -> Result<Plan, PlanError> {
    check_horizon(horizon)?;
    let (start, end) = horizon_bounds(horizon, at);
    plan_between(seeds, at, start, end + TimeDelta::seconds(1))
}

/// Bytes a plan holds per prediction at its peak, measured: a name's text
/// (about 15 bytes, twice while the shares are merged), its record (40
/// bytes, twice while merging) and the gate's and renderers' share; an
/// export of 2.86 million names peaked at 332 MB, 111 bytes a name above
/// the 18 MB of a tiny export (README, "Memory").
pub const BYTES_PER_PREDICTION: u64 = 128;

/// Days generated to estimate a plan's size.
const SAMPLE_DAYS: i64 = 7;

/// About how many predictions [`plan_between`] will hold for `seeds` over
/// `[start, end)`, from the first [`SAMPLE_DAYS`] days alone: each sampled
/// prediction stands for the windows of its length that the whole range
/// holds, `(range + length) / (sample + length)` (a name valid for all time
/// counts once). Costs a few hundredths of the plan; made so that a plan
/// too large for the memory there is can be refused before it is
/// allocated.
pub fn estimate_predictions(seeds: &[BoundSeed], start: DateTime<Utc>, end: DateTime<Utc>) -> u64 {
    let first = start.date_naive();
    let last = (end - TimeDelta::seconds(1)).max(start).date_naive();
    if first < EARLIEST_DAY || last > LATEST_DAY || cautery_dga::check_range(first, last).is_err() {
        return 0;
    }
    let range_days = (last - first).num_days() as f64 + 1.0;
    let sample_last = last.min(first + TimeDelta::days(SAMPLE_DAYS - 1));
    let sample_days = (sample_last - first).num_days() as f64 + 1.0;
    let mut total = 0.0f64;
    for seed in seeds {
        let _ = predict(
            seed.family,
            seed.generator.as_ref(),
            first,
            sample_last,
            |_, window| {
                total += match (window.from, window.to) {
                    (Some(from), Some(to)) => {
                        let length = ((to - from).num_seconds().max(1) as f64) / 86_400.0;
                        (range_days + length) / (sample_days + length)
                    }
                    _ => 1.0,
                };
            },
        );
    }
    total.ceil() as u64
}

/// Plans `seeds` over the half-open interval `[start, end)`; `at` is
/// recorded as the instant the plan is made for.
pub fn plan_between(
    seeds: &[BoundSeed],
    at: DateTime<Utc>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Plan, PlanError> {
    let first = start.date_naive();
    let last = (end - TimeDelta::seconds(1)).max(start).date_naive();
    if first < EARLIEST_DAY || last > LATEST_DAY {
        return Err(PlanError::OutOfRange { start, end });
    }
    cautery_dga::check_range(first, last)
        .map_err(|e| PlanError::Campaign(CampaignError::invalid("horizon", e.to_string())))?;
    let end_exclusive = end;
    debug_assert!(midnight(first) <= start);
    let sources: Vec<Source> = seeds
        .iter()
        .map(|s| Source {
            family: s.family.name,
            seed: s.seed.clone(),
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 16)
        .min(seeds.len().max(1));
    let mut shares: Vec<Vec<Record>> = Vec::new();
    let mut arenas: Vec<String> = Vec::new();
    let mut panicked = false;
    let mut too_large = false;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let arena_id = t as u16;
                    let mut arena = String::new();
                    let mut records = Vec::new();
                    let mut overflow = false;
                    for (index, seed) in seeds.iter().enumerate().skip(t).step_by(threads) {
                        // The range was checked above; predict cannot fail.
                        let _ = predict(
                            seed.family,
                            seed.generator.as_ref(),
                            first,
                            last,
                            |name, window| {
                                if window.overlaps(start, end_exclusive) {
                                    let at = arena.len();
                                    if at + name.len() > u32::MAX as usize {
                                        overflow = true;
                                        return;
                                    }
                                    arena.push_str(name);
                                    arena[at..].make_ascii_lowercase();
                                    records.push(Record {
                                        prefix: prefix_of(&arena[at..]),
                                        arena: arena_id,
                                        start: at as u32,
                                        length: name.len() as u32,
                                        source: index as u32,
                                        window,
                                    });
                                }
                            },
                        );
                    }
                    let arenas = std::slice::from_ref(&arena);
                    // Records of this share all point into arena `t`; compare
                    // them as if it were arena 0.
                    records.sort_unstable_by(|a, b| compare_in(arenas, a, b, true));
                    (records, arena, overflow)
                })
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok((records, arena, overflow)) => {
                    too_large |= overflow;
                    shares.push(records);
                    arenas.push(arena);
                }
                Err(_) => panicked = true,
            }
        }
    });
    if panicked {
        // Never hand out a plan with a share of the names missing.
        return Err(PlanError::GeneratorFailed);
    }
    if too_large {
        return Err(PlanError::TooLarge);
    }
    let mut records = merge(shares, &arenas);
    // Lay the names out again in sorted order, each text once: later passes
    // (gate, digest, rendering) then read memory in sequence instead of
    // jumping between arenas for every name.
    let mut sorted = String::with_capacity(arenas.iter().map(String::len).sum::<usize>() / 2);
    let mut previous: Option<(u32, u32)> = None;
    for record in &mut records {
        let text = name_of(&arenas, record);
        let reuse =
            previous.filter(|&(at, length)| &sorted[at as usize..(at + length) as usize] == text);
        let (at, length) = reuse.unwrap_or_else(|| {
            let at = sorted.len() as u32;
            sorted.push_str(text);
            (at, text.len() as u32)
        });
        record.arena = 0;
        record.start = at;
        record.length = length;
        previous = Some((at, length));
    }
    let arenas = vec![sorted];
    records.dedup_by(|a, b| {
        name_of(&arenas, a) == name_of(&arenas, b) && a.source == b.source && a.window == b.window
    });
    let mut groups = Vec::new();
    for (i, record) in records.iter().enumerate() {
        if i == 0 || name_of(&arenas, &records[i - 1]) != name_of(&arenas, record) {
            groups.push(i as u32);
        }
    }
    groups.push(records.len() as u32);
    Ok(Plan {
        at,
        start,
        end,
        sources,
        arenas,
        records,
        groups,
    })
}

fn prefix_of(name: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let take = name.len().min(8);
    bytes[..take].copy_from_slice(&name.as_bytes()[..take]);
    u64::from_be_bytes(bytes)
}

/// The text of a record's name.
fn name_of<'a>(arenas: &'a [String], record: &Record) -> &'a str {
    let arena = &arenas[usize::from(record.arena)];
    &arena[record.start as usize..(record.start + record.length) as usize]
}

/// Orders records by name, source and window; `single` when every record
/// points into `arenas[0]` whatever its arena number (while a share sorts).
fn compare_in(arenas: &[String], a: &Record, b: &Record, single: bool) -> Ordering {
    a.prefix
        .cmp(&b.prefix)
        .then_with(|| {
            if single {
                let text = &arenas[0];
                text[a.start as usize..(a.start + a.length) as usize]
                    .cmp(&text[b.start as usize..(b.start + b.length) as usize])
            } else {
                name_of(arenas, a).cmp(name_of(arenas, b))
            }
        })
        .then(a.source.cmp(&b.source))
        .then(a.window.cmp(&b.window))
}

/// Merges shares, each sorted, into one sorted vector.
fn merge(mut shares: Vec<Vec<Record>>, arenas: &[String]) -> Vec<Record> {
    if shares.len() <= 1 {
        return shares.pop().unwrap_or_default();
    }
    let total = shares.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut heads: Vec<std::vec::IntoIter<Record>> =
        shares.into_iter().map(Vec::into_iter).collect();
    let mut front: Vec<Option<Record>> = heads.iter_mut().map(Iterator::next).collect();
    loop {
        let mut best: Option<usize> = None;
        for (i, candidate) in front.iter().enumerate() {
            let Some(candidate) = candidate else { continue };
            let better = match best.and_then(|b| front[b].as_ref()) {
                Some(current) => compare_in(arenas, candidate, current, false) == Ordering::Less,
                None => true,
            };
            if better {
                best = Some(i);
            }
        }
        let Some(best) = best else { break };
        let next = heads[best].next();
        if let Some(record) = std::mem::replace(&mut front[best], next) {
            out.push(record);
        }
    }
    out
}

/// A predicted name kept out of the policy by the allow-list.
#[derive(Debug, Clone)]
pub struct Collision {
    /// Index of the name in the plan.
    pub index: usize,
    /// What it matched.
    pub matched: AllowMatch,
}

/// A predicted name that cannot be written into a policy.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Index of the name in the plan.
    pub index: usize,
    /// Why.
    pub error: NameError,
}

/// A plan passed through the allow-list gate: the names to block, the
/// collisions kept out and the names that cannot be written.
#[derive(Debug)]
pub struct GatedPlan {
    /// The plan.
    pub plan: Plan,
    kept: Vec<u32>,
    /// Names kept out by the allow-list.
    pub collisions: Vec<Collision>,
    /// Names that are not host names or too long for the zone.
    pub rejected: Vec<Rejected>,
}

impl GatedPlan {
    /// Gates `plan` through `allow`. `zone` is the policy zone's name (owner
    /// names must fit under it) and `subdomains` whether `*.name` rules are
    /// written.
    pub fn new(plan: Plan, allow: &AllowList, zone: &str, subdomains: bool) -> GatedPlan {
        // Owners are `name.zone` or `*.name.zone`, within 253 octets of text.
        let limit = 253usize
            .saturating_sub(zone.len() + 1)
            .saturating_sub(if subdomains { 2 } else { 0 });
        let mut kept = Vec::with_capacity(plan.len());
        let mut collisions = Vec::new();
        let mut rejected = Vec::new();
        for index in 0..plan.len() {
            let name = plan.entry(index).name();
            if let Err(error) = check_name_within(name, limit) {
                rejected.push(Rejected { index, error });
            } else if let Some(matched) = allow.check(name, subdomains) {
                collisions.push(Collision { index, matched });
            } else {
                kept.push(index as u32);
            }
        }
        GatedPlan {
            plan,
            kept,
            collisions,
            rejected,
        }
    }

    /// Names in the policy.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether the policy blocks nothing.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The names blocked, in name order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.kept.iter().map(|&i| self.plan.entry(i as usize))
    }
}

/// Names a span of records, for tests.
#[cfg(test)]
pub(crate) fn names_of(plan: &Plan) -> Vec<String> {
    plan.entries().map(|e| e.name().to_owned()).collect()
}

/// The record range of an entry, for tests.
#[cfg(test)]
pub(crate) fn range_of(entry: &Entry<'_>) -> std::ops::Range<u32> {
    entry.range.0..entry.range.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{bind_targets, SeedSelection, Target};
    use cautery_dga::predict;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("instant")
    }

    fn targets(family: &str, seeds: SeedSelection) -> Vec<Target> {
        vec![Target {
            family: family.to_owned(),
            seeds,
        }]
    }

    #[test]
    fn the_size_estimate_is_near_the_plan_it_stands_for() {
        // Daily (necurs), weekly-or-longer (matsnu, sisron), sub-day
        // (suppobox) and time-independent (banjori) windows, over 60 days:
        // the estimate from the first week is within a quarter of the plan.
        for family in ["necurs", "matsnu", "sisron", "suppobox", "banjori"] {
            let seeds = bind_targets(&targets(family, SeedSelection::All)).expect("bind");
            let (start, end) = (at("2026-10-01T00:00:00Z"), at("2026-11-30T00:00:00Z"));
            let plan = plan_between(&seeds, start, start, end).expect("plan");
            let estimate = estimate_predictions(&seeds, start, end) as f64;
            let actual = plan.predictions() as f64;
            assert!(
                (estimate - actual).abs() <= actual * 0.25 + 8.0,
                "{family}: estimated {estimate}, planned {actual}"
            );
        }
    }

    #[test]
    fn a_plan_holds_each_name_once_with_every_origin() {
        // The same family and seed twice under two targets binds once; the
        // names match what the family library predicts for the horizon days.
        let mut both = targets("banjori", SeedSelection::Default);
        both.extend(targets("banjori", SeedSelection::Default));
        let seeds = bind_targets(&both).expect("bind");
        assert_eq!(seeds.len(), 1);
        let horizon = Horizon {
            days_back: 1,
            days_ahead: 1,
        };
        let plan = plan(&seeds, &horizon, at("2026-11-26T12:00:00Z")).expect("plan");
        let mut expected = Vec::new();
        predict(
            seeds[0].family,
            seeds[0].generator.as_ref(),
            "2026-11-25".parse().expect("day"),
            "2026-11-27".parse().expect("day"),
            |name, _| expected.push(name.to_owned()),
        )
        .expect("predict");
        expected.sort();
        expected.dedup();
        assert_eq!(names_of(&plan), expected);
        let names = names_of(&plan);
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted, "sorted and unique");
        for entry in plan.entries() {
            assert!(!range_of(&entry).is_empty());
            for origin in entry.origins() {
                assert_eq!(origin.family, "banjori");
                assert!(origin.window.overlaps(plan.start, plan.end));
            }
        }
    }

    #[test]
    fn the_horizon_decides_which_windows_are_in_force() {
        let seeds = bind_targets(&targets("corebot", SeedSelection::Default)).expect("bind");
        let narrow = Horizon {
            days_back: 0,
            days_ahead: 0,
        };
        let wide = Horizon {
            days_back: 3,
            days_ahead: 3,
        };
        let instant = at("2026-11-26T12:00:00Z");
        let narrow = plan(&seeds, &narrow, instant).expect("plan");
        let wide = plan(&seeds, &wide, instant).expect("plan");
        assert!(!narrow.is_empty());
        assert!(wide.len() > narrow.len());
        for entry in narrow.entries() {
            assert!(entry.origins().any(|o| o.window.contains(instant)));
        }
    }

    #[test]
    fn unknown_families_and_seeds_name_the_key() {
        let error = bind_targets(&targets("necrus", SeedSelection::Default)).expect_err("unknown");
        assert!(error.to_string().contains("target[0].family"), "{error}");
        let error = bind_targets(&targets(
            "banjori",
            SeedSelection::Listed(vec![String::new()]),
        ));
        if let Err(error) = error {
            assert!(error.to_string().contains("target[0].seeds"), "{error}");
        }
    }

    #[test]
    fn the_gate_keeps_collisions_and_bad_names_out() {
        let seeds = bind_targets(&targets("banjori", SeedSelection::Default)).expect("bind");
        let horizon = Horizon {
            days_back: 0,
            days_ahead: 0,
        };
        let plan = plan(&seeds, &horizon, at("2026-11-26T00:00:00Z")).expect("plan");
        let total = plan.len();
        let victim = plan.entry(0).name().to_owned();
        let mut allow = AllowList::new();
        allow.add_name("test-list", &victim);
        let policy = GatedPlan::new(plan, &allow, "rpz.test", true);
        assert_eq!(
            policy.len() + policy.collisions.len() + policy.rejected.len(),
            total
        );
        assert_eq!(policy.collisions.len(), 1);
        assert_eq!(policy.collisions[0].matched.list, "test-list");
        assert!(policy.entries().all(|e| e.name() != victim));
    }
}

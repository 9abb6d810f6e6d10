//! The policy of a served zone at any instant, planned ahead: the planner of
//! `cautery serve`, built on the same [`plan_between`] and gate
//! ([`GatedPlan`]) as `cautery plan` and `export`, so all three give the same
//! rules for the same campaign and instant.
//!
//! A name is in the policy at the instant `t` when one of its windows
//! `[from, to)` meets `[t - days-back, t + days-ahead]`, that is while
//! `from - days-ahead <= t < to + days-back`: its *presence*. A
//! [`Forecast`] plans a stretch of time once (generation is the expensive
//! part) and keeps every name with its presences; the policy at any instant
//! of the stretch is then a filter, and the next instant at which the policy
//! may change is the next presence bound ([`ZonePlanner::next_change`]). So
//! families whose windows turn within a day (Suppobox every 512 s, QSnatch
//! hourly, Kraken at a fixed hour of the week) enter and leave the policy
//! at their own instants, not at midnight.
//!
//! A zone may be split over several zones by day (`split-days`): a name's
//! presence for a window goes to part `day % N` of the day the window
//! starts, so that a day entering and a day leaving the horizon each change
//! one part. The parts of a zone share one forecast: generation runs once
//! for all of them.
//!
//! Pure and clock-free like the rest of the crate: the daemon passes every
//! instant. What the gate kept out is counted in a [`ForecastReport`] per
//! campaign for the caller to log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cautery_dga::Window;
use cautery_policy::{Action, DomainName, NameError, Policy, Provenance, Rule, Soa};
use chrono::{DateTime, TimeDelta, Utc};

use crate::allow::AllowList;
use crate::campaign::Campaign;
use crate::error::CampaignError;
use crate::plan::{plan_between, GatedPlan, PlanError};
use crate::targets::{bind_targets, BoundSeed, Horizon};

/// How much time one forecast covers: generation runs about once a day.
pub const FORECAST_SPAN: TimeDelta = TimeDelta::hours(24);

/// The most zones one policy may be split into (BIND takes at most 64
/// policy zones in all).
pub const MAX_SPLIT_DAYS: u32 = 32;

/// A forecast that could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("zone {zone}: campaign {campaign}: {source}")]
pub struct ForecastError {
    /// The zone.
    pub zone: String,
    /// The campaign's label.
    pub campaign: String,
    /// Why.
    pub source: PlanError,
}

/// One campaign of a served zone, bound and ready to plan.
pub struct CampaignSource {
    /// The campaign file, or `inline`, for logs.
    pub label: String,
    /// Families bound to their seeds.
    pub seeds: Vec<BoundSeed>,
    /// Days around the instant.
    pub horizon: Horizon,
    /// What resolvers do with the names.
    pub action: Arc<Action>,
    /// Whether `*.name` is covered too.
    pub subdomains: bool,
    /// Names kept out.
    pub allow: Arc<AllowList>,
}

impl CampaignSource {
    /// Binds `campaign`'s targets; `allow` is its allow-list, read by the
    /// caller.
    pub fn new(
        label: &str,
        campaign: &Campaign,
        allow: Arc<AllowList>,
    ) -> Result<CampaignSource, CampaignError> {
        Ok(CampaignSource {
            label: label.to_owned(),
            seeds: bind_targets(&campaign.targets)?,
            horizon: campaign.horizon,
            action: Arc::new(campaign.action.clone()),
            subdomains: campaign.subdomains,
            allow,
        })
    }
}

impl std::fmt::Debug for CampaignSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CampaignSource({}, {} seeds)",
            self.label,
            self.seeds.len()
        )
    }
}

/// The apex of a served zone: everything but its rules and serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apex {
    /// SOA values.
    pub soa: Soa,
    /// Name servers.
    pub ns: Vec<DomainName>,
    /// TTL of every record.
    pub ttl: u32,
}

/// Plans one served zone: the zone itself, or one part of a zone split by
/// day. The parts of a split zone share their campaigns and their latest
/// forecasts.
pub struct ZonePlanner {
    /// The served zone: the zone's name, or its part's.
    zone: DomainName,
    /// The longest name among the parts: predicted names must fit under it
    /// (a forecast serves every part).
    gate: DomainName,
    apex: Arc<Apex>,
    sources: Arc<Vec<CampaignSource>>,
    /// This planner's part, of `parts` (1 when the zone is not split).
    part: u32,
    parts: u32,
    /// The two latest forecasts, for all parts: parts whose policy does not
    /// change before a forecast ends plan ahead into the next one while the
    /// others still use the current one.
    latest: Arc<Mutex<Vec<Arc<Forecast>>>>,
}

impl std::fmt::Debug for ZonePlanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ZonePlanner({}, part {} of {}, {} campaigns)",
            self.zone,
            self.part,
            self.parts,
            self.sources.len()
        )
    }
}

/// The names of the zones a policy named `zone` is served as: itself, or
/// `d0.zone` .. `dN-1.zone` when split into `split_days` parts (0 for one
/// zone).
pub fn part_names(zone: &DomainName, split_days: u32) -> Result<Vec<DomainName>, NameError> {
    if split_days == 0 {
        return Ok(vec![zone.clone()]);
    }
    (0..split_days)
        .map(|part| DomainName::new(&format!("d{part}.{zone}")))
        .collect()
}

impl ZonePlanner {
    /// One planner per zone served for the policy `zone`: the zone itself
    /// when `split_days` is 0, else one per part (see [`part_names`]).
    pub fn for_zone(
        zone: &DomainName,
        split_days: u32,
        apex: Apex,
        sources: Vec<CampaignSource>,
    ) -> Result<Vec<ZonePlanner>, NameError> {
        let zones = part_names(zone, split_days)?;
        let parts = zones.len() as u32;
        let gate = zones
            .iter()
            .max_by_key(|zone| zone.len())
            .cloned()
            .unwrap_or_else(|| zone.clone());
        let apex = Arc::new(apex);
        let sources = Arc::new(sources);
        let latest: Arc<Mutex<Vec<Arc<Forecast>>>> = Arc::default();
        Ok(zones
            .into_iter()
            .zip(0..)
            .map(|(zone, part)| ZonePlanner {
                zone,
                gate: gate.clone(),
                apex: apex.clone(),
                sources: sources.clone(),
                part,
                parts,
                latest: latest.clone(),
            })
            .collect())
    }

    /// The served zone's name.
    pub fn zone(&self) -> &DomainName {
        &self.zone
    }

    /// The campaigns planned.
    pub fn sources(&self) -> &[CampaignSource] {
        &self.sources
    }

    /// Families bound to a seed, over all campaigns.
    pub fn seed_count(&self) -> usize {
        self.sources.iter().map(|s| s.seeds.len()).sum()
    }

    /// Plans `[start, start + span)`.
    pub fn forecast(
        &self,
        start: DateTime<Utc>,
        span: TimeDelta,
    ) -> Result<Forecast, ForecastError> {
        Forecast::compute(self, start, start + span)
    }

    /// A forecast covering `at`: one of the two latest when one does
    /// (another part may have made it), else a new one of `span` from `at`,
    /// which replaces the older; and whether it is new. Blocking; parts
    /// asking at once wait for one computation.
    pub fn forecast_covering(
        &self,
        at: DateTime<Utc>,
        span: TimeDelta,
    ) -> Result<(Arc<Forecast>, bool), ForecastError> {
        // A panic while planning leaves the list as it was: usable.
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(forecast) = latest.iter().find(|f| f.covers(at)) {
            return Ok((forecast.clone(), false));
        }
        let forecast = Arc::new(self.forecast(at, span)?);
        latest.push(forecast.clone());
        latest.sort_by_key(|f| f.start);
        if latest.len() > 2 {
            latest.remove(0);
        }
        Ok((forecast, true))
    }

    /// This zone's policy at `at` (which should lie in `forecast`'s
    /// stretch), with `serial`.
    pub fn policy_in(&self, forecast: &Forecast, at: DateTime<Utc>, serial: u32) -> Policy {
        forecast.policy_at(self.part, &self.zone, at, serial)
    }

    /// The first instant after `at` at which this zone's policy may change.
    pub fn next_change(&self, forecast: &Forecast, at: DateTime<Utc>) -> DateTime<Utc> {
        forecast.next_change(self.part, at)
    }

    /// The policy at `at`, planned for that instant alone.
    pub fn policy_at(&self, at: DateTime<Utc>, serial: u32) -> Result<Policy, ForecastError> {
        let forecast = self.forecast(at, TimeDelta::seconds(1))?;
        Ok(self.policy_in(&forecast, at, serial))
    }
}

/// What the gate kept out of one campaign's names in a forecast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastReport {
    /// The campaign's label.
    pub campaign: String,
    /// Names kept out by the allow-list.
    pub kept_out: usize,
    /// One of them, with the list and entry it matched.
    pub kept_out_example: Option<(String, String, String)>,
    /// Names that cannot be written under the zone.
    pub rejected: usize,
    /// One of them, with why.
    pub rejected_example: Option<(String, String)>,
}

/// The stretch of time in which a name is in the policy, `None` being
/// unbounded, and the provenance reported for it.
struct Presence {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    provenance: Arc<Provenance>,
    /// The part of a split zone that holds the name for this window.
    part: u32,
}

impl Presence {
    fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| from <= at) && self.to.is_none_or(|to| at < to)
    }
}

struct Entry {
    name: DomainName,
    source: u32,
    /// Range in `Forecast::presences`.
    first: u32,
    count: u32,
}

/// Every name a zone may hold over `[start, until)`, with when.
pub struct Forecast {
    /// First instant covered.
    pub start: DateTime<Utc>,
    /// First instant not covered.
    pub until: DateTime<Utc>,
    /// Per campaign, what the gate kept out.
    pub reports: Vec<ForecastReport>,
    apex: Arc<Apex>,
    actions: Vec<(Arc<Action>, bool)>,
    entries: Vec<Entry>,
    presences: Vec<Presence>,
    /// Per part: the entries with a presence in it, in entry order.
    by_part: Vec<Vec<u32>>,
    /// Per part: instants in `(start, until)` at which one of its presences
    /// begins or ends, sorted, each once.
    changes: Vec<Vec<DateTime<Utc>>>,
}

impl std::fmt::Debug for Forecast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Forecast({} .. {}, {} names, {} parts)",
            self.start,
            self.until,
            self.entries.len(),
            self.changes.len()
        )
    }
}

impl Forecast {
    fn compute(
        planner: &ZonePlanner,
        start: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Forecast, ForecastError> {
        let mut forecast = Forecast {
            start,
            until,
            reports: Vec::new(),
            apex: planner.apex.clone(),
            actions: Vec::new(),
            entries: Vec::new(),
            presences: Vec::new(),
            by_part: vec![Vec::new(); planner.parts as usize],
            changes: Vec::new(),
        };
        let parts = i64::from(planner.parts);
        for (index, source) in planner.sources.iter().enumerate() {
            let back = TimeDelta::days(i64::from(source.horizon.days_back));
            let ahead = TimeDelta::days(i64::from(source.horizon.days_ahead));
            // Windows that meet [t - back, t + ahead] for some t in
            // [start, until): those meeting [start - back, until + ahead].
            let plan = plan_between(
                &source.seeds,
                start,
                start - back,
                until + ahead + TimeDelta::seconds(1),
            )
            .map_err(|error| ForecastError {
                zone: planner.zone.to_string(),
                campaign: source.label.clone(),
                source: error,
            })?;
            let gated = GatedPlan::new(plan, &source.allow, &planner.gate, source.subdomains);
            forecast.reports.push(ForecastReport {
                campaign: source.label.clone(),
                kept_out: gated.collisions.len(),
                kept_out_example: gated.collisions.first().map(|c| {
                    (
                        gated.plan.entry(c.index).name().to_owned(),
                        c.matched.list.clone(),
                        c.matched.entry.clone(),
                    )
                }),
                rejected: gated.rejected.len(),
                rejected_example: gated.rejected.first().map(|r| {
                    (
                        gated.plan.entry(r.index).name().to_owned(),
                        r.error.to_string(),
                    )
                }),
            });
            forecast
                .actions
                .push((source.action.clone(), source.subdomains));
            let mut shared: HashMap<(&str, &str, Window), Arc<Provenance>> = HashMap::new();
            for entry in gated.entries() {
                let first = forecast.presences.len() as u32;
                for origin in entry.origins() {
                    let window = origin.window;
                    let provenance = shared
                        .entry((origin.family, origin.seed, window))
                        .or_insert_with(|| Arc::new(origin.to_owned()))
                        .clone();
                    // The day the window starts; a window open from the
                    // beginning of time stays in part 0.
                    let day = window
                        .from
                        .map_or(0, |from| from.timestamp().div_euclid(86_400));
                    let part = day.rem_euclid(parts) as u32;
                    let entry = forecast.entries.len() as u32;
                    let held = &mut forecast.by_part[part as usize];
                    if held.last() != Some(&entry) {
                        held.push(entry);
                    }
                    forecast.presences.push(Presence {
                        from: window.from.map(|from| from - ahead),
                        to: window.to.map(|to| to + back),
                        provenance,
                        part,
                    });
                }
                forecast.entries.push(Entry {
                    // The gate checked every name it kept.
                    name: DomainName::from_checked(entry.name()),
                    source: index as u32,
                    first,
                    count: forecast.presences.len() as u32 - first,
                });
            }
        }
        let mut changes = vec![Vec::new(); planner.parts as usize];
        for presence in &forecast.presences {
            let bounds = [presence.from, presence.to].into_iter().flatten();
            changes[presence.part as usize].extend(bounds.filter(|&t| start < t && t < until));
        }
        for part in &mut changes {
            part.sort_unstable();
            part.dedup();
        }
        forecast.changes = changes;
        Ok(forecast)
    }

    /// Whether `at` lies in the stretch planned.
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.until
    }

    /// The first instant after `at` at which the policy of `part` may
    /// change: one of its presence bounds, or the end of the stretch (where
    /// the next forecast takes over).
    fn next_change(&self, part: u32, at: DateTime<Utc>) -> DateTime<Utc> {
        let Some(changes) = self.changes.get(part as usize) else {
            return self.until;
        };
        let after = changes.partition_point(|&t| t <= at);
        changes.get(after).copied().unwrap_or(self.until)
    }

    /// The policy of `part`, served as `zone`, at `at` (which should lie in
    /// the stretch), with `serial`. A name predicted by several campaigns
    /// takes the first campaign's action; its provenance is the first
    /// window in force at `at`.
    fn policy_at(&self, part: u32, zone: &DomainName, at: DateTime<Utc>, serial: u32) -> Policy {
        let mut rules = Vec::new();
        let held = self
            .by_part
            .get(part as usize)
            .map_or(&[][..], Vec::as_slice);
        for &index in held {
            let entry = &self.entries[index as usize];
            let presences =
                &self.presences[entry.first as usize..(entry.first + entry.count) as usize];
            if let Some(present) = presences.iter().find(|p| p.part == part && p.contains(at)) {
                let (action, subdomains) = &self.actions[entry.source as usize];
                rules.push(Rule {
                    name: entry.name.clone(),
                    action: action.clone(),
                    subdomains: *subdomains,
                    provenance: Some(present.provenance.clone()),
                });
            }
        }
        // Policy::new sorts stably: per name, the first campaign wins.
        Policy::new(
            zone.clone(),
            serial,
            self.apex.soa.clone(),
            self.apex.ns.clone(),
            self.apex.ttl,
            rules,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::InlineCampaign;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("instant")
    }

    fn inline(family: &str, back: u32, ahead: u32) -> InlineCampaign {
        InlineCampaign {
            families: vec![family.to_owned()],
            seeds: "default".into(),
            days_back: back,
            days_ahead: ahead,
            action: "nxdomain".into(),
            addresses: Vec::new(),
            subdomains: false,
            allow: Vec::new(),
            allow_files: Vec::new(),
            ttl: 60,
        }
    }

    fn planners(campaign: &InlineCampaign, split_days: u32, allow: AllowList) -> Vec<ZonePlanner> {
        let zone = DomainName::new("cautery.rpz").expect("zone");
        let parsed = Campaign::from_inline("cautery.rpz", campaign).expect("campaign");
        let source = CampaignSource::new("inline", &parsed, Arc::new(allow)).expect("bind");
        let apex = Apex {
            soa: Soa::default(),
            ns: vec![DomainName::new("localhost").expect("ns")],
            ttl: 60,
        };
        ZonePlanner::for_zone(&zone, split_days, apex, vec![source]).expect("planners")
    }

    fn zone(family: &str, back: u32, ahead: u32) -> ZonePlanner {
        planners(&inline(family, back, ahead), 0, AllowList::new())
            .pop()
            .expect("one zone")
    }

    fn names(policy: &Policy) -> Vec<String> {
        policy.rules().iter().map(|r| r.name.to_string()).collect()
    }

    #[test]
    fn a_necurs_zone_holds_its_names_once_with_provenance() {
        let planner = zone("necurs", 0, 0);
        let policy = planner
            .policy_at(at("2026-11-26T12:00:00Z"), 7)
            .expect("policy");
        assert!(!policy.rules().is_empty());
        let provenance = policy.rules()[0].provenance.as_ref().expect("provenance");
        assert_eq!(&*provenance.family, "necurs");
        assert!(provenance.window.contains(at("2026-11-26T12:00:00Z")));
        let next = planner
            .policy_at(at("2026-12-30T00:00:00Z"), 8)
            .expect("policy");
        assert!(!policy.same_content(&next), "the plan follows the clock");
    }

    #[test]
    fn sub_day_windows_enter_and_leave_at_their_own_instant_not_at_midnight() {
        // Suppobox: one name per 512-second slot, each in use 85 slots.
        let planner = zone("suppobox", 0, 0);
        let start = at("2026-11-26T12:00:00Z");
        let forecast = planner.forecast(start, FORECAST_SPAN).expect("forecast");
        let change = planner.next_change(&forecast, start);
        assert!(change > start && change < at("2026-11-27T00:00:00Z"));
        assert_eq!(change.timestamp() % 512, 0, "a slot boundary: {change}");
        let before = planner.policy_in(&forecast, change - TimeDelta::seconds(1), 1);
        let after = planner.policy_in(&forecast, change, 2);
        assert_ne!(
            names(&before),
            names(&after),
            "the policy changes at {change}"
        );
        // Nothing changes between two boundaries.
        let following = planner.next_change(&forecast, change);
        let late = planner.policy_in(&forecast, following - TimeDelta::seconds(1), 3);
        assert_eq!(names(&after), names(&late));
        // The forecast agrees with a plan made for the instant alone.
        let alone = planner.policy_at(change, 2).expect("policy");
        assert_eq!(names(&after), names(&alone));
        let alone = planner
            .policy_at(change - TimeDelta::seconds(1), 1)
            .expect("policy");
        assert_eq!(names(&before), names(&alone));
    }

    #[test]
    fn the_horizon_widens_presence_by_days_ahead_and_back() {
        let planner = zone("chinad", 1, 2);
        let noon = at("2026-11-26T12:00:00Z");
        let forecast = planner.forecast(noon, FORECAST_SPAN).expect("forecast");
        // Daily windows: the next change is midnight, not earlier.
        assert_eq!(
            planner.next_change(&forecast, noon),
            at("2026-11-27T00:00:00Z")
        );
        let policy = planner.policy_in(&forecast, noon, 1);
        let single = zone("chinad", 0, 0);
        let mut days = Vec::new();
        for day in ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"] {
            days.extend(names(
                &single
                    .policy_at(at(&format!("{day}T06:00:00Z")), 1)
                    .expect("policy"),
            ));
        }
        days.sort();
        days.dedup();
        assert_eq!(names(&policy), days);
    }

    #[test]
    fn a_split_zone_changes_one_part_for_the_day_leaving_and_one_for_the_day_entering() {
        let parts = planners(&inline("chinad", 1, 2), 5, AllowList::new());
        let zones: Vec<String> = parts.iter().map(|p| p.zone().to_string()).collect();
        assert_eq!(zones.len(), 5);
        assert_eq!(zones[0], "d0.cautery.rpz");
        assert_eq!(zones[4], "d4.cautery.rpz");
        let whole = zone("chinad", 1, 2);

        let noon = at("2026-11-26T12:00:00Z");
        let midnight = at("2026-11-27T00:00:00Z");
        let (forecast, fresh) = parts[0]
            .forecast_covering(noon, FORECAST_SPAN)
            .expect("forecast");
        let (again, made) = parts[3]
            .forecast_covering(noon, FORECAST_SPAN)
            .expect("forecast");
        assert!(fresh && !made);
        assert!(
            Arc::ptr_eq(&forecast, &again),
            "the parts share one forecast"
        );

        // Together the parts hold the whole zone's names, each part the
        // names of its days.
        let mut held = Vec::new();
        let mut changed = Vec::new();
        for (index, part) in parts.iter().enumerate() {
            let before = names(&part.policy_in(&forecast, noon, 1));
            let after = names(&part.policy_in(&forecast, midnight, 2));
            if before != after {
                changed.push(index);
                assert_eq!(part.next_change(&forecast, noon), midnight);
            } else {
                assert!(part.next_change(&forecast, noon) > midnight, "part {index}");
            }
            held.extend(before);
        }
        held.sort();
        held.dedup();
        assert_eq!(held, names(&whole.policy_at(noon, 1).expect("policy")));
        // 2026-11-25 leaves and 2026-11-29 enters, in parts of their own.
        let part_of =
            |day: &str| (at(&format!("{day}T00:00:00Z")).timestamp() / 86_400 % 5) as usize;
        let (leaving, entering) = (part_of("2026-11-25"), part_of("2026-11-29"));
        assert_ne!(leaving, entering);
        let mut expected = vec![leaving, entering];
        expected.sort();
        assert_eq!(changed, expected);
        let entering = names(&parts[entering].policy_in(&forecast, midnight, 2));
        let day = names(
            &zone("chinad", 0, 0)
                .policy_at(at("2026-11-29T06:00:00Z"), 1)
                .expect("policy"),
        );
        assert_eq!(entering, day);
    }

    #[test]
    fn allow_list_entries_keep_names_out_and_are_reported() {
        let instant = at("2026-11-26T12:00:00Z");
        let all = zone("necurs", 0, 0).policy_at(instant, 1).expect("policy");
        let names = names(&all);
        assert!(names.len() >= 3);
        let (allowed, suffixed, kept) = (&names[0], &names[1], &names[2]);
        let mut campaign = inline("necurs", 0, 0);
        campaign.allow = vec![allowed.to_uppercase(), format!("*.{suffixed}")];
        let planner = planners(&campaign, 0, {
            let parsed = Campaign::from_inline("cautery.rpz", &campaign).expect("campaign");
            let mut allow = AllowList::new();
            for name in &parsed.allow.names {
                allow.add_name("allow.names", name);
            }
            for suffix in &parsed.allow.suffixes {
                allow.add_suffix("allow.suffixes", suffix);
            }
            allow
        })
        .pop()
        .expect("zone");
        let forecast = planner
            .forecast(instant, TimeDelta::seconds(1))
            .expect("forecast");
        let policy = planner.policy_in(&forecast, instant, 1);
        let held: Vec<&str> = policy.rules().iter().map(|r| r.name.as_str()).collect();
        assert!(!held.contains(&allowed.as_str()), "{allowed} is allowed");
        assert!(
            !held.contains(&suffixed.as_str()),
            "{suffixed} is allowed as a suffix"
        );
        assert!(held.contains(&kept.as_str()), "{kept} stays blocked");
        assert_eq!(held.len(), names.len() - 2);
        assert_eq!(forecast.reports[0].kept_out, 2);
    }

    #[test]
    fn inline_keys_are_checked_by_the_campaign_rules_and_name_the_inline_key() {
        let mut bad = inline("necrus", 0, 0);
        let error = Campaign::from_inline("cautery.rpz", &bad).expect_err("unknown family");
        assert!(error.to_string().contains("families[0]"), "{error}");
        assert!(error.to_string().contains("necurs"), "{error}");
        bad = inline("necurs", 3000, 3000);
        let error = Campaign::from_inline("cautery.rpz", &bad).expect_err("horizon");
        assert!(
            error.to_string().contains("days-back + days-ahead"),
            "{error}"
        );
        bad = inline("necurs", 0, 0);
        bad.action = "sinkhole".into();
        let error = Campaign::from_inline("cautery.rpz", &bad).expect_err("no address");
        assert!(error.to_string().contains("sinkhole-v4"), "{error}");
        bad.seeds = "some".into();
        let error = Campaign::from_inline("cautery.rpz", &bad).expect_err("seeds");
        assert!(
            error.to_string().contains("\"all\" or \"default\""),
            "{error}"
        );
    }
}

//! The policy of a zone at any instant, made by crates/zone's planner (the
//! one `cautery plan` and `export` use) from the zone's campaigns: the
//! inline one of its `[[zone]]` section and the campaign files it names.
//!
//! A name is in the policy at the instant `t` when one of its windows
//! `[from, to)` meets `[t - days-back, t + days-ahead]`, that is while
//! `from - days-ahead <= t < to + days-back`: its *presence*. A
//! [`Forecast`] plans a stretch of time once (generation is the expensive
//! part) and keeps every name with its presences; the policy at any instant
//! of the stretch is then a filter, and the next instant at which the policy
//! may change is the next presence bound ([`Planner::next_change`]). So
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
//! Names the allow-list of their campaign matches (crates/zone's gate:
//! inline entries, allow-list files, top-site lists) are kept out and
//! counted in one warning per forecast; names that cannot be written under
//! the zone are dropped and counted too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use cautery_dga::Window;
use cautery_dns::policy::parse_name;
use cautery_dns::{Origin, Policy, Rule, SoaFields};
use cautery_zone::{bind_targets, plan_between, AllowList, BoundSeed, Campaign, Horizon};
use chrono::{DateTime, TimeDelta, Utc};
use hickory_proto::rr::Name;

use super::config::ZoneSection;

/// How much time one forecast covers: generation runs about once a day.
pub const FORECAST_SPAN: TimeDelta = TimeDelta::hours(24);

/// One campaign of a zone, ready to plan.
pub struct Source {
    /// `inline` or the campaign file, for logs.
    pub label: String,
    /// Families bound to their seeds.
    pub seeds: Vec<BoundSeed>,
    /// Days around the instant.
    pub horizon: Horizon,
    /// What resolvers do with the names.
    pub action: Arc<cautery_dns::Action>,
    /// Whether `*.name` is covered too.
    pub subdomains: bool,
    /// Names kept out.
    pub allow: Arc<AllowList>,
}

/// Everything needed to plan one served zone, built when the configuration
/// is (re)loaded. The parts of a split zone share their sources and their
/// latest forecast.
pub struct Planner {
    /// The served zone: the section's name, or its part's.
    zone: Name,
    /// The longest name among the section's zones: predicted names must
    /// fit under it (a forecast serves every part).
    gate: Name,
    soa: SoaFields,
    ns: Vec<Name>,
    ttl: u32,
    sources: Arc<Vec<Source>>,
    /// This planner's part, of `parts` (1 when the zone is not split).
    part: u32,
    parts: u32,
    /// The section's two latest forecasts, for all its parts: parts whose
    /// policy does not change before a forecast ends plan ahead into the
    /// next one while the others still use the current one.
    latest: Arc<Mutex<Vec<Arc<Forecast>>>>,
}

impl std::fmt::Debug for Planner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Planner({}, part {} of {}, {} campaigns)",
            self.zone,
            self.part,
            self.parts,
            self.sources.len()
        )
    }
}

/// crates/zone's action as the DNS server serves it.
pub fn serve_action(action: &cautery_zone::Action) -> Result<cautery_dns::Action> {
    Ok(match action {
        cautery_zone::Action::Nxdomain => cautery_dns::Action::Nxdomain,
        cautery_zone::Action::Nodata => cautery_dns::Action::Nodata,
        cautery_zone::Action::Drop => cautery_dns::Action::Drop,
        cautery_zone::Action::Passthru => cautery_dns::Action::Passthru,
        cautery_zone::Action::Sinkhole(_) => cautery_dns::Action::Sinkhole {
            v4: action.ipv4(),
            v6: action.ipv6(),
        },
        other => bail!(
            "action '{other}' is not served by cautery serve: use a sinkhole address instead \
             (cautery export writes it)"
        ),
    })
}

impl Planner {
    /// One planner per zone served for `section`: the zone itself, or each
    /// of its parts when it is split; see [`Planner::new`].
    pub fn for_section(section: &ZoneSection) -> Result<Vec<Planner>> {
        let whole = Planner::new(section)?;
        let names = section.served_names();
        if names.len() == 1 {
            return Ok(vec![whole]);
        }
        let parts = names.len() as u32;
        let zones = names
            .iter()
            .map(|name| parse_name(name))
            .collect::<Result<Vec<_>, _>>()?;
        let gate = zones
            .iter()
            .max_by_key(|zone| zone.len())
            .cloned()
            .unwrap_or_else(|| whole.zone.clone());
        Ok(zones
            .into_iter()
            .zip(0..)
            .map(|(zone, part)| Planner {
                zone,
                gate: gate.clone(),
                soa: whole.soa.clone(),
                ns: whole.ns.clone(),
                ttl: whole.ttl,
                sources: whole.sources.clone(),
                part,
                parts,
                latest: whole.latest.clone(),
            })
            .collect())
    }

    /// The planner of `section` as one zone: its inline campaign unless it
    /// names campaign files, else one source per campaign file (already
    /// read by the configuration).
    pub fn new(section: &ZoneSection) -> Result<Planner> {
        let mut sources = Vec::new();
        if section.campaigns.is_empty() {
            let seeds = section.seeds_selection();
            let targets: Vec<cautery_zone::Target> = section
                .families
                .iter()
                .map(|family| cautery_zone::Target {
                    family: family.clone(),
                    seeds: seeds.clone(),
                })
                .collect();
            let seeds = bind_targets(&targets).map_err(|e| {
                anyhow::anyhow!("zone {}: families: {}", section.name, problem_of(&e))
            })?;
            sources.push(Source {
                label: "inline".into(),
                seeds,
                horizon: Horizon {
                    days_back: section.days_back,
                    days_ahead: section.days_ahead,
                },
                action: Arc::new(section.action()?),
                subdomains: section.subdomains,
                allow: section.allow_list.clone(),
            });
        }
        for loaded in section.loaded_campaigns.iter() {
            sources.push(Source::of_campaign(
                &loaded.path.display().to_string(),
                &loaded.campaign,
                loaded.allow.clone(),
            )?);
        }
        let ns = section
            .ns
            .iter()
            .map(|n| parse_name(n))
            .collect::<Result<Vec<_>, _>>()?;
        let zone = parse_name(&section.name)?;
        Ok(Planner {
            gate: zone.clone(),
            zone,
            soa: section.soa_fields(),
            ns,
            ttl: section.ttl,
            sources: Arc::new(sources),
            part: 0,
            parts: 1,
            latest: Arc::default(),
        })
    }

    /// The served zone's name.
    pub fn zone(&self) -> &Name {
        &self.zone
    }

    /// Families bound to a seed, over all campaigns.
    pub fn seed_count(&self) -> usize {
        self.sources.iter().map(|s| s.seeds.len()).sum()
    }

    /// Plans `[start, start + span)`.
    pub fn forecast(&self, start: DateTime<Utc>, span: TimeDelta) -> Result<Forecast> {
        Forecast::compute(self, start, start + span)
    }

    /// A forecast covering `at`: one of the section's two latest when one
    /// does (another part may have made it), else a new one of `span` from
    /// `at`, which replaces the older. Blocking; parts asking at once wait
    /// for one computation.
    pub fn forecast_covering(&self, at: DateTime<Utc>, span: TimeDelta) -> Result<Arc<Forecast>> {
        let mut latest = self
            .latest
            .lock()
            .map_err(|_| anyhow::anyhow!("zone {}: an earlier plan panicked", self.zone))?;
        if let Some(forecast) = latest.iter().find(|f| f.covers(at)) {
            return Ok(forecast.clone());
        }
        let forecast = Arc::new(self.forecast(at, span)?);
        latest.push(forecast.clone());
        latest.sort_by_key(|f| f.start);
        if latest.len() > 2 {
            latest.remove(0);
        }
        Ok(forecast)
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
    #[cfg(test)]
    pub fn policy_at(&self, at: DateTime<Utc>, serial: u32) -> Result<Policy> {
        let forecast = self.forecast(at, TimeDelta::seconds(1))?;
        Ok(self.policy_in(&forecast, at, serial))
    }
}

impl Source {
    fn of_campaign(label: &str, campaign: &Campaign, allow: Arc<AllowList>) -> Result<Source> {
        let seeds = bind_targets(&campaign.targets)
            .map_err(|e| anyhow::anyhow!("campaign {label}: {e}"))?;
        Ok(Source {
            label: label.to_owned(),
            seeds,
            horizon: campaign.horizon,
            action: Arc::new(
                serve_action(&campaign.action).with_context(|| format!("campaign {label}"))?,
            ),
            subdomains: campaign.subdomains,
            allow,
        })
    }
}

fn problem_of(error: &cautery_zone::CampaignError) -> String {
    match error {
        cautery_zone::CampaignError::Invalid { problem, .. } => problem.clone(),
        other => other.to_string(),
    }
}

/// The stretch of time in which a name is in the policy, `None` being
/// unbounded, and the origin reported for it.
struct Presence {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    origin: Arc<Origin>,
    /// The part of a split zone that holds the name for this window.
    part: u32,
}

impl Presence {
    fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| from <= at) && self.to.is_none_or(|to| at < to)
    }
}

struct Entry {
    name: Box<str>,
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
    soa: SoaFields,
    ns: Vec<Name>,
    ttl: u32,
    actions: Vec<(Arc<cautery_dns::Action>, bool)>,
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
    fn compute(planner: &Planner, start: DateTime<Utc>, until: DateTime<Utc>) -> Result<Forecast> {
        let mut forecast = Forecast {
            start,
            until,
            soa: planner.soa.clone(),
            ns: planner.ns.clone(),
            ttl: planner.ttl,
            actions: Vec::new(),
            entries: Vec::new(),
            presences: Vec::new(),
            by_part: vec![Vec::new(); planner.parts as usize],
            changes: Vec::new(),
        };
        let parts = i64::from(planner.parts);
        let zone_text = planner.gate.to_ascii();
        let zone_text = zone_text.trim_end_matches('.');
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
            .with_context(|| format!("zone {zone_text}: {}", source.label))?;
            let gated =
                cautery_zone::Policy::new(plan, &source.allow, zone_text, source.subdomains);
            if let Some(first) = gated.collisions.first() {
                tracing::warn!(
                    zone = %zone_text,
                    campaign = %source.label,
                    kept_out = gated.collisions.len(),
                    example = %gated.plan.entry(first.index).name(),
                    list = %first.matched.list,
                    entry = %first.matched.entry,
                    "predicted names kept out of the policy by the allow-list"
                );
            }
            if let Some(first) = gated.rejected.first() {
                tracing::warn!(
                    zone = %zone_text,
                    campaign = %source.label,
                    rejected = gated.rejected.len(),
                    example = %gated.plan.entry(first.index).name(),
                    error = %first.error,
                    "predicted names that cannot be written under the zone are left out"
                );
            }
            forecast
                .actions
                .push((source.action.clone(), source.subdomains));
            let mut origins: HashMap<(&str, &str, Window), Arc<Origin>> = HashMap::new();
            for entry in gated.entries() {
                let first = forecast.presences.len() as u32;
                for origin in entry.origins() {
                    let window = origin.window;
                    let shared = origins
                        .entry((origin.family, origin.seed, window))
                        .or_insert_with(|| {
                            Arc::new(Origin {
                                family: origin.family.to_owned(),
                                seed: origin.seed.to_owned(),
                                valid_from: window.from_rfc3339(),
                                valid_to: window.to_rfc3339(),
                            })
                        })
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
                        origin: shared,
                        part,
                    });
                }
                forecast.entries.push(Entry {
                    name: entry.name().into(),
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
    /// takes the first campaign's action; its origin is the first window in
    /// force at `at`.
    fn policy_at(&self, part: u32, zone: &Name, at: DateTime<Utc>, serial: u32) -> Policy {
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
                    origin: Some(present.origin.clone()),
                });
            }
        }
        // Policy::new sorts stably: per name, the first campaign wins.
        Policy::new(
            zone.clone(),
            serial,
            self.soa.clone(),
            self.ns.clone(),
            self.ttl,
            rules,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::config::Config;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn zone(text: &str) -> Planner {
        let config = Config::parse(&format!("version = 1\n[[zone]]\n{text}\n")).unwrap();
        Planner::new(&config.zone[0]).unwrap()
    }

    fn names(policy: &Policy) -> Vec<String> {
        policy.rules().iter().map(|r| r.name.to_string()).collect()
    }

    #[test]
    fn a_necurs_zone_holds_its_names_once_with_provenance() {
        let planner =
            zone("families = [\"necurs\"]\nseeds = \"default\"\ndays-back = 0\ndays-ahead = 0");
        let policy = planner.policy_at(at("2026-11-26T12:00:00Z"), 7).unwrap();
        assert!(!policy.rules().is_empty());
        let rule = &policy.rules()[0];
        assert_eq!(rule.origin.as_ref().unwrap().family, "necurs");
        let next = planner.policy_at(at("2026-12-30T00:00:00Z"), 8).unwrap();
        assert!(!policy.same_content(&next), "the plan follows the clock");
    }

    #[test]
    fn sub_day_windows_enter_and_leave_at_their_own_instant_not_at_midnight() {
        // Suppobox: one name per 512-second slot, each in use 85 slots.
        let planner =
            zone("families = [\"suppobox\"]\nseeds = \"default\"\ndays-back = 0\ndays-ahead = 0");
        let start = at("2026-11-26T12:00:00Z");
        let forecast = planner.forecast(start, FORECAST_SPAN).unwrap();
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
        let alone = planner.policy_at(change, 2).unwrap();
        assert_eq!(names(&after), names(&alone));
        let alone = planner
            .policy_at(change - TimeDelta::seconds(1), 1)
            .unwrap();
        assert_eq!(names(&before), names(&alone));
    }

    #[test]
    fn the_horizon_widens_presence_by_days_ahead_and_back() {
        let planner =
            zone("families = [\"chinad\"]\nseeds = \"default\"\ndays-back = 1\ndays-ahead = 2");
        let noon = at("2026-11-26T12:00:00Z");
        let forecast = planner.forecast(noon, FORECAST_SPAN).unwrap();
        // Daily windows: the next change is midnight, not earlier.
        assert_eq!(
            planner.next_change(&forecast, noon),
            at("2026-11-27T00:00:00Z")
        );
        let policy = planner.policy_in(&forecast, noon, 1);
        let single =
            zone("families = [\"chinad\"]\nseeds = \"default\"\ndays-back = 0\ndays-ahead = 0");
        let mut days = Vec::new();
        for day in ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"] {
            days.extend(names(
                &single
                    .policy_at(at(&format!("{day}T06:00:00Z")), 1)
                    .unwrap(),
            ));
        }
        days.sort();
        days.dedup();
        assert_eq!(names(&policy), days);
    }

    #[test]
    fn a_split_zone_changes_one_part_for_the_day_leaving_and_one_for_the_day_entering() {
        let section = "families = [\"chinad\"]\nseeds = \"default\"\n\
                       days-back = 1\ndays-ahead = 2\nsplit-days = 5";
        let config = Config::parse(&format!("version = 1\n[[zone]]\n{section}\n")).unwrap();
        let parts = Planner::for_section(&config.zone[0]).unwrap();
        let zones: Vec<String> = parts.iter().map(|p| p.zone().to_ascii()).collect();
        assert_eq!(zones[0], "d0.cautery.rpz.");
        assert_eq!(zones[4], "d4.cautery.rpz.");
        assert_eq!(zones.len(), 5);
        let whole = zone(&section.replace("\nsplit-days = 5", ""));

        let noon = at("2026-11-26T12:00:00Z");
        let midnight = at("2026-11-27T00:00:00Z");
        let forecast = parts[0].forecast_covering(noon, FORECAST_SPAN).unwrap();
        let again = parts[3].forecast_covering(noon, FORECAST_SPAN).unwrap();
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
        assert_eq!(held, names(&whole.policy_at(noon, 1).unwrap()));
        // 2026-11-25 leaves and 2026-11-29 enters, in parts of their own.
        let part_of =
            |day: &str| (at(&format!("{day}T00:00:00Z")).timestamp() / 86_400 % 5) as usize;
        let (leaving, entering) = (part_of("2026-11-25"), part_of("2026-11-29"));
        assert_ne!(leaving, entering);
        let mut expected = vec![leaving, entering];
        expected.sort();
        assert_eq!(changed, expected);
        let entering = names(&parts[entering].policy_in(&forecast, midnight, 2));
        let single = zone(&section.replace(
            "days-back = 1\ndays-ahead = 2\nsplit-days = 5",
            "days-back = 0\ndays-ahead = 0",
        ));
        let day = names(&single.policy_at(at("2026-11-29T06:00:00Z"), 1).unwrap());
        assert_eq!(entering, day);
    }

    #[test]
    fn allow_list_entries_and_files_keep_names_out_of_the_zone() {
        let at = at("2026-11-26T12:00:00Z");
        let section = "version = 1\n[[zone]]\nfamilies = [\"necurs\"]\nseeds = \"default\"\n\
                       days-back = 0\ndays-ahead = 0\n";
        let open = Config::parse(section).unwrap();
        let all = Planner::new(&open.zone[0])
            .unwrap()
            .policy_at(at, 1)
            .unwrap();
        let names = names(&all);
        assert!(names.len() >= 3);
        let (allowed, by_file, kept) = (&names[0], &names[1], &names[2]);

        let dir = std::env::temp_dir().join(format!("cautery-allow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("allow.txt"), format!("# ours\n{by_file}\n")).unwrap();
        let path = dir.join("cautery.toml");
        std::fs::write(
            &path,
            format!(
                "{section}allow = [\"{}\", \".gov\"]\nallow-files = [\"allow.txt\"]\n",
                allowed.to_uppercase()
            ),
        )
        .unwrap();
        let gated = Config::load(&path).unwrap();
        let policy = Planner::new(&gated.zone[0])
            .unwrap()
            .policy_at(at, 1)
            .unwrap();
        let held: Vec<&str> = policy.rules().iter().map(|r| &*r.name).collect();
        assert!(!held.contains(&allowed.as_str()), "{allowed} is allowed");
        assert!(
            !held.contains(&by_file.as_str()),
            "{by_file} is allowed by file"
        );
        assert!(held.contains(&kept.as_str()), "{kept} stays blocked");
        assert_eq!(held.len(), names.len() - 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

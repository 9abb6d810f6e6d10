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
//! may change is the next presence bound ([`Forecast::next_change`]). So
//! families whose windows turn within a day (Suppobox every 512 s, QSnatch
//! hourly, Kraken at a fixed hour of the week) enter and leave the policy
//! at their own instants, not at midnight.
//!
//! Names the allow-list of their campaign matches (crates/zone's gate:
//! inline entries, allow-list files, top-site lists) are kept out and
//! counted in one warning per forecast; names that cannot be written under
//! the zone are dropped and counted too.

use std::collections::HashMap;
use std::sync::Arc;

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

/// Everything needed to plan one zone, built when the configuration is
/// (re)loaded.
pub struct Planner {
    zone: Name,
    soa: SoaFields,
    ns: Vec<Name>,
    ttl: u32,
    sources: Vec<Source>,
}

impl std::fmt::Debug for Planner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Planner({}, {} campaigns)",
            self.zone,
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
    /// The planner of `section`: its inline campaign unless it names
    /// campaign files, else one source per campaign file (already read by
    /// the configuration).
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
        Ok(Planner {
            zone: parse_name(&section.name)?,
            soa: section.soa_fields(),
            ns,
            ttl: section.ttl,
            sources,
        })
    }

    /// Families bound to a seed, over all campaigns.
    pub fn seed_count(&self) -> usize {
        self.sources.iter().map(|s| s.seeds.len()).sum()
    }

    /// Plans `[start, start + span)`.
    pub fn forecast(&self, start: DateTime<Utc>, span: TimeDelta) -> Result<Forecast> {
        Forecast::compute(self, start, start + span)
    }

    /// The policy at `at`, planned for that instant alone.
    #[cfg(test)]
    pub fn policy_at(&self, at: DateTime<Utc>, serial: u32) -> Result<Policy> {
        Ok(self
            .forecast(at, TimeDelta::seconds(1))?
            .policy_at(at, serial))
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
    zone: Name,
    soa: SoaFields,
    ns: Vec<Name>,
    ttl: u32,
    actions: Vec<(Arc<cautery_dns::Action>, bool)>,
    entries: Vec<Entry>,
    presences: Vec<Presence>,
    /// Instants in `(start, until)` at which a presence begins or ends,
    /// sorted, each once.
    changes: Vec<DateTime<Utc>>,
}

impl std::fmt::Debug for Forecast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Forecast({} .. {}, {} names, {} changes)",
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
            zone: planner.zone.clone(),
            soa: planner.soa.clone(),
            ns: planner.ns.clone(),
            ttl: planner.ttl,
            actions: Vec::new(),
            entries: Vec::new(),
            presences: Vec::new(),
            changes: Vec::new(),
        };
        let zone_text = planner.zone.to_ascii();
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
                    forecast.presences.push(Presence {
                        from: window.from.map(|from| from - ahead),
                        to: window.to.map(|to| to + back),
                        origin: shared,
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
        let mut changes: Vec<DateTime<Utc>> = forecast
            .presences
            .iter()
            .flat_map(|p| [p.from, p.to])
            .flatten()
            .filter(|&t| start < t && t < until)
            .collect();
        changes.sort_unstable();
        changes.dedup();
        forecast.changes = changes;
        Ok(forecast)
    }

    /// Whether `at` lies in the stretch planned.
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.until
    }

    /// The first instant after `at` at which the policy may change: a
    /// presence bound, or the end of the stretch (where the next forecast
    /// takes over).
    pub fn next_change(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let after = self.changes.partition_point(|&t| t <= at);
        self.changes.get(after).copied().unwrap_or(self.until)
    }

    /// The policy at `at` (which should lie in the stretch), with `serial`.
    /// A name predicted by several campaigns takes the first campaign's
    /// action; its origin is the first window in force at `at`.
    pub fn policy_at(&self, at: DateTime<Utc>, serial: u32) -> Policy {
        let mut rules = Vec::new();
        for entry in &self.entries {
            let presences =
                &self.presences[entry.first as usize..(entry.first + entry.count) as usize];
            if let Some(present) = presences.iter().find(|p| p.contains(at)) {
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
            self.zone.clone(),
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
        let change = forecast.next_change(start);
        assert!(change > start && change < at("2026-11-27T00:00:00Z"));
        assert_eq!(change.timestamp() % 512, 0, "a slot boundary: {change}");
        let before = forecast.policy_at(change - TimeDelta::seconds(1), 1);
        let after = forecast.policy_at(change, 2);
        assert_ne!(
            names(&before),
            names(&after),
            "the policy changes at {change}"
        );
        // Nothing changes between two boundaries.
        let following = forecast.next_change(change);
        let late = forecast.policy_at(following - TimeDelta::seconds(1), 3);
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
        assert_eq!(forecast.next_change(noon), at("2026-11-27T00:00:00Z"));
        let policy = forecast.policy_at(noon, 1);
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

//! The policy of a zone at an instant, computed straight from the family
//! library: every name that the zone's families and seeds predict over the
//! horizon, once, with the first family, seed and window that produced it.
//!
//! This is the swap point for crates/zone: when its planner lands, an
//! adapter from its plan to [`cautery_dns::Policy`] replaces
//! [`policy_at`] and nothing else changes.
//!
//! Names the zone's allow-list (crates/zone's [`cautery_zone::AllowList`],
//! the gate of `cautery export`) matches are kept out, and counted in one
//! warning per plan.
//!
//! Known limitation: the horizon is counted in whole UTC days, so a plan
//! changes at midnight UTC only; windows that start or end within a day are
//! covered for the whole day.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Result;
use cautery_dga::predict;
use cautery_dns::policy::parse_name;
use cautery_dns::{Origin, Policy, Rule};
use cautery_zone::normalise_name;
use chrono::{DateTime, NaiveDate, Utc};

use super::config::ZoneSection;
use crate::commands::{bind, resolve_families, SeedChoice};
use crate::dates::shift;

/// The day whose plan is in force at `at`; the plan changes when it does.
pub fn plan_day(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

/// The policy of `zone` at `at`, with serial `serial`.
pub fn policy_at(zone: &ZoneSection, at: DateTime<Utc>, serial: u32) -> Result<Policy> {
    let day = plan_day(at);
    let first = shift(day, -i64::from(zone.days_back));
    let last = shift(day, i64::from(zone.days_ahead));
    let action = Arc::new(zone.action()?);
    let choice = if zone.seeds == "default" {
        SeedChoice::Default
    } else {
        SeedChoice::All
    };
    let explicit = zone.families.iter().any(|f| !f.eq_ignore_ascii_case("all"));
    let allow = zone.allow_list.as_ref();
    // Distinct names: several families or seeds may predict the same one.
    let mut kept_out: HashSet<Box<str>> = HashSet::new();
    let mut example: Option<(String, cautery_zone::AllowMatch)> = None;
    let mut rules = Vec::new();
    for family in resolve_families(&zone.families)? {
        for source in bind(family, &choice, explicit)? {
            let mut origin: Option<(cautery_dga::Window, Arc<Origin>)> = None;
            predict(
                source.family,
                source.generator.as_ref(),
                first,
                last,
                |name, window| {
                    if !allow.is_empty() {
                        let normal = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                            Cow::Owned(normalise_name(name))
                        } else {
                            Cow::Borrowed(name)
                        };
                        if let Some(matched) = allow.check(&normal, zone.subdomains) {
                            if example.is_none() {
                                example = Some((normal.to_string(), matched));
                            }
                            kept_out.insert(normal.into());
                            return;
                        }
                    }
                    let shared = match &origin {
                        Some((w, o)) if *w == window => o.clone(),
                        _ => {
                            let o = Arc::new(Origin {
                                family: source.family.name.to_string(),
                                seed: source.seed.clone(),
                                valid_from: window
                                    .from
                                    .map(cautery_dga::rfc3339)
                                    .unwrap_or_default(),
                                valid_to: window.to.map(cautery_dga::rfc3339).unwrap_or_default(),
                            });
                            origin = Some((window, o.clone()));
                            o
                        }
                    };
                    rules.push(Rule {
                        name: name.into(),
                        action: action.clone(),
                        subdomains: zone.subdomains,
                        origin: Some(shared),
                    });
                },
            )?;
        }
    }
    if let Some((name, matched)) = example {
        tracing::warn!(
            zone = %zone.name,
            kept_out = kept_out.len(),
            example = %name,
            list = %matched.list,
            entry = %matched.entry,
            "predicted names kept out of the policy by the allow-list"
        );
    }
    let ns = zone
        .ns
        .iter()
        .map(|n| parse_name(n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy::new(
        parse_name(&zone.name)?,
        serial,
        zone.soa_fields(),
        ns,
        zone.ttl,
        rules,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_necurs_zone_holds_its_names_once_with_provenance() {
        let zone = ZoneSection {
            families: vec!["necurs".into()],
            seeds: "default".into(),
            days_back: 0,
            days_ahead: 0,
            ..ZoneSection::default()
        };
        let at = "2026-11-26T12:00:00Z".parse().unwrap();
        let policy = policy_at(&zone, at, 7).unwrap();
        assert!(!policy.rules().is_empty());
        let rule = &policy.rules()[0];
        assert_eq!(rule.origin.as_ref().unwrap().family, "necurs");
        let next = policy_at(&zone, "2026-12-30T00:00:00Z".parse().unwrap(), 8).unwrap();
        assert!(!policy.same_content(&next), "the plan follows the clock");
    }

    #[test]
    fn allow_list_entries_and_files_keep_names_out_of_the_zone() {
        let at = "2026-11-26T12:00:00Z".parse().unwrap();
        let section = "version = 1\n[[zone]]\nfamilies = [\"necurs\"]\nseeds = \"default\"\n\
                       days-back = 0\ndays-ahead = 0\n";
        let open = crate::serve::config::Config::parse(section).unwrap();
        let all = policy_at(&open.zone[0], at, 1).unwrap();
        let names: Vec<String> = all.rules().iter().map(|r| r.name.to_string()).collect();
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
        let gated = crate::serve::config::Config::load(&path).unwrap();
        let policy = policy_at(&gated.zone[0], at, 1).unwrap();
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

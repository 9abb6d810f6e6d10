//! The policy of a zone at an instant, computed straight from the family
//! library: every name that the zone's families and seeds predict over the
//! horizon, once, with the first family, seed and window that produced it.
//!
//! This is the swap point for crates/zone: when its planner lands, an
//! adapter from its plan to [`cautery_dns::Policy`] replaces
//! [`policy_at`] and nothing else changes.
//!
//! Known limitation: the horizon is counted in whole UTC days, so a plan
//! changes at midnight UTC only; windows that start or end within a day are
//! covered for the whole day.

use std::sync::Arc;

use anyhow::Result;
use cautery_dga::predict;
use cautery_dns::policy::parse_name;
use cautery_dns::{Origin, Policy, Rule};
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
}

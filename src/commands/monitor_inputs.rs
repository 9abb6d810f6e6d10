//! Public-data families in a monitored campaign.
//!
//! `plan` and `export` refuse a family seeded by public data (Bedep's ECB
//! rates, Orchard's balance, family files), since its names for a day are
//! known only once the input is published. The monitor looks at names that
//! may already be registered, so it can plan them from what the seed archive
//! holds: for each such family, the newest archived input fetched at or
//! before the check's instant that binds every seed (an error page archived
//! as evidence is passed over, as `cautery seed fetch` does). Every alert of
//! a name it predicts cites that input: its SHA-256, its place in the
//! archive and its fetch time.
//!
//! Known limitation: one input per family and check. Names of days the input
//! does not cover yet (Bedep's file is a 90-day history, so days after its
//! newest Tuesday repeat that Tuesday's names) are what the malware would
//! compute from that input, not from one published later.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use cautery_dga::find_family;
use cautery_seeds::{Archive, SeededFamily};
use cautery_zone::{bind_targets, BoundSeed, Campaign, Plan, SeedSelection, Target};
use chrono::{DateTime, Utc};

use crate::commands::seed::resolve_seeded;

/// The archived input a public-data family was planned from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedInput {
    /// The family's canonical name.
    pub family: &'static str,
    /// SHA-256 of the input, lower-case hex: its name in the archive.
    pub sha256: String,
    /// The input's file in the archive (`DATA/objects/SHA256`).
    pub path: PathBuf,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// Where it was fetched from.
    pub url: String,
}

/// The plan of a monitored campaign at `at`: ordinary families as `plan`
/// makes them, public-data families from the archive under `data`.
pub fn plan_at(
    campaign: &Campaign,
    at: DateTime<Utc>,
    data: &Path,
) -> Result<(Plan, Vec<ArchivedInput>)> {
    let mut ordinary: Vec<Target> = Vec::new();
    let mut public: Vec<(usize, &Target, SeededFamily)> = Vec::new();
    for (i, target) in campaign.targets.iter().enumerate() {
        let name = target.family.trim();
        if name.eq_ignore_ascii_case("all") || find_family(name).is_some() {
            ordinary.push(target.clone());
            continue;
        }
        match resolve_seeded(name)? {
            Some(family) => public.push((i, target, family)),
            // Unknown: bind_targets says so, with its suggestions.
            None => ordinary.push(target.clone()),
        }
    }
    let mut seeds = bind_targets(&ordinary)?;
    let mut inputs = Vec::new();
    if !public.is_empty() {
        let archive =
            Archive::open(data).with_context(|| format!("the seed archive {}", data.display()))?;
        for (i, target, family) in public {
            let labels = seed_labels(i, target, &family)?;
            let (input, bound) = newest_usable(&archive, &family, &labels, at)?;
            for (label, generator) in bound {
                if seeds
                    .iter()
                    .any(|s| std::ptr::eq(s.family, family.family()) && s.seed == label)
                {
                    continue;
                }
                seeds.push(BoundSeed {
                    family: family.family(),
                    seed: label,
                    generator,
                });
            }
            if !inputs
                .iter()
                .any(|i: &ArchivedInput| i.family == input.family)
            {
                inputs.push(input);
            }
        }
    }
    let plan = crate::commands::campaign::plan_seeds(campaign, &seeds, at)?;
    Ok((plan, inputs))
}

/// The seeds a target names for a public-data family.
fn seed_labels(i: usize, target: &Target, family: &SeededFamily) -> Result<Vec<String>> {
    let labels: Vec<String> = match &target.seeds {
        SeedSelection::Listed(list) => list.clone(),
        SeedSelection::Default => family
            .seed_names(false)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        SeedSelection::All => family
            .seed_names(true)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    if labels.is_empty() {
        bail!(
            "target[{i}]: {} lists no seed; name one in seeds",
            family.family().name
        );
    }
    Ok(labels)
}

type Bound = Vec<(String, Box<dyn cautery_dga::Generator>)>;

/// The newest input of `family` fetched at or before `at` that binds every
/// seed in `labels`.
fn newest_usable(
    archive: &Archive,
    family: &SeededFamily,
    labels: &[String],
    at: DateTime<Utc>,
) -> Result<(ArchivedInput, Bound)> {
    let name = family.family().name;
    let records = archive.records()?;
    let mut tried = std::collections::HashSet::new();
    let mut last_error = None;
    for record in records.into_iter().rev() {
        if record.source != name || record.fetched_at > at || !tried.insert(record.sha256.clone()) {
            continue;
        }
        let bytes = match archive.read(&record.sha256) {
            Ok(bytes) => bytes,
            Err(error) => {
                last_error = Some(error.to_string());
                continue;
            }
        };
        let bound: std::result::Result<Bound, String> = labels
            .iter()
            .map(|label| {
                family
                    .bind(label, &bytes)
                    .map(|generator| (label.clone(), generator))
                    .map_err(|error| format!("seed {label}: {error}"))
            })
            .collect();
        match bound {
            Ok(bound) => {
                let input = ArchivedInput {
                    family: name,
                    path: archive.root().join("objects").join(&record.sha256),
                    sha256: record.sha256,
                    fetched_at: record.fetched_at,
                    url: record.url,
                };
                return Ok((input, bound));
            }
            Err(error) => last_error = Some(format!("input {}: {error}", record.sha256)),
        }
    }
    let why = last_error.map_or(String::new(), |e| format!(" (the newest tried: {e})"));
    bail!(
        "the campaign targets {name}, a public-data family, and the seed archive {} holds no \
         usable input of {name} fetched at or before {}{why}: run `cautery seed fetch {name} \
         --data-dir {}` (or the seed watch) first",
        archive.root().display(),
        at.to_rfc3339(),
        archive.root().display()
    )
}

//! `cautery families`: the library's catalogue.

use std::io::Write;

use anyhow::Result;
use cautery_dga::{all_families, Family, TimeDependence};
use serde::Serialize;

use crate::cli::{FamiliesArgs, FamiliesFormat};
use crate::output;
use crate::Outcome;

/// One seed of a family, as listed.
#[derive(Serialize)]
pub struct SeedRecord<'a> {
    name: &'a str,
    value: &'a str,
    note: &'a str,
}

/// One family, as `cautery families --format json` and the HTTP API list it.
#[derive(Serialize)]
pub struct FamilyRecord<'a> {
    name: &'a str,
    aliases: &'a [&'a str],
    summary: &'a str,
    scheme: &'a str,
    seeding: &'a str,
    time_dependent: bool,
    deterministic: bool,
    seeds: Vec<SeedRecord<'a>>,
    seed_form: &'a str,
    window: String,
    lookback_epochs: u32,
    names_per_window: &'a str,
    tlds: &'a [&'a str],
    references: &'a [&'a str],
}

impl FamilyRecord<'_> {
    /// Whether `part` (lower case) is in the family's name or an alias.
    pub fn matches(&self, part: &str) -> bool {
        self.name.contains(part) || self.aliases.iter().any(|a| a.contains(part))
    }
}

/// The listing of `family`.
pub fn record(family: &'static Family) -> FamilyRecord<'static> {
    FamilyRecord {
        name: family.name,
        aliases: family.aliases,
        summary: family.summary,
        scheme: family.scheme.as_str(),
        seeding: family.seeding.as_str(),
        time_dependent: family.seeding.time == TimeDependence::TimeDependent,
        deterministic: family.seeding.deterministic,
        seeds: family
            .seeds
            .iter()
            .map(|s| SeedRecord {
                name: s.name,
                value: s.value,
                note: s.note,
            })
            .collect(),
        seed_form: family.seed_form,
        window: family.window_rule(),
        lookback_epochs: family.lookback,
        names_per_window: family.names_per_window,
        tlds: family.tlds,
        references: family.references,
    }
}

/// Runs `cautery families`.
pub fn run(args: &FamiliesArgs) -> Result<Outcome> {
    let mut out = output::stdout();
    let mut records: Vec<FamilyRecord<'static>> =
        all_families().iter().map(|f| record(f)).collect();
    // Families that read a public input, built in or from family files.
    records.extend(super::seed::extra_families().into_iter().map(record));
    match args.format {
        FamiliesFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &records)?;
            writeln!(out)?;
        }
        FamiliesFormat::Table => {
            // Columns as wide as their longest entry: nothing is cut (the
            // JSON format has the same text, with the seeds and references).
            let width = |header: &str, cell: &dyn Fn(&FamilyRecord<'_>) -> usize| {
                records
                    .iter()
                    .map(cell)
                    .max()
                    .unwrap_or(0)
                    .max(header.len())
            };
            let family = width("FAMILY", &|r| r.name.len());
            let names = width("NAMES", &|r| r.names_per_window.chars().count());
            let window = width("WINDOW", &|r| r.window.chars().count());
            writeln!(
                out,
                "{:<family$} {:<11} {:<7} {:>5}  {:<window$}  {:<names$}  TLDS",
                "FAMILY", "SCHEME", "SEEDING", "SEEDS", "WINDOW", "NAMES"
            )?;
            for r in &records {
                let tlds = if r.tlds.len() > 6 {
                    format!("{} and {} more", r.tlds[..6].join(","), r.tlds.len() - 6)
                } else {
                    r.tlds.join(",")
                };
                writeln!(
                    out,
                    "{:<family$} {:<11} {:<7} {:>5}  {:<window$}  {:<names$}  {}",
                    r.name,
                    r.scheme,
                    r.seeding,
                    r.seeds.len(),
                    r.window,
                    r.names_per_window,
                    tlds
                )?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Success)
}

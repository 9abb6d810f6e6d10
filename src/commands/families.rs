//! `cautery families`: the library's catalogue.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use cautery_dga::{all_families, search_space, Family, TimeDependence};
use serde::Serialize;

use crate::cli::{FamiliesArgs, FamiliesFormat};
use crate::output;
use crate::Outcome;

/// One seed of a family, as listed.
#[derive(Clone, Serialize)]
pub struct SeedRecord<'a> {
    name: &'a str,
    value: &'a str,
    note: &'a str,
}

/// One family, as `cautery families --format json` and the HTTP API list it.
#[derive(Clone, Serialize)]
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
    /// Whether `cautery discover` can search the seed space.
    searchable: bool,
    /// How many seeds a search tries.
    seed_space: Option<u64>,
    /// What those seeds are.
    search: Option<&'a str>,
    /// Estimated seconds of a full search over one epoch on every core here.
    full_search_seconds: Option<f64>,
    /// The same, for people.
    #[serde(skip)]
    search_column: String,
}

impl FamilyRecord<'_> {
    /// Whether `part` (lower case) is in the family's name or an alias.
    pub fn matches(&self, part: &str) -> bool {
        self.name.contains(part) || self.aliases.iter().any(|a| a.contains(part))
    }

    /// Whether this is the listing of `family`.
    pub fn is(&self, family: &Family) -> bool {
        self.name == family.name
    }
}

/// The listing of `family`.
pub fn record(family: &'static Family) -> FamilyRecord<'static> {
    let space = search_space(family);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get() as u64)
        .unwrap_or(1);
    FamilyRecord {
        searchable: space.is_some(),
        seed_space: space.map(|s| s.size),
        search: space.map(|s| s.describe),
        full_search_seconds: space.map(|s| (s.estimate_seconds(1, cores) * 10.0).round() / 10.0),
        search_column: match space {
            Some(s) => format!(
                "2^{} {}",
                63 - s.size.leading_zeros() + u32::from(!s.size.is_power_of_two()),
                super::discover::full_search_text(&s, cores)
            ),
            None => "-".to_owned(),
        },
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
            let search = width("SEARCH", &|r| r.search_column.len());
            writeln!(
                out,
                "{:<family$} {:<11} {:<7} {:>5}  {:<search$}  {:<window$}  {:<names$}  TLDS",
                "FAMILY", "SCHEME", "SEEDING", "SEEDS", "SEARCH", "WINDOW", "NAMES"
            )?;
            for r in &records {
                let tlds = if r.tlds.len() > 6 {
                    format!("{} and {} more", r.tlds[..6].join(","), r.tlds.len() - 6)
                } else {
                    r.tlds.join(",")
                };
                writeln!(
                    out,
                    "{:<family$} {:<11} {:<7} {:>5}  {:<search$}  {:<window$}  {:<names$}  {}",
                    r.name,
                    r.scheme,
                    r.seeding,
                    r.seeds.len(),
                    r.search_column,
                    r.window,
                    r.names_per_window,
                    tlds
                )?;
            }
            // Only on a terminal: scripts count one line per family.
            if std::io::stdout().is_terminal() {
                writeln!(
                    out,
                    "\nNot DGAs, so not in generate, policies or serve:\n  \
                     miniduke  Twitter accounts by week and month (cautery handles miniduke)\n  \
                     sunburst  names carrying a victim's id, AD domain and times: decoded, not predicted \
                     (cautery decode sunburst; block avsvmcloud.com)"
                )?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Success)
}

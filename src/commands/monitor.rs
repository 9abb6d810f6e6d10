//! `cautery monitor`: the registration watch at the command line.
//!
//! `cautery monitor check CAMPAIGN --zone-file F...` plans the campaign at an
//! instant (the same plan and allow-list gate as `cautery plan`), streams each
//! zone file through `cautery_monitor`'s reader and prints one line per
//! predicted name found delegated. Exit 0 when the check ran (whether or not
//! anything was found), 2 on bad input: an unreadable, truncated or corrupt
//! zone file names the file and the line.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

use anyhow::{bail, Context, Result};
use cautery_monitor::{join_zone, open_stream, Found, JoinStats, PredictionIndex, ZoneReader};
use cautery_zone::GatedPlan;

use crate::campaigns::{allow_list, load};
use crate::cli::{MonitorArgs, MonitorCheckArgs, MonitorCommand, PlanFormat};
use crate::commands::campaign::plan_of;
use crate::output;
use crate::Outcome;

/// Runs `cautery monitor`.
pub fn run(args: &MonitorArgs) -> Result<Outcome> {
    match &args.command {
        MonitorCommand::Check(check_args) => check(check_args),
    }
}

/// Read buffer of a zone file: large, since a `.com` file is gigabytes.
const READ_BUFFER: usize = 1 << 20;

fn check(args: &MonitorCheckArgs) -> Result<Outcome> {
    if args.zone_file.is_empty() {
        bail!("no source to check: give --zone-file FILE (a registry zone file, plain or gzip)");
    }
    if args.zone_file.iter().filter(|f| f.as_str() == "-").count() > 1 {
        bail!("--zone-file - (stdin) given more than once; stdin can be read once");
    }
    let loaded = load(&args.campaign)?;
    let allow = allow_list(&loaded.campaign, &loaded.base, &[], &[])?;
    let plan = plan_of(&loaded.campaign, args.at.as_deref())?;
    let campaign = &loaded.campaign;
    let gated = GatedPlan::new(plan, &allow, &campaign.zone.name, campaign.subdomains);
    let index = PredictionIndex::new(&gated);
    let mut found: Vec<Found<'_>> = Vec::new();
    let mut total = JoinStats::default();
    for path in &args.zone_file {
        let stats = join_file(path, args.origin.as_deref(), &index, &mut found)?;
        total.lines += stats.lines;
        total.delegations += stats.delegations;
        total.found += stats.found;
    }
    let mut out = output::stdout();
    for hit in &found {
        write_found(&mut out, hit, args.format)?;
    }
    out.flush()?;
    eprintln!(
        "cautery: {} predicted names checked against {} delegations in {} zone files: {} found registered",
        index.len(),
        total.delegations,
        args.zone_file.len(),
        total.found
    );
    Ok(Outcome::Success)
}

fn join_file<'a>(
    path: &str,
    origin: Option<&str>,
    index: &PredictionIndex<'a>,
    found: &mut Vec<Found<'a>>,
) -> Result<JoinStats> {
    let input: Box<dyn BufRead> = if path == "-" {
        Box::new(BufReader::with_capacity(READ_BUFFER, io::stdin().lock()))
    } else {
        let file = File::open(path)
            .with_context(|| format!("cannot read zone file {path}: check the path"))?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            bail!("zone file {path} is a folder; give the file itself");
        }
        Box::new(BufReader::with_capacity(READ_BUFFER, file))
    };
    let stream = open_stream(input).with_context(|| format!("cannot read zone file {path}"))?;
    let mut reader = ZoneReader::new(stream);
    if let Some(origin) = origin {
        reader = reader.with_origin(origin).context("--origin")?;
    }
    join_zone(&mut reader, index, &format!("zone-file:{path}"), found)
        .with_context(|| format!("zone file {path}"))
}

fn instant(at: Option<chrono::DateTime<chrono::Utc>>) -> serde_json::Value {
    match at {
        Some(_) => serde_json::Value::String(cautery_zone::rpz::instant_text(at)),
        None => serde_json::Value::Null,
    }
}

fn write_found(out: &mut impl Write, hit: &Found<'_>, format: PlanFormat) -> Result<()> {
    let name = hit.entry.name();
    match format {
        PlanFormat::Plain => {
            write!(out, "{name}")?;
            let origins: Vec<String> = hit
                .entry
                .origins()
                .map(|o| {
                    format!(
                        "{}/{} {}",
                        o.family,
                        o.seed,
                        cautery_zone::rpz::window_text(o.window)
                    )
                })
                .collect();
            writeln!(
                out,
                "\t{}\t{}\t{}",
                origins.join(","),
                hit.source,
                hit.ns.join(",")
            )?;
        }
        PlanFormat::Jsonl => {
            let first = hit.entry.first_origin();
            let origins: Vec<serde_json::Value> = hit
                .entry
                .origins()
                .map(|o| {
                    serde_json::json!({
                        "family": o.family,
                        "seed": o.seed,
                        "valid_from": instant(o.window.from),
                        "valid_to": instant(o.window.to),
                    })
                })
                .collect();
            let line = serde_json::json!({
                "domain": name,
                "family": first.family,
                "seed": first.seed,
                "valid_from": instant(first.window.from),
                "valid_to": instant(first.window.to),
                "source": hit.source,
                "ns": hit.ns,
                "origins": origins,
            });
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

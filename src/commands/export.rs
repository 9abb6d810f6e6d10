//! `cautery export`: a campaign's policy as RPZ, resolver block lists, CSV
//! or per-TLD registry lists, with the collision report beside it.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use cautery_dga::midnight;
use cautery_zone::formats::{self, Format};
use cautery_zone::rpz::{self, SerialState};
use cautery_zone::{
    bind_targets, plan_between, Action, AllowConfig, Campaign, CampaignError, GatedPlan, Horizon,
    Resolver, SeedSelection, Target, ZoneConfig,
};
use chrono::TimeDelta;

use super::campaign::plan_of;
use crate::campaigns::{allow_list, load, read_text, SERIAL_STATE};
use crate::cli::{ExportArgs, ExportFormat};
use crate::dates::{now, parse_day};
use crate::output;
use crate::Outcome;

fn format_of(format: ExportFormat) -> Format {
    match format {
        ExportFormat::Rpz => Format::Rpz,
        ExportFormat::Unbound => Format::Unbound,
        ExportFormat::Dnsmasq => Format::Dnsmasq,
        ExportFormat::Hosts => Format::Hosts,
        ExportFormat::Domains => Format::Domains,
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Registry => Format::Registry,
    }
}

/// The campaign given on the command line (`--family ... --from --to`).
fn one_off(args: &ExportArgs) -> Result<Campaign> {
    if args.family.is_empty() {
        bail!("give a campaign file, or --family with --from and --to for a one-off export");
    }
    super::refuse_public_data(&args.family)?;
    let seeds = match (&args.seed, args.all_seeds) {
        (Some(seed), _) => SeedSelection::Listed(vec![seed.clone()]),
        (None, true) => SeedSelection::All,
        (None, false) => SeedSelection::Default,
    };
    let action = Action::parse(args.action.as_deref().unwrap_or("nxdomain"))
        .map_err(|e| anyhow::anyhow!("--action: {e}"))?;
    let ttl = args.ttl.unwrap_or(300);
    if ttl == 0 || ttl > 604_800 {
        bail!("--ttl {ttl} is out of range: use 1 to 604800 seconds");
    }
    let zone = ZoneConfig::named(
        args.zone
            .as_deref()
            .unwrap_or(cautery_zone::rpz::DEFAULT_ZONE),
    )
    .map_err(|e| anyhow::anyhow!("--zone: {e}"))?;
    Ok(Campaign {
        name: "cautery".to_owned(),
        targets: args
            .family
            .iter()
            .map(|family| Target {
                family: family.clone(),
                seeds: seeds.clone(),
            })
            .collect(),
        horizon: Horizon {
            days_back: 0,
            days_ahead: 0,
        },
        action,
        subdomains: !args.exact,
        ttl,
        resolvers: Vec::new(),
        allow: AllowConfig::default(),
        zone,
    })
}

/// Runs `cautery export`.
pub fn run(args: &ExportArgs) -> Result<Outcome> {
    let format = format_of(args.format);
    let (mut campaign, base) = match &args.campaign {
        Some(path) => {
            let loaded = load(path)?;
            (loaded.campaign, loaded.base)
        }
        None => (one_off(args)?, PathBuf::from(".")),
    };
    for text in &args.resolver {
        let resolver = Resolver::parse(text).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown resolver '{text}' for --resolver: use bind, unbound, powerdns or knot"
            )
        })?;
        campaign.resolvers.push(resolver);
    }
    formats::check(format, &campaign)?;
    if format == Format::Registry && args.out.is_none() {
        bail!("the registry format writes one file per TLD: pass --out DIR");
    }
    let allow = allow_list(&campaign, &base, &args.allow_list, &args.legitimate)?;
    let mut progress = None;
    let plan = if args.campaign.is_some() {
        plan_of(&campaign, args.at.as_deref())?
    } else {
        let seeds = bind_targets(&campaign.targets).map_err(|e| match e {
            // Name the option, not the campaign key the options became.
            CampaignError::Invalid { key, problem } => {
                let option = if key.ends_with(".family") {
                    "--family"
                } else {
                    "--seed"
                };
                anyhow::anyhow!("{option}: {problem}")
            }
            other => anyhow::anyhow!("{other}"),
        })?;
        // A time-independent family (banjori, a static list) has the same
        // names every day: any day will do.
        let timeless = !seeds.is_empty()
            && seeds
                .iter()
                .all(|s| matches!(s.family.schedule, cautery_dga::Schedule::Static));
        let (first, last) = match (&args.from, &args.to) {
            (Some(from), Some(to)) => (parse_day("--from", from)?, parse_day("--to", to)?),
            (None, None) if timeless => (crate::dates::today(), crate::dates::today()),
            _ => bail!(
                "a one-off export needs --from and --to (days, e.g. --from 2026-11-26 --to 2026-12-02); only time-independent families may leave them out"
            ),
        };
        cautery_dga::check_range(first, last)?;
        let (start, end) = (midnight(first), midnight(last) + TimeDelta::days(1));
        let predictions = crate::memory::check_plan(
            &seeds,
            start,
            end,
            "export fewer days (--from/--to) or families, or split the range into several exports",
        )?;
        progress = crate::memory::progress(
            predictions,
            format!(
                "planning about {:.1} million names",
                predictions as f64 / 1e6
            ),
        );
        plan_between(&seeds, start, start, end)?
    };
    if let Some(bar) = &progress {
        bar.set_message(format!("checking and writing {} names", plan.len()));
    }
    let policy = GatedPlan::new(plan, &allow, &campaign.zone.name, campaign.subdomains);
    match &args.out {
        Some(dir) => write_files(&policy, &campaign, format, Path::new(dir), args)?,
        None => {
            let mut out = output::stdout();
            if format == Format::Rpz {
                let serial = rpz::next_serial(None, "", now()).serial;
                rpz::render(&policy, &campaign, serial, &mut out)?;
            } else {
                formats::render(format, &policy, &campaign, &mut out)?;
            }
            out.flush()?;
            report_collisions(&policy, args.collisions.as_deref().map(Path::new))?;
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(Outcome::Success)
}

/// Writes `path` through a temporary file and a rename, so a resolver
/// reloading meanwhile never reads half a zone.
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.tmp"));
    let file = fs::File::create(&temporary)
        .with_context(|| format!("cannot create {}", temporary.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    fill(&mut writer).with_context(|| format!("writing {}", temporary.display()))?;
    writer
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("writing {}", temporary.display()))?;
    fs::rename(&temporary, path)
        .with_context(|| format!("cannot move {} to {}", temporary.display(), path.display()))?;
    Ok(())
}

fn write_files(
    policy: &GatedPlan,
    campaign: &Campaign,
    format: Format,
    dir: &Path,
    args: &ExportArgs,
) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = &campaign.name;
    let target = dir.join(format!("{stem}.{}", format.extension()));
    let mut detail = String::new();
    match format {
        Format::Rpz => {
            let state_path = dir.join(format!("{stem}.rpz.state"));
            let previous = if state_path.exists() {
                let text = read_text(&state_path, &SERIAL_STATE)?;
                let state = SerialState::parse(&text);
                if state.is_none() {
                    eprintln!(
                        "cautery: {} is not a serial state; starting from the clock",
                        state_path.display()
                    );
                }
                state
            } else {
                None
            };
            let digest = rpz::digest(policy, campaign);
            let state = rpz::next_serial(previous.as_ref(), &digest, now());
            write_atomically(&target, |out| {
                let mut out = out;
                rpz::render(policy, campaign, state.serial, &mut out)
            })?;
            write_atomically(&state_path, |out| out.write_all(state.to_text().as_bytes()))?;
            detail = format!(" (serial {})", state.serial);
        }
        Format::Registry => {
            let folder = target;
            fs::create_dir_all(&folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
            let groups = formats::registry(policy);
            for (tld, entries) in &groups {
                let path = folder.join(formats::registry_file(tld));
                write_atomically(&path, |out| {
                    let mut out = out;
                    formats::render_registry_tld(entries, &mut out)
                })?;
            }
            write_atomically(&folder.join("summary.csv"), |out| {
                let mut out = out;
                formats::render_registry_summary(&groups, &mut out)
            })?;
            detail = format!(" ({} TLDs)", groups.len());
            eprintln!(
                "cautery: wrote {} names to {}{detail}",
                policy.len(),
                folder.display()
            );
            return finish_report(policy, dir, stem, args);
        }
        _ => write_atomically(&target, |out| {
            let mut out = out;
            formats::render(format, policy, campaign, &mut out)
        })?,
    }
    eprintln!(
        "cautery: wrote {} names to {}{detail}",
        policy.len(),
        target.display()
    );
    finish_report(policy, dir, stem, args)
}

fn finish_report(policy: &GatedPlan, dir: &Path, stem: &str, args: &ExportArgs) -> Result<()> {
    let report = args
        .collisions
        .as_ref()
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join(format!("{stem}.collisions.csv")));
    report_collisions(policy, Some(&report))
}

/// Writes the collision report to `path`, or to stderr when there is no
/// path and something was kept out.
fn report_collisions(policy: &GatedPlan, path: Option<&Path>) -> Result<()> {
    let kept_out = policy.collisions.len() + policy.rejected.len();
    match path {
        Some(path) => {
            write_atomically(path, |out| {
                writeln!(
                    out,
                    "domain,family,seed,valid_from,valid_to,reason,list,entry"
                )?;
                for collision in &policy.collisions {
                    let entry = policy.plan.entry(collision.index);
                    for origin in entry.origins() {
                        writeln!(
                            out,
                            "{},{},{},{},{},allow-list {},{},{}",
                            entry.name(),
                            origin.family,
                            formats::csv_field(origin.seed),
                            cautery_zone::rpz::instant_text(origin.window.from),
                            cautery_zone::rpz::instant_text(origin.window.to),
                            collision.matched.kind.as_str(),
                            formats::csv_field(&collision.matched.list),
                            collision.matched.entry
                        )?;
                    }
                }
                for rejected in &policy.rejected {
                    let entry = policy.plan.entry(rejected.index);
                    for origin in entry.origins() {
                        writeln!(
                            out,
                            "{},{},{},{},{},invalid name,-,{}",
                            formats::csv_field(entry.name()),
                            origin.family,
                            formats::csv_field(origin.seed),
                            cautery_zone::rpz::instant_text(origin.window.from),
                            cautery_zone::rpz::instant_text(origin.window.to),
                            formats::csv_field(&rejected.error.to_string())
                        )?;
                    }
                }
                Ok(())
            })?;
            if kept_out > 0 {
                eprintln!(
                    "cautery: {} names kept out of the policy ({} allow-listed, {} not writable); see {}",
                    kept_out,
                    policy.collisions.len(),
                    policy.rejected.len(),
                    path.display()
                );
            }
        }
        None => {
            let mut shown = 0;
            for collision in policy.collisions.iter().take(STDERR_COLLISIONS) {
                shown += 1;
                let entry = policy.plan.entry(collision.index);
                let origin = entry.first_origin();
                eprintln!(
                    "cautery: kept out of the policy: {} ({}/{}) is {} {} on {}",
                    entry.name(),
                    origin.family,
                    origin.seed,
                    collision.matched.kind.as_str(),
                    collision.matched.entry,
                    collision.matched.list
                );
            }
            for rejected in policy
                .rejected
                .iter()
                .take(STDERR_COLLISIONS.saturating_sub(shown))
            {
                shown += 1;
                let entry = policy.plan.entry(rejected.index);
                let origin = entry.first_origin();
                eprintln!(
                    "cautery: kept out of the policy: {:?} ({}/{}): {}",
                    entry.name(),
                    origin.family,
                    origin.seed,
                    rejected.error
                );
            }
            if kept_out > shown {
                eprintln!(
                    "cautery: and {} more names kept out of the policy; pass --collisions FILE for the full report",
                    kept_out - shown
                );
            }
        }
    }
    Ok(())
}

/// Collisions printed on stderr when there is no report file.
const STDERR_COLLISIONS: usize = 10;

//! Campaign files at the edge: reading them and the allow-list files they
//! name, `cautery check-config` and `cautery plan`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use cautery_dga::Window;
use cautery_zone::{bind_targets, plan as make_plan, BoundSeed, Campaign, GatedPlan, Plan};
use chrono::{DateTime, Utc};

use crate::campaigns::{allow_list, load, read_text, CAMPAIGN_FILE};

use crate::cli::{CheckConfigArgs, PlanArgs, PlanFormat};
use crate::dates::{now, parse_instant};
use crate::output::{self, json_string};
use crate::Outcome;

/// Runs `cautery check-config`.
pub fn check_config(args: &CheckConfigArgs) -> Result<Outcome> {
    let text = read_text(Path::new(&args.file), &CAMPAIGN_FILE)?;
    if crate::daemon::spec::is_serve_config(&text) {
        let lines = crate::daemon::runtime::check_file(Path::new(&args.file))?;
        let mut out = output::stdout();
        writeln!(out, "{}: ok: cautery serve configuration", args.file)?;
        for line in lines {
            writeln!(out, "  {line}")?;
        }
        out.flush()?;
        return Ok(Outcome::Success);
    }
    let loaded = load(&args.file)?;
    let allow = allow_list(&loaded.campaign, &loaded.base, &[], &[])?;
    let campaign = &loaded.campaign;
    let seeds = bind_targets(&campaign.targets)?;
    let mut out = output::stdout();
    writeln!(
        out,
        "{}: ok: campaign '{}', {} family seeds, horizon {} days back and {} ahead, action {}{}, \
         {} allow-list entries, zone {}",
        args.file,
        campaign.name,
        seeds.len(),
        campaign.horizon.days_back,
        campaign.horizon.days_ahead,
        campaign.action,
        if campaign.subdomains {
            " (names under them too)"
        } else {
            ""
        },
        allow.len(),
        campaign.zone.name
    )?;
    out.flush()?;
    Ok(Outcome::Success)
}

/// The plan of a loaded campaign at `at` (default now).
pub fn plan_of(campaign: &Campaign, at: Option<&str>) -> Result<Plan> {
    let at = match at {
        Some(text) => parse_instant("--at", text)?,
        None => now(),
    };
    let families: Vec<String> = campaign.targets.iter().map(|t| t.family.clone()).collect();
    super::refuse_public_data(&families)?;
    let seeds = bind_targets(&campaign.targets)?;
    plan_seeds(campaign, &seeds, at)
}

/// The plan of `campaign`'s horizon at `at` over `seeds` (its targets,
/// bound), refused before it is made when it would not fit in memory.
pub fn plan_seeds(campaign: &Campaign, seeds: &[BoundSeed], at: DateTime<Utc>) -> Result<Plan> {
    cautery_zone::check_horizon(&campaign.horizon)?;
    let (start, end) = cautery_zone::horizon_bounds(&campaign.horizon, at);
    let _ = crate::memory::check_plan(
        seeds,
        start,
        end + chrono::TimeDelta::seconds(1),
        "shorten the campaign's days-back/days-ahead or name fewer families",
    )?;
    Ok(make_plan(seeds, &campaign.horizon, at)?)
}

fn window_plain(window: Window) -> String {
    cautery_zone::rpz::window_text(window)
}

/// Runs `cautery plan`: a dry run of `cautery export` for the same
/// campaign and instant: the same plan through the same allow-list gate, so
/// it prints exactly the names the export would block (and fails the same
/// way on a missing allow-list file).
pub fn plan(args: &PlanArgs) -> Result<Outcome> {
    let loaded = load(&args.campaign)?;
    let allow = allow_list(&loaded.campaign, &loaded.base, &[], &[])?;
    let plan = plan_of(&loaded.campaign, args.at.as_deref())?;
    let campaign = &loaded.campaign;
    let gated = GatedPlan::new(plan, &allow, &campaign.zone.name, campaign.subdomains);
    if !gated.collisions.is_empty() || !gated.rejected.is_empty() {
        eprintln!(
            "cautery: {} predicted names kept out by the allow-list and {} that are not host \
             names (cautery export writes them to the collision report)",
            gated.collisions.len(),
            gated.rejected.len()
        );
    }
    let mut out = output::stdout();
    for entry in gated.entries() {
        match args.format {
            PlanFormat::Plain => {
                write!(out, "{}", entry.name())?;
                for origin in entry.origins() {
                    write!(
                        out,
                        "\t{}/{} {}",
                        origin.family,
                        origin.seed,
                        window_plain(origin.window)
                    )?;
                }
                writeln!(out)?;
            }
            PlanFormat::Jsonl => {
                out.write_all(b"{\"domain\":")?;
                json_string(&mut out, entry.name())?;
                out.write_all(b",\"origins\":[")?;
                for (i, origin) in entry.origins().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    write!(out, "{{\"family\":\"{}\",\"seed\":", origin.family)?;
                    json_string(&mut out, origin.seed)?;
                    let side = |text: String| {
                        if text.is_empty() {
                            "null".to_owned()
                        } else {
                            format!("\"{text}\"")
                        }
                    };
                    write!(
                        out,
                        ",\"valid_from\":{},\"valid_to\":{}}}",
                        side(cautery_zone::rpz::instant_text(origin.window.from)),
                        side(cautery_zone::rpz::instant_text(origin.window.to))
                    )?;
                }
                out.write_all(b"]}\n")?;
            }
        }
    }
    out.flush()?;
    Ok(if gated.is_empty() {
        Outcome::NotFound
    } else {
        Outcome::Success
    })
}

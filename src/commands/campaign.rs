//! Campaign files at the edge: reading them and the allow-list files they
//! name, `cautery check-config` and `cautery plan`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use cautery_dga::Window;
use cautery_seeds::{read_bounded_text, FileKind};
use cautery_zone::{bind_targets, plan as make_plan, AllowList, Campaign, Plan};

use crate::cli::{CheckConfigArgs, PlanArgs, PlanFormat};
use crate::dates::{now, parse_instant};
use crate::output::{self, json_string};
use crate::Outcome;

/// A campaign: TOML of a few KiB, more with long inline lists.
pub const CAMPAIGN_FILE: FileKind = FileKind {
    what: "campaign file",
    limit: 64 * MIB,
    advice: "move long name lists into allow-list files",
};

/// An allow-list file: a name or suffix a line.
pub const ALLOW_LIST_FILE: FileKind = FileKind {
    what: "allow-list file",
    limit: 512 * MIB,
    advice: "keep the names that matter (a top-million list is about 30 MB) or split it",
};

/// A known-legitimate domain list, e.g. a Tranco top-site CSV.
pub const LEGITIMATE_LIST: FileKind = FileKind {
    what: "legitimate-domain list",
    limit: 512 * MIB,
    advice: "keep the top names (a top-million list is about 30 MB) or split it",
};

/// The serial state `cautery export` keeps beside an RPZ file: two lines.
pub const SERIAL_STATE: FileKind = FileKind {
    what: "serial state",
    limit: 64 * 1024,
    advice:
        "cautery writes two short lines there; delete the file to start the serial from the clock",
};

const MIB: u64 = 1024 * 1024;

/// Reads a text file of `kind`, at most its limit, with a message naming
/// the file (so a wrong path such as /dev/zero fails clearly instead of
/// filling memory).
pub fn read_text(path: &Path, kind: &FileKind) -> Result<String> {
    Ok(read_bounded_text(path, kind)?)
}

/// A campaign read from a file, with the folder its relative paths are
/// resolved from.
pub struct LoadedCampaign {
    /// The campaign.
    pub campaign: Campaign,
    /// The campaign file's folder.
    pub base: PathBuf,
}

/// Reads and validates a campaign file.
pub fn load(path: &str) -> Result<LoadedCampaign> {
    let path = Path::new(path);
    let text = read_text(path, &CAMPAIGN_FILE)?;
    let campaign =
        Campaign::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(LoadedCampaign { campaign, base })
}

fn resolve(base: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// The allow-list of a campaign: its inline names and suffixes, its files
/// and its legitimate-domain lists, plus files given on the command line.
/// Prints one warning line per list with skipped lines.
pub fn allow_list(
    campaign: &Campaign,
    base: &Path,
    extra_files: &[String],
    extra_legitimate: &[String],
) -> Result<AllowList> {
    let mut allow = AllowList::new();
    for name in &campaign.allow.names {
        allow.add_name("allow.names", name);
    }
    for suffix in &campaign.allow.suffixes {
        allow.add_suffix("allow.suffixes", suffix);
    }
    let files = campaign
        .allow
        .files
        .iter()
        .map(|f| resolve(base, f))
        .chain(extra_files.iter().map(PathBuf::from));
    for path in files {
        let text = read_text(&path, &ALLOW_LIST_FILE)?;
        allow
            .add_file(&path.display().to_string(), &text)
            .map_err(|e| anyhow::anyhow!("allow-list file {}: {e}", path.display()))?;
    }
    let lists = campaign
        .allow
        .legitimate
        .iter()
        .map(|f| resolve(base, f))
        .chain(extra_legitimate.iter().map(PathBuf::from));
    for path in lists {
        let text = read_text(&path, &LEGITIMATE_LIST)?;
        let (added, skipped) = allow.add_legitimate(&path.display().to_string(), &text);
        if added == 0 {
            bail!(
                "legitimate-domain list {} holds no domain; expected rank,domain lines or one domain a line",
                path.display()
            );
        }
        if skipped > 0 {
            eprintln!(
                "cautery: {}: skipped {skipped} lines that are not domain names",
                path.display()
            );
        }
    }
    Ok(allow)
}

/// Runs `cautery check-config`.
pub fn check_config(args: &CheckConfigArgs) -> Result<Outcome> {
    let text = read_text(Path::new(&args.file), &CAMPAIGN_FILE)?;
    if crate::serve::config::is_serve_config(&text) {
        let lines = crate::serve::config::check_file(Path::new(&args.file))?;
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
    let seeds = bind_targets(&campaign.targets)?;
    Ok(make_plan(&seeds, &campaign.horizon, at)?)
}

fn window_plain(window: Window) -> String {
    cautery_zone::rpz::window_text(window)
}

/// Runs `cautery plan`.
pub fn plan(args: &PlanArgs) -> Result<Outcome> {
    let loaded = load(&args.campaign)?;
    let plan = plan_of(&loaded.campaign, args.at.as_deref())?;
    let mut out = output::stdout();
    for entry in plan.entries() {
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
    Ok(if plan.is_empty() {
        Outcome::NotFound
    } else {
        Outcome::Success
    })
}

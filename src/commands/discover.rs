//! `cautery discover`: the seeds that produce names seen in the wild.
//!
//! The search itself is `cautery_dga::discover`; this command reads the
//! names, picks the families (one, or every searchable one for `auto`),
//! shows a progress bar on a terminal and prints what was found. A seed
//! found here can be kept with `cautery seed add`, after which every other
//! command uses it.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use cautery_dga::{
    all_families, discover, epochs, family_names, search_space, Family, Found, Search, SearchSpace,
};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

use super::resolve_family;
use crate::cli::{DiscoverArgs, LookupFormat};
use crate::dates::{parse_day, today};
use crate::output::{self, escape_echo, json_string};
use crate::Outcome;

/// Longest input line kept; a DNS name has at most 253 characters.
const MAX_LINE: usize = 1024;

/// Most names read: a search costs the same whatever their number, but the
/// names are held in memory.
const MAX_NAMES: usize = 1_000_000;

/// Runs `cautery discover`.
pub fn run(args: &DiscoverArgs) -> Result<Outcome> {
    let (first, last) = match (&args.from, &args.to) {
        (Some(from), Some(to)) => (parse_day("--from", from)?, parse_day("--to", to)?),
        _ => (today(), today()),
    };
    cautery_dga::check_range(first, last)?;
    let names = if args.names.is_empty() {
        read_names(std::io::stdin().lock())?
    } else {
        args.names.clone()
    };
    if names.is_empty() {
        bail!("no names given: pass them as arguments or one a line on stdin");
    }
    let threads = args.threads.map(|t| t as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let auto = args.family.eq_ignore_ascii_case("auto");
    let families: Vec<&'static Family> = if auto {
        all_families()
            .iter()
            .copied()
            .filter(|f| search_space(f).is_some())
            .collect()
    } else {
        let family = resolve_family(&args.family)?;
        if search_space(family).is_none() {
            bail!(
                "{}'s seed space cannot be searched (its seed is {}); `cautery families` says which families can",
                family.name,
                family.seed_form
            );
        }
        vec![family]
    };
    let mut out = output::stdout();
    let mut any = false;
    for family in families {
        let space = search_space(family).context("searchable")?;
        let mine = family_names(family, &names);
        if mine.is_empty() {
            if !auto {
                bail!(
                    "none of the names ends in a TLD {} uses ({}); nothing to search",
                    family.name,
                    family.tlds.join(", ")
                );
            }
            continue;
        }
        let epoch_count = epoch_count(family, first, last)?;
        let estimate = space.estimate_seconds(epoch_count, threads as u64);
        if auto && estimate > args.budget as f64 {
            eprintln!(
                "cautery: skipping {}: searching {} over {epoch_count} epochs would take about {} here (raise --budget, or name the family)",
                family.name,
                space.describe,
                human_seconds(estimate)
            );
            continue;
        }
        let search = Search {
            first,
            last,
            all: args.all,
            threads,
            min_explained: 1,
            limit: args.max_candidates,
            skip: args.skip_candidates,
        };
        let found = search_with_progress(family, &space, &mine, &search)?;
        for hit in &found {
            any = true;
            write_found(&mut out, args.format, family, hit, mine.len())?;
        }
        out.flush()?;
    }
    out.flush()?;
    Ok(if any {
        Outcome::Success
    } else {
        Outcome::NotFound
    })
}

/// Epochs of the family's default seed that touch the range, for estimates.
fn epoch_count(family: &Family, first: NaiveDate, last: NaiveDate) -> Result<u64> {
    let generator = (family.bind)(family.default_seed().value)
        .map_err(|e| anyhow::anyhow!("{}: default seed: {e}", family.name))?;
    Ok(epochs(family, generator.as_ref(), first, last)?.len() as u64)
}

fn search_with_progress(
    family: &Family,
    space: &SearchSpace,
    names: &[String],
    search: &Search,
) -> Result<Vec<Found>> {
    let progress = AtomicU64::new(0);
    let cancel = AtomicBool::new(false);
    let finished = AtomicBool::new(false);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(space.size);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} {bar:40} {percent}% of {len} seeds, {elapsed} (about {eta} left)",
        ) {
            bar.set_style(style);
        }
        bar.set_message(family.name.to_owned());
        bar
    });
    let found = std::thread::scope(|scope| {
        if let Some(bar) = &bar {
            scope.spawn(|| {
                while !finished.load(Ordering::Relaxed) {
                    bar.set_position(progress.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
        let found = discover(family, space, names, search, &progress, &cancel);
        finished.store(true, Ordering::Relaxed);
        found
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(found?)
}

fn write_found(
    out: &mut impl Write,
    format: LookupFormat,
    family: &Family,
    hit: &Found,
    total: usize,
) -> Result<()> {
    match format {
        LookupFormat::Plain => {
            write!(
                out,
                "{}\t{}\t{}/{total}",
                family.name, hit.seed, hit.explained
            )?;
            for (window, names) in &hit.windows {
                write!(
                    out,
                    "\t{}/{}:{}",
                    window.from_rfc3339(),
                    window.to_rfc3339(),
                    names.len()
                )?;
            }
            writeln!(out)?;
        }
        LookupFormat::Jsonl => {
            write!(out, "{{\"family\":\"{}\",\"seed\":", family.name)?;
            json_string(out, &hit.seed)?;
            write!(
                out,
                ",\"explained\":{},\"names\":{total},\"windows\":[",
                hit.explained
            )?;
            for (i, (window, names)) in hit.windows.iter().enumerate() {
                if i > 0 {
                    write!(out, ",")?;
                }
                let bound = |text: String| {
                    if text.is_empty() {
                        "null".to_owned()
                    } else {
                        format!("\"{text}\"")
                    }
                };
                write!(
                    out,
                    "{{\"from\":{},\"to\":{},\"names\":",
                    bound(window.from_rfc3339()),
                    bound(window.to_rfc3339())
                )?;
                serde_json::to_writer(&mut *out, names)?;
                write!(out, "}}")?;
            }
            writeln!(out, "]}}")?;
        }
    }
    Ok(())
}

/// One name a line; blank lines and `#` comments skipped; lines too long to
/// be a name are reported (escaped) and skipped.
fn read_names(input: impl BufRead) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for (number, line) in input.split(b'\n').enumerate() {
        let line = line.context("reading names from stdin")?;
        let text = line.trim_ascii();
        if text.is_empty() || text.starts_with(b"#") {
            continue;
        }
        if text.len() > MAX_LINE {
            eprintln!(
                "cautery: line {}: not a name, skipped: {}",
                number + 1,
                escape_echo(&text[..MAX_LINE], text.len())
            );
            continue;
        }
        if names.len() >= MAX_NAMES {
            bail!("more than {MAX_NAMES} names on stdin; search a sample of them");
        }
        names.push(String::from_utf8_lossy(text).into_owned());
    }
    Ok(names)
}

fn human_seconds(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 2.0 * 86_400.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.0} days", seconds / 86_400.0)
    }
}

/// The estimate of a full search of `space` over one epoch on `cores` cores,
/// for `cautery families`.
pub fn full_search_text(space: &SearchSpace, cores: u64) -> String {
    human_seconds(space.estimate_seconds(1, cores))
}

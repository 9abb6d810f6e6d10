//! `cautery seed ...` and `cautery generate FAMILY --input ...`: public-data
//! seeds fetched, archived, shown, watched, and predictions made from them.
//! Every prediction from an input cites the input's SHA-256.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use cautery_dga::{find_public_data_family, public_data_families, Family};
use cautery_seeds::watch::{Source, WatchConfig, WatchEvent, Watcher, MAX_BODY_BYTES};
use cautery_seeds::{
    placeholder_host, predict_from_input, read_bounded, read_bounded_text, sha256_hex, Archive,
    FetchLimits, Fetcher, FileFamily, FileKind, InputPrediction, SeededFamily,
};
use chrono::Utc;

use crate::cli::{
    FetchArgs, GenerateArgs, GenerateFormat, SeedArgs, SeedCommand, ShowArgs, WatchArgs,
};
use crate::dates::{day_range, today};
use crate::output::{self, json_string};
use crate::Outcome;

/// The data directory.
pub fn data_dir(given: Option<&Path>) -> PathBuf {
    given
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("CAUTERY_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("cautery-data"))
}

/// Where family files are looked for when `$CAUTERY_FAMILY_DIRS` is not
/// set, in order: the administrator's, the package's, then the
/// repository's own `etc/families` (relative to the current folder).
pub const FAMILY_DIRS: [&str; 3] = [
    "/etc/cautery/families",
    "/usr/share/cautery/families",
    "etc/families",
];

/// Directories searched for family files: $CAUTERY_FAMILY_DIRS
/// (colon-separated) or [`FAMILY_DIRS`].
fn family_dirs() -> Vec<PathBuf> {
    match std::env::var_os("CAUTERY_FAMILY_DIRS") {
        Some(dirs) => std::env::split_paths(&dirs).collect(),
        None => FAMILY_DIRS.iter().map(PathBuf::from).collect(),
    }
}

/// Every content-seeded family in the family directories; files that do not
/// load are reported on stderr and skipped.
pub fn file_families() -> Vec<Arc<FileFamily>> {
    let mut out = Vec::new();
    for dir in family_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            match FileFamily::load(&path) {
                // The first folder that has a family wins (an administrator's
                // copy over the package's).
                Ok(family)
                    if out
                        .iter()
                        .any(|f: &Arc<FileFamily>| f.family.name == family.family.name) => {}
                Ok(family) => out.push(family),
                Err(error) => eprintln!("cautery: skipping {error}"),
            }
        }
    }
    out
}

/// The metadata of public-data and file families, for `cautery families`.
pub fn extra_families() -> Vec<&'static Family> {
    let mut out: Vec<&'static Family> = public_data_families().iter().map(|f| &f.family).collect();
    out.extend(file_families().iter().map(|f| f.family));
    out
}

/// A family that reads an input, by name or family-file path.
pub fn resolve_seeded(name: &str) -> Result<Option<SeededFamily>> {
    if let Some(family) = find_public_data_family(name) {
        return Ok(Some(SeededFamily::Builtin(family)));
    }
    if name.ends_with(".toml") {
        return Ok(Some(SeededFamily::File(FileFamily::load(Path::new(name))?)));
    }
    Ok(file_families()
        .into_iter()
        .find(|f| f.spec.name.eq_ignore_ascii_case(name))
        .map(SeededFamily::File))
}

/// A page given with `--input`: at most what a fetch may ever accept, so
/// that any input the watcher could archive can be replayed from a file.
const SEED_INPUT: FileKind = FileKind {
    what: "--input",
    limit: MAX_BODY_BYTES,
    advice: "a fetch accepts no more either (max-body-bytes); pass a smaller extract of the page",
};

/// A `cautery seed watch` configuration: a few sources in a few KiB.
const WATCH_CONFIG: FileKind = FileKind {
    what: "watch configuration",
    limit: 1024 * 1024,
    advice: "is this the right file? (see etc/seed-watch.example.toml)",
};

/// The bytes of `--input`: a file, or an archived input's hash.
fn read_input(text: &str, data: &Path) -> Result<(Vec<u8>, String)> {
    let path = Path::new(text);
    if path.is_file() {
        let bytes = read_bounded(path, &SEED_INPUT)?;
        let hash = sha256_hex(&bytes);
        return Ok((bytes, hash));
    }
    let archive = Archive::open(data)?;
    let bytes = archive.read(text).with_context(|| {
        format!(
            "--input {text} is neither a file nor an archived input in {}",
            data.display()
        )
    })?;
    let hash = sha256_hex(&bytes);
    Ok((bytes, hash))
}

/// Whether `generate` should go through [`generate`] here.
pub fn wants_input(args: &GenerateArgs) -> Result<bool> {
    if args.input.is_some() {
        return Ok(true);
    }
    for name in &args.families {
        if let Some(family) = resolve_seeded(name)? {
            let name = family.family().name;
            let url = family.url();
            if placeholder_host(url).is_some() {
                bail!(
                    "{name} is seeded by public data, and its source {url} is a placeholder \
                     that never resolves: pass --input FILE with a saved copy of the real page, \
                     or set [source] url in the family file and run `cautery seed fetch {name}`"
                );
            }
            bail!(
                "{name} is seeded by public data ({url}): pass --input FILE_OR_HASH \
                 (cautery seed fetch {name} archives the current one)"
            );
        }
    }
    Ok(false)
}

/// `cautery generate FAMILY --input FILE_OR_HASH`.
pub fn generate(args: &GenerateArgs) -> Result<Outcome> {
    let Some(input) = &args.input else {
        bail!("--input is required for public-data families");
    };
    let [name] = args.families.as_slice() else {
        bail!("--input feeds one family at a time; name one public-data family");
    };
    let family = resolve_seeded(name)?.with_context(|| {
        let builtin: Vec<&str> = public_data_families()
            .iter()
            .map(|f| f.family.name)
            .collect();
        format!(
            "'{name}' is not seeded by public data; --input applies to {} and family files",
            builtin.join(", ")
        )
    })?;
    let (first, last) = day_range(
        args.date.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
    )?;
    let seeds: Vec<String> = match (&args.seed, args.all_seeds) {
        (Some(seed), _) => vec![seed.clone()],
        (None, all) => family
            .seed_names(all)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    let (bytes, hash) = read_input(input, &data_dir(None))?;
    let predictions = predict_from_input(&family, &seeds, &bytes, first, last)
        .with_context(|| format!("predicting {} from input {hash}", family.family().name))?;
    if predictions.is_empty() {
        let days = if first == last {
            first.to_string()
        } else {
            format!("{first} to {last}")
        };
        eprintln!(
            "cautery: input {} gives no {} names for {days}: it covers other days; give --date a day it covers, or fetch a newer input (cautery seed fetch {})",
            &hash[..hash.len().min(12)],
            family.family().name,
            family.family().name
        );
        return Ok(Outcome::NotFound);
    }
    let mut out = output::stdout();
    write_predictions(&mut out, &predictions, &hash, args.format)?;
    out.flush()?;
    Ok(Outcome::Success)
}

fn write_predictions(
    out: &mut impl Write,
    predictions: &[InputPrediction],
    hash: &str,
    format: GenerateFormat,
) -> Result<()> {
    if format == GenerateFormat::Csv {
        writeln!(out, "domain,family,seed,valid_from,valid_to,input")?;
    }
    for p in predictions {
        match format {
            GenerateFormat::Plain => writeln!(out, "{}", p.domain)?,
            GenerateFormat::Csv => writeln!(
                out,
                "{},{},{},{},{},{hash}",
                p.domain,
                p.family,
                p.seed,
                p.window.from_rfc3339(),
                p.window.to_rfc3339()
            )?,
            GenerateFormat::Jsonl => {
                out.write_all(b"{\"domain\":")?;
                json_string(out, &p.domain)?;
                write!(out, ",\"family\":\"{}\",\"seed\":", p.family)?;
                json_string(out, &p.seed)?;
                let text = |s: String| {
                    if s.is_empty() {
                        "null".to_owned()
                    } else {
                        format!("\"{s}\"")
                    }
                };
                writeln!(
                    out,
                    ",\"valid_from\":{},\"valid_to\":{},\"input\":\"{hash}\"}}",
                    text(p.window.from_rfc3339()),
                    text(p.window.to_rfc3339())
                )?;
            }
        }
    }
    Ok(())
}

/// Runs `cautery seed ...`.
pub fn run(args: &SeedArgs) -> Result<Outcome> {
    let data = data_dir(args.data_dir.as_deref());
    match &args.command {
        SeedCommand::Fetch(fetch) => run_fetch(fetch, &data),
        SeedCommand::List => run_list(&data),
        SeedCommand::Show(show) => run_show(show, &data),
        SeedCommand::Watch(watch) => run_watch(watch, &data),
        SeedCommand::Add(add) => run_add(add, &data),
        SeedCommand::Remove(remove) => run_remove(remove, &data),
    }
}

/// `cautery seed add`: the value is checked against the family before it
/// is kept; adding it again replaces its note.
fn run_add(args: &crate::cli::SeedAddArgs, data: &Path) -> Result<Outcome> {
    let family = cautery_dga::find_family_builtin(&args.family)
        .map(Ok)
        .unwrap_or_else(|| super::resolve_family(&args.family))?;
    if let Err(error) = (family.bind)(&args.value) {
        bail!(
            "seed '{}' does not fit {}: {error}",
            args.value,
            family.name
        );
    }
    if family.seeds.iter().any(|s| s.value == args.value) {
        bail!(
            "{} already has the built-in seed {} = {}; nothing to add",
            family.name,
            family
                .seeds
                .iter()
                .find(|s| s.value == args.value)
                .map_or("", |s| s.name),
            args.value
        );
    }
    let file = crate::user_seeds::path(data);
    let mut seeds = crate::user_seeds::load(&file)?;
    let entry = cautery_dga::UserSeed {
        family: family.name.to_owned(),
        value: args.value.clone(),
        note: args.note.clone(),
    };
    match seeds
        .iter_mut()
        .find(|s| same_family(&s.family, family.name) && s.value == args.value)
    {
        Some(existing) => *existing = entry,
        None => seeds.push(entry),
    }
    crate::user_seeds::save(&file, &seeds)?;
    println!(
        "{}: kept seed {} in {}",
        family.name,
        cautery_dga::user_seed_name(&args.value),
        file.display()
    );
    Ok(Outcome::Success)
}

/// `cautery seed remove`: exit 1 when the seed was not kept.
fn run_remove(args: &crate::cli::SeedRemoveArgs, data: &Path) -> Result<Outcome> {
    let family = cautery_dga::find_family_builtin(&args.family)
        .map(Ok)
        .unwrap_or_else(|| super::resolve_family(&args.family))?;
    let value = args.value.strip_prefix("user:").unwrap_or(&args.value);
    let file = crate::user_seeds::path(data);
    let mut seeds = crate::user_seeds::load(&file)?;
    let before = seeds.len();
    seeds.retain(|s| !(same_family(&s.family, family.name) && s.value == value));
    if seeds.len() == before {
        eprintln!(
            "cautery: {} has no user seed {value} in {}",
            family.name,
            file.display()
        );
        return Ok(Outcome::NotFound);
    }
    crate::user_seeds::save(&file, &seeds)?;
    println!("{}: removed seed user:{value}", family.name);
    Ok(Outcome::Success)
}

fn same_family(written: &str, name: &str) -> bool {
    cautery_dga::find_family_builtin(written).is_some_and(|f| f.name == name)
}

fn run_fetch(args: &FetchArgs, data: &Path) -> Result<Outcome> {
    let family = resolve_seeded(&args.source)?.with_context(|| {
        format!(
            "'{}' is not a public-data family or family file (bedep, orchard-balance, or a .toml)",
            args.source
        )
    })?;
    let name = family.family().name;
    let url = args.url.clone().unwrap_or_else(|| family.url().to_owned());
    if let Some(host) = placeholder_host(&url) {
        bail!(
            "{url}: {host} is a name reserved for examples and never resolves; \
             fetch the page {name} really reads with `cautery seed fetch {name} --url URL`, \
             or set [source] url in its family file"
        );
    }
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        bail!(
            "--url {url}: only http:// and https:// inputs are fetched; for a local file use `cautery generate {name} --input FILE`"
        );
    }
    let archive = Archive::open(data)?;
    let seeds: Vec<String> = family
        .seed_names(true)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let day = today();
    // The last input that predicts, not the last fetch: a truncated file or
    // an error page is archived as evidence but never takes the place of
    // the input in force.
    let mut tried = std::collections::HashSet::new();
    let mut previous = None;
    for record in archive.records()?.into_iter().rev() {
        if record.source != name || !tried.insert(record.sha256.clone()) {
            continue;
        }
        let bytes = archive.read(&record.sha256)?;
        if let Ok(before) = predict_from_input(&family, &seeds, &bytes, day, day) {
            previous = Some((record.sha256, before));
            break;
        }
    }
    let fetcher = Fetcher::new(FetchLimits {
        timeout: Duration::from_secs(args.timeout.max(1)),
        max_body: args.max_body,
        ..FetchLimits::default()
    });
    let fetched = fetcher.fetch(&url)?;
    let stored = archive.store(
        &fetched.body,
        name,
        &url,
        Utc::now(),
        fetched.status,
        fetched.headers,
    )?;
    let hash = &stored.record.sha256;
    let mut out = output::stdout();
    writeln!(
        out,
        "{hash}  {name}  {} bytes, {}",
        stored.record.size,
        if stored.new_content {
            "new content"
        } else {
            "content already archived"
        }
    )?;
    let predictions =
        predict_from_input(&family, &seeds, &fetched.body, day, day).with_context(|| {
            let kept = previous
                .as_ref()
                .map_or("none yet".to_owned(), |(h, _)| format!("input {h}"));
            format!("input {hash} is archived but unusable; last good predictions stay: {kept}")
        })?;
    let change = match &previous {
        Some((old, _)) if old == hash => "predictions unchanged (same input)".to_owned(),
        Some((old, before)) => {
            let before: std::collections::HashSet<&str> =
                before.iter().map(|p| p.domain.as_str()).collect();
            let after: std::collections::HashSet<&str> =
                predictions.iter().map(|p| p.domain.as_str()).collect();
            if before == after {
                format!("predictions unchanged from input {old}")
            } else {
                format!(
                    "predictions changed from input {old}: {} new, {} gone",
                    after.difference(&before).count(),
                    before.difference(&after).count()
                )
            }
        }
        None => "first input of this source".to_owned(),
    };
    writeln!(out, "{change}; {} names for {day}", predictions.len())?;
    out.flush()?;
    Ok(Outcome::Success)
}

fn run_list(data: &Path) -> Result<Outcome> {
    // Listing reads: an empty archive is not created by looking at it.
    if !data.join("records").is_dir() {
        eprintln!(
            "cautery: no seed archive in {} yet (cautery seed fetch FAMILY starts one)",
            data.display()
        );
        return Ok(Outcome::Success);
    }
    let archive = Archive::open(data)?;
    let mut out = output::stdout();
    for record in archive.records()? {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}",
            record
                .fetched_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            record.source,
            record.status,
            record.size,
            record.sha256,
            record.url
        )?;
    }
    out.flush()?;
    Ok(Outcome::Success)
}

fn run_show(args: &ShowArgs, data: &Path) -> Result<Outcome> {
    let archive = Archive::open(data)?;
    let hash = archive.resolve(&args.hash)?;
    let bytes = archive.read(&hash)?;
    let mut out = output::stdout();
    if args.raw {
        out.write_all(&bytes)?;
    } else {
        writeln!(out, "sha256: {hash}\nsize: {} bytes", bytes.len())?;
        for record in archive.records()?.into_iter().filter(|r| r.sha256 == hash) {
            writeln!(
                out,
                "fetch: {} {} HTTP {} from {}",
                record
                    .fetched_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                record.source,
                record.status,
                record.url
            )?;
            for (name, value) in &record.headers {
                writeln!(out, "  {name}: {value}")?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Success)
}

fn run_watch(args: &WatchArgs, data: &Path) -> Result<Outcome> {
    let text = read_bounded_text(&args.config, &WATCH_CONFIG)?;
    let config = WatchConfig::parse(&text)?;
    let sources = config
        .sources
        .iter()
        .map(Source::from_config)
        .collect::<Result<Vec<_>, _>>()?;
    let archive = Archive::open(data)?;
    let mut watcher = Watcher::new(
        archive,
        Fetcher::new(config.limits()),
        sources,
        Instant::now(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    if let Some(seconds) = args.for_seconds {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(seconds));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
    let mut failure: Option<anyhow::Error> = None;
    watcher.run(&stop, |event| {
        if failure.is_some() {
            return;
        }
        if let Err(error) = print_event(event) {
            failure = Some(error);
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    match failure {
        Some(error) => Err(error),
        None => Ok(Outcome::Success),
    }
}

/// Prints one watch event and flushes, so predictions leave at once.
fn print_event(event: &WatchEvent) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match event {
        WatchEvent::Changed {
            source,
            sha256,
            predictions,
            added,
            removed,
        } => {
            writeln!(
                out,
                "# {} {source} input {sha256}: {} names, {added} new, {removed} gone",
                Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                predictions.len()
            )?;
            write_predictions(&mut out, predictions, sha256, GenerateFormat::Csv)?;
        }
        WatchEvent::Unchanged { source, sha256 } => {
            eprintln!("cautery: {source}: input {sha256} unchanged");
        }
        WatchEvent::Failed {
            source,
            error,
            retry_in,
        } => {
            eprintln!(
                "cautery: {source}: {error}; last good predictions stay; retrying in {} s",
                retry_in.as_secs()
            );
        }
        _ => {}
    }
    out.flush()?;
    Ok(())
}

//! `cautery generate`: the names of families over a day or a range.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};
use cautery_dga::{epochs, predict, Window};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

use super::{bind, resolve_families, SeedChoice, Source};
use crate::cli::{GenerateArgs, GenerateFormat};
use crate::dates::day_range;
use crate::output::{self, json_string};
use crate::Outcome;

/// Epochs in a run above which a progress bar is worth showing.
const PROGRESS_THRESHOLD: usize = 2000;

/// Runs `cautery generate`.
pub fn run(args: &GenerateArgs) -> Result<Outcome> {
    if super::seed::wants_input(args)? {
        return super::seed::generate(args);
    }
    let (first, last) = day_range(
        args.date.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
    )?;
    cautery_dga::check_range(first, last)?;
    let choice = match (&args.seed, args.all_seeds) {
        (Some(seed), _) => SeedChoice::Given(seed),
        (None, true) => SeedChoice::All,
        (None, false) => SeedChoice::Default,
    };
    let mut sources = Vec::new();
    for family in resolve_families(&args.families)? {
        let explicit = args.families.iter().any(|n| !n.eq_ignore_ascii_case("all"));
        sources.extend(bind(family, &choice, explicit)?);
    }
    let progress = progress_bar(&sources, first, last)?;
    let mut out = output::stdout();
    if args.format == GenerateFormat::Csv {
        writeln!(out, "domain,family,seed,valid_from,valid_to")?;
    }
    for source in &sources {
        write_source(&mut out, source, args.format, first, last)
            .with_context(|| format!("writing the names of {}", source.family.name))?;
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    }
    out.flush()?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(Outcome::Success)
}

fn progress_bar(
    sources: &[Source],
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Option<ProgressBar>> {
    if !std::io::stderr().is_terminal() {
        return Ok(None);
    }
    let mut work = 0;
    for source in sources {
        work += epochs(source.family, source.generator.as_ref(), first, last)?.len();
    }
    if work < PROGRESS_THRESHOLD {
        return Ok(None);
    }
    let bar = ProgressBar::new(sources.len() as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} family seeds {elapsed}") {
        bar.set_style(style);
    }
    Ok(Some(bar))
}

/// The text of a window, computed once per window rather than once per name.
struct WindowText {
    window: Option<Window>,
    from: String,
    to: String,
}

impl WindowText {
    fn update(&mut self, window: Window) {
        if self.window != Some(window) {
            self.window = Some(window);
            self.from = window.from_rfc3339();
            self.to = window.to_rfc3339();
        }
    }
}

fn write_source(
    out: &mut impl Write,
    source: &Source,
    format: GenerateFormat,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<()> {
    let family = source.family.name;
    let mut text = WindowText {
        window: None,
        from: String::new(),
        to: String::new(),
    };
    let mut seed_json = Vec::new();
    json_string(&mut seed_json, &source.seed)?;
    let seed_csv = csv_field(&source.seed);
    let mut result = Ok(());
    predict(
        source.family,
        source.generator.as_ref(),
        first,
        last,
        |name, window| {
            if result.is_err() {
                return;
            }
            result = match format {
                // Not `writeln!`: its formatting machinery was 8 % of a
                // year of every family.
                GenerateFormat::Plain => out
                    .write_all(name.as_bytes())
                    .and_then(|()| out.write_all(b"\n")),
                GenerateFormat::Csv => {
                    text.update(window);
                    writeln!(
                        out,
                        "{},{family},{seed_csv},{},{}",
                        csv_field(name),
                        text.from,
                        text.to
                    )
                }
                GenerateFormat::Jsonl => {
                    text.update(window);
                    write_json_line(out, name, family, &seed_json, &text)
                }
            };
        },
    )?;
    Ok(result?)
}

fn write_json_line(
    out: &mut impl Write,
    name: &str,
    family: &str,
    seed_json: &[u8],
    text: &WindowText,
) -> std::io::Result<()> {
    out.write_all(b"{\"domain\":")?;
    json_string(out, name)?;
    write!(out, ",\"family\":\"{family}\",\"seed\":")?;
    out.write_all(seed_json)?;
    let json_or_null = |s: &str| {
        if s.is_empty() {
            "null".to_owned()
        } else {
            format!("\"{s}\"")
        }
    };
    writeln!(
        out,
        ",\"valid_from\":{},\"valid_to\":{}}}",
        json_or_null(&text.from),
        json_or_null(&text.to)
    )
}

/// Quotes a CSV field when it holds a comma, quote or line break.
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

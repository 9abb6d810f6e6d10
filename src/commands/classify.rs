//! `cautery classify`: is a name DGA-like? A family when the reverse index
//! knows the name (30 days either side of the day), else the shipped
//! classifier's score of its registrable label (`cautery_detect::classify`).

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use cautery_detect::classify::{Model, Suffixes};
use cautery_detect::formats::read_bounded_line;

use super::lookup::build_index;
use crate::cli::{ClassifyArgs, LookupFormat};
use crate::dates::{parse_day, shift, today};
use crate::output::{self, json_string};
use crate::Outcome;

/// Runs `cautery classify`.
pub fn run(args: &ClassifyArgs) -> Result<Outcome> {
    let owned;
    let model = match &args.model {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the model {}", path.display()))?;
            owned = Model::from_json(&text)
                .with_context(|| format!("{} is not a usable model", path.display()))?;
            &owned
        }
        None => Model::shipped(),
    };
    let suffixes = Suffixes::shipped();
    let index = if args.no_lookup || args.features {
        None
    } else {
        let day = match &args.date {
            Some(day) => parse_day("--date", day)?,
            None => today(),
        };
        Some(build_index(shift(day, -30), shift(day, 30))?)
    };
    let started = Instant::now();
    let mut out = output::stdout();
    let mut scored = 0usize;
    let mut answer = |raw: &str, out: &mut output::Stdout| -> Result<()> {
        let name = cautery_dga::normalise(raw);
        if name.is_empty() {
            return Ok(());
        }
        scored += 1;
        let label = suffixes.registrable_label(&name);
        if args.features {
            write!(out, "{name}\t{label}")?;
            for value in model.features(label) {
                write!(out, "\t{value:.6}")?;
            }
            writeln!(out)?;
            return Ok(());
        }
        let score = model.score_label(label);
        let family = index
            .as_ref()
            .and_then(|index| index.lookup(&name).first().map(|hit| hit.family));
        let verdict = family.unwrap_or(if score >= model.threshold() {
            "dga"
        } else {
            "benign"
        });
        match args.format {
            LookupFormat::Plain => writeln!(out, "{name}\t{score:.4}\t{verdict}")?,
            LookupFormat::Jsonl => {
                out.write_all(b"{\"name\":")?;
                json_string(out, &name)?;
                writeln!(out, ",\"score\":{score:.4},\"label\":\"{verdict}\"}}")?;
            }
        }
        Ok(())
    };
    if args.names.is_empty() {
        let stdin = std::io::stdin();
        let mut reader = stdin.lock();
        let mut line = Vec::new();
        while read_bounded_line(&mut reader, &mut line).context("reading names from stdin")? {
            answer(&String::from_utf8_lossy(&line), &mut out)?;
        }
    } else {
        for name in &args.names {
            answer(name, &mut out)?;
        }
    }
    out.flush()?;
    if args.stats {
        let elapsed = started.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let rate = scored as f64 / elapsed.max(1e-9);
        eprintln!("cautery: classified {scored} names in {elapsed:.2} s, {rate:.0} names/s");
    }
    Ok(Outcome::Success)
}

//! `cautery handles`: the Twitter accounts of MiniDuke's two handle
//! generators (`cautery_dga::families::miniduke`). They are account names,
//! not domains, so they stay out of `generate`, policies and `serve`.

use std::io::Write;

use anyhow::{bail, Result};
use cautery_dga::families::miniduke;

use crate::cli::{HandlesArgs, HandlesFormat};
use crate::dates::{parse_day, today};
use crate::output::{self, json_string};
use crate::Outcome;

/// Runs `cautery handles`.
pub fn run(args: &HandlesArgs) -> Result<Outcome> {
    if !args.malware.trim().eq_ignore_ascii_case("miniduke") {
        bail!(
            "no handle generator for '{}': only 'miniduke' has one (domain generators are under `cautery generate`)",
            args.malware
        );
    }
    let (first, last) = match (&args.date, &args.from, &args.to) {
        (Some(day), _, _) => {
            let day = parse_day("--date", day)?;
            (day, day)
        }
        (None, Some(from), Some(to)) => (parse_day("--from", from)?, parse_day("--to", to)?),
        _ => (today(), today()),
    };
    cautery_dga::check_range(first, last)?;
    let mut out = output::stdout();
    for window in miniduke::handles(first, last) {
        match args.format {
            HandlesFormat::Plain => writeln!(
                out,
                "{}\t{}\t{}\t{}",
                window.handle,
                window.component.as_str(),
                window.from,
                window.to
            )?,
            HandlesFormat::Jsonl => {
                write!(out, "{{\"handle\":")?;
                json_string(&mut out, &window.handle)?;
                writeln!(
                    out,
                    ",\"malware\":\"miniduke\",\"component\":\"{}\",\"from\":\"{}\",\"to\":\"{}\"}}",
                    window.component.as_str(),
                    window.from,
                    window.to
                )?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Success)
}

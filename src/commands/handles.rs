//! `cautery handles`: the Twitter accounts of MiniDuke's two handle
//! generators (`cautery_dga::families::miniduke`). They are account names,
//! not domains, so they stay out of `generate`, policies and `serve`.

use std::io::Write;

use anyhow::{bail, Result};
use cautery_dga::families::miniduke;

use crate::cli::{HandlesArgs, HandlesFormat};
use crate::dates::day_range;
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
    let (first, last) = day_range(
        args.date.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
    )?;
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

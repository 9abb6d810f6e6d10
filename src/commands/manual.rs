//! `cautery completions` and `cautery man`: shell completion scripts and
//! manual pages, generated from the one clap definition of the command line
//! (`cli.rs`), so they never disagree with `--help`.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::output;
use crate::Outcome;

/// Runs `cautery completions SHELL`.
pub fn completions(args: &CompletionsArgs) -> Result<Outcome> {
    let mut command = Cli::command();
    // Into memory first: clap_complete panics on a failed write, and a
    // closed pipe must exit quietly.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "cautery", &mut script);
    let mut out = output::stdout();
    out.write_all(&script)?;
    out.flush()?;
    Ok(Outcome::Success)
}

/// Runs `cautery man [--out DIR]`.
pub fn man(args: &ManArgs) -> Result<Outcome> {
    let command = Cli::command();
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(command, dir)
                .with_context(|| format!("cannot write the manual pages to {}", dir.display()))?;
        }
        None => {
            let mut out = output::stdout();
            clap_mangen::Man::new(command).render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(Outcome::Success)
}

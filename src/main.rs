//! `cautery`: the defender's toolkit against DGA botnets.
//!
//! This binary wires the libraries to the command line: analysts run
//! `families`, `generate` and `lookup`; operators run `check-config`, `plan`
//! and `export` on campaign files. Libraries never read the clock; the
//! binary does, once, to find "today" when no date is given.
//!
//! Exit codes: 0 success, 1 when something asked for was not found (like
//! grep), 2 on a usage or input error. A closed pipe on stdout exits 0.

mod api;
mod campaigns;
mod cli;
mod commands;
mod daemon;
mod dates;
mod lookup_index;
mod mail;
mod memory;
mod output;
mod user_seeds;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// What a command found, for the exit code.
pub enum Outcome {
    /// Everything asked for was found or done.
    Success,
    /// A normal "not found" answer.
    NotFound,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = install_user_seeds(&cli.command) {
        eprintln!("cautery: {}", one_line(&error));
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Families(args) => commands::families::run(&args),
        Command::Generate(args) => commands::generate::run(&args),
        Command::Lookup(args) => commands::lookup::run(&args),
        Command::Detect(args) => commands::detect::run(&args),
        Command::Classify(args) => commands::classify::run(&args),
        Command::Discover(args) => commands::discover::run(&args),
        Command::Handles(args) => commands::handles::run(&args),
        Command::Decode(args) => commands::decode::run(&args),
        Command::Seed(args) => commands::seed::run(&args),
        Command::CheckConfig(args) => commands::campaign::check_config(&args),
        Command::Plan(args) => commands::campaign::plan(&args),
        Command::Export(args) => commands::export::run(&args),
        Command::Serve(args) => daemon::run(&args),
        Command::Events(args) => commands::events::list(&args),
        Command::Report(args) => commands::events::report(&args),
        Command::Monitor(args) => commands::monitor::run(&args),
        Command::Completions(args) => commands::manual::completions(&args),
        Command::Man(args) => commands::manual::man(&args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::NotFound) => ExitCode::from(1),
        Err(error) if output::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cautery: {}", one_line(&error));
            ExitCode::from(2)
        }
    }
}

/// Reads DATA/seeds.toml (`--data-dir` where the command has it, else
/// `$CAUTERY_DATA` or `./cautery-data`) and adds its seeds to the families,
/// before any command reads them. `seed add` and `seed remove` edit the file
/// instead, and report its errors themselves.
fn install_user_seeds(command: &Command) -> anyhow::Result<()> {
    use anyhow::Context;
    let given = match command {
        Command::Seed(args) => match args.command {
            cli::SeedCommand::Add(_) | cli::SeedCommand::Remove(_) => return Ok(()),
            _ => args.data_dir.as_deref(),
        },
        Command::Lookup(args) => args.data_dir.as_deref(),
        _ => None,
    };
    let file = user_seeds::path(&commands::seed::data_dir(given));
    let seeds = user_seeds::load(&file)?;
    if !seeds.is_empty() {
        cautery_dga::install_user_seeds(&seeds)
            .with_context(|| format!("the seeds of {}", file.display()))?;
    }
    Ok(())
}

/// An error and its causes as one line: a cause whose text the message
/// already holds (an I/O error that a library's message quotes) is not
/// repeated, and a TOML error's source snippet (`3 | key = 1` and its
/// carets) is left out, keeping its position and its complaint.
fn one_line(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|line| {
                !line.is_empty()
                    && !line.starts_with('|')
                    && !line
                        .split_once(" |")
                        .is_some_and(|(number, _)| number.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect::<Vec<_>>()
            .join(": ");
        if part.is_empty() || text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

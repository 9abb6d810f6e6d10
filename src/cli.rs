//! Command-line syntax.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Predict, block and watch the domain names of malware DGAs.
#[derive(Debug, Parser)]
#[command(name = "cautery", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every family with its taxonomy, seeds, window rule and TLDs.
    Families(FamiliesArgs),
    /// Generate the names of one or more families for a day or a range of days.
    Generate(GenerateArgs),
    /// Find which family, seed and window produce the given names.
    Lookup(LookupArgs),
    /// Serve policy zones as a DNS primary (AXFR, IXFR, NOTIFY, TSIG) and answer sinkholed names.
    Serve(ServeArgs),
}

/// `cautery families`.
#[derive(Debug, Args)]
pub struct FamiliesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FamiliesFormat::Table)]
    pub format: FamiliesFormat,
}

/// Formats of `cautery families`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FamiliesFormat {
    /// Aligned columns for people.
    Table,
    /// A JSON array of objects.
    Json,
}

/// `cautery generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Family names or aliases, or `all` for every deterministic family.
    #[arg(required = true, value_name = "FAMILY")]
    pub families: Vec<String>,
    /// A known seed's name or a raw value in the family's own form.
    #[arg(long, conflicts_with = "all_seeds")]
    pub seed: Option<String>,
    /// Every seed known in public, instead of the default one.
    #[arg(long)]
    pub all_seeds: bool,
    /// One day (YYYY-MM-DD, UTC); default today.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub date: Option<String>,
    /// First day of a range (inclusive).
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// Last day of a range (inclusive).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GenerateFormat::Plain)]
    pub format: GenerateFormat,
}

/// Formats of `cautery generate`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GenerateFormat {
    /// One name per line.
    Plain,
    /// domain,family,seed,valid_from,valid_to with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// `cautery lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// Names to look up; read from stdin, one per line, when none are given.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// First day searched (inclusive); default 30 days before today.
    #[arg(long)]
    pub from: Option<String>,
    /// Last day searched (inclusive); default 30 days after today.
    #[arg(long)]
    pub to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LookupFormat::Plain)]
    pub format: LookupFormat,
    /// Print index size, build time and lookup rate on stderr.
    #[arg(long)]
    pub stats: bool,
}

/// Formats of `cautery lookup`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LookupFormat {
    /// One tab-separated line per origin: name, family, seed, valid_from, valid_to.
    Plain,
    /// One JSON object per name with all its origins.
    Jsonl,
}

/// `cautery serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file (TOML); without it the embedded defaults apply.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Read the scheduler's time (RFC 3339) from this file instead of the clock (for tests).
    #[arg(long, value_name = "FILE", hide = true)]
    pub clock_file: Option<std::path::PathBuf>,
}

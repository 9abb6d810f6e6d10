//! Command-line syntax.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Predict, block and watch the domain names of malware DGAs.
#[derive(Debug, Parser)]
#[command(
    name = "cautery",
    version,
    about,
    propagate_version = true,
    after_help = "Examples:
  cautery families
  cautery generate necurs --date 2026-11-26
  cautery lookup kwtoestnessbiophysicalohax.com
  cautery export --family necurs --from 2026-11-26 --to 2026-12-02 --format rpz > dga.rpz
  cautery serve --config /etc/cautery/cautery.toml
  cautery completions bash > /etc/bash_completion.d/cautery
  cautery man --out /usr/share/man/man1"
)]
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
    /// Public-data seeds: fetch, list, show and watch the inputs of bedep,
    /// orchard-balance and content-seeded families.
    Seed(SeedArgs),
    /// Validate a campaign file or a `serve` configuration (and the files they name) without doing anything else.
    CheckConfig(CheckConfigArgs),
    /// The predictions of a campaign in force over its horizon at an instant.
    Plan(PlanArgs),
    /// Write a campaign's policy: RPZ, resolver block lists, CSV or per-TLD registry lists.
    Export(ExportArgs),
    /// Serve policy zones as a DNS primary (AXFR, IXFR, NOTIFY, TSIG) and answer sinkholed names.
    Serve(ServeArgs),
    /// List the sinkhole events stored by `cautery serve`.
    Events(EventsArgs),
    /// Write a day's sinkhole events as Shadowserver-format CSV reports, one per network.
    Report(ReportArgs),
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command to a folder.
    Man(ManArgs),
}

/// `cautery completions`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cautery completions bash > /etc/bash_completion.d/cautery
  cautery completions zsh > \"${fpath[1]}/_cautery\"
  cautery completions fish > ~/.config/fish/completions/cautery.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `cautery man`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cautery man | man -l -
  cautery man --out /usr/share/man/man1")]
pub struct ManArgs {
    /// Write cautery.1 and one cautery-COMMAND.1 per command into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `cautery check-config`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// The campaign file or serve configuration (TOML).
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// `cautery plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The campaign file (TOML).
    #[arg(value_name = "CAMPAIGN")]
    pub campaign: String,
    /// The instant the plan is for: RFC 3339 (2026-11-26T12:00:00Z), a day (midnight UTC) or `now`.
    #[arg(long, value_name = "INSTANT")]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Plain)]
    pub format: PlanFormat,
}

/// Formats of `cautery plan`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    /// One line per name: the name, then each family/seed and window [from/to), tab-separated.
    Plain,
    /// One JSON object per name with all its origins.
    Jsonl,
}

/// `cautery export`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cautery export etc/campaign.example.toml --format rpz --out /var/lib/cautery
  cautery export --family necurs --all-seeds --from 2026-11-26 --to 2026-12-02 --format rpz > dga.rpz
  cautery export --family all --from 2026-11-26 --to 2026-11-26 --format unbound > dga.conf")]
pub struct ExportArgs {
    /// The campaign file (TOML); or give --family, --from and --to instead.
    #[arg(value_name = "CAMPAIGN", conflicts_with_all = ["family", "from", "to", "action", "zone", "exact", "ttl"])]
    pub campaign: Option<String>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write files into this folder (created if missing) instead of stdout; the RPZ serial state
    /// and the collision report are kept there too.
    #[arg(long, value_name = "DIR")]
    pub out: Option<String>,
    /// The instant the campaign's plan is for (RFC 3339, a day, or `now`); default now.
    #[arg(long, value_name = "INSTANT", conflicts_with_all = ["from", "to"])]
    pub at: Option<String>,
    /// One-off: a family name or alias (repeatable), or `all`; needs --from and --to unless every
    /// family is time-independent.
    #[arg(long, value_name = "FAMILY")]
    pub family: Vec<String>,
    /// One-off: a known seed's name or a raw value.
    #[arg(long, conflicts_with = "all_seeds")]
    pub seed: Option<String>,
    /// One-off: every seed known in public.
    #[arg(long)]
    pub all_seeds: bool,
    /// One-off: first day (YYYY-MM-DD, UTC, inclusive).
    #[arg(long, requires = "family")]
    pub from: Option<String>,
    /// One-off: last day (inclusive).
    #[arg(long, requires = "family")]
    pub to: Option<String>,
    /// One-off: nxdomain, nodata, drop, passthru, sinkhole:ADDR[,ADDR...] or cname:NAME.
    /// Default nxdomain.
    #[arg(long)]
    pub action: Option<String>,
    /// An allow-list file: one name a line, `.suffix` or `*.suffix` for a suffix (repeatable).
    #[arg(long, value_name = "FILE")]
    pub allow_list: Vec<String>,
    /// A list of known-legitimate domains (`rank,domain` CSV or one a line; repeatable).
    #[arg(long, value_name = "FILE")]
    pub legitimate: Vec<String>,
    /// One-off: the policy zone's name.
    #[arg(long)]
    pub zone: Option<String>,
    /// One-off: block the predicted names only, not the names under them.
    #[arg(long)]
    pub exact: bool,
    /// One-off: TTL of the policy records.
    #[arg(long)]
    pub ttl: Option<u32>,
    /// A resolver that will load the RPZ: bind, unbound, powerdns or knot (repeatable); the export
    /// refuses an action that resolver cannot apply.
    #[arg(long, value_name = "RESOLVER")]
    pub resolver: Vec<String>,
    /// Write the collision report here (with --out it goes to DIR by default; else to stderr).
    #[arg(long, value_name = "FILE")]
    pub collisions: Option<String>,
}

/// Formats of `cautery export`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    /// A complete Response Policy Zone.
    Rpz,
    /// Unbound local-zone/local-data lines.
    Unbound,
    /// dnsmasq address=/server= lines.
    Dnsmasq,
    /// A hosts file (sinkhole addresses, exact names).
    Hosts,
    /// One name a line.
    Domains,
    /// domain,family,seed,valid_from,valid_to,tld.
    Csv,
    /// One CSV per TLD plus a summary (needs --out).
    Registry,
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
#[command(after_help = "Examples:
  cautery generate necurs --date 2026-11-26
  cautery generate locky --all-seeds --from 2026-11-01 --to 2026-11-30 --format csv
  cautery generate bedep --date 2015-04-15 --all-seeds --input test-data/bedep/2015_4_7.xml")]
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
    /// For public-data families: the input, a file or an archived input's
    /// SHA-256 (or a prefix of it).
    #[arg(long, value_name = "FILE_OR_HASH")]
    pub input: Option<String>,
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

/// `cautery seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Where the archive lives (default $CAUTERY_DATA or ./cautery-data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: SeedCommand,
}

/// The seed subcommands.
#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// Fetch a source now, archive it, print its hash and whether the predictions changed.
    Fetch(FetchArgs),
    /// List every archived fetch, oldest first.
    List,
    /// Show the fetches of one archived input, or its bytes with --raw.
    Show(ShowArgs),
    /// Poll the configured sources and print new predictions as inputs change.
    Watch(WatchArgs),
}

/// `cautery seed fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// A public-data family (bedep, orchard-balance) or a family file (.toml).
    pub source: String,
    /// Fetch from here instead of the family's own URL.
    #[arg(long)]
    pub url: Option<String>,
    /// Request timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Largest body accepted, in bytes.
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    pub max_body: u64,
}

/// `cautery seed show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// SHA-256 of the input, or a prefix of at least 4 digits.
    pub hash: String,
    /// Write the input's bytes to stdout instead.
    #[arg(long)]
    pub raw: bool,
}

/// `cautery seed watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The watch configuration (TOML, see etc/seed-watch.example.toml).
    #[arg(long)]
    pub config: PathBuf,
    /// Stop after this many seconds (default: run until killed).
    #[arg(long)]
    pub for_seconds: Option<u64>,
}

/// `cautery serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cautery serve                                  # embedded defaults: cautery.rpz on 127.0.0.1:5353
  cautery serve --config /etc/cautery/cautery.toml
  cautery check-config /etc/cautery/cautery.toml && kill -HUP $(cat /var/lib/cautery/cautery.lock)")]
pub struct ServeArgs {
    /// Configuration file (TOML); without it the embedded defaults apply.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Read the scheduler's time (RFC 3339) from this file instead of the clock (for tests).
    #[arg(long, value_name = "FILE", hide = true)]
    pub clock_file: Option<std::path::PathBuf>,
}

/// `cautery events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The `serve` configuration whose event store to read (default: the embedded one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// First instant (RFC 3339 or a day), default 24 hours ago.
    #[arg(long, value_name = "INSTANT")]
    pub from: Option<String>,
    /// Instant after the last (RFC 3339 or a day), default now.
    #[arg(long, value_name = "INSTANT")]
    pub to: Option<String>,
    /// Most events listed.
    #[arg(long, default_value_t = 100_000)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EventsFormat::Jsonl)]
    pub format: EventsFormat,
}

/// Output formats of `cautery events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventsFormat {
    /// One JSON object a line.
    Jsonl,
    /// CSV with a header line.
    Csv,
}

/// `cautery report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The `serve` configuration whose event store to read (default: the embedded one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// The day (UTC) to report.
    #[arg(long, value_name = "DAY")]
    pub date: String,
    /// How to scope the files: one per source /24 (IPv4) or /48 (IPv6) network, per source ASN or per country (those two need enriched events).
    #[arg(long, value_enum, default_value_t = ReportScope::Cidr)]
    pub by: ReportScope,
    /// Report these scopes instead (repeat): `as64500`, `192.0.2.0/24`, `2001:db8::/32`, `country-nl`.
    #[arg(long, value_name = "SCOPE")]
    pub scope: Vec<String>,
    /// The folder the CSV files are written to.
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
}

/// Scopes of `cautery report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportScope {
    /// Per source autonomous system (needs enrichment).
    Asn,
    /// Per source network (/24 or /48).
    Cidr,
    /// Per source country (needs enrichment).
    Country,
}

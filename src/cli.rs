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
    /// Find the clients that ask for predicted DGA names in resolver logs (BIND, Unbound, dnsmasq, Zeek).
    Detect(DetectArgs),
    /// Score names as DGA-like or not: the family when a known DGA makes the name today, else the classifier's label.
    Classify(ClassifyArgs),
    /// Find the seeds of a family (or `auto`: every searchable family) that produce names seen in the wild.
    Discover(DiscoverArgs),
    /// The Twitter accounts that MiniDuke's two handle generators read over a day or a range.
    Handles(HandlesArgs),
    /// Read what a malware put in the names it asked for: SUNBURST's victim GUIDs, AD domains and times.
    Decode(DecodeArgs),
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
    /// Watch predicted names for registration: zone files, DNS, RDAP; alerts.
    Monitor(MonitorArgs),
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

/// `cautery handles`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cautery handles miniduke --date 2014-05-26
  cautery handles miniduke --from 2013-01-01 --to 2014-12-31 --format jsonl")]
pub struct HandlesArgs {
    /// The malware whose account names to print: `miniduke`.
    #[arg(value_name = "MALWARE")]
    pub malware: String,
    /// One day (YYYY-MM-DD, UTC); default today.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub date: Option<String>,
    /// First day of a range (inclusive).
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// Last day of a range (inclusive).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Output format: `plain` (handle, component, from, to; tab-separated) or `jsonl`.
    #[arg(long, value_enum, default_value_t = HandlesFormat::Plain)]
    pub format: HandlesFormat,
}

/// `cautery decode`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cautery decode sunburst 1fik67gkncg86q6daovthro0love0oe2.appsync-api.us-west-2.avsvmcloud.com
  grep avsvmcloud.com queries.txt | cautery decode sunburst --format jsonl")]
pub struct DecodeArgs {
    /// The malware whose names to read: `sunburst`.
    #[arg(value_name = "MALWARE")]
    pub malware: String,
    /// Query names (`LABEL.appsync-api.REGION.avsvmcloud.com`, or the label alone); one a line on
    /// stdin when none are given.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Output format: `plain` (tab-separated, a line per name, then a line per victim) or `jsonl`.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Plain)]
    pub format: DecodeFormat,
}

/// Formats of `cautery decode`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DecodeFormat {
    /// Tab-separated: a line per name (`fragment` or `status`), then a line per victim.
    Plain,
    /// One JSON object per line, with `kind` `fragment`, `status` or `victim`.
    Jsonl,
}

/// Formats of `cautery handles`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum HandlesFormat {
    /// handle, component, from, to; tab-separated.
    Plain,
    /// One JSON object per line: handle, malware, component, from, to.
    Jsonl,
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
    /// Pull the names out of each line (URLs, name:port, BIND query-log and
    /// Unbound log lines, plain names) instead of reading one name per line.
    #[arg(long)]
    pub extract: bool,
    /// Where the lookup index is kept (default $CAUTERY_DATA or ./cautery-data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Formats of `cautery lookup`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LookupFormat {
    /// One tab-separated line per origin: name, family, seed, valid_from, valid_to.
    Plain,
    /// One JSON object per name with all its origins.
    Jsonl,
}

/// `cautery detect`.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Resolver logs to read; stdin when none is given.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The logs' format; told from each input's first bytes or lines when not given.
    #[arg(long, value_enum, default_value_t = DetectInput::Auto)]
    pub input_format: DetectInput,
    /// The port of DNS servers in pcap inputs.
    #[arg(long, default_value_t = 53, value_name = "PORT")]
    pub dns_port: u16,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DetectFormat::Plain)]
    pub format: DetectFormat,
    /// Fewest distinct names of one family a client must ask for (within --window-hours) to be reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_names: u32,
    /// The span, in hours, within which those names must fall.
    #[arg(long, default_value_t = 24, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(1..=8784))]
    pub window_hours: u32,
    /// How many hours outside a name's window a query for it still counts (bots with wrong clocks).
    #[arg(long, default_value_t = 24, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(0..=8784))]
    pub slack_hours: u32,
    /// Fewest distinct names that no family explains but the classifier flags for an `unknown-dga` finding (within --window-hours); 0 turns them off.
    #[arg(long, default_value_t = 10)]
    pub unknown_min_names: u32,
    /// The year of syslog-style timestamps (dnsmasq, Unbound log-time-ascii), which carry none; default this year.
    #[arg(long)]
    pub year: Option<i32>,
    /// Print line counts, the index size and timings on stderr.
    #[arg(long)]
    pub stats: bool,
}

/// `cautery classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Names to score; read from stdin, one per line, when none are given.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LookupFormat::Plain)]
    pub format: LookupFormat,
    /// The day whose predictions (30 days either side) name families; default today.
    #[arg(long, value_name = "DAY")]
    pub date: Option<String>,
    /// Score only, without looking names up in the reverse index (no family labels; starts at once).
    #[arg(long)]
    pub no_lookup: bool,
    /// A model file written by scripts/train-classifier.py instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// For training: print each name's registrable label and features instead of scores.
    #[arg(long, hide = true)]
    pub features: bool,
    /// Print the rate on stderr.
    #[arg(long)]
    pub stats: bool,
}

/// Input formats of `cautery detect`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DetectInput {
    /// Tell from the first lines of each input.
    Auto,
    /// BIND 9 `queries` and `rpz` category lines.
    Bind,
    /// Unbound `log-queries`, `log-replies` and `rpz-log` lines.
    Unbound,
    /// dnsmasq `log-queries` (plain or `=extra`).
    Dnsmasq,
    /// Zeek dns.log, tab-separated with its `#fields` header.
    ZeekTsv,
    /// Zeek dns.log as JSON lines.
    ZeekJson,
    /// dnstap in a Frame Streams file (`dnstap-read` reads the same files).
    Dnstap,
    /// A pcap or pcapng capture: DNS over UDP and TCP on --dns-port.
    Pcap,
}

/// Formats of `cautery detect`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DetectFormat {
    /// One tab-separated line per client and family: client, family, first_seen, last_seen, names, nxdomain_share, samples.
    Plain,
    /// One JSON object per client and family.
    Jsonl,
    /// CSV with a header line.
    Csv,
}

/// `cautery discover`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cautery discover necurs --from 2017-07-01 --to 2017-07-03 < necurs-names.txt
  cautery discover auto --from 2026-11-26 --to 2026-11-26 --format jsonl < nxdomains.txt
  cautery discover qadars 5d8ddqu0iu2e.net --all")]
pub struct DiscoverArgs {
    /// A family name or alias, or `auto` for every family whose seed space is searchable.
    #[arg(value_name = "FAMILY")]
    pub family: String,
    /// Observed names; read from stdin, one per line, when none are given. Names of other
    /// families are set aside.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// First day the names may be from (inclusive); default today.
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// Last day the names may be from (inclusive).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Search the whole space and print every seed that makes any of the names, instead of
    /// stopping at the first that makes them all.
    #[arg(long)]
    pub all: bool,
    /// Threads to search with; default every core.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// With `auto`: skip families whose full search is estimated to take longer than this
    /// many seconds here (a named family is always searched).
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub budget: u64,
    /// Try only the first N candidates of each space (for measuring rates).
    #[arg(long, hide = true, value_name = "N")]
    pub max_candidates: Option<u64>,
    /// Skip the first N candidates of each space (for measuring rates).
    #[arg(long, hide = true, value_name = "N", default_value_t = 0)]
    pub skip_candidates: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LookupFormat::Plain)]
    pub format: LookupFormat,
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
    /// Keep a seed (found by `cautery discover`, or from a report) in DATA/seeds.toml; every
    /// command then uses it beside the built-in ones, named user:VALUE.
    Add(SeedAddArgs),
    /// Remove a seed kept by `seed add`.
    Remove(SeedRemoveArgs),
}

/// `cautery seed add`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cautery seed add necurs 5 --note 'discover, names of 2017-07-02'
  cautery generate necurs --seed user:5 --date 2017-07-02")]
pub struct SeedAddArgs {
    /// The family's name or alias.
    pub family: String,
    /// The seed's raw value, as `--seed` accepts it.
    pub value: String,
    /// Where it came from.
    #[arg(long, default_value = "")]
    pub note: String,
}

/// `cautery seed remove`.
#[derive(Debug, Args)]
pub struct SeedRemoveArgs {
    /// The family's name or alias.
    pub family: String,
    /// The value as added (or its name, user:VALUE).
    pub value: String,
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
    /// Subscribers file (TOML: name, mail, scopes); without --scope, their scopes are reported (default: the configuration's [report] subscribers).
    #[arg(long, value_name = "FILE")]
    pub subscribers: Option<std::path::PathBuf>,
    /// Mail each subscriber its own files through [mail] of the configuration; a delivery is recorded in DIR/sent.tsv and never repeated, a failed one is retried by the next run.
    #[arg(long)]
    pub send: bool,
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

/// `cautery monitor`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MonitorArgs {
    /// What to do; without a subcommand, `--config FILE` runs the `[monitor]` section's cycles.
    #[command(subcommand)]
    pub command: Option<MonitorCommand>,
    /// Run the watch of the `[monitor]` section of this serve configuration, every interval,
    /// alone (without `cautery serve`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Run one cycle and exit: 0 when every source was read, 2 otherwise.
    #[arg(long, requires = "config")]
    pub once: bool,
    /// Read the scheduler's time (RFC 3339) from this file instead of the clock (for tests).
    #[arg(long, value_name = "FILE", hide = true, requires = "config")]
    pub clock_file: Option<std::path::PathBuf>,
}

/// The subcommands of `cautery monitor`.
#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Run one check of a campaign's predicted names; one line per name found registered.
    Check(Box<MonitorCheckArgs>),
    /// The health of every source the checks recorded; exit 1 when any is unhealthy.
    Status(MonitorStatusArgs),
}

/// When a source of the monitor is unhealthy.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct HealthArgs {
    /// Minutes between checks; a source without a good check for twice this long is late.
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub interval_minutes: u32,
    /// Failures in a row that make a source unhealthy.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_failures: u32,
    /// Hours after which a zone file (by its modification time) is stale.
    #[arg(long, value_name = "HOURS", default_value_t = 48)]
    pub zone_max_age_hours: u32,
}

/// `cautery monitor status`.
#[derive(Debug, Args)]
pub struct MonitorStatusArgs {
    /// The monitor's state (the SQLite file given to `monitor check --state`).
    #[arg(long, value_name = "FILE")]
    pub state: std::path::PathBuf,
    /// The instant to judge at (RFC 3339, a day, or `now`); default now.
    #[arg(long, value_name = "INSTANT")]
    pub at: Option<String>,
    /// When a source is unhealthy.
    #[command(flatten)]
    pub health: HealthArgs,
}

/// `cautery monitor check`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct MonitorCheckArgs {
    /// The campaign file (TOML), as `cautery plan` reads it.
    #[arg(value_name = "CAMPAIGN")]
    pub campaign: String,
    /// A registry zone file (RFC 1035 master format, plain or gzip; `-` for stdin); repeatable.
    #[arg(long, value_name = "FILE")]
    pub zone_file: Vec<String>,
    /// The origin of relative names in the zone files until their own `$ORIGIN` (e.g. `com`).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,
    /// Ask this authoritative server of a TLD (or suffix) whether each predicted name under it
    /// is delegated (`NAME. NS` at the parent), e.g. `com=192.5.6.30`; repeatable, several
    /// servers per TLD share the names.
    #[arg(long, value_name = "TLD=ADDRESS[:PORT]")]
    pub dns: Vec<String>,
    /// Queries in flight per TLD and server (DNS source).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub dns_concurrency: usize,
    /// At least this many milliseconds between two queries to one server (DNS source).
    #[arg(long, value_name = "MS", default_value_t = 20)]
    pub dns_interval_ms: u64,
    /// How long to wait for one answer, in milliseconds (DNS source).
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub dns_timeout_ms: u64,
    /// Attempts per name, over the TLD's servers, before the name counts as failed (DNS source).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub dns_attempts: u32,
    /// The instant whose plan is checked (RFC 3339, a day, or `now`); default now.
    #[arg(long, value_name = "INSTANT")]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Plain)]
    pub format: PlanFormat,
    /// Remember the names found in this SQLite file (the events database, e.g. the serve state
    /// folder's events.sqlite) and raise alerts: one per event, repeated after --renotify-days.
    #[arg(long, value_name = "FILE")]
    pub state: Option<std::path::PathBuf>,
    /// Print the alerts raised (JSON lines) instead of the names found. Needs --state.
    #[arg(long, requires = "state")]
    pub alerts: bool,
    /// POST each alert as JSON to this URL, signed (X-Cautery-Signature: sha256=HMAC). Needs --state.
    #[arg(long, value_name = "URL", requires = "state")]
    pub webhook: Option<String>,
    /// The webhook's HMAC-SHA256 secret, read from this file (trailing newline ignored).
    #[arg(long, value_name = "FILE", requires = "webhook")]
    pub webhook_secret_file: Option<std::path::PathBuf>,
    /// Send the Slack/Mattermost form `{"text": ...}` instead of the full JSON alert.
    #[arg(long, requires = "webhook")]
    pub webhook_chat: bool,
    /// Write registry request files for the names found: per TLD, `TLD.csv` (the shape of
    /// `export --format registry`) and `TLD.evidence.json` (name servers, source, evidence).
    #[arg(long, value_name = "DIR")]
    pub registry_requests: Option<std::path::PathBuf>,
    /// Send each alert as an RFC 5424 syslog message over UDP to this HOST:PORT. Needs --state.
    #[arg(long, value_name = "HOST:PORT", requires = "state")]
    pub syslog: Option<String>,
    /// A name-server suffix of your own sinkhole (repeatable): names delegated there are held,
    /// not reported as registered; a move away from them is a `changed` alert.
    #[arg(long, value_name = "SUFFIX")]
    pub held_ns: Vec<String>,
    /// Repeat an alert that stays true after this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub renotify_days: u32,
    /// Ask RDAP about each name found: base URLs from this IANA bootstrap file (dns.json).
    #[arg(long, value_name = "FILE")]
    pub rdap_bootstrap: Option<std::path::PathBuf>,
    /// At least this many milliseconds between two RDAP requests to one server.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub rdap_interval_ms: u64,
    /// Warn when a held name expires within this many days (from RDAP).
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub expiry_warn_days: u32,
    /// The seed archive that public-data families of the campaign are
    /// planned from (default $CAUTERY_DATA or ./cautery-data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<std::path::PathBuf>,
    /// When a source is unhealthy (a `health` alert on each change, with --state).
    #[command(flatten)]
    pub health: HealthArgs,
    /// Mail each alert to these addresses (from `[monitor] mail-to` of the daemon).
    #[arg(skip)]
    pub mail_to: Vec<String>,
    /// The SMTP server of `[mail]`, for `mail_to`.
    #[arg(skip)]
    pub mail: Option<crate::mail::MailSettings>,
    /// Watch only the plan's names, not also the held names of the state
    /// outside it: the daemon's checks after the first of a cycle (one
    /// check watches those per cycle).
    #[arg(skip)]
    pub plan_only: bool,
}

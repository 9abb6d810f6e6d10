//! The daemon's configuration file as written: a versioned TOML file
//! (`version = 1`), kebab-case keys, unknown keys rejected, every key with a
//! default so that an empty file (or none at all) gives a working server.
//! `etc/cautery.example.toml` explains every key. [`super::runtime`] turns
//! it, once per (re)load, into the typed configuration the units run on.
//!
//! A `[[zone]]` is a campaign: it names campaign files (the TOML of `cautery
//! plan` and `export`), or gives the same keys inline (`families`, `seeds`,
//! `days-back`, ...), which crates/zone turns into a campaign with the same
//! rules and limits as a file. It adds only what belongs to serving: its
//! name, TTL, SOA, NS and `split-days`.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use serde::Deserialize;

use cautery_dns::authority::Prefix;
use cautery_dns::records::parse_name;
use cautery_dns::tsig::TsigKey;
use cautery_dns::NotifyTarget;
use cautery_policy::{DomainName, Soa};
use cautery_zone::{AllowList, Campaign, InlineCampaign, MAX_SPLIT_DAYS};

use crate::campaigns::{allow_list, load, read_text};

/// The `cautery serve` configuration: TOML of a few KiB.
const CONFIG_FILE: cautery_seeds::FileKind = cautery_seeds::FileKind {
    what: "config",
    limit: 64 * 1024 * 1024,
    advice: "move long name lists into allow-list files",
};

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Must be 1.
    pub version: u32,
    /// Sockets and limits.
    #[serde(default)]
    pub server: ServerSection,
    /// Prometheus endpoint (an older name of `[http] listen`).
    #[serde(default)]
    pub metrics: MetricsSection,
    /// The HTTP API, console, `/metrics` and `/health`.
    #[serde(default)]
    pub http: HttpSection,
    /// Sinkhole query log.
    #[serde(default)]
    pub query_log: QueryLogSection,
    /// Who may transfer, whom to notify, journal bounds.
    #[serde(default)]
    pub transfer: TransferSection,
    /// Sinkhole apex data and connection listeners.
    #[serde(default)]
    pub sinkhole: SinkholeSection,
    /// The event store.
    #[serde(default)]
    pub events: EventsSection,
    /// AS and country databases for events.
    #[serde(default)]
    pub enrich: EnrichSection,
    /// The daily reports and their delivery.
    #[serde(default)]
    pub report: ReportSection,
    /// The mail server reports go through.
    #[serde(default)]
    pub mail: MailSection,
    /// Live resolver telemetry (dnstap) turned into events.
    #[serde(default)]
    pub detect: DetectSection,
    /// The registration monitor (`cautery monitor --config` or a unit of serve).
    #[serde(default)]
    pub monitor: MonitorSection,
    /// Policy zones, each with its campaign.
    #[serde(default = "default_zones")]
    pub zone: Vec<ZoneSection>,
    /// The folder relative paths in the file are resolved against.
    #[serde(skip)]
    pub base: PathBuf,
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ServerSection {
    /// Addresses, UDP and TCP each.
    pub listen: Vec<SocketAddr>,
    /// Where the policy and journal are kept.
    pub state_dir: PathBuf,
    /// TCP connections open at most.
    pub tcp_max_connections: usize,
    /// Seconds a TCP client may take to send a message.
    pub tcp_idle_timeout: u64,
    /// Zone transfers running at most.
    pub max_transfers: usize,
    /// UDP responses per second per client network; 0 turns limiting off.
    pub rate_limit: u32,
    /// Every n-th rate-limited response is sent truncated.
    pub rate_limit_slip: u32,
    /// DNS cookie secret, 32 hex digits; empty: random per process.
    pub cookie_secret: String,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 5353))],
            // Apart from the seed archive (./cautery-data) of `cautery seed`.
            state_dir: PathBuf::from("./cautery-state"),
            tcp_max_connections: 256,
            tcp_idle_timeout: 10,
            max_transfers: 16,
            rate_limit: 0,
            rate_limit_slip: 2,
            cookie_secret: String::new(),
        }
    }
}

/// `[metrics]`: kept for configurations written before `[http]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct MetricsSection {
    /// Alone, the address of the whole HTTP server (as `[http] listen`);
    /// beside a different `[http] listen`, a second address serving only
    /// `/metrics` and `/health`; empty turns it off.
    pub listen: Option<String>,
}

/// Where the HTTP server listens unless the file says otherwise.
pub const DEFAULT_HTTP_LISTEN: &str = "127.0.0.1:8053";

/// `[http]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct HttpSection {
    /// Address of the API, console, `/metrics` and `/health`; empty turns
    /// it off; unset: `[metrics] listen` if set, else 127.0.0.1:8053.
    pub listen: Option<String>,
    /// Bearer tokens: `{ name, token, scope = "read" | "admin" }`.
    pub tokens: Vec<TokenSection>,
    /// A file of more tokens, one `scope name token` a line.
    pub tokens_file: PathBuf,
    /// PEM certificate chain; with `tls-key`, the server speaks HTTPS only.
    pub tls_certificate: PathBuf,
    /// PEM private key of `tls-certificate`.
    pub tls_key: PathBuf,
    /// Failed token checks per client address and minute before it is
    /// answered 429 until the minute ends.
    pub max_failures_per_minute: u32,
    /// Connections open at most.
    pub max_connections: usize,
    /// Audit log of writes (JSON lines); relative paths are under the
    /// state directory.
    pub audit_log: PathBuf,
}

impl Default for HttpSection {
    fn default() -> Self {
        HttpSection {
            listen: None,
            tokens: Vec::new(),
            tokens_file: PathBuf::new(),
            tls_certificate: PathBuf::new(),
            tls_key: PathBuf::new(),
            max_failures_per_minute: 10,
            max_connections: 256,
            audit_log: PathBuf::from("audit.jsonl"),
        }
    }
}

/// One `[[http.tokens]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TokenSection {
    /// Who holds it, for logs and the audit log.
    pub name: String,
    /// The secret, at least 16 characters.
    pub token: String,
    /// `read` or `admin`.
    pub scope: String,
}

/// `[query-log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct QueryLogSection {
    /// The file; relative paths are under the state directory; empty turns
    /// the log off.
    pub path: String,
    /// Size at which the file is rotated.
    pub max_bytes: u64,
    /// Rotated files kept.
    pub keep: u32,
}

impl Default for QueryLogSection {
    fn default() -> Self {
        QueryLogSection {
            path: "queries.jsonl".into(),
            max_bytes: 100 * 1024 * 1024,
            keep: 5,
        }
    }
}

/// `[transfer]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct TransferSection {
    /// Client networks allowed to query and transfer policy zones.
    pub allow_from: Vec<String>,
    /// Whether a TSIG signature is required as well.
    pub require_key: bool,
    /// TSIG keys.
    pub keys: Vec<KeySection>,
    /// Secondaries to NOTIFY on every change.
    pub notify: Vec<NotifyEntry>,
    /// Differences kept in the journal.
    pub journal_entries: usize,
    /// Changed rules kept in the journal, over all differences.
    pub journal_rules: usize,
    /// Answer an IXFR over several changes as one condensed difference.
    pub ixfr_condense: bool,
    /// Addresses serving the policy zones over TLS (XoT, RFC 9103).
    pub tls_listen: Vec<SocketAddr>,
    /// PEM file of the TLS certificate chain.
    pub tls_certificate: PathBuf,
    /// PEM file of the TLS private key.
    pub tls_key: PathBuf,
}

impl Default for TransferSection {
    fn default() -> Self {
        TransferSection {
            allow_from: vec!["127.0.0.0/8".into(), "::1".into()],
            require_key: false,
            keys: Vec::new(),
            notify: Vec::new(),
            journal_entries: 1024,
            journal_rules: 4_000_000,
            ixfr_condense: false,
            tls_listen: Vec::new(),
            tls_certificate: PathBuf::new(),
            tls_key: PathBuf::new(),
        }
    }
}

/// One `[[transfer.keys]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KeySection {
    /// Key name, as in BIND's `key "NAME"`.
    pub name: String,
    /// Algorithm; only `hmac-sha256`.
    #[serde(default = "default_algorithm")]
    pub algorithm: String,
    /// The secret, base64.
    pub secret: String,
}

fn default_algorithm() -> String {
    "hmac-sha256".into()
}

/// One entry of `[transfer] notify`: `"address:port"`, or
/// `{ address = "address:port", key = "NAME" }` to sign the NOTIFY with one
/// of the `[[transfer.keys]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyEntry {
    /// The secondary.
    pub address: SocketAddr,
    /// Name of the key to sign with.
    pub key: Option<String>,
}

/// The table form of a [`NotifyEntry`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct NotifyTable {
    address: SocketAddr,
    key: Option<String>,
}

impl<'de> Deserialize<'de> for NotifyEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = NotifyEntry;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "\"address:port\" or { address = \"address:port\", key = \"key name\" }",
                )
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<NotifyEntry, E> {
                let address = text.parse().map_err(|_| {
                    E::custom(format!(
                        "'{text}' is not an address:port, e.g. \"192.0.2.1:53\" or \"[2001:db8::1]:53\""
                    ))
                })?;
                Ok(NotifyEntry { address, key: None })
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> Result<NotifyEntry, M::Error> {
                let table =
                    NotifyTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(NotifyEntry {
                    address: table.address,
                    key: table.key,
                })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `[sinkhole]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct SinkholeSection {
    /// SOA of every sinkholed name.
    pub soa: SoaSection,
    /// NS of every sinkholed name.
    pub ns: Vec<String>,
    /// TTL of sinkhole answers.
    pub ttl: u32,
    /// Addresses where bots' HTTP requests are recorded and answered.
    pub http_listen: Vec<SocketAddr>,
    /// Addresses where bots' TLS ClientHellos are recorded (no handshake).
    pub tls_listen: Vec<SocketAddr>,
    /// Addresses where the first bytes of raw TCP connections are recorded.
    pub tcp_listen: Vec<SocketAddr>,
    /// Connections open at most, over every listener.
    pub max_connections: usize,
    /// Connections open at most from one source address.
    pub max_connections_per_source: usize,
    /// Seconds a client has to send what is recorded (request head and
    /// body sample, ClientHello, first bytes).
    pub read_timeout: u64,
    /// Bytes of an HTTP request body or of a raw TCP stream kept.
    pub sample_bytes: usize,
    /// The HTTP status answered to every request.
    pub http_status: u16,
    /// The HTTP body answered to every request.
    pub http_body: String,
}

impl Default for SinkholeSection {
    fn default() -> Self {
        SinkholeSection {
            soa: SoaSection::default(),
            ns: vec!["localhost".into()],
            ttl: 300,
            http_listen: Vec::new(),
            tls_listen: Vec::new(),
            tcp_listen: Vec::new(),
            max_connections: 4096,
            max_connections_per_source: 32,
            read_timeout: 10,
            sample_bytes: 4096,
            http_status: 200,
            http_body: "This domain is sinkholed.\n".into(),
        }
    }
}

/// `[detect]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct DetectSection {
    /// Where resolvers send dnstap (Frame Streams): `unix:PATH` (relative
    /// paths are under the state directory) or `ADDRESS:PORT` for TCP;
    /// empty turns the collector off.
    pub dnstap_listen: Vec<String>,
    /// Resolver connections open at once, at most.
    pub max_connections: usize,
    /// Fewest distinct names of one family a client must ask for (within
    /// `window-hours`) before its queries become events.
    pub min_names: usize,
    /// The span, in hours, within which those names must fall.
    pub window_hours: u32,
    /// Fewest distinct names that no served family explains but the
    /// classifier flags a client must ask for (within `window-hours`)
    /// before they become `unknown-dga` events; 0 turns that off.
    pub unknown_min_names: usize,
    /// The classifier score (0 to 1) at or above which a name is flagged;
    /// unset, the shipped model's own threshold.
    pub unknown_threshold: Option<f64>,
    /// Send each new finding (client and family) once through the sinks of
    /// `[monitor]` (webhook, syslog, mail-to), again after its
    /// `renotify-days` while the client goes on.
    pub alert: bool,
}

impl Default for DetectSection {
    fn default() -> Self {
        DetectSection {
            dnstap_listen: Vec::new(),
            max_connections: 64,
            min_names: 3,
            window_hours: 24,
            unknown_min_names: 10,
            unknown_threshold: None,
            alert: false,
        }
    }
}

/// `[events]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct EventsSection {
    /// The event store: a SQLite file (relative paths are under the state
    /// directory) or a `postgres://` URL; empty turns events off.
    pub store: String,
    /// Days events are kept; 0 keeps them for ever.
    pub retain_days: u32,
    /// Events waiting for the store at most; more are dropped and counted.
    pub queue: usize,
}

impl Default for EventsSection {
    fn default() -> Self {
        EventsSection {
            store: "events.sqlite".into(),
            retain_days: 30,
            queue: 100_000,
        }
    }
}

/// `[enrich]`: MaxMind-format databases that give each event's source its
/// AS and country; relative paths are under the configuration file's
/// folder. Reloaded on SIGHUP.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct EnrichSection {
    /// GeoLite2-ASN or ip-location-db AS `.mmdb`; empty for none.
    pub asn_db: String,
    /// GeoLite2-Country/-City or ip-location-db country `.mmdb`; empty for
    /// none.
    pub country_db: String,
}

/// `[report]`: the daily per-network reports the daemon writes, and sends
/// to subscribers when `send` is on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ReportSection {
    /// `HH:MM` (UTC) when yesterday's reports are written; empty: never
    /// (`cautery report` still works).
    pub at: String,
    /// `asn`, `cidr` or `country`: one file per source AS, network or
    /// country (when there are no subscribers).
    pub by: String,
    /// Folder of the files; relative paths are under the state directory.
    pub out: String,
    /// Subscribers file (TOML); relative paths are under the configuration
    /// file's folder; empty: none.
    pub subscribers: String,
    /// Whether the daemon mails each subscriber its files.
    pub send: bool,
}

impl Default for ReportSection {
    fn default() -> Self {
        ReportSection {
            at: String::new(),
            by: "cidr".into(),
            out: "reports".into(),
            subscribers: String::new(),
            send: false,
        }
    }
}

/// `[monitor]`: the registration watch of predicted names, every
/// `interval` seconds by the daemon's clock. Off while `campaigns` is empty.
/// Relative files are under the configuration file's folder, except `state`
/// (under the state directory, as the event store).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct MonitorSection {
    /// Campaign files whose predicted names are watched.
    pub campaigns: Vec<String>,
    /// Seconds between cycles.
    pub interval: u64,
    /// Registry zone files (RFC 1035, plain or gzip), read every cycle.
    pub zone_files: Vec<String>,
    /// Parent servers, `TLD=ADDRESS[:PORT]`.
    pub dns: Vec<String>,
    /// DNS queries in flight per TLD and server.
    pub dns_concurrency: usize,
    /// Milliseconds at least between two DNS queries to one server.
    pub dns_interval_ms: u64,
    /// Milliseconds to wait for one DNS answer.
    pub dns_timeout_ms: u64,
    /// DNS attempts per name.
    pub dns_attempts: u32,
    /// The IANA RDAP bootstrap file (dns.json); empty: no RDAP.
    pub rdap_bootstrap: String,
    /// Milliseconds at least between two RDAP requests to one server.
    pub rdap_interval_ms: u64,
    /// The monitor's state: a SQLite file or a `postgres://` URL; empty:
    /// the event store's (its SQLite file or PostgreSQL database).
    pub state: String,
    /// Webhook URL for alerts; empty: none.
    pub webhook: String,
    /// File holding the webhook's HMAC secret.
    pub webhook_secret_file: String,
    /// Send the Slack/Mattermost `{"text": ...}` form.
    pub webhook_chat: bool,
    /// `HOST:PORT` of an RFC 5424 syslog receiver (UDP); empty: none.
    pub syslog: String,
    /// Mail addresses each alert is mailed to, through `[mail]`.
    pub mail_to: Vec<String>,
    /// Name-server suffixes of your own sinkhole.
    pub held_ns: Vec<String>,
    /// Days after which an alert still true is sent again.
    pub renotify_days: u32,
    /// Days before a held name's expiry to warn.
    pub expiry_warn_days: u32,
    /// Failures in a row that make a source unhealthy.
    pub max_failures: u32,
    /// Hours after which a zone file is stale.
    pub zone_max_age_hours: u32,
    /// Folder of per-TLD registry request files; empty: none.
    pub registry_requests: String,
    /// The public-data seed archive (the data folder of `cautery seed fetch`).
    pub seed_archive: String,
    /// Public-data inputs expected in the archive, `SOURCE=HOURS`: stale
    /// when the newest fetch is older.
    pub seed_inputs: Vec<String>,
}

impl Default for MonitorSection {
    fn default() -> Self {
        MonitorSection {
            campaigns: Vec::new(),
            interval: 3600,
            zone_files: Vec::new(),
            dns: Vec::new(),
            dns_concurrency: 4,
            dns_interval_ms: 20,
            dns_timeout_ms: 2000,
            dns_attempts: 3,
            rdap_bootstrap: String::new(),
            rdap_interval_ms: 1000,
            state: String::new(),
            webhook: String::new(),
            webhook_secret_file: String::new(),
            webhook_chat: false,
            syslog: String::new(),
            mail_to: Vec::new(),
            held_ns: Vec::new(),
            renotify_days: 7,
            expiry_warn_days: 30,
            max_failures: 3,
            zone_max_age_hours: 48,
            registry_requests: String::new(),
            seed_archive: "cautery-data".into(),
            seed_inputs: Vec::new(),
        }
    }
}

/// `[mail]`: the SMTP server reports are sent through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct MailSection {
    /// `host:port` of the SMTP server (submission on 587 usually).
    pub smtp: String,
    /// The sender address.
    pub from: String,
    /// `required` (default), `opportunistic` or `never`.
    pub starttls: String,
    /// User name for SMTP AUTH; empty: no authentication.
    pub username: String,
    /// File holding the password (one line); relative paths are under the
    /// configuration file's folder.
    pub password_file: String,
}

impl Default for MailSection {
    fn default() -> Self {
        MailSection {
            smtp: String::new(),
            from: String::new(),
            starttls: "required".into(),
            username: String::new(),
            password_file: String::new(),
        }
    }
}

/// An SOA's fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct SoaSection {
    /// Primary name server.
    pub mname: String,
    /// Responsible mailbox as a name.
    pub rname: String,
    /// Refresh, seconds.
    pub refresh: u32,
    /// Retry, seconds.
    pub retry: u32,
    /// Expire, seconds.
    pub expire: u32,
    /// Negative TTL, seconds.
    pub minimum: u32,
}

impl Default for SoaSection {
    fn default() -> Self {
        let d = Soa::default();
        SoaSection {
            mname: d.mname.to_string(),
            rname: d.rname.to_string(),
            refresh: d.refresh,
            retry: d.retry,
            expire: d.expire,
            minimum: d.minimum,
        }
    }
}

impl SoaSection {
    /// The SOA, its names checked: a typo is an error that names the key,
    /// never a silent `.`.
    pub fn soa(&self, section: &str) -> Result<Soa> {
        let name = |key: &str, text: &str| {
            DomainName::new(&text.replacen('@', ".", 1)).map_err(|e| {
                anyhow::anyhow!("{section} soa.{key} = '{text}' is not a usable domain name: {e}")
            })
        };
        let soa = Soa {
            mname: name("mname", &self.mname)?,
            rname: name("rname", &self.rname)?,
            refresh: self.refresh,
            retry: self.retry,
            expire: self.expire,
            minimum: self.minimum,
        };
        Ok(soa)
    }
}

/// One `[[zone]]`: a policy zone and the campaign that fills it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ZoneSection {
    /// Zone name.
    pub name: String,
    /// TTL of every record.
    pub ttl: u32,
    /// SOA.
    pub soa: SoaSection,
    /// NS names.
    pub ns: Vec<String>,
    /// Families, or `all` for every deterministic family.
    pub families: Vec<String>,
    /// `all` (every seed known in public) or `default`.
    pub seeds: String,
    /// Days before today covered.
    pub days_back: u32,
    /// Days after today covered.
    pub days_ahead: u32,
    /// nxdomain, nodata, drop, passthru or sinkhole.
    pub action: String,
    /// Sinkhole IPv4 addresses.
    pub sinkhole_v4: Vec<Ipv4Addr>,
    /// Sinkhole IPv6 addresses.
    pub sinkhole_v6: Vec<Ipv6Addr>,
    /// Whether subdomains of predicted names are covered.
    pub subdomains: bool,
    /// Names never blocked: `example.gov` exactly, `.gov` or `*.gov` a
    /// suffix and everything under it (the syntax of allow-list files).
    pub allow: Vec<String>,
    /// Allow-list files, one entry a line, `#` comments; relative paths are
    /// under the config file's folder. Read at every (re)load.
    pub allow_files: Vec<PathBuf>,
    /// Campaign files (the TOML of `cautery plan` and `export`) whose
    /// predictions fill the zone instead of the inline keys above; relative
    /// paths are under the config file's folder.
    pub campaigns: Vec<PathBuf>,
    /// 0: one policy zone. N >= 2: the policy is served as N zones
    /// `d0.NAME` .. `dN-1.NAME`, a name going to zone `day % N` of the day
    /// its window starts, so that a day entering or leaving the horizon
    /// changes one small zone instead of the whole policy (resolvers
    /// rebuild a policy zone in full after each transfer).
    pub split_days: u32,
}

/// A campaign of a zone, read and validated, with its allow-list (inline
/// entries, files and top-site lists).
#[derive(Debug)]
pub struct ZoneCampaign {
    /// `inline`, or the campaign file it was read from.
    pub label: String,
    /// The campaign.
    pub campaign: Campaign,
    /// Its allow-list gate.
    pub allow: Arc<AllowList>,
}

impl Default for ZoneSection {
    fn default() -> Self {
        ZoneSection {
            name: "cautery.rpz".into(),
            ttl: 60,
            soa: SoaSection::default(),
            ns: vec!["localhost".into()],
            families: vec!["all".into()],
            seeds: "all".into(),
            days_back: 2,
            days_ahead: 7,
            action: "nxdomain".into(),
            sinkhole_v4: Vec::new(),
            sinkhole_v6: Vec::new(),
            // As in campaign files: a bot that asks for www.NAME is blocked too.
            subdomains: true,
            allow: Vec::new(),
            allow_files: Vec::new(),
            campaigns: Vec::new(),
            split_days: 0,
        }
    }
}

fn default_zones() -> Vec<ZoneSection> {
    vec![ZoneSection::default()]
}

impl ZoneSection {
    /// The zone's name, checked.
    pub fn zone_name(&self) -> Result<DomainName> {
        DomainName::new(&self.name)
            .map_err(|e| anyhow::anyhow!("[[zone]] name = '{}': {e}", self.name))
    }

    /// The inline campaign keys.
    fn inline(&self) -> InlineCampaign {
        InlineCampaign {
            families: self.families.clone(),
            seeds: self.seeds.clone(),
            days_back: self.days_back,
            days_ahead: self.days_ahead,
            action: self.action.clone(),
            addresses: self
                .sinkhole_v4
                .iter()
                .map(ToString::to_string)
                .chain(self.sinkhole_v6.iter().map(ToString::to_string))
                .collect(),
            subdomains: self.subdomains,
            allow: self.allow.clone(),
            allow_files: self
                .allow_files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            ttl: self.ttl,
        }
    }

    /// Reads and validates the zone's campaigns and their allow-lists: the
    /// campaign files it names, else its inline keys; relative paths are
    /// resolved against `base`, the config file's folder.
    /// `extra_allow` are allow-list files every campaign takes too (the
    /// entries added through the HTTP API).
    pub fn read_campaigns(&self, base: &Path, extra_allow: &[String]) -> Result<Vec<ZoneCampaign>> {
        if self.campaigns.is_empty() {
            let campaign = Campaign::from_inline(&self.name, &self.inline())
                .map_err(|e| anyhow::anyhow!("zone {}: {e}", self.name))?;
            let allow = allow_list(&campaign, base, extra_allow, &[])
                .with_context(|| format!("zone {}", self.name))?;
            return Ok(vec![ZoneCampaign {
                label: "inline".into(),
                campaign,
                allow: Arc::new(allow),
            }]);
        }
        let mut loaded = Vec::new();
        for file in &self.campaigns {
            let path = if file.is_absolute() {
                file.clone()
            } else {
                base.join(file)
            };
            let found =
                load(&path.display().to_string()).with_context(|| format!("zone {}", self.name))?;
            let allow = allow_list(&found.campaign, &found.base, extra_allow, &[])
                .with_context(|| format!("zone {}: campaign {}", self.name, path.display()))?;
            loaded.push(ZoneCampaign {
                label: path.display().to_string(),
                campaign: found.campaign,
                allow: Arc::new(allow),
            });
        }
        Ok(loaded)
    }

    /// The names of the zones served for this section: its name, or one
    /// name per part when it is split (see `split_days`).
    pub fn served_names(&self) -> Result<Vec<DomainName>> {
        cautery_zone::part_names(&self.zone_name()?, self.split_days)
            .map_err(|e| anyhow::anyhow!("zone {}: a part's name: {e}", self.name))
    }
}

/// Whether `text` is a `cautery serve` configuration rather than a campaign
/// file: it has a section only the daemon reads, or `[[zone]]` sections.
pub fn is_serve_config(text: &str) -> bool {
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return false;
    };
    [
        "server",
        "metrics",
        "http",
        "query-log",
        "transfer",
        "sinkhole",
        "events",
    ]
    .iter()
    .any(|key| table.contains_key(*key))
        || table.get("zone").is_some_and(toml::Value::is_array)
}

/// Refuses a zone that names campaign files and sets inline campaign keys
/// too, which it would silently ignore.
fn check_inline_keys(text: &str, config: &Config) -> Result<()> {
    let table: toml::Table = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some(zones) = table.get("zone").and_then(toml::Value::as_array) else {
        return Ok(());
    };
    for (raw, zone) in zones.iter().zip(&config.zone) {
        if zone.campaigns.is_empty() {
            continue;
        }
        let set: Vec<&str> = InlineCampaign::KEYS
            .iter()
            .copied()
            .filter(|key| raw.get(*key).is_some())
            .collect();
        if !set.is_empty() {
            bail!(
                "zone {}: {} cannot be set with campaigns: the campaign files say which \
                 families, horizon, action and allow-list the zone has; move them there",
                zone.name,
                set.join(", ")
            );
        }
    }
    Ok(())
}

impl Config {
    /// The embedded defaults: what `cautery serve` runs without a file.
    pub fn embedded() -> Config {
        Config {
            version: 1,
            server: ServerSection::default(),
            metrics: MetricsSection::default(),
            http: HttpSection::default(),
            query_log: QueryLogSection::default(),
            transfer: TransferSection::default(),
            sinkhole: SinkholeSection::default(),
            events: EventsSection::default(),
            enrich: EnrichSection::default(),
            report: ReportSection::default(),
            mail: MailSection::default(),
            detect: DetectSection::default(),
            monitor: MonitorSection::default(),
            zone: default_zones(),
            base: PathBuf::from("."),
        }
    }

    /// Reads and checks a file; the campaign and allow-list files it names
    /// are read when the runtime configuration is built.
    pub fn load(path: &Path) -> Result<Config> {
        let text = read_text(path, &CONFIG_FILE)?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Config::parse_at(&text, base).with_context(|| format!("config {}", path.display()))
    }

    /// Parses and checks the text of a file; relative allow-list files are
    /// under the current directory.
    #[cfg(test)]
    pub fn parse(text: &str) -> Result<Config> {
        Config::parse_at(text, Path::new("."))
    }

    fn parse_at(text: &str, base: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let hint = if e.message().contains("socket address") {
                " (write an IP address and port, e.g. 127.0.0.1:5353 or [::1]:5353; host names such as localhost are not resolved)"
            } else {
                ""
            };
            anyhow::anyhow!("{}{hint}", e.to_string().trim_end())
        })?;
        config.base = base.to_path_buf();
        config.check()?;
        check_inline_keys(text, &config)?;
        Ok(config)
    }

    /// Checks what serde cannot.
    pub fn check(&self) -> Result<()> {
        if self.version != 1 {
            bail!(
                "version = {} is not supported: this cautery reads version = 1",
                self.version
            );
        }
        if self.server.listen.is_empty() {
            bail!("[server] listen is empty: give at least one address, e.g. \"127.0.0.1:5353\"");
        }
        let sinkhole = &self.sinkhole;
        if sinkhole.max_connections == 0 || sinkhole.max_connections_per_source == 0 {
            bail!("[sinkhole] max-connections and max-connections-per-source must be at least 1");
        }
        if !(1..=300).contains(&sinkhole.read_timeout) {
            bail!(
                "[sinkhole] read-timeout = {}: use 1 to 300 seconds",
                sinkhole.read_timeout
            );
        }
        if sinkhole.sample_bytes > 1024 * 1024 {
            bail!(
                "[sinkhole] sample-bytes = {}: keep at most 1048576",
                sinkhole.sample_bytes
            );
        }
        if !(100..=599).contains(&sinkhole.http_status) {
            bail!(
                "[sinkhole] http-status = {}: use an HTTP status, 100 to 599",
                sinkhole.http_status
            );
        }
        if sinkhole.http_body.len() > 64 * 1024 {
            bail!("[sinkhole] http-body is longer than 64 KiB; keep the answer short");
        }
        if self.events.queue == 0 {
            bail!("[events] queue must be at least 1");
        }
        for zone in &self.zone {
            zone.zone_name()?;
            for ns in &zone.ns {
                DomainName::new(ns)
                    .map_err(|e| anyhow::anyhow!("zone {}: ns '{ns}': {e}", zone.name))?;
            }
            zone.soa.soa(&format!("zone {}:", zone.name))?;
            if zone.split_days == 1 || zone.split_days > MAX_SPLIT_DAYS {
                bail!(
                    "zone {}: split-days = {}: use 0 (one zone) or 2 to {MAX_SPLIT_DAYS}; \
                     days-back + days-ahead + 2 puts the day leaving and the day entering \
                     in different zones",
                    zone.name,
                    zone.split_days
                );
            }
            zone.served_names()?;
        }
        self.sinkhole.soa.soa("[sinkhole]")?;
        for ns in &self.sinkhole.ns {
            DomainName::new(ns).map_err(|e| anyhow::anyhow!("[sinkhole] ns '{ns}': {e}"))?;
        }
        let mut names: Vec<DomainName> = Vec::new();
        for zone in &self.zone {
            names.extend(zone.served_names()?);
        }
        let count = names.len();
        names.sort();
        names.dedup();
        if names.len() != count {
            bail!("two [[zone]] sections serve a zone of the same name (split-days adds d0., d1., ...)");
        }
        self.allow_from()?;
        self.keys()?;
        self.notify_targets()?;
        for (key, listen) in [
            ("[metrics] listen", &self.metrics.listen),
            ("[http] listen", &self.http.listen),
        ] {
            if let Some(listen) = listen.as_deref().filter(|l| !l.is_empty()) {
                listen.parse::<SocketAddr>().with_context(|| {
                    format!("{key} = '{listen}' is not an address:port, e.g. 127.0.0.1:8053")
                })?;
            }
        }
        Ok(())
    }

    /// The transfer ACL.
    pub fn allow_from(&self) -> Result<Vec<Prefix>> {
        self.transfer
            .allow_from
            .iter()
            .map(|text| {
                Prefix::parse(text).with_context(|| {
                    format!("[transfer] allow-from: '{text}' is not an address or ADDRESS/LENGTH")
                })
            })
            .collect()
    }

    /// The TSIG keys.
    pub fn keys(&self) -> Result<Vec<TsigKey>> {
        self.transfer
            .keys
            .iter()
            .map(|key| {
                if !key.algorithm.eq_ignore_ascii_case("hmac-sha256") {
                    bail!(
                        "key {}: algorithm '{}' is not supported: use hmac-sha256",
                        key.name,
                        key.algorithm
                    );
                }
                let secret = base64::engine::general_purpose::STANDARD
                    .decode(key.secret.trim())
                    .with_context(|| format!("key {}: the secret is not base64", key.name))?;
                Ok(TsigKey::new(parse_name(&key.name)?, secret))
            })
            .collect()
    }

    /// The secondaries to NOTIFY, each with its key resolved.
    pub fn notify_targets(&self) -> Result<Vec<NotifyTarget>> {
        let keys = self.keys()?;
        self.transfer
            .notify
            .iter()
            .map(|entry| {
                let key = match &entry.key {
                    None => None,
                    Some(name) => {
                        let wanted = parse_name(name)?.to_lowercase();
                        let key = keys.iter().find(|k| k.name == wanted).with_context(|| {
                            format!(
                                "[transfer] notify {}: no [[transfer.keys]] is named '{name}'",
                                entry.address
                            )
                        })?;
                        Some(key.clone())
                    }
                };
                Ok(NotifyTarget {
                    address: entry.address,
                    key,
                })
            })
            .collect()
    }

    /// The query log path, resolved against the state directory.
    pub fn query_log_path(&self) -> Option<PathBuf> {
        if self.query_log.path.is_empty() {
            return None;
        }
        Some(self.server.state_dir.join(&self.query_log.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config was read whole: a path to a file without end
    /// (/dev/zero reports a size of 0) filled memory.
    #[test]
    fn an_endless_config_file_is_refused_with_its_limit() {
        let zero = Path::new("/dev/zero");
        if !zero.exists() {
            return;
        }
        let error = Config::load(zero).expect_err("endless").to_string();
        assert!(
            error.contains("config /dev/zero is larger than 64 MiB"),
            "{error}"
        );
    }

    #[test]
    fn an_almost_empty_file_gives_the_embedded_defaults() {
        let config = Config::parse("version = 1\n").unwrap();
        assert_eq!(config.zone.len(), 1);
        assert_eq!(config.zone[0].name, "cautery.rpz");
        assert_eq!(config.server.listen[0].port(), 5353);
    }

    /// Before: serve zones defaulted to `subdomains = false` where campaign
    /// files default to true, so BIND did not block `www.<predicted>`; and
    /// serve's state shared `./cautery-data` with the seed archive.
    #[test]
    fn serve_defaults_cover_subdomains_like_campaigns_and_keep_state_apart() {
        let config = Config::parse("version = 1\n[[zone]]\nname = \"x.rpz\"\n").unwrap();
        let campaign =
            cautery_zone::Campaign::from_toml("version = 1\n[[target]]\nfamily = \"necurs\"\n")
                .unwrap();
        assert!(campaign.subdomains);
        assert_eq!(config.zone[0].subdomains, campaign.subdomains);
        assert_eq!(Config::embedded().zone[0].subdomains, campaign.subdomains);
        assert_ne!(
            config.server.state_dir,
            std::path::PathBuf::from("cautery-data")
        );
        assert!(!config.server.state_dir.ends_with("cautery-data"));
    }

    #[test]
    fn unknown_keys_and_versions_are_refused() {
        assert!(Config::parse("version = 1\n[server]\nlisten-on = []\n").is_err());
        assert!(Config::parse("version = 2\n").is_err());
    }

    #[test]
    fn notify_targets_are_addresses_or_tables_naming_a_key() {
        let keys = "[[transfer.keys]]\nname = \"xfr-key\"\nsecret = \"c2VjcmV0\"\n";
        let config = Config::parse(&format!(
            "version = 1\n[transfer]\nnotify = [\"127.0.0.1:5300\", \
             {{ address = \"[::1]:53\", key = \"XFR-key.\" }}]\n{keys}"
        ))
        .unwrap();
        let targets = config.notify_targets().unwrap();
        assert_eq!(targets.len(), 2);
        assert!(targets[0].key.is_none());
        assert_eq!(targets[1].address, "[::1]:53".parse().unwrap());
        assert_eq!(targets[1].key.as_ref().unwrap().name.to_ascii(), "xfr-key.");
        for (bad, why) in [
            (
                "notify = [{ address = \"127.0.0.1:53\", key = \"nope\" }]",
                "no [[transfer.keys]] is named 'nope'",
            ),
            (
                "notify = [{ address = \"127.0.0.1:53\", keys = \"xfr-key\" }]",
                "unknown field `keys`",
            ),
            (
                "notify = [{ key = \"xfr-key\" }]",
                "missing field `address`",
            ),
            ("notify = [\"127.0.0.1\"]", "is not an address:port"),
            ("notify = [53]", "address:port"),
        ] {
            let error =
                Config::parse(&format!("version = 1\n[transfer]\n{bad}\n{keys}")).unwrap_err();
            assert!(format!("{error:#}").contains(why), "{bad}: {error:#}");
        }
    }

    #[test]
    fn a_split_zone_is_served_as_day_parts_with_names_that_must_not_clash() {
        let config =
            Config::parse("version = 1\n[[zone]]\nname = \"p.rpz\"\nsplit-days = 3\n").unwrap();
        assert_eq!(
            config.zone[0].served_names().unwrap(),
            ["d0.p.rpz", "d1.p.rpz", "d2.p.rpz"]
        );
        for bad in ["1", "33"] {
            let error = Config::parse(&format!("version = 1\n[[zone]]\nsplit-days = {bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(error.contains("use 0 (one zone) or 2 to 32"), "{error}");
        }
        let error = Config::parse(
            "version = 1\n[[zone]]\nname = \"p.rpz\"\nsplit-days = 3\n\
             [[zone]]\nname = \"D1.p.rpz.\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("same name"), "{error}");
    }

    #[test]
    fn check_config_tells_a_daemon_file_from_a_campaign_file() {
        assert!(is_serve_config(include_str!(
            "../../etc/cautery.example.toml"
        )));
        assert!(is_serve_config("version = 1\n[[zone]]\nname = \"a.rpz\"\n"));
        assert!(!is_serve_config(include_str!(
            "../../etc/campaign.example.toml"
        )));
        assert!(!is_serve_config("not toml ["));
    }

    #[test]
    fn campaign_files_exclude_inline_campaign_keys() {
        let error = Config::parse(
            "version = 1\n[[zone]]\ncampaigns = [\"c.toml\"]\ndays-back = 3\naction = \"nodata\"\n",
        )
        .unwrap_err();
        let text = format!("{error:#}");
        assert!(
            text.contains("days-back, action cannot be set with campaigns"),
            "{text}"
        );
    }

    /// A typo in an SOA name became the root name `.` in every SOA served.
    #[test]
    fn soa_name_typos_are_errors_not_the_root() {
        for (text, key) in [
            ("[[zone]]\nsoa.mname = \"ns1..example\"\n", "soa.mname"),
            (
                "[[zone]]\nsoa.rname = \"host master.example\"\n",
                "soa.rname",
            ),
            (
                "[sinkhole]\nsoa.mname = \"-bad.example\"\n",
                "[sinkhole] soa.mname",
            ),
        ] {
            let error = Config::parse(&format!("version = 1\n{text}")).unwrap_err();
            assert!(format!("{error:#}").contains(key), "{text}: {error:#}");
        }
        let config =
            Config::parse("version = 1\n[[zone]]\nsoa.rname = \"me@example.org\"\n").unwrap();
        let soa = config.zone[0].soa.soa("zone").unwrap();
        assert_eq!(soa.rname, "me.example.org");
    }

    #[test]
    fn metrics_listen_alone_moves_the_http_server_and_beside_it_adds_a_metrics_address() {
        let http = |text: &str| {
            crate::daemon::runtime::HttpConfig::of(&Config::parse(text).unwrap()).unwrap()
        };
        let default = http("version = 1\n");
        assert_eq!(default.listen, Some("127.0.0.1:8053".parse().unwrap()));
        assert_eq!(default.metrics_only, None);
        let alias = http("version = 1\n[metrics]\nlisten = \"127.0.0.1:9353\"\n");
        assert_eq!(alias.listen, Some("127.0.0.1:9353".parse().unwrap()));
        assert_eq!(alias.metrics_only, None);
        let both = http(
            "version = 1\n[http]\nlisten = \"127.0.0.1:8053\"\n[metrics]\nlisten = \"127.0.0.1:9353\"\n",
        );
        assert_eq!(both.listen, Some("127.0.0.1:8053".parse().unwrap()));
        assert_eq!(both.metrics_only, Some("127.0.0.1:9353".parse().unwrap()));
        let off = http("version = 1\n[http]\nlisten = \"\"\n");
        assert_eq!(off.listen, None);
        let error = crate::daemon::runtime::HttpConfig::of(
            &Config::parse("version = 1\n[http]\nlisten = \"[::]:8053\"\n").unwrap(),
        )
        .unwrap_err();
        assert!(
            format!("{error:#}").contains("without bearer tokens"),
            "{error:#}"
        );
    }

    #[test]
    fn the_example_file_parses() {
        let text = include_str!("../../etc/cautery.example.toml");
        Config::parse(text).unwrap();
    }
}

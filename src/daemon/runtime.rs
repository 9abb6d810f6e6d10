//! The runtime configuration: the file ([`super::spec`]) parsed once into
//! typed values, with every campaign read, checked and bound to the family
//! library, every address, key and limit resolved. Built at start and at
//! each SIGHUP (off the async threads: binding reads family files and
//! allow-lists); a reload swaps it whole, and each unit takes from it what
//! it runs on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use cautery_dns::authority::{CookieSecret, SinkholeApex, TransferAccess};
use cautery_dns::querylog::QueryLogConfig;
use cautery_dns::records::parse_name;
use cautery_dns::rrl::RrlLimits;
use cautery_dns::{JournalLimits, NotifyTarget, ServerConfig};
use cautery_events::report::Subscriber;
use cautery_events::Enricher;
use cautery_policy::{Action, DomainName};
use cautery_zone::{Apex, CampaignSource, ZonePlanner};
use chrono::{DateTime, Utc};

use std::path::{Path, PathBuf};

use super::spec::{Config, ZoneCampaign};
use crate::cli::ReportScope;
use crate::mail::MailSettings;

/// One `[[zone]]` ready to plan: its campaigns and one planner per zone it
/// is served as (one, or one per day part).
pub struct ZoneRuntime {
    /// The policy's name (the section's name).
    pub name: DomainName,
    /// Its campaigns, read and checked.
    pub campaigns: Vec<ZoneCampaign>,
    /// One planner per served zone.
    pub planners: Vec<Arc<ZonePlanner>>,
}

/// Where events are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => write!(f, "{}", path.display()),
            // The URL may hold a password.
            StoreLocation::Postgres(url) => match url.split_once('@') {
                Some((_, host)) => write!(f, "postgres://…@{host}"),
                None => f.write_str(url),
            },
        }
    }
}

/// The event store's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsConfig {
    /// Where.
    pub store: StoreLocation,
    /// Days kept; 0 for ever.
    pub retain_days: u32,
    /// Events waiting at most.
    pub queue: usize,
    /// Where batches wait while the store is down.
    pub spool: PathBuf,
}

impl EventsConfig {
    /// The event store of a configuration file, `None` when events are off.
    /// Needs nothing else of the file, so `cautery events` and `report`
    /// find the store without reading campaigns.
    pub fn of(spec: &Config) -> Option<EventsConfig> {
        let text = &spec.events.store;
        if text.is_empty() {
            return None;
        }
        let store = if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            StoreLocation::Postgres(text.clone())
        } else {
            StoreLocation::Sqlite(spec.server.state_dir.join(text))
        };
        Some(EventsConfig {
            store,
            retain_days: spec.events.retain_days,
            queue: spec.events.queue,
            spool: spec.server.state_dir.join("events-spool"),
        })
    }
}

/// The daily reports of `[report]` and their delivery (`[mail]`).
#[derive(Debug, Clone)]
pub struct ReportSchedule {
    /// Time of day (UTC) when yesterday's reports are written.
    pub at: chrono::NaiveTime,
    /// One file per network, AS or country.
    pub by: ReportScope,
    /// Folder of the files and of the ledger of sent mail.
    pub out: PathBuf,
    /// Who gets which files.
    pub subscribers: Vec<Subscriber>,
    /// How to mail them, when `send` is on.
    pub mail: Option<MailSettings>,
}

impl ReportSchedule {
    fn of(spec: &Config, events: bool) -> Result<Option<ReportSchedule>> {
        let section = &spec.report;
        if section.at.is_empty() {
            if section.send {
                bail!("[report] send = true needs at = \"HH:MM\" (UTC), the time of the daily run");
            }
            return Ok(None);
        }
        let at = chrono::NaiveTime::parse_from_str(&section.at, "%H:%M").map_err(|_| {
            anyhow::anyhow!(
                "[report] at = {:?}: write the time of day in UTC as HH:MM, e.g. \"06:00\"",
                section.at
            )
        })?;
        if !events {
            bail!("[report] at is set but [events] store is empty: reports are made from stored events");
        }
        let by = match section.by.as_str() {
            "asn" => ReportScope::Asn,
            "cidr" => ReportScope::Cidr,
            "country" => ReportScope::Country,
            other => bail!("[report] by = {other:?}: use \"asn\", \"cidr\" or \"country\""),
        };
        let subscribers = crate::commands::events::subscribers_of(spec, None)?;
        let mail = if section.send {
            if subscribers.is_empty() {
                bail!("[report] send = true needs subscribers: name a subscribers file");
            }
            Some(MailSettings::of(spec)?)
        } else {
            None
        };
        Ok(Some(ReportSchedule {
            at,
            by,
            out: spec.server.state_dir.join(&section.out),
            subscribers,
            mail,
        }))
    }
}

/// The `[enrich]` databases; paths relative to the configuration file.
fn enricher_of(spec: &Config) -> Result<Enricher> {
    let path = |text: &str| (!text.is_empty()).then(|| spec.base.join(text));
    let (asn, country) = (path(&spec.enrich.asn_db), path(&spec.enrich.country_db));
    Enricher::open(asn.as_deref(), country.as_deref()).context("[enrich]")
}

/// The connection sinkhole's listeners and bounds.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// HTTP listeners.
    pub http: Vec<SocketAddr>,
    /// TLS listeners.
    pub tls: Vec<SocketAddr>,
    /// Raw TCP listeners.
    pub tcp: Vec<SocketAddr>,
    /// Connections open at most.
    pub max_connections: usize,
    /// Connections open at most per source address.
    pub max_connections_per_source: usize,
    /// Time a client has for what is recorded.
    pub read_timeout: Duration,
    /// Bytes of a body or stream kept.
    pub sample_bytes: usize,
    /// The whole fixed HTTP response.
    pub http_response: Vec<u8>,
}

/// Where the dnstap collector listens.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CollectorConfig {
    /// Unix stream sockets.
    pub unix: Vec<PathBuf>,
    /// TCP addresses.
    pub tcp: Vec<SocketAddr>,
    /// Connections open at once, at most.
    pub max_connections: usize,
    /// Distinct names of a family that make a client a finding.
    pub min_names: usize,
    /// The span those names must fall within.
    pub window: Duration,
    /// Distinct classifier-flagged names no served family explains that
    /// make a client an `unknown-dga` finding; 0 turns those off.
    pub unknown_min_names: usize,
    /// The score at or above which the classifier flags a name.
    pub unknown_threshold: f64,
    /// Whether each new finding is sent through `[monitor]`'s sinks.
    pub alert: bool,
    /// How long before a finding still going on is sent again.
    pub renotify: Duration,
}

impl CollectorConfig {
    fn of(spec: &Config) -> Result<CollectorConfig> {
        let mut config = CollectorConfig {
            max_connections: spec.detect.max_connections.max(1),
            min_names: spec.detect.min_names.max(1),
            window: Duration::from_secs(3600 * u64::from(spec.detect.window_hours.max(1))),
            unknown_min_names: spec.detect.unknown_min_names,
            unknown_threshold: match spec.detect.unknown_threshold {
                None => cautery_detect::classify::Model::shipped().threshold(),
                Some(score) if (0.0..=1.0).contains(&score) => score,
                Some(score) => bail!(
                    "[detect] unknown-threshold = {score}: a classifier score is between 0 and 1 (unset, the model's own {:.3})",
                    cautery_detect::classify::Model::shipped().threshold()
                ),
            },
            alert: spec.detect.alert,
            renotify: Duration::from_secs(86_400 * u64::from(spec.monitor.renotify_days.max(1))),
            ..CollectorConfig::default()
        };
        if config.alert {
            // Checked now, so that a bad sink fails the start or the reload.
            crate::daemon::units::monitor::section_sinks(spec)?;
        }
        for entry in &spec.detect.dnstap_listen {
            if let Some(path) = entry.strip_prefix("unix:") {
                if path.is_empty() {
                    bail!(
                        "[detect] dnstap-listen: \"unix:\" needs a path, like \"unix:dnstap.sock\""
                    );
                }
                config.unix.push(spec.server.state_dir.join(path));
            } else {
                let address = entry.parse().with_context(|| {
                    format!("[detect] dnstap-listen: {entry:?} is neither unix:PATH nor ADDRESS:PORT (like 127.0.0.1:6000)")
                })?;
                config.tcp.push(address);
            }
        }
        Ok(config)
    }
}

/// The fixed answer of the HTTP sinkhole.
fn http_response(status: u16, body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        403 => "Forbidden",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "Status",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Everything the units run on.
pub struct Runtime {
    /// The file as read.
    pub spec: Config,
    /// Policy zones.
    pub zones: Vec<ZoneRuntime>,
    /// Who may transfer.
    pub access: TransferAccess,
    /// Secondaries to NOTIFY on every change.
    pub notify: Vec<NotifyTarget>,
    /// Apex data of sinkholed names.
    pub sinkhole: SinkholeApex,
    /// The secret of DNS server cookies.
    pub cookie_secret: CookieSecret,
    /// Bounds of each zone's IXFR journal.
    pub journal: JournalLimits,
    /// Response-rate limits.
    pub rrl: RrlLimits,
    /// The sinkhole query log, if on.
    pub query_log: Option<QueryLogConfig>,
    /// The HTTP server: API, console, metrics.
    pub http: HttpConfig,
    /// Sockets and their limits.
    pub server: ServerConfig,
    /// The connection sinkhole.
    pub listeners: ListenerConfig,
    /// The event store, if on.
    pub events: Option<EventsConfig>,
    /// AS and country of event sources (`[enrich]`), empty without
    /// databases.
    pub enricher: Arc<Enricher>,
    /// The daily reports (`[report] at`), if scheduled.
    pub report: Option<ReportSchedule>,
    /// The dnstap collector's listeners (`[detect]`).
    pub collector: CollectorConfig,
    /// The registration monitor (`[monitor]`), if it names campaigns.
    pub monitor: Option<Arc<crate::daemon::units::monitor::MonitorSettings>>,
    /// The public-data seed archive (`[monitor] seed-archive`, under the
    /// configuration's folder), listed by the API whether or not the
    /// monitor runs.
    pub seed_archive: std::path::PathBuf,
    /// Per served zone, the tag its events carry: the campaign's name when
    /// the zone has one campaign, else the zone's name.
    tags: Vec<(DomainName, String)>,
}

impl Runtime {
    /// Estimated predictions each zone serves at `at`: its campaigns over
    /// their horizons plus the day a forecast covers (the parts of a split
    /// zone share one forecast, so a zone counts once).
    pub fn predictions_at(&self, at: DateTime<Utc>) -> Vec<(String, u64)> {
        self.zones
            .iter()
            .map(|zone| {
                let count = zone.planners.first().map_or(0, |planner| {
                    planner
                        .sources()
                        .iter()
                        .map(|source| {
                            let (start, end) = cautery_zone::horizon_bounds(&source.horizon, at);
                            cautery_zone::estimate_predictions(
                                &source.seeds,
                                start,
                                end + cautery_zone::FORECAST_SPAN,
                            )
                        })
                        .sum()
                });
                (zone.name.to_string(), count)
            })
            .collect()
    }

    /// Refuses a configuration too large for the memory there is, before
    /// any plan is made (at start, and for a reload, which then keeps the
    /// running configuration).
    pub fn check_memory(&self, at: DateTime<Utc>) -> Result<()> {
        crate::memory::check_serve(&self.predictions_at(at))
    }

    /// The tag of events attributed through the served zone `zone`.
    pub fn tag_of(&self, zone: &DomainName) -> String {
        self.tags
            .iter()
            .find(|(served, _)| served == zone)
            .map_or_else(|| zone.to_string(), |(_, tag)| tag.clone())
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let zones: Vec<String> = self.zones.iter().map(|z| z.name.to_string()).collect();
        write!(f, "Runtime(zones {zones:?})")
    }
}

/// Refuses a campaign whose action the daemon cannot serve.
fn check_served(zone: &str, campaign: &ZoneCampaign) -> Result<()> {
    if let Action::Cname(_) = campaign.campaign.action {
        bail!(
            "zone {zone}: campaign {}: action '{}' is not served by cautery serve: use a \
             sinkhole address instead (cautery export writes it)",
            campaign.label,
            campaign.campaign.action
        );
    }
    Ok(())
}

impl Runtime {
    /// Builds the runtime configuration of `spec`: reads its campaigns and
    /// allow-lists and binds their families and seeds. Blocking.
    pub fn build(spec: Config) -> Result<Runtime> {
        let http = HttpConfig::of(&spec)?;
        let api_allow: Vec<String> = if http.allow_file.exists() {
            vec![http.allow_file.display().to_string()]
        } else {
            Vec::new()
        };
        let mut zones = Vec::new();
        for section in &spec.zone {
            let name = section.zone_name()?;
            let campaigns = section.read_campaigns(&spec.base, &api_allow)?;
            let mut sources = Vec::new();
            for campaign in &campaigns {
                check_served(&section.name, campaign)?;
                sources.push(
                    CampaignSource::new(
                        &campaign.label,
                        &campaign.campaign,
                        campaign.allow.clone(),
                    )
                    .map_err(|e| {
                        anyhow::anyhow!("zone {}: {}: {e}", section.name, campaign.label)
                    })?,
                );
            }
            let ns = section
                .ns
                .iter()
                .map(|n| DomainName::new(n))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("zone {}: ns: {e}", section.name))?;
            let apex = Apex {
                soa: section.soa.soa(&format!("zone {}:", section.name))?,
                ns,
                ttl: section.ttl,
            };
            let planners = ZonePlanner::for_zone(&name, section.split_days, apex, sources)
                .map_err(|e| anyhow::anyhow!("zone {}: {e}", section.name))?;
            zones.push(ZoneRuntime {
                name,
                campaigns,
                planners: planners.into_iter().map(Arc::new).collect(),
            });
        }
        let sinkhole = SinkholeApex {
            soa: spec.sinkhole.soa.soa("[sinkhole]")?,
            ns: spec
                .sinkhole
                .ns
                .iter()
                .map(|n| parse_name(n))
                .collect::<Result<Vec<_>, _>>()?,
            ttl: spec.sinkhole.ttl,
        };
        let cookie_secret = cookie_secret(&spec.server.cookie_secret)?;
        let rrl = RrlLimits {
            responses_per_second: spec.server.rate_limit,
            slip: spec.server.rate_limit_slip,
            max_tracked: 100_000,
        };
        let tags = zones
            .iter()
            .flat_map(|zone| {
                let tag = match zone.campaigns.as_slice() {
                    [one] => one.campaign.name.clone(),
                    _ => zone.name.to_string(),
                };
                zone.planners
                    .iter()
                    .map(move |p| (p.zone().clone(), tag.clone()))
            })
            .collect();
        let events = EventsConfig::of(&spec);
        let enricher = Arc::new(enricher_of(&spec)?);
        let report = ReportSchedule::of(&spec, events.is_some())?;
        let monitor = crate::daemon::units::monitor::MonitorSettings::of(&spec)?.map(Arc::new);
        let sinkhole_spec = &spec.sinkhole;
        let listeners = ListenerConfig {
            http: sinkhole_spec.http_listen.clone(),
            tls: sinkhole_spec.tls_listen.clone(),
            tcp: sinkhole_spec.tcp_listen.clone(),
            max_connections: sinkhole_spec.max_connections,
            max_connections_per_source: sinkhole_spec.max_connections_per_source,
            read_timeout: Duration::from_secs(sinkhole_spec.read_timeout),
            sample_bytes: sinkhole_spec.sample_bytes,
            http_response: http_response(sinkhole_spec.http_status, &sinkhole_spec.http_body),
        };
        let collector = CollectorConfig::of(&spec)?;
        Ok(Runtime {
            seed_archive: spec.base.join(&spec.monitor.seed_archive),
            tags,
            collector,
            events,
            enricher,
            report,
            monitor,
            listeners,
            access: TransferAccess {
                allow: spec.allow_from()?,
                keys: spec.keys()?,
                require_key: spec.transfer.require_key,
            },
            notify: spec.notify_targets()?,
            sinkhole,
            cookie_secret,
            journal: JournalLimits {
                max_entries: spec.transfer.journal_entries,
                max_rules: spec.transfer.journal_rules,
            },
            rrl,
            query_log: spec.query_log_path().map(|path| QueryLogConfig {
                path,
                max_bytes: spec.query_log.max_bytes.max(4096),
                keep: spec.query_log.keep,
            }),
            http,
            server: ServerConfig {
                listen: spec.server.listen.clone(),
                tcp_max_connections: spec.server.tcp_max_connections,
                tcp_idle_timeout: Duration::from_secs(spec.server.tcp_idle_timeout.max(1)),
                max_transfers: spec.server.max_transfers,
                rrl,
                tls_listen: spec.transfer.tls_listen.clone(),
                tls: transfer_tls(&spec)?,
                ..ServerConfig::default()
            },
            zones,
            spec,
        })
    }
}

/// `cautery check-config` for a daemon configuration: reads it and every
/// allow-list and campaign file it names, and binds every zone's families
/// and seeds (the runtime configuration a start would run on), without
/// starting anything. Returns one line per zone.
pub fn check_file(path: &Path) -> Result<Vec<String>> {
    let config = Config::load(path)?;
    let runtime = Runtime::build(config)?;
    Ok(runtime
        .zones
        .iter()
        .map(|zone| {
            let parts = &zone.planners;
            let served = if parts.len() > 1 {
                format!(
                    " (served as {} .. {})",
                    parts[0].zone(),
                    parts[parts.len() - 1].zone()
                )
            } else {
                String::new()
            };
            let campaigns: Vec<String> = zone
                .campaigns
                .iter()
                .map(|c| format!("'{}' ({})", c.campaign.name, c.label))
                .collect();
            format!(
                "zone {}{served}: {} family seeds from {}",
                zone.name,
                parts.first().map_or(0, |p| p.seed_count()),
                if zone.campaigns.iter().all(|c| c.label == "inline") {
                    "the inline campaign".to_owned()
                } else {
                    format!("campaigns {}", campaigns.join(", "))
                }
            )
        })
        .collect())
}

/// The TLS configuration of `[transfer] tls-listen`, from the certificate
/// and key files; none when nothing listens over TLS.
fn transfer_tls(spec: &Config) -> Result<Option<Arc<cautery_dns::tls::ServerConfig>>> {
    let transfer = &spec.transfer;
    if transfer.tls_listen.is_empty() {
        return Ok(None);
    }
    if transfer.tls_certificate.as_os_str().is_empty() || transfer.tls_key.as_os_str().is_empty() {
        bail!(
            "[transfer] tls-listen needs tls-certificate and tls-key (PEM files of the \
             certificate chain and its private key)"
        );
    }
    Ok(Some(cautery_dns::tls::server_config(
        &transfer.tls_certificate,
        &transfer.tls_key,
    )?))
}

/// What a bearer token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Every GET.
    Read,
    /// GETs and writes (reload, allow-list).
    Admin,
}

/// A bearer token of `[http]`.
#[derive(Clone)]
pub struct Token {
    /// Who holds it (logs and the audit log name this, never the secret).
    pub name: String,
    /// The secret.
    pub secret: Vec<u8>,
    /// What it may do.
    pub scope: Scope,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({}, {:?})", self.name, self.scope)
    }
}

/// The HTTP server's configuration (`[http]`, and `[metrics] listen`).
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The API, console, `/metrics` and `/health`, if on.
    pub listen: Option<SocketAddr>,
    /// A second address with only `/metrics` and `/health`.
    pub metrics_only: Option<SocketAddr>,
    /// Bearer tokens; none: every request from loopback is allowed, with
    /// the admin scope.
    pub tokens: Arc<Vec<Token>>,
    /// TLS, if configured.
    pub tls: Option<Arc<cautery_dns::tls::ServerConfig>>,
    /// Failed token checks per client address and minute.
    pub max_failures_per_minute: u32,
    /// Connections open at most.
    pub max_connections: usize,
    /// The audit log of writes.
    pub audit_log: PathBuf,
    /// The allow-list entries added through the API (an allow-list file
    /// every campaign reads too).
    pub allow_file: PathBuf,
}

impl HttpConfig {
    /// The HTTP configuration of `spec`: refuses a non-loopback address
    /// without tokens, short tokens, half a TLS pair.
    pub fn of(spec: &Config) -> Result<HttpConfig> {
        let http = &spec.http;
        let parse = |key: &str, text: &str| -> Result<SocketAddr> {
            text.parse().with_context(|| {
                format!("{key} = '{text}' is not an address:port, e.g. 127.0.0.1:8053")
            })
        };
        let metrics = spec.metrics.listen.as_deref();
        let (listen, metrics_only) = match (http.listen.as_deref(), metrics) {
            (Some(api), Some(metrics)) if api != metrics && !metrics.is_empty() => {
                (api, Some(parse("[metrics] listen", metrics)?))
            }
            (Some(api), _) => (api, None),
            (None, Some(metrics)) => (metrics, None),
            (None, None) => (super::spec::DEFAULT_HTTP_LISTEN, None),
        };
        let listen = if listen.is_empty() {
            None
        } else {
            Some(parse("[http] listen", listen)?)
        };
        let mut tokens = Vec::new();
        for (i, token) in http.tokens.iter().enumerate() {
            tokens.push(make_token(
                &format!("[http] tokens[{i}]"),
                &token.name,
                &token.token,
                &token.scope,
            )?);
        }
        if !http.tokens_file.as_os_str().is_empty() {
            let path = resolve_under(&spec.base, &http.tokens_file);
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!("[http] tokens-file {}: cannot read it", path.display())
            })?;
            for (number, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let fields: Vec<&str> = line.split_whitespace().collect();
                let [scope, name, secret] = fields[..] else {
                    bail!(
                        "[http] tokens-file {} line {}: expected 'SCOPE NAME TOKEN' \
                         (scope read or admin)",
                        path.display(),
                        number + 1
                    );
                };
                tokens.push(make_token(
                    &format!("[http] tokens-file {} line {}", path.display(), number + 1),
                    name,
                    secret,
                    scope,
                )?);
            }
        }
        if let Some(address) = listen
            .iter()
            .chain(metrics_only.iter())
            .find(|a| !a.ip().is_loopback())
        {
            if tokens.is_empty() && metrics_only != Some(*address) {
                bail!(
                    "[http] listen = {address} is not a loopback address: refusing to serve \
                     the API there without bearer tokens; add [[http.tokens]] (and \
                     tls-certificate/tls-key) or listen on 127.0.0.1"
                );
            }
        }
        let tls = match (
            http.tls_certificate.as_os_str().is_empty(),
            http.tls_key.as_os_str().is_empty(),
        ) {
            (true, true) => None,
            (false, false) => {
                let mut config = (*cautery_dns::tls::server_config(
                    &resolve_under(&spec.base, &http.tls_certificate),
                    &resolve_under(&spec.base, &http.tls_key),
                )?)
                .clone();
                config.alpn_protocols = vec![b"http/1.1".to_vec()];
                Some(Arc::new(config))
            }
            _ => bail!(
                "[http] needs both tls-certificate and tls-key (PEM files of the certificate \
                 chain and its private key), or neither"
            ),
        };
        let state = &spec.server.state_dir;
        Ok(HttpConfig {
            listen,
            metrics_only,
            tokens: Arc::new(tokens),
            tls,
            max_failures_per_minute: http.max_failures_per_minute.max(1),
            max_connections: http.max_connections.max(1),
            audit_log: resolve_under(state, &http.audit_log),
            allow_file: state.join("api-allow.txt"),
        })
    }
}

fn resolve_under(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

fn make_token(place: &str, name: &str, secret: &str, scope: &str) -> Result<Token> {
    let scope = match scope {
        "read" => Scope::Read,
        "admin" => Scope::Admin,
        other => bail!("{place}: scope '{other}' is neither 'read' nor 'admin'"),
    };
    if secret.len() < 16 {
        bail!(
            "{place}: the token of '{name}' is {} characters; use at least 16 (e.g. \
             `head -c 24 /dev/urandom | base64`)",
            secret.len()
        );
    }
    if name.is_empty() || name.chars().any(|c| c.is_control()) {
        bail!("{place}: a token needs a printable name");
    }
    Ok(Token {
        name: name.to_string(),
        secret: secret.as_bytes().to_vec(),
        scope,
    })
}

/// The cookie secret of `[server] cookie-secret`, or one drawn once per
/// process (so that a reload keeps the cookies clients hold).
fn cookie_secret(text: &str) -> Result<CookieSecret> {
    if text.is_empty() {
        static RANDOM: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
        let secret = RANDOM.get_or_init(|| {
            let mut secret = [0u8; 16];
            // The kernel's generator; the process-keyed hasher of std as a
            // fallback where /dev/urandom cannot be read.
            let read = std::fs::File::open("/dev/urandom")
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut secret));
            if read.is_err() {
                use std::hash::{BuildHasher, Hasher};
                for (i, chunk) in secret.chunks_mut(8).enumerate() {
                    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
                    hasher.write_usize(i);
                    chunk.copy_from_slice(&hasher.finish().to_be_bytes());
                }
            }
            secret
        });
        return Ok(CookieSecret(*secret));
    }
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .filter_map(|i| text.get(i..i + 2))
        .map(|pair| u8::from_str_radix(pair, 16))
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    let secret: [u8; 16] = bytes.try_into().map_err(|_| {
        anyhow::anyhow!(
            "[server] cookie-secret must be 32 hexadecimal digits (16 octets), \
             e.g. from `openssl rand -hex 16`, or \"\" for a random one"
        )
    })?;
    Ok(CookieSecret(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a file's text and builds its runtime configuration, which
    /// reads the campaigns and allow-lists it names.
    fn build(text: &str) -> Result<Runtime> {
        Runtime::build(Config::parse(text)?)
    }

    #[test]
    fn report_schedule_mistakes_name_the_key_to_fix() {
        let cases = [
            ("[report]\nsend = true\n", "needs at = \"HH:MM\""),
            ("[report]\nat = \"6am\"\n", "[report] at = \"6am\""),
            ("[report]\nat = \"06:00\"\nby = \"city\"\n", "by = \"city\""),
            (
                "[report]\nat = \"06:00\"\nsend = true\n",
                "needs subscribers",
            ),
            (
                "[events]\nstore = \"\"\n[report]\nat = \"06:00\"\n",
                "[events] store is empty",
            ),
            (
                "[report]\nat = \"06:00\"\nsubscribers = \"/nonexistent/subscribers.toml\"\n",
                "/nonexistent/subscribers.toml",
            ),
        ];
        for (section, expected) in cases {
            let error = build(&format!("version = 1\n{section}")).unwrap_err();
            assert!(
                format!("{error:#}").contains(expected),
                "{expected}: {error:#}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let subscribers = dir.path().join("subscribers.toml");
        std::fs::write(
            &subscribers,
            "version = 1\n[[subscriber]]\nname = \"A\"\nmail = [\"a@example.net\"]\nscopes = [\"as64500\"]\n",
        )
        .unwrap();
        let with = |mail: &str| {
            build(&format!(
                "version = 1\n[report]\nat = \"06:00\"\nsend = true\nsubscribers = \"{}\"\n[mail]\n{mail}",
                subscribers.display()
            ))
        };
        let error = with("from = \"c@example.net\"\n").unwrap_err();
        assert!(
            format!("{error:#}").contains("[mail] smtp is empty"),
            "{error:#}"
        );
        let error =
            with("smtp = \"127.0.0.1:25\"\nfrom = \"c@example.net\"\nstarttls = \"maybe\"\n")
                .unwrap_err();
        assert!(
            format!("{error:#}").contains("starttls = \"maybe\""),
            "{error:#}"
        );
        let runtime = with("smtp = \"127.0.0.1:25\"\nfrom = \"c@example.net\"\n").unwrap();
        let schedule = runtime.report.expect("scheduled");
        assert_eq!(schedule.at.to_string(), "06:00:00");
        assert_eq!(schedule.subscribers.len(), 1);
    }

    #[test]
    fn inline_campaign_keys_are_checked_when_the_runtime_is_built() {
        let error = build("version = 1\n[[zone]]\naction = \"sinkhole\"\n").unwrap_err();
        assert!(format!("{error:#}").contains("sinkhole-v4"), "{error:#}");
        let dir = tempfile::tempdir().unwrap();
        let campaign = dir.path().join("cname.toml");
        std::fs::write(
            &campaign,
            "version = 1\n[[target]]\nfamily = \"banjori\"\n\
             [action]\nkind = \"cname\"\ntarget = \"sink.example.net\"\n",
        )
        .unwrap();
        let error = build(&format!(
            "version = 1\n[[zone]]\ncampaigns = [\"{}\"]\n",
            campaign.display()
        ))
        .unwrap_err();
        assert!(
            format!("{error:#}").contains("not served by cautery serve"),
            "{error:#}"
        );
    }

    #[test]
    fn the_cookie_secret_is_32_hex_digits_or_random_once_per_process() {
        for bad in [
            "abc",
            "00112233445566778899aabbccddeeff00",
            "zz112233445566778899aabbccddeeff",
        ] {
            let error = cookie_secret(bad).unwrap_err();
            assert!(
                format!("{error:#}").contains("32 hexadecimal digits"),
                "{bad}"
            );
        }
        let secret = cookie_secret("00112233445566778899aabbccddeeff").unwrap();
        assert_eq!(secret.0[1], 0x11);
        assert_eq!(secret.0[15], 0xff);
        let random = cookie_secret("").unwrap();
        assert_eq!(random, cookie_secret("").unwrap(), "kept across reloads");
        assert_ne!(random.0, [0; 16]);
    }

    #[test]
    fn campaign_files_must_exist() {
        let error =
            build("version = 1\n[[zone]]\ncampaigns = [\"/nonexistent/cautery-campaign.toml\"]\n")
                .unwrap_err();
        assert!(
            format!("{error:#}").contains("cautery-campaign.toml"),
            "{error:#}"
        );
    }

    #[test]
    fn allow_entries_are_checked_and_missing_allow_files_refused() {
        let zone = "version = 1\n[[zone]]\n";
        let families = "families = [\"banjori\"]\n";
        assert!(build(&format!(
            "{zone}{families}allow = [\"example.gov\", \"*.mil\"]\n"
        ))
        .is_ok());
        for bad in ["not a name", "localhost", "", "a.com # b.com"] {
            let error = build(&format!("{zone}allow = [\"{bad}\"]\n")).unwrap_err();
            assert!(
                format!("{error:#}").contains("allow[0]"),
                "{bad}: {error:#}"
            );
        }
        let error = build(&format!(
            "{zone}{families}allow-files = [\"/nonexistent/cautery-allow.txt\"]\n"
        ))
        .unwrap_err();
        assert!(
            format!("{error:#}").contains("allow-list file"),
            "{error:#}"
        );
    }
}

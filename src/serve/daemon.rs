//! The daemon: loads the saved state, computes each zone's plan, serves it,
//! and recomputes when the plan day turns or the configuration is reloaded.
//!
//! Each zone's plan for the next day is computed ahead in the background, so
//! that at midnight the daemon only diffs, saves, swaps and notifies.
//!
//! Order of start: configuration, state and first plans, query log, DNS
//! sockets, metrics endpoint, scheduler. SIGTERM and SIGINT stop everything
//! together; SIGHUP rereads the configuration file and recomputes every
//! zone, swapping the served state between two queries. Listening addresses
//! and the metrics address are kept from the first start.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use cautery_dns::notify::notify_all;
use cautery_dns::querylog::{QueryLog, QueryLogConfig};
use cautery_dns::rrl::RrlLimits;
use cautery_dns::{
    Authority, Journal, JournalLimits, Metrics, Policy, PolicyDiff, ServedZone, Server,
    ServerConfig, Shared, SinkholeApex, StateFiles, TransferAccess,
};
use chrono::{DateTime, NaiveDate, Utc};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use super::config::{Config, ZoneSection};
use super::plan::{plan_day, policy_at};
use crate::cli::ServeArgs;
use crate::Outcome;

/// Where the scheduler reads the time.
#[derive(Debug, Clone)]
enum Clock {
    System,
    File(PathBuf),
}

impl Clock {
    fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::File(path) => std::fs::read_to_string(path)
                .ok()
                .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(Utc::now),
        }
    }

    fn poll(&self) -> Duration {
        match self {
            Clock::System => Duration::from_secs(30),
            Clock::File(_) => Duration::from_millis(100),
        }
    }
}

/// One zone's live state.
struct ZoneState {
    section: ZoneSection,
    policy: Arc<Policy>,
    journal: Journal,
    files: StateFiles,
    day: NaiveDate,
    /// The next day's plan, computed ahead so that the rollover at midnight
    /// only diffs and swaps.
    prepared: Option<(NaiveDate, tokio::task::JoinHandle<Result<Policy>>)>,
}

/// Runs `cautery serve`.
pub fn run(args: &ServeArgs) -> Result<Outcome> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::embedded(),
    };
    init_tracing();
    let clock = match &args.clock_file {
        Some(path) => Clock::File(path.clone()),
        None => Clock::System,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, args.config.clone(), clock))?;
    Ok(Outcome::Success)
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAUTERY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn journal_limits(config: &Config) -> JournalLimits {
    JournalLimits {
        max_entries: config.transfer.journal_entries,
        max_rules: config.transfer.journal_rules,
    }
}

fn rrl_limits(config: &Config) -> RrlLimits {
    RrlLimits {
        responses_per_second: config.server.rate_limit,
        slip: config.server.rate_limit_slip,
        max_tracked: 100_000,
    }
}

fn next_serial(old: u32, at: DateTime<Utc>) -> u32 {
    let clock = u32::try_from(at.timestamp().max(1)).unwrap_or(u32::MAX);
    if cautery_dns::authority::serial_greater(clock, old) {
        clock
    } else {
        old.wrapping_add(1)
    }
}

/// Computes `section`'s plan at `at` off the async threads.
async fn compute(section: &ZoneSection, at: DateTime<Utc>, serial: u32) -> Result<Policy> {
    let section = section.clone();
    tokio::task::spawn_blocking(move || policy_at(&section, at, serial))
        .await
        .context("plan task failed")?
}

/// Brings one zone to its plan at `at`: returns whether it changed.
async fn update(zone: &mut ZoneState, config: &Config, at: DateTime<Utc>) -> Result<bool> {
    let started = std::time::Instant::now();
    let day = plan_day(at);
    let candidate = match zone.prepared.take() {
        Some((prepared_day, handle)) if prepared_day == day => {
            handle.await.context("plan task failed")??
        }
        Some((_, handle)) => {
            handle.abort();
            compute(&zone.section, at, zone.policy.serial).await?
        }
        None => compute(&zone.section, at, zone.policy.serial).await?,
    };
    zone.day = day;
    prepare_next_day(zone);
    if candidate.same_content(&zone.policy) {
        tracing::info!(zone = %zone.policy.zone, serial = zone.policy.serial, "plan unchanged");
        return Ok(false);
    }
    let mut candidate = candidate;
    candidate.serial = next_serial(zone.policy.serial, at);
    let diff = PolicyDiff::between(&zone.policy, &candidate);
    let changed = diff.len();
    zone.journal.push(diff);
    zone.policy = Arc::new(candidate);
    let files = zone.files.clone();
    let policy = zone.policy.clone();
    let journal = zone.journal.clone();
    tokio::task::spawn_blocking(move || files.save(&policy, &journal))
        .await
        .context("save task failed")??;
    let _ = config;
    tracing::info!(
        zone = %zone.policy.zone,
        serial = zone.policy.serial,
        rules = zone.policy.rules().len(),
        changed,
        millis = started.elapsed().as_millis() as u64,
        "new plan"
    );
    Ok(true)
}

/// Starts computing the plan of the day after `zone.day` in the background.
fn prepare_next_day(zone: &mut ZoneState) {
    let Some(next) = zone.day.succ_opt() else {
        return;
    };
    let section = zone.section.clone();
    let at = cautery_dga::midnight(next);
    let handle = tokio::task::spawn_blocking(move || policy_at(&section, at, 0));
    zone.prepared = Some((next, handle));
}

async fn open_zone(section: &ZoneSection, config: &Config, at: DateTime<Utc>) -> Result<ZoneState> {
    let zone_name = cautery_dns::policy::parse_name(&section.name)?;
    let files = StateFiles::new(&config.server.state_dir, &zone_name);
    let limits = journal_limits(config);
    let loaded = files.load(limits)?;
    let mut state = match loaded {
        Some((policy, journal)) if policy.zone == zone_name => {
            tracing::info!(zone = %zone_name, serial = policy.serial, rules = policy.rules().len(), "state loaded");
            ZoneState {
                section: section.clone(),
                policy: Arc::new(policy),
                journal,
                files,
                day: plan_day(at),
                prepared: None,
            }
        }
        _ => {
            let policy = compute(section, at, next_serial(0, at)).await?;
            let mut state = ZoneState {
                section: section.clone(),
                policy: Arc::new(policy),
                journal: Journal::new(limits),
                files,
                day: plan_day(at),
                prepared: None,
            };
            state.files.save(&state.policy, &state.journal)?;
            prepare_next_day(&mut state);
            tracing::info!(zone = %zone_name, serial = state.policy.serial, rules = state.policy.rules().len(), "first plan");
            return Ok(state);
        }
    };
    update(&mut state, config, at).await?;
    Ok(state)
}

fn authority(config: &Config, zones: &[ZoneState]) -> Result<Authority> {
    let ns = config
        .sinkhole
        .ns
        .iter()
        .map(|n| cautery_dns::policy::parse_name(n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Authority {
        zones: zones
            .iter()
            .map(|z| ServedZone {
                policy: z.policy.clone(),
                journal: Arc::new(z.journal.clone()),
            })
            .collect(),
        access: TransferAccess {
            allow: config.allow_from()?,
            keys: config.keys()?,
            require_key: config.transfer.require_key,
        },
        sinkhole: SinkholeApex {
            soa: config.sinkhole_soa(),
            ns,
            ttl: config.sinkhole.ttl,
        },
    })
}

fn query_log(config: &Config, metrics: &Arc<Metrics>) -> Result<Option<QueryLog>> {
    let Some(path) = config.query_log_path() else {
        return Ok(None);
    };
    let log = QueryLog::start(
        QueryLogConfig {
            path: path.clone(),
            max_bytes: config.query_log.max_bytes.max(4096),
            keep: config.query_log.keep,
        },
        metrics.clone(),
    )
    .with_context(|| format!("cannot open the query log {}", path.display()))?;
    Ok(Some(log))
}

fn publish(shared: &Shared, config: &Config, zones: &[ZoneState], changed: &[bool]) -> Result<()> {
    shared.swap(authority(config, zones)?);
    for (zone, changed) in zones.iter().zip(changed) {
        shared.metrics.set_zone(
            &zone.policy.zone.to_ascii(),
            zone.policy.serial,
            zone.policy.rules().len(),
        );
        if *changed && !config.transfer.notify.is_empty() {
            tokio::spawn(notify_all(
                zone.policy.clone(),
                config.notify_targets()?,
                shared.metrics.clone(),
            ));
        }
    }
    Ok(())
}

async fn serve(mut config: Config, path: Option<PathBuf>, clock: Clock) -> Result<()> {
    std::fs::create_dir_all(&config.server.state_dir).with_context(|| {
        format!(
            "cannot create the state directory {}",
            config.server.state_dir.display()
        )
    })?;
    let metrics = Arc::new(Metrics::default());
    let at = clock.now();
    let mut zones = Vec::new();
    for section in &config.zone {
        metrics.recomputed();
        zones.push(open_zone(section, &config, at).await?);
    }
    let shared = Arc::new(Shared::new(
        authority(&config, &zones)?,
        metrics.clone(),
        rrl_limits(&config),
    ));
    shared.set_query_log(query_log(&config, &metrics)?);
    let (stop, stopped) = watch::channel(false);
    let server_config = ServerConfig {
        listen: config.server.listen.clone(),
        tcp_max_connections: config.server.tcp_max_connections,
        tcp_idle_timeout: Duration::from_secs(config.server.tcp_idle_timeout.max(1)),
        max_transfers: config.server.max_transfers,
        rrl: rrl_limits(&config),
        ..ServerConfig::default()
    };
    let server = Server::start(&server_config, shared.clone(), stopped.clone()).await?;
    for address in &server.local_addrs {
        tracing::info!(%address, "listening (udp+tcp)");
    }
    if !config.metrics.listen.is_empty() {
        let address: std::net::SocketAddr = config.metrics.listen.parse()?;
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen for metrics on {address}"))?;
        tracing::info!(%address, "metrics at http://{address}/metrics");
        tokio::spawn(cautery_dns::metrics::serve_http(
            listener,
            metrics.clone(),
            stopped.clone(),
        ));
    }
    publish(&shared, &config, &zones, &vec![true; zones.len()])?;

    let mut terminate = signal(SignalKind::terminate()).context("cannot catch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot catch SIGINT")?;
    let mut hangup = signal(SignalKind::hangup()).context("cannot catch SIGHUP")?;
    loop {
        let reload = tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = hangup.recv() => true,
            _ = tokio::time::sleep(clock.poll()) => false,
        };
        if reload {
            match &path {
                Some(path) => match Config::load(path) {
                    Ok(new) => {
                        if new.server.listen != config.server.listen {
                            tracing::warn!("listen addresses change only on restart");
                        }
                        config = new;
                        shared.set_rrl(rrl_limits(&config));
                        match query_log(&config, &metrics) {
                            Ok(log) => shared.set_query_log(log),
                            Err(error) => tracing::error!("{error:#}"),
                        }
                        tracing::info!("configuration reloaded");
                    }
                    Err(error) => {
                        tracing::error!(
                            "reload failed, keeping the running configuration: {error:#}"
                        );
                        continue;
                    }
                },
                None => tracing::info!("SIGHUP: no config file; recomputing plans"),
            }
        }
        let at = clock.now();
        if !reload && zones.iter().all(|z| z.day == plan_day(at)) {
            continue;
        }
        let mut changed = vec![false; zones.len()];
        if reload {
            // Zones may have been added, removed or changed.
            let mut next = Vec::new();
            for section in &config.zone {
                let existing = zones
                    .iter()
                    .position(|z| z.section.name.eq_ignore_ascii_case(&section.name))
                    .map(|i| zones.remove(i));
                metrics.recomputed();
                let result = match existing {
                    Some(mut zone) => {
                        zone.section = section.clone();
                        // The prepared plan may follow the old section.
                        if let Some((_, handle)) = zone.prepared.take() {
                            handle.abort();
                        }
                        update(&mut zone, &config, at).await.map(|c| (zone, c))
                    }
                    None => open_zone(section, &config, at).await.map(|z| (z, true)),
                };
                match result {
                    Ok((zone, c)) => {
                        next.push(zone);
                        changed[next.len() - 1] = c;
                    }
                    Err(error) => {
                        metrics.error(cautery_dns::metrics::ErrorKind::Plan);
                        tracing::error!("zone {}: {error:#}", section.name);
                    }
                }
            }
            changed.truncate(next.len());
            changed.resize(next.len(), false);
            zones = next;
        } else {
            for (zone, changed) in zones.iter_mut().zip(changed.iter_mut()) {
                metrics.recomputed();
                match update(zone, &config, at).await {
                    Ok(c) => *changed = c,
                    Err(error) => {
                        metrics.error(cautery_dns::metrics::ErrorKind::Plan);
                        tracing::error!("zone {}: {error:#}", zone.section.name);
                    }
                }
            }
        }
        if let Err(error) = publish(&shared, &config, &zones, &changed) {
            tracing::error!("{error:#}");
        }
    }
    tracing::info!("shutting down");
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), server.join()).await;
    Ok(())
}

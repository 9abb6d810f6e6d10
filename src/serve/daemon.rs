//! The daemon: loads the saved state, computes each zone's plan, serves it,
//! and follows it at every instant where it changes (a window of one of the
//! zone's families starts or ends, shifted by the horizon; see
//! [`super::plan`]) and when the configuration is reloaded.
//!
//! The policy at the next change and its difference from the served one are
//! computed in the background as soon as a change is published, and the
//! family generators run about once a day for a whole day ahead
//! ([`Forecast`]); so at the change the daemon only swaps the served state
//! and sends NOTIFY, then saves the state files in the background.
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
use chrono::{DateTime, Utc};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use super::config::{Config, ZoneSection};
use super::plan::{Forecast, Planner, FORECAST_SPAN};
use crate::cli::ServeArgs;
use crate::Outcome;

/// A clock file holds one RFC 3339 instant.
const CLOCK_FILE: cautery_seeds::FileKind = cautery_seeds::FileKind {
    what: "clock file",
    limit: 4096,
    advice: "write one RFC 3339 instant",
};

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
            Clock::File(path) => cautery_seeds::read_bounded_text(path, &CLOCK_FILE)
                .ok()
                .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(Utc::now),
        }
    }

    /// How long to sleep before looking at the clock again, with the next
    /// change `due`: until then, but at most 30 s (the system clock may be
    /// stepped); a clock file is polled every 100 ms.
    fn wait(&self, due: Option<DateTime<Utc>>) -> Duration {
        match self {
            Clock::System => due
                .and_then(|due| (due - Utc::now()).to_std().ok())
                .unwrap_or_default()
                .min(Duration::from_secs(30)),
            Clock::File(_) => Duration::from_millis(100),
        }
    }
}

/// One zone's live state.
struct ZoneState {
    section: ZoneSection,
    planner: Arc<Planner>,
    policy: Arc<Policy>,
    journal: Journal,
    files: StateFiles,
    /// The stretch of time planned, holding the policy in force.
    forecast: Arc<Forecast>,
    /// The next instant at which the policy may change.
    due: DateTime<Utc>,
    /// The policy at `due`, diffed against `policy`, computed in the
    /// background as soon as the previous change was published, so that at
    /// `due` the daemon only swaps, notifies and saves.
    prepared: Option<tokio::task::JoinHandle<Result<Prepared>>>,
    /// The last background save, awaited before the next one starts.
    saving: Option<tokio::task::JoinHandle<()>>,
}

/// A zone's next policy, ready to publish.
struct Prepared {
    /// The instant it was computed for.
    at: DateTime<Utc>,
    /// The first instant after `at` at which the policy may change again.
    valid_until: DateTime<Utc>,
    /// The serial of the policy `diff` starts from.
    base_serial: u32,
    forecast: Arc<Forecast>,
    policy: Policy,
    /// `None` when the policy is the same as before.
    diff: Option<PolicyDiff>,
    /// Time taken to plan (when a new forecast was needed), filter and diff.
    millis: u64,
}

impl Prepared {
    /// Whether this is the policy in force at `now` on top of `base`.
    fn fits(&self, now: DateTime<Utc>, base: &Policy) -> bool {
        self.at <= now && now < self.valid_until && self.base_serial == base.serial
    }
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

/// The policy at `at` on top of `base`, from `forecast` when it covers `at`
/// or else from a new forecast starting at `at`. Blocking: run it off the
/// async threads.
fn prepare(
    planner: &Planner,
    forecast: Option<Arc<Forecast>>,
    base: &Policy,
    at: DateTime<Utc>,
) -> Result<Prepared> {
    let started = std::time::Instant::now();
    let forecast = match forecast.filter(|f| f.covers(at)) {
        Some(forecast) => forecast,
        None => planner.forecast_covering(at, FORECAST_SPAN)?,
    };
    let policy = planner.policy_in(&forecast, at, next_serial(base.serial, at));
    // A first plan (serial 0, nothing served yet) has no difference to keep.
    let first = base.serial == 0 && base.rules().is_empty();
    let diff = (!first && !policy.same_content(base)).then(|| PolicyDiff::between(base, &policy));
    let millis = started.elapsed().as_millis() as u64;
    tracing::info!(
        zone = %policy.zone,
        at = %cautery_dga::rfc3339(at),
        changed = diff.as_ref().map_or(0, PolicyDiff::len),
        millis,
        "plan ready"
    );
    Ok(Prepared {
        at,
        valid_until: planner.next_change(&forecast, at),
        base_serial: base.serial,
        forecast,
        policy,
        diff,
        millis,
    })
}

/// Runs [`prepare`] on the blocking pool.
fn prepare_in_background(
    zone: &ZoneState,
    fresh: bool,
    at: DateTime<Utc>,
) -> tokio::task::JoinHandle<Result<Prepared>> {
    let planner = zone.planner.clone();
    let forecast = (!fresh).then(|| zone.forecast.clone());
    let base = zone.policy.clone();
    tokio::task::spawn_blocking(move || prepare(&planner, forecast, &base, at))
}

/// Brings one zone to its policy at `now` if a change is due (or `fresh`,
/// after a reload: plan again from the configuration): returns whether the
/// policy changed. The new policy is in `zone` but not yet served.
async fn update(zone: &mut ZoneState, now: DateTime<Utc>, fresh: bool) -> Result<bool> {
    if !fresh && now < zone.due {
        return Ok(false);
    }
    let waited = std::time::Instant::now();
    let ready = match zone.prepared.take() {
        Some(handle) if fresh => {
            handle.abort();
            None
        }
        Some(handle) => match handle.await.context("plan task failed")? {
            Ok(prepared) if prepared.fits(now, &zone.policy) => Some(prepared),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(
                    "zone {}: planning ahead failed: {error:#}",
                    zone.policy.zone
                );
                None
            }
        },
        None => None,
    };
    let ahead = ready.is_some();
    let prepared = match ready {
        Some(prepared) => prepared,
        // The clock jumped past several changes, or the plan was not ready.
        None => prepare_in_background(zone, fresh, now)
            .await
            .context("plan task failed")??,
    };
    zone.forecast = prepared.forecast;
    zone.due = prepared.valid_until;
    let changed = match prepared.diff {
        Some(diff) => {
            let changes = diff.len();
            zone.journal.push(diff);
            zone.policy = Arc::new(prepared.policy);
            tracing::info!(
                zone = %zone.policy.zone,
                serial = zone.policy.serial,
                rules = zone.policy.rules().len(),
                changed = changes,
                at = %cautery_dga::rfc3339(prepared.at),
                planned_ahead = ahead,
                plan_millis = prepared.millis,
                wait_millis = waited.elapsed().as_millis() as u64,
                "new plan"
            );
            true
        }
        None => {
            tracing::debug!(zone = %zone.policy.zone, serial = zone.policy.serial, "plan unchanged");
            false
        }
    };
    zone.prepared = Some(prepare_in_background(zone, false, zone.due));
    tracing::info!(zone = %zone.policy.zone, at = %cautery_dga::rfc3339(zone.due), "next change");
    Ok(changed)
}

/// Saves a zone's policy and journal on the blocking pool, after the
/// previous save of the zone has finished; off the path from a change to
/// its NOTIFY.
async fn save_in_background(zone: &mut ZoneState) {
    if let Some(previous) = zone.saving.take() {
        let _ = previous.await;
    }
    let files = zone.files.clone();
    let policy = zone.policy.clone();
    let journal = zone.journal.clone();
    zone.saving = Some(tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        match files.save(&policy, &journal) {
            Ok(()) => tracing::info!(
                zone = %policy.zone,
                serial = policy.serial,
                millis = started.elapsed().as_millis() as u64,
                "state saved"
            ),
            Err(error) => tracing::error!(
                "zone {}: cannot save the state, a restart will transfer in full: {error}",
                policy.zone
            ),
        }
    }));
}

/// The planners of the zones served for `section` (one, or one per part),
/// built on the blocking pool (campaign binding reads family files).
async fn planners(section: &ZoneSection) -> Result<Vec<Arc<Planner>>> {
    let section = section.clone();
    let planners = tokio::task::spawn_blocking(move || Planner::for_section(&section))
        .await
        .context("plan task failed")??;
    Ok(planners.into_iter().map(Arc::new).collect())
}

async fn open_zone(
    section: &ZoneSection,
    planner: Arc<Planner>,
    config: &Config,
    at: DateTime<Utc>,
) -> Result<ZoneState> {
    let zone_name = planner.zone().clone();
    let files = StateFiles::new(&config.server.state_dir, &zone_name);
    let limits = journal_limits(config);
    let loaded = files.load(limits)?;
    let (base, journal, first) = match loaded {
        Some((policy, journal)) if policy.zone == zone_name => {
            tracing::info!(zone = %zone_name, serial = policy.serial, rules = policy.rules().len(), "state loaded");
            (policy, journal, false)
        }
        _ => {
            let empty = Policy::new(
                zone_name.clone(),
                0,
                section.soa_fields(),
                Vec::new(),
                0,
                Vec::new(),
            );
            (empty, Journal::new(limits), true)
        }
    };
    let planned = {
        let planner = planner.clone();
        tokio::task::spawn_blocking(move || {
            let prepared = prepare(&planner, None, &base, at);
            prepared.map(|p| (p, base))
        })
        .await
        .context("plan task failed")??
    };
    let (prepared, base) = planned;
    let mut state = ZoneState {
        section: section.clone(),
        planner,
        policy: Arc::new(base),
        journal,
        files,
        due: prepared.valid_until,
        forecast: prepared.forecast.clone(),
        prepared: None,
        saving: None,
    };
    if first {
        // No earlier serial to diff from: the whole policy, no journal entry.
        state.policy = Arc::new(prepared.policy);
        tracing::info!(zone = %zone_name, serial = state.policy.serial, rules = state.policy.rules().len(), "first plan");
    } else if let Some(diff) = prepared.diff {
        tracing::info!(zone = %zone_name, changed = diff.len(), "the plan moved while stopped");
        state.journal.push(diff);
        state.policy = Arc::new(prepared.policy);
    }
    state
        .files
        .save(&state.policy, &state.journal)
        .with_context(|| format!("zone {}", section.name))?;
    state.prepared = Some(prepare_in_background(&state, false, state.due));
    tracing::info!(zone = %zone_name, at = %cautery_dga::rfc3339(state.due), "next change");
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
    // Hold the old state so that its last reference, and the freeing of a
    // whole policy, goes after the NOTIFY and off the lock queries take.
    let old = shared.authority();
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
    tokio::task::spawn_blocking(move || drop(old));
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
        for planner in planners(section).await? {
            metrics.recomputed();
            zones.push(open_zone(section, planner, &config, at).await?);
        }
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
        let due = zones.iter().map(|z| z.due).min();
        let reload = tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = hangup.recv() => true,
            _ = tokio::time::sleep(clock.wait(due)) => false,
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
        if !reload && zones.iter().all(|z| at < z.due) {
            continue;
        }
        let mut changed = vec![false; zones.len()];
        if reload {
            // Zones may have been added, removed or changed.
            let mut next = Vec::new();
            let mut next_changed = Vec::new();
            for section in &config.zone {
                let planners = match planners(section).await {
                    Ok(planners) => planners,
                    Err(error) => {
                        // Keep serving what the section served.
                        metrics.error(cautery_dns::metrics::ErrorKind::Plan);
                        tracing::error!("zone {}: {error:#}; kept as it was", section.name);
                        while let Some(i) = zones
                            .iter()
                            .position(|z| z.section.name.eq_ignore_ascii_case(&section.name))
                        {
                            next.push(zones.remove(i));
                            next_changed.push(false);
                        }
                        continue;
                    }
                };
                for planner in planners {
                    let existing = zones
                        .iter()
                        .position(|z| z.policy.zone == *planner.zone())
                        .map(|i| zones.remove(i));
                    metrics.recomputed();
                    let result = match existing {
                        Some(mut zone) => {
                            let before = (zone.section.clone(), zone.planner.clone());
                            zone.section = section.clone();
                            zone.planner = planner;
                            match update(&mut zone, at, true).await {
                                Ok(c) => Ok((zone, c)),
                                Err(error) => {
                                    // Keep serving its policy, planned as before.
                                    metrics.error(cautery_dns::metrics::ErrorKind::Plan);
                                    tracing::error!(
                                        "zone {}: {error:#}; kept as it was",
                                        zone.policy.zone
                                    );
                                    (zone.section, zone.planner) = before;
                                    zone.due = at + chrono::TimeDelta::seconds(60);
                                    Ok((zone, false))
                                }
                            }
                        }
                        None => open_zone(section, planner, &config, at)
                            .await
                            .map(|z| (z, true)),
                    };
                    match result {
                        Ok((zone, c)) => {
                            next.push(zone);
                            next_changed.push(c);
                        }
                        Err(error) => {
                            metrics.error(cautery_dns::metrics::ErrorKind::Plan);
                            tracing::error!("zone {}: {error:#}", section.name);
                        }
                    }
                }
            }
            changed = next_changed;
            zones = next;
        } else {
            for (zone, changed) in zones.iter_mut().zip(changed.iter_mut()) {
                if at < zone.due {
                    continue;
                }
                metrics.recomputed();
                match update(zone, at, false).await {
                    Ok(c) => *changed = c,
                    Err(error) => {
                        metrics.error(cautery_dns::metrics::ErrorKind::Plan);
                        tracing::error!("zone {}: {error:#}", zone.section.name);
                        // Try again at the next poll rather than spin.
                        zone.due = at + chrono::TimeDelta::seconds(60);
                    }
                }
            }
        }
        let swapped = std::time::Instant::now();
        if let Err(error) = publish(&shared, &config, &zones, &changed) {
            tracing::error!("{error:#}");
        }
        if changed.iter().any(|c| *c) {
            tracing::info!(
                micros = swapped.elapsed().as_micros() as u64,
                "swapped and notified"
            );
        }
        for (zone, changed) in zones.iter_mut().zip(&changed) {
            if *changed {
                save_in_background(zone).await;
            }
        }
    }
    tracing::info!("shutting down");
    let _ = stop.send(true);
    for zone in &mut zones {
        if let Some(saving) = zone.saving.take() {
            let _ = saving.await;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), server.join()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_file_sets_the_time() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("clock");
        std::fs::write(&path, "2030-01-02T03:04:05Z\n").expect("write");
        let now = Clock::File(path).now();
        assert_eq!(now.to_rfc3339(), "2030-01-02T03:04:05+00:00");
    }

    /// The clock file was read whole; a path to a file without end
    /// (/dev/zero reports a size of 0) stalled the scheduler while memory
    /// filled. Now at most 4 KiB are read and the system clock is used.
    #[test]
    fn an_endless_clock_file_falls_back_to_the_system_clock() {
        let zero = PathBuf::from("/dev/zero");
        if !zero.exists() {
            return;
        }
        let before = Utc::now();
        let now = Clock::File(zero).now();
        assert!(now >= before && now <= Utc::now(), "{now}");
    }
}

//! `cautery serve`: the daemon that publishes policy zones as a DNS primary
//! and answers sinkholed names.
//!
//! - [`spec`]: the TOML configuration file as written, with embedded
//!   defaults.
//! - [`runtime`]: the file parsed once into the typed configuration the
//!   units run on; a reload builds a new one and swaps it.
//! - [`center`]: what the units share (runtime configuration, metrics
//!   registry, DNS state, clock, stop signal) and how a unit runs.
//! - [`units`]: publisher (planning and scheduling), DNS, connection
//!   sinkhole, event store writer, HTTP (API, console, metrics).
//! - [`clock`], [`metrics`]: the only clock, the metrics registry.
//!
//! Order of start: configuration; every socket bound (DNS, sinkhole
//! listeners, metrics), so that a taken address fails before anything is
//! read or written; the state directory locked ([`lock`]: a second daemon
//! on it is refused, naming the holder's pid); state loaded and first
//! plans; event store; query log; serving; scheduler, which saves the state
//! once everything runs. SIGTERM and SIGINT stop every unit
//! together; SIGHUP rereads the configuration file, builds a new runtime
//! configuration and swaps it in, and every unit reloads from it; a file
//! that does not load leaves the running configuration in force.

pub mod center;
pub mod clock;
pub mod lock;
pub mod metrics;
pub mod runtime;
pub mod spec;
pub mod units;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use cautery_dns::Shared;
use tokio::signal::unix::{signal, SignalKind};

use self::center::Center;
use self::clock::Clock;
use self::metrics::Registry;
use self::runtime::Runtime;
use self::spec::Config;
use self::units::publisher::Publisher;
use crate::cli::ServeArgs;
use crate::Outcome;

/// Runs `cautery serve`.
pub fn run(args: &ServeArgs) -> Result<Outcome> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::embedded(),
    };
    init_tracing();
    let clock = match &args.clock_file {
        Some(path) => Clock::file(path.clone()),
        None => Clock::System,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, args.config.clone(), clock))?;
    Ok(Outcome::Success)
}

pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAUTERY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Builds the runtime configuration on the blocking pool: it reads campaign
/// and allow-list files and binds families.
async fn build(config: Config) -> Result<Runtime> {
    tokio::task::spawn_blocking(move || Runtime::build(config))
        .await
        .context("configuration task failed")?
}

/// The configuration file again, or the embedded defaults.
async fn reread(path: Option<PathBuf>) -> Result<Runtime> {
    let config = match path {
        Some(path) => tokio::task::spawn_blocking(move || Config::load(&path))
            .await
            .context("configuration task failed")??,
        None => {
            tracing::info!("SIGHUP: no config file; recomputing plans");
            Config::embedded()
        }
    };
    build(config).await
}

/// Rereads the configuration and swaps it in (SIGHUP, or the HTTP API's
/// reload and allow-list writes); a file that does not load leaves the
/// running configuration in force.
pub async fn reload(center: &Center) -> Result<()> {
    let result = reread(center.config_path.clone())
        .await
        .and_then(|runtime| runtime.check_memory(center.clock.now()).map(|()| runtime));
    match result {
        Ok(runtime) => {
            center.reload(runtime);
            tracing::info!("configuration reloaded");
            Ok(())
        }
        Err(error) => {
            center.metrics.plan_error();
            Err(error)
        }
    }
}

async fn serve(config: Config, path: Option<PathBuf>, clock: Clock) -> Result<()> {
    let runtime = Arc::new(build(config).await?);
    runtime.check_memory(clock.now())?;
    // Every address first: a daemon that cannot listen must not have
    // touched the state of one that runs.
    let dns_sockets = units::dns::bind(&runtime).await?;
    let sinkhole_listeners = units::sinkhole::bind(&runtime).await?;
    let http_listeners = units::http::bind(&runtime).await?;
    let dnstap_listeners = units::collector::bind(&runtime).await?;
    let lock = lock::StateLock::acquire(&runtime.spec.server.state_dir)?;
    tracing::debug!(lock = %lock.path().display(), "state directory locked");
    let metrics = Arc::new(Registry::default());
    let publisher = Publisher::open(runtime.clone(), &metrics, clock.now()).await?;
    let dns = Arc::new(Shared::new(
        publisher.authority(),
        metrics.dns.clone(),
        runtime.rrl,
    ));
    let center = Arc::new(Center::new(runtime, clock, metrics, dns, path));
    let events = units::events::start(&center)?;
    let sink = events.as_ref().map(|(sink, _)| sink.clone());
    let mut units = vec![units::dns::start(center.clone(), sink.clone(), dns_sockets).await?];
    units.extend(units::collector::start(
        center.clone(),
        sink.clone(),
        dnstap_listeners,
    ));
    units.extend(units::sinkhole::start(center.clone(), sink, sinkhole_listeners).await?);
    units.extend(units::http::start(center.clone(), http_listeners));
    units.push(units::reports::start(center.clone()));
    units.push(units::monitor::start(center.clone()));
    units.push(publisher.run(center.clone()));
    // Last, so that it writes what the others sent before they stopped.
    units.extend(events.map(|(_, unit)| unit));

    let mut terminate = signal(SignalKind::terminate()).context("cannot catch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot catch SIGINT")?;
    let mut hangup = signal(SignalKind::hangup()).context("cannot catch SIGHUP")?;
    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = hangup.recv() => {
                if let Err(error) = reload(&center).await {
                    tracing::error!("reload failed, keeping the running configuration: {error:#}");
                }
            }
        }
    }
    tracing::info!("shutting down");
    center.stop();
    for unit in units {
        unit.join(Duration::from_secs(30)).await;
    }
    Ok(())
}

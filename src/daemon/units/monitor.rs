//! The monitor unit: the registration watch of `[monitor]`, one cycle every
//! `interval` by the daemon's clock (so tests move time with a clock file).
//! A cycle is one `cautery monitor check` per campaign, with the section's
//! sources (zone files, DNS, RDAP) and sinks, at the clock's instant, on the
//! blocking pool; its state and the health of each source are kept in the
//! monitor's SQLite tables. After each cycle the metrics registry takes the
//! health of every source (`cautery_monitor_last_good_cycle_seconds` and
//! friends).
//!
//! `cautery monitor --config FILE` runs the same cycles without the rest of
//! the daemon ([`run_alone`]).
//!
//! The state is `[monitor] state` (a SQLite file under the state directory,
//! or a `postgres://` URL), else the event store's: its SQLite file or its
//! PostgreSQL database.
//!
//! Each cycle runs on a thread of its own, watched by the daemon's clock: a
//! cycle still running after twice the interval (a source hangs) or one that
//! took that long is a `health` alert about the source `monitor:cycle`
//! through the sinks, once, repeated every re-notify period while it lasts,
//! cleared (`recovered`) by the next cycle that finishes in time.
//!
//! A reload never waits for a cycle: when it changes the monitor's settings,
//! the running cycle is given up (its checks stop at their next step without
//! recording or alerting anything more) and a cycle with the new settings
//! starts at once; when it leaves them as they were, the running cycle goes
//! on and the next one starts as soon as it ends.
//!
//! Known limitations: a cycle that takes longer than the interval delays the
//! next one (cycles do not overlap, but for a given-up cycle blocked in a read,
//! which ends that read before it stops, and keeps its memory until then);
//! stopping gives up on a cycle (its thread dies with the process); a reload
//! that changes only the content of a campaign file (not the settings) takes
//! effect from the next cycle.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use cautery_monitor::SourceHealth;
use chrono::{DateTime, TimeDelta, Utc};

use crate::cli::{HealthArgs, MonitorCheckArgs, PlanFormat};
use crate::commands::monitor::{check_until, record_cycle, record_source, CycleWatch};
use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::clock::Clock;
use crate::daemon::runtime::{EventsConfig, StoreLocation};
use crate::daemon::spec::Config;
use crate::Outcome;

/// The `[monitor]` section, checked, with its paths resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorSettings {
    /// Between two cycles.
    pub interval: TimeDelta,
    /// The SQLite state.
    pub state: PathBuf,
    /// One check per campaign (`at` is set per cycle).
    pub checks: Vec<MonitorCheckArgs>,
    /// The public-data seed archive.
    pub seed_archive: PathBuf,
    /// Inputs that must stay fresh: source, longest age.
    pub seed_inputs: Vec<(String, TimeDelta)>,
}

impl MonitorSettings {
    /// The monitor of a configuration file; `None` when it names no campaign.
    pub fn of(spec: &Config) -> Result<Option<MonitorSettings>> {
        let section = &spec.monitor;
        if section.campaigns.is_empty() {
            return Ok(None);
        }
        if section.interval == 0 || section.interval > 7 * 86_400 {
            bail!(
                "[monitor] interval = {}: give the seconds between cycles, 1 to 604800",
                section.interval
            );
        }
        if section.zone_files.is_empty() && section.dns.is_empty() {
            bail!("[monitor] has campaigns but no source: give zone-files or dns");
        }
        let under_base = |text: &str| spec.base.join(text);
        let optional = |text: &str| (!text.is_empty()).then(|| under_base(text));
        let state = if section.state.starts_with("postgres://")
            || section.state.starts_with("postgresql://")
        {
            PathBuf::from(&section.state)
        } else if !section.state.is_empty() {
            spec.server.state_dir.join(&section.state)
        } else {
            match EventsConfig::of(spec).map(|events| events.store) {
                Some(StoreLocation::Sqlite(path)) => path,
                Some(StoreLocation::Postgres(url)) => PathBuf::from(url),
                None => bail!(
                    "[monitor] state is empty and [events] store is off: set [monitor] state = \
                     \"monitor.sqlite\""
                ),
            }
        };
        let mail = if section.mail_to.is_empty() {
            None
        } else {
            Some(
                crate::mail::MailSettings::of(spec)
                    .context("[monitor] mail-to needs [mail] (smtp, from)")?,
            )
        };
        let mut seed_inputs = Vec::new();
        for text in &section.seed_inputs {
            let parsed = text
                .split_once('=')
                .and_then(|(source, hours)| {
                    Some((source.trim(), hours.trim().parse::<u32>().ok()?))
                })
                .filter(|(source, hours)| !source.is_empty() && *hours > 0);
            let Some((source, hours)) = parsed else {
                bail!(
                    "[monitor] seed-inputs: {text:?}: write SOURCE=HOURS, e.g. \"bedep=72\" \
                     (the source's name as `cautery seed list` shows it)"
                );
            };
            seed_inputs.push((source.to_owned(), TimeDelta::hours(i64::from(hours))));
        }
        let interval_minutes = section.interval.div_ceil(60).min(u64::from(u32::MAX)) as u32;
        let checks = section
            .campaigns
            .iter()
            .enumerate()
            .map(|(position, campaign)| MonitorCheckArgs {
                campaign: path_text(&under_base(campaign)),
                zone_file: section
                    .zone_files
                    .iter()
                    .map(|f| path_text(&under_base(f)))
                    .collect(),
                origin: None,
                dns: section.dns.clone(),
                dns_concurrency: section.dns_concurrency,
                dns_interval_ms: section.dns_interval_ms,
                dns_timeout_ms: section.dns_timeout_ms,
                dns_attempts: section.dns_attempts,
                at: None,
                format: PlanFormat::Plain,
                state: Some(state.clone()),
                alerts: false,
                webhook: (!section.webhook.is_empty()).then(|| section.webhook.clone()),
                webhook_secret_file: optional(&section.webhook_secret_file),
                webhook_chat: section.webhook_chat,
                registry_requests: optional(&section.registry_requests),
                syslog: (!section.syslog.is_empty()).then(|| section.syslog.clone()),
                held_ns: section.held_ns.clone(),
                renotify_days: section.renotify_days,
                rdap_bootstrap: optional(&section.rdap_bootstrap),
                rdap_interval_ms: section.rdap_interval_ms,
                expiry_warn_days: section.expiry_warn_days,
                data_dir: Some(under_base(&section.seed_archive)),
                mail_to: section.mail_to.clone(),
                mail: mail.clone(),
                // The held names outside every plan are watched once a cycle.
                plan_only: position > 0,
                health: HealthArgs {
                    interval_minutes,
                    max_failures: section.max_failures,
                    zone_max_age_hours: section.zone_max_age_hours,
                },
            })
            .collect();
        Ok(Some(MonitorSettings {
            interval: TimeDelta::seconds(section.interval as i64),
            state,
            checks,
            seed_archive: under_base(&section.seed_archive),
            seed_inputs,
        }))
    }
}

/// The sinks of `[monitor]` (webhook, syslog, mail-to), through which
/// `[detect] alert` sends the live findings; an error when none is set.
pub fn section_sinks(spec: &Config) -> Result<crate::commands::monitor::Sinks> {
    let section = &spec.monitor;
    let mail = if section.mail_to.is_empty() {
        None
    } else {
        Some(
            crate::mail::MailSettings::of(spec)
                .context("[monitor] mail-to needs [mail] (smtp, from)")?,
        )
    };
    let settings = crate::commands::monitor::SinkSettings {
        stdout: false,
        webhook: (!section.webhook.is_empty()).then(|| section.webhook.clone()),
        webhook_secret_file: (!section.webhook_secret_file.is_empty())
            .then(|| spec.base.join(&section.webhook_secret_file)),
        webhook_chat: section.webhook_chat,
        syslog: (!section.syslog.is_empty()).then(|| section.syslog.clone()),
        mail,
        mail_to: section.mail_to.clone(),
    };
    let sinks = crate::commands::monitor::Sinks::new(&settings).context("[monitor] sinks")?;
    if sinks.is_empty() {
        bail!(
            "[detect] alert = true sends findings through the sinks of [monitor]: set [monitor] \
             webhook, syslog or mail-to"
        );
    }
    Ok(sinks)
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Runs one cycle at `at`: every campaign's check, up to the step at which
/// `given_up` turns true. True when all ran whole.
pub fn cycle(settings: &MonitorSettings, at: DateTime<Utc>, given_up: &dyn Fn() -> bool) -> bool {
    let location = settings.state.to_string_lossy();
    let is_url = location.starts_with("postgres://") || location.starts_with("postgresql://");
    if let Some(folder) = settings.state.parent().filter(|_| !is_url) {
        if let Err(error) = std::fs::create_dir_all(folder) {
            tracing::error!("monitor state folder {}: {error}", folder.display());
            return false;
        }
    }
    let mut whole = true;
    for check in &settings.checks {
        if given_up() {
            tracing::info!(at = %at.to_rfc3339(), "monitor cycle given up after a reload");
            return false;
        }
        let mut args = check.clone();
        args.at = Some(at.to_rfc3339());
        if let Err(error) = check_until(&args, &mut std::io::sink(), given_up) {
            tracing::error!(campaign = %args.campaign, "monitor cycle: {error:#}");
            whole = false;
        }
    }
    if given_up() {
        tracing::info!(at = %at.to_rfc3339(), "monitor cycle given up after a reload");
        return false;
    }
    if !check_seed_inputs(settings, at) {
        whole = false;
    }
    tracing::info!(at = %at.to_rfc3339(), whole, "monitor cycle done");
    whole
}

/// Runs one cycle at the clock's instant on a thread of its own and watches
/// it: while it runs past twice the interval (a source hangs) and when it
/// ends, its health goes to [`record_cycle`], which alerts through the
/// sinks. `refresh` runs after each health record (the unit refreshes the
/// metrics). `None` when `stop` said to stop, or `give_up` turned true, while
/// the cycle was still running: its thread is left to end (a given-up cycle
/// stops at its next step) or to die with the process.
pub fn watched_cycle(
    settings: &MonitorSettings,
    clock: &Clock,
    watch: &mut CycleWatch,
    stop: &dyn Fn() -> bool,
    give_up: &Arc<AtomicBool>,
    refresh: &dyn Fn(),
) -> Option<bool> {
    let started = clock.now();
    tracing::info!(at = %started.to_rfc3339(), "monitor cycle started");
    let (done, finished) = std::sync::mpsc::channel();
    let owned = settings.clone();
    let given_up = give_up.clone();
    let spawned = std::thread::Builder::new()
        .name("monitor-cycle".into())
        .spawn(move || {
            let given_up = || given_up.load(Ordering::SeqCst);
            let _ = done.send(cycle(&owned, started, &given_up));
        });
    if let Err(error) = spawned {
        tracing::error!("monitor: cannot start a cycle thread: {error}");
        return Some(false);
    }
    let note = |watch: &mut CycleWatch, finished: bool, now: DateTime<Utc>| {
        let Some(args) = settings.checks.first() else {
            return;
        };
        if let Err(error) = record_cycle(args, watch, settings.interval, started, finished, now) {
            tracing::error!("monitor: the cycle's health: {error:#}");
        }
        refresh();
    };
    loop {
        let wait = clock
            .wait(Some(started + settings.interval * 2))
            .clamp(Duration::from_millis(100), Duration::from_secs(1));
        match finished.recv_timeout(wait) {
            Ok(whole) => {
                note(watch, true, clock.now());
                return Some(whole);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if stop() || give_up.load(Ordering::SeqCst) {
                    return None;
                }
                let now = clock.now();
                if now - started > settings.interval * 2 {
                    note(watch, false, now);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                tracing::error!("monitor: the cycle thread died");
                note(watch, true, clock.now());
                return Some(false);
            }
        }
    }
}

/// Whether each expected public-data input was fetched recently enough:
/// one source `seed-input:SOURCE` each, failing while its newest archived
/// fetch is older than allowed (so a stopped seed watch is alerted like a
/// stopped source). True when all are fresh.
fn check_seed_inputs(settings: &MonitorSettings, at: DateTime<Utc>) -> bool {
    let (Some(args), false) = (settings.checks.first(), settings.seed_inputs.is_empty()) else {
        return true;
    };
    let records = cautery_seeds::Archive::open(&settings.seed_archive)
        .and_then(|archive| archive.records())
        .map_err(|error| format!("seed archive {}: {error}", settings.seed_archive.display()));
    let mut fresh = true;
    for (source, max_age) in &settings.seed_inputs {
        let outcome = match &records {
            Err(error) => Err(error.clone()),
            Ok(records) => match records.iter().filter(|r| &r.source == source).map(|r| r.fetched_at).max() {
                None => Err(format!(
                    "no input of {source} in the seed archive {}; run `cautery seed fetch {source}` \
                     (or the seed watch) with that data folder",
                    settings.seed_archive.display()
                )),
                Some(newest) if at - newest > *max_age => Err(format!(
                    "stale: the newest input of {source} was fetched {}, more than {} hours before",
                    newest.to_rfc3339(),
                    max_age.num_hours()
                )),
                Some(newest) => Ok(Some(newest)),
            },
        };
        fresh &= outcome.is_ok();
        // The fetch time is not the data time of the zone-file rule (its own limit applies).
        let outcome = outcome.map(|_| None);
        if let Err(error) = record_source(args, &format!("seed-input:{source}"), at, outcome) {
            tracing::error!("monitor state: {error:#}");
            fresh = false;
        }
    }
    fresh
}

/// The health of every source the state knows.
fn sources(settings: &MonitorSettings) -> Vec<SourceHealth> {
    cautery_monitor::open_state(&settings.state.to_string_lossy())
        .and_then(|mut store| store.sources())
        .unwrap_or_else(|error| {
            tracing::error!("monitor state {}: {error}", settings.state.display());
            Vec::new()
        })
}

/// Starts the unit; it idles while `[monitor]` names no campaign.
pub fn start(center: Arc<Center>) -> Unit {
    Unit::spawn("monitor", async move {
        let mut reloads = center.reloads();
        let mut next: Option<DateTime<Utc>> = None;
        let mut watch = CycleWatch::default();
        loop {
            let runtime = center.runtime();
            let now = center.clock.now();
            if let Some(settings) = runtime.monitor.clone() {
                if next.is_none_or(|due| now >= due) {
                    let interval = settings.interval;
                    let metrics = center.metrics.clone();
                    let clock = center.clock.clone();
                    let stopping = center.stopping();
                    let mut cycle_watch = std::mem::take(&mut watch);
                    let give_up = Arc::new(AtomicBool::new(false));
                    let running = settings.clone();
                    let flag = give_up.clone();
                    let mut task = tokio::task::spawn_blocking(move || {
                        let stop = || *stopping.borrow();
                        let refresh = || metrics.set_health(&sources(&settings));
                        let whole = watched_cycle(
                            &settings,
                            &clock,
                            &mut cycle_watch,
                            &stop,
                            &flag,
                            &refresh,
                        );
                        if let Some(whole) = whole {
                            metrics.set_monitor(whole, &sources(&settings));
                        }
                        (whole, cycle_watch)
                    });
                    // Reloads are followed while the cycle runs, so that one
                    // that changes the settings never waits for it.
                    let mut reloaded = false;
                    let joined = loop {
                        tokio::select! {
                            joined = &mut task => break joined,
                            changed = reloads.changed(), if !give_up.load(Ordering::SeqCst) => {
                                reloaded = true;
                                let same = changed.is_ok()
                                    && center.runtime().monitor.as_deref() == Some(&*running);
                                if !same {
                                    tracing::info!(
                                        "monitor: the configuration changed; giving up the \
                                         running cycle and starting one with the new settings"
                                    );
                                    give_up.store(true, Ordering::SeqCst);
                                }
                            }
                        }
                    };
                    let (whole, returned) = joined.unwrap_or((Some(false), CycleWatch::default()));
                    watch = returned;
                    if whole.is_none() && !give_up.load(Ordering::SeqCst) {
                        // Stopping.
                        break;
                    }
                    if reloaded {
                        // A new configuration: check with it now.
                        next = None;
                        continue;
                    }
                    let Some(whole) = whole else { break };
                    tracing::debug!(whole, "monitor cycle");
                    next = Some(now + interval);
                }
            }
            let wait = center
                .clock
                .wait(next.or(Some(now + TimeDelta::seconds(30))));
            tokio::select! {
                _ = stopped(center.stopping()) => break,
                _ = tokio::time::sleep(wait.max(Duration::from_millis(100))) => {}
                changed = reloads.changed() => {
                    if changed.is_err() { break }
                    // A new configuration: check with it now.
                    next = None;
                }
            }
        }
    })
}

/// `cautery monitor --config FILE [--once]`: the unit's cycles alone.
pub fn run_alone(config: &Path, once: bool, clock_file: Option<PathBuf>) -> Result<Outcome> {
    let spec = Config::load(config)?;
    let Some(settings) =
        MonitorSettings::of(&spec).with_context(|| format!("config {}", config.display()))?
    else {
        bail!(
            "{} has no [monitor] campaigns: name the campaign files to watch",
            config.display()
        );
    };
    crate::daemon::init_tracing();
    let clock = match clock_file {
        Some(path) => Clock::file(path),
        None => Clock::System,
    };
    let mut next = clock.now();
    let mut watch = CycleWatch::default();
    loop {
        let now = clock.now();
        if now >= next {
            let never = Arc::new(AtomicBool::new(false));
            let whole = watched_cycle(&settings, &clock, &mut watch, &|| false, &never, &|| {})
                .unwrap_or(false);
            if once {
                if !whole {
                    bail!(
                        "the monitor cycle did not read every source whole; the log above says why"
                    );
                }
                return Ok(Outcome::Success);
            }
            next = now + settings.interval;
        }
        std::thread::sleep(clock.wait(Some(next)).max(Duration::from_millis(100)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Result<Option<MonitorSettings>> {
        MonitorSettings::of(&Config::parse(&format!("version = 1\n{text}"))?)
    }

    #[test]
    fn the_monitor_is_off_without_campaigns_and_its_mistakes_name_the_key() {
        assert!(settings("").unwrap().is_none());
        for (text, expected) in [
            ("[monitor]\ncampaigns = [\"c.toml\"]\n", "no source"),
            (
                "[monitor]\ncampaigns = [\"c.toml\"]\ndns = [\"test=127.0.0.1\"]\ninterval = 0\n",
                "[monitor] interval = 0",
            ),
            (
                "[events]\nstore = \"\"\n[monitor]\ncampaigns = [\"c.toml\"]\n\
                 dns = [\"test=127.0.0.1\"]\n",
                "set [monitor] state",
            ),
        ] {
            let error = format!("{:#}", settings(text).unwrap_err());
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn the_state_defaults_to_the_event_stores_sqlite_file_and_minutes_round_up() {
        let monitor = settings(
            "[server]\nstate-dir = \"/var/lib/cautery\"\n[monitor]\ncampaigns = [\"c.toml\"]\n\
             dns = [\"test=127.0.0.1\"]\ninterval = 90\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            monitor.state,
            PathBuf::from("/var/lib/cautery/events.sqlite")
        );
        assert_eq!(monitor.interval, TimeDelta::seconds(90));
        assert_eq!(monitor.checks.len(), 1);
        assert_eq!(monitor.checks[0].health.interval_minutes, 2);
    }
}

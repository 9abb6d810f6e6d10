//! The publisher unit: keeps every policy zone at its plan. It loads the
//! saved state, makes the first plans, and follows each zone's plan at every
//! instant where it changes (a window of one of its families starts or
//! ends, shifted by the horizon; see crates/zone's `forecast`) and on every
//! reload of the configuration, then swaps the served state, sends NOTIFY
//! and saves the state files.
//!
//! The policy at the next change and its difference from the served one are
//! computed in the background as soon as a change is published, and the
//! family generators run about once a day for a whole day ahead; so at the
//! change the unit only swaps the served state and sends NOTIFY, then saves
//! the state files in the background.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use cautery_dns::notify::notify_all;
use cautery_dns::{Authority, Journal, Policy, PolicyDiff, ServedZone, StateFiles};
use cautery_policy::{serial, DomainName};
use cautery_zone::{Forecast, ForecastReport, ZonePlanner, FORECAST_SPAN};
use chrono::{DateTime, Utc};

use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::metrics::Registry;
use crate::daemon::runtime::Runtime;

/// One served zone's live state.
struct ZoneState {
    /// The `[[zone]]` it belongs to (a part's section).
    section: DomainName,
    planner: Arc<ZonePlanner>,
    policy: Arc<Policy>,
    journal: Journal,
    files: StateFiles,
    /// The stretch of time planned, holding the policy in force.
    forecast: Arc<Forecast>,
    /// The next instant at which the policy may change.
    due: DateTime<Utc>,
    /// The policy at `due`, diffed against `policy`, computed in the
    /// background as soon as the previous change was published, so that at
    /// `due` the unit only swaps, notifies and saves.
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

/// Logs what the gate kept out of a new forecast, one line per campaign.
fn log_reports(zone: &DomainName, reports: &[ForecastReport]) {
    for report in reports {
        if let Some((example, list, entry)) = &report.kept_out_example {
            tracing::warn!(
                zone = %zone,
                campaign = %report.campaign,
                kept_out = report.kept_out,
                example = %example,
                list = %list,
                entry = %entry,
                "predicted names kept out of the policy by the allow-list"
            );
        }
        if let Some((example, error)) = &report.rejected_example {
            tracing::warn!(
                zone = %zone,
                campaign = %report.campaign,
                rejected = report.rejected,
                example = %example,
                error = %error,
                "predicted names that cannot be written under the zone are left out"
            );
        }
    }
}

/// The policy at `at` on top of `base`, from `forecast` when it covers `at`
/// or else from a forecast of the zone covering `at`. Blocking: run it off
/// the async threads.
fn prepare(
    planner: &ZonePlanner,
    forecast: Option<Arc<Forecast>>,
    base: &Policy,
    at: DateTime<Utc>,
) -> Result<Prepared> {
    let started = std::time::Instant::now();
    let forecast = match forecast.filter(|f| f.covers(at)) {
        Some(forecast) => forecast,
        None => {
            let (forecast, fresh) = planner.forecast_covering(at, FORECAST_SPAN)?;
            if fresh {
                log_reports(planner.zone(), &forecast.reports);
            }
            forecast
        }
    };
    let policy = planner.policy_in(&forecast, at, serial::next(Some(base.serial), at));
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

/// Loads a served zone's saved state and brings it to its plan at `at`.
async fn open_zone(
    section: &DomainName,
    planner: Arc<ZonePlanner>,
    runtime: &Runtime,
    at: DateTime<Utc>,
) -> Result<ZoneState> {
    let zone_name = planner.zone().clone();
    let files = StateFiles::new(&runtime.spec.server.state_dir, &zone_name);
    let limits = runtime.journal;
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
                cautery_policy::Soa::default(),
                Vec::new(),
                0,
                Vec::new(),
            );
            (empty, Journal::new(limits), true)
        }
    };
    let (prepared, base) = {
        let planner = planner.clone();
        tokio::task::spawn_blocking(move || {
            let prepared = prepare(&planner, None, &base, at);
            prepared.map(|p| (p, base))
        })
        .await
        .context("plan task failed")??
    };
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
    state.prepared = Some(prepare_in_background(&state, false, state.due));
    tracing::info!(zone = %zone_name, at = %cautery_dga::rfc3339(state.due), "next change");
    Ok(state)
}

/// The publisher: every served zone's state.
pub struct Publisher {
    zones: Vec<ZoneState>,
    runtime: Arc<Runtime>,
}

impl Publisher {
    /// Loads every zone's state and makes its first plan at `at`.
    pub async fn open(
        runtime: Arc<Runtime>,
        metrics: &Registry,
        at: DateTime<Utc>,
    ) -> Result<Publisher> {
        let mut zones = Vec::new();
        for zone in &runtime.zones {
            for planner in &zone.planners {
                metrics.recomputed();
                zones.push(open_zone(&zone.name, planner.clone(), &runtime, at).await?);
            }
        }
        Ok(Publisher { zones, runtime })
    }

    /// The DNS state to serve: every zone's policy and journal, with the
    /// runtime configuration's access rules and sinkhole apex.
    pub fn authority(&self) -> Authority {
        Authority {
            zones: self
                .zones
                .iter()
                .map(|z| ServedZone::new(z.policy.clone(), Arc::new(z.journal.clone())))
                .collect(),
            access: self.runtime.access.clone(),
            sinkhole: self.runtime.sinkhole.clone(),
            cookie_secret: Some(self.runtime.cookie_secret),
            condense_ixfr: self.runtime.spec.transfer.ixfr_condense,
        }
    }

    /// Swaps the served state and notifies the secondaries of the zones
    /// that `changed`.
    fn publish(&self, center: &Center, changed: &[bool]) {
        // Hold the old state so that its last reference, and the freeing of
        // a whole policy, goes after the NOTIFY and off the lock queries
        // take.
        let old = center.dns.authority();
        center.dns.swap(self.authority());
        for (zone, changed) in self.zones.iter().zip(changed) {
            center.metrics.set_zone(
                &zone.policy.zone,
                zone.policy.serial,
                zone.policy.rules().len(),
            );
            center.metrics.set_zone_times(
                &zone.policy.zone,
                *changed,
                center.clock.now(),
                zone.due,
            );
            if *changed && !self.runtime.notify.is_empty() {
                tokio::spawn(notify_all(
                    zone.policy.clone(),
                    self.runtime.notify.clone(),
                    center.metrics.dns.clone(),
                ));
            }
        }
        tokio::task::spawn_blocking(move || drop(old));
    }

    /// Plans every zone again from a new runtime configuration: zones may
    /// have been added, removed or changed. A zone whose plan fails keeps
    /// serving what it served. Returns which zones changed.
    async fn reload(
        &mut self,
        center: &Center,
        runtime: Arc<Runtime>,
        at: DateTime<Utc>,
    ) -> Vec<bool> {
        let mut old = std::mem::take(&mut self.zones);
        let mut next = Vec::new();
        let mut changed = Vec::new();
        for zone in &runtime.zones {
            for planner in &zone.planners {
                let existing = old
                    .iter()
                    .position(|z| z.policy.zone == *planner.zone())
                    .map(|i| old.remove(i));
                center.metrics.recomputed();
                let result = match existing {
                    Some(mut state) => {
                        let before = state.planner.clone();
                        state.section = zone.name.clone();
                        state.planner = planner.clone();
                        match update(&mut state, at, true).await {
                            Ok(c) => Ok((state, c)),
                            Err(error) => {
                                // Keep serving its policy, planned as before.
                                center.metrics.plan_error();
                                tracing::error!(
                                    "zone {}: {error:#}; kept as it was",
                                    state.policy.zone
                                );
                                state.planner = before;
                                state.due = at + chrono::TimeDelta::seconds(60);
                                Ok((state, false))
                            }
                        }
                    }
                    None => open_zone(&zone.name, planner.clone(), &runtime, at)
                        .await
                        .map(|z| (z, true)),
                };
                match result {
                    Ok((state, c)) => {
                        next.push(state);
                        changed.push(c);
                    }
                    Err(error) => {
                        center.metrics.plan_error();
                        tracing::error!("zone {}: {error:#}", zone.name);
                    }
                }
            }
        }
        for state in old {
            tracing::info!(zone = %state.policy.zone, section = %state.section, "no longer served");
        }
        self.zones = next;
        self.runtime = runtime;
        changed
    }

    /// Brings every zone whose change is due to its plan at `at`.
    async fn follow(&mut self, center: &Center, at: DateTime<Utc>) -> Vec<bool> {
        let mut changed = vec![false; self.zones.len()];
        for (zone, changed) in self.zones.iter_mut().zip(changed.iter_mut()) {
            if at < zone.due {
                continue;
            }
            center.metrics.recomputed();
            match update(zone, at, false).await {
                Ok(c) => *changed = c,
                Err(error) => {
                    center.metrics.plan_error();
                    tracing::error!("zone {}: {error:#}", zone.policy.zone);
                    // Try again at the next poll rather than spin.
                    zone.due = at + chrono::TimeDelta::seconds(60);
                }
            }
        }
        changed
    }

    /// Runs the unit: publishes the first plans, then follows the clock and
    /// the reloads until the center stops.
    pub fn run(mut self, center: Arc<Center>) -> Unit {
        Unit::spawn("publisher", async move {
            self.publish(&center, &vec![true; self.zones.len()]);
            center.metrics.set_ready();
            // The state is written only now that every unit runs: a daemon
            // that failed to start has written nothing.
            for zone in &mut self.zones {
                save_in_background(zone).await;
            }
            let mut reloads = center.reloads();
            reloads.borrow_and_update();
            let stopping = center.stopping();
            loop {
                let due = self.zones.iter().map(|z| z.due).min();
                let reload = tokio::select! {
                    _ = stopped(stopping.clone()) => break,
                    changed = reloads.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        true
                    }
                    _ = tokio::time::sleep(center.clock.wait(due)) => false,
                };
                let at = center.clock.now();
                let changed = if reload {
                    let runtime = reloads.borrow_and_update().clone();
                    self.reload(&center, runtime, at).await
                } else if self.zones.iter().all(|z| at < z.due) {
                    continue;
                } else {
                    self.follow(&center, at).await
                };
                let swapped = std::time::Instant::now();
                self.publish(&center, &changed);
                if changed.iter().any(|c| *c) {
                    tracing::info!(
                        micros = swapped.elapsed().as_micros() as u64,
                        "swapped and notified"
                    );
                }
                for (zone, changed) in self.zones.iter_mut().zip(&changed) {
                    if *changed {
                        save_in_background(zone).await;
                    }
                }
            }
            for zone in &mut self.zones {
                if let Some(saving) = zone.saving.take() {
                    let _ = tokio::time::timeout(Duration::from_secs(30), saving).await;
                }
            }
        })
    }
}

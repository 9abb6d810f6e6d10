//! The center of the daemon: what the units share. It owns the runtime
//! configuration (swapped whole on reload), the metrics registry, the DNS
//! state that the publisher swaps and the DNS service answers from, the
//! clock, and the stop signal. Units are started, reloaded and stopped the
//! same way: each runs as one task that watches the runtime configuration
//! and the stop signal of the center ([`Unit`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cautery_dns::Shared;
use cautery_events::Attribution;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::clock::Clock;
use super::metrics::Registry;
use super::runtime::Runtime;

/// The state the units share.
pub struct Center {
    /// Where the scheduler reads the time.
    pub clock: Clock,
    /// The metrics registry.
    pub metrics: Arc<Registry>,
    /// The DNS state: policy zones, journals, access, sinkhole apex.
    pub dns: Arc<Shared>,
    /// The configuration file, if any (else the embedded defaults).
    pub config_path: Option<PathBuf>,
    runtime: watch::Sender<Arc<Runtime>>,
    stop: watch::Sender<bool>,
}

impl Center {
    /// A center running `runtime`.
    pub fn new(
        runtime: Arc<Runtime>,
        clock: Clock,
        metrics: Arc<Registry>,
        dns: Arc<Shared>,
        config_path: Option<PathBuf>,
    ) -> Center {
        Center {
            clock,
            metrics,
            dns,
            config_path,
            runtime: watch::channel(runtime).0,
            stop: watch::channel(false).0,
        }
    }

    /// The runtime configuration in force.
    pub fn runtime(&self) -> Arc<Runtime> {
        self.runtime.borrow().clone()
    }

    /// Follows the runtime configuration: a unit reloads when it changes.
    pub fn reloads(&self) -> watch::Receiver<Arc<Runtime>> {
        self.runtime.subscribe()
    }

    /// Swaps in a new runtime configuration; every unit reloads.
    pub fn reload(&self, runtime: Runtime) {
        self.runtime.send_replace(Arc::new(runtime));
    }

    /// The stop signal: turns true once, when the daemon stops.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Tells every unit to stop.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// The prediction behind `name` at this instant: the rule of a served
    /// policy zone that covers it, with the zone's campaign as the tag.
    pub fn attribute(&self, name: &str) -> Option<Attribution> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let authority = self.dns.authority();
        let runtime = self.runtime();
        authority.zones.iter().find_map(|zone| {
            let (rule, exact) = zone.policy.covering_rule(&name)?;
            if !exact && !rule.subdomains {
                return None;
            }
            let provenance = rule.provenance.as_deref()?.clone();
            Some(Attribution {
                provenance,
                campaign: runtime.tag_of(&zone.policy.zone),
            })
        })
    }
}

/// A running unit: one job of the daemon, as one task.
pub struct Unit {
    /// The unit's name, for logs.
    pub name: &'static str,
    task: JoinHandle<()>,
}

impl Unit {
    /// Runs `job` as the unit `name`.
    pub fn spawn(
        name: &'static str,
        job: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Unit {
        tracing::debug!(unit = name, "started");
        Unit {
            name,
            task: tokio::spawn(job),
        }
    }

    /// Waits for the unit to finish after a stop, at most `limit`.
    pub async fn join(self, limit: Duration) {
        match tokio::time::timeout(limit, self.task).await {
            Ok(Ok(())) => tracing::debug!(unit = self.name, "stopped"),
            Ok(Err(error)) => tracing::error!(unit = self.name, "failed: {error}"),
            Err(_) => tracing::warn!(unit = self.name, "did not stop in time"),
        }
    }
}

/// Waits until the center says stop.
pub async fn stopped(mut stopping: watch::Receiver<bool>) {
    while !*stopping.borrow_and_update() {
        if stopping.changed().await.is_err() {
            return;
        }
    }
}

//! The events unit: the event store's writer. Sinkhole connections and DNS
//! sinkhole queries (taken from the query log's writer) arrive on a bounded
//! queue; one thread writes them in batches of at most a second or 100,000
//! events, so an event reaches the store within about a second and a
//! `kill -9` loses at most that. When the store fails, the batches wait in
//! memory (up to ten times the queue) and are written in order once it
//! works again; an event that finds the queue full is dropped, counted in
//! `cautery_events_total{result="dropped"}` and logged, never lost
//! silently. Events older than `retain-days` are deleted every hour in
//! bounded batches.
//!
//! Known limitations: waiting batches are kept in memory, not spooled to
//! files, so a store that stays down through a restart loses them (they are
//! counted as dropped); the store is chosen at start (a reload that changes
//! `[events] store` says a restart is needed).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cautery_events::store::{EventStore, PostgresStore, SqliteStore};
use cautery_events::Event;

use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::metrics::Registry;
use crate::daemon::runtime::{EventsConfig, StoreLocation};

/// Most events written in one batch: SQLite takes 100k events/s with
/// batches this large, under half that with batches of 10,000.
const BATCH: usize = 100_000;
/// Longest an event waits for its batch.
const FLUSH: Duration = Duration::from_secs(1);
/// How often old events are deleted.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// Old events deleted per statement.
const RETENTION_BATCH: usize = 50_000;

/// Where events are sent: cheap to clone, never blocks.
#[derive(Clone)]
pub struct EventSink {
    sender: mpsc::SyncSender<Event>,
    metrics: Arc<Registry>,
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSink")
    }
}

impl EventSink {
    /// Queues one event; drops and counts it when the queue is full.
    pub fn send(&self, event: Event) {
        if self.sender.try_send(event).is_err() {
            self.metrics.event_dropped(1);
        }
    }
}

/// Opens the store at `location`, creating or migrating its schema.
pub fn open_store(location: &StoreLocation) -> Result<Box<dyn EventStore + Send>> {
    Ok(match location {
        StoreLocation::Sqlite(path) => Box::new(
            SqliteStore::open(path)
                .with_context(|| format!("cannot open the event store {}", path.display()))?,
        ),
        StoreLocation::Postgres(url) => {
            Box::new(PostgresStore::connect(url).context("cannot open the PostgreSQL event store")?)
        }
    })
}

/// Opens the store of the runtime configuration and starts the writer;
/// `None` when events are off.
pub fn start(center: &Arc<Center>) -> Result<Option<(EventSink, Unit)>> {
    let runtime = center.runtime();
    let Some(config) = runtime.events.clone() else {
        return Ok(None);
    };
    let store = open_store(&config.store)?;
    tracing::info!(store = %config.store, retain_days = config.retain_days, "event store open");
    let (sender, receiver) = mpsc::sync_channel(config.queue);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let metrics = center.metrics.clone();
        let config = config.clone();
        std::thread::Builder::new()
            .name("events".into())
            .spawn(move || write_events(store, receiver, &stop, &metrics, &config))
            .context("cannot start the event writer")?
    };
    let sink = EventSink {
        sender,
        metrics: center.metrics.clone(),
    };
    let unit_center = center.clone();
    let unit = Unit::spawn("events", async move {
        let mut reloads = unit_center.reloads();
        reloads.borrow_and_update();
        loop {
            tokio::select! {
                _ = stopped(unit_center.stopping()) => break,
                changed = reloads.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let runtime = reloads.borrow_and_update().clone();
                    if runtime.events.as_ref().map(|e| &e.store) != Some(&config.store) {
                        tracing::warn!("[events] store changes only on restart");
                    }
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    });
    Ok(Some((sink, unit)))
}

/// The writer thread: batches, writes, retries, deletes old events.
fn write_events(
    mut store: Box<dyn EventStore + Send>,
    receiver: mpsc::Receiver<Event>,
    stop: &AtomicBool,
    metrics: &Registry,
    config: &EventsConfig,
) {
    let mut waiting: VecDeque<Vec<Event>> = VecDeque::new();
    let mut waiting_events = 0usize;
    let limit = config.queue.saturating_mul(10);
    let mut last_retention = Instant::now() - RETENTION_EVERY;
    let mut last_complaint: Option<Instant> = None;
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let started = Instant::now();
        let mut batch = Vec::new();
        while batch.len() < BATCH {
            let left = FLUSH.saturating_sub(started.elapsed());
            let next = if stopping {
                receiver.try_recv().map_err(|_| ())
            } else {
                receiver.recv_timeout(left).map_err(|_| ())
            };
            match next {
                Ok(event) => batch.push(event),
                Err(()) => break,
            }
        }
        let received = batch.len();
        if !batch.is_empty() {
            waiting_events += batch.len();
            waiting.push_back(batch);
        }
        while waiting_events > limit {
            if let Some(oldest) = waiting.pop_front() {
                waiting_events -= oldest.len();
                metrics.event_dropped(oldest.len() as u64);
                tracing::error!(
                    dropped = oldest.len(),
                    "the event store is still failing and the waiting events reached their bound; oldest batch dropped"
                );
            }
        }
        while let Some(batch) = waiting.front() {
            match store.insert(batch) {
                Ok(()) => {
                    metrics.events_stored(batch.len() as u64);
                    waiting_events -= batch.len();
                    waiting.pop_front();
                    last_complaint = None;
                }
                Err(error) => {
                    if last_complaint.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                        tracing::error!(
                            waiting = waiting_events,
                            "event store write failed, retrying: {error}"
                        );
                        last_complaint = Some(Instant::now());
                    }
                    break;
                }
            }
        }
        if config.retain_days > 0 && last_retention.elapsed() >= RETENTION_EVERY {
            last_retention = Instant::now();
            let cutoff = cautery_events::retention::cutoff(chrono::Utc::now(), config.retain_days);
            match cautery_events::retention::purge(store.as_mut(), cutoff, RETENTION_BATCH) {
                Ok(summary) if summary.rows == 0 => {}
                Ok(summary) => tracing::info!(deleted = summary.rows, "old events deleted"),
                Err(error) => tracing::warn!("deleting old events failed: {error}"),
            }
        }
        if stopping && received == 0 {
            if waiting_events > 0 {
                metrics.event_dropped(waiting_events as u64);
                tracing::error!(
                    lost = waiting_events,
                    "stopping with events the store did not take"
                );
            }
            return;
        }
        if !waiting.is_empty() {
            // The store failed: do not spin.
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

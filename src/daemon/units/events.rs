//! The events unit: the event store's writer. Sinkhole connections and DNS
//! sinkhole queries (taken from the query log's writer) arrive on a bounded
//! queue; one thread writes them in batches of at most a second or 100,000
//! events, so an event reaches the store within about a second and a
//! `kill -9` loses at most that. When the store fails (PostgreSQL away, a
//! full disk under SQLite), the batches go to spool files in
//! `state-dir/events-spool` and are replayed in order once it works again,
//! also after a restart; a lost PostgreSQL connection is opened again.
//! Only when the spool cannot be written either do batches wait in memory
//! (up to ten times the queue). An event that finds the queue full, or
//! that neither store, spool nor memory can hold, is dropped, counted in
//! `cautery_events_total{result="dropped"}` and logged, never lost
//! silently. Events older than `retain-days` are deleted every hour in
//! bounded batches.
//!
//! Each batch is enriched before it is stored: the source's AS and country
//! from the `[enrich]` databases, which a reload replaces.
//!
//! Every batch gets a [`BatchId`] when it is formed, kept through spool
//! files and memory, and the store records the batches it stored: a write
//! that failed after the store committed (a PostgreSQL connection cut
//! before the commit's answer arrived), or a crash between a replay and the
//! removal of its spool file, makes the replay skip what is stored, never
//! store it twice.
//!
//! Known limitations: the store is chosen at start (a reload that changes
//! `[events] store` says a restart is needed).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cautery_events::store::{EventStore, PostgresStore, SqliteStore, StoreError};
use cautery_events::{BatchId, Enricher, Event, Spool, SpoolError};

use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::metrics::Registry;
use crate::daemon::runtime::{EventsConfig, StoreLocation};

/// Most events written in one batch: SQLite takes 100k events/s with
/// batches this large, under half that with batches of 10,000.
const BATCH: usize = 100_000;
/// Longest an event waits for its batch.
const FLUSH: Duration = Duration::from_secs(1);
/// How often the writer looks at an empty queue while a batch fills.
const POLL: Duration = Duration::from_millis(10);
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
    let store = match &config.store {
        // A bad SQLite path is a configuration error: refuse to start.
        StoreLocation::Sqlite(_) => Some(open_store(&config.store)?),
        // The PostgreSQL client blocks on a runtime of its own, so it
        // connects on the writer's thread; a sinkhole node keeps answering
        // while the shared database is away, its events spooling meanwhile.
        StoreLocation::Postgres(_) => None,
    };
    tracing::info!(store = %config.store, retain_days = config.retain_days, "event store open");
    let (sender, receiver) = mpsc::sync_channel(config.queue);
    let stop = Arc::new(AtomicBool::new(false));
    // The databases of `[enrich]`, replaced at each reload.
    let enricher = Arc::new(Mutex::new(runtime.enricher.clone()));
    let writer = {
        let stop = stop.clone();
        let metrics = center.metrics.clone();
        let config = config.clone();
        let enricher = enricher.clone();
        std::thread::Builder::new()
            .name("events".into())
            .spawn(move || write_events(store, receiver, &stop, &metrics, &config, &enricher))
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
                    if let Ok(mut current) = enricher.lock() {
                        *current = runtime.enricher.clone();
                    }
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

/// Where batches go that the store did not take: spool files first, and
/// memory (bounded) only when the spool cannot be written either.
struct Backlog {
    spool: Option<Spool>,
    memory: VecDeque<(BatchId, Vec<Event>)>,
    memory_events: usize,
    memory_limit: usize,
}

impl Backlog {
    fn is_empty(&self) -> bool {
        self.memory.is_empty() && self.spool.as_ref().is_none_or(Spool::is_empty)
    }

    /// Keeps a batch after everything already waiting. Order holds: once a
    /// batch waits in memory, later ones wait there too until it drains.
    fn keep(&mut self, id: BatchId, batch: Vec<Event>, metrics: &Registry) {
        if self.memory.is_empty() {
            if let Some(spool) = self.spool.as_mut() {
                match spool.push(id, &batch) {
                    Ok(()) => {
                        metrics.events_spooled(batch.len() as u64);
                        return;
                    }
                    Err(error) => tracing::error!(
                        "cannot spool {} events ({error}); they wait in memory",
                        batch.len()
                    ),
                }
            }
        }
        self.memory_events += batch.len();
        self.memory.push_back((id, batch));
        while self.memory_events > self.memory_limit {
            let Some((_, oldest)) = self.memory.pop_front() else {
                break;
            };
            self.memory_events -= oldest.len();
            metrics.event_dropped(oldest.len() as u64);
            tracing::error!(
                dropped = oldest.len(),
                "neither the event store nor the spool takes events and the events waiting in memory reached their bound; oldest batch dropped"
            );
        }
    }

    /// Writes waiting batches, oldest first, until the store fails.
    fn drain(&mut self, store: &mut dyn EventStore, metrics: &Registry) -> Result<(), StoreError> {
        if let Some(spool) = self.spool.as_mut() {
            loop {
                let (id, batch) = match spool.oldest() {
                    Ok(Some(batch)) => batch,
                    Ok(None) => break,
                    Err(error @ SpoolError::Damaged { .. }) => {
                        tracing::error!("{error}");
                        continue;
                    }
                    Err(error) => {
                        tracing::error!("cannot read the spool: {error}");
                        break;
                    }
                };
                store.insert_batch(id, &batch)?;
                metrics.events_stored(batch.len() as u64);
                if let Err(error) = spool.pop() {
                    // Left in place it would be read again at every turn
                    // (and skipped by the store): stop using the spool.
                    tracing::error!(
                        "cannot remove a replayed spool file ({error}); spooling stops"
                    );
                    self.spool = None;
                    break;
                }
            }
        }
        while let Some((id, batch)) = self.memory.front() {
            store.insert_batch(*id, batch)?;
            metrics.events_stored(batch.len() as u64);
            self.memory_events -= batch.len();
            self.memory.pop_front();
        }
        Ok(())
    }

    /// At stop: what still waits in memory goes to the spool if it can.
    fn settle(&mut self, metrics: &Registry) {
        let batches: Vec<_> = self.memory.drain(..).collect();
        self.memory_events = 0;
        for (id, batch) in batches {
            let spooled = match self.spool.as_mut() {
                Some(spool) => spool.push(id, &batch).is_ok(),
                None => false,
            };
            if spooled {
                metrics.events_spooled(batch.len() as u64);
            } else {
                metrics.event_dropped(batch.len() as u64);
                tracing::error!(
                    lost = batch.len(),
                    "stopping with events neither the store nor the spool took"
                );
            }
        }
    }
}

/// The writer thread: batches, writes, spools what the store refuses,
/// replays it in order, deletes old events.
fn write_events(
    store: Option<Box<dyn EventStore + Send>>,
    receiver: mpsc::Receiver<Event>,
    stop: &AtomicBool,
    metrics: &Registry,
    config: &EventsConfig,
    enricher: &Mutex<Arc<Enricher>>,
) {
    let mut store = store;
    let spool = match Spool::open(&config.spool) {
        Ok(spool) => {
            if !spool.is_empty() {
                tracing::info!(batches = spool.len(), dir = %spool.dir().display(), "spooled events from an earlier run wait for the store");
            }
            Some(spool)
        }
        Err(error) => {
            tracing::error!("cannot open the event spool, events wait in memory only: {error}");
            None
        }
    };
    let mut backlog = Backlog {
        spool,
        memory: VecDeque::new(),
        memory_events: 0,
        memory_limit: config.queue.saturating_mul(10),
    };
    let mut last_retention = Instant::now() - RETENTION_EVERY;
    let mut last_complaint: Option<Instant> = None;
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let started = Instant::now();
        let mut batch = Vec::new();
        // Take what is queued, then look again every POLL until the batch
        // is full or FLUSH has passed: waiting on the queue for each event
        // woke this thread (a futex call on both sides) once per event,
        // which at tens of thousands of connections a second cost the
        // sinkhole a good part of a core.
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(event) => batch.push(event),
                Err(mpsc::TryRecvError::Disconnected) => break,
                Err(mpsc::TryRecvError::Empty) => {
                    let left = FLUSH.saturating_sub(started.elapsed());
                    if stopping || left.is_zero() {
                        break;
                    }
                    std::thread::sleep(left.min(POLL));
                }
            }
        }
        let received = batch.len();
        // The batch's id for every attempt to store it, here or replayed.
        let id = BatchId::random();
        if !batch.is_empty() {
            let databases = enricher.lock().map(|e| e.clone()).unwrap_or_default();
            databases.enrich(&mut batch);
        }
        if store.is_none() {
            // Lost earlier (a PostgreSQL restart): connect again.
            store = open_store(&config.store).ok();
        }
        let written = match store.as_mut() {
            None => Err("cannot connect".to_owned()),
            Some(store) => backlog
                .drain(store.as_mut(), metrics)
                .and_then(|()| {
                    if batch.is_empty() || !backlog.is_empty() {
                        return Ok(());
                    }
                    store.insert_batch(id, &batch)?;
                    metrics.events_stored(batch.len() as u64);
                    batch.clear();
                    Ok(())
                })
                .map_err(|error| error.to_string()),
        };
        if !batch.is_empty() {
            backlog.keep(id, std::mem::take(&mut batch), metrics);
        }
        match written {
            Ok(()) => last_complaint = None,
            Err(error) => {
                if last_complaint.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                    tracing::error!(
                        "event store write failed, events spool until it works: {error}"
                    );
                    last_complaint = Some(Instant::now());
                }
                // Reconnect next time: the client may be dead for good.
                if matches!(config.store, StoreLocation::Postgres(_)) {
                    store = None;
                }
            }
        }
        if config.retain_days > 0 && last_retention.elapsed() >= RETENTION_EVERY {
            if let Some(store) = store.as_mut() {
                last_retention = Instant::now();
                let cutoff =
                    cautery_events::retention::cutoff(chrono::Utc::now(), config.retain_days);
                match cautery_events::retention::purge(store.as_mut(), cutoff, RETENTION_BATCH) {
                    Ok(summary) if summary.rows == 0 => {}
                    Ok(summary) => tracing::info!(deleted = summary.rows, "old events deleted"),
                    Err(error) => tracing::warn!("deleting old events failed: {error}"),
                }
            }
        }
        if stopping && received == 0 {
            backlog.settle(metrics);
            return;
        }
        if !backlog.is_empty() {
            // The store failed: do not spin.
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cautery_events::{Details, Transport};
    use chrono::{DateTime, Utc};

    /// A SQLite store whose first `failures` writes commit and then report
    /// an error: what the writer sees when the connection to PostgreSQL is
    /// cut after the server committed, before its answer arrived.
    struct CommitsThenFails {
        store: SqliteStore,
        failures: usize,
    }

    impl EventStore for CommitsThenFails {
        fn insert_batch(&mut self, batch: BatchId, events: &[Event]) -> Result<(), StoreError> {
            self.store.insert_batch(batch, events)?;
            if self.failures > 0 {
                self.failures -= 1;
                return Err(StoreError::PartRolledBack);
            }
            Ok(())
        }

        fn events_between(
            &self,
            from: DateTime<Utc>,
            to: DateTime<Utc>,
            after_id: Option<i64>,
            limit: usize,
        ) -> Result<Vec<(i64, Event)>, StoreError> {
            self.store.events_between(from, to, after_id, limit)
        }

        fn delete_before(
            &mut self,
            before: DateTime<Utc>,
            max: usize,
        ) -> Result<usize, StoreError> {
            self.store.delete_before(before, max)
        }
    }

    fn event(port: u16) -> Event {
        Event {
            time: Utc::now(),
            transport: Transport::Tcp,
            src: std::net::SocketAddr::from(([127, 0, 0, 2], port)),
            dst: std::net::SocketAddr::from(([127, 0, 0, 1], 4455)),
            name: None,
            attribution: None,
            details: Details::Tcp {
                first_bytes_hex: "00".into(),
                len: 1,
            },
            src_asn: None,
            src_as_name: None,
            src_country: None,
        }
    }

    /// The bug behind the PostgreSQL spool test that listed `/0, /0, /1`:
    /// a batch whose commit went through but whose answer was lost was
    /// spooled and replayed, and stored twice. Here the first write and the
    /// first replay both commit and fail; every event is stored once.
    #[test]
    fn a_batch_committed_but_reported_failed_is_not_stored_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let config = EventsConfig {
            store: StoreLocation::Sqlite(path.clone()),
            retain_days: 0,
            queue: 100,
            spool: dir.path().join("events-spool"),
        };
        let store = CommitsThenFails {
            store: SqliteStore::open(&path).unwrap(),
            failures: 2,
        };
        let (sender, receiver) = mpsc::sync_channel(100);
        let (stop, metrics) = (AtomicBool::new(false), Registry::default());
        let enricher = Mutex::new(Arc::new(Enricher::default()));
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                write_events(
                    Some(Box::new(store)),
                    receiver,
                    &stop,
                    &metrics,
                    &config,
                    &enricher,
                );
            });
            for port in [1000, 1001, 1002] {
                sender.send(event(port)).unwrap();
            }
            let deadline = Instant::now() + Duration::from_secs(30);
            while metrics.events_stored_total() < 3 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            stop.store(true, Ordering::Relaxed);
            writer.join().unwrap();
        });
        assert_eq!(metrics.events_stored_total(), 3, "the replay went through");
        let store = SqliteStore::open(&path).unwrap();
        let stored = store
            .events_between(
                Utc::now() - chrono::Duration::days(1),
                Utc::now() + chrono::Duration::days(1),
                None,
                100,
            )
            .unwrap();
        let ports: Vec<u16> = stored.iter().map(|(_, e)| e.src.port()).collect();
        assert_eq!(ports, [1000, 1001, 1002], "each event once");
        let left = std::fs::read_dir(&config.spool).unwrap().count();
        assert_eq!(left, 0, "the replayed spool file is removed");
    }
}

//! The dnstap collector unit: resolvers (BIND `dnstap-output unix`, Unbound
//! `dnstap-socket-path` or `dnstap-ip`) stream what their clients ask, in
//! Frame Streams, to the `[detect] dnstap-listen` sockets (unix and TCP).
//! Each client query whose name a served policy zone covers becomes a DNS
//! event in the event store, attributed like the sinkhole's (family, seed,
//! window, campaign): the querying machine is the infected one, and the
//! reports name it the same way.
//!
//! The protocol is `cautery_detect::dnstap` (sans I/O); this unit does the
//! sockets: the bidirectional handshake (READY answered by ACCEPT with
//! dnstap's content type, then START, data frames, STOP answered by FINISH)
//! and the unidirectional form (START first). Bounded: connections at most
//! `[detect] max-connections`, a buffer of one frame per connection, a
//! handshake that must finish within [`HANDSHAKE`].
//!
//! A client becomes a finding, as in `cautery detect`, only once it asked
//! for `[detect] min-names` distinct names of one family within
//! `window-hours`; its queries until then wait (at most that many per
//! client and family, for at most [`MAX_PENDING`] pairs) and are stored
//! then, and every later one at once.
//!
//! Names the served policy does not cover are scored by the classifier
//! (`cautery_detect::classify`, the shipped model): a client that asks for
//! `[detect] unknown-min-names` distinct flagged names (score at least
//! `unknown-threshold`) within `window-hours` becomes an `unknown-dga`
//! finding, its events stored with the family `unknown-dga`, no seed and no
//! campaign. When the resolver sends client responses too, the flagged
//! names' answers are kept, and a client whose flagged names mostly
//! resolved (NXDOMAIN share below one half) is not a finding: DGA names
//! are mostly unregistered, random-looking CDN or tracker labels are not.
//!
//! With `[detect] alert = true` each finding (client and family) is also an
//! alert of kind `finding` (client, family, first and last seen, distinct
//! names, a sample, the NXDOMAIN share of the names whose answer the
//! resolver sent) through the sinks of `[monitor]`, on a thread of its own:
//! once when the client becomes a finding, again after `[monitor]
//! renotify-days` when it is still asking (the monitor's rule,
//! `cautery_monitor::due_again`); one a sink did not take is raised again
//! by the client's next query.
//!
//! Known limitations: known families are attributed through the served
//! policy only (a name of a family no campaign publishes is at best
//! `unknown-dga` here; `cautery detect` on files attributes through every
//! family); listening addresses and thresholds change only on restart; which
//! findings were alerted is kept in memory, so a restart alerts each one
//! still going on once more.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ahash::{AHashMap, AHashSet};
use anyhow::{Context, Result};
use cautery_detect::classify::{Model, Suffixes};
use cautery_detect::dnstap::{self, ControlKind, Frame};
use cautery_detect::UNKNOWN_DGA;
use cautery_events::{Attribution, Details, Event, Transport};
use cautery_monitor::{due_again, Alert, AlertKind, FindingFacts};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::Semaphore;

use super::events::EventSink;
use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::runtime::Runtime;

/// Time a sender has to finish the handshake (READY to START).
const HANDSHAKE: Duration = Duration::from_secs(10);

/// Client and family pairs followed at once before the threshold.
pub const MAX_PENDING: usize = 100_000;

/// Distinct names counted per alerted finding.
const MAX_ALERT_NAMES: usize = 1000;

/// The alerts of findings: what each says so far and when it was sent.
struct AlertBook {
    renotify: chrono::TimeDelta,
    pairs: AHashMap<(IpAddr, Box<str>), Tally>,
}

/// One finding's facts for its alert.
struct Tally {
    first_seen: chrono::DateTime<chrono::Utc>,
    last_seen: chrono::DateTime<chrono::Utc>,
    names: AHashSet<Box<str>>,
    last_sent: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which clients are findings, and the queries of those not yet.
struct Findings {
    min_names: usize,
    /// Of `unknown-dga` (0: off).
    unknown_min_names: usize,
    window: chrono::TimeDelta,
    confirmed: AHashSet<(IpAddr, Box<str>)>,
    pending: AHashMap<(IpAddr, Box<str>), Vec<Event>>,
    /// Whether the answer to a client's flagged name was NXDOMAIN (at most
    /// [`MAX_PENDING`]; forgotten all at once when full).
    answers: AHashMap<(IpAddr, Box<str>), bool>,
    /// The alerts of findings, `None` unless `[detect] alert`.
    book: Option<AlertBook>,
}

impl Findings {
    /// The alert due for the finding of `client` and `family` once `events`
    /// (of it, past the threshold) are counted, if one is due at `now`.
    fn notice(
        &mut self,
        client: IpAddr,
        family: &str,
        events: &[Event],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Alert> {
        let book = self.book.as_mut()?;
        let key = (client, Box::<str>::from(family));
        if !book.pairs.contains_key(&key) && book.pairs.len() >= MAX_PENDING {
            return None;
        }
        let first = events.first()?.time;
        let tally = book.pairs.entry(key).or_insert_with(|| Tally {
            first_seen: first,
            last_seen: first,
            names: AHashSet::new(),
            last_sent: None,
        });
        for event in events {
            tally.first_seen = tally.first_seen.min(event.time);
            tally.last_seen = tally.last_seen.max(event.time);
            if let Some(name) = &event.name {
                if tally.names.len() < MAX_ALERT_NAMES {
                    tally.names.insert(name.as_str().into());
                }
            }
        }
        if !due_again(tally.last_sent, now, book.renotify) {
            return None;
        }
        let repeat = tally.last_sent.is_some();
        tally.last_sent = Some(now);
        let mut sample: Vec<String> = tally.names.iter().map(|n| n.to_string()).collect();
        sample.sort_unstable();
        let (mut answered, mut nxdomain) = (0usize, 0usize);
        for name in &sample {
            if let Some(&nx) = self.answers.get(&(client, name.as_str().into())) {
                answered += 1;
                nxdomain += usize::from(nx);
            }
        }
        let names = sample.len();
        sample.truncate(FindingFacts::SAMPLE);
        Some(Alert {
            kind: AlertKind::Finding,
            at: now,
            domain: String::new(),
            source: "detect:dnstap".into(),
            ns: Vec::new(),
            registrar: None,
            expires: None,
            first_seen: Some(tally.first_seen),
            last_seen: Some(tally.last_seen),
            changes: Vec::new(),
            away_from_sinkhole: false,
            repeat,
            detail: String::new(),
            evidence: Vec::new(),
            finding: Some(FindingFacts {
                client: client.to_string(),
                family: family.to_owned(),
                first_seen: tally.first_seen,
                last_seen: tally.last_seen,
                names,
                sample,
                nxdomain_share: (answered > 0).then(|| nxdomain as f64 / answered as f64),
            }),
        })
    }

    /// Forgets that the alert of `client` and `family` was sent (a sink did
    /// not take it), so that the client's next query raises it again.
    fn forget(&mut self, client: IpAddr, family: &str) {
        if let Some(book) = &mut self.book {
            if let Some(tally) = book.pairs.get_mut(&(client, Box::<str>::from(family))) {
                tally.last_sent = None;
            }
        }
    }

    /// The events to store now for `event` (of `family`): none while its
    /// client is below the threshold, all it held once it reaches it.
    /// Keeps the answer to `client`'s query for the flagged `name`.
    fn answer(&mut self, client: IpAddr, name: &str, nxdomain: bool) {
        if self.answers.len() >= MAX_PENDING {
            self.answers.clear();
        }
        self.answers.insert((client, name.into()), nxdomain);
    }

    fn admit(&mut self, family: &str, event: Event) -> Vec<Event> {
        let key = (event.src_ip(), Box::<str>::from(family));
        if self.confirmed.contains(&key) {
            return vec![event];
        }
        if !self.pending.contains_key(&key) && self.pending.len() >= MAX_PENDING {
            // Forget the stalest half rather than grow without bound.
            let mut starts: Vec<_> = self
                .pending
                .values()
                .filter_map(|events| events.first().map(|e| e.time))
                .collect();
            starts.sort_unstable();
            if let Some(&cut) = starts.get(starts.len() / 2) {
                self.pending
                    .retain(|_, events| events.first().is_some_and(|e| e.time > cut));
            }
        }
        let held = self.pending.entry(key.clone()).or_default();
        let since = event.time - self.window;
        held.retain(|e| e.time >= since);
        held.push(event);
        let mut names: Vec<&str> = held.iter().filter_map(|e| e.name.as_deref()).collect();
        names.sort_unstable();
        names.dedup();
        let needed = if family == UNKNOWN_DGA {
            self.unknown_min_names.max(self.min_names)
        } else {
            self.min_names
        };
        let enough = names.len() >= needed
            && (family != UNKNOWN_DGA || mostly_nxdomain(&self.answers, key.0, &names));
        if enough {
            let events = self.pending.remove(&key).unwrap_or_default();
            if self.confirmed.len() < MAX_PENDING {
                self.confirmed.insert(key);
            }
            return events;
        }
        // Many repeats of few names: keep the latest ones only.
        let held = self.pending.entry(key).or_default();
        if held.len() > 4 * needed {
            held.drain(..held.len() - 2 * needed);
        }
        Vec::new()
    }
}

/// Whether most of `names` that `client` got an answer for were NXDOMAIN
/// (true when none was answered yet, or the resolver sends no answers).
fn mostly_nxdomain(
    answers: &AHashMap<(IpAddr, Box<str>), bool>,
    client: IpAddr,
    names: &[&str],
) -> bool {
    let (mut answered, mut nxdomain) = (0usize, 0usize);
    for name in names {
        if let Some(&nx) = answers.get(&(client, Box::<str>::from(*name))) {
            answered += 1;
            nxdomain += usize::from(nx);
        }
    }
    answered == 0 || 2 * nxdomain >= answered
}

/// The collector's sockets, bound and not yet accepting.
pub struct Listeners {
    unix: Vec<(PathBuf, UnixListener)>,
    tcp: Vec<TcpListener>,
}

/// Binds every `[detect] dnstap-listen` socket (a stale unix socket file
/// is replaced; any other file in the way is an error).
pub async fn bind(runtime: &Runtime) -> Result<Listeners> {
    let config = &runtime.collector;
    let mut listeners = Listeners {
        unix: Vec::new(),
        tcp: Vec::new(),
    };
    for path in &config.unix {
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            use std::os::unix::fs::FileTypeExt;
            if !meta.file_type().is_socket() {
                anyhow::bail!(
                    "[detect] dnstap-listen: {} exists and is not a socket; remove it or choose another path",
                    path.display()
                );
            }
            std::fs::remove_file(path)
                .with_context(|| format!("cannot remove the old socket {}", path.display()))?;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let listener = UnixListener::bind(path)
            .with_context(|| format!("cannot listen for dnstap on {}", path.display()))?;
        listeners.unix.push((path.clone(), listener));
    }
    for address in &config.tcp {
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen for dnstap on {address}"))?;
        listeners.tcp.push(listener);
    }
    Ok(listeners)
}

/// Starts accepting; `None` when there is nothing to listen on. Without an
/// event store the collector still runs the protocol and counts, so a
/// resolver is not left blocked, but stores nothing.
pub fn start(center: Arc<Center>, sink: Option<EventSink>, listeners: Listeners) -> Option<Unit> {
    if listeners.unix.is_empty() && listeners.tcp.is_empty() {
        return None;
    }
    let config = center.runtime().collector.clone();
    let limit = Arc::new(Semaphore::new(config.max_connections));
    let findings = Findings {
        min_names: config.min_names,
        unknown_min_names: config.unknown_min_names,
        window: chrono::TimeDelta::from_std(config.window).unwrap_or(chrono::TimeDelta::days(1)),
        confirmed: AHashSet::new(),
        pending: AHashMap::new(),
        answers: AHashMap::new(),
        book: config.alert.then(|| AlertBook {
            renotify: chrono::TimeDelta::from_std(config.renotify)
                .unwrap_or(chrono::TimeDelta::days(7)),
            pairs: AHashMap::new(),
        }),
    };
    let findings = Arc::new(Mutex::new(findings));
    let alerts = if config.alert {
        match crate::daemon::units::monitor::section_sinks(&center.runtime().spec) {
            Ok(sinks) => Some(alert_thread(sinks, findings.clone())),
            Err(error) => {
                tracing::error!("[detect] alert: {error:#}; findings are not alerted");
                None
            }
        }
    } else {
        None
    };
    let sink = sink.map(|sink| {
        Arc::new(Store {
            sink,
            findings,
            unknown: config.unknown_min_names > 0,
            threshold: config.unknown_threshold,
            alerts,
        })
    });
    for (path, _) in &listeners.unix {
        tracing::info!(path = %path.display(), "dnstap collector listening");
    }
    for listener in &listeners.tcp {
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "dnstap collector listening");
        }
    }
    Some(Unit::spawn("collector", async move {
        let mut tasks = tokio::task::JoinSet::new();
        for (path, listener) in listeners.unix {
            let (center, sink, limit) = (center.clone(), sink.clone(), limit.clone());
            tasks.spawn(async move {
                loop {
                    let stream = tokio::select! {
                        _ = stopped(center.stopping()) => break,
                        accepted = listener.accept() => match accepted {
                            Ok((stream, _)) => stream,
                            Err(error) => {
                                tracing::warn!("dnstap accept on {}: {error}", path.display());
                                tokio::time::sleep(Duration::from_millis(100)).await;
                                continue;
                            }
                        },
                    };
                    serve(&center, &sink, &limit, stream, path.display().to_string());
                }
                let _ = std::fs::remove_file(&path);
            });
        }
        for listener in listeners.tcp {
            let (center, sink, limit) = (center.clone(), sink.clone(), limit.clone());
            tasks.spawn(async move {
                loop {
                    let (stream, peer) = tokio::select! {
                        _ = stopped(center.stopping()) => break,
                        accepted = listener.accept() => match accepted {
                            Ok(accepted) => accepted,
                            Err(error) => {
                                tracing::warn!("dnstap accept: {error}");
                                tokio::time::sleep(Duration::from_millis(100)).await;
                                continue;
                            }
                        },
                    };
                    serve(&center, &sink, &limit, stream, peer.to_string());
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    }))
}

/// Runs one sender's stream as its own task, if a connection slot is free.
fn serve<S>(
    center: &Arc<Center>,
    sink: &Option<Arc<Store>>,
    limit: &Arc<Semaphore>,
    stream: S,
    peer: String,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Ok(permit) = limit.clone().try_acquire_owned() else {
        tracing::warn!(%peer, "dnstap sender refused: [detect] max-connections reached");
        return;
    };
    let (center, sink) = (center.clone(), sink.clone());
    tokio::spawn(async move {
        let _permit = permit;
        let stopping = center.stopping();
        tokio::select! {
            _ = stopped(stopping) => {}
            result = session(&center, sink.as_ref(), stream) => match result {
                Ok(messages) => tracing::debug!(%peer, messages, "dnstap sender finished"),
                Err(error) => tracing::warn!(%peer, "dnstap sender dropped: {error:#}"),
            },
        }
    });
}

/// Reads frames off `stream` into `buffer` (which keeps a partial frame
/// between calls); `None` at the end of the stream.
struct Reader<S> {
    stream: S,
    buffer: Vec<u8>,
    start: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Reader<S> {
    /// Calls `each` with every whole frame until a control frame, which it
    /// returns; `None` when the stream ends between frames.
    async fn until_control(
        &mut self,
        mut each: impl FnMut(&[u8]),
    ) -> Result<Option<(ControlKind, bool)>> {
        loop {
            loop {
                match dnstap::next_frame(&self.buffer[self.start..])? {
                    Some((Frame::Data(payload), used)) => {
                        each(payload);
                        self.start += used;
                    }
                    Some((Frame::Control { kind, dnstap }, used)) => {
                        self.start += used;
                        return Ok(Some((kind, dnstap)));
                    }
                    None => break,
                }
            }
            self.buffer.drain(..self.start);
            self.start = 0;
            let before = self.buffer.len();
            self.buffer.resize(before + (1 << 16), 0);
            let read = self.stream.read(&mut self.buffer[before..]).await;
            let read = match read {
                Ok(read) => read,
                Err(error) => {
                    self.buffer.truncate(before);
                    return Err(error.into());
                }
            };
            self.buffer.truncate(before + read);
            if read == 0 {
                if before > 0 {
                    anyhow::bail!(dnstap::FrameError::Truncated);
                }
                return Ok(None);
            }
        }
    }
}

/// One sender: the handshake, the data frames, the end; returns the data
/// frames read.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    center: &Center,
    sink: Option<&Arc<Store>>,
    stream: S,
) -> Result<u64> {
    let mut reader = Reader {
        stream,
        buffer: Vec::with_capacity(1 << 17),
        start: 0,
    };
    let first = tokio::time::timeout(HANDSHAKE, reader.until_control(|_| {}))
        .await
        .context("no READY or START in time")??;
    match first {
        Some((ControlKind::Ready, true)) => {
            let accept = dnstap::control_frame(ControlKind::Accept, true);
            reader.stream.write_all(&accept).await?;
            match tokio::time::timeout(HANDSHAKE, reader.until_control(|_| {}))
                .await
                .context("no START in time")??
            {
                Some((ControlKind::Start, true)) => {}
                other => anyhow::bail!("expected START after ACCEPT, got {other:?}"),
            }
        }
        Some((ControlKind::Ready, false)) => {
            anyhow::bail!(dnstap::FrameError::ContentType)
        }
        Some((ControlKind::Start, true)) => {}
        Some((ControlKind::Start, false)) => anyhow::bail!(dnstap::FrameError::ContentType),
        Some(other) => anyhow::bail!("expected READY or START first, got {other:?}"),
        None => return Ok(0),
    }
    let mut messages = 0u64;
    let end = reader
        .until_control(|payload| {
            messages += 1;
            take(center, sink, payload);
        })
        .await?;
    center.metrics.dnstap_messages(messages);
    if let Some((ControlKind::Stop, _)) = end {
        let finish = dnstap::control_frame(ControlKind::Finish, false);
        // A unidirectional sender has closed its side already; no matter.
        let _ = reader.stream.write_all(&finish).await;
        let _ = reader.stream.flush().await;
    }
    Ok(messages)
}

/// One data frame: a client query whose name the served policy covers, or
/// the classifier flags, becomes an event; a response to a flagged name is
/// kept for the NXDOMAIN share.
fn take(center: &Center, store: Option<&Arc<Store>>, payload: &[u8]) {
    let message = match dnstap::decode_client(payload) {
        Ok(Some(message)) => message,
        Ok(None) => return,
        Err(_) => {
            center.metrics.dnstap_malformed();
            return;
        }
    };
    let Some(store) = store else {
        return;
    };
    if message.response {
        if let Some(nxdomain) = message.record.nxdomain {
            let name = &message.record.name;
            // With alerts on, the answers to served names count too (the
            // NXDOMAIN share of a finding's alert).
            if store.flags(name) || (store.alerts.is_some() && center.attribute(name).is_some()) {
                let mut findings = store.findings.lock().unwrap_or_else(|e| e.into_inner());
                findings.answer(message.record.client, &message.record.name, nxdomain);
            }
        }
        return;
    }
    let attribution = match center.attribute(&message.record.name) {
        Some(attribution) => attribution,
        None if store.flags(&message.record.name) => Attribution {
            provenance: cautery_policy::Provenance {
                family: UNKNOWN_DGA.into(),
                seed: "".into(),
                window: cautery_dga::Window::ALWAYS,
            },
            campaign: String::new(),
        },
        None => return,
    };
    let family = attribution.provenance.family.clone();
    let unspecified = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let event = Event {
        time: message.record.time,
        transport: if message.tcp {
            Transport::Tcp
        } else {
            Transport::Udp
        },
        src: std::net::SocketAddr::new(message.record.client, message.client_port),
        dst: message.resolver.unwrap_or(unspecified),
        name: Some(message.record.name),
        attribution: Some(attribution),
        details: Details::Dns {
            qtype: hickory_proto::rr::RecordType::from(message.qtype).to_string(),
        },
        src_asn: None,
        src_as_name: None,
        src_country: None,
    };
    let client = event.src_ip();
    let (ready, alert) = {
        let mut findings = store.findings.lock().unwrap_or_else(|e| e.into_inner());
        let ready = findings.admit(&family, event);
        let alert = if ready.is_empty() {
            None
        } else {
            findings.notice(client, &family, &ready, center.clock.now())
        };
        (ready, alert)
    };
    for event in ready {
        store.sink.send(event);
    }
    if let (Some(alert), Some(alerts)) = (alert, &store.alerts) {
        if alerts.try_send(alert).is_err() {
            // The sinks are behind: raised again by the client's next query.
            tracing::warn!(%client, %family, "finding alert queue full");
            let mut findings = store.findings.lock().unwrap_or_else(|e| e.into_inner());
            findings.forget(client, &family);
        }
    }
}

/// Alerts waiting for the sinks, at most.
const ALERT_QUEUE: usize = 1024;

/// The thread that sends finding alerts through `sinks` (blocking HTTP,
/// SMTP, syslog); an alert a sink did not take is forgotten as sent.
fn alert_thread(
    sinks: crate::commands::monitor::Sinks,
    findings: Arc<Mutex<Findings>>,
) -> std::sync::mpsc::SyncSender<Alert> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Alert>(ALERT_QUEUE);
    let spawned = std::thread::Builder::new()
        .name("finding-alerts".into())
        .spawn(move || {
            // Ends when the collector's store (the sender) is dropped.
            for alert in receiver {
                let Some(finding) = &alert.finding else {
                    continue;
                };
                match sinks.deliver(&alert, &mut std::io::sink()) {
                    Ok(true) => tracing::info!(
                        client = %finding.client,
                        family = %finding.family,
                        repeat = alert.repeat,
                        "finding alerted"
                    ),
                    outcome => {
                        if let Err(error) = outcome {
                            tracing::warn!("finding alert: {error:#}");
                        }
                        tracing::warn!(
                            client = %finding.client,
                            family = %finding.family,
                            "finding alert not delivered; raised again by the client's next query"
                        );
                        if let Ok(client) = finding.client.parse() {
                            let mut findings = findings.lock().unwrap_or_else(|e| e.into_inner());
                            findings.forget(client, &finding.family);
                        }
                    }
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!("cannot start the finding alert thread: {error}");
    }
    sender
}

/// Where findings go: the event sink, past the threshold, and the alert
/// thread when `[detect] alert` is on.
struct Store {
    sink: EventSink,
    findings: Arc<Mutex<Findings>>,
    alerts: Option<std::sync::mpsc::SyncSender<Alert>>,
    /// Whether names no served family explains are scored.
    unknown: bool,
    /// The score that flags a name.
    threshold: f64,
}

impl Store {
    /// Whether the classifier flags `name` (its registrable label).
    fn flags(&self, name: &str) -> bool {
        self.unknown
            && Model::shipped().score_label(Suffixes::shipped().registrable_label(name))
                >= self.threshold
    }
}

#[cfg(test)]
#[path = "collector_tests.rs"]
mod tests;

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
//! Known limitations: known families are attributed through the served
//! policy only (a name of a family no campaign publishes is at best
//! `unknown-dga` here; `cautery detect` on files attributes through every
//! family); listening addresses and thresholds change only on restart.

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
}

impl Findings {
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
    };
    let sink = sink.map(|sink| {
        Arc::new(Store {
            sink,
            findings: Mutex::new(findings),
            unknown: config.unknown_min_names > 0,
            threshold: config.unknown_threshold,
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
            if store.flags(&message.record.name) {
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
    let ready = {
        let mut findings = store.findings.lock().unwrap_or_else(|e| e.into_inner());
        findings.admit(&family, event)
    };
    for event in ready {
        store.sink.send(event);
    }
}

/// Where findings go: the event sink, past the threshold.
struct Store {
    sink: EventSink,
    findings: Mutex<Findings>,
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

//! The connection sinkhole unit: where bots show themselves. A predicted
//! name resolves to a sinkhole address; the bot then connects there, and
//! this unit records what it sends: an HTTP request (method, Host, path and
//! query, User-Agent, Referer, X-Forwarded-For, a bounded sample of the
//! body with its length and SHA-256) answered with a fixed response; a TLS
//! ClientHello (SNI, ALPN, JA4) read without completing the handshake; or
//! the first bytes of a raw TCP connection. Each becomes an event,
//! attributed to the family, seed, window and campaign of the policy rule
//! that covers the name (Host or SNI) at that instant.
//!
//! Hostile clients are the normal case: connections are bounded in total
//! and per source address, every read has one deadline for the whole
//! exchange (no slowloris), buffers are sized by the configuration and
//! never by what a client announces, and the parsers (crates/sinkhole) are
//! fuzzed.
//!
//! Known limitations: a connection without a name (raw TCP, TLS without
//! SNI, HTTP without Host) is stored unattributed, never guessed; HTTP/2
//! and pipelined requests get the one fixed answer.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use cautery_events::{Details, Event, Transport};
use cautery_sinkhole::http::{parse_request_head, BodySample, HeadParse, HttpLimits};
use cautery_sinkhole::tcp::FirstBytes;
use cautery_sinkhole::tls::{ja4, parse_client_hello, HelloParse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::events::EventSink;
use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::runtime::{ListenerConfig, Runtime};

/// Bytes of TLS records read at most for a ClientHello: the hello and the
/// record headers around it.
const MAX_HELLO: usize = cautery_sinkhole::tls::MAX_HELLO + 64 * 5;

/// What a listener records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Http,
    Tls,
    Tcp,
}

/// The connection bounds shared by every listener.
struct Limits {
    total: Arc<Semaphore>,
    per_source: Mutex<HashMap<IpAddr, usize>>,
    max_per_source: usize,
}

/// A connection's place under the bounds, given back on drop.
struct Admitted<'a> {
    limits: &'a Limits,
    source: IpAddr,
    _permit: OwnedSemaphorePermit,
}

impl Limits {
    fn admit(&self, source: IpAddr) -> Option<Admitted<'_>> {
        let permit = self.total.clone().try_acquire_owned().ok()?;
        let mut sources = self.per_source.lock().unwrap_or_else(|e| e.into_inner());
        let open = sources.entry(source).or_insert(0);
        if *open >= self.max_per_source {
            return None;
        }
        *open += 1;
        Some(Admitted {
            limits: self,
            source,
            _permit: permit,
        })
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        let mut sources = self
            .limits
            .per_source
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(open) = sources.get_mut(&self.source) {
            *open -= 1;
            if *open == 0 {
                sources.remove(&self.source);
            }
        }
    }
}

/// The sinkhole's listeners, bound and not yet accepting.
pub struct Listeners(Vec<(Kind, TcpListener)>);

/// Binds every listener of the runtime configuration: a taken address
/// fails here, before the daemon touches its state.
pub async fn bind(runtime: &Runtime) -> Result<Listeners> {
    let config = &runtime.listeners;
    let mut listeners = Vec::new();
    for (kind, addresses) in [
        (Kind::Http, &config.http),
        (Kind::Tls, &config.tls),
        (Kind::Tcp, &config.tcp),
    ] {
        for address in addresses {
            let listener = TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen for sinkhole {kind:?} on {address}"))?;
            listeners.push((kind, listener));
        }
    }
    Ok(Listeners(listeners))
}

/// Runs the unit on the bound `listeners`; `None` when none is configured.
pub async fn start(
    center: Arc<Center>,
    sink: Option<EventSink>,
    Listeners(listeners): Listeners,
) -> Result<Option<Unit>> {
    let config = center.runtime().listeners.clone();
    for (kind, listener) in &listeners {
        if let Ok(address) = listener.local_addr() {
            tracing::info!(address = %address, kind = ?kind, "sinkhole listening");
        }
    }
    if listeners.is_empty() {
        return Ok(None);
    }
    if sink.is_none() {
        tracing::warn!("sinkhole listeners without an event store: [events] store is empty");
    }
    let limits = Arc::new(Limits {
        total: Arc::new(Semaphore::new(config.max_connections)),
        per_source: Mutex::new(HashMap::new()),
        max_per_source: config.max_connections_per_source,
    });
    let config = Arc::new(config);
    Ok(Some(Unit::spawn("sinkhole", async move {
        let mut tasks = tokio::task::JoinSet::new();
        for (kind, listener) in listeners {
            tasks.spawn(accept(
                kind,
                listener,
                center.clone(),
                sink.clone(),
                limits.clone(),
                config.clone(),
            ));
        }
        stopped(center.stopping()).await;
        tasks.shutdown().await;
    })))
}

/// What every connection task needs.
#[derive(Clone)]
struct Shared {
    center: Arc<Center>,
    sink: Option<EventSink>,
    limits: Arc<Limits>,
    config: Arc<ListenerConfig>,
}

impl Shared {
    /// Records one connection as an event, stamped by the daemon's clock
    /// (so the attribution's window and the event's instant agree when a
    /// test or a replay sets the clock).
    fn record(&self, src: SocketAddr, dst: SocketAddr, details: Details, name: Option<String>) {
        let Some(sink) = &self.sink else {
            return;
        };
        sink.send(Event {
            time: self.center.clock.now(),
            transport: Transport::Tcp,
            src,
            dst,
            attribution: name.as_deref().and_then(|n| self.center.attribute(n)),
            name,
            details,
            src_asn: None,
            src_as_name: None,
            src_country: None,
        });
    }

    /// Serves one connection to its end on a task of its own.
    fn spawn(&self, kind: Kind, stream: TcpStream, src: SocketAddr, dst: SocketAddr) {
        let shared = self.clone();
        tokio::spawn(async move {
            let Some(_admitted) = shared.limits.admit(src.ip().to_canonical()) else {
                return; // Over a bound: closed at once.
            };
            let deadline = Instant::now() + shared.config.read_timeout;
            let details = match kind {
                Kind::Http => http(stream, deadline, &shared.config).await,
                Kind::Tls => tls(stream, deadline).await,
                Kind::Tcp => tcp(stream, deadline, &shared.config).await,
            };
            if let Some((details, name)) = details {
                shared.record(src, dst, details, name);
            }
        });
    }
}

/// The address a connection reached: the listener's, unless it listens on
/// a wildcard address (then one `getsockname` per connection says which,
/// a system call the usual specific address saves).
fn destination(listening: Option<SocketAddr>, stream: &TcpStream) -> Option<SocketAddr> {
    match listening {
        Some(address) if !address.ip().is_unspecified() => Some(address),
        _ => stream.local_addr().ok().or(listening),
    }
}

async fn accept(
    kind: Kind,
    listener: TcpListener,
    center: Arc<Center>,
    sink: Option<EventSink>,
    limits: Arc<Limits>,
    config: Arc<ListenerConfig>,
) {
    let shared = Shared {
        center,
        sink,
        limits,
        config,
    };
    let listening = listener.local_addr().ok();
    loop {
        let Ok((stream, src)) = listener.accept().await else {
            // Out of descriptors and the like: do not spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let dst = destination(listening, &stream).unwrap_or(src);
        shared.spawn(kind, stream, src, dst);
    }
}

/// Reads more into `buffer` (up to its capacity) before `deadline`;
/// `false` at the end of the stream, a timeout or an error.
async fn read_more(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    limit: usize,
    deadline: Instant,
) -> bool {
    let mut chunk = [0u8; 4096];
    let room = limit.saturating_sub(buffer.len()).min(chunk.len());
    if room == 0 {
        return false;
    }
    match tokio::time::timeout_at(deadline, stream.read(&mut chunk[..room])).await {
        Ok(Ok(n)) if n > 0 => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
        _ => false,
    }
}

async fn http(
    mut stream: TcpStream,
    deadline: Instant,
    config: &ListenerConfig,
) -> Option<(Details, Option<String>)> {
    let limits = HttpLimits::default();
    let mut buffer = Vec::with_capacity(1024);
    let (request, head_len) = loop {
        match parse_request_head(&buffer, &limits) {
            HeadParse::Complete(request, length) => break (request, length),
            HeadParse::Invalid(_) => return None,
            HeadParse::Incomplete => {
                if !read_more(&mut stream, &mut buffer, limits.max_head, deadline).await {
                    return None;
                }
            }
        }
    };
    let mut body = BodySample::new(config.sample_bytes);
    body.push(buffer.get(head_len..).unwrap_or(&[]));
    let wanted = request.content_length.unwrap_or(0);
    // Read what the client announced, up to the sample, before answering;
    // the rest is not waited for.
    while body.total() < wanted && (body.total() as usize) < config.sample_bytes {
        let mut chunk = Vec::new();
        if !read_more(&mut stream, &mut chunk, config.sample_bytes, deadline).await {
            break;
        }
        body.push(&chunk);
    }
    // Closing the socket (on drop) sends the FIN: no shutdown call needed.
    let _ = tokio::time::timeout_at(deadline, stream.write_all(&config.http_response)).await;
    Some(http_details(request, &body))
}

/// The event details of a request and its body sample, and the name to
/// attribute (the Host header's).
fn http_details(
    request: cautery_sinkhole::http::Request,
    body: &BodySample,
) -> (Details, Option<String>) {
    let name = request.host.as_deref().map(host_name);
    let details = Details::Http {
        method: request.method,
        target: request.target,
        host: request.host,
        user_agent: request.user_agent,
        referer: request.referer,
        forwarded_for: request.x_forwarded_for,
        body_len: body.total(),
        body_sha256: (body.total() > 0).then(|| body.sha256_hex()),
    };
    (details, name)
}

async fn tls(mut stream: TcpStream, deadline: Instant) -> Option<(Details, Option<String>)> {
    let mut buffer = Vec::with_capacity(1024);
    let hello = loop {
        match parse_client_hello(&buffer) {
            HelloParse::Complete(hello) => break hello,
            HelloParse::Invalid(_) => return None,
            HelloParse::Incomplete => {
                if !read_more(&mut stream, &mut buffer, MAX_HELLO, deadline).await {
                    return None;
                }
            }
        }
    };
    let fingerprint = ja4(&hello, false);
    let name = hello
        .server_name
        .as_deref()
        .map(|n| n.trim_end_matches('.').to_ascii_lowercase());
    let alpn = hello
        .alpn
        .iter()
        .map(|protocol| String::from_utf8_lossy(protocol).into_owned())
        .collect();
    Some((
        Details::Tls {
            sni: hello.server_name,
            alpn,
            ja4: fingerprint,
        },
        name,
    ))
}

async fn tcp(
    mut stream: TcpStream,
    deadline: Instant,
    config: &ListenerConfig,
) -> Option<(Details, Option<String>)> {
    let mut first = FirstBytes::new(config.sample_bytes);
    let mut buffer = Vec::new();
    while !first.is_full() {
        buffer.clear();
        if !read_more(&mut stream, &mut buffer, 4096, deadline).await {
            break;
        }
        first.push(&buffer);
    }
    Some((
        Details::Tcp {
            first_bytes_hex: first.hex(),
            len: first.total(),
        },
        None,
    ))
}

/// A Host header's name: no port, no final dot, lower case.
fn host_name(host: &str) -> String {
    let host = host.trim();
    let without_port = match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_headers_lose_port_dot_and_case() {
        assert_eq!(host_name("Evil.COM:8080"), "evil.com");
        assert_eq!(host_name("evil.com."), "evil.com");
        assert_eq!(host_name("[2001:db8::1]:80"), "[2001:db8::1]:80");
    }

    #[test]
    fn the_bounds_admit_per_source_and_in_total() {
        let limits = Limits {
            total: Arc::new(Semaphore::new(3)),
            per_source: Mutex::new(HashMap::new()),
            max_per_source: 2,
        };
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = limits.admit(a).unwrap();
        let _second = limits.admit(a).unwrap();
        assert!(limits.admit(a).is_none(), "per source");
        let _third = limits.admit(b).unwrap();
        assert!(limits.admit(b).is_none(), "in total");
        drop(first);
        assert!(limits.admit(a).is_some(), "given back");
        assert!(limits.per_source.lock().unwrap().get(&a).is_some());
    }
}

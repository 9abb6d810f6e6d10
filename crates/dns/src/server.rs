//! The sockets: UDP and TCP listeners feeding the message path, the
//! response-rate limiter and the query log. NOTIFY to secondaries is in
//! [`crate::notify`].
//!
//! Protection of other clients: TCP connections are capped in number, each
//! must send a complete message within the idle timeout and take each
//! response within the write timeout, and concurrent zone transfers are
//! capped (over the cap a transfer request is REFUSED). UDP responses pass
//! through response-rate limiting.
//!
//! UDP is served by one blocking thread per core on each socket (4 MiB
//! receive buffer); plain sinkhole queries take the prepared fast path
//! ([`crate::prepared`]), everything else the full message path. TCP runs
//! on tokio tasks.
//!
//! The state the message path reads ([`Authority`] and the query log) sits
//! behind a lock holding an `Arc`; [`Shared::swap`] replaces it between two
//! requests, so a reload or a new plan never drops a query. UDP threads keep
//! their own `Arc` and take the lock only when a generation counter says
//! the state changed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::authority::{Authority, Handled, Outcome, Reply, Transport};
use crate::counters::{Counters, ErrorKind};
use crate::prepared;
use crate::querylog::{Entry, QueryLog};
use crate::rrl::{Decision, Rrl, RrlLimits};
use crate::Error;

/// Socket-level settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Addresses to listen on, UDP and TCP each.
    pub listen: Vec<SocketAddr>,
    /// TCP connections open at most.
    pub tcp_max_connections: usize,
    /// How long a TCP client may take to send a message.
    pub tcp_idle_timeout: Duration,
    /// How long a TCP client may take to accept one response message.
    pub tcp_write_timeout: Duration,
    /// Zone transfers running at most.
    pub max_transfers: usize,
    /// UDP worker threads per address.
    pub udp_workers: usize,
    /// Response-rate limiting.
    pub rrl: RrlLimits,
    /// Addresses of the TLS listeners (XoT, RFC 9103), with `tls`.
    pub tls_listen: Vec<SocketAddr>,
    /// The TLS configuration of those listeners.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 5353))],
            tcp_max_connections: 256,
            tcp_idle_timeout: Duration::from_secs(10),
            tcp_write_timeout: Duration::from_secs(30),
            max_transfers: 16,
            // One per core: more threads on one socket only add wake-ups.
            udp_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            rrl: RrlLimits::default(),
            tls_listen: Vec::new(),
            tls: None,
        }
    }
}

/// What the sockets share.
#[derive(Debug)]
pub struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    /// Bumped on every change of the snapshot, so that UDP workers keep
    /// their own copy and read only this counter per packet instead of
    /// taking the lock.
    generation: AtomicU64,
    /// Counters.
    pub counters: Arc<Counters>,
    rrl: Mutex<Rrl>,
    rrl_enabled: AtomicBool,
    started: Instant,
}

/// What the message path reads, replaced whole.
#[derive(Debug, Clone)]
struct Snapshot {
    authority: Arc<Authority>,
    query_log: Option<QueryLog>,
}

impl Shared {
    /// Shared state around a first authority.
    pub fn new(authority: Authority, counters: Arc<Counters>, rrl: RrlLimits) -> Shared {
        Shared {
            snapshot: RwLock::new(Arc::new(Snapshot {
                authority: Arc::new(authority),
                query_log: None,
            })),
            generation: AtomicU64::new(0),
            counters,
            rrl: Mutex::new(Rrl::new(rrl)),
            rrl_enabled: AtomicBool::new(rrl.responses_per_second > 0),
            started: Instant::now(),
        }
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn replace(&self, change: impl FnOnce(&mut Snapshot)) {
        let mut guard = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        let mut next = Snapshot::clone(&guard);
        change(&mut next);
        *guard = Arc::new(next);
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The current authority.
    pub fn authority(&self) -> Arc<Authority> {
        self.snapshot().authority.clone()
    }

    /// Replaces the authority; requests in flight finish on the old one.
    pub fn swap(&self, authority: Authority) {
        let authority = Arc::new(authority);
        self.replace(|s| s.authority = authority);
    }

    /// Replaces the query log (None turns logging off).
    pub fn set_query_log(&self, log: Option<QueryLog>) {
        self.replace(|s| s.query_log = log);
    }

    /// Replaces the rate limits.
    pub fn set_rrl(&self, limits: RrlLimits) {
        *self.rrl.lock().unwrap_or_else(|e| e.into_inner()) = Rrl::new(limits);
        self.rrl_enabled
            .store(limits.responses_per_second > 0, Ordering::Relaxed);
    }

    fn rate_limit(&self, client: IpAddr) -> Decision {
        if !self.rrl_enabled.load(Ordering::Relaxed) {
            return Decision::Send;
        }
        let now_ms = self.started.elapsed().as_millis() as u64;
        self.rrl
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .check(client, now_ms)
    }

    fn record(&self, handled: &Handled, client: SocketAddr) {
        self.counters.query(handled.kind, handled.outcome);
        if let Some(kind) = handled.transfer {
            self.counters.transfer(kind);
            if let Some((zone, serial)) = &handled.transferred {
                self.counters
                    .peer_transfer(zone, client.ip(), kind, *serial, unix_now());
            }
        }
        if let Some(hit) = &handled.hit {
            self.counters
                .sinkhole_hit(hit.provenance.as_deref().map(|p| &*p.family));
            if let Some(log) = &self.snapshot().query_log {
                log.log(Entry {
                    time: chrono::Utc::now(),
                    client,
                    tcp: true,
                    hit: hit.clone(),
                });
            }
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Running listeners.
pub struct Server {
    /// The addresses actually bound (useful with port 0).
    pub local_addrs: Vec<SocketAddr>,
    tasks: JoinSet<()>,
}

/// Sockets bound and not yet served: what [`Server::bind`] gives, so that a
/// daemon can take its addresses before it touches any state.
pub struct Bound {
    sockets: Vec<(SocketAddr, std::net::UdpSocket, TcpListener)>,
    /// The XoT listeners, when TLS is configured.
    tls: Vec<(SocketAddr, TcpListener)>,
    config: ServerConfig,
}

impl Bound {
    /// The addresses bound (useful with port 0).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.sockets
            .iter()
            .map(|(address, _, _)| *address)
            .chain(self.tls.iter().map(|(address, _)| *address))
            .collect()
    }
}

impl Server {
    /// Binds every address (UDP and TCP, and TLS when configured) and starts serving until
    /// `shutdown` turns true.
    pub async fn start(
        config: &ServerConfig,
        shared: Arc<Shared>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Server, Error> {
        Server::bind(config).await?.serve(shared, shutdown)
    }

    /// Binds every address (UDP and TCP) without serving yet: a taken
    /// address fails here, before anything else happens.
    pub async fn bind(config: &ServerConfig) -> Result<Bound, Error> {
        let mut sockets = Vec::new();
        for address in &config.listen {
            let udp = std::net::UdpSocket::bind(address).map_err(|e| Error::Bind(*address, e))?;
            let bound = udp.local_addr().map_err(|e| Error::Bind(*address, e))?;
            udp.set_read_timeout(Some(UDP_WAKE))
                .map_err(|e| Error::Bind(bound, e))?;
            // A burst from many clients while the workers are descheduled
            // must not overflow the default 208 KiB buffer (about 200
            // queries); the kernel caps this at net.core.rmem_max.
            let _ = socket2::SockRef::from(&udp).set_recv_buffer_size(UDP_RECEIVE_BUFFER);
            let tcp = TcpListener::bind(bound)
                .await
                .map_err(|e| Error::Bind(bound, e))?;
            sockets.push((bound, udp, tcp));
        }
        let mut tls = Vec::new();
        if config.tls.is_some() {
            for address in &config.tls_listen {
                let tcp = TcpListener::bind(address)
                    .await
                    .map_err(|e| Error::Bind(*address, e))?;
                let bound = tcp.local_addr().map_err(|e| Error::Bind(*address, e))?;
                tls.push((bound, tcp));
            }
        }
        Ok(Bound {
            sockets,
            tls,
            config: config.clone(),
        })
    }
}

impl Bound {
    /// Starts serving the bound sockets until `shutdown` turns true.
    pub fn serve(
        self,
        shared: Arc<Shared>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Server, Error> {
        let config = self.config;
        let mut tasks = JoinSet::new();
        let mut local_addrs = Vec::new();
        let connections = Arc::new(Semaphore::new(config.tcp_max_connections.max(1)));
        let transfers = Arc::new(Semaphore::new(config.max_transfers.max(1)));
        for (bound, udp, tcp) in self.sockets {
            local_addrs.push(bound);
            let stop = Arc::new(AtomicBool::new(false));
            let mut workers = Vec::new();
            for n in 0..config.udp_workers.max(1) {
                let socket = udp.try_clone().map_err(|e| Error::Bind(bound, e))?;
                let (shared, stop) = (shared.clone(), stop.clone());
                let worker = std::thread::Builder::new()
                    .name(format!("udp-{n}"))
                    .spawn(move || udp_worker(socket, shared, stop))
                    .map_err(|e| Error::Bind(bound, e))?;
                workers.push(worker);
            }
            let mut udp_shutdown = shutdown.clone();
            tasks.spawn(async move {
                let _ = udp_shutdown.changed().await;
                stop.store(true, Ordering::Relaxed);
                let _ = tokio::task::spawn_blocking(move || {
                    for worker in workers {
                        let _ = worker.join();
                    }
                })
                .await;
            });
            tasks.spawn(tcp_loop(
                tcp,
                None,
                shared.clone(),
                shutdown.clone(),
                connections.clone(),
                transfers.clone(),
                config.clone(),
            ));
        }
        if let Some(tls) = &config.tls {
            for (bound, tcp) in self.tls {
                local_addrs.push(bound);
                tasks.spawn(tcp_loop(
                    tcp,
                    Some(tokio_rustls::TlsAcceptor::from(tls.clone())),
                    shared.clone(),
                    shutdown.clone(),
                    connections.clone(),
                    transfers.clone(),
                    config.clone(),
                ));
            }
        }
        Ok(Server { local_addrs, tasks })
    }
}

impl Server {
    /// Waits until every listener has stopped.
    pub async fn join(mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Receive buffer asked for each UDP socket, octets.
const UDP_RECEIVE_BUFFER: usize = 4 << 20;

/// How often a blocked UDP worker wakes to look for shutdown.
const UDP_WAKE: Duration = Duration::from_millis(200);

/// One UDP worker: a thread in a blocking receive loop (cheaper per packet
/// than a task woken by the reactor), answering plain sinkhole queries on
/// the prepared fast path and everything else on the full message path.
fn udp_worker(socket: std::net::UdpSocket, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    let mut buffer = vec![0u8; 65_535];
    let mut out = Vec::with_capacity(512);
    let mut generation = shared.generation.load(Ordering::Acquire);
    let mut snapshot = shared.snapshot();
    while !stop.load(Ordering::Relaxed) {
        let (length, client) = match socket.recv_from(&mut buffer) {
            Ok(x) => x,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => {
                shared.counters.error(ErrorKind::Io);
                continue;
            }
        };
        let now = shared.generation.load(Ordering::Acquire);
        if now != generation {
            generation = now;
            snapshot = shared.snapshot();
        }
        let request = &buffer[..length];
        let (kind, mut outcome, reply) =
            match prepared::answer(&snapshot.authority, request, &mut out) {
                Some(fast) => {
                    shared
                        .counters
                        .sinkhole_hit(fast.rule.provenance.as_deref().map(|p| &*p.family));
                    if let Some(log) = &snapshot.query_log {
                        log.log(Entry {
                            time: chrono::Utc::now(),
                            client,
                            tcp: false,
                            hit: fast.hit(),
                        });
                    }
                    (fast.kind(), Outcome::Answer, &mut out)
                }
                None => {
                    let mut handled =
                        snapshot
                            .authority
                            .handle(request, client, Transport::Udp, unix_now());
                    if let Some(hit) = &handled.hit {
                        shared
                            .counters
                            .sinkhole_hit(hit.provenance.as_deref().map(|p| &*p.family));
                    }
                    if let (Some(hit), Some(log)) = (handled.hit.take(), &snapshot.query_log) {
                        log.log(Entry {
                            time: chrono::Utc::now(),
                            client,
                            tcp: false,
                            hit,
                        });
                    }
                    let Reply::Message(bytes) = std::mem::replace(&mut handled.reply, Reply::None)
                    else {
                        shared.counters.query(handled.kind, handled.outcome);
                        continue;
                    };
                    out = bytes;
                    (handled.kind, handled.outcome, &mut out)
                }
            };
        match shared.rate_limit(client.ip()) {
            Decision::Send => {}
            Decision::Slip => {
                truncate_to_header(reply);
                outcome = Outcome::RateLimited;
            }
            Decision::Drop => {
                shared.counters.query(kind, Outcome::RateLimited);
                continue;
            }
        }
        shared.counters.query(kind, outcome);
        if socket.send_to(reply, client).is_err() {
            shared.counters.error(ErrorKind::Io);
        }
    }
}

/// Keeps the header and question, sets TC, drops the rest.
fn truncate_to_header(bytes: &mut Vec<u8>) {
    if bytes.len() < 12 {
        return;
    }
    let mut at = 12;
    let questions = u16::from_be_bytes([bytes[4], bytes[5]]);
    if questions == 1 {
        while at < bytes.len() && bytes[at] != 0 && bytes[at] & 0xC0 == 0 {
            at += 1 + bytes[at] as usize;
        }
        at = (at + 5).min(bytes.len());
    } else {
        bytes[4..6].fill(0);
    }
    bytes.truncate(at);
    bytes[2] |= 0x02;
    bytes[6..12].fill(0);
}

/// A TCP listener, plain or, with `tls`, for XoT (RFC 9103): then a TLS
/// handshake must end within the idle timeout before the first message.
/// Both kinds share the TCP connection cap.
async fn tcp_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    connections: Arc<Semaphore>,
    transfers: Arc<Semaphore>,
    config: ServerConfig,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, client)) = accepted else {
            // Out of descriptors, usually: back off instead of spinning.
            shared.counters.error(ErrorKind::Io);
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            shared.counters.error(ErrorKind::TcpLimit);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (tls, shared, transfers, config, shutdown) = (
            tls.clone(),
            shared.clone(),
            transfers.clone(),
            config.clone(),
            shutdown.clone(),
        );
        tokio::spawn(async move {
            let _permit = permit;
            let Some(acceptor) = tls else {
                tcp_connection(stream, client, shared, transfers, config, shutdown).await;
                return;
            };
            match tokio::time::timeout(config.tcp_idle_timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    tcp_connection(tls, client, shared, transfers, config, shutdown).await;
                }
                Ok(Err(_)) => shared.counters.error(ErrorKind::Io),
                Err(_) => shared.counters.error(ErrorKind::TcpTimeout),
            }
        });
    }
}

async fn tcp_connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    client: SocketAddr,
    shared: Arc<Shared>,
    transfers: Arc<Semaphore>,
    config: ServerConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 65_535];
    loop {
        let read = tokio::select! {
            read = tokio::time::timeout(config.tcp_idle_timeout, read_message(&mut stream, &mut buffer)) => read,
            _ = shutdown.changed() => return,
        };
        let length = match read {
            Ok(Ok(Some(length))) => length,
            Ok(Ok(None)) | Ok(Err(_)) => return,
            Err(_) => {
                shared.counters.error(ErrorKind::TcpTimeout);
                return;
            }
        };
        let authority = shared.authority();
        let mut handled = authority.handle(&buffer[..length], client, Transport::Tcp, unix_now());
        let reply = std::mem::replace(&mut handled.reply, Reply::None);
        match reply {
            Reply::None => {
                shared.record(&handled, client);
                // A peer that sends garbage over TCP gets no second chance.
                return;
            }
            Reply::Message(bytes) => {
                shared.record(&handled, client);
                if write_message(&mut stream, &bytes, config.tcp_write_timeout)
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Reply::Transfer(mut transfer) => {
                let Ok(_permit) = transfers.clone().try_acquire_owned() else {
                    shared.counters.error(ErrorKind::TransferLimit);
                    handled.outcome = Outcome::Refused;
                    handled.transfer = None;
                    shared.record(&handled, client);
                    let refused = refuse(&buffer[..length]);
                    let _ = write_message(&mut stream, &refused, config.tcp_write_timeout).await;
                    return;
                };
                shared.record(&handled, client);
                while let Some(bytes) = transfer.next_message() {
                    if write_message(&mut stream, &bytes, config.tcp_write_timeout)
                        .await
                        .is_err()
                    {
                        shared.counters.error(ErrorKind::TcpTimeout);
                        return;
                    }
                }
            }
        }
    }
}

fn refuse(request: &[u8]) -> Vec<u8> {
    let mut out = request
        .get(..12)
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| vec![0; 12]);
    out.resize(12, 0);
    out[2] = 0x80 | (out[2] & 0x78);
    out[3] = 0x05;
    out[4..12].fill(0);
    out
}

async fn read_message<S: AsyncRead + Unpin>(
    stream: &mut S,
    buffer: &mut [u8],
) -> std::io::Result<Option<usize>> {
    let mut prefix = [0u8; 2];
    match stream.read_exact(&mut prefix).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let length = usize::from(u16::from_be_bytes(prefix));
    if length < 12 {
        return Ok(None);
    }
    stream.read_exact(&mut buffer[..length]).await?;
    Ok(Some(length))
}

async fn write_message<S: AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    timeout: Duration,
) -> std::io::Result<()> {
    let Ok(length) = u16::try_from(bytes.len()) else {
        return Err(std::io::Error::other("message over 65535 octets"));
    };
    let mut framed = Vec::with_capacity(bytes.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(bytes);
    // A TLS stream holds what it has not sent until flushed.
    let write = async {
        stream.write_all(&framed).await?;
        stream.flush().await
    };
    match tokio::time::timeout(timeout, write).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "write timed out",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slipped_response_keeps_only_the_question() {
        let mut message = hickory_proto::op::Message::new();
        message.add_query(hickory_proto::op::Query::query(
            hickory_proto::rr::Name::from_ascii("evil.com.").unwrap(),
            hickory_proto::rr::RecordType::A,
        ));
        message.add_answer(hickory_proto::rr::Record::from_rdata(
            hickory_proto::rr::Name::from_ascii("evil.com.").unwrap(),
            60,
            hickory_proto::rr::RData::A(hickory_proto::rr::rdata::A(Ipv4Addr::LOCALHOST)),
        ));
        let mut bytes = message.to_vec().unwrap();
        truncate_to_header(&mut bytes);
        let parsed = hickory_proto::op::Message::from_vec(&bytes).unwrap();
        assert!(parsed.truncated());
        assert_eq!(parsed.queries().len(), 1);
        assert!(parsed.answers().is_empty());
    }
}

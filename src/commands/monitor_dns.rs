//! The DNS source of `cautery monitor`: the sockets around
//! `cautery_monitor::delegation`.
//!
//! Each predicted name whose TLD has configured servers (`--dns TLD=ADDR`,
//! the TLD's own authoritative servers, never a resolver) is asked `NAME. NS`
//! over UDP, and over TCP when the answer is truncated. Per TLD one queue of
//! names is shared by `concurrency` workers per server, each server paced to
//! one query per `interval`; a query that times out or gets an unusable
//! answer goes back in the queue for another attempt (most often on another
//! server), up to `attempts`. Answers from another address or to another
//! transaction ID are ignored, so a stray datagram cannot stand for the
//! server's answer.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use cautery_monitor::delegation::{parse_answer, query, MAX_MESSAGE};
use cautery_monitor::{DelegationError, Pacer, ParentAnswer};

/// How the DNS source asks.
#[derive(Debug, Clone)]
pub struct DnsSettings {
    /// Parent servers per TLD (or longer suffix, e.g. `co.uk`), lower case.
    pub servers: BTreeMap<String, Vec<SocketAddr>>,
    /// Queries in flight per TLD and server.
    pub concurrency: usize,
    /// At least this long between two queries to one server.
    pub interval: Duration,
    /// How long to wait for one answer.
    pub timeout: Duration,
    /// Attempts per name before it counts as failed.
    pub attempts: u32,
}

/// Reads `TLD=ADDRESS[:PORT]` (an IPv6 address with a port in brackets).
pub fn parse_server(text: &str) -> Result<(String, SocketAddr)> {
    let Some((tld, address)) = text.split_once('=') else {
        bail!(
            "--dns {text}: expected TLD=ADDRESS[:PORT], e.g. com=192.5.6.30 or test=127.0.0.1:5300"
        );
    };
    let tld = tld.trim().trim_matches('.').to_ascii_lowercase();
    if tld.is_empty()
        || !tld
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        bail!("--dns {text}: '{tld}' is not a TLD or suffix");
    }
    let address = address.trim();
    let socket = match address.parse::<SocketAddr>() {
        Ok(socket) => socket,
        Err(_) => match address.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, 53),
            Err(_) => bail!(
                "--dns {text}: '{address}' is not an IP address (with an optional :PORT); \
                 give the TLD server's address, not its name"
            ),
        },
    };
    Ok((tld, socket))
}

/// What the DNS source found.
#[derive(Debug, Default)]
pub struct DnsOutcome {
    /// Per name asked (its position in the names given): the server that
    /// answered and the name servers it delegates to.
    pub delegated: Vec<(usize, SocketAddr, Vec<String>)>,
    /// Per name the parent answered is not delegated (NXDOMAIN, or no `NS`
    /// in an authoritative answer): its position and that server.
    pub not_delegated: Vec<(usize, SocketAddr)>,
    /// Per configured TLD: names asked, names without a usable answer, the
    /// last error.
    pub per_tld: Vec<TldOutcome>,
}

/// How one TLD's servers did.
#[derive(Debug, Clone)]
pub struct TldOutcome {
    /// The TLD (as configured).
    pub tld: String,
    /// Names asked.
    pub asked: usize,
    /// Names that got no usable answer after every attempt.
    pub failed: usize,
    /// The last failure.
    pub last_error: String,
}

impl TldOutcome {
    /// `Ok` when every name got an answer; the message for the source's health otherwise.
    pub fn result(&self) -> std::result::Result<(), String> {
        if self.failed == 0 {
            Ok(())
        } else {
            Err(format!(
                "{} of {} names got no usable answer from the servers of {}; last: {}",
                self.failed, self.asked, self.tld, self.last_error
            ))
        }
    }
}

/// The configured suffix that `name` falls under (the longest), if any.
fn suffix_of<'s>(settings: &'s DnsSettings, name: &str) -> Option<&'s str> {
    settings
        .servers
        .keys()
        .filter(|suffix| {
            name.len() > suffix.len()
                && name.ends_with(suffix.as_str())
                && name.as_bytes()[name.len() - suffix.len() - 1] == b'.'
        })
        .max_by_key(|suffix| suffix.len())
        .map(String::as_str)
}

/// Asks the parents of `names` (lower case, no final dot) whether each is delegated.
pub fn check(settings: &DnsSettings, names: &[&str]) -> DnsOutcome {
    let mut by_tld: BTreeMap<&str, VecDeque<(usize, u32)>> = BTreeMap::new();
    for (position, name) in names.iter().enumerate() {
        if let Some(suffix) = suffix_of(settings, name) {
            by_tld.entry(suffix).or_default().push_back((position, 0));
        }
    }
    let pacers: HashMap<SocketAddr, Mutex<Pacer>> = settings
        .servers
        .values()
        .flatten()
        .map(|&server| (server, Mutex::new(Pacer::new(settings.interval))))
        .collect();
    let delegated = Mutex::new(Vec::new());
    let not_delegated = Mutex::new(Vec::new());
    let work: Vec<Tally> = by_tld
        .into_iter()
        .map(|(tld, queue)| Tally {
            tld: tld.to_owned(),
            asked: queue.len(),
            pending: AtomicUsize::new(queue.len()),
            queue: Mutex::new(queue),
            failed: AtomicUsize::new(0),
            last_error: Mutex::new(String::new()),
        })
        .collect();
    std::thread::scope(|scope| {
        for tally in &work {
            for server in &settings.servers[&tally.tld] {
                for _ in 0..settings.concurrency.max(1) {
                    let answers = Answers {
                        delegated: &delegated,
                        not_delegated: &not_delegated,
                    };
                    let pacer = &pacers[server];
                    scope.spawn(move || worker(settings, *server, names, tally, pacer, answers));
                }
            }
        }
    });
    let per_tld = work
        .into_iter()
        .map(|tally| TldOutcome {
            tld: tally.tld,
            asked: tally.asked,
            failed: tally.failed.into_inner(),
            last_error: tally.last_error.into_inner().unwrap_or_default(),
        })
        .collect();
    let mut delegated = delegated.into_inner().unwrap_or_default();
    delegated.sort_by_key(|(position, _, _)| *position);
    let mut not_delegated = not_delegated.into_inner().unwrap_or_default();
    not_delegated.sort_by_key(|(position, _)| *position);
    DnsOutcome {
        delegated,
        not_delegated,
        per_tld,
    }
}

/// One TLD's queue and counts, shared by its workers.
struct Tally {
    tld: String,
    asked: usize,
    /// Names not finished (queued or in flight).
    pending: AtomicUsize,
    queue: Mutex<VecDeque<(usize, u32)>>,
    failed: AtomicUsize,
    last_error: Mutex<String>,
}

/// Where workers put the answers: delegated names with their servers, and
/// names not delegated, each with the server that said so.
#[derive(Clone, Copy)]
struct Answers<'a> {
    delegated: &'a Mutex<Vec<(usize, SocketAddr, Vec<String>)>>,
    not_delegated: &'a Mutex<Vec<(usize, SocketAddr)>>,
}

fn worker(
    settings: &DnsSettings,
    server: SocketAddr,
    names: &[&str],
    tally: &Tally,
    pacer: &Mutex<Pacer>,
    answers: Answers<'_>,
) {
    loop {
        let job = tally
            .queue
            .lock()
            .map(|mut q| q.pop_front())
            .unwrap_or(None);
        let Some((position, attempt)) = job else {
            if tally.pending.load(Ordering::SeqCst) == 0 {
                return;
            }
            // Others are in flight and may hand a name back for another attempt.
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let slot = pacer
            .lock()
            .map(|mut p| p.take(Instant::now()))
            .unwrap_or_else(|_| Instant::now());
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
        let name = names[position];
        match ask(server, name, settings.timeout) {
            Ok(answer) => {
                match answer {
                    ParentAnswer::Delegated(ns) => {
                        if let Ok(mut list) = answers.delegated.lock() {
                            list.push((position, server, ns));
                        }
                    }
                    ParentAnswer::NotDelegated => {
                        if let Ok(mut list) = answers.not_delegated.lock() {
                            list.push((position, server));
                        }
                    }
                    // `ask` goes over TCP for a truncated answer.
                    ParentAnswer::Truncated => {}
                }
                tally.pending.fetch_sub(1, Ordering::SeqCst);
            }
            Err(error) => {
                if let Ok(mut last) = tally.last_error.lock() {
                    *last = format!("{name} at {server}: {error:#}");
                }
                if attempt + 1 < settings.attempts.max(1) {
                    if let Ok(mut queue) = tally.queue.lock() {
                        queue.push_back((position, attempt + 1));
                    }
                } else {
                    tally.failed.fetch_add(1, Ordering::SeqCst);
                    tally.pending.fetch_sub(1, Ordering::SeqCst);
                }
            }
        }
    }
}

/// A transaction ID nobody off the path can guess: std's per-process random SipHash keys.
fn transaction_id() -> u16 {
    use std::hash::BuildHasher;
    let hashed = std::collections::hash_map::RandomState::new()
        .hash_one((std::time::SystemTime::now(), std::thread::current().id()));
    (hashed & 0xffff) as u16
}

/// Asks `server` whether `name` is delegated: UDP, then TCP when truncated.
fn ask(server: SocketAddr, name: &str, timeout: Duration) -> Result<ParentAnswer> {
    let id = transaction_id();
    let message = query(name, id)?;
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let socket = UdpSocket::bind(local).context("opening a UDP socket")?;
    // Connected: the kernel drops datagrams from any other address.
    socket
        .connect(server)
        .context("connecting the UDP socket")?;
    socket.send(&message).context("sending the query")?;
    let deadline = Instant::now() + timeout;
    let mut buffer = vec![0u8; MAX_MESSAGE];
    let answer = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("no answer within {} ms", timeout.as_millis());
        }
        socket.set_read_timeout(Some(left))?;
        let length = match socket.recv(&mut buffer) {
            Ok(length) => length,
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                bail!("no answer within {} ms", timeout.as_millis())
            }
            Err(error) => bail!("no answer: {error}"),
        };
        match parse_answer(&buffer[..length], id, name) {
            // A late answer to an earlier query, or a forgery: wait for ours.
            Err(DelegationError::Mismatch(_)) => continue,
            other => break other?,
        }
    };
    if answer != ParentAnswer::Truncated {
        return Ok(answer);
    }
    ask_tcp(server, name, timeout)
}

fn ask_tcp(server: SocketAddr, name: &str, timeout: Duration) -> Result<ParentAnswer> {
    let id = transaction_id();
    let message = query(name, id)?;
    let mut stream = TcpStream::connect_timeout(&server, timeout).context("connecting over TCP")?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut framed = (message.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&message);
    stream
        .write_all(&framed)
        .context("sending the query over TCP")?;
    let mut length = [0u8; 2];
    stream
        .read_exact(&mut length)
        .context("reading the TCP answer's length")?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream
        .read_exact(&mut answer)
        .context("reading the TCP answer")?;
    match parse_answer(&answer, id, name)? {
        ParentAnswer::Truncated => bail!("a truncated answer over TCP"),
        answer => Ok(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_tld_equals_address_with_port_53_by_default() {
        let (tld, address) = parse_server("COM.=192.5.6.30").unwrap();
        assert_eq!(
            (tld.as_str(), address),
            ("com", "192.5.6.30:53".parse().unwrap())
        );
        let (_, address) = parse_server("test=[::1]:5300").unwrap();
        assert_eq!(address, "[::1]:5300".parse().unwrap());
        for bad in ["com", "=1.2.3.4", "com=a.gtld-servers.net", "c m=1.2.3.4"] {
            assert!(parse_server(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_name_goes_to_the_longest_configured_suffix() {
        let settings = DnsSettings {
            servers: [("uk", "127.0.0.1:1"), ("co.uk", "127.0.0.1:2")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), vec![v.parse().unwrap()]))
                .collect(),
            concurrency: 1,
            interval: Duration::ZERO,
            timeout: Duration::from_millis(10),
            attempts: 1,
        };
        assert_eq!(suffix_of(&settings, "a.co.uk"), Some("co.uk"));
        assert_eq!(suffix_of(&settings, "a.org.uk"), Some("uk"));
        assert_eq!(suffix_of(&settings, "auk"), None);
        assert_eq!(suffix_of(&settings, "uk"), None);
    }
}

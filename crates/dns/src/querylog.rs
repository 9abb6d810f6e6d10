//! The sinkhole query log: one JSON object per line per query that hit a
//! sinkholed name, written by a background task to a size-rotated file
//! (`FILE`, `FILE.1`, ... `FILE.N`).
//!
//! The message path never waits for the disk: lines go through a bounded
//! channel to a writer thread that drains it every 20 ms, and when the
//! writer falls behind, lines are dropped and counted
//! (`cautery_errors_total{kind="query_log_dropped"}`).
//!
//! Fields: `time` (RFC 3339, UTC), `client` (address:port), `name`, `type`,
//! `family`, `seed`, `valid_from`, `valid_to` (the window; empty when
//! unbounded or unknown).

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use ahash::AHashMap;
use chrono::{DateTime, Utc};

use crate::authority::SinkholeHit;
use crate::counters::{Counters, ErrorKind};
use crate::records::Provenance;
use cautery_policy::Window;

/// Lines queued at most before lines are dropped.
const QUEUE: usize = 65_536;
/// How long the writer sleeps when the queue is empty; lines reach the
/// file within about this delay.
const POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// Where and how big.
#[derive(Debug, Clone)]
pub struct QueryLogConfig {
    /// The log file.
    pub path: PathBuf,
    /// Size at which the file is rotated, bytes.
    pub max_bytes: u64,
    /// Rotated files kept.
    pub keep: u32,
}

/// What the writer keeps between lines so that a line costs little to
/// format: the date and time up to the second, and the window text of the
/// provenances seen lately (a busy sinkhole logs the same few thousand
/// windows over and over).
#[derive(Debug, Default)]
struct LineCache {
    second: (i64, String),
    /// Keyed by the provenance's address; the window is compared too, so a
    /// freed and reused address never gives another window's text.
    windows: AHashMap<usize, (Window, Vec<u8>)>,
}

/// Windows remembered at most before the cache starts over.
const WINDOW_CACHE: usize = 65_536;

impl LineCache {
    fn new() -> LineCache {
        LineCache {
            second: (i64::MIN, String::new()),
            windows: AHashMap::new(),
        }
    }

    /// `,"valid_from":"...","valid_to":"..."` of `origin` into `out`.
    fn write_window(
        &mut self,
        out: &mut Vec<u8>,
        origin: Option<&Arc<Provenance>>,
    ) -> std::io::Result<()> {
        let Some(origin) = origin else {
            out.extend_from_slice(b",\"valid_from\":\"\",\"valid_to\":\"\"");
            return Ok(());
        };
        let key = Arc::as_ptr(origin) as usize;
        if let Some((window, text)) = self.windows.get(&key) {
            if *window == origin.window {
                out.extend_from_slice(text);
                return Ok(());
            }
        }
        let mut text = Vec::with_capacity(64);
        text.extend_from_slice(b",\"valid_from\":");
        write_instant(&mut text, origin.window.from)?;
        text.extend_from_slice(b",\"valid_to\":");
        write_instant(&mut text, origin.window.to)?;
        out.extend_from_slice(&text);
        if self.windows.len() >= WINDOW_CACHE {
            self.windows.clear();
        }
        self.windows.insert(key, (origin.window, text));
        Ok(())
    }
}

/// Writes one JSON line for `entry` into `out`, without the allocations of
/// a serialised struct: the log writer keeps up with the sinkhole this way.
fn format_line(out: &mut Vec<u8>, entry: &Entry, cache: &mut LineCache) -> std::io::Result<()> {
    let seconds = entry.time.timestamp();
    let second = &mut cache.second;
    if second.0 != seconds {
        second.0 = seconds;
        second.1 = entry.time.format("%Y-%m-%dT%H:%M:%S").to_string();
    }
    let origin = entry.hit.provenance.as_deref();
    let field = |o: fn(&Provenance) -> &str| origin.map(o).unwrap_or("");

    write!(
        out,
        "{{\"time\":\"{}.{:03}Z\",\"client\":\"{}\",\"name\":",
        cache.second.1,
        entry.time.timestamp_subsec_millis().min(999),
        entry.client
    )?;
    serde_json::to_writer(&mut *out, &entry.hit.name)?;
    write!(out, ",\"type\":\"{}\",\"family\":", entry.hit.record_type)?;
    serde_json::to_writer(&mut *out, field(|o| &o.family))?;
    out.extend_from_slice(b",\"seed\":");
    serde_json::to_writer(&mut *out, field(|o| &o.seed))?;
    cache.write_window(out, entry.hit.provenance.as_ref())?;
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// Writes an instant as a JSON string `"2026-01-01T00:00:00Z"`, `""` for
/// none, without an allocation.
fn write_instant(
    out: &mut Vec<u8>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> std::io::Result<()> {
    use chrono::{Datelike, Timelike};
    match at {
        None => out.extend_from_slice(b"\"\""),
        Some(at) => write!(
            out,
            "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z\"",
            at.year(),
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )?,
    }
    Ok(())
}

/// One query to log.
#[derive(Debug)]
pub struct Entry {
    /// When it arrived.
    pub time: DateTime<Utc>,
    /// Who asked.
    pub client: SocketAddr,
    /// Whether it came over TCP (else UDP).
    pub tcp: bool,
    /// What hit.
    pub hit: SinkholeHit,
}

/// Takes each entry after the writer thread has written it.
pub type Observer = Box<dyn FnMut(Entry) + Send>;

/// The sending side of the query log.
#[derive(Debug, Clone)]
pub struct QueryLog {
    sender: mpsc::SyncSender<Entry>,
    metrics: Arc<Counters>,
}

impl QueryLog {
    /// Starts the writer thread. Fails when the file cannot be opened.
    pub fn start(config: QueryLogConfig, metrics: Arc<Counters>) -> std::io::Result<QueryLog> {
        QueryLog::start_with(config, metrics, None)
    }

    /// Starts the writer thread, which also hands every entry it writes to
    /// `observer` (the daemon's event store takes them this way, off the
    /// query path). Fails when the file cannot be opened.
    pub fn start_with(
        config: QueryLogConfig,
        metrics: Arc<Counters>,
        mut observer: Option<Observer>,
    ) -> std::io::Result<QueryLog> {
        let mut writer = Writer::open(config)?;
        let (sender, receiver) = mpsc::sync_channel::<Entry>(QUEUE);
        let thread_metrics = metrics.clone();
        std::thread::Builder::new()
            .name("query-log".into())
            .spawn(move || {
                // The writer polls instead of sleeping in `recv`, so that
                // queueing a line never has to wake a thread: at sinkhole
                // rates that wake-up cost more than the line.
                let mut open = true;
                while open {
                    let mut result = Ok(());
                    loop {
                        match receiver.try_recv() {
                            Ok(entry) => {
                                result = result.and_then(|_| writer.write(&entry));
                                if let Some(observer) = observer.as_mut() {
                                    observer(entry);
                                }
                            }
                            Err(mpsc::TryRecvError::Empty) => break,
                            Err(mpsc::TryRecvError::Disconnected) => {
                                open = false;
                                break;
                            }
                        }
                    }
                    if let Err(error) = result.and_then(|_| writer.flush()) {
                        thread_metrics.error(ErrorKind::Io);
                        tracing::warn!(%error, "query log write failed");
                    }
                    if open {
                        std::thread::sleep(POLL);
                    }
                }
            })?;
        Ok(QueryLog { sender, metrics })
    }

    /// Queues one line; drops it when the writer is behind.
    pub fn log(&self, entry: Entry) {
        if self.sender.try_send(entry).is_err() {
            self.metrics.error(ErrorKind::QueryLogDropped);
        }
    }
}

struct Writer {
    config: QueryLogConfig,
    out: BufWriter<File>,
    size: u64,
    /// The line being formatted, reused.
    line: Vec<u8>,
    /// What formatting keeps between lines.
    cache: LineCache,
}

impl Writer {
    fn open(config: QueryLogConfig) -> std::io::Result<Writer> {
        if let Some(dir) = config.path.parent() {
            if !dir.as_os_str().is_empty() {
                fs::create_dir_all(dir)?;
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.path)?;
        let size = file.metadata()?.len();
        Ok(Writer {
            config,
            out: BufWriter::new(file),
            size,
            line: Vec::with_capacity(256),
            cache: LineCache::new(),
        })
    }

    fn write(&mut self, entry: &Entry) -> std::io::Result<()> {
        self.line.clear();
        format_line(&mut self.line, entry, &mut self.cache)?;
        let length = self.line.len() as u64;
        if self.size > 0 && self.size + length > self.config.max_bytes {
            self.rotate()?;
        }
        self.out.write_all(&self.line)?;
        self.size += length;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        let path = &self.config.path;
        for n in (1..self.config.keep).rev() {
            let _ = fs::rename(numbered(path, n), numbered(path, n + 1));
        }
        if self.config.keep > 0 {
            fs::rename(path, numbered(path, 1))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)?;
        self.out = BufWriter::new(file);
        self.size = 0;
        Ok(())
    }
}

fn numbered(path: &Path, n: u32) -> PathBuf {
    let mut text = path.as_os_str().to_owned();
    text.push(format!(".{n}"));
    PathBuf::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::SecondsFormat;
    use hickory_proto::rr::RecordType;

    /// The line as a serialised struct would give it: the format the
    /// hand-written formatter must keep.
    #[derive(serde::Serialize)]
    struct Line<'a> {
        time: String,
        client: String,
        name: &'a str,
        #[serde(rename = "type")]
        record_type: String,
        family: &'a str,
        seed: &'a str,
        valid_from: &'a str,
        valid_to: &'a str,
    }

    #[test]
    fn lines_are_json_with_the_documented_fields() {
        let origin = Provenance {
            family: "necurs".into(),
            seed: "quote\"back\\slash".into(),
            window: cautery_policy::Window {
                from: "2026-11-26T00:00:00Z".parse().ok(),
                to: None,
            },
        };
        let mut cache = LineCache::new();
        for (millis, name, origin) in [
            (1_764_115_200_007, "evil.com", Some(Arc::new(origin))),
            (1_764_115_200_999, "ctl\u{1}\"name", None),
            (1_764_115_201_000, "next.second", None),
        ] {
            let entry = Entry {
                time: DateTime::from_timestamp_millis(millis).unwrap(),
                client: "[2001:db8::1]:53000".parse().unwrap(),
                tcp: false,
                hit: SinkholeHit {
                    name: name.into(),
                    record_type: RecordType::AAAA,
                    provenance: origin,
                },
            };
            let mut ours = Vec::new();
            format_line(&mut ours, &entry, &mut cache).unwrap();
            // Again: the window text now comes from the cache.
            let mut again = Vec::new();
            format_line(&mut again, &entry, &mut cache).unwrap();
            assert_eq!(again, ours);
            let o = entry.hit.provenance.as_deref();
            let (from, to) = (
                o.map(|o| o.window.from_rfc3339()).unwrap_or_default(),
                o.map(|o| o.window.to_rfc3339()).unwrap_or_default(),
            );
            let expected = Line {
                time: entry.time.to_rfc3339_opts(SecondsFormat::Millis, true),
                client: entry.client.to_string(),
                name: &entry.hit.name,
                record_type: entry.hit.record_type.to_string(),
                family: o.map(|o| &*o.family).unwrap_or(""),
                seed: o.map(|o| &*o.seed).unwrap_or(""),
                valid_from: &from,
                valid_to: &to,
            };
            let mut expected = serde_json::to_vec(&expected).unwrap();
            expected.push(b'\n');
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    #[test]
    fn the_log_rotates_by_size() {
        let dir = std::env::temp_dir().join(format!("cautery-qlog-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let config = QueryLogConfig {
            path: dir.join("queries.jsonl"),
            max_bytes: 300,
            keep: 2,
        };
        let mut writer = Writer::open(config.clone()).unwrap();
        for _ in 0..10 {
            writer
                .write(&Entry {
                    time: DateTime::UNIX_EPOCH,
                    client: "127.0.0.1:5000".parse().unwrap(),
                    tcp: false,
                    hit: SinkholeHit {
                        name: "evil.com".into(),
                        record_type: RecordType::A,
                        provenance: None,
                    },
                })
                .unwrap();
        }
        writer.flush().unwrap();
        assert!(numbered(&config.path, 1).exists());
        assert!(numbered(&config.path, 2).exists());
        assert!(!numbered(&config.path, 3).exists());
        let text = fs::read_to_string(&config.path).unwrap();
        assert!(text
            .lines()
            .all(|l| l.starts_with("{\"time\":\"1970-01-01T00:00:00.000Z\"")));
        assert!(fs::metadata(&config.path).unwrap().len() <= 300);
        let _ = fs::remove_dir_all(dir);
    }
}

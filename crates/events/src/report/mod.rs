//! Per-network reports in Shadowserver's CSV formats, so that an ISP or a
//! CERT that already ingests Shadowserver's reports (with IntelMQ, say)
//! ingests cautery's without new code.
//!
//! Three reports, each in an IPv4 (`event4_*`) and an IPv6 (`event6_*`)
//! variant, chosen by the source address (an IPv4-mapped address is IPv4):
//!
//! - `event4_sinkhole_http`: HTTP requests;
//! - `event4_sinkhole`: other connections, TLS (`application` `https`) and
//!   raw TCP (`tcp`);
//! - `event4_sinkhole_dns`: DNS queries, one row per source address, query
//!   name and type in the day, with `count` the number of queries and the
//!   time, port and attribution of the first.
//!
//! The columns are exactly those of Shadowserver's files (see
//! `shared/formats/shadowserver.md`, taken from IntelMQ's test data); what
//! the sinkhole does not know (region, city, NAICS, the sinkhole's own AS)
//! stays empty. `infection` and `family` are the DGA family, `tag` the
//! campaign, `public_source` is `cautery`. `http_url` is the request's
//! method and target (`POST /gate.php`) without the HTTP version;
//! `http_host` the `Host` header without a port.
//!
//! [`write_reports`] writes one file per report and [`Scope`] that has
//! rows, `{date}-{report}-{scope}.csv`, in one pass over the day through
//! [`EventStore::scan_between`]: SQLite hands over each row's columns
//! borrowed ([`EventRow`]), each connection line is formatted once into one
//! reused buffer whatever its number of scopes, and timestamps are
//! formatted once per second. DNS rows are counted in a map of at most
//! [`ReportOptions::dns_rows_in_memory`] entries of numbers (the query
//! names, types, families, campaigns and countries of a pass are kept once
//! each); a day with more distinct (scope, source, query, type) than that is
//! counted in further passes over the DNS events only, each over a hash
//! partition of them, so memory stays bounded whatever the day holds.
//!
//! The day is read by several readers at once ([`ReportOptions::readers`],
//! one per core by default), each over a consecutive part of the day on a
//! connection of its own ([`EventStore::reader`]): the first writes its
//! connection rows into the run's files, the others into `.partial.N`
//! files appended to those in order of the day (the kernel copies), and
//! each counts its DNS rows, merged part after part (a row in several
//! parts keeps its first query, the counts add up). The files are the same
//! bytes as one reader writes. A pass overflows when the merged DNS rows
//! pass the limit, as with one reader.
//!
//! The rows of a file are in time order (DNS rows by their first query),
//! except that DNS rows counted in several passes are in time order within
//! each pass.
//!
//! Known limitations: files are written under a `.partial` name and renamed
//! when complete, but the set of files of a day is not replaced atomically;
//! every (report, scope) file is open at once, so thousands of scopes need
//! a higher open-file limit, and each reader opens its own; `event_id` is
//! empty (store ids are not unique across nodes). The day is cut into
//! parts of equal time, not of equal events: a day whose events crowd into
//! one part is read mostly by one reader. Each reader counts up to
//! `dns_rows_in_memory` DNS rows, so memory for them grows with the
//! readers.

mod csv;
mod scope;
pub mod subscribers;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};

use self::csv::Row;
use self::scope::ScopeIndex;
pub use self::scope::{Scope, ScopeError};
pub use self::subscribers::{load_subscribers, scopes_of, Ledger, Subscriber, SubscribersError};
use crate::event::{Event, Protocol, Transport};
use crate::store::{EventRow, EventStore, StoreError};

/// The `public_source` of every row.
pub const PUBLIC_SOURCE: &str = "cautery";

/// Columns of `event4_sinkhole` and `event6_sinkhole`.
pub const SINKHOLE_COLUMNS: [&str; 30] = [
    "timestamp",
    "protocol",
    "src_ip",
    "src_port",
    "src_asn",
    "src_geo",
    "src_region",
    "src_city",
    "src_hostname",
    "src_naics",
    "src_sector",
    "device_vendor",
    "device_type",
    "device_model",
    "dst_ip",
    "dst_port",
    "dst_asn",
    "dst_geo",
    "dst_region",
    "dst_city",
    "dst_hostname",
    "dst_naics",
    "dst_sector",
    "public_source",
    "infection",
    "family",
    "tag",
    "application",
    "version",
    "event_id",
];

/// Columns of `event4_sinkhole_http` and `event6_sinkhole_http`: those of
/// the sinkhole reports and six more.
pub const SINKHOLE_HTTP_COLUMNS: [&str; 36] = [
    "timestamp",
    "protocol",
    "src_ip",
    "src_port",
    "src_asn",
    "src_geo",
    "src_region",
    "src_city",
    "src_hostname",
    "src_naics",
    "src_sector",
    "device_vendor",
    "device_type",
    "device_model",
    "dst_ip",
    "dst_port",
    "dst_asn",
    "dst_geo",
    "dst_region",
    "dst_city",
    "dst_hostname",
    "dst_naics",
    "dst_sector",
    "public_source",
    "infection",
    "family",
    "tag",
    "application",
    "version",
    "event_id",
    "http_url",
    "http_host",
    "http_agent",
    "forwarded_by",
    "ssl_cipher",
    "http_referer",
];

/// Columns of `event4_sinkhole_dns` and `event6_sinkhole_dns`.
pub const SINKHOLE_DNS_COLUMNS: [&str; 20] = [
    "timestamp",
    "protocol",
    "src_ip",
    "src_port",
    "src_asn",
    "src_geo",
    "src_region",
    "src_city",
    "src_hostname",
    "src_naics",
    "src_sector",
    "device_vendor",
    "device_type",
    "device_model",
    "infection",
    "family",
    "tag",
    "query_type",
    "query",
    "count",
];

/// One of Shadowserver's sinkhole reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Report {
    /// HTTP requests from IPv4 sources.
    Event4SinkholeHttp,
    /// Other connections (TLS, TCP) from IPv4 sources.
    Event4Sinkhole,
    /// DNS queries from IPv4 sources.
    Event4SinkholeDns,
    /// HTTP requests from IPv6 sources.
    Event6SinkholeHttp,
    /// Other connections (TLS, TCP) from IPv6 sources.
    Event6Sinkhole,
    /// DNS queries from IPv6 sources.
    Event6SinkholeDns,
}

impl Report {
    /// Every report.
    pub const ALL: [Report; 6] = [
        Report::Event4SinkholeHttp,
        Report::Event4Sinkhole,
        Report::Event4SinkholeDns,
        Report::Event6SinkholeHttp,
        Report::Event6Sinkhole,
        Report::Event6SinkholeDns,
    ];

    /// The report an event goes to.
    pub fn of(event: &Event) -> Report {
        Report::of_parts(event.protocol(), event.src_ip().is_ipv4())
    }

    /// The report a stored event goes to.
    pub fn of_row(event: &EventRow<'_>) -> Report {
        Report::of_parts(event.protocol, event.src_ip.is_ipv4())
    }

    /// The report of events of `protocol` from an IPv4 source or not.
    pub fn of_parts(protocol: Protocol, ipv4: bool) -> Report {
        match (protocol, ipv4) {
            (Protocol::Http, true) => Report::Event4SinkholeHttp,
            (Protocol::Http, false) => Report::Event6SinkholeHttp,
            (Protocol::Tls | Protocol::Tcp, true) => Report::Event4Sinkhole,
            (Protocol::Tls | Protocol::Tcp, false) => Report::Event6Sinkhole,
            (Protocol::Dns, true) => Report::Event4SinkholeDns,
            (Protocol::Dns, false) => Report::Event6SinkholeDns,
        }
    }

    /// Shadowserver's name of the report, as in its file names.
    pub fn name(self) -> &'static str {
        match self {
            Report::Event4SinkholeHttp => "event4_sinkhole_http",
            Report::Event4Sinkhole => "event4_sinkhole",
            Report::Event4SinkholeDns => "event4_sinkhole_dns",
            Report::Event6SinkholeHttp => "event6_sinkhole_http",
            Report::Event6Sinkhole => "event6_sinkhole",
            Report::Event6SinkholeDns => "event6_sinkhole_dns",
        }
    }

    /// The report's columns.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Report::Event4SinkholeHttp | Report::Event6SinkholeHttp => &SINKHOLE_HTTP_COLUMNS,
            Report::Event4Sinkhole | Report::Event6Sinkhole => &SINKHOLE_COLUMNS,
            Report::Event4SinkholeDns | Report::Event6SinkholeDns => &SINKHOLE_DNS_COLUMNS,
        }
    }

    /// The header line, each column name quoted, ending in `\n`.
    pub fn header(self) -> String {
        csv::header(self.columns())
    }

    /// The file name of the report for `scope` on `day`.
    pub fn file_name(self, day: NaiveDate, scope: &Scope) -> String {
        format!("{}-{}-{scope}.csv", day.format("%Y-%m-%d"), self.name())
    }
}

/// How [`write_reports`] counts.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Distinct DNS rows (scope, source address, query, type) counted in
    /// memory at once; more take more passes over the day. Each reader
    /// counts up to this many at once.
    pub dns_rows_in_memory: usize,
    /// Readers scanning the day at once, each over its own part of the day
    /// on its own connection to the store; 0 for one per core. A store
    /// that cannot open another connection is read by one.
    pub readers: usize,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            dns_rows_in_memory: 1_000_000,
            readers: 0,
        }
    }
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// Where.
    pub path: PathBuf,
    /// Which report.
    pub report: Report,
    /// For whom.
    pub scope: Scope,
    /// Rows after the header.
    pub rows: u64,
}

/// What [`write_reports`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSummary {
    /// The files written, by report and then by scope in the order given.
    pub files: Vec<ReportFile>,
    /// Passes over the day's events (more than one when DNS counting did
    /// not fit in [`ReportOptions::dns_rows_in_memory`]).
    pub passes: u32,
}

impl ReportSummary {
    /// Rows in all files.
    pub fn rows(&self) -> u64 {
        self.files.iter().map(|file| file.rows).sum()
    }
}

/// Why reports could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Reading the events failed.
    #[error("cannot read the day's events: {0}")]
    Store(#[from] StoreError),
    /// Writing a file failed.
    #[error("cannot write report {path}: {source}; check that the directory exists, is writable and has space")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// `YYYY-MM-DD HH:MM:SS`, UTC, formatted once per second of the day: rows
/// come in time order, and a busy sinkhole records hundreds a second.
#[derive(Debug, Default)]
struct Timestamps {
    second: Option<i64>,
    text: String,
}

impl Timestamps {
    fn of(&mut self, row: &EventRow<'_>) -> Result<&str, StoreError> {
        self.at(row.id, row.time_us)
    }

    fn at(&mut self, id: i64, time_us: i64) -> Result<&str, StoreError> {
        let second = time_us.div_euclid(1_000_000);
        if self.second != Some(second) {
            let time = DateTime::from_timestamp_micros(time_us).ok_or(StoreError::CorruptRow {
                id,
                column: "time_us",
                value: time_us.to_string(),
            })?;
            self.text.clear();
            let _ = write!(self.text, "{}", time.format("%Y-%m-%d %H:%M:%S"));
            self.second = Some(second);
        }
        Ok(&self.text)
    }
}

/// The columns every report starts with, `timestamp` to `device_model`.
#[allow(clippy::too_many_arguments)]
fn source_columns(
    row: &mut Row,
    timestamp: &str,
    transport: Transport,
    src: IpAddr,
    src_port: u16,
    src_asn: Option<u32>,
    src_country: Option<&str>,
) {
    row.text(Some(timestamp))
        .text(Some(transport.as_str()))
        .quoted(src)
        .number(Some(u64::from(src_port)))
        .number(src_asn.map(u64::from))
        .text(src_country)
        // src_region .. device_model: not known to the sinkhole.
        .empty(8);
}

/// The name in a `Host` header, without the port a bot may add
/// (`NAME.COM:80`, `[2001:db8::1]:8080`): Shadowserver's `http_host` is a
/// host name (the port is `dst_port`), and IntelMQ maps it to
/// `destination.fqdn` only then, dropping `name:port` without a word.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// The row of an HTTP, TLS or TCP event into `row` (cleared first).
fn connection_row(event: &EventRow<'_>, report: Report, timestamp: &str, row: &mut Row) {
    row.clear();
    source_columns(
        row,
        timestamp,
        event.transport,
        event.src_ip,
        event.src_port,
        event.src_asn,
        event.src_country,
    );
    let application = match event.protocol {
        Protocol::Http => "http",
        Protocol::Tls => "https",
        Protocol::Tcp | Protocol::Dns => "tcp",
    };
    row.quoted(event.dst_ip)
        .number(Some(u64::from(event.dst_port)))
        // dst_asn .. dst_sector: the sinkhole's own, left to the operator.
        .empty(7)
        .text(Some(PUBLIC_SOURCE))
        .text(event.family)
        .text(event.family)
        .text(event.campaign)
        .text(Some(application))
        // version, event_id
        .empty(2);
    if report.columns().len() == SINKHOLE_HTTP_COLUMNS.len() {
        if event.protocol == Protocol::Http {
            row.text_parts(&[
                event.http_method.unwrap_or_default(),
                " ",
                event.http_target.unwrap_or_default(),
            ])
            .text(event.http_host.map(host_name).or(event.name))
            .text(event.http_user_agent)
            .text(event.http_forwarded_for)
            // ssl_cipher
            .empty(1)
            .text(event.http_referer);
        } else {
            row.empty(6);
        }
    }
    debug_assert_eq!(row.fields(), report.columns().len());
}

/// Texts of one counting pass (query names and types, families,
/// campaigns, countries), each kept once, so that a DNS count holds
/// numbers and a query seen a million times is allocated once.
#[derive(Debug, Default)]
struct Texts {
    ids: HashMap<Box<str>, u32, ahash::RandomState>,
    texts: Vec<Box<str>>,
}

impl Texts {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        // At most two texts per counted row, and counted rows are bounded.
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push(text.into());
        self.ids.insert(text.into(), id);
        id
    }

    fn get(&self, id: u32) -> &str {
        self.texts.get(id as usize).map_or("", |text| text)
    }

    fn get_some(&self, id: Option<u32>) -> Option<&str> {
        id.map(|id| self.get(id))
    }
}

/// The key DNS rows are counted under: scope, source, and the query name
/// and type as [`Texts`] ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct DnsKey {
    scope: usize,
    src: IpAddr,
    query: u32,
    qtype: u32,
}

/// A DNS row being counted: what its row shows of the first query, and the
/// count.
#[derive(Debug, Clone, Copy)]
struct DnsCount {
    id: i64,
    time_us: i64,
    transport: Transport,
    src_port: u16,
    src_asn: Option<u32>,
    src_country: Option<u32>,
    family: Option<u32>,
    campaign: Option<u32>,
    count: u64,
}

fn dns_row(
    key: &DnsKey,
    counted: &DnsCount,
    texts: &Texts,
    timestamps: &mut Timestamps,
    row: &mut Row,
) -> Result<(), StoreError> {
    row.clear();
    let family = texts.get_some(counted.family);
    source_columns(
        row,
        timestamps.at(counted.id, counted.time_us)?,
        counted.transport,
        key.src,
        counted.src_port,
        counted.src_asn,
        texts.get_some(counted.src_country),
    );
    row.text(family)
        .text(family)
        .text(texts.get_some(counted.campaign))
        .text(Some(texts.get(key.qtype)))
        .text(Some(texts.get(key.query)))
        .number(Some(counted.count));
    debug_assert_eq!(row.fields(), SINKHOLE_DNS_COLUMNS.len());
    Ok(())
}

/// A report file being written under its `.partial` name.
struct OpenFile {
    partial: PathBuf,
    path: PathBuf,
    writer: BufWriter<File>,
    rows: u64,
}

/// The files of one run, opened as their first row comes.
struct Files<'a> {
    dir: &'a Path,
    day: NaiveDate,
    scopes: &'a [Scope],
    open: BTreeMap<(Report, usize), OpenFile>,
    /// For the rows of a later part of the day, read by another reader:
    /// its number. Its files (`.partial.N`, no header) are appended to the
    /// run's by [`Files::append`].
    part: Option<usize>,
}

impl<'a> Files<'a> {
    fn new(dir: &'a Path, day: NaiveDate, scopes: &'a [Scope], part: Option<usize>) -> Files<'a> {
        Files {
            dir,
            day,
            scopes,
            open: BTreeMap::new(),
            part,
        }
    }

    fn file(&mut self, report: Report, scope: usize) -> Result<&mut OpenFile, ReportError> {
        Ok(match self.open.entry((report, scope)) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                let path = self
                    .dir
                    .join(report.file_name(self.day, &self.scopes[scope]));
                let mut partial = path.clone().into_os_string();
                partial.push(".partial");
                if let Some(part) = self.part {
                    partial.push(format!(".{part}"));
                }
                let partial = PathBuf::from(partial);
                let io = |source| ReportError::Io {
                    path: partial.clone(),
                    source,
                };
                // Read back too: a part's rows are copied into the run's.
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&partial)
                    .map_err(io)?;
                let mut writer = BufWriter::new(file);
                if self.part.is_none() {
                    writer.write_all(report.header().as_bytes()).map_err(io)?;
                }
                entry.insert(OpenFile {
                    partial,
                    path,
                    writer,
                    rows: 0,
                })
            }
        })
    }

    /// Appends the rows of a later part of the day, whose files then go.
    fn append(&mut self, mut part: Files<'_>) -> Result<(), ReportError> {
        for (key, from) in std::mem::take(&mut part.open) {
            let OpenFile {
                partial: from_path,
                writer,
                rows,
                ..
            } = from;
            let from_io = |source| ReportError::Io {
                path: from_path.clone(),
                source,
            };
            let mut written = writer.into_inner().map_err(|e| from_io(e.into_error()))?;
            let to = self.file(key.0, key.1)?;
            let to_io = |source| ReportError::Io {
                path: to.partial.clone(),
                source,
            };
            to.writer.flush().map_err(to_io)?;
            written.rewind().map_err(from_io)?;
            // File to file: the kernel copies (copy_file_range).
            std::io::copy(&mut written, to.writer.get_mut()).map_err(to_io)?;
            to.rows += rows;
            drop(written);
            std::fs::remove_file(&from_path).map_err(from_io)?;
        }
        Ok(())
    }

    fn write(&mut self, report: Report, scope: usize, line: &str) -> Result<(), ReportError> {
        let file = self.file(report, scope)?;
        file.writer
            .write_all(line.as_bytes())
            .map_err(|source| ReportError::Io {
                path: file.partial.clone(),
                source,
            })?;
        file.rows += 1;
        Ok(())
    }

    /// Flushes and renames every file to its final name.
    fn finish(mut self) -> Result<Vec<ReportFile>, ReportError> {
        let mut done = Vec::new();
        for ((report, scope), file) in std::mem::take(&mut self.open) {
            let OpenFile {
                partial,
                path,
                writer,
                rows,
            } = file;
            let io = |source| ReportError::Io {
                path: partial.clone(),
                source,
            };
            writer
                .into_inner()
                .map_err(|error| io(error.into_error()))?
                .sync_all()
                .map_err(io)?;
            std::fs::rename(&partial, &path).map_err(io)?;
            done.push(ReportFile {
                path,
                report,
                scope: self.scopes[scope].clone(),
                rows,
            });
        }
        Ok(done)
    }
}

impl Drop for Files<'_> {
    /// A run that failed leaves no `.partial` files behind.
    fn drop(&mut self) {
        for file in self.open.values() {
            let _ = std::fs::remove_file(&file.partial);
        }
    }
}

/// Writes the reports of `day` (UTC) for every scope into `dir`: one file
/// per report and scope that has rows, named by [`Report::file_name`].
/// An event in several scopes goes into each of their files.
///
/// One pass over the day writes every connection row as it is read (each
/// line formatted once, whatever the number of its scopes) and counts the
/// DNS rows; further passes, over the DNS events only, happen when the
/// counts did not fit in [`ReportOptions::dns_rows_in_memory`].
pub fn write_reports(
    store: &dyn EventStore,
    day: NaiveDate,
    scopes: &[Scope],
    dir: &Path,
    options: &ReportOptions,
) -> Result<ReportSummary, ReportError> {
    let from = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let to = from + chrono::Duration::days(1);
    let limit = options.dns_rows_in_memory.max(1);
    // The other readers, each on a connection of its own; none when the
    // store cannot open more.
    let wanted = match options.readers {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let mut others: Vec<Box<dyn EventStore + Send>> = Vec::new();
    for _ in 1..wanted {
        match store.reader()? {
            Some(reader) => others.push(reader),
            None => break,
        }
    }
    let ranges = split_day(from, to, others.len() + 1);
    let mut files = Files::new(dir, day, scopes, None);
    // One hasher for the whole run, so that partitions agree between
    // passes and readers; its keys are random, so bots cannot aim queries
    // at one.
    let hasher = ahash::RandomState::new();
    // DNS rows still to count, as (modulus, residue) of their key's hash;
    // a partition that overflows splits in two.
    let mut partitions: Vec<(u64, u64)> = vec![(1, 0)];
    let mut passes = 0;
    let index = ScopeIndex::new(scopes);
    let mut timestamps = Timestamps::default();
    let mut line = Row::new();
    while let Some((modulus, residue)) = partitions.pop() {
        let pass = Pass {
            first: passes == 0,
            modulus,
            residue,
            limit,
            // Keys whose 64-bit hashes collide cannot be split apart; past
            // this a partition is counted whole, whatever its size.
            splittable: modulus < 1 << 62,
            hasher: &hasher,
            index: &index,
        };
        passes += 1;
        // The first part of the day here, into the run's files; each later
        // part by a reader of its own, into files appended after.
        let (own, parts) = std::thread::scope(|scope| {
            let handles: Vec<_> = others
                .iter_mut()
                .zip(&ranges[1..])
                .enumerate()
                .map(|(n, (reader, &range))| {
                    let pass = &pass;
                    scope.spawn(move || {
                        let mut part = Files::new(dir, day, scopes, Some(n + 1));
                        let counted = scan_range(&**reader, range, pass, &mut part);
                        (counted, part)
                    })
                })
                .collect();
            let own = scan_range(store, ranges[0], &pass, &mut files);
            let parts: Vec<_> = handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect();
            (own, parts)
        });
        // The earliest part's failure is the one a single reader meets.
        let mut counted = own?;
        let mut later = Vec::with_capacity(parts.len());
        for (part_counted, part_files) in parts {
            later.push(part_counted?);
            files.append(part_files)?;
        }
        for part in later {
            counted.merge(part);
        }
        if counted.overflow || (pass.splittable && counted.counts.len() > limit) {
            partitions.push((modulus * 2, residue + modulus));
            partitions.push((modulus * 2, residue));
            continue;
        }
        let Counted { counts, texts, .. } = counted;
        let mut rows: Vec<(DnsKey, DnsCount)> = counts.into_iter().collect();
        // Time order, ties in the order of scope, source, query and type.
        rows.sort_unstable_by(|(a_key, a), (b_key, b)| {
            (a.time_us, a_key.scope, a_key.src)
                .cmp(&(b.time_us, b_key.scope, b_key.src))
                .then_with(|| texts.get(a_key.query).cmp(texts.get(b_key.query)))
                .then_with(|| texts.get(a_key.qtype).cmp(texts.get(b_key.qtype)))
        });
        for (key, counted) in &rows {
            let report = Report::of_parts(Protocol::Dns, key.src.is_ipv4());
            dns_row(key, counted, &texts, &mut timestamps, &mut line)?;
            files.write(report, key.scope, line.end())?;
        }
    }
    Ok(ReportSummary {
        files: files.finish()?,
        passes,
    })
}

/// `[from, to)` cut into `parts` consecutive ranges of equal length.
fn split_day(
    from: DateTime<chrono::Utc>,
    to: DateTime<chrono::Utc>,
    parts: usize,
) -> Vec<(DateTime<chrono::Utc>, DateTime<chrono::Utc>)> {
    let parts = parts.max(1);
    let length = (to - from).num_microseconds().unwrap_or(0);
    let bound = |n: usize| {
        if n == parts {
            return to;
        }
        let offset = i128::from(length) * n as i128 / parts as i128;
        from + chrono::Duration::microseconds(i64::try_from(offset).unwrap_or(0))
    };
    (0..parts).map(|n| (bound(n), bound(n + 1))).collect()
}

/// What every reader of one pass shares.
struct Pass<'a> {
    /// The first pass writes the connection rows; later ones count DNS
    /// rows only.
    first: bool,
    /// DNS rows counted in this pass: those whose key hashes to `residue`
    /// modulo `modulus`.
    modulus: u64,
    residue: u64,
    /// Distinct DNS rows counted at most.
    limit: usize,
    splittable: bool,
    hasher: &'a ahash::RandomState,
    index: &'a ScopeIndex,
}

/// The DNS rows one reader counted in its part of the day.
#[derive(Default)]
struct Counted {
    counts: HashMap<DnsKey, DnsCount, ahash::RandomState>,
    texts: Texts,
    /// More distinct rows than the pass's limit: the pass counts again in
    /// two halves.
    overflow: bool,
}

impl Counted {
    /// Adds the counts of the part of the day after this one's: a row in
    /// both keeps this one's first query, the earlier.
    fn merge(&mut self, later: Counted) {
        if later.overflow {
            self.overflow = true;
        }
        if self.overflow {
            return;
        }
        let Counted { counts, texts, .. } = later;
        let mut text = |id: u32| self.texts.id(texts.get(id));
        let mut moved = Vec::with_capacity(counts.len());
        for (key, counted) in counts {
            let key = DnsKey {
                query: text(key.query),
                qtype: text(key.qtype),
                ..key
            };
            let counted = DnsCount {
                src_country: counted.src_country.map(&mut text),
                family: counted.family.map(&mut text),
                campaign: counted.campaign.map(&mut text),
                ..counted
            };
            moved.push((key, counted));
        }
        for (key, counted) in moved {
            self.counts
                .entry(key)
                .and_modify(|earlier| earlier.count += counted.count)
                .or_insert(counted);
        }
    }
}

/// One reader's pass over `range`: connection rows into `files` (first
/// pass), DNS rows counted.
fn scan_range(
    store: &dyn EventStore,
    (from, to): (DateTime<chrono::Utc>, DateTime<chrono::Utc>),
    pass: &Pass<'_>,
    files: &mut Files<'_>,
) -> Result<Counted, ReportError> {
    let mut counted = Counted::default();
    let mut matching = Vec::new();
    let mut timestamps = Timestamps::default();
    let mut line = Row::new();
    let mut failure = None;
    let mut each = |event: &EventRow<'_>| -> Result<(), ReportError> {
        pass.index.matching(
            event.src_ip,
            event.src_asn,
            event.src_country,
            &mut matching,
        );
        if matching.is_empty() {
            return Ok(());
        }
        let report = Report::of_row(event);
        if event.protocol != Protocol::Dns {
            if pass.first {
                connection_row(event, report, timestamps.of(event)?, &mut line);
                let text = line.end();
                for &scope in &matching {
                    files.write(report, scope, text)?;
                }
            }
            return Ok(());
        }
        if counted.overflow {
            return Ok(());
        }
        let query = event.name.unwrap_or_default();
        let qtype = event.dns_qtype.unwrap_or_default();
        for &scope in &matching {
            if pass.hasher.hash_one((scope, event.src_ip, query, qtype)) % pass.modulus
                != pass.residue
            {
                continue;
            }
            let texts = &mut counted.texts;
            let key = DnsKey {
                scope,
                src: event.src_ip,
                query: texts.id(query),
                qtype: texts.id(qtype),
            };
            if let Some(row) = counted.counts.get_mut(&key) {
                row.count += 1;
            } else if counted.counts.len() < pass.limit || !pass.splittable {
                event.time()?;
                let row = DnsCount {
                    id: event.id,
                    time_us: event.time_us,
                    transport: event.transport,
                    src_port: event.src_port,
                    src_asn: event.src_asn,
                    src_country: event.src_country.map(|c| texts.id(c)),
                    family: event.family.map(|f| texts.id(f)),
                    campaign: event.campaign.map(|c| texts.id(c)),
                    count: 1,
                };
                counted.counts.insert(key, row);
            } else {
                counted.overflow = true;
                counted.counts = HashMap::with_hasher(ahash::RandomState::new());
                counted.texts = Texts::default();
                return Ok(());
            }
        }
        Ok(())
    };
    // Later passes count DNS rows only; the connection rows are written.
    let protocol = (!pass.first).then_some(Protocol::Dns);
    store.scan_between(from, to, protocol, &mut |event| match each(event) {
        Ok(()) => true,
        Err(error) => {
            failure = Some(error);
            false
        }
    })?;
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(counted)
}

#[cfg(test)]
mod tests;

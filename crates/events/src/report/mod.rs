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
//! rows, `{date}-{report}-{scope}.csv`, reading the day from the store a
//! page at a time. DNS counts are kept in a map of at most
//! [`ReportOptions::dns_rows_in_memory`] rows; a day with more distinct
//! (scope, source, query, type) than that is counted in several passes,
//! each over a hash partition of them, so memory stays bounded whatever the
//! day holds.
//!
//! The rows of a file are in time order (DNS rows by their first query),
//! except that DNS rows counted in several passes are in time order within
//! each pass.
//!
//! Known limitations: files are written under a `.partial` name and renamed
//! when complete, but the set of files of a day is not replaced atomically;
//! every (report, scope) file is open at once, so thousands of scopes need
//! a higher open-file limit; `event_id` is empty (store ids are not unique
//! across nodes).

mod csv;
mod scope;
pub mod subscribers;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

use self::csv::Row;
use self::scope::ScopeIndex;
pub use self::scope::{Scope, ScopeError};
pub use self::subscribers::{load_subscribers, scopes_of, Ledger, Subscriber, SubscribersError};
use crate::event::{Details, Event, Protocol};
use crate::store::{EventStore, StoreError};

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
        let ipv4 = event.src_ip().is_ipv4();
        match (event.protocol(), ipv4) {
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

/// How [`write_reports`] reads and counts.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Events read from the store at a time.
    pub page_size: usize,
    /// Distinct DNS rows (scope, source address, query, type) counted in
    /// memory at once; more take more passes over the day.
    pub dns_rows_in_memory: usize,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            page_size: 10_000,
            dns_rows_in_memory: 1_000_000,
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

/// `YYYY-MM-DD HH:MM:SS`, UTC.
fn timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn family(event: &Event) -> Option<&str> {
    event
        .attribution
        .as_ref()
        .map(|attribution| &*attribution.provenance.family)
}

fn campaign(event: &Event) -> Option<&str> {
    event
        .attribution
        .as_ref()
        .map(|attribution| attribution.campaign.as_str())
}

/// The columns every report starts with, `timestamp` to `device_model`.
fn source_columns(row: &mut Row, event: &Event, src: IpAddr) {
    row.text(Some(timestamp(event.time).as_str()))
        .text(Some(event.transport.as_str()))
        .text(Some(src.to_string().as_str()))
        .number(Some(u64::from(event.src.port())))
        .number(event.src_asn.map(u64::from))
        .text(event.src_country.as_deref())
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

/// The row of an HTTP, TLS or TCP event.
fn connection_row(event: &Event, report: Report) -> String {
    let mut row = Row::new();
    source_columns(&mut row, event, event.src_ip());
    let application = match event.details {
        Details::Http { .. } => "http",
        Details::Tls { .. } => "https",
        Details::Tcp { .. } | Details::Dns { .. } => "tcp",
    };
    row.text(Some(event.dst.ip().to_canonical().to_string().as_str()))
        .number(Some(u64::from(event.dst.port())))
        // dst_asn .. dst_sector: the sinkhole's own, left to the operator.
        .empty(7)
        .text(Some(PUBLIC_SOURCE))
        .text(family(event))
        .text(family(event))
        .text(campaign(event))
        .text(Some(application))
        // version, event_id
        .empty(2);
    if report.columns().len() == SINKHOLE_HTTP_COLUMNS.len() {
        if let Details::Http {
            method,
            target,
            host,
            user_agent,
            referer,
            forwarded_for,
            ..
        } = &event.details
        {
            row.text(Some(format!("{method} {target}").as_str()))
                .text(host.as_deref().map(host_name).or(event.name.as_deref()))
                .text(user_agent.as_deref())
                .text(forwarded_for.as_deref())
                // ssl_cipher
                .empty(1)
                .text(referer.as_deref());
        } else {
            row.empty(6);
        }
    }
    debug_assert_eq!(row.fields(), report.columns().len());
    row.finish()
}

/// The key DNS rows are counted under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct DnsKey {
    scope: usize,
    src: IpAddr,
    query: String,
    qtype: String,
}

/// A DNS row being counted: the first query's details and the count.
#[derive(Debug, Clone)]
struct DnsCount {
    first: Event,
    count: u64,
}

fn dns_row(key: &DnsKey, counted: &DnsCount) -> String {
    let event = &counted.first;
    let mut row = Row::new();
    source_columns(&mut row, event, key.src);
    row.text(family(event))
        .text(family(event))
        .text(campaign(event))
        .text(Some(key.qtype.as_str()))
        .text(Some(key.query.as_str()))
        .number(Some(counted.count));
    debug_assert_eq!(row.fields(), SINKHOLE_DNS_COLUMNS.len());
    row.finish()
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
}

impl Files<'_> {
    fn write(&mut self, report: Report, scope: usize, line: &str) -> Result<(), ReportError> {
        let file = match self.open.entry((report, scope)) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                let path = self
                    .dir
                    .join(report.file_name(self.day, &self.scopes[scope]));
                let mut partial = path.clone().into_os_string();
                partial.push(".partial");
                let partial = PathBuf::from(partial);
                let io = |source| ReportError::Io {
                    path: partial.clone(),
                    source,
                };
                let mut writer = BufWriter::new(File::create(&partial).map_err(io)?);
                writer.write_all(report.header().as_bytes()).map_err(io)?;
                entry.insert(OpenFile {
                    partial,
                    path,
                    writer,
                    rows: 0,
                })
            }
        };
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

/// Calls `each` for every event of `[from, to)`, a page at a time.
fn for_each_event(
    store: &dyn EventStore,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    page_size: usize,
    mut each: impl FnMut(&Event) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let page_size = page_size.max(1);
    let mut cursor = None;
    loop {
        let page = store.events_between(from, to, cursor, page_size)?;
        for (_, event) in &page {
            each(event)?;
        }
        if page.len() < page_size {
            return Ok(());
        }
        cursor = page.last().map(|(id, _)| *id);
    }
}

/// Writes the reports of `day` (UTC) for every scope into `dir`: one file
/// per report and scope that has rows, named by [`Report::file_name`].
/// An event in several scopes goes into each of their files.
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
    let mut files = Files {
        dir,
        day,
        scopes,
        open: BTreeMap::new(),
    };
    // One hasher for the whole run, so that partitions agree between
    // passes; its keys are random, so bots cannot aim queries at one.
    let hasher = ahash::RandomState::new();
    // DNS rows still to count, as (modulus, residue) of their key's hash;
    // a partition that overflows splits in two.
    let mut partitions: Vec<(u64, u64)> = vec![(1, 0)];
    let mut passes = 0;
    let index = ScopeIndex::new(scopes);
    let mut matching = Vec::new();
    while let Some((modulus, residue)) = partitions.pop() {
        let first_pass = passes == 0;
        passes += 1;
        let mut counts: HashMap<DnsKey, DnsCount, ahash::RandomState> =
            HashMap::with_hasher(ahash::RandomState::new());
        let mut overflow = false;
        // Keys whose 64-bit hashes collide cannot be split apart; past this
        // a partition is counted whole, whatever its size.
        let splittable = modulus < 1 << 62;
        for_each_event(store, from, to, options.page_size, |event| {
            let report = Report::of(event);
            index.matching(event, &mut matching);
            for &index in &matching {
                let Details::Dns { qtype } = &event.details else {
                    if first_pass {
                        files.write(report, index, &connection_row(event, report))?;
                    }
                    continue;
                };
                if overflow {
                    continue;
                }
                let key = DnsKey {
                    scope: index,
                    src: event.src_ip(),
                    query: event.name.clone().unwrap_or_default(),
                    qtype: qtype.clone(),
                };
                if hasher.hash_one(&key) % modulus != residue {
                    continue;
                }
                if let Some(counted) = counts.get_mut(&key) {
                    counted.count += 1;
                } else if counts.len() < limit || !splittable {
                    counts.insert(
                        key,
                        DnsCount {
                            first: event.clone(),
                            count: 1,
                        },
                    );
                } else {
                    overflow = true;
                    counts = HashMap::with_hasher(ahash::RandomState::new());
                }
            }
            Ok(())
        })?;
        if overflow {
            partitions.push((modulus * 2, residue + modulus));
            partitions.push((modulus * 2, residue));
            continue;
        }
        let mut rows: Vec<(DnsKey, DnsCount)> = counts.into_iter().collect();
        rows.sort_unstable_by(|(a_key, a), (b_key, b)| {
            (a.first.time, a_key).cmp(&(b.first.time, b_key))
        });
        for (key, counted) in &rows {
            let report = Report::of(&counted.first);
            files.write(report, key.scope, &dns_row(key, counted))?;
        }
    }
    Ok(ReportSummary {
        files: files.finish()?,
        passes,
    })
}

#[cfg(test)]
mod tests;

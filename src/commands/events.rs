//! `cautery events` and `cautery report`: the sinkhole events that `cautery
//! serve` stored, listed or written as Shadowserver-format CSV reports per
//! network (`event4_sinkhole_http`, `event4_sinkhole`,
//! `event4_sinkhole_dns` and their `event6_` forms: the columns of
//! Shadowserver's reports, which IntelMQ and AbuseIO parse unchanged).

use std::collections::BTreeSet;
use std::io::Write;
use std::net::IpAddr;

use std::path::Path;

use anyhow::{bail, Context, Result};
use cautery_events::report::{
    load_subscribers, scopes_of, write_reports, Ledger, ReportFile, ReportOptions, ReportSummary,
    Scope, Subscriber,
};
use cautery_events::{Details, Event, EventStore};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::cli::{EventsArgs, EventsFormat, ReportArgs, ReportScope};
use crate::daemon::runtime::EventsConfig;
use crate::daemon::spec::Config;
use crate::daemon::units::events::open_store;
use crate::dates::{now, parse_day, parse_instant};
use crate::mail::MailSettings;
use crate::output::{self, escape_echo, json_string};
use crate::Outcome;

/// Events read from the store at a time.
const PAGE: usize = 10_000;

/// The `serve` configuration of `--config`, else the embedded one.
fn config_of(path: Option<&Path>) -> Result<Config> {
    Ok(match path {
        Some(path) => Config::load(path)?,
        None => Config::embedded(),
    })
}

/// The event store of a `serve` configuration.
pub fn store_of(config: &Config) -> Result<Box<dyn EventStore + Send>> {
    let Some(events) = EventsConfig::of(config) else {
        bail!("the configuration has no event store ([events] store is empty)");
    };
    if let crate::daemon::runtime::StoreLocation::Sqlite(path) = &events.store {
        if !path.exists() {
            bail!(
                "no event store at {}: cautery serve creates it when it starts with this configuration",
                path.display()
            );
        }
    }
    open_store(&events.store)
}

/// Calls `each` for every stored event in `[from, to)`, a page at a time.
fn for_each_event(
    store: &dyn EventStore,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
    mut each: impl FnMut(&Event) -> Result<()>,
) -> Result<usize> {
    let mut cursor = None;
    let mut seen = 0;
    loop {
        let want = PAGE.min(limit - seen);
        if want == 0 {
            break;
        }
        let page = store.events_between(from, to, cursor, want)?;
        for (_, event) in &page {
            each(event)?;
        }
        seen += page.len();
        if page.len() < want {
            break;
        }
        cursor = page.last().map(|(id, _)| *id);
    }
    Ok(seen)
}

fn csv_field(text: &str) -> String {
    cautery_zone::formats::csv_field(text)
}

/// Runs `cautery events`.
pub fn list(args: &EventsArgs) -> Result<Outcome> {
    let to = match &args.to {
        Some(text) => parse_instant("--to", text)?,
        None => now(),
    };
    let from = match &args.from {
        Some(text) => parse_instant("--from", text)?,
        None => to - TimeDelta::days(1),
    };
    if from >= to {
        bail!("--from must be before --to");
    }
    let store = store_of(&config_of(args.config.as_deref())?)?;
    let mut out = output::stdout();
    if args.format == EventsFormat::Csv {
        writeln!(
            out,
            "time,protocol,transport,src,dst,name,family,seed,valid_from,valid_to,campaign,detail,src_asn,src_as_name,src_country"
        )?;
    }
    let count = for_each_event(store.as_ref(), from, to, args.limit, |event| {
        let attribution = event.attribution.as_ref();
        let family = attribution.map_or("", |a| &a.provenance.family);
        let seed = attribution.map_or("", |a| &a.provenance.seed);
        let window = attribution.map(|a| a.provenance.window);
        let from = window.map(|w| w.from_rfc3339()).unwrap_or_default();
        let to = window.map(|w| w.to_rfc3339()).unwrap_or_default();
        let campaign = attribution.map_or("", |a| &a.campaign);
        let detail = detail_of(&event.details);
        let time = event
            .time
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        match args.format {
            EventsFormat::Csv => writeln!(
                out,
                "{time},{},{},{},{},{},{},{},{from},{to},{},{},{},{},{}",
                event.protocol().as_str(),
                event.transport.as_str(),
                event.src,
                event.dst,
                // Names come from bots (queries, Host, SNI): escaped and cut.
                csv_field(&escape_echo(
                    event.name.as_deref().unwrap_or("").as_bytes(),
                    0
                )),
                csv_field(family),
                csv_field(seed),
                csv_field(campaign),
                csv_field(&detail),
                event.src_asn.map(|n| n.to_string()).unwrap_or_default(),
                csv_field(event.src_as_name.as_deref().unwrap_or("")),
                csv_field(event.src_country.as_deref().unwrap_or(""))
            )?,
            EventsFormat::Jsonl => {
                write!(
                    out,
                    "{{\"time\":\"{time}\",\"protocol\":\"{}\",\"transport\":\"{}\",\"src\":\"{}\",\"dst\":\"{}\",\"name\":",
                    event.protocol().as_str(),
                    event.transport.as_str(),
                    event.src,
                    event.dst
                )?;
                json_string(&mut out, event.name.as_deref().unwrap_or(""))?;
                out.write_all(b",\"family\":")?;
                json_string(&mut out, family)?;
                out.write_all(b",\"seed\":")?;
                json_string(&mut out, seed)?;
                write!(
                    out,
                    ",\"valid_from\":\"{from}\",\"valid_to\":\"{to}\",\"campaign\":"
                )?;
                json_string(&mut out, campaign)?;
                out.write_all(b",\"detail\":")?;
                json_string(&mut out, &detail)?;
                match event.src_asn {
                    Some(asn) => write!(out, ",\"src_asn\":{asn}")?,
                    None => out.write_all(b",\"src_asn\":null")?,
                }
                out.write_all(b",\"src_as_name\":")?;
                json_string(&mut out, event.src_as_name.as_deref().unwrap_or(""))?;
                out.write_all(b",\"src_country\":")?;
                json_string(&mut out, event.src_country.as_deref().unwrap_or(""))?;
                out.write_all(b"}\n")?;
            }
        }
        Ok(())
    })?;
    out.flush()?;
    Ok(if count == 0 {
        Outcome::NotFound
    } else {
        Outcome::Success
    })
}

/// One line of what the protocol told.
fn detail_of(details: &Details) -> String {
    match details {
        Details::Dns { qtype } => qtype.clone(),
        Details::Http {
            method,
            target,
            user_agent,
            ..
        } => format!("{method} {target} {}", user_agent.as_deref().unwrap_or("")),
        Details::Tls { alpn, ja4, .. } => format!("{ja4} {}", alpn.join(",")),
        Details::Tcp {
            first_bytes_hex,
            len,
        } => format!("{len} bytes {first_bytes_hex}"),
    }
}

/// The network a source belongs to in `--by cidr` reports: its /24, or
/// its /48 for IPv6.
fn network_of(address: IpAddr) -> Option<Scope> {
    let length = if address.is_ipv4() { 24 } else { 48 };
    ipnet::IpNet::new(address, length)
        .ok()
        .map(|net| Scope::Cidr(net.trunc()))
}

/// Writes the reports of `day` into `out`: for `scopes`, or when there are
/// none for every network, AS or country (`by`) with events that day.
/// Returns what was written and how many events fit no scope.
pub fn write_day(
    store: &dyn EventStore,
    day: NaiveDate,
    by: ReportScope,
    mut scopes: Vec<Scope>,
    out: &Path,
) -> Result<(ReportSummary, usize)> {
    let mut unscoped = 0usize;
    if scopes.is_empty() {
        let from = day.and_time(chrono::NaiveTime::MIN).and_utc();
        let mut found: BTreeSet<String> = BTreeSet::new();
        for_each_event(
            store,
            from,
            from + TimeDelta::days(1),
            usize::MAX,
            |event| {
                let scope = match by {
                    ReportScope::Cidr => network_of(event.src_ip()),
                    ReportScope::Asn => event.src_asn.map(Scope::Asn),
                    ReportScope::Country => event.src_country.clone().map(Scope::Country),
                };
                match scope {
                    Some(scope) => {
                        if found.insert(scope.to_string()) {
                            scopes.push(scope);
                        }
                    }
                    None => unscoped += 1,
                }
                Ok(())
            },
        )?;
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let summary = write_reports(store, day, &scopes, out, &ReportOptions::default())?;
    Ok((summary, unscoped))
}

/// What [`deliver`] did, per subscriber name.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Mailed now.
    pub sent: Vec<String>,
    /// Mailed by an earlier run (in the ledger).
    pub already: Vec<String>,
    /// No events in its scopes that day.
    pub nothing: Vec<String>,
    /// Failed, with why; the next run tries again.
    pub failed: Vec<(String, String)>,
}

/// Mails each subscriber its files of `day` that the ledger in `out` does
/// not list as sent, and records each delivery there.
pub fn deliver(
    day: NaiveDate,
    files: &[ReportFile],
    subscribers: &[Subscriber],
    out: &Path,
    mail: &MailSettings,
) -> Result<Delivery> {
    let mut ledger = Ledger::open(&out.join("sent.tsv"))?;
    let mut delivery = Delivery::default();
    for subscriber in subscribers {
        let name = subscriber.name.clone();
        let mine = subscriber.files_of(files);
        if mine.is_empty() {
            delivery.nothing.push(name);
        } else if ledger.was_sent(day, &name) {
            delivery.already.push(name);
        } else {
            match mail.send_reports(subscriber, day, &mine) {
                Ok(()) => {
                    ledger.record(day, &name, Utc::now(), &mine)?;
                    delivery.sent.push(name);
                }
                Err(error) => delivery.failed.push((name, format!("{error:#}"))),
            }
        }
    }
    Ok(delivery)
}

/// The subscribers of `--subscribers`, else of the configuration's
/// `[report] subscribers`; none when neither names a file.
pub fn subscribers_of(config: &Config, given: Option<&Path>) -> Result<Vec<Subscriber>> {
    let path = match given {
        Some(path) => path.to_path_buf(),
        None if config.report.subscribers.is_empty() => return Ok(Vec::new()),
        None => config.base.join(&config.report.subscribers),
    };
    Ok(load_subscribers(&path)?)
}

/// Runs `cautery report`.
pub fn report(args: &ReportArgs) -> Result<Outcome> {
    let day = parse_day("--date", &args.date)?;
    let config = config_of(args.config.as_deref())?;
    let subscribers = subscribers_of(&config, args.subscribers.as_deref())?;
    if args.send && subscribers.is_empty() {
        bail!("--send needs subscribers: give --subscribers FILE or set [report] subscribers in the configuration");
    }
    let mail = if args.send {
        Some(MailSettings::of(&config)?)
    } else {
        None
    };
    let store = store_of(&config)?;
    let mut scopes: Vec<Scope> = Vec::new();
    for text in &args.scope {
        scopes.push(text.parse().map_err(|e| anyhow::anyhow!("--scope: {e}"))?);
    }
    if scopes.is_empty() {
        scopes = scopes_of(&subscribers);
    }
    let (summary, unscoped) = write_day(store.as_ref(), day, args.by, scopes, &args.out)?;
    if unscoped > 0 {
        eprintln!(
            "cautery: {unscoped} events of {day} have no {}: set [enrich] asn-db and country-db in the serve config (MaxMind-format .mmdb files), or the databases do not know those sources; use --by cidr to report them",
            if args.by == ReportScope::Asn { "AS number" } else { "country" }
        );
    }
    let mut out = output::stdout();
    for file in &summary.files {
        writeln!(out, "{}\t{} rows", file.path.display(), file.rows)?;
    }
    out.flush()?;
    if let Some(mail) = mail {
        let delivery = deliver(day, &summary.files, &subscribers, &args.out, &mail)?;
        for name in &delivery.sent {
            writeln!(out, "sent\t{name}")?;
        }
        for name in &delivery.already {
            writeln!(out, "already sent\t{name}")?;
        }
        for name in &delivery.nothing {
            writeln!(out, "nothing to send\t{name}")?;
        }
        out.flush()?;
        if !delivery.failed.is_empty() {
            for (name, why) in &delivery.failed {
                eprintln!("cautery: sending to {name} failed: {why}");
            }
            bail!(
                "{} of {} subscribers could not be sent their reports; run again to retry them (what was sent is in {}, and is not sent twice)",
                delivery.failed.len(),
                subscribers.len(),
                args.out.join("sent.tsv").display()
            );
        }
    }
    Ok(if summary.files.is_empty() {
        Outcome::NotFound
    } else {
        Outcome::Success
    })
}

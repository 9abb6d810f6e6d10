//! `cautery events` and `cautery report`: the sinkhole events that `cautery
//! serve` stored, listed or written as Shadowserver-format CSV reports per
//! network (`event4_sinkhole_http`, `event4_sinkhole`,
//! `event4_sinkhole_dns` and their `event6_` forms: the columns of
//! Shadowserver's reports, which IntelMQ and AbuseIO parse unchanged).

use std::collections::BTreeSet;
use std::io::Write;
use std::net::IpAddr;

use anyhow::{bail, Context, Result};
use cautery_events::report::{write_reports, ReportOptions, Scope};
use cautery_events::{Details, Event, EventStore};
use chrono::{DateTime, TimeDelta, Utc};

use crate::cli::{EventsArgs, EventsFormat, ReportArgs, ReportScope};
use crate::daemon::runtime::EventsConfig;
use crate::daemon::spec::Config;
use crate::daemon::units::events::open_store;
use crate::dates::{now, parse_day, parse_instant};
use crate::output::{self, escape_echo, json_string};
use crate::Outcome;

/// Events read from the store at a time.
const PAGE: usize = 10_000;

/// The event store of a `serve` configuration.
fn store_of(config: Option<&std::path::Path>) -> Result<Box<dyn EventStore + Send>> {
    let config = match config {
        Some(path) => Config::load(path)?,
        None => Config::embedded(),
    };
    let Some(events) = EventsConfig::of(&config) else {
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
    let store = store_of(args.config.as_deref())?;
    let mut out = output::stdout();
    if args.format == EventsFormat::Csv {
        writeln!(
            out,
            "time,protocol,transport,src,dst,name,family,seed,valid_from,valid_to,campaign,detail"
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
                "{time},{},{},{},{},{},{},{},{from},{to},{},{}",
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
                csv_field(&detail)
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

/// Runs `cautery report`.
pub fn report(args: &ReportArgs) -> Result<Outcome> {
    let day = parse_day("--date", &args.date)?;
    let store = store_of(args.config.as_deref())?;
    let mut scopes: Vec<Scope> = Vec::new();
    for text in &args.scope {
        scopes.push(text.parse().map_err(|e| anyhow::anyhow!("--scope: {e}"))?);
    }
    if scopes.is_empty() {
        let from = day.and_time(chrono::NaiveTime::MIN).and_utc();
        let mut found: BTreeSet<String> = BTreeSet::new();
        let mut unscoped = 0usize;
        for_each_event(
            store.as_ref(),
            from,
            from + TimeDelta::days(1),
            usize::MAX,
            |event| {
                let scope = match args.by {
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
        if unscoped > 0 {
            eprintln!(
                "cautery: {unscoped} events of {day} have no {} (events are not enriched with AS and country data); use --by cidr to report them",
                if args.by == ReportScope::Asn { "AS number" } else { "country" }
            );
        }
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let summary = write_reports(
        store.as_ref(),
        day,
        &scopes,
        &args.out,
        &ReportOptions::default(),
    )?;
    let mut out = output::stdout();
    for file in &summary.files {
        writeln!(out, "{}\t{} rows", file.path.display(), file.rows)?;
    }
    out.flush()?;
    Ok(if summary.files.is_empty() {
        Outcome::NotFound
    } else {
        Outcome::Success
    })
}

//! `cautery monitor`: the registration watch at the command line.
//!
//! `cautery monitor check CAMPAIGN --zone-file F...` plans the campaign at an
//! instant (the same plan and allow-list gate as `cautery plan`), streams each
//! zone file through `cautery_monitor`'s reader and prints one line per
//! predicted name found delegated. Exit 0 when the check ran (whether or not
//! anything was found), 2 on bad input: an unreadable, truncated or corrupt
//! zone file names the file and the line.
//!
//! With `--state FILE` each name found is compared with what was known
//! (`cautery_monitor::observe`), the state is saved in the events database
//! in the monitor's own tables, and the alerts due go to the sinks: stdout
//! (`--alerts`, JSON lines) and a signed webhook (`--webhook`). A name's new
//! state is saved only after its alerts were delivered, so an alert a
//! webhook did not take is raised again by the next check.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

use std::time::Duration;

use anyhow::{bail, Context, Result};
use cautery_monitor::rdap::MAX_BODY;
use cautery_monitor::{
    cycle_notice, cycle_problem, open_state, problems, record, AlertKind, CycleNotice, HealthRules,
    CYCLE_SOURCE,
};
use cautery_monitor::{
    domain_url, join_zone, observe, observe_gone, open_stream, parse_domain, retry_after,
    signature, Alert, AlertRules, Bootstrap, Change, DomainRecord, Due, Evidence, Found, HeldName,
    JoinStats, NameState, Observation, PredictionIndex, Target, ZoneReader, SIGNATURE_HEADER,
};
use cautery_zone::{normalise_name, GatedPlan};
use chrono::{DateTime, Utc};

use crate::campaigns::{allow_list, load};
use crate::cli::{
    HealthArgs, MonitorArgs, MonitorCheckArgs, MonitorCommand, MonitorStatusArgs, PlanFormat,
};
use crate::commands::monitor_dns::{parse_server, DnsSettings};
use crate::commands::monitor_inputs::{plan_at, ArchivedInput};
use crate::dates::{now, parse_instant};
use crate::output;
use crate::Outcome;

/// Runs `cautery monitor`.
pub fn run(args: &MonitorArgs) -> Result<Outcome> {
    match (&args.command, &args.config) {
        (Some(MonitorCommand::Check(check_args)), _) => check(check_args),
        (Some(MonitorCommand::Status(status_args)), _) => status(status_args),
        (None, Some(config)) => {
            crate::daemon::units::monitor::run_alone(config, args.once, args.clock_file.clone())
        }
        (None, None) => bail!(
            "give a subcommand (cautery monitor check CAMPAIGN ..., cautery monitor status \
             --state FILE) or --config FILE to run the [monitor] section of a serve configuration"
        ),
    }
}

/// Read buffer of a zone file: large, since a `.com` file is gigabytes.
const READ_BUFFER: usize = 1 << 20;

fn check(args: &MonitorCheckArgs) -> Result<Outcome> {
    let mut out = output::stdout();
    check_into(args, &mut out)?;
    out.flush()?;
    Ok(Outcome::Success)
}

/// One check (one cycle of the watch): the names found go to `out` (unless
/// `args.alerts`, then the alerts do); errors that make the check incomplete
/// are returned after what could be done was done.
pub fn check_into(args: &MonitorCheckArgs, out: &mut dyn Write) -> Result<()> {
    check_until(args, out, &|| false)
}

/// Why a check stopped when it was given up.
pub const GIVEN_UP: &str = "check given up: a reload replaced the monitor's configuration";

/// [`check_into`] that stops, without recording or alerting anything more,
/// at the next step after `given_up` turns true (the daemon gives up a cycle
/// when a reload changes the monitor's configuration; a step blocked in a
/// read ends first, since it cannot be interrupted).
pub fn check_until(
    args: &MonitorCheckArgs,
    out: &mut dyn Write,
    given_up: &dyn Fn() -> bool,
) -> Result<()> {
    let stop_if_given_up = || -> Result<()> {
        if given_up() {
            bail!(GIVEN_UP);
        }
        Ok(())
    };
    if args.zone_file.is_empty() && args.dns.is_empty() {
        bail!(
            "no source to check: give --zone-file FILE (a registry zone file, plain or gzip) \
             or --dns TLD=ADDRESS (a TLD's authoritative server)"
        );
    }
    let dns = dns_settings(args)?;
    if args.zone_file.iter().filter(|f| f.as_str() == "-").count() > 1 {
        bail!("--zone-file - (stdin) given more than once; stdin can be read once");
    }
    let at = match args.at.as_deref() {
        Some(text) => parse_instant("--at", text)?,
        None => now(),
    };
    let loaded = load(&args.campaign)?;
    let allow = allow_list(&loaded.campaign, &loaded.base, &[], &[])?;
    let data = crate::commands::seed::data_dir(args.data_dir.as_deref());
    let (plan, inputs) = plan_at(&loaded.campaign, at, &data)?;
    let campaign = &loaded.campaign;
    let gated = GatedPlan::new(plan, &allow, &campaign.zone.name, campaign.subdomains);
    let held = held_names(args)?;
    let mut index = PredictionIndex::new(&gated);
    if !args.plan_only {
        index = index.with_held(&held);
    }
    let mut found: Vec<Found<'_>> = Vec::new();
    let mut total = Totals::default();
    let mut absences = Absences::default();
    for path in &args.zone_file {
        stop_if_given_up()?;
        let result = join_file(path, args.origin.as_deref(), &index, &mut found);
        stop_if_given_up()?;
        if args.state.is_some() {
            let outcome = match &result {
                Ok(_) => Ok(modified(path)),
                Err(error) => Err(format!("{error:#}")),
            };
            record_source(args, &format!("zone-file:{path}"), at, outcome)?;
        }
        let (stats, apex) = result?;
        if let Some(apex) = apex {
            absences.zones.push((apex, format!("zone-file:{path}")));
        }
        total.delegations += stats.delegations;
        total.found += stats.found;
    }
    if let Some(settings) = &dns {
        stop_if_given_up()?;
        check_dns(
            args,
            settings,
            &index,
            &mut found,
            at,
            &mut total,
            &mut absences,
        )?;
    }
    let records = match &args.rdap_bootstrap {
        Some(path) => {
            let mut client = RdapClient::new(path, args.rdap_interval_ms)?;
            let warn = chrono::Duration::days(i64::from(args.expiry_warn_days));
            found
                .iter()
                .map(|hit| {
                    if rdap_due(hit.target, at, warn) && !given_up() {
                        client.lookup(hit.target.name())
                    } else {
                        Ok(None)
                    }
                })
                .map(|lookup| match lookup {
                    Ok(record) => record,
                    Err(error) => {
                        eprintln!("cautery: {error:#}");
                        None
                    }
                })
                .collect()
        }
        None => vec![None; found.len()],
    };
    stop_if_given_up()?;
    let mut out = out;
    let days_ahead = i64::from(campaign.horizon.days_ahead);
    if args.state.is_some() {
        let raising = Raising {
            args,
            at,
            days_ahead,
            inputs: &inputs,
            given_up,
        };
        raise_alerts(&raising, &found, &records, &mut out)?;
        let gone = Gone {
            index: &index,
            held: &held,
            found: &found,
            absences: &absences,
        };
        raise_gone_alerts(&raising, &gone, &mut out)?;
    }
    if let Some(folder) = &args.registry_requests {
        write_registry_requests(folder, &found, days_ahead, &inputs)?;
    }
    if !args.alerts {
        for (hit, record) in found.iter().zip(&records) {
            if let Target::Predicted(entry) = hit.target {
                write_found(&mut out, entry, hit, record.as_ref(), args.format)?;
            }
        }
    }
    out.flush()?;
    eprintln!(
        "cautery: {} predicted and {} held names checked against {} delegations in {} zone files and {} DNS answers: {} found delegated",
        index.len(),
        index.held_len(),
        total.delegations,
        args.zone_file.len(),
        total.asked,
        total.found
    );
    Ok(())
}

/// Where a check saw predicted names not delegated at all: the zones whose
/// whole file it read (apex and source), and the names a TLD's server
/// answered are not delegated (name and source).
#[derive(Default)]
struct Absences {
    zones: Vec<(String, String)>,
    names: std::collections::HashMap<String, String>,
}

impl Absences {
    /// The source that shows `name` not delegated, if one covers it; only
    /// meaningful for a name no source found delegated.
    fn source_of(&self, name: &str) -> Option<&str> {
        if let Some(source) = self.names.get(name) {
            return Some(source);
        }
        let (_, parent) = name.split_once('.')?;
        self.zones
            .iter()
            .find(|(apex, _)| apex == parent)
            .map(|(_, source)| source.as_str())
    }
}

/// What the alerting steps of a check share.
struct Raising<'c> {
    args: &'c MonitorCheckArgs,
    at: DateTime<Utc>,
    /// The campaign's days ahead, for the evidence's `predicted_from`.
    days_ahead: i64,
    inputs: &'c [ArchivedInput],
    /// Stop before the next name: the check was given up.
    given_up: &'c dyn Fn() -> bool,
}

/// What [`raise_gone_alerts`] looks at.
struct Gone<'c, 'a> {
    index: &'c PredictionIndex<'a>,
    held: &'c [HeldName],
    found: &'c [Found<'a>],
    absences: &'c Absences,
}

/// Every name of the state held on the operator's sinkhole (its last name
/// servers all under `--held-ns`), read a page at a time so that only the
/// held names' own few fields stay in memory; none without `--state` or
/// `--held-ns`.
fn held_names(args: &MonitorCheckArgs) -> Result<Vec<HeldName>> {
    let Some(path) = &args.state else {
        return Ok(Vec::new());
    };
    let rules = alert_rules(args);
    if rules.held_ns.is_empty() {
        return Ok(Vec::new());
    }
    let mut store = open_state(&path.to_string_lossy())?;
    let mut held = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.name_page(after.as_deref(), HELD_PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.domain.clone());
        held.extend(
            page.into_iter()
                .filter(|state| rules.holds(&state.ns))
                .map(|state| HeldName {
                    domain: state.domain,
                    expires: state.expires,
                }),
        );
    }
    Ok(held)
}

/// Names read from the state at a time.
const HELD_PAGE: usize = 1000;

/// Whether RDAP is asked about a name found delegated: always for a name of
/// the plan; for a held name outside it (watched for years, in numbers)
/// only when its expiry is unknown or due within the warning period, so that
/// the `expiring` alert is raised or the renewal seen without asking about
/// every seized name every cycle.
fn rdap_due(target: Target<'_>, at: DateTime<Utc>, warn: chrono::Duration) -> bool {
    match target {
        Target::Predicted(_) => true,
        Target::Held(held) => held.expires.is_none_or(|expires| expires - at <= warn),
    }
}

/// What a check read from its sources.
#[derive(Default)]
struct Totals {
    delegations: u64,
    asked: u64,
    found: u64,
}

fn dns_settings(args: &MonitorCheckArgs) -> Result<Option<DnsSettings>> {
    if args.dns.is_empty() {
        return Ok(None);
    }
    let mut servers: std::collections::BTreeMap<String, Vec<std::net::SocketAddr>> =
        std::collections::BTreeMap::new();
    for text in &args.dns {
        let (tld, address) = parse_server(text)?;
        let list = servers.entry(tld).or_default();
        if !list.contains(&address) {
            list.push(address);
        }
    }
    if args.dns_concurrency == 0 || args.dns_concurrency > 256 {
        bail!("--dns-concurrency {}: give 1 to 256", args.dns_concurrency);
    }
    if args.dns_timeout_ms == 0 {
        bail!("--dns-timeout-ms 0: give the milliseconds to wait for an answer");
    }
    Ok(Some(DnsSettings {
        servers,
        concurrency: args.dns_concurrency,
        interval: Duration::from_millis(args.dns_interval_ms),
        timeout: Duration::from_millis(args.dns_timeout_ms),
        attempts: args.dns_attempts.max(1),
    }))
}

/// Asks the configured TLD servers about every predicted name under them
/// that the zone files did not already show delegated; records each TLD's
/// health as the source `dns:TLD`.
fn check_dns<'a>(
    args: &MonitorCheckArgs,
    settings: &DnsSettings,
    index: &PredictionIndex<'a>,
    found: &mut Vec<Found<'a>>,
    at: DateTime<Utc>,
    total: &mut Totals,
    absences: &mut Absences,
) -> Result<()> {
    let known: std::collections::HashSet<&str> =
        found.iter().map(|hit| hit.target.name()).collect();
    let targets: Vec<Target<'a>> = index
        .targets()
        .filter(|target| !known.contains(target.name()))
        .collect();
    let names: Vec<&str> = targets.iter().map(|target| target.name()).collect();
    let outcome = crate::commands::monitor_dns::check(settings, &names);
    for tld in &outcome.per_tld {
        total.asked += tld.asked as u64;
        if args.state.is_some() {
            record_source(
                args,
                &format!("dns:{}", tld.tld),
                at,
                tld.result().map(|()| None),
            )?;
        }
        if let Err(message) = tld.result() {
            eprintln!("cautery: {message}");
        }
    }
    for (position, server) in outcome.not_delegated {
        absences
            .names
            .insert(names[position].to_owned(), format!("dns:{server}"));
    }
    for (position, server, ns) in outcome.delegated {
        found.push(Found {
            target: targets[position],
            ns,
            source: format!("dns:{server}"),
        });
        total.found += 1;
    }
    Ok(())
}

fn join_file<'a>(
    path: &str,
    origin: Option<&str>,
    index: &PredictionIndex<'a>,
    found: &mut Vec<Found<'a>>,
) -> Result<(JoinStats, Option<String>)> {
    let input: Box<dyn BufRead> = if path == "-" {
        Box::new(BufReader::with_capacity(READ_BUFFER, io::stdin().lock()))
    } else {
        let file = File::open(path)
            .with_context(|| format!("cannot read zone file {path}: check the path"))?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            bail!("zone file {path} is a folder; give the file itself");
        }
        Box::new(BufReader::with_capacity(READ_BUFFER, file))
    };
    let stream = open_stream(input).with_context(|| format!("cannot read zone file {path}"))?;
    let mut reader = ZoneReader::new(stream);
    if let Some(origin) = origin {
        reader = reader.with_origin(origin).context("--origin")?;
    }
    let stats = join_zone(&mut reader, index, &format!("zone-file:{path}"), found)
        .with_context(|| format!("zone file {path}"))?;
    Ok((stats, reader.apex().map(str::to_owned)))
}

fn instant(at: Option<chrono::DateTime<chrono::Utc>>) -> serde_json::Value {
    match at {
        Some(_) => serde_json::Value::String(cautery_zone::rpz::instant_text(at)),
        None => serde_json::Value::Null,
    }
}

fn write_found(
    out: &mut impl Write,
    entry: cautery_zone::Entry<'_>,
    hit: &Found<'_>,
    record: Option<&DomainRecord>,
    format: PlanFormat,
) -> Result<()> {
    let name = entry.name();
    match format {
        PlanFormat::Plain => {
            write!(out, "{name}")?;
            let origins: Vec<String> = entry
                .origins()
                .map(|o| {
                    format!(
                        "{}/{} {}",
                        o.family,
                        o.seed,
                        cautery_zone::rpz::window_text(o.window)
                    )
                })
                .collect();
            writeln!(
                out,
                "\t{}\t{}\t{}",
                origins.join(","),
                hit.source,
                hit.ns.join(",")
            )?;
        }
        PlanFormat::Jsonl => {
            let first = entry.first_origin();
            let origins: Vec<serde_json::Value> = entry
                .origins()
                .map(|o| {
                    serde_json::json!({
                        "family": o.family,
                        "seed": o.seed,
                        "valid_from": instant(o.window.from),
                        "valid_to": instant(o.window.to),
                    })
                })
                .collect();
            let mut line = serde_json::json!({
                "domain": name,
                "family": first.family,
                "seed": first.seed,
                "valid_from": instant(first.window.from),
                "valid_to": instant(first.window.to),
                "source": hit.source,
                "ns": hit.ns,
                "origins": origins,
            });
            if let Some(record) = record {
                line["registrar"] = serde_json::json!(record.registrar);
                line["expires"] = serde_json::json!(record.expires.map(|t| t.to_rfc3339()));
                line["status"] = serde_json::json!(record.status);
                line["rdap_ns"] = serde_json::json!(record.ns);
            }
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// Compares each name found with the state, saves it and sends the alerts due.
fn raise_alerts(
    raising: &Raising<'_>,
    found: &[Found<'_>],
    records: &[Option<DomainRecord>],
    out: &mut impl Write,
) -> Result<()> {
    let Raising {
        args,
        at,
        days_ahead,
        inputs,
        ..
    } = *raising;
    let Some(path) = &args.state else {
        return Ok(());
    };
    let mut store = open_state(&path.to_string_lossy())?;
    let rules = alert_rules(args);
    let sinks = Sinks::of(args)?;
    let mut failures = 0;
    for (hit, record) in found.iter().zip(records) {
        if (raising.given_up)() {
            bail!(GIVEN_UP);
        }
        let domain = hit.target.name();
        let previous = store.load(domain)?;
        let seen = Observation {
            domain: domain.to_owned(),
            ns: hit.ns.clone(),
            registrar: record.as_ref().and_then(|r| r.registrar.clone()),
            expires: record.as_ref().and_then(|r| r.expires),
            source: hit.source.clone(),
        };
        let (mut state, due) = observe(previous.as_ref(), &seen, at, &rules);
        // A held name outside the plan keeps the evidence of its prediction.
        if let Target::Predicted(entry) = hit.target {
            state.evidence = evidence_of(entry, days_ahead, inputs);
        }
        let (alerts, changes) = alerts_of(due, &state, &state.evidence, at, &hit.source, None, "");
        if sinks.deliver_all(&alerts, out)? {
            store.save(&state, &changes, &alerts)?;
        } else {
            failures += 1;
        }
    }
    if failures > 0 {
        bail!(
            "{failures} names' alerts were not delivered; their state was not saved, so the next \
             check raises them again"
        );
    }
    Ok(())
}

/// The alerts `due` for a name, telling it as `shown` (its state now, or
/// as last seen delegated), and the changes they record.
fn alerts_of(
    due: Vec<Due>,
    shown: &NameState,
    evidence: &[Evidence],
    at: DateTime<Utc>,
    source: &str,
    last_seen: Option<DateTime<Utc>>,
    detail: &str,
) -> (Vec<Alert>, Vec<Change>) {
    let mut changes = Vec::new();
    let alerts = due
        .into_iter()
        .map(|due| {
            changes.extend(due.changes.iter().cloned());
            Alert {
                kind: due.kind,
                at,
                domain: shown.domain.clone(),
                source: source.to_owned(),
                ns: shown.ns.clone(),
                registrar: shown.registrar.clone(),
                expires: shown.expires,
                first_seen: Some(shown.first_seen),
                last_seen,
                changes: due.changes,
                away_from_sinkhole: due.away_from_sinkhole,
                repeat: due.repeat,
                detail: detail.to_owned(),
                evidence: evidence.to_vec(),
                finding: None,
            }
        })
        .collect();
    (alerts, changes)
}

/// The alert rules of a check.
fn alert_rules(args: &MonitorCheckArgs) -> AlertRules {
    AlertRules {
        renotify: chrono::Duration::days(i64::from(args.renotify_days.max(1))),
        expiry_warn_days: args.expiry_warn_days,
        held_ns: args
            .held_ns
            .iter()
            .map(|suffix| normalise_name(suffix))
            .collect(),
    }
}

/// Names held on the operator's sinkhole that a source covering their zone
/// shows not delegated any more (`cautery_monitor::observe_gone`): a
/// `changed` alert with the name servers and instant they were last seen
/// with, once, again after the re-notify period. Every held name of the
/// state is looked at, in the campaign's horizon or not (but for a check
/// with `plan_only`, only the plan's), since a seized name is watched for
/// years after its day.
fn raise_gone_alerts(
    raising: &Raising<'_>,
    gone: &Gone<'_, '_>,
    out: &mut impl Write,
) -> Result<()> {
    let Raising {
        args,
        at,
        days_ahead,
        inputs,
        ..
    } = *raising;
    let Some(path) = &args.state else {
        return Ok(());
    };
    if gone.absences.zones.is_empty() && gone.absences.names.is_empty() {
        return Ok(());
    }
    let rules = alert_rules(args);
    if rules.held_ns.is_empty() {
        return Ok(());
    }
    let mut store = open_state(&path.to_string_lossy())?;
    let seen: std::collections::HashSet<&str> =
        gone.found.iter().map(|hit| hit.target.name()).collect();
    let sinks = Sinks::of(args)?;
    let mut failures = 0;
    for held in gone.held {
        if (raising.given_up)() {
            bail!(GIVEN_UP);
        }
        if seen.contains(held.domain.as_str()) {
            continue;
        }
        let (Some(target), Some(source)) = (
            gone.index.get(&held.domain),
            gone.absences.source_of(&held.domain),
        ) else {
            continue;
        };
        // Read again: the held list is only the names.
        let Some(previous) = store.load(&held.domain)? else {
            continue;
        };
        let Some((mut state, due)) = observe_gone(&previous, at, &rules) else {
            continue;
        };
        if let Target::Predicted(entry) = target {
            state.evidence = evidence_of(entry, days_ahead, inputs);
        }
        let detail = format!(
            "no longer delegated ({source}); last seen delegated to {} at {}",
            previous.ns.join(","),
            previous.last_seen.to_rfc3339()
        );
        let (alerts, changes) = alerts_of(
            due,
            &previous,
            &state.evidence,
            at,
            source,
            Some(previous.last_seen),
            &detail,
        );
        if state == previous {
            continue;
        }
        if sinks.deliver_all(&alerts, out)? {
            store.save(&state, &changes, &alerts)?;
        } else {
            failures += 1;
        }
    }
    if failures > 0 {
        bail!(
            "{failures} held names' alerts were not delivered; their state was not saved, so \
             the next check raises them again"
        );
    }
    Ok(())
}

/// Where alerts go, as configured (`monitor check`'s options, `[monitor]`'s keys).
#[derive(Debug, Clone, Default)]
pub(crate) struct SinkSettings {
    /// JSON lines on stdout.
    pub stdout: bool,
    /// The webhook's URL.
    pub webhook: Option<String>,
    /// The file holding its HMAC secret.
    pub webhook_secret_file: Option<std::path::PathBuf>,
    /// The Slack/Mattermost `{"text": ...}` form.
    pub webhook_chat: bool,
    /// `HOST:PORT` of a syslog receiver.
    pub syslog: Option<String>,
    /// The SMTP server of `[mail]`.
    pub mail: Option<crate::mail::MailSettings>,
    /// Who is mailed.
    pub mail_to: Vec<String>,
}

/// The sinks of a check's alerts: stdout (JSON lines), a signed webhook,
/// syslog and mail. The live findings of `cautery serve` go through the
/// same ones (`[detect] alert`).
pub(crate) struct Sinks {
    stdout: bool,
    webhook: Option<Webhook>,
    syslog: Option<String>,
    mail: Option<(crate::mail::MailSettings, Vec<String>)>,
}

impl Sinks {
    /// The sinks `args` names.
    pub(crate) fn of(args: &MonitorCheckArgs) -> Result<Sinks> {
        Sinks::new(&SinkSettings {
            stdout: args.alerts,
            webhook: args.webhook.clone(),
            webhook_secret_file: args.webhook_secret_file.clone(),
            webhook_chat: args.webhook_chat,
            syslog: args.syslog.clone(),
            mail: args.mail.clone(),
            mail_to: args.mail_to.clone(),
        })
    }

    /// The sinks of `settings`: the secret read, the webhook URL checked.
    pub(crate) fn new(settings: &SinkSettings) -> Result<Sinks> {
        let webhook = match &settings.webhook {
            Some(url) => Some(Webhook::new(
                url,
                settings.webhook_secret_file.as_deref(),
                settings.webhook_chat,
            )?),
            None => None,
        };
        let mail = match &settings.mail {
            Some(mail) if !settings.mail_to.is_empty() => {
                Some((mail.clone(), settings.mail_to.clone()))
            }
            _ => None,
        };
        Ok(Sinks {
            stdout: settings.stdout,
            webhook,
            syslog: settings.syslog.clone(),
            mail,
        })
    }

    /// Whether no sink is set.
    pub(crate) fn is_empty(&self) -> bool {
        !self.stdout && self.webhook.is_none() && self.syslog.is_none() && self.mail.is_none()
    }

    /// Sends `alert` to every sink (stdout to `out`); false when one did not
    /// take it (the reason is on stderr), so the caller raises it again later.
    pub(crate) fn deliver(&self, alert: &Alert, out: &mut dyn Write) -> Result<bool> {
        let mut delivered = true;
        if self.stdout {
            writeln!(out, "{}", alert.to_json())?;
        }
        if let Some(webhook) = &self.webhook {
            if let Err(error) = webhook.send(alert) {
                eprintln!("cautery: {error:#}");
                delivered = false;
            }
        }
        if let Some(address) = &self.syslog {
            if let Err(error) = send_syslog(address, alert) {
                eprintln!("cautery: {error:#}");
                delivered = false;
            }
        }
        if let Some((mail, to)) = &self.mail {
            if let Err(error) = mail.send_alert(to, alert) {
                eprintln!("cautery: {error:#}");
                delivered = false;
            }
        }
        Ok(delivered)
    }

    /// [`Sinks::deliver`] of each alert; false when any was not taken.
    pub(crate) fn deliver_all(&self, alerts: &[Alert], out: &mut dyn Write) -> Result<bool> {
        let mut delivered = true;
        for alert in alerts {
            delivered &= self.deliver(alert, out)?;
        }
        Ok(delivered)
    }
}

/// The evidence of a name found: one per family, seed and window that
/// predicts it; a public-data family's cites the archived input it was
/// planned from.
fn evidence_of(
    entry: cautery_zone::Entry<'_>,
    days_ahead: i64,
    inputs: &[ArchivedInput],
) -> Vec<Evidence> {
    entry
        .origins()
        .map(|origin| {
            let references = cautery_dga::find_family(origin.family)
                .or_else(|| cautery_dga::find_public_data_family(origin.family).map(|f| &f.family))
                .map(|family| family.references.iter().map(|r| r.to_string()).collect())
                .unwrap_or_default();
            let predicted_from = origin
                .window
                .from
                .map(|from| from - chrono::Duration::days(days_ahead));
            let input = inputs.iter().find(|input| input.family == origin.family);
            Evidence {
                family: origin.family.to_owned(),
                seed: origin.seed.to_owned(),
                valid_from: cautery_zone::rpz::instant_text(origin.window.from),
                valid_to: cautery_zone::rpz::instant_text(origin.window.to),
                predicted_from: cautery_zone::rpz::instant_text(predicted_from),
                algorithm_source: references,
                input_sha256: input.map(|input| input.sha256.clone()),
                input_path: input.map(|input| input.path.to_string_lossy().into_owned()),
                input_fetched_at: input.map(|input| input.fetched_at.to_rfc3339()),
            }
        })
        .collect()
}

/// A webhook sink: JSON POST, HMAC-signed when a secret is given.
struct Webhook {
    url: String,
    secret: Option<Vec<u8>>,
    chat: bool,
    agent: ureq::Agent,
}

/// Attempts per alert, and the pause between them.
const WEBHOOK_ATTEMPTS: u32 = 3;
const WEBHOOK_PAUSE: Duration = Duration::from_millis(500);

impl Webhook {
    fn new(url: &str, secret_file: Option<&std::path::Path>, chat: bool) -> Result<Webhook> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("--webhook {url}: expected an http:// or https:// URL");
        }
        let secret = match secret_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read the webhook secret file {}", path.display())
                })?;
                let secret = text.trim_end_matches(['\n', '\r']);
                if secret.is_empty() {
                    bail!(
                        "webhook secret file {} is empty; put the shared secret in it",
                        path.display()
                    );
                }
                Some(secret.as_bytes().to_vec())
            }
            None => None,
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .user_agent("cautery monitor")
            .build()
            .into();
        Ok(Webhook {
            url: url.to_owned(),
            secret,
            chat,
            agent,
        })
    }

    fn send(&self, alert: &Alert) -> Result<()> {
        let body = if self.chat {
            alert.chat_json()
        } else {
            alert.to_json()
        };
        let mut last = String::new();
        for attempt in 0..WEBHOOK_ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(WEBHOOK_PAUSE);
            }
            let mut request = self
                .agent
                .post(&self.url)
                .header("Content-Type", "application/json");
            if let Some(secret) = &self.secret {
                request = request.header(SIGNATURE_HEADER, &signature(secret, body.as_bytes()));
            }
            match request.send(body.as_bytes()) {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => last = format!("answered {}", response.status()),
                Err(error) => last = error.to_string(),
            }
        }
        bail!(
            "webhook {}: the {} alert for {} was not delivered after {WEBHOOK_ATTEMPTS} attempts: {last}",
            self.url,
            alert.kind.as_str(),
            alert.domain
        )
    }
}

/// RDAP over HTTP: one request at a time, at least `interval` apart per
/// server, `429` answered by waiting its `Retry-After` (at most a minute).
struct RdapClient {
    bootstrap: Bootstrap,
    agent: ureq::Agent,
    interval: Duration,
    last: std::collections::HashMap<String, std::time::Instant>,
}

/// Attempts per name; the longest wait a `Retry-After` may ask for.
const RDAP_ATTEMPTS: u32 = 4;
const RDAP_WAIT_CAP: Duration = Duration::from_secs(60);

impl RdapClient {
    fn new(bootstrap: &std::path::Path, interval_ms: u64) -> Result<RdapClient> {
        let text = std::fs::read(bootstrap).with_context(|| {
            format!(
                "cannot read the RDAP bootstrap file {}",
                bootstrap.display()
            )
        })?;
        let bootstrap = Bootstrap::parse(&text).with_context(|| {
            format!(
                "{} (download https://data.iana.org/rdap/dns.json)",
                bootstrap.display()
            )
        })?;
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(15)))
            .http_status_as_error(false)
            .max_redirects(3)
            .user_agent("cautery monitor")
            .build()
            .into();
        Ok(RdapClient {
            bootstrap,
            agent,
            interval: Duration::from_millis(interval_ms),
            last: std::collections::HashMap::new(),
        })
    }

    /// The registration of `domain`; `None` when RDAP does not know it (404)
    /// or no server serves its TLD.
    fn lookup(&mut self, domain: &str) -> Result<Option<DomainRecord>> {
        let Some(base) = self.bootstrap.base_urls(domain).and_then(|urls| {
            urls.iter()
                .find(|u| u.starts_with("https://"))
                .or(urls.first())
                .cloned()
        }) else {
            return Ok(None);
        };
        let url = domain_url(&base, domain);
        let server = base
            .split('/')
            .nth(2)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut backoff = Duration::from_secs(1);
        for _ in 0..RDAP_ATTEMPTS {
            if let Some(last) = self.last.get(&server) {
                let next = *last + self.interval;
                let now = std::time::Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                }
            }
            self.last.insert(server.clone(), std::time::Instant::now());
            let mut response = match self
                .agent
                .get(&url)
                .header("Accept", "application/rdap+json")
                .call()
            {
                Ok(response) => response,
                Err(error) => bail!("RDAP {url}: {error}"),
            };
            match response.status().as_u16() {
                200 => {
                    let body = response
                        .body_mut()
                        .with_config()
                        .limit(MAX_BODY as u64)
                        .read_to_vec()
                        .with_context(|| format!("RDAP {url}: reading the answer"))?;
                    return Ok(Some(parse_domain(&body, domain)?));
                }
                404 => return Ok(None),
                429 | 503 => {
                    let cap = chrono::Duration::from_std(RDAP_WAIT_CAP).unwrap_or_default();
                    let wait = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry_after(v, now(), cap))
                        .and_then(|w| w.to_std().ok())
                        .unwrap_or(backoff);
                    backoff = (backoff * 2).min(RDAP_WAIT_CAP);
                    std::thread::sleep(wait);
                }
                status => bail!("RDAP {url} answered {status}"),
            }
        }
        bail!("RDAP {url}: still rate-limited after {RDAP_ATTEMPTS} attempts; try later")
    }
}

fn health_rules(args: &HealthArgs) -> HealthRules {
    HealthRules {
        interval: chrono::Duration::minutes(i64::from(args.interval_minutes.max(1))),
        max_failures: args.max_failures,
        max_data_age: chrono::Duration::hours(i64::from(args.zone_max_age_hours)),
    }
}

/// A file's modification time, for the staleness of zone files.
fn modified(path: &str) -> Option<DateTime<Utc>> {
    if path == "-" {
        return None;
    }
    let time = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    Some(DateTime::<Utc>::from(time))
}

/// Records how a source did in this check; when its health changes, a
/// `health` alert goes to the sinks (unhealthy with the reasons, or recovered).
pub(crate) fn record_source(
    args: &MonitorCheckArgs,
    source: &str,
    at: DateTime<Utc>,
    outcome: std::result::Result<Option<DateTime<Utc>>, String>,
) -> Result<()> {
    let Some(path) = &args.state else {
        return Ok(());
    };
    let mut store = open_state(&path.to_string_lossy())?;
    let previous = store.sources()?.into_iter().find(|s| s.source == source);
    let mut health = record(previous.as_ref(), source, at, outcome);
    let found = problems(&health, at, &health_rules(&args.health));
    let unhealthy = !found.is_empty();
    let mut alerts = Vec::new();
    if unhealthy != health.unhealthy {
        let detail = if unhealthy {
            found
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            "recovered".to_owned()
        };
        alerts.push(Alert {
            kind: AlertKind::Health,
            at,
            domain: String::new(),
            source: source.to_owned(),
            ns: Vec::new(),
            registrar: None,
            expires: None,
            first_seen: None,
            last_seen: None,
            changes: Vec::new(),
            away_from_sinkhole: false,
            repeat: false,
            detail,
            evidence: Vec::new(),
            finding: None,
        });
    }
    let delivered = deliver_health(args, &alerts)?;
    if delivered {
        health.unhealthy = unhealthy;
    }
    store.save_source(&health, if delivered { &alerts } else { &[] })?;
    Ok(())
}

/// Sends health alerts to every sink of `args`; false when a sink did not
/// take one (the caller then keeps the old state, so it is raised again).
fn deliver_health(args: &MonitorCheckArgs, alerts: &[Alert]) -> Result<bool> {
    if alerts.is_empty() {
        return Ok(true);
    }
    // Health alerts are few; stdout stays line-ordered with the others.
    Sinks::of(args)?.deliver_all(alerts, &mut io::stdout().lock())
}

/// What the daemon knows of its own cycles between two looks.
#[derive(Debug, Default)]
pub struct CycleWatch {
    /// Whether the last alert said the cycle is unhealthy (`None` until
    /// read from the state).
    unhealthy: Option<bool>,
    /// When the last unhealthy alert was sent.
    notified: Option<DateTime<Utc>>,
}

/// Records the health of the monitor's own cycle (the source
/// `monitor:cycle`) at `now`: the cycle started at `started` has finished
/// (`finished`) or is still running. A stalled or late cycle is a `health`
/// alert through the sinks, once, repeated every re-notify period while it
/// lasts, and a `recovered` one when a cycle finishes in time. While a
/// cycle runs nothing is written unless an alert is due.
pub(crate) fn record_cycle(
    args: &MonitorCheckArgs,
    watch: &mut CycleWatch,
    interval: chrono::Duration,
    started: DateTime<Utc>,
    finished: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(path) = &args.state else {
        return Ok(());
    };
    let problem = cycle_problem(started, finished.then_some(now), now, interval);
    let renotify = chrono::Duration::days(i64::from(args.renotify_days.max(1)));
    let mut store = None;
    let was_unhealthy = match watch.unhealthy {
        Some(known) => known,
        None => {
            let opened = store.insert(open_state(&path.to_string_lossy())?);
            let previous = opened
                .sources()?
                .into_iter()
                .find(|s| s.source == CYCLE_SOURCE);
            let known = previous.is_some_and(|p| p.unhealthy);
            // Told before this process started: the period runs from now.
            if known {
                watch.notified = Some(now);
            }
            watch.unhealthy = Some(known);
            known
        }
    };
    let notice = cycle_notice(
        was_unhealthy,
        problem.is_some(),
        watch.notified,
        now,
        renotify,
    );
    if !finished && notice.is_none() {
        return Ok(());
    }
    let mut store = match store {
        Some(store) => store,
        None => open_state(&path.to_string_lossy())?,
    };
    let previous = store
        .sources()?
        .into_iter()
        .find(|s| s.source == CYCLE_SOURCE);
    let mut health = record(
        previous.as_ref(),
        CYCLE_SOURCE,
        started,
        match &problem {
            Some(problem) => Err(problem.clone()),
            None => Ok(None),
        },
    );
    if problem.is_none() {
        // A good cycle is good when it ends.
        health.last_ok = Some(now);
    }
    health.unhealthy = was_unhealthy;
    let alerts: Vec<Alert> = notice
        .into_iter()
        .map(|notice| Alert {
            kind: AlertKind::Health,
            at: now,
            domain: String::new(),
            source: CYCLE_SOURCE.to_owned(),
            ns: Vec::new(),
            registrar: None,
            expires: None,
            first_seen: None,
            last_seen: None,
            changes: Vec::new(),
            away_from_sinkhole: false,
            repeat: notice == CycleNotice::Repeat,
            detail: problem.clone().unwrap_or_else(|| "recovered".to_owned()),
            evidence: Vec::new(),
            finding: None,
        })
        .collect();
    let delivered = deliver_health(args, &alerts)?;
    if delivered {
        health.unhealthy = problem.is_some();
        watch.unhealthy = Some(health.unhealthy);
        if matches!(notice, Some(CycleNotice::Unhealthy | CycleNotice::Repeat)) {
            watch.notified = Some(now);
        }
    }
    store.save_source(&health, if delivered { &alerts } else { &[] })?;
    Ok(())
}

/// Runs `cautery monitor status`.
fn status(args: &MonitorStatusArgs) -> Result<Outcome> {
    let url = args.state.to_string_lossy();
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !is_url && !args.state.exists() {
        bail!(
            "no monitor state at {}; run cautery monitor check --state {} first",
            args.state.display(),
            args.state.display()
        );
    }
    let at = match args.at.as_deref() {
        Some(text) => parse_instant("--at", text)?,
        None => now(),
    };
    let mut store = open_state(&args.state.to_string_lossy())?;
    let sources = store.sources()?;
    let rules = health_rules(&args.health);
    let mut out = output::stdout();
    let mut unhealthy = sources.is_empty();
    if sources.is_empty() {
        writeln!(out, "unhealthy: no source was ever checked")?;
    }
    for source in &sources {
        let found = problems(source, at, &rules);
        let last_ok = source
            .last_ok
            .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
        if found.is_empty() {
            writeln!(out, "ok\t{}\tlast good cycle {last_ok}", source.source)?;
        } else {
            unhealthy = true;
            let reasons: Vec<String> = found.iter().map(ToString::to_string).collect();
            writeln!(out, "unhealthy\t{}\t{}", source.source, reasons.join("; "))?;
        }
    }
    out.flush()?;
    Ok(if unhealthy {
        Outcome::NotFound
    } else {
        Outcome::Success
    })
}

/// Sends one alert as an RFC 5424 message in one UDP datagram (RFC 5426).
fn send_syslog(address: &str, alert: &Alert) -> Result<()> {
    use std::net::{ToSocketAddrs, UdpSocket};
    let target = address
        .to_socket_addrs()
        .with_context(|| format!("--syslog {address}: expected HOST:PORT"))?
        .next()
        .with_context(|| format!("--syslog {address}: no address"))?;
    let local = if target.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(local).context("syslog: opening a UDP socket")?;
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let message = alert.syslog(hostname.trim());
    socket
        .send_to(message.as_bytes(), target)
        .with_context(|| format!("syslog {address}: sending"))?;
    Ok(())
}

/// Per TLD, the registry request for the names found: `TLD.csv` in the
/// shape of `export --format registry` and `TLD.evidence.json`.
fn write_registry_requests(
    folder: &std::path::Path,
    found: &[Found<'_>],
    days_ahead: i64,
    inputs: &[ArchivedInput],
) -> Result<()> {
    use std::collections::BTreeMap;
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    // Requests are for predicted names; a held name outside the plan is ours.
    let mut by_tld: BTreeMap<&str, Vec<(cautery_zone::Entry<'_>, &Found<'_>)>> = BTreeMap::new();
    for hit in found {
        let Target::Predicted(entry) = hit.target else {
            continue;
        };
        let name = entry.name();
        let tld = name.rsplit('.').next().unwrap_or(name);
        by_tld.entry(tld).or_default().push((entry, hit));
    }
    for (tld, hits) in &by_tld {
        let entries: Vec<cautery_zone::Entry<'_>> = hits.iter().map(|(entry, _)| *entry).collect();
        let mut csv = Vec::new();
        cautery_zone::formats::render_registry_tld(&entries, &mut csv)?;
        let csv_path = folder.join(cautery_zone::formats::registry_file(tld));
        std::fs::write(&csv_path, csv)
            .with_context(|| format!("cannot write {}", csv_path.display()))?;
        let evidence: Vec<serde_json::Value> = hits
            .iter()
            .map(|(entry, hit)| {
                serde_json::json!({
                    "domain": entry.name(),
                    "ns": hit.ns,
                    "source": hit.source,
                    "evidence": evidence_of(*entry, days_ahead, inputs),
                })
            })
            .collect();
        let json_path = folder.join(format!("{tld}.evidence.json"));
        std::fs::write(&json_path, serde_json::to_string_pretty(&evidence)?)
            .with_context(|| format!("cannot write {}", json_path.display()))?;
    }
    Ok(())
}

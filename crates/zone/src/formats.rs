//! Block lists besides RPZ: Unbound `local-zone` lines, dnsmasq, hosts,
//! plain domain lists, CSV with provenance and per-TLD registry lists.
//!
//! Each format can express only some actions. [`check`] refuses a campaign
//! whose action or subdomain coverage a format cannot express, with what to
//! change, rather than writing a list that does something else:
//!
//! | format  | subdomains covered | exact names only |
//! |---|---|---|
//! | unbound | every action (`always_nxdomain`, `always_nodata`, `always_deny`, `always_transparent`, `redirect` + `local-data`) | sinkhole and cname only (`transparent` + `local-data`) |
//! | dnsmasq | nxdomain (`address=/name/`), sinkhole (`address=/name/ip`), passthru (`server=/name/#`) | none: dnsmasq always covers subdomains |
//! | hosts   | none: a hosts file has no wildcards | sinkhole only |
//!
//! `domains`, `csv` and `registry` are lists of names, not policy, and take
//! any campaign. Registry lists are what registries need to refuse
//! registrations ahead of time (as the Conficker Working Group arranged
//! with the registries of 110 TLDs): one file per TLD with every name and
//! its window, sorted by date, plus a summary.

use std::collections::BTreeMap;
use std::io::{self, Write};

use cautery_dga::rfc3339;

use crate::rpz::instant_text;

use crate::campaign::Campaign;
use crate::plan::{Entry, GatedPlan};
use cautery_policy::name::tld;
use cautery_policy::Action;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// A Response GatedPlan Zone (see [`crate::rpz`]).
    Rpz,
    /// Unbound `local-zone:`/`local-data:` lines for `include:`.
    Unbound,
    /// dnsmasq `address=`/`server=` lines.
    Dnsmasq,
    /// A hosts file.
    Hosts,
    /// One name a line.
    Domains,
    /// `domain,family,seed,valid_from,valid_to,tld`, one line per origin.
    Csv,
    /// One CSV per TLD plus a summary.
    Registry,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 7] = [
        Format::Rpz,
        Format::Unbound,
        Format::Dnsmasq,
        Format::Hosts,
        Format::Domains,
        Format::Csv,
        Format::Registry,
    ];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Rpz => "rpz",
            Format::Unbound => "unbound",
            Format::Dnsmasq => "dnsmasq",
            Format::Hosts => "hosts",
            Format::Domains => "domains",
            Format::Csv => "csv",
            Format::Registry => "registry",
        }
    }

    /// The format named `text`.
    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The file name extension used under `--out`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Rpz => "rpz",
            Format::Unbound => "unbound.conf",
            Format::Dnsmasq => "dnsmasq.conf",
            Format::Hosts => "hosts",
            Format::Domains => "domains.txt",
            Format::Csv => "csv",
            Format::Registry => "registry",
        }
    }
}

/// A campaign a format cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The format cannot apply the action (or the subdomain coverage).
    #[error("the {format} format cannot express {what}: {advice}")]
    Unsupported {
        /// The format's name.
        format: &'static str,
        /// The action or coverage it cannot express.
        what: String,
        /// What to change.
        advice: &'static str,
    },
}

fn unsupported(format: Format, what: String, advice: &'static str) -> ExportError {
    ExportError::Unsupported {
        format: format.name(),
        what,
        advice,
    }
}

/// Checks that `format` can express the campaign's action and coverage.
pub fn check(format: Format, campaign: &Campaign) -> Result<(), ExportError> {
    let action = &campaign.action;
    let coverage = |action: &Action| {
        format!(
            "'{action}' {}",
            if campaign.subdomains {
                "with subdomains covered"
            } else {
                "for exact names only"
            }
        )
    };
    match format {
        Format::Rpz => {
            for resolver in &campaign.resolvers {
                if let Some(advice) = resolver.cannot_express(action) {
                    return Err(unsupported(
                        format,
                        format!("'{action}' for {}", resolver.name()),
                        advice,
                    ));
                }
            }
            Ok(())
        }
        Format::Unbound => match action {
            Action::Sinkhole { .. } | Action::Cname(_) => Ok(()),
            _ if campaign.subdomains => Ok(()),
            _ => Err(unsupported(
                format,
                coverage(action),
                "Unbound's local-zone types also apply to every name under the zone; cover \
                 subdomains (subdomains = true), or load --format rpz through Unbound's rpz: clause",
            )),
        },
        Format::Dnsmasq => match action {
            _ if !campaign.subdomains => Err(unsupported(
                format,
                coverage(action),
                "dnsmasq's address= and server= always cover subdomains; set subdomains = true",
            )),
            Action::Nxdomain | Action::Sinkhole { .. } | Action::Passthru => Ok(()),
            _ => Err(unsupported(
                format,
                coverage(action),
                "dnsmasq can answer NXDOMAIN, a sinkhole address or pass through; use nxdomain or \
                 sinkhole, or --format rpz",
            )),
        },
        Format::Hosts => match action {
            Action::Sinkhole { .. } if !campaign.subdomains => Ok(()),
            Action::Sinkhole { .. } => Err(unsupported(
                format,
                coverage(action),
                "a hosts file has no wildcards; set subdomains = false (--exact) or use another format",
            )),
            _ => Err(unsupported(
                format,
                coverage(action),
                "a hosts file maps names to addresses only; use a sinkhole action \
                 (e.g. sinkhole:0.0.0.0) or another format",
            )),
        },
        Format::Domains | Format::Csv | Format::Registry => Ok(()),
    }
}

/// Writes `policy` as `format` (every format but rpz and registry, which
/// have their own functions). Call [`check`] first.
pub fn render(
    format: Format,
    policy: &GatedPlan,
    campaign: &Campaign,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Unbound => unbound(policy, campaign, out),
        Format::Dnsmasq => dnsmasq(policy, campaign, out),
        Format::Hosts => hosts(policy, campaign, out),
        Format::Domains => {
            for entry in policy.entries() {
                writeln!(out, "{}", entry.name())?;
            }
            Ok(())
        }
        Format::Csv => csv(policy, out),
        Format::Rpz | Format::Registry => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a single-list format", format.name()),
        )),
    }
}

fn unbound(policy: &GatedPlan, campaign: &Campaign, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "# cautery campaign '{}': {} names, action {}; include: from unbound.conf's server: clause",
        campaign.name,
        policy.len(),
        campaign.action
    )?;
    let zone_type = match (&campaign.action, campaign.subdomains) {
        (Action::Nxdomain, _) => "always_nxdomain",
        (Action::Nodata, _) => "always_nodata",
        (Action::Drop, _) => "always_deny",
        (Action::Passthru, _) => "always_transparent",
        (_, true) => "redirect",
        (_, false) => "transparent",
    };
    // Local data for the actions that answer; the other actions are the
    // zone type.
    let data: Vec<String> = match &campaign.action {
        Action::Sinkhole { .. } | Action::Cname(_) => campaign
            .action
            .rpz_data()
            .map(|data| data.to_string())
            .collect(),
        _ => Vec::new(),
    };
    for entry in policy.entries() {
        let name = entry.name();
        writeln!(out, "local-zone: \"{name}.\" {zone_type}")?;
        for line in &data {
            writeln!(out, "local-data: \"{name}. {} IN {line}\"", campaign.ttl)?;
        }
    }
    Ok(())
}

fn dnsmasq(policy: &GatedPlan, campaign: &Campaign, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "# cautery campaign '{}': {} names, action {}",
        campaign.name,
        policy.len(),
        campaign.action
    )?;
    for entry in policy.entries() {
        let name = entry.name();
        match &campaign.action {
            Action::Sinkhole { .. } => {
                for address in campaign.action.addresses() {
                    writeln!(out, "address=/{name}/{address}")?;
                }
            }
            Action::Passthru => writeln!(out, "server=/{name}/#")?,
            _ => writeln!(out, "address=/{name}/")?,
        }
    }
    Ok(())
}

fn hosts(policy: &GatedPlan, campaign: &Campaign, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "# cautery campaign '{}': {} names, action {}",
        campaign.name,
        policy.len(),
        campaign.action
    )?;
    let addresses: Vec<std::net::IpAddr> = campaign.action.addresses().collect();
    for entry in policy.entries() {
        for address in &addresses {
            writeln!(out, "{address} {}", entry.name())?;
        }
    }
    Ok(())
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv(policy: &GatedPlan, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "domain,family,seed,valid_from,valid_to,tld")?;
    for entry in policy.entries() {
        let name = entry.name();
        for origin in entry.origins() {
            writeln!(
                out,
                "{name},{},{},{},{},{}",
                origin.family,
                csv_field(origin.seed),
                instant_text(origin.window.from),
                instant_text(origin.window.to),
                tld(name)
            )?;
        }
    }
    Ok(())
}

/// The names of a policy grouped by TLD, each group sorted by the start of
/// the name's window (names in use at all times first), then by name.
pub fn registry(policy: &GatedPlan) -> BTreeMap<String, Vec<Entry<'_>>> {
    let mut by_tld: BTreeMap<String, Vec<Entry<'_>>> = BTreeMap::new();
    for entry in policy.entries() {
        by_tld
            .entry(tld(entry.name()).to_owned())
            .or_default()
            .push(entry);
    }
    for entries in by_tld.values_mut() {
        entries.sort_by(|a, b| {
            let (wa, wb) = (a.span(), b.span());
            wa.from
                .cmp(&wb.from)
                .then(wa.to.cmp(&wb.to))
                .then(a.name().cmp(b.name()))
        });
    }
    by_tld
}

/// Writes one TLD's registry list: `domain,valid_from,valid_to,sources`
/// where the window spans every origin and sources are `family/seed`.
pub fn render_registry_tld(entries: &[Entry<'_>], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "domain,valid_from,valid_to,sources")?;
    for entry in entries {
        let span = entry.span();
        let mut sources: Vec<String> = entry
            .origins()
            .map(|o| format!("{}/{}", o.family, o.seed))
            .collect();
        sources.dedup();
        writeln!(
            out,
            "{},{},{},{}",
            entry.name(),
            instant_text(span.from),
            instant_text(span.to),
            csv_field(&sources.join(" "))
        )?;
    }
    Ok(())
}

/// Writes the registry summary: `tld,names,first_valid_from,last_valid_to,file`.
pub fn render_registry_summary(
    groups: &BTreeMap<String, Vec<Entry<'_>>>,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "tld,names,first_valid_from,last_valid_to,file")?;
    for (tld, entries) in groups {
        let spans: Vec<_> = entries.iter().map(Entry::span).collect();
        let first = spans
            .iter()
            .map(|w| w.from)
            .min()
            .flatten()
            .map(rfc3339)
            .unwrap_or_default();
        let last = if spans.iter().any(|w| w.to.is_none()) {
            String::new()
        } else {
            spans
                .iter()
                .filter_map(|w| w.to)
                .max()
                .map(rfc3339)
                .unwrap_or_default()
        };
        writeln!(
            out,
            "{tld},{},{first},{last},{}",
            entries.len(),
            registry_file(tld)
        )?;
    }
    Ok(())
}

/// The file name of a TLD's registry list.
pub fn registry_file(tld: &str) -> String {
    format!("{tld}.csv")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{bind_targets, plan, AllowList};

    fn campaign(extra: &str) -> Campaign {
        Campaign::from_toml(&format!(
            "version = 1\nname = \"t\"\n{extra}\n[[target]]\nfamily = \"corebot\"\n"
        ))
        .expect("campaign")
    }

    fn policy(campaign: &Campaign) -> GatedPlan {
        let seeds = bind_targets(&campaign.targets).expect("bind");
        let plan = plan(
            &seeds,
            &campaign.horizon,
            "2026-11-26T00:00:00Z".parse().expect("instant"),
        )
        .expect("plan");
        GatedPlan::new(
            plan,
            &AllowList::new(),
            &campaign.zone.name,
            campaign.subdomains,
        )
    }

    fn text(format: Format, campaign: &Campaign) -> String {
        let mut out = Vec::new();
        render(format, &policy(campaign), campaign, &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn formats_refuse_what_they_cannot_express() {
        let exact = campaign("subdomains = false\n");
        assert!(check(Format::Unbound, &exact).is_err());
        assert!(check(Format::Dnsmasq, &exact).is_err());
        assert!(check(Format::Hosts, &exact).is_err(), "nxdomain in hosts");
        let nodata = campaign("[action]\nkind = \"nodata\"\n");
        assert!(check(Format::Dnsmasq, &nodata).is_err());
        assert!(check(Format::Unbound, &nodata).is_ok());
        let sinkhole = campaign(
            "subdomains = false\n[action]\nkind = \"sinkhole\"\naddresses = [\"0.0.0.0\"]\n",
        );
        assert!(check(Format::Hosts, &sinkhole).is_ok());
        let error = check(Format::Dnsmasq, &exact)
            .expect_err("refused")
            .to_string();
        assert!(
            error.contains("dnsmasq") && error.contains("subdomains"),
            "{error}"
        );
    }

    #[test]
    fn unbound_lines_follow_the_action() {
        let nx = campaign("");
        let lines = text(Format::Unbound, &nx);
        let first = policy(&nx)
            .entries()
            .next()
            .map(|e| e.name().to_owned())
            .expect("a name");
        assert!(lines.contains(&format!("local-zone: \"{first}.\" always_nxdomain\n")));
        let sink = campaign("[action]\nkind = \"sinkhole\"\naddresses = [\"192.0.2.1\"]\n");
        let lines = text(Format::Unbound, &sink);
        assert!(lines.contains(&format!("local-zone: \"{first}.\" redirect\n")));
        assert!(lines.contains(&format!("local-data: \"{first}. 300 IN A 192.0.2.1\"\n")));
    }

    #[test]
    fn dnsmasq_hosts_domains_and_csv_list_every_name() {
        let nx = campaign("");
        let names: Vec<String> = policy(&nx).entries().map(|e| e.name().to_owned()).collect();
        let dnsmasq = text(Format::Dnsmasq, &nx);
        let domains = text(Format::Domains, &nx);
        let csv = text(Format::Csv, &nx);
        assert_eq!(domains.lines().count(), names.len());
        for name in &names {
            assert!(dnsmasq.contains(&format!("address=/{name}/\n")));
            assert!(csv.contains(&format!("{name},corebot,")));
        }
        let sink = campaign("subdomains = false\n[action]\nkind = \"sinkhole\"\naddresses = [\"0.0.0.0\", \"::\"]\n");
        let hosts = text(Format::Hosts, &sink);
        assert_eq!(hosts.lines().count(), 1 + 2 * names.len());
    }

    #[test]
    fn registry_lists_are_per_tld_and_sorted_by_date() {
        let c = campaign("[horizon]\ndays-back = 3\ndays-ahead = 3\n");
        let p = policy(&c);
        let groups = registry(&p);
        let total: usize = groups.values().map(Vec::len).sum();
        assert_eq!(total, p.len());
        for (tld, entries) in &groups {
            assert!(entries
                .iter()
                .all(|e| e.name().ends_with(&format!(".{tld}"))));
            let starts: Vec<_> = entries.iter().map(|e| e.span().from).collect();
            let mut sorted = starts.clone();
            sorted.sort();
            assert_eq!(starts, sorted);
        }
        let mut summary = Vec::new();
        render_registry_summary(&groups, &mut summary).expect("summary");
        assert_eq!(
            String::from_utf8(summary).expect("utf-8").lines().count(),
            groups.len() + 1
        );
    }
}

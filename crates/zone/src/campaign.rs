//! Campaign files: what one operation suppresses, read from TOML.
//!
//! The file is versioned (`version = 1`), its keys are kebab-case and
//! unknown keys are refused, so a misspelt key is an error rather than a
//! silently ignored setting. `etc/campaign.example.toml` explains every key.
//! Validation resolves families and seeds against the family library, so a
//! campaign that passes [`Campaign::from_toml`] can be planned.
//!
//! Paths of allow-list files are kept as written; the caller resolves them
//! (the binary, relative to the campaign file's folder) and reads them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Deserialize;

use crate::names::{check_name, normalise_name};
use crate::plan::bind_targets;

/// The only campaign file version this crate reads.
pub const VERSION: u32 = 1;

/// The longest horizon, back plus ahead, in days: the family library serves
/// at most ten years per request.
pub const MAX_HORIZON_DAYS: u32 = 3650;

/// A campaign that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// Not TOML, an unknown key or a value of the wrong type; the message
    /// from the TOML reader names the key and the line.
    #[error("{0}")]
    Syntax(String),
    /// A key whose value is well-formed but unusable.
    #[error("key '{key}': {problem}")]
    Invalid {
        /// Dotted path of the key, e.g. `action.addresses`.
        key: String,
        /// What is wrong and what to do.
        problem: String,
    },
}

impl CampaignError {
    pub(crate) fn invalid(key: impl Into<String>, problem: impl Into<String>) -> CampaignError {
        CampaignError::Invalid {
            key: key.into(),
            problem: problem.into(),
        }
    }
}

/// What resolvers answer for a name in the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// The name does not exist (RPZ `CNAME .`).
    Nxdomain,
    /// The name exists but has no data of the type asked (RPZ `CNAME *.`).
    Nodata,
    /// No answer at all (RPZ `CNAME rpz-drop.`).
    Drop,
    /// Resolve normally; exempts the name from later policy (RPZ `CNAME
    /// rpz-passthru.`).
    Passthru,
    /// Answer with these addresses (A and AAAA local data).
    Sinkhole(Vec<IpAddr>),
    /// Answer with a CNAME to a sinkhole name.
    Cname(String),
}

impl Action {
    /// Parses `nxdomain`, `nodata`, `drop`, `passthru`,
    /// `sinkhole:ADDR[,ADDR...]` or `cname:NAME` (the command-line form).
    pub fn parse(text: &str) -> Result<Action, CampaignError> {
        let text = text.trim();
        let (kind, argument) = match text.split_once(':') {
            Some((kind, rest)) => (kind, Some(rest)),
            None => (text, None),
        };
        let addresses: Vec<String> = argument
            .map(|a| a.split(',').map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default();
        action_from_parts(
            "--action",
            &kind.to_ascii_lowercase(),
            &addresses,
            argument.map(str::trim),
        )
    }

    /// The keyword naming the action.
    pub fn keyword(&self) -> &'static str {
        match self {
            Action::Nxdomain => "nxdomain",
            Action::Nodata => "nodata",
            Action::Drop => "drop",
            Action::Passthru => "passthru",
            Action::Sinkhole(_) => "sinkhole",
            Action::Cname(_) => "cname",
        }
    }

    /// The IPv4 sinkhole addresses (empty for other actions).
    pub fn ipv4(&self) -> Vec<Ipv4Addr> {
        match self {
            Action::Sinkhole(all) => all
                .iter()
                .filter_map(|a| match a {
                    IpAddr::V4(v4) => Some(*v4),
                    IpAddr::V6(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The IPv6 sinkhole addresses (empty for other actions).
    pub fn ipv6(&self) -> Vec<Ipv6Addr> {
        match self {
            Action::Sinkhole(all) => all
                .iter()
                .filter_map(|a| match a {
                    IpAddr::V6(v6) => Some(*v6),
                    IpAddr::V4(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Sinkhole(addresses) => {
                let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
                write!(f, "sinkhole:{}", list.join(","))
            }
            Action::Cname(target) => write!(f, "cname:{target}"),
            other => f.write_str(other.keyword()),
        }
    }
}

fn action_from_parts(
    key: &str,
    kind: &str,
    addresses: &[String],
    target: Option<&str>,
) -> Result<Action, CampaignError> {
    let no_argument = |action: Action| {
        if addresses.iter().any(|a| !a.is_empty()) || target.is_some_and(|t| !t.is_empty()) {
            Err(CampaignError::invalid(
                key,
                format!("'{kind}' takes no addresses or target; remove them"),
            ))
        } else {
            Ok(action)
        }
    };
    match kind {
        "nxdomain" => no_argument(Action::Nxdomain),
        "nodata" => no_argument(Action::Nodata),
        "drop" => no_argument(Action::Drop),
        "passthru" => no_argument(Action::Passthru),
        "sinkhole" => {
            let mut parsed = Vec::new();
            for text in addresses.iter().filter(|a| !a.is_empty()) {
                match text.parse::<IpAddr>() {
                    Ok(address) => parsed.push(address),
                    Err(_) => {
                        return Err(CampaignError::invalid(
                            key,
                            format!("'{text}' is not an IPv4 or IPv6 address"),
                        ))
                    }
                }
            }
            if parsed.is_empty() {
                return Err(CampaignError::invalid(
                    key,
                    "a sinkhole needs at least one address, e.g. 192.0.2.1 or 2001:db8::1",
                ));
            }
            parsed.sort();
            parsed.dedup();
            Ok(Action::Sinkhole(parsed))
        }
        "cname" => {
            let name = normalise_name(target.unwrap_or_default());
            check_name(&name).map_err(|e| {
                CampaignError::invalid(
                    key,
                    format!(
                        "the CNAME target must be a host name such as sinkhole.example.net: {e}"
                    ),
                )
            })?;
            Ok(Action::Cname(name))
        }
        other => Err(CampaignError::invalid(
            key,
            format!(
                "unknown action '{other}': use nxdomain, nodata, drop, passthru, sinkhole or cname"
            ),
        )),
    }
}

/// Which seeds of a family a target covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedSelection {
    /// The family's default seed.
    Default,
    /// Every seed known in public.
    All,
    /// Seeds by name, or raw values in the family's own form.
    Listed(Vec<String>),
}

/// One family (or `all`) and its seeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Family name or alias, or `all` for every deterministic family.
    pub family: String,
    /// Which seeds.
    pub seeds: SeedSelection,
}

/// How far the plan reaches around the instant it is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    /// Whole days before the instant.
    pub days_back: u32,
    /// Whole days after the instant.
    pub days_ahead: u32,
}

/// Names kept out of the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowConfig {
    /// Exact names.
    pub names: Vec<String>,
    /// Suffixes: the name and everything under it (`gov`, `example.org`).
    pub suffixes: Vec<String>,
    /// Files of allow-list entries, one a line (see [`crate::AllowList`]).
    pub files: Vec<String>,
    /// Lists of known-legitimate domains (top-site lists: `rank,domain` CSV
    /// or one domain a line); a name at or under one of them collides.
    pub legitimate: Vec<String>,
}

/// SOA values of the policy zone (RFC 1035 §3.3.13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soa {
    /// Primary name server.
    pub mname: String,
    /// Mailbox of the person responsible, as a name (`hostmaster.example.net`).
    pub rname: String,
    /// Seconds between secondaries' checks.
    pub refresh: u32,
    /// Seconds before a failed check is retried.
    pub retry: u32,
    /// Seconds after which secondaries stop answering without a check.
    pub expire: u32,
    /// Negative-caching TTL (RFC 2308).
    pub minimum: u32,
}

/// A resolver that will load the RPZ; export checks it can express the
/// campaign's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolver {
    /// ISC BIND 9.
    Bind,
    /// NLnet Labs Unbound (its `rpz:` clause).
    Unbound,
    /// PowerDNS Recursor.
    Powerdns,
    /// Knot Resolver 5 (`policy.rpz`).
    Knot,
}

impl Resolver {
    /// Parses a resolver's name.
    pub fn parse(text: &str) -> Option<Resolver> {
        match text.trim().to_ascii_lowercase().as_str() {
            "bind" | "bind9" | "named" => Some(Resolver::Bind),
            "unbound" => Some(Resolver::Unbound),
            "powerdns" | "pdns" | "pdns-recursor" => Some(Resolver::Powerdns),
            "knot" | "knot-resolver" | "kresd" => Some(Resolver::Knot),
            _ => None,
        }
    }

    /// The resolver's name.
    pub fn name(self) -> &'static str {
        match self {
            Resolver::Bind => "bind",
            Resolver::Unbound => "unbound",
            Resolver::Powerdns => "powerdns",
            Resolver::Knot => "knot",
        }
    }

    /// Why this resolver cannot apply `action` as an RPZ rule, if it cannot.
    pub fn cannot_express(self, action: &Action) -> Option<&'static str> {
        match (self, action) {
            // policy.lua of Knot Resolver 5 logs "CNAME with custom target in
            // RPZ is not supported yet (ignored)" and lets the name resolve.
            (Resolver::Knot, Action::Cname(_)) => Some(
                "Knot Resolver 5 ignores RPZ CNAMEs to a custom target and would let the names \
                 resolve; use a sinkhole address instead",
            ),
            _ => None,
        }
    }
}

/// The policy zone's own name and SOA/NS values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneConfig {
    /// Zone name, e.g. `dga.rpz.example.net`.
    pub name: String,
    /// Name servers for the apex NS set.
    pub ns: Vec<String>,
    /// SOA values.
    pub soa: Soa,
}

/// A validated campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Short name, used in file names and reports.
    pub name: String,
    /// Families and seeds.
    pub targets: Vec<Target>,
    /// Days around the instant.
    pub horizon: Horizon,
    /// What resolvers answer.
    pub action: Action,
    /// Whether names under a predicted name are covered too (`*.name`).
    pub subdomains: bool,
    /// TTL of policy records.
    pub ttl: u32,
    /// Resolvers the RPZ must work in.
    pub resolvers: Vec<Resolver>,
    /// Allow-list sources.
    pub allow: AllowConfig,
    /// Policy zone values.
    pub zone: ZoneConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCampaign {
    version: u32,
    #[serde(default = "default_name")]
    name: String,
    #[serde(default)]
    target: Vec<RawTarget>,
    #[serde(default)]
    horizon: RawHorizon,
    #[serde(default)]
    action: RawAction,
    #[serde(default = "yes")]
    subdomains: bool,
    #[serde(default = "default_ttl")]
    ttl: u32,
    #[serde(default)]
    resolvers: Vec<String>,
    #[serde(default)]
    allow: RawAllow,
    #[serde(default)]
    zone: RawZone,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTarget {
    family: String,
    seeds: Option<RawSeeds>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSeeds {
    Keyword(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHorizon {
    #[serde(default = "default_days")]
    days_back: u32,
    #[serde(default = "default_days")]
    days_ahead: u32,
}

impl Default for RawHorizon {
    fn default() -> Self {
        RawHorizon {
            days_back: default_days(),
            days_ahead: default_days(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAction {
    #[serde(default = "default_kind")]
    kind: String,
    #[serde(default)]
    addresses: Vec<String>,
    target: Option<String>,
}

impl Default for RawAction {
    fn default() -> Self {
        RawAction {
            kind: default_kind(),
            addresses: Vec::new(),
            target: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAllow {
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    suffixes: Vec<String>,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    legitimate: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawZone {
    name: Option<String>,
    #[serde(default)]
    ns: Vec<String>,
    #[serde(default)]
    soa: RawSoa,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSoa {
    mname: Option<String>,
    rname: Option<String>,
    refresh: Option<u32>,
    retry: Option<u32>,
    expire: Option<u32>,
    minimum: Option<u32>,
}

fn default_name() -> String {
    "cautery".to_owned()
}
fn yes() -> bool {
    true
}
fn default_ttl() -> u32 {
    300
}
fn default_days() -> u32 {
    7
}
fn default_kind() -> String {
    "nxdomain".to_owned()
}

/// The zone name used when none is given.
pub const DEFAULT_ZONE: &str = "rpz.cautery.invalid";

impl ZoneConfig {
    /// A zone named `name` with default NS (`localhost`) and SOA values.
    pub fn named(name: &str) -> Result<ZoneConfig, CampaignError> {
        zone_from_raw(RawZone {
            name: Some(name.to_owned()),
            ..RawZone::default()
        })
    }
}

fn host(key: &str, text: &str) -> Result<String, CampaignError> {
    let name = normalise_name(text);
    if name == "localhost" {
        return Ok(name);
    }
    check_name(&name).map_err(|e| {
        CampaignError::invalid(key, format!("'{text}' is not a usable domain name: {e}"))
    })?;
    Ok(name)
}

fn zone_from_raw(raw: RawZone) -> Result<ZoneConfig, CampaignError> {
    let name = host("zone.name", raw.name.as_deref().unwrap_or(DEFAULT_ZONE))?;
    let mut ns = Vec::new();
    for (i, server) in raw.ns.iter().enumerate() {
        ns.push(host(&format!("zone.ns[{i}]"), server)?);
    }
    if ns.is_empty() {
        ns.push("localhost".to_owned());
    }
    let mname = match &raw.soa.mname {
        Some(m) => host("zone.soa.mname", m)?,
        None => ns[0].clone(),
    };
    let rname = match &raw.soa.rname {
        Some(r) => host("zone.soa.rname", &r.replacen('@', ".", 1))?,
        None => format!("hostmaster.{name}"),
    };
    let soa = Soa {
        mname,
        rname,
        refresh: raw.soa.refresh.unwrap_or(3600),
        retry: raw.soa.retry.unwrap_or(600),
        expire: raw.soa.expire.unwrap_or(604_800),
        minimum: raw.soa.minimum.unwrap_or(60),
    };
    if soa.retry > soa.refresh {
        return Err(CampaignError::invalid(
            "zone.soa.retry",
            format!(
                "retry ({}) is longer than refresh ({}); make it shorter",
                soa.retry, soa.refresh
            ),
        ));
    }
    if soa.expire <= soa.refresh {
        return Err(CampaignError::invalid(
            "zone.soa.expire",
            format!(
                "expire ({}) must be longer than refresh ({})",
                soa.expire, soa.refresh
            ),
        ));
    }
    Ok(ZoneConfig { name, ns, soa })
}

impl Campaign {
    /// Reads and validates a campaign file's text.
    pub fn from_toml(text: &str) -> Result<Campaign, CampaignError> {
        let raw: RawCampaign = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| {
                let upto = span.start.min(text.len());
                text.as_bytes()[..upto]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            });
            CampaignError::Syntax(match line {
                Some(line) => format!("line {line}: {}", e.message().trim_end()),
                None => e.message().trim_end().to_owned(),
            })
        })?;
        if raw.version != VERSION {
            return Err(CampaignError::invalid(
                "version",
                format!(
                    "version {} is not supported; this cautery reads version {VERSION}",
                    raw.version
                ),
            ));
        }
        if raw.name.trim().is_empty()
            || !raw
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(CampaignError::invalid(
                "name",
                "use letters, digits, '-', '_' or '.' (it names output files)",
            ));
        }
        if raw.target.is_empty() {
            return Err(CampaignError::invalid(
                "target",
                "the campaign has no [[target]]; add one, e.g. family = \"necurs\"",
            ));
        }
        let targets = raw
            .target
            .into_iter()
            .map(|t| Target {
                family: t.family,
                seeds: match t.seeds {
                    None => SeedSelection::Default,
                    Some(RawSeeds::Keyword(k)) if k.eq_ignore_ascii_case("all") => {
                        SeedSelection::All
                    }
                    Some(RawSeeds::Keyword(k)) if k.eq_ignore_ascii_case("default") => {
                        SeedSelection::Default
                    }
                    Some(RawSeeds::Keyword(k)) => SeedSelection::Listed(vec![k]),
                    Some(RawSeeds::List(list)) => SeedSelection::Listed(list),
                },
            })
            .collect();
        let horizon = Horizon {
            days_back: raw.horizon.days_back,
            days_ahead: raw.horizon.days_ahead,
        };
        check_horizon(&horizon)?;
        let action = action_from_parts(
            "action",
            &raw.action.kind.to_ascii_lowercase(),
            &raw.action.addresses,
            raw.action.target.as_deref(),
        )?;
        if raw.ttl == 0 || raw.ttl > 604_800 {
            return Err(CampaignError::invalid(
                "ttl",
                format!("{} is out of range: use 1 to 604800 seconds", raw.ttl),
            ));
        }
        let mut resolvers = Vec::new();
        for (i, text) in raw.resolvers.iter().enumerate() {
            let resolver = Resolver::parse(text).ok_or_else(|| {
                CampaignError::invalid(
                    format!("resolvers[{i}]"),
                    format!("unknown resolver '{text}': use bind, unbound, powerdns or knot"),
                )
            })?;
            if let Some(reason) = resolver.cannot_express(&action) {
                return Err(CampaignError::invalid(
                    "action",
                    format!("{} cannot apply '{}': {reason}", resolver.name(), action),
                ));
            }
            resolvers.push(resolver);
        }
        let mut allow = AllowConfig {
            files: raw.allow.files,
            legitimate: raw.allow.legitimate,
            ..AllowConfig::default()
        };
        for (i, name) in raw.allow.names.iter().enumerate() {
            allow.names.push(host(&format!("allow.names[{i}]"), name)?);
        }
        for (i, suffix) in raw.allow.suffixes.iter().enumerate() {
            let bare = suffix
                .trim()
                .trim_start_matches("*.")
                .trim_start_matches('.');
            let normal = normalise_name(bare);
            if normal.is_empty() || check_name(&format!("x.{normal}")).is_err() {
                return Err(CampaignError::invalid(
                    format!("allow.suffixes[{i}]"),
                    format!("'{suffix}' is not a domain suffix such as gov or example.org"),
                ));
            }
            allow.suffixes.push(normal);
        }
        let zone = zone_from_raw(raw.zone)?;
        let campaign = Campaign {
            name: raw.name,
            targets,
            horizon,
            action,
            subdomains: raw.subdomains,
            ttl: raw.ttl,
            resolvers,
            allow,
            zone,
        };
        bind_targets(&campaign.targets)?;
        Ok(campaign)
    }
}

/// Checks that a horizon fits the family library's limits.
pub(crate) fn check_horizon(horizon: &Horizon) -> Result<(), CampaignError> {
    if horizon.days_back.saturating_add(horizon.days_ahead) > MAX_HORIZON_DAYS {
        return Err(CampaignError::invalid(
            "horizon",
            format!(
                "days-back + days-ahead is {}; at most {MAX_HORIZON_DAYS} days are allowed",
                u64::from(horizon.days_back) + u64::from(horizon.days_ahead)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "version = 1\n[[target]]\nfamily = \"banjori\"\n";

    /// A minimal campaign with `extra` (top-level keys first, then tables).
    fn with(extra: &str) -> String {
        format!("version = 1\n{extra}\n[[target]]\nfamily = \"banjori\"\n")
    }

    #[test]
    fn a_minimal_campaign_takes_the_defaults() {
        let campaign = Campaign::from_toml(MINIMAL).expect("valid");
        assert_eq!(campaign.action, Action::Nxdomain);
        assert!(campaign.subdomains);
        assert_eq!(campaign.ttl, 300);
        assert_eq!(campaign.zone.name, DEFAULT_ZONE);
        assert_eq!(campaign.zone.ns, vec!["localhost"]);
        assert_eq!(campaign.targets[0].seeds, SeedSelection::Default);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let error = Campaign::from_toml(&with("colour = 3")).expect_err("refused");
        assert!(error.to_string().contains("colour"), "{error}");
    }

    #[test]
    fn syntax_errors_give_the_line() {
        let error = Campaign::from_toml("version = 1\n\nttl = \"soon\"\n").expect_err("refused");
        let text = error.to_string();
        assert!(text.starts_with("line 3:"), "{text}");
        let error = Campaign::from_toml("version = \u{e9}\n").expect_err("refused");
        assert!(error.to_string().starts_with("line 1:"), "{error}");
    }

    #[test]
    fn wrong_versions_and_families_name_the_key() {
        let error = Campaign::from_toml("version = 2\n[[target]]\nfamily = \"banjori\"\n")
            .expect_err("refused");
        assert!(error.to_string().starts_with("key 'version'"), "{error}");
        let error = Campaign::from_toml("version = 1\n[[target]]\nfamily = \"banjroi\"\n")
            .expect_err("refused");
        let text = error.to_string();
        assert!(
            text.contains("target[0].family") && text.contains("banjori"),
            "{text}"
        );
    }

    #[test]
    fn sinkhole_addresses_are_checked() {
        let text = with("[action]\nkind = \"sinkhole\"\naddresses = [\"192.0.2.300\"]");
        let error = Campaign::from_toml(&text).expect_err("refused");
        assert!(error.to_string().contains("action"), "{error}");
        let text =
            with("[action]\nkind = \"sinkhole\"\naddresses = [\"2001:db8::1\", \"192.0.2.1\"]");
        let campaign = Campaign::from_toml(&text).expect("valid");
        assert_eq!(campaign.action.ipv4().len(), 1);
        assert_eq!(campaign.action.ipv6().len(), 1);
    }

    #[test]
    fn command_line_actions_parse() {
        assert_eq!(Action::parse("NXDOMAIN").expect("ok"), Action::Nxdomain);
        assert_eq!(
            Action::parse("cname:Sink.Example.NET.").expect("ok"),
            Action::Cname("sink.example.net".to_owned())
        );
        let sinkhole = Action::parse("sinkhole:192.0.2.1,2001:db8::1").expect("ok");
        assert_eq!(sinkhole.to_string(), "sinkhole:192.0.2.1,2001:db8::1");
        assert!(Action::parse("sinkhole").is_err());
        assert!(Action::parse("nxdomain:1.2.3.4").is_err());
        assert!(Action::parse("block").is_err());
    }

    #[test]
    fn knot_refuses_cname_actions() {
        let text = with(
            "resolvers = [\"knot\"]\n[action]\nkind = \"cname\"\ntarget = \"sink.example.net\"",
        );
        let error = Campaign::from_toml(&text).expect_err("refused");
        assert!(error.to_string().contains("Knot"), "{error}");
    }

    #[test]
    fn overlong_horizons_are_refused() {
        let text = with("[horizon]\ndays-back = 3000\ndays-ahead = 3000");
        assert!(Campaign::from_toml(&text).is_err());
    }

    #[test]
    fn soa_timers_must_make_sense() {
        let text = with("[zone.soa]\nrefresh = 60\nretry = 120");
        let error = Campaign::from_toml(&text).expect_err("refused");
        assert!(error.to_string().contains("zone.soa.retry"), "{error}");
    }
}

//! What a resolver does with a name a rule covers, parsed from the forms a
//! campaign, a daemon config and the command line give, and its one mapping
//! to RPZ data (draft-vixie-dnsop-dns-rpz §4): `CNAME .` (NXDOMAIN),
//! `CNAME *.` (NODATA), `CNAME rpz-drop.`, `CNAME rpz-passthru.`, local
//! data (A/AAAA) for a sinkhole, and a CNAME to a sinkhole name.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::name::{check_name, normalise_name, DomainName};

/// An action that cannot be used; the text says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ActionError(pub String);

/// What resolvers answer for a name in the policy.
///
/// Serialised (state files) as `"nxdomain"`, ..., `{"sinkhole": {"v4": [..],
/// "v6": [..]}}` and `{"cname": "name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
    /// Answer with these addresses (A and AAAA local data); cautery's
    /// sinkhole authority answers these names itself. Each list sorted,
    /// without repeats, and not both empty.
    Sinkhole {
        /// IPv4 sinkhole addresses.
        v4: Vec<Ipv4Addr>,
        /// IPv6 sinkhole addresses.
        v6: Vec<Ipv6Addr>,
    },
    /// Answer with a CNAME to a sinkhole name.
    Cname(DomainName),
}

/// The target of an RPZ CNAME rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpzTarget<'a> {
    /// `.`: NXDOMAIN.
    Root,
    /// `*.`: NODATA.
    Wildcard,
    /// `rpz-drop.`.
    Drop,
    /// `rpz-passthru.`.
    Passthru,
    /// A sinkhole name.
    Name(&'a DomainName),
}

impl fmt::Display for RpzTarget<'_> {
    /// The target as an absolute name, with its final dot.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpzTarget::Root => f.write_str("."),
            RpzTarget::Wildcard => f.write_str("*."),
            RpzTarget::Drop => f.write_str("rpz-drop."),
            RpzTarget::Passthru => f.write_str("rpz-passthru."),
            RpzTarget::Name(name) => write!(f, "{name}."),
        }
    }
}

/// One record of a rule's RPZ data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpzData<'a> {
    /// A CNAME to a policy target.
    Cname(RpzTarget<'a>),
    /// Local data: an IPv4 address.
    A(Ipv4Addr),
    /// Local data: an IPv6 address.
    Aaaa(Ipv6Addr),
}

impl fmt::Display for RpzData<'_> {
    /// The record's type and data in zone file syntax, e.g. `CNAME .`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpzData::Cname(target) => write!(f, "CNAME {target}"),
            RpzData::A(address) => write!(f, "A {address}"),
            RpzData::Aaaa(address) => write!(f, "AAAA {address}"),
        }
    }
}

impl Action {
    /// Parses `nxdomain`, `nodata`, `drop`, `passthru`,
    /// `sinkhole:ADDR[,ADDR...]` or `cname:NAME` (the command-line form).
    pub fn parse(text: &str) -> Result<Action, ActionError> {
        let text = text.trim();
        let (kind, argument) = match text.split_once(':') {
            Some((kind, rest)) => (kind, Some(rest)),
            None => (text, None),
        };
        let addresses: Vec<&str> = argument
            .map(|a| a.split(',').map(str::trim).collect())
            .unwrap_or_default();
        Action::from_parts(
            &kind.to_ascii_lowercase(),
            &addresses,
            argument.map(str::trim),
        )
    }

    /// The action of a kind keyword with its addresses (sinkhole) or target
    /// (cname), as a campaign's `[action]` table gives them.
    pub fn from_parts<S: AsRef<str>>(
        kind: &str,
        addresses: &[S],
        target: Option<&str>,
    ) -> Result<Action, ActionError> {
        let given = |a: &S| !a.as_ref().trim().is_empty();
        let no_argument = |action: Action| {
            if addresses.iter().any(given) || target.is_some_and(|t| !t.trim().is_empty()) {
                Err(ActionError(format!(
                    "'{kind}' takes no addresses or target; remove them"
                )))
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
                for text in addresses.iter().filter(|a| given(a)) {
                    let text = text.as_ref().trim();
                    match text.parse::<IpAddr>() {
                        Ok(address) => parsed.push(address),
                        Err(_) => {
                            return Err(ActionError(format!(
                                "'{text}' is not an IPv4 or IPv6 address"
                            )))
                        }
                    }
                }
                Action::sinkhole(parsed)
            }
            "cname" => {
                let name = normalise_name(target.unwrap_or_default());
                check_name(&name).map_err(|e| {
                    ActionError(format!(
                        "the CNAME target must be a host name such as sinkhole.example.net: {e}"
                    ))
                })?;
                Ok(Action::Cname(DomainName::from_checked(&name)))
            }
            other => Err(ActionError(format!(
                "unknown action '{other}': use nxdomain, nodata, drop, passthru, sinkhole or cname"
            ))),
        }
    }

    /// A sinkhole answering with `addresses` (sorted, repeats dropped).
    pub fn sinkhole(addresses: impl IntoIterator<Item = IpAddr>) -> Result<Action, ActionError> {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for address in addresses {
            match address {
                IpAddr::V4(a) => v4.push(a),
                IpAddr::V6(a) => v6.push(a),
            }
        }
        if v4.is_empty() && v6.is_empty() {
            return Err(ActionError(
                "a sinkhole needs at least one address, e.g. 192.0.2.1 or 2001:db8::1".into(),
            ));
        }
        v4.sort();
        v4.dedup();
        v6.sort();
        v6.dedup();
        Ok(Action::Sinkhole { v4, v6 })
    }

    /// The keyword naming the action.
    pub fn keyword(&self) -> &'static str {
        match self {
            Action::Nxdomain => "nxdomain",
            Action::Nodata => "nodata",
            Action::Drop => "drop",
            Action::Passthru => "passthru",
            Action::Sinkhole { .. } => "sinkhole",
            Action::Cname(_) => "cname",
        }
    }

    /// Whether the sinkhole authority answers names with this action.
    pub fn is_sinkhole(&self) -> bool {
        matches!(self, Action::Sinkhole { .. })
    }

    /// The IPv4 sinkhole addresses (empty for other actions).
    pub fn ipv4(&self) -> &[Ipv4Addr] {
        match self {
            Action::Sinkhole { v4, .. } => v4,
            _ => &[],
        }
    }

    /// The IPv6 sinkhole addresses (empty for other actions).
    pub fn ipv6(&self) -> &[Ipv6Addr] {
        match self {
            Action::Sinkhole { v6, .. } => v6,
            _ => &[],
        }
    }

    /// Every sinkhole address, IPv4 first (none for other actions).
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let v4 = self.ipv4().iter().map(|a| IpAddr::V4(*a));
        v4.chain(self.ipv6().iter().map(|a| IpAddr::V6(*a)))
    }

    /// The RPZ data of a rule with this action, in order: one CNAME, or
    /// the A then the AAAA records of a sinkhole. The one place an action
    /// becomes RPZ; the zone file renderer and the DNS server both use it.
    pub fn rpz_data(&self) -> impl Iterator<Item = RpzData<'_>> + '_ {
        let cname = match self {
            Action::Nxdomain => Some(RpzTarget::Root),
            Action::Nodata => Some(RpzTarget::Wildcard),
            Action::Drop => Some(RpzTarget::Drop),
            Action::Passthru => Some(RpzTarget::Passthru),
            Action::Cname(name) => Some(RpzTarget::Name(name)),
            Action::Sinkhole { .. } => None,
        };
        cname
            .map(RpzData::Cname)
            .into_iter()
            .chain(self.ipv4().iter().map(|a| RpzData::A(*a)))
            .chain(self.ipv6().iter().map(|a| RpzData::Aaaa(*a)))
    }

    /// How many records [`Action::rpz_data`] gives.
    pub fn rpz_len(&self) -> usize {
        match self {
            Action::Sinkhole { v4, v6 } => v4.len() + v6.len(),
            _ => 1,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Sinkhole { v4, v6 } => {
                let list: Vec<String> = v4
                    .iter()
                    .map(ToString::to_string)
                    .chain(v6.iter().map(ToString::to_string))
                    .collect();
                write!(f, "sinkhole:{}", list.join(","))
            }
            Action::Cname(target) => write!(f, "cname:{target}"),
            other => f.write_str(other.keyword()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpz(action: &Action) -> Vec<String> {
        action.rpz_data().map(|d| d.to_string()).collect()
    }

    #[test]
    fn every_action_has_its_rpz_rule() {
        assert_eq!(rpz(&Action::Nxdomain), ["CNAME ."]);
        assert_eq!(rpz(&Action::Nodata), ["CNAME *."]);
        assert_eq!(rpz(&Action::Drop), ["CNAME rpz-drop."]);
        assert_eq!(rpz(&Action::Passthru), ["CNAME rpz-passthru."]);
        let sinkhole = Action::parse("sinkhole:2001:db8::1,192.0.2.1").expect("ok");
        assert_eq!(rpz(&sinkhole), ["A 192.0.2.1", "AAAA 2001:db8::1"]);
        assert_eq!(sinkhole.rpz_len(), 2);
        let cname = Action::parse("cname:Sink.Example.NET.").expect("ok");
        assert_eq!(rpz(&cname), ["CNAME sink.example.net."]);
    }

    #[test]
    fn the_command_line_form_round_trips() {
        for text in [
            "nxdomain",
            "nodata",
            "drop",
            "passthru",
            "sinkhole:192.0.2.1,2001:db8::1",
            "cname:sink.example.net",
        ] {
            assert_eq!(Action::parse(text).expect(text).to_string(), text);
        }
    }

    #[test]
    fn bad_actions_say_what_to_write() {
        let unknown = Action::parse("nxdomian").expect_err("typo");
        assert!(unknown.0.contains("use nxdomain, nodata"), "{unknown}");
        let empty = Action::parse("sinkhole").expect_err("no address");
        assert!(empty.0.contains("at least one address"), "{empty}");
        let junk = Action::parse("sinkhole:192.0.2.300").expect_err("bad address");
        assert!(junk.0.contains("not an IPv4 or IPv6"), "{junk}");
        assert!(Action::parse("drop:192.0.2.1").is_err());
        assert!(Action::parse("cname:bad..name").is_err());
    }

    #[test]
    fn the_state_file_form_is_kept() {
        let sinkhole = Action::parse("sinkhole:192.0.2.1").expect("ok");
        let text = serde_json::to_string(&sinkhole).expect("json");
        assert_eq!(text, r#"{"sinkhole":{"v4":["192.0.2.1"],"v6":[]}}"#);
        assert_eq!(
            serde_json::to_string(&Action::Nxdomain).expect("json"),
            r#""nxdomain""#
        );
        let back: Action = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, sinkhole);
    }
}

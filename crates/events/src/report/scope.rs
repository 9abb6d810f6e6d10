//! Scopes: which sources one recipient of reports is responsible for (an
//! autonomous system for an ISP, a network, a country for a national CERT).
//!
//! A scope matches on the source of an event: its address (an IPv4-mapped
//! IPv6 address counts as the IPv4 address), or its enrichment (AS number,
//! country) as the daemon filled it in. An event without enrichment matches
//! no AS or country scope.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;

use crate::event::Event;

/// The sources one report recipient is responsible for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// An autonomous system, by number.
    Asn(u32),
    /// A network; the address of an event's source must lie in it.
    Cidr(IpNet),
    /// A country, by ISO 3166-1 alpha-2 code (either case).
    Country(String),
}

impl Scope {
    /// Whether the source of `event` is in this scope.
    pub fn matches(&self, event: &Event) -> bool {
        match self {
            Scope::Asn(asn) => event.src_asn == Some(*asn),
            Scope::Cidr(network) => network.contains(&event.src_ip()),
            Scope::Country(code) => event
                .src_country
                .as_deref()
                .is_some_and(|country| country.eq_ignore_ascii_case(code)),
        }
    }
}

/// The scopes of one report run, indexed so that the scopes an event
/// belongs to are found by a few hash lookups, not by trying each scope: a
/// run for 1,000 subscribers' ASes must not cost 1,000 comparisons per
/// event.
#[derive(Debug, Default)]
pub(crate) struct ScopeIndex {
    asn: ahash::HashMap<u32, Vec<usize>>,
    country: ahash::HashMap<String, Vec<usize>>,
    /// Per prefix length present, the networks of that length.
    cidr: Vec<(u8, ahash::HashMap<IpAddr, Vec<usize>>)>,
}

impl ScopeIndex {
    pub(crate) fn new(scopes: &[Scope]) -> ScopeIndex {
        let mut index = ScopeIndex::default();
        for (position, scope) in scopes.iter().enumerate() {
            match scope {
                Scope::Asn(asn) => index.asn.entry(*asn).or_default().push(position),
                Scope::Country(code) => index
                    .country
                    .entry(code.to_ascii_uppercase())
                    .or_default()
                    .push(position),
                Scope::Cidr(network) => {
                    let length = network.prefix_len();
                    // An IPv4 /24 and an IPv6 /24 share a length but not
                    // addresses: one map holds both.
                    let slot = match index.cidr.iter().position(|(l, _)| *l == length) {
                        Some(slot) => slot,
                        None => {
                            index.cidr.push((length, ahash::HashMap::default()));
                            index.cidr.len() - 1
                        }
                    };
                    index.cidr[slot]
                        .1
                        .entry(network.trunc().addr())
                        .or_default()
                        .push(position);
                }
            }
        }
        index
    }

    /// The positions of the scopes a source belongs to (its address, AS
    /// and country), in order, into `found` (cleared first).
    pub(crate) fn matching(
        &self,
        source: IpAddr,
        asn: Option<u32>,
        country: Option<&str>,
        found: &mut Vec<usize>,
    ) {
        found.clear();
        if let Some(asn) = asn {
            found.extend(self.asn.get(&asn).into_iter().flatten());
        }
        if let Some(country) = country.filter(|_| !self.country.is_empty()) {
            // Codes are two letters; upper-cased on the stack.
            let mut upper = [0u8; 8];
            if let Some(buffer) = upper.get_mut(..country.len()) {
                buffer.copy_from_slice(country.as_bytes());
                buffer.make_ascii_uppercase();
                if let Ok(code) = std::str::from_utf8(buffer) {
                    found.extend(self.country.get(code).into_iter().flatten());
                }
            }
        }
        for (length, networks) in &self.cidr {
            let Ok(network) = ipnet::IpNet::new(source, *length) else {
                continue;
            };
            found.extend(networks.get(&network.trunc().addr()).into_iter().flatten());
        }
        found.sort_unstable();
    }
}

/// The form used in file names: `as64500`, `cidr-192_0_2_0-24`,
/// `cidr-2001_db8__-32`, `country-nl`.
///
/// A network is written with `_` for the dots and colons of its address and
/// `-` before its prefix length, so that the name is only ASCII letters,
/// digits, `_` and single `-`: IntelMQ's Shadowserver parser takes a file
/// only if its name matches `^(\d{4}-\d{2}-\d{2}-)?(\w+)(-\w+)*\.csv$` and
/// rejects the whole file otherwise, and colons would trouble some file
/// systems. An IPv6 address is written in hexadecimal groups, never with an
/// embedded dotted quad, so the name reads back as the same network.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Asn(asn) => write!(f, "as{asn}"),
            Scope::Cidr(IpNet::V4(network)) => write!(
                f,
                "cidr-{}-{}",
                network.network().to_string().replace('.', "_"),
                network.prefix_len()
            ),
            Scope::Cidr(IpNet::V6(network)) => write!(
                f,
                "cidr-{}-{}",
                ipv6_groups(network.network()).replace(':', "_"),
                network.prefix_len()
            ),
            Scope::Country(code) => write!(f, "country-{}", code.to_ascii_lowercase()),
        }
    }
}

/// `address` in hexadecimal groups with the longest run of two or more
/// zero groups (the first of equal runs) as `::`, as RFC 5952 writes it,
/// but without the dotted quad that `Display` uses for IPv4-mapped
/// addresses.
fn ipv6_groups(address: Ipv6Addr) -> String {
    let groups = address.segments();
    let mut longest = (0, 0);
    let mut start = 0;
    for (index, group) in groups.iter().enumerate() {
        if *group != 0 {
            start = index + 1;
        } else if index + 1 - start > longest.1 - longest.0 {
            longest = (start, index + 1);
        }
    }
    let hex = |groups: &[u16]| {
        groups
            .iter()
            .map(|group| format!("{group:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if longest.1 - longest.0 < 2 {
        return hex(&groups);
    }
    format!(
        "{}::{}",
        hex(&groups[..longest.0]),
        hex(&groups[longest.1..])
    )
}

/// A scope that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a report scope; write an AS as 'as64500', a network as '192.0.2.0/24' or '2001:db8::/32', a country as 'country-nl'")]
pub struct ScopeError {
    /// What was given.
    pub text: String,
}

/// Reads `as64500`, `AS64500`, `192.0.2.0/24`, `2001:db8::/32`,
/// `country-nl`, and the file-name forms of [`Scope`]'s `Display`.
impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(text: &str) -> Result<Scope, ScopeError> {
        let error = || ScopeError {
            text: text.to_owned(),
        };
        let lower = text.trim().to_ascii_lowercase();
        if let Some(number) = lower.strip_prefix("as") {
            return number.parse().map(Scope::Asn).map_err(|_| error());
        }
        if let Some(code) = lower.strip_prefix("country-") {
            if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Ok(Scope::Country(code.to_ascii_uppercase()));
            }
            return Err(error());
        }
        let network = match lower.strip_prefix("cidr-") {
            Some(name) => file_name_network(name).ok_or_else(error)?,
            None => lower,
        };
        network
            .parse::<IpNet>()
            .map(|network| Scope::Cidr(network.trunc()))
            .map_err(|_| error())
    }
}

/// `192_0_2_0-24` or `2001_db8__-32` as `address/prefix`; also the forms
/// of earlier releases, `192.0.2.0_24` and `2001-db8--_32`, which IntelMQ
/// did not take, so that scopes written that way still read.
fn file_name_network(name: &str) -> Option<String> {
    if let Some((address, prefix)) = name.rsplit_once('-') {
        if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) {
            let dotted = address.replace('_', ".");
            if dotted.parse::<Ipv4Addr>().is_ok() {
                return Some(format!("{dotted}/{prefix}"));
            }
            let colons = address.replace('_', ":");
            if colons.parse::<Ipv6Addr>().is_ok() {
                return Some(format!("{colons}/{prefix}"));
            }
        }
    }
    let (address, prefix) = name.rsplit_once('_')?;
    let address = if address.contains('.') {
        address.to_owned()
    } else {
        address.replace('-', ":")
    };
    Some(format!("{address}/{prefix}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::dns_event;

    fn scope(text: &str) -> Scope {
        text.parse().unwrap()
    }

    #[test]
    fn the_index_finds_exactly_the_scopes_that_match() {
        let scopes: Vec<Scope> = [
            "as64500",
            "as64501",
            "country-nl",
            "country-de",
            "192.0.2.0/24",
            "192.0.0.0/16",
            "192.0.2.128/25",
            "2001:db8::/32",
            "2001:db8:1::/48",
            "0.0.0.0/0",
            "::/0",
            "as64500",
        ]
        .iter()
        .map(|text| scope(text))
        .collect();
        let index = ScopeIndex::new(&scopes);
        let mut found = Vec::new();
        let sources = [
            "192.0.2.1:1",
            "192.0.2.200:1",
            "192.0.9.9:1",
            "[::ffff:192.0.2.130]:1",
            "198.51.100.1:1",
            "[2001:db8:1::5]:1",
            "[2001:db8:2::5]:1",
            "[2001:db9::1]:1",
        ];
        for (n, source) in sources.iter().enumerate() {
            for (asn, country) in [
                (None, None),
                (Some(64500), Some("nl")),
                (Some(64501), Some("DE")),
            ] {
                let mut event = dns_event(source, "a.com", "A");
                event.src_asn = asn;
                event.src_country = country.map(str::to_owned);
                index.matching(
                    event.src_ip(),
                    event.src_asn,
                    event.src_country.as_deref(),
                    &mut found,
                );
                let expected: Vec<usize> = (0..scopes.len())
                    .filter(|&i| scopes[i].matches(&event))
                    .collect();
                assert_eq!(found, expected, "{source} {asn:?} {country:?} (case {n})");
            }
        }
    }

    #[test]
    fn ipv4_network_matches_ipv4_and_mapped_sources() {
        let network = scope("192.0.2.0/24");
        assert!(network.matches(&dns_event("192.0.2.200:1", "a.com", "A")));
        assert!(network.matches(&dns_event("[::ffff:192.0.2.7]:1", "a.com", "A")));
        assert!(!network.matches(&dns_event("192.0.3.1:1", "a.com", "A")));
        assert!(!network.matches(&dns_event("[2001:db8::1]:1", "a.com", "A")));
    }

    #[test]
    fn ipv6_network_matches_ipv6_sources() {
        let network = scope("2001:db8::/32");
        assert!(network.matches(&dns_event("[2001:db8:ffff::1]:1", "a.com", "A")));
        assert!(!network.matches(&dns_event("[2001:db9::1]:1", "a.com", "A")));
        assert!(!network.matches(&dns_event("192.0.2.1:1", "a.com", "A")));
    }

    #[test]
    fn asn_and_country_match_the_enrichment() {
        let mut event = dns_event("192.0.2.1:1", "a.com", "A");
        assert!(Scope::Asn(64500).matches(&event));
        assert!(!Scope::Asn(64501).matches(&event));
        assert!(scope("country-nl").matches(&event));
        assert!(Scope::Country("Nl".to_owned()).matches(&event));
        assert!(!scope("country-de").matches(&event));
        event.src_asn = None;
        event.src_country = None;
        assert!(!Scope::Asn(64500).matches(&event));
        assert!(!scope("country-nl").matches(&event));
    }

    #[test]
    fn file_name_forms() {
        assert_eq!(Scope::Asn(64500).to_string(), "as64500");
        assert_eq!(scope("192.0.2.9/24").to_string(), "cidr-192_0_2_0-24");
        assert_eq!(scope("2001:db8::/32").to_string(), "cidr-2001_db8__-32");
        assert_eq!(Scope::Country("NL".to_owned()).to_string(), "country-nl");
        for text in [
            "as64500",
            "cidr-192_0_2_0-24",
            "cidr-2001_db8__-32",
            "cidr-__-0",
            "cidr-__1-128",
            "cidr-2001_db8_0_1__1-128",
            "cidr-__ffff_0_0-96",
            "country-nl",
        ] {
            assert_eq!(scope(text).to_string(), text);
        }
        assert_eq!(scope("AS64500"), Scope::Asn(64500));
        // The forms of earlier releases still read.
        assert_eq!(scope("cidr-192.0.2.0_24"), scope("192.0.2.0/24"));
        assert_eq!(scope("cidr-2001-db8--_32"), scope("2001:db8::/32"));
    }

    /// IntelMQ's Shadowserver parser drops a file whose name does not match
    /// its pattern (`intelmq/bots/parsers/shadowserver/parser.py`): only
    /// word characters between single dashes.
    #[test]
    fn file_names_are_ones_intelmq_takes() {
        let takes = |name: &str| {
            name.split('-').all(|part| {
                !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        };
        for text in [
            "as64500",
            "country-nl",
            "127.0.0.0/8",
            "192.0.2.0/24",
            "0.0.0.0/0",
            "2001:db8::/32",
            "::/0",
            "::1/128",
            "::ffff:192.0.2.0/120",
            "2001:db8:0:1::/64",
            "fe80::1:0:0:1/128",
        ] {
            let name = scope(text).to_string();
            assert!(takes(&name), "{text}: {name}");
            assert_eq!(scope(&name), scope(text), "{text}: {name}");
        }
    }

    #[test]
    fn ipv6_groups_compress_the_longest_zero_run_only() {
        for (text, groups) in [
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("2001:db8::", "2001:db8::"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
            ("1:0:0:2:3:0:0:4", "1::2:3:0:0:4"),
            ("::ffff:192.0.2.1", "::ffff:c000:201"),
        ] {
            let address: Ipv6Addr = text.parse().unwrap();
            assert_eq!(ipv6_groups(address), groups, "{text}");
            assert_eq!(groups.parse::<Ipv6Addr>().unwrap(), address);
        }
    }

    #[test]
    fn nonsense_scopes_say_how_to_write_one() {
        for text in [
            "as",
            "asx",
            "country-nld",
            "192.0.2.0/33",
            "nl",
            "cidr-1.2.3.4",
        ] {
            let error = text.parse::<Scope>().unwrap_err();
            assert!(error.to_string().contains("'as64500'"), "{text}");
        }
    }
}

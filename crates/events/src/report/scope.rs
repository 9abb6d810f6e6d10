//! Scopes: which sources one recipient of reports is responsible for (an
//! autonomous system for an ISP, a network, a country for a national CERT).
//!
//! A scope matches on the source of an event: its address (an IPv4-mapped
//! IPv6 address counts as the IPv4 address), or its enrichment (AS number,
//! country) as the daemon filled it in. An event without enrichment matches
//! no AS or country scope.

use std::fmt;
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

/// The form used in file names: `as64500`, `cidr-192.0.2.0_24`,
/// `cidr-2001-db8--_32` (colons would trouble some file systems), `country-nl`.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Asn(asn) => write!(f, "as{asn}"),
            Scope::Cidr(network) => write!(
                f,
                "cidr-{}_{}",
                network.network().to_string().replace(':', "-"),
                network.prefix_len()
            ),
            Scope::Country(code) => write!(f, "country-{}", code.to_ascii_lowercase()),
        }
    }
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
            Some(name) => {
                let (address, prefix) = name.rsplit_once('_').ok_or_else(error)?;
                let address = if address.contains('.') {
                    address.to_owned()
                } else {
                    address.replace('-', ":")
                };
                format!("{address}/{prefix}")
            }
            None => lower,
        };
        network
            .parse::<IpNet>()
            .map(|network| Scope::Cidr(network.trunc()))
            .map_err(|_| error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::dns_event;

    fn scope(text: &str) -> Scope {
        text.parse().unwrap()
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
        assert_eq!(scope("192.0.2.9/24").to_string(), "cidr-192.0.2.0_24");
        assert_eq!(scope("2001:db8::/32").to_string(), "cidr-2001-db8--_32");
        assert_eq!(Scope::Country("NL".to_owned()).to_string(), "country-nl");
        for text in [
            "as64500",
            "cidr-192.0.2.0_24",
            "cidr-2001-db8--_32",
            "country-nl",
        ] {
            assert_eq!(scope(text).to_string(), text);
        }
        assert_eq!(scope("AS64500"), Scope::Asn(64500));
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

//! Enrichment: the autonomous system and country of an event's source, from
//! MaxMind-format databases (`.mmdb`), so that reports can be cut per AS and
//! per country and sent to the network that owns the infected host.
//!
//! Reads the record layouts of MaxMind's GeoLite2-ASN and GeoLite2-Country
//! (and City) databases, and of the free ip-location-db `.mmdb` files
//! (<https://github.com/sapics/ip-location-db>), whose AS files use
//! GeoLite2's field names and whose country files have a flat
//! `country_code`. IPv4 and IPv6; an IPv4-mapped source is looked up as
//! IPv4.
//!
//! Known limitations: a database is read whole into memory (GeoLite2-ASN is
//! about 10 MB, Country about 9 MB); a value that is not a plausible country
//! code (two ASCII letters) is left out rather than stored.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::Reader;
use serde::Deserialize;
use thiserror::Error;

use crate::event::Event;

/// Longest AS name kept; longer ones are cut at a character boundary.
const MAX_AS_NAME: usize = 256;

/// A database that cannot be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EnrichError {
    /// The file is missing, unreadable, or not a MaxMind-format database.
    #[error("cannot read the {what} database {path}: {message}; give a MaxMind-format .mmdb file (GeoLite2-ASN/-Country, or ip-location-db's asn/country .mmdb)")]
    Unreadable {
        /// `AS` or `country`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// The AS and country databases, either or both.
#[derive(Default)]
pub struct Enricher {
    asn: Option<Reader<Vec<u8>>>,
    country: Option<Reader<Vec<u8>>>,
}

impl std::fmt::Debug for Enricher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enricher")
            .field("asn", &self.asn.is_some())
            .field("country", &self.country.is_some())
            .finish()
    }
}

/// The fields of a record that enrichment reads; everything else in it is
/// skipped.
#[derive(Deserialize, Default)]
struct Record<'a> {
    autonomous_system_number: Option<u32>,
    #[serde(borrow)]
    autonomous_system_organization: Option<&'a str>,
    #[serde(borrow)]
    country: Option<Country<'a>>,
    #[serde(borrow)]
    registered_country: Option<Country<'a>>,
    #[serde(borrow)]
    country_code: Option<&'a str>,
}

#[derive(Deserialize, Default)]
struct Country<'a> {
    #[serde(borrow)]
    iso_code: Option<&'a str>,
}

/// What the databases say about one address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// Autonomous system name.
    pub as_name: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: Option<String>,
}

fn open(what: &'static str, path: &Path) -> Result<Reader<Vec<u8>>, EnrichError> {
    Reader::open_readfile(path).map_err(|error| EnrichError::Unreadable {
        what,
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

impl Enricher {
    /// Opens the databases given; with neither, enrichment leaves events
    /// as they are.
    pub fn open(asn: Option<&Path>, country: Option<&Path>) -> Result<Enricher, EnrichError> {
        Ok(Enricher {
            asn: asn.map(|path| open("AS", path)).transpose()?,
            country: country.map(|path| open("country", path)).transpose()?,
        })
    }

    /// Whether any database is loaded.
    pub fn is_enabled(&self) -> bool {
        self.asn.is_some() || self.country.is_some()
    }

    /// What the databases know about `address`. A lookup error (a damaged
    /// record) leaves the fields empty.
    pub fn origin(&self, address: IpAddr) -> Origin {
        let address = address.to_canonical();
        let mut origin = Origin::default();
        if let Some(Some(record)) = self
            .asn
            .as_ref()
            .map(|db| db.lookup::<Record<'_>>(address).ok().flatten())
        {
            origin.asn = record.autonomous_system_number.filter(|&n| n != 0);
            origin.as_name = record.autonomous_system_organization.map(cut_name);
            origin.country = country_of(&record);
        }
        if let Some(Some(record)) = self
            .country
            .as_ref()
            .map(|db| db.lookup::<Record<'_>>(address).ok().flatten())
        {
            origin.country = country_of(&record).or(origin.country);
            if origin.asn.is_none() {
                origin.asn = record.autonomous_system_number.filter(|&n| n != 0);
                origin.as_name = record.autonomous_system_organization.map(cut_name);
            }
        }
        origin
    }

    /// Fills the source's AS and country of every event the databases know.
    pub fn enrich(&self, events: &mut [Event]) {
        if !self.is_enabled() {
            return;
        }
        for event in events {
            let origin = self.origin(event.src.ip());
            event.src_asn = origin.asn.or(event.src_asn);
            event.src_as_name = origin.as_name.or(event.src_as_name.take());
            event.src_country = origin.country.or(event.src_country.take());
        }
    }
}

fn country_of(record: &Record<'_>) -> Option<String> {
    [
        record.country.as_ref().and_then(|c| c.iso_code),
        record.country_code,
        record.registered_country.as_ref().and_then(|c| c.iso_code),
    ]
    .into_iter()
    .flatten()
    .find(|code| code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()))
    .map(str::to_ascii_uppercase)
}

fn cut_name(name: &str) -> String {
    let mut end = name.len().min(MAX_AS_NAME);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../test-data/enrich")
            .join(name)
    }

    #[test]
    fn geolite2_layouts_give_as_and_country_for_ipv4_ipv6_and_mapped_sources() {
        let enricher =
            Enricher::open(Some(&fixture("asn.mmdb")), Some(&fixture("country.mmdb"))).unwrap();
        let origin = enricher.origin("127.0.0.9".parse().unwrap());
        assert_eq!(origin.asn, Some(64500));
        assert_eq!(origin.as_name.as_deref(), Some("EXAMPLE-NET-A"));
        assert_eq!(origin.country.as_deref(), Some("NL"));
        let mapped = enricher.origin("::ffff:127.0.0.200".parse().unwrap());
        assert_eq!(
            (mapped.asn, mapped.country.as_deref()),
            (Some(64501), Some("DE"))
        );
        let v6 = enricher.origin("2001:db8::7".parse().unwrap());
        assert_eq!((v6.asn, v6.country.as_deref()), (Some(64502), Some("FR")));
        assert_eq!(
            enricher.origin("192.0.2.1".parse().unwrap()),
            Origin::default()
        );

        let mut events = vec![crate::testing::dns_event(
            "127.0.0.130:5353",
            "a.example",
            "A",
        )];
        events[0].src_asn = None;
        events[0].src_as_name = None;
        events[0].src_country = None;
        enricher.enrich(&mut events);
        assert_eq!(events[0].src_asn, Some(64501));
        assert_eq!(events[0].src_as_name.as_deref(), Some("EXAMPLE-NET-B"));
        assert_eq!(events[0].src_country.as_deref(), Some("DE"));
    }

    #[test]
    fn ip_location_db_flat_country_codes_are_read() {
        let enricher = Enricher::open(None, Some(&fixture("country-flat.mmdb"))).unwrap();
        let origin = enricher.origin("127.1.2.3".parse().unwrap());
        assert_eq!(origin.country.as_deref(), Some("JP"));
        assert_eq!(origin.asn, None);
    }

    #[test]
    fn a_missing_database_says_which_and_what_to_give() {
        let error = Enricher::open(Some(Path::new("/nonexistent/asn.mmdb")), None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("AS database /nonexistent/asn.mmdb"),
            "{error}"
        );
        assert!(error.contains(".mmdb"), "{error}");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("country.mmdb");
        std::fs::write(&path, b"<html>not a database</html>").unwrap();
        let error = Enricher::open(None, Some(&path)).unwrap_err().to_string();
        assert!(error.contains("country database"), "{error}");
    }

    #[test]
    fn without_databases_events_stay_as_they_are() {
        let enricher = Enricher::default();
        let mut events = vec![crate::testing::dns_event("192.0.2.1:53", "a.example", "A")];
        let before = events.clone();
        enricher.enrich(&mut events);
        assert_eq!(events, before);
        assert!(!enricher.is_enabled());
    }

    #[test]
    fn country_codes_are_checked_and_upper_cased() {
        let record = Record {
            country_code: Some("nl"),
            ..Record::default()
        };
        assert_eq!(country_of(&record).as_deref(), Some("NL"));
        let record = Record {
            country: Some(Country {
                iso_code: Some("N\u{e9}"),
            }),
            registered_country: Some(Country {
                iso_code: Some("DE"),
            }),
            ..Record::default()
        };
        assert_eq!(country_of(&record).as_deref(), Some("DE"));
        assert_eq!(cut_name(&"\u{e9}".repeat(200)).len(), 256);
    }
}

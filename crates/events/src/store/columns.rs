//! The one mapping between an [`Event`] and the columns of the `events`
//! table, shared by every store so that SQLite and PostgreSQL hold the same
//! data in the same columns.
//!
//! ALPN lists are kept in one text column, each protocol with `%` and `,`
//! percent-encoded and the protocols joined by `,`, because ALPN protocol
//! names are arbitrary bytes chosen by the client.

use std::net::{IpAddr, SocketAddr};

use cautery_policy::{Provenance, Window};
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::event::{Attribution, Details, Event, Protocol, Transport};

/// The columns an insert names, in the order [`RawEvent`] binds them.
pub(crate) const COLUMNS: &str =
    "time_us, protocol, transport, src_ip, src_port, dst_ip, dst_port, \
     name, family, seed, window_from_us, window_to_us, campaign, dns_qtype, \
     http_method, http_target, http_host, http_user_agent, http_referer, http_forwarded_for, \
     http_body_len, http_body_sha256, tls_sni, tls_alpn, tls_ja4, tcp_first_bytes_hex, tcp_len, \
     src_asn, src_as_name, src_country";

/// How many columns [`COLUMNS`] names.
pub(crate) const COLUMN_COUNT: usize = 30;

/// One event as column values.
#[derive(Debug, Default)]
pub(crate) struct RawEvent {
    pub time_us: i64,
    pub protocol: String,
    pub transport: String,
    pub src_ip: String,
    pub src_port: i64,
    pub dst_ip: String,
    pub dst_port: i64,
    pub name: Option<String>,
    pub family: Option<String>,
    pub seed: Option<String>,
    pub window_from_us: Option<i64>,
    pub window_to_us: Option<i64>,
    pub campaign: Option<String>,
    pub dns_qtype: Option<String>,
    pub http_method: Option<String>,
    pub http_target: Option<String>,
    pub http_host: Option<String>,
    pub http_user_agent: Option<String>,
    pub http_referer: Option<String>,
    pub http_forwarded_for: Option<String>,
    pub http_body_len: Option<i64>,
    pub http_body_sha256: Option<String>,
    pub tls_sni: Option<String>,
    pub tls_alpn: Option<String>,
    pub tls_ja4: Option<String>,
    pub tcp_first_bytes_hex: Option<String>,
    pub tcp_len: Option<i64>,
    pub src_asn: Option<i64>,
    pub src_as_name: Option<String>,
    pub src_country: Option<String>,
}

/// Microseconds since the epoch; every `DateTime<Utc>` has them in an i64.
pub(crate) fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// An address as text, the same as its `Display` form. IPv4 (nearly every
/// event) is written digit by digit: `Display` goes through the formatter's
/// padding machinery, and this runs two or three times per stored event.
pub(crate) fn ip_text(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut text = String::with_capacity(15);
    for (index, octet) in v4.octets().into_iter().enumerate() {
        if index > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

fn time_of(id: i64, column: &'static str, micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros).ok_or(StoreError::CorruptRow {
        id,
        column,
        value: micros.to_string(),
    })
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn alpn_to_text(alpn: &[String]) -> String {
    let mut text = String::new();
    for (index, protocol) in alpn.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        for c in protocol.chars() {
            match c {
                '%' => text.push_str("%25"),
                ',' => text.push_str("%2C"),
                c => text.push(c),
            }
        }
    }
    text
}

fn alpn_from_text(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split(',')
        .map(|part| part.replace("%2C", ",").replace("%25", "%"))
        .collect()
}

impl RawEvent {
    /// The columns of an event.
    pub(crate) fn from_event(event: &Event) -> RawEvent {
        let mut raw = RawEvent {
            time_us: micros(event.time),
            protocol: event.protocol().as_str().to_owned(),
            transport: event.transport.as_str().to_owned(),
            src_ip: ip_text(event.src.ip()),
            src_port: i64::from(event.src.port()),
            dst_ip: ip_text(event.dst.ip()),
            dst_port: i64::from(event.dst.port()),
            name: event.name.clone(),
            src_asn: event.src_asn.map(i64::from),
            src_as_name: event.src_as_name.clone(),
            src_country: event.src_country.clone(),
            ..RawEvent::default()
        };
        if let Some(attribution) = &event.attribution {
            let provenance = &attribution.provenance;
            raw.family = Some(provenance.family.to_string());
            raw.seed = Some(provenance.seed.to_string());
            raw.window_from_us = provenance.window.from.map(micros);
            raw.window_to_us = provenance.window.to.map(micros);
            raw.campaign = Some(attribution.campaign.clone());
        }
        match &event.details {
            Details::Dns { qtype } => raw.dns_qtype = Some(qtype.clone()),
            Details::Http {
                method,
                target,
                host,
                user_agent,
                referer,
                forwarded_for,
                body_len,
                body_sha256,
            } => {
                raw.http_method = Some(method.clone());
                raw.http_target = Some(target.clone());
                raw.http_host = host.clone();
                raw.http_user_agent = user_agent.clone();
                raw.http_referer = referer.clone();
                raw.http_forwarded_for = forwarded_for.clone();
                raw.http_body_len = Some(saturating_i64(*body_len));
                raw.http_body_sha256 = body_sha256.clone();
            }
            Details::Tls { sni, alpn, ja4 } => {
                raw.tls_sni = sni.clone();
                raw.tls_alpn = Some(alpn_to_text(alpn));
                raw.tls_ja4 = Some(ja4.clone());
            }
            Details::Tcp {
                first_bytes_hex,
                len,
            } => {
                raw.tcp_first_bytes_hex = Some(first_bytes_hex.clone());
                raw.tcp_len = Some(saturating_i64(*len));
            }
        }
        raw
    }

    /// The event of row `id`.
    pub(crate) fn into_event(self, id: i64) -> Result<Event, StoreError> {
        let corrupt =
            |column: &'static str, value: &dyn std::fmt::Display| StoreError::CorruptRow {
                id,
                column,
                value: value.to_string(),
            };
        let protocol = Protocol::from_name(&self.protocol)
            .ok_or_else(|| corrupt("protocol", &self.protocol))?;
        let transport = Transport::from_name(&self.transport)
            .ok_or_else(|| corrupt("transport", &self.transport))?;
        let address = |column: &'static str, ip: &str, port: i64| {
            let ip = ip.parse::<IpAddr>().map_err(|_| corrupt(column, &ip))?;
            let port = u16::try_from(port).map_err(|_| corrupt(column, &port))?;
            Ok::<_, StoreError>(SocketAddr::new(ip, port))
        };
        let src = address("src_ip", &self.src_ip, self.src_port)?;
        let dst = address("dst_ip", &self.dst_ip, self.dst_port)?;
        let required = |column: &'static str, value: Option<String>| {
            value.ok_or_else(|| corrupt(column, &"NULL"))
        };
        let length = |column: &'static str, value: Option<i64>| {
            let value = value.ok_or_else(|| corrupt(column, &"NULL"))?;
            u64::try_from(value).map_err(|_| corrupt(column, &value))
        };
        let details = match protocol {
            Protocol::Dns => Details::Dns {
                qtype: required("dns_qtype", self.dns_qtype)?,
            },
            Protocol::Http => Details::Http {
                method: required("http_method", self.http_method)?,
                target: required("http_target", self.http_target)?,
                host: self.http_host,
                user_agent: self.http_user_agent,
                referer: self.http_referer,
                forwarded_for: self.http_forwarded_for,
                body_len: length("http_body_len", self.http_body_len)?,
                body_sha256: self.http_body_sha256,
            },
            Protocol::Tls => Details::Tls {
                sni: self.tls_sni,
                alpn: alpn_from_text(&required("tls_alpn", self.tls_alpn)?),
                ja4: required("tls_ja4", self.tls_ja4)?,
            },
            Protocol::Tcp => Details::Tcp {
                first_bytes_hex: required("tcp_first_bytes_hex", self.tcp_first_bytes_hex)?,
                len: length("tcp_len", self.tcp_len)?,
            },
        };
        let attribution = match (self.family, self.seed, self.campaign) {
            (Some(family), Some(seed), Some(campaign)) => Some(Attribution {
                provenance: Provenance {
                    family: family.into(),
                    seed: seed.into(),
                    window: Window {
                        from: self
                            .window_from_us
                            .map(|t| time_of(id, "window_from_us", t))
                            .transpose()?,
                        to: self
                            .window_to_us
                            .map(|t| time_of(id, "window_to_us", t))
                            .transpose()?,
                    },
                },
                campaign,
            }),
            (None, None, None) => None,
            (family, _, _) => {
                return Err(corrupt(
                    "family",
                    &format!("{family:?} without its seed or campaign"),
                ))
            }
        };
        let src_asn = self
            .src_asn
            .map(|asn| u32::try_from(asn).map_err(|_| corrupt("src_asn", &asn)))
            .transpose()?;
        Ok(Event {
            time: time_of(id, "time_us", self.time_us)?,
            transport,
            src,
            dst,
            name: self.name,
            attribution,
            details,
            src_asn,
            src_as_name: self.src_as_name,
            src_country: self.src_country,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_with_commas_and_percents_round_trips() {
        let alpn = vec![
            "h2".to_owned(),
            "a,b%2C".to_owned(),
            String::new(),
            "x".to_owned(),
        ];
        let text = alpn_to_text(&alpn);
        assert_eq!(text, "h2,a%2Cb%252C,,x");
        assert_eq!(alpn_from_text(&text), alpn);
        assert!(alpn_from_text(&alpn_to_text(&[])).is_empty());
    }

    #[test]
    fn ip_text_is_the_display_form() {
        for ip in [
            "0.0.0.0",
            "9.10.99.100",
            "255.255.255.255",
            "192.0.2.1",
            "10.0.100.7",
            "2001:db8::1",
            "::ffff:192.0.2.3",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(ip_text(ip), ip.to_string());
        }
        for n in (0..=u32::MAX).step_by(65_521) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(n));
            assert_eq!(ip_text(ip), ip.to_string());
        }
    }

    #[test]
    fn column_count_matches_the_list() {
        assert_eq!(COLUMNS.split(',').count(), COLUMN_COUNT);
    }
}

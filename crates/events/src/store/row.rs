//! [`EventRow`]: a stored event as the reports read it, borrowed from the
//! store's row, so that a day of ten million events is read without an
//! allocation per event (an [`Event`] owns a dozen strings).

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::columns::micros;
use super::StoreError;
use crate::event::{Details, Event, Protocol, Transport};

/// The columns of one stored event that the reports use. Addresses are
/// canonical (an IPv4-mapped IPv6 address is IPv4). `family` and
/// `campaign` are `Some` exactly when the event was attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRow<'a> {
    /// The row id.
    pub id: i64,
    /// Microseconds since the Unix epoch, UTC.
    pub time_us: i64,
    /// The application protocol.
    pub protocol: Protocol,
    /// UDP or TCP.
    pub transport: Transport,
    /// The client's address, canonical.
    pub src_ip: IpAddr,
    /// The client's port.
    pub src_port: u16,
    /// The sinkhole address reached, canonical.
    pub dst_ip: IpAddr,
    /// The sinkhole port reached.
    pub dst_port: u16,
    /// The query name, `Host` or SNI.
    pub name: Option<&'a str>,
    /// The attributed family.
    pub family: Option<&'a str>,
    /// The campaign that sinkholed the name.
    pub campaign: Option<&'a str>,
    /// DNS: the query type.
    pub dns_qtype: Option<&'a str>,
    /// HTTP: the method.
    pub http_method: Option<&'a str>,
    /// HTTP: the request target.
    pub http_target: Option<&'a str>,
    /// HTTP: the `Host` header.
    pub http_host: Option<&'a str>,
    /// HTTP: the `User-Agent` header.
    pub http_user_agent: Option<&'a str>,
    /// HTTP: the `Referer` header.
    pub http_referer: Option<&'a str>,
    /// HTTP: the `X-Forwarded-For` header.
    pub http_forwarded_for: Option<&'a str>,
    /// The source's AS number (enrichment).
    pub src_asn: Option<u32>,
    /// The source's country code (enrichment).
    pub src_country: Option<&'a str>,
}

impl<'a> EventRow<'a> {
    /// The row of an event read whole (stores without a borrowed scan).
    pub fn of(id: i64, event: &'a Event) -> EventRow<'a> {
        let attribution = event.attribution.as_ref();
        let mut row = EventRow {
            id,
            time_us: micros(event.time),
            protocol: event.protocol(),
            transport: event.transport,
            src_ip: event.src_ip(),
            src_port: event.src.port(),
            dst_ip: event.dst.ip().to_canonical(),
            dst_port: event.dst.port(),
            name: event.name.as_deref(),
            family: attribution.map(|a| &*a.provenance.family),
            campaign: attribution.map(|a| a.campaign.as_str()),
            dns_qtype: None,
            http_method: None,
            http_target: None,
            http_host: None,
            http_user_agent: None,
            http_referer: None,
            http_forwarded_for: None,
            src_asn: event.src_asn,
            src_country: event.src_country.as_deref(),
        };
        match &event.details {
            Details::Dns { qtype } => row.dns_qtype = Some(qtype),
            Details::Http {
                method,
                target,
                host,
                user_agent,
                referer,
                forwarded_for,
                ..
            } => {
                row.http_method = Some(method);
                row.http_target = Some(target);
                row.http_host = host.as_deref();
                row.http_user_agent = user_agent.as_deref();
                row.http_referer = referer.as_deref();
                row.http_forwarded_for = forwarded_for.as_deref();
            }
            Details::Tls { .. } | Details::Tcp { .. } => {}
        }
        row
    }

    /// The time, or the error naming the row when it is out of range.
    pub fn time(&self) -> Result<DateTime<Utc>, StoreError> {
        DateTime::from_timestamp_micros(self.time_us).ok_or(StoreError::CorruptRow {
            id: self.id,
            column: "time_us",
            value: self.time_us.to_string(),
        })
    }
}

/// What a report's reader does with each row: `false` stops the scan.
pub type EachRow<'f> = dyn FnMut(&EventRow<'_>) -> bool + 'f;

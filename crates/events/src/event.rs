//! The event model: one observation of a client at the sinkhole (a DNS query
//! for a sinkholed name, an HTTP request, a TLS hello, a raw TCP
//! connection), with what the sinkhole knew about the name (which family,
//! seed and campaign) and what the daemon learnt about the source later
//! (autonomous system, country).
//!
//! The sinkhole fills an [`Event`] from bytes that came off the network; it
//! bounds every text field before it gets here, this model does not check
//! sizes again.
//!
//! Known limitations: the protocol is the variant of [`Details`] (there is
//! no separate field to disagree with it); HTTP keeps the request line's
//! method and target but not its version.

use std::net::{IpAddr, SocketAddr};

use cautery_policy::Provenance;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One observation of a client at the sinkhole.
///
/// Serialisable so that events can wait in spool files while the store is
/// down (see [`crate::spool`]); that form is private to cautery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When the query or connection arrived. Stores keep microseconds.
    #[serde(with = "micros")]
    pub time: DateTime<Utc>,
    /// UDP or TCP.
    pub transport: Transport,
    /// The client.
    pub src: SocketAddr,
    /// The sinkhole address and port that the client reached.
    pub dst: SocketAddr,
    /// The name the client asked for: the DNS query name, the HTTP `Host`
    /// or the TLS server name, as the client sent it.
    pub name: Option<String>,
    /// Which prediction the name came from, when the sinkhole knew it.
    pub attribution: Option<Attribution>,
    /// What the protocol told about the client.
    pub details: Details,
    /// Autonomous system number of the source (enrichment, filled by the
    /// daemon).
    pub src_asn: Option<u32>,
    /// Name of that autonomous system (enrichment).
    pub src_as_name: Option<String>,
    /// ISO 3166-1 alpha-2 country code of the source, upper case
    /// (enrichment).
    pub src_country: Option<String>,
}

impl Event {
    /// The application protocol, which is the variant of [`Event::details`].
    pub fn protocol(&self) -> Protocol {
        self.details.protocol()
    }

    /// The source address, with an IPv4-mapped IPv6 address (what a
    /// dual-stack socket reports for an IPv4 client) turned back into IPv4.
    pub fn src_ip(&self) -> IpAddr {
        self.src.ip().to_canonical()
    }
}

/// The family, seed and window of the prediction a name came from, and the
/// campaign that sinkholed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// Family, seed and window of the prediction.
    pub provenance: Provenance,
    /// The campaign that sinkholed the name (the report's `tag`).
    pub campaign: String,
}

/// The application protocol of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// A DNS query.
    Dns,
    /// An HTTP request.
    Http,
    /// A TLS handshake (its ClientHello).
    Tls,
    /// A TCP connection that spoke neither HTTP nor TLS.
    Tcp,
}

impl Protocol {
    /// The lower-case name, as stores write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Dns => "dns",
            Protocol::Http => "http",
            Protocol::Tls => "tls",
            Protocol::Tcp => "tcp",
        }
    }

    /// The protocol of a lower-case name written by [`Protocol::as_str`].
    pub fn from_name(name: &str) -> Option<Protocol> {
        Some(match name {
            "dns" => Protocol::Dns,
            "http" => Protocol::Http,
            "tls" => Protocol::Tls,
            "tcp" => Protocol::Tcp,
            _ => return None,
        })
    }
}

/// The transport an event arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
}

impl Transport {
    /// The lower-case name, as stores and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }

    /// The transport of a lower-case name written by [`Transport::as_str`].
    pub fn from_name(name: &str) -> Option<Transport> {
        Some(match name {
            "udp" => Transport::Udp,
            "tcp" => Transport::Tcp,
            _ => return None,
        })
    }
}

/// What the protocol told about the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Details {
    /// A DNS query.
    Dns {
        /// The query type as its mnemonic (`A`, `AAAA`, `TXT`) or `TYPE65`.
        qtype: String,
    },
    /// An HTTP request.
    Http {
        /// The request method (`GET`, `POST`).
        method: String,
        /// The request target (`/gate.php?id=1`).
        target: String,
        /// The `Host` header.
        host: Option<String>,
        /// The `User-Agent` header.
        user_agent: Option<String>,
        /// The `Referer` header.
        referer: Option<String>,
        /// The `X-Forwarded-For` header (a proxy between bot and sinkhole).
        forwarded_for: Option<String>,
        /// Length of the request body in bytes, as received.
        body_len: u64,
        /// SHA-256 of the body received, lower-case hex, when there was one.
        body_sha256: Option<String>,
    },
    /// A TLS ClientHello.
    Tls {
        /// The server name indication.
        sni: Option<String>,
        /// The ALPN protocols offered, in order.
        alpn: Vec<String>,
        /// The JA4 fingerprint of the ClientHello.
        ja4: String,
    },
    /// A TCP connection that spoke neither HTTP nor TLS.
    Tcp {
        /// The first bytes the client sent, lower-case hex.
        first_bytes_hex: String,
        /// How many bytes the client sent in all.
        len: u64,
    },
}

impl Details {
    /// The protocol these details belong to.
    pub fn protocol(&self) -> Protocol {
        match self {
            Details::Dns { .. } => Protocol::Dns,
            Details::Http { .. } => Protocol::Http,
            Details::Tls { .. } => Protocol::Tls,
            Details::Tcp { .. } => Protocol::Tcp,
        }
    }
}

/// An event time as microseconds since the Unix epoch, as the stores keep
/// it.
mod micros {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        time: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(time.timestamp_micros())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let micros = i64::deserialize(deserializer)?;
        DateTime::from_timestamp_micros(micros)
            .ok_or_else(|| serde::de::Error::custom(format!("time out of range: {micros} µs")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv4_mapped_source_is_ipv4() {
        let event = crate::testing::dns_event("[::ffff:192.0.2.7]:5353", "example.com", "A");
        assert_eq!(event.src_ip(), "192.0.2.7".parse::<IpAddr>().unwrap());
        assert_eq!(event.protocol(), Protocol::Dns);
    }

    #[test]
    fn protocol_and_transport_names_round_trip() {
        for protocol in [Protocol::Dns, Protocol::Http, Protocol::Tls, Protocol::Tcp] {
            assert_eq!(Protocol::from_name(protocol.as_str()), Some(protocol));
        }
        for transport in [Transport::Udp, Transport::Tcp] {
            assert_eq!(Transport::from_name(transport.as_str()), Some(transport));
        }
        assert_eq!(Protocol::from_name("DNS"), None);
    }
}

//! Events for tests, one builder per protocol.

use cautery_policy::{Provenance, Window};
use chrono::{DateTime, TimeZone, Utc};

use crate::event::{Attribution, Details, Event, Transport};

/// 2026-03-04 at `hour:minute:second` UTC.
pub(crate) fn at(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, hour, minute, second)
        .single()
        .expect("a valid time")
}

pub(crate) fn attribution() -> Attribution {
    Attribution {
        provenance: Provenance {
            family: "necurs".into(),
            seed: "necurs-1".into(),
            window: Window {
                from: Some(at(0, 0, 0)),
                to: Some(at(0, 0, 0) + chrono::Duration::days(4)),
            },
        },
        campaign: "op-necurs".to_owned(),
    }
}

pub(crate) fn dns_event(src: &str, query: &str, qtype: &str) -> Event {
    Event {
        time: at(10, 0, 0),
        transport: Transport::Udp,
        src: src.parse().expect("a socket address"),
        dst: "198.51.100.53:53".parse().expect("a socket address"),
        name: Some(query.to_owned()),
        attribution: Some(attribution()),
        details: Details::Dns {
            qtype: qtype.to_owned(),
        },
        src_asn: Some(64500),
        src_as_name: Some("EXAMPLE-AS".to_owned()),
        src_country: Some("NL".to_owned()),
    }
}

pub(crate) fn http_event(src: &str) -> Event {
    Event {
        time: at(11, 30, 15),
        transport: Transport::Tcp,
        src: src.parse().expect("a socket address"),
        dst: "198.51.100.80:80".parse().expect("a socket address"),
        name: Some("qwkjxhbd.com".to_owned()),
        attribution: Some(attribution()),
        details: Details::Http {
            method: "POST".to_owned(),
            target: "/gate.php?id=\"1\"".to_owned(),
            host: Some("qwkjxhbd.com".to_owned()),
            user_agent: Some("Mozilla/4.0 (compatible; MSIE 7.0)".to_owned()),
            referer: None,
            forwarded_for: Some("203.0.113.9".to_owned()),
            body_len: 512,
            body_sha256: Some("ab".repeat(32)),
        },
        src_asn: Some(64500),
        src_as_name: Some("EXAMPLE-AS".to_owned()),
        src_country: Some("NL".to_owned()),
    }
}

pub(crate) fn tls_event(src: &str) -> Event {
    Event {
        time: at(12, 0, 1),
        transport: Transport::Tcp,
        src: src.parse().expect("a socket address"),
        dst: "[2001:db8:53::443]:443".parse().expect("a socket address"),
        name: Some("qwkjxhbd.com".to_owned()),
        attribution: None,
        details: Details::Tls {
            sni: Some("qwkjxhbd.com".to_owned()),
            alpn: vec!["h2".to_owned(), "http/1.1".to_owned()],
            ja4: "t13d1516h2_8daaf6152771_02713d6af862".to_owned(),
        },
        src_asn: Some(64501),
        src_as_name: None,
        src_country: Some("DE".to_owned()),
    }
}

pub(crate) fn tcp_event(src: &str) -> Event {
    Event {
        time: at(23, 59, 59),
        transport: Transport::Tcp,
        src: src.parse().expect("a socket address"),
        dst: "198.51.100.80:4455".parse().expect("a socket address"),
        name: None,
        attribution: Some(attribution()),
        details: Details::Tcp {
            first_bytes_hex: "16030100".to_owned(),
            len: 4,
        },
        src_asn: None,
        src_as_name: None,
        src_country: None,
    }
}

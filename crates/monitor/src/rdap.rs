//! RDAP (RFC 9082 queries, RFC 9083 answers) for the names found
//! registered: which server to ask (the IANA bootstrap file `dns.json`, RFC
//! 9224), what to ask (`BASE/domain/NAME`), what to keep of the answer
//! (registrar, status, registration and expiration events, name servers),
//! and how long to wait after a `429 Too Many Requests` (`Retry-After`,
//! RFC 9110 §10.2.3: seconds or an HTTP date).
//!
//! Answers come from the network: bodies are bounded ([`MAX_BODY`]), parsed
//! with serde_json's recursion limit, and every field is optional and
//! bounded when kept; a malformed answer is an error, never a panic.
//!
//! Known limitations: only `domain` lookups; the registrar is taken from the
//! `fn` of the vCard of the entity with role `registrar` (else its handle);
//! no redirects between registry and registrar RDAP (thin registries).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// The largest answer read, in bytes (registry answers are a few KiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// Longest string kept from an answer.
const MAX_FIELD: usize = 256;

/// Name servers and statuses kept at most.
const MAX_ITEMS: usize = 32;

/// Why an RDAP document was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RdapError {
    /// Not JSON, or not the expected shape.
    #[error("{what} is not valid RDAP JSON: {detail}")]
    Malformed {
        /// The document (bootstrap file, answer for a name).
        what: String,
        /// What is wrong.
        detail: String,
    },
    /// Over [`MAX_BODY`].
    #[error("{what} is over {MAX_BODY} bytes; refused")]
    TooLarge {
        /// The document.
        what: String,
    },
}

fn malformed(what: &str, detail: impl Into<String>) -> RdapError {
    RdapError::Malformed {
        what: what.to_owned(),
        detail: detail.into(),
    }
}

/// The IANA bootstrap registry for domain names (`dns.json`).
#[derive(Debug, Clone, Default)]
pub struct Bootstrap {
    /// (TLD, lower case without dots; base URLs), in file order.
    services: Vec<(String, Vec<String>)>,
}

impl Bootstrap {
    /// Parses `dns.json` (RFC 9224 §3: `{"services": [[[tlds], [urls]], ...]}`).
    pub fn parse(text: &[u8]) -> Result<Bootstrap, RdapError> {
        let what = "the RDAP bootstrap file";
        if text.len() > 16 * MAX_BODY {
            return Err(RdapError::TooLarge { what: what.into() });
        }
        let value: Value =
            serde_json::from_slice(text).map_err(|e| malformed(what, e.to_string()))?;
        let services = value
            .get("services")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed(what, "no \"services\" array (is this IANA's dns.json?)"))?;
        let mut out = Vec::new();
        for service in services {
            let pair = service
                .as_array()
                .filter(|p| p.len() >= 2)
                .ok_or_else(|| malformed(what, "a service is not a pair of [TLDs] and [URLs]"))?;
            let strings = |v: &Value| -> Vec<String> {
                v.as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let urls: Vec<String> = strings(&pair[1])
                .into_iter()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .collect();
            for tld in strings(&pair[0]) {
                out.push((tld.trim_matches('.').to_ascii_lowercase(), urls.clone()));
            }
        }
        Ok(Bootstrap { services: out })
    }

    /// The base URLs for `domain`: those of its longest TLD entry (https first).
    pub fn base_urls(&self, domain: &str) -> Option<&[String]> {
        let domain = domain.trim_end_matches('.');
        let mut best: Option<&(String, Vec<String>)> = None;
        for entry in &self.services {
            let tld = entry.0.as_str();
            let matches = domain.len() > tld.len()
                && domain.ends_with(tld)
                && domain.as_bytes()[domain.len() - tld.len() - 1] == b'.';
            if matches && best.is_none_or(|b| b.0.len() < tld.len()) && !entry.1.is_empty() {
                best = Some(entry);
            }
        }
        best.map(|entry| entry.1.as_slice())
    }
}

/// The RFC 9082 query URL of `domain` under `base`.
pub fn domain_url(base: &str, domain: &str) -> String {
    let mut url = base.to_owned();
    if !url.ends_with('/') {
        url.push('/');
    }
    url.push_str("domain/");
    url.push_str(domain);
    url
}

/// What an RDAP domain answer says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainRecord {
    /// `ldhName`, lower case.
    pub name: String,
    /// `status` values.
    pub status: Vec<String>,
    /// The registrar's name.
    pub registrar: Option<String>,
    /// The `registration` event.
    pub registered: Option<DateTime<Utc>>,
    /// The `expiration` event.
    pub expires: Option<DateTime<Utc>>,
    /// Name servers (`ldhName`), lower case, sorted, without the final dot.
    pub ns: Vec<String>,
}

fn bounded(text: &str) -> String {
    text.chars()
        .take(MAX_FIELD)
        .filter(|c| !c.is_control())
        .collect()
}

/// Parses an RFC 9083 domain object.
pub fn parse_domain(body: &[u8], domain: &str) -> Result<DomainRecord, RdapError> {
    let what = format!("the RDAP answer for {domain}");
    if body.len() > MAX_BODY {
        return Err(RdapError::TooLarge { what });
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| malformed(&what, e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| malformed(&what, "not a JSON object"))?;
    if object.get("objectClassName").and_then(Value::as_str) != Some("domain") {
        return Err(malformed(&what, "objectClassName is not \"domain\""));
    }
    let mut record = DomainRecord {
        name: object
            .get("ldhName")
            .and_then(Value::as_str)
            .map(|n| bounded(n).trim_end_matches('.').to_ascii_lowercase())
            .unwrap_or_default(),
        ..DomainRecord::default()
    };
    if let Some(status) = object.get("status").and_then(Value::as_array) {
        record.status = status
            .iter()
            .filter_map(Value::as_str)
            .take(MAX_ITEMS)
            .map(bounded)
            .collect();
    }
    for event in object
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let action = event.get("eventAction").and_then(Value::as_str);
        let date = event
            .get("eventDate")
            .and_then(Value::as_str)
            .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.with_timezone(&Utc));
        match action {
            Some("registration") => record.registered = date.or(record.registered),
            Some("expiration") => record.expires = date.or(record.expires),
            _ => {}
        }
    }
    for server in object
        .get("nameservers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_ITEMS)
    {
        if let Some(name) = server.get("ldhName").and_then(Value::as_str) {
            let name = bounded(name).trim_end_matches('.').to_ascii_lowercase();
            if !name.is_empty() && !record.ns.contains(&name) {
                record.ns.push(name);
            }
        }
    }
    record.ns.sort();
    for entity in object
        .get("entities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_ITEMS)
    {
        let registrar = entity
            .get("roles")
            .and_then(Value::as_array)
            .is_some_and(|roles| roles.iter().any(|r| r.as_str() == Some("registrar")));
        if !registrar {
            continue;
        }
        record.registrar =
            vcard_fn(entity).or_else(|| entity.get("handle").and_then(Value::as_str).map(bounded));
        break;
    }
    Ok(record)
}

/// The `fn` property of an entity's jCard (RFC 7095): `["vcard", [[name, params, type, value], ...]]`.
fn vcard_fn(entity: &Value) -> Option<String> {
    let card = entity.get("vcardArray")?.as_array()?;
    let properties = card.get(1)?.as_array()?;
    properties.iter().find_map(|property| {
        let property = property.as_array()?;
        if property.first()?.as_str()? == "fn" {
            property.get(3)?.as_str().map(bounded)
        } else {
            None
        }
    })
}

/// How long a `Retry-After` value asks to wait from `now`: seconds or an
/// HTTP date; `None` when it does not parse. Capped at `cap`.
pub fn retry_after(value: &str, now: DateTime<Utc>, cap: Duration) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(seconds) = value.parse::<u32>() {
        Duration::seconds(i64::from(seconds))
    } else {
        let at = DateTime::parse_from_rfc2822(value)
            .ok()?
            .with_timezone(&Utc);
        (at - now).max(Duration::zero())
    };
    Some(wait.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = r#"{
      "objectClassName": "domain", "ldhName": "EXAMPLE.COM",
      "status": ["client transfer prohibited", "active"],
      "events": [
        {"eventAction": "registration", "eventDate": "2026-11-20T10:00:00Z"},
        {"eventAction": "expiration", "eventDate": "2027-11-20T10:00:00Z"},
        {"eventAction": "last update of RDAP database", "eventDate": "2026-12-01T00:00:00Z"}
      ],
      "nameservers": [
        {"objectClassName": "nameserver", "ldhName": "NS2.EVIL.TEST."},
        {"objectClassName": "nameserver", "ldhName": "ns1.evil.test"}
      ],
      "entities": [
        {"objectClassName": "entity", "roles": ["registrant"], "handle": "X"},
        {"objectClassName": "entity", "roles": ["registrar"], "handle": "9999",
         "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Registrar, Inc."]]]}
      ]
    }"#;

    #[test]
    fn domain_answer_gives_registrar_events_status_and_servers() {
        let record = parse_domain(ANSWER.as_bytes(), "example.com").expect("parses");
        assert_eq!(record.name, "example.com");
        assert_eq!(record.registrar.as_deref(), Some("Example Registrar, Inc."));
        assert_eq!(record.ns, ["ns1.evil.test", "ns2.evil.test"]);
        assert_eq!(record.status, ["client transfer prohibited", "active"]);
        assert_eq!(
            record.expires.map(|t| t.to_rfc3339()),
            Some("2027-11-20T10:00:00+00:00".into())
        );
        assert!(record.registered < record.expires);
    }

    #[test]
    fn malformed_answers_are_errors_that_name_the_domain() {
        for body in [
            "",
            "[]",
            "{\"objectClassName\": \"entity\"}",
            "{\"objectClassName\": \"domain\"",
        ] {
            let error = parse_domain(body.as_bytes(), "x.test").expect_err(body);
            assert!(error.to_string().contains("x.test"), "{error}");
        }
        let big = vec![b' '; MAX_BODY + 1];
        assert!(matches!(
            parse_domain(&big, "x.test"),
            Err(RdapError::TooLarge { .. })
        ));
    }

    #[test]
    fn bootstrap_picks_the_longest_tld_and_builds_the_query() {
        let file = br#"{"version": "1.0", "services": [
            [["com", "net"], ["https://rdap.example/com/v1/"]],
            [["uk"], ["https://rdap.example/uk"]],
            [["co.uk"], ["https://rdap.example/co.uk/"]]
        ]}"#;
        let bootstrap = Bootstrap::parse(file).expect("parses");
        let base = bootstrap.base_urls("abc.co.uk").expect("found");
        assert_eq!(base, ["https://rdap.example/co.uk/"]);
        assert_eq!(
            domain_url(&bootstrap.base_urls("abc.net").expect("net")[0], "abc.net"),
            "https://rdap.example/com/v1/domain/abc.net"
        );
        assert_eq!(
            domain_url("https://rdap.example/uk", "a.uk"),
            "https://rdap.example/uk/domain/a.uk"
        );
        assert!(bootstrap.base_urls("abc.org").is_none());
        assert!(bootstrap.base_urls("com").is_none());
        assert!(Bootstrap::parse(b"{}").is_err());
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date_and_is_capped() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let cap = Duration::seconds(60);
        assert_eq!(retry_after("2", now, cap), Some(Duration::seconds(2)));
        assert_eq!(retry_after("3600", now, cap), Some(cap));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now, cap),
            Some(Duration::seconds(30))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now, cap),
            Some(Duration::zero())
        );
        assert_eq!(retry_after("soon", now, cap), None);
    }

    #[test]
    fn mutated_answers_never_panic_and_keep_fields_bounded() {
        // A deterministic stand-in for the fuzz target: byte flips and cuts
        // of a real-shaped answer, plus an over-long name server list.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"{}[]\",:0aZ\\ \x00";
        for _ in 0..2000 {
            let mut bytes = ANSWER.as_bytes().to_vec();
            for _ in 0..(1 + next() % 4) {
                let at = (next() as usize) % bytes.len();
                if next() % 4 == 0 {
                    bytes.truncate(at.max(1));
                } else {
                    bytes[at] = alphabet[(next() as usize) % alphabet.len()];
                }
            }
            if let Ok(record) = parse_domain(&bytes, "example.com") {
                assert!(record.ns.len() <= MAX_ITEMS && record.status.len() <= MAX_ITEMS);
                assert!(record.ns.windows(2).all(|w| w[0] < w[1]));
            }
        }
        let servers: Vec<String> = (0..100)
            .map(|i| format!("{{\"ldhName\": \"ns{i}.test\"}}"))
            .collect();
        let long = format!(
            "{{\"objectClassName\": \"domain\", \"ldhName\": \"{}\", \"nameservers\": [{}]}}",
            "x".repeat(5000),
            servers.join(",")
        );
        let record = parse_domain(long.as_bytes(), "x.test").expect("parses");
        assert_eq!(record.ns.len(), MAX_ITEMS);
        assert_eq!(record.name.len(), MAX_FIELD);
    }
}

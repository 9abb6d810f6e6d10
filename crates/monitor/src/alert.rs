//! Alerts as sinks send them: the JSON body (with the evidence a registry
//! asks for), a one-line text form for Slack and Mattermost incoming
//! webhooks (`{"text": ...}`), and the HMAC-SHA256 signature of a body.
//!
//! The signature is the hex digest of HMAC-SHA256 (RFC 2104) over the exact
//! body bytes with the shared secret, sent as `X-Cautery-Signature:
//! sha256=HEX` (the form GitHub's webhooks made familiar), so a receiver
//! can check that the alert comes from its monitor.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::state::{AlertKind, Change, Evidence};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Cautery-Signature";

/// What a live finding alert says of an infected client.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingFacts {
    /// The querying address.
    pub client: String,
    /// The family, or `unknown-dga`.
    pub family: String,
    /// Its first query of the family's names seen.
    pub first_seen: DateTime<Utc>,
    /// Its last one seen so far.
    pub last_seen: DateTime<Utc>,
    /// Distinct names of the family it asked for.
    pub names: usize,
    /// Some of them (at most [`FindingFacts::SAMPLE`]).
    pub sample: Vec<String>,
    /// The share of those names answered NXDOMAIN, when the resolver sends
    /// its responses.
    pub nxdomain_share: Option<f64>,
}

impl FindingFacts {
    /// Names kept as a sample.
    pub const SAMPLE: usize = 10;
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Its kind.
    pub kind: AlertKind,
    /// When it was raised.
    pub at: DateTime<Utc>,
    /// The name (empty for health alerts about a source).
    pub domain: String,
    /// The source that saw it.
    pub source: String,
    /// Name servers now.
    pub ns: Vec<String>,
    /// Registrar, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registrar: Option<String>,
    /// Expiry, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// First seen registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<DateTime<Utc>>,
    /// Last seen delegated (to `ns`), when the alert is that a held name is
    /// no longer delegated at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    /// What changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// A held name moved away from the sinkhole.
    pub away_from_sinkhole: bool,
    /// A repeat of an alert still true.
    pub repeat: bool,
    /// A free-text detail (health alerts).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The evidence (name alerts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// The infected client (`finding` alerts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<FindingFacts>,
}

impl Alert {
    /// The JSON body.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, vectors and instants cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The subject of a mailed alert.
    pub fn subject(&self) -> String {
        match (&self.finding, self.domain.as_str()) {
            (Some(finding), _) => format!(
                "cautery detect: finding {} {}",
                finding.client, finding.family
            ),
            (None, "") => format!("cautery monitor: {} {}", self.kind.as_str(), self.source),
            (None, domain) => format!("cautery monitor: {} {domain}", self.kind.as_str()),
        }
    }

    /// One line of text for chat webhooks.
    pub fn text(&self) -> String {
        if let Some(finding) = &self.finding {
            let mut text = format!(
                "cautery detect: finding {} {}: {} names from {} to {}",
                finding.client,
                finding.family,
                finding.names,
                finding.first_seen.to_rfc3339(),
                finding.last_seen.to_rfc3339()
            );
            if let Some(share) = finding.nxdomain_share {
                text.push_str(&format!(", {:.0} % NXDOMAIN", share * 100.0));
            }
            if !finding.sample.is_empty() {
                text.push_str(&format!(": {}", finding.sample.join(", ")));
            }
            if self.repeat {
                text.push_str(" (still active)");
            }
            return text;
        }
        let mut text = format!("cautery monitor: {} {}", self.kind.as_str(), self.domain);
        if let Some(evidence) = self.evidence.first() {
            text.push_str(&format!(
                " ({}/{} {}..{})",
                evidence.family, evidence.seed, evidence.valid_from, evidence.valid_to
            ));
        }
        if !self.ns.is_empty() {
            text.push_str(&format!(" NS {}", self.ns.join(",")));
        }
        for change in &self.changes {
            text.push_str(&format!(
                "; {} {} -> {}",
                change.what, change.from, change.to
            ));
        }
        if self.away_from_sinkhole {
            text.push_str("; moved AWAY from the sinkhole");
        }
        if let Some(expires) = self.expires {
            if self.kind == AlertKind::Expiring {
                text.push_str(&format!("; expires {}", expires.to_rfc3339()));
            }
        }
        if !self.detail.is_empty() {
            text.push_str(&format!(": {}", self.detail));
        }
        text
    }

    /// The Slack/Mattermost body: `{"text": ...}`.
    pub fn chat_json(&self) -> String {
        serde_json::json!({ "text": self.text() }).to_string()
    }
}

/// The private enterprise number in syslog structured-data IDs: 32473 is
/// the number RFC 5612 reserves for documentation and examples; an operator
/// with a number of their own may prefer it.
const SYSLOG_PEN: u32 = 32473;

impl Alert {
    /// RFC 5424 severity: critical for a move away from a sinkhole, error
    /// for an unhealthy source, notice for a recovery, warning otherwise.
    pub fn severity(&self) -> u8 {
        match self.kind {
            AlertKind::Changed if self.away_from_sinkhole => 2,
            AlertKind::Health if self.detail == "recovered" => 5,
            AlertKind::Health => 3,
            _ => 4,
        }
    }

    /// One RFC 5424 syslog message (facility daemon): header, structured
    /// data `[cautery@32473 kind= domain= family= seed= source=]`, and the
    /// text form as the message.
    pub fn syslog(&self, hostname: &str) -> String {
        const DAEMON: u8 = 3;
        let priority = u32::from(DAEMON) * 8 + u32::from(self.severity());
        let mut data = format!("[cautery@{SYSLOG_PEN} kind=\"{}\"", self.kind.as_str());
        let mut param = |name: &str, value: &str| {
            if !value.is_empty() {
                data.push_str(&format!(" {name}=\"{}\"", sd_escape(value)));
            }
        };
        param("domain", &self.domain);
        if let Some(finding) = &self.finding {
            param("client", &finding.client);
            param("family", &finding.family);
        }
        if let Some(evidence) = self.evidence.first() {
            param("family", &evidence.family);
            param("seed", &evidence.seed);
        }
        param("source", &self.source);
        data.push(']');
        let hostname = if hostname.is_empty() || !hostname.is_ascii() {
            "-"
        } else {
            hostname
        };
        format!(
            "<{priority}>1 {} {hostname} cautery - {} {data} {}",
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.kind.as_str(),
            self.text()
        )
    }
}

/// Escapes a structured-data value (RFC 5424 §6.3.3: `"`, `\` and `]`).
fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `sha256=HEX`: HMAC-SHA256 of `body` with `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256=");
    for byte in digest {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn text_form_names_the_change_away_from_the_sinkhole() {
        let alert = Alert {
            kind: AlertKind::Changed,
            at: DateTime::UNIX_EPOCH,
            domain: "abc.com".into(),
            source: "zone-file:x".into(),
            ns: vec!["ns.evil.test".into()],
            registrar: None,
            expires: None,
            first_seen: None,
            last_seen: None,
            changes: vec![Change {
                what: "ns".into(),
                from: "ns.sinkhole.test".into(),
                to: "ns.evil.test".into(),
            }],
            away_from_sinkhole: true,
            repeat: false,
            detail: String::new(),
            evidence: Vec::new(),
            finding: None,
        };
        let text = alert.text();
        assert!(text.contains("changed abc.com"), "{text}");
        assert!(
            text.contains("ns ns.sinkhole.test -> ns.evil.test"),
            "{text}"
        );
        assert!(text.contains("AWAY"), "{text}");
        let line = alert.syslog("sink-1");
        assert!(
            line.starts_with("<26>1 1970-01-01T00:00:00Z sink-1 cautery - changed [cautery@32473 kind=\"changed\" domain=\"abc.com\" source=\"zone-file:x\"] cautery monitor: changed abc.com"),
            "{line}"
        );
        assert_eq!(sd_escape(r#"a"b]c\d"#), r#"a\"b\]c\\d"#);
        let body: serde_json::Value = serde_json::from_str(&alert.to_json()).expect("json");
        assert_eq!(body["kind"], "changed");
        assert_eq!(body["away_from_sinkhole"], true);
    }
}

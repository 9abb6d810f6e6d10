//! Provenance: which family, seed and window produced a name. Windows stay
//! typed ([`Window`], `[from, to)` in UTC) all the way to the query log and
//! the state files, which write them as RFC 3339 text.

use std::fmt::Write as _;

use cautery_dga::Window;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One family, seed and window that produced a name, owned.
///
/// Serialised (state files, logs) as `{"family", "seed", "valid_from",
/// "valid_to"}` with RFC 3339 instants, empty for an open side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Provenance {
    /// Canonical family name.
    pub family: Box<str>,
    /// Seed name, or the seed's value when it was given by value.
    pub seed: Box<str>,
    /// Where the name is in use.
    pub window: Window,
}

/// One family, seed and window that produced a name, borrowed from a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProvenanceRef<'a> {
    /// Canonical family name.
    pub family: &'a str,
    /// Seed name or value.
    pub seed: &'a str,
    /// Where the name is in use.
    pub window: Window,
}

impl ProvenanceRef<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> Provenance {
        Provenance {
            family: self.family.into(),
            seed: self.seed.into(),
            window: self.window,
        }
    }
}

impl Provenance {
    /// Borrows it.
    pub fn as_ref(&self) -> ProvenanceRef<'_> {
        ProvenanceRef {
            family: &self.family,
            seed: &self.seed,
            window: self.window,
        }
    }
}

/// Appends an instant as `2026-01-01T00:00:00Z`, nothing for `None`;
/// without a format string to interpret, which matters for millions of
/// names and for every line of a busy query log.
pub fn push_instant(text: &mut String, at: Option<DateTime<Utc>>) {
    use chrono::{Datelike, Timelike};
    if let Some(at) = at {
        let _ = write!(
            text,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            at.year(),
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
    }
}

fn instant_text(at: Option<DateTime<Utc>>) -> String {
    let mut text = String::with_capacity(20);
    push_instant(&mut text, at);
    text
}

fn parse_instant<E: serde::de::Error>(text: &str) -> Result<Option<DateTime<Utc>>, E> {
    if text.is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| E::custom(format!("'{text}' is not an RFC 3339 instant")))
}

#[derive(Serialize, Deserialize)]
struct StoredProvenance<S> {
    family: S,
    seed: S,
    valid_from: S,
    valid_to: S,
}

impl Serialize for Provenance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredProvenance {
            family: &*self.family,
            seed: &*self.seed,
            valid_from: &*instant_text(self.window.from),
            valid_to: &*instant_text(self.window.to),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Provenance {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Provenance, D::Error> {
        let stored = StoredProvenance::<String>::deserialize(deserializer)?;
        Ok(Provenance {
            family: stored.family.into(),
            seed: stored.seed.into(),
            window: Window {
                from: parse_instant(&stored.valid_from)?,
                to: parse_instant(&stored.valid_to)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_keeps_its_stored_form_and_its_window_typed() {
        let from: DateTime<Utc> = "2026-11-26T00:00:00Z".parse().expect("instant");
        let provenance = Provenance {
            family: "necurs".into(),
            seed: "default".into(),
            window: Window {
                from: Some(from),
                to: None,
            },
        };
        let text = serde_json::to_string(&provenance).expect("json");
        assert_eq!(
            text,
            r#"{"family":"necurs","seed":"default","valid_from":"2026-11-26T00:00:00Z","valid_to":""}"#
        );
        let back: Provenance = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, provenance);
        assert!(serde_json::from_str::<Provenance>(&text.replace("2026-11-26T", "x")).is_err());
    }
}

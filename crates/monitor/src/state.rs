//! What the monitor remembers per name and what it alerts on.
//!
//! Each check turns what a source saw of a predicted name (an
//! [`Observation`]: its name servers, and registrar and expiry when the
//! source knows them) and what was known before (a [`NameState`]) into the
//! new state and the alerts due ([`observe`]). One alert per event: a name
//! first seen delegated gives one `registered` alert, a change of name
//! servers or registrar one `changed` alert, and while nothing changes the
//! alert is repeated only after [`AlertRules::renotify`]. A name is *held*
//! when all its name servers are under one of the operator's sinkhole
//! suffixes ([`AlertRules::held_ns`]): a held name is not reported as
//! registered (it is ours), but a move away from the sinkhole is a `changed`
//! alert marked `away_from_sinkhole`, and its expiry within
//! [`AlertRules::expiry_warn_days`] is an `expiring` alert.
//!
//! A held name can also leave its zone: a source that covers its TLD (the
//! whole zone file of that TLD, or the TLD's servers answering NXDOMAIN)
//! shows it not delegated at all. [`observe_gone`] makes that a `changed`
//! alert marked `away_from_sinkhole` with the name servers it was last seen
//! with and when; once, repeated after the re-notify period while it lasts,
//! and cleared (silently) when a source shows the name delegated again.
//!
//! Pure: instants are parameters.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What a source saw of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The name, lower case.
    pub domain: String,
    /// Name servers, sorted, each once.
    pub ns: Vec<String>,
    /// The registrar, when the source knows it (RDAP).
    pub registrar: Option<String>,
    /// The registration's expiry, when the source knows it (RDAP).
    pub expires: Option<DateTime<Utc>>,
    /// The source, e.g. `zone-file:com.zone.gz`.
    pub source: String,
}

/// Why cautery considers a name a DGA name: what a registry asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The family.
    pub family: String,
    /// The seed.
    pub seed: String,
    /// Where the name is in use (RFC 3339; empty for unbounded).
    pub valid_from: String,
    /// End of the window (exclusive).
    pub valid_to: String,
    /// The first instant cautery's campaign predicts the name: the window's
    /// start less the horizon's days ahead.
    pub predicted_from: String,
    /// Where the algorithm was described (the family's references).
    pub algorithm_source: Vec<String>,
    /// For public-data families, the SHA-256 of the archived input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_sha256: Option<String>,
    /// Where that input is kept: its file in the seed archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    /// When that input was fetched (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_fetched_at: Option<String>,
}

/// What is known of one name found registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameState {
    /// The name.
    pub domain: String,
    /// First seen registered.
    pub first_seen: DateTime<Utc>,
    /// Last seen registered.
    pub last_seen: DateTime<Utc>,
    /// Name servers last seen.
    pub ns: Vec<String>,
    /// Registrar last known.
    pub registrar: Option<String>,
    /// Expiry last known.
    pub expires: Option<DateTime<Utc>>,
    /// When name servers, registrar or expiry last changed (first seen at first).
    pub changed_at: DateTime<Utc>,
    /// When each kind of alert was last sent.
    pub alerted: BTreeMap<AlertKind, DateTime<Utc>>,
    /// Since when a held name is no longer delegated (`None` while it is).
    pub gone_since: Option<DateTime<Utc>>,
    /// Why the name is a DGA name, as last predicted: kept so that alerts
    /// about a held name still carry it after its day has passed and no
    /// plan predicts it (empty when the name was saved before cautery kept it).
    pub evidence: Vec<Evidence>,
}

/// Kinds of alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// A predicted name is delegated (by someone else).
    Registered,
    /// Its name servers or registrar changed.
    Changed,
    /// A held name expires soon.
    Expiring,
    /// The watcher itself is unhealthy.
    Health,
    /// A live finding of `cautery serve`'s dnstap collector: a client
    /// asking for a family's names.
    Finding,
}

impl AlertKind {
    /// The kind as written in alerts.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Registered => "registered",
            AlertKind::Changed => "changed",
            AlertKind::Expiring => "expiring",
            AlertKind::Health => "health",
            AlertKind::Finding => "finding",
        }
    }
}

/// One change of a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `ns`, `registrar` or `expires`.
    pub what: String,
    /// Before (empty when unknown).
    pub from: String,
    /// After.
    pub to: String,
}

/// An alert due for a name, before the evidence is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Its kind.
    pub kind: AlertKind,
    /// What changed (for `changed`).
    pub changes: Vec<Change>,
    /// A held name moved away from the sinkhole.
    pub away_from_sinkhole: bool,
    /// A repeat of an alert still true after the re-notify period.
    pub repeat: bool,
}

/// When to alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRules {
    /// Repeat an alert still true after this long.
    pub renotify: Duration,
    /// Warn when a held name expires within this many days.
    pub expiry_warn_days: u32,
    /// Name-server suffixes of the operator's sinkholes (lower case, no final dot).
    pub held_ns: Vec<String>,
}

impl AlertRules {
    /// Whether every name server of `ns` is one of the operator's.
    pub fn holds(&self, ns: &[String]) -> bool {
        !ns.is_empty()
            && ns.iter().all(|server| {
                self.held_ns.iter().any(|suffix| {
                    server == suffix
                        || (server.ends_with(suffix.as_str())
                            && server.as_bytes()[server.len() - suffix.len() - 1] == b'.')
                })
            })
    }
}

/// Whether an alert last sent at `sent` (never: `None`) is due again at
/// `at`: the one rule of repetition of every alert, the monitor's and the
/// live findings' of `cautery serve`.
pub fn due_again(sent: Option<DateTime<Utc>>, at: DateTime<Utc>, renotify: Duration) -> bool {
    sent.is_none_or(|sent| at - sent >= renotify)
}

/// A held name that a source covering its zone shows not delegated at
/// `at`: its new state and the `changed` alert due (with the change
/// `delegation: NS... -> ""`), or `None` when the name is not held (a name
/// registered by someone else that lapses is no alert). The name servers
/// and `last_seen` stay those last seen, the evidence of the alert.
pub fn observe_gone(
    previous: &NameState,
    at: DateTime<Utc>,
    rules: &AlertRules,
) -> Option<(NameState, Vec<Due>)> {
    if !rules.holds(&previous.ns) {
        return None;
    }
    let mut state = previous.clone();
    let mut due = Vec::new();
    let repeat = previous.gone_since.is_some();
    if !repeat {
        state.gone_since = Some(at);
        state.changed_at = at;
    }
    if !repeat
        || due_again(
            previous.alerted.get(&AlertKind::Changed).copied(),
            at,
            rules.renotify,
        )
    {
        due.push(Due {
            kind: AlertKind::Changed,
            changes: vec![Change {
                what: "delegation".into(),
                from: previous.ns.join(","),
                to: String::new(),
            }],
            away_from_sinkhole: true,
            repeat,
        });
        state.alerted.insert(AlertKind::Changed, at);
    }
    Some((state, due))
}

/// The new state of a name and the alerts due, given what was known
/// (`previous`) and what a source saw at `at`.
pub fn observe(
    previous: Option<&NameState>,
    seen: &Observation,
    at: DateTime<Utc>,
    rules: &AlertRules,
) -> (NameState, Vec<Due>) {
    let mut due = Vec::new();
    let held = rules.holds(&seen.ns);
    let mut state = match previous {
        None => NameState {
            domain: seen.domain.clone(),
            first_seen: at,
            last_seen: at,
            ns: seen.ns.clone(),
            registrar: seen.registrar.clone(),
            expires: seen.expires,
            changed_at: at,
            alerted: BTreeMap::new(),
            gone_since: None,
            evidence: Vec::new(),
        },
        Some(previous) => previous.clone(),
    };
    state.last_seen = at;
    // Delegated again: whatever left the zone is back.
    state.gone_since = None;
    let stale = |state: &NameState, kind: AlertKind| {
        due_again(state.alerted.get(&kind).copied(), at, rules.renotify)
    };
    if let Some(previous) = previous {
        let mut changes = Vec::new();
        if previous.ns != seen.ns {
            changes.push(Change {
                what: "ns".into(),
                from: previous.ns.join(","),
                to: seen.ns.join(","),
            });
        }
        // A source that does not know the registrar (a zone file) changes nothing.
        if let Some(registrar) = &seen.registrar {
            if previous.registrar.as_ref() != Some(registrar) {
                changes.push(Change {
                    what: "registrar".into(),
                    from: previous.registrar.clone().unwrap_or_default(),
                    to: registrar.clone(),
                });
            }
        }
        if seen.expires.is_some() && seen.expires != previous.expires {
            state.expires = seen.expires;
            state.changed_at = at;
        }
        let alerting = changes
            .iter()
            .any(|c| c.what == "ns" || c.what == "registrar");
        if alerting {
            let was_held = rules.holds(&previous.ns);
            state.ns = seen.ns.clone();
            if let Some(registrar) = &seen.registrar {
                state.registrar = Some(registrar.clone());
            }
            state.changed_at = at;
            due.push(Due {
                kind: AlertKind::Changed,
                changes,
                away_from_sinkhole: was_held && !held,
                repeat: false,
            });
        } else if !held
            && stale(&state, AlertKind::Registered)
            // A `changed` alert told of the name where it is now.
            && stale(&state, AlertKind::Changed)
        {
            due.push(Due {
                kind: AlertKind::Registered,
                changes: Vec::new(),
                away_from_sinkhole: false,
                repeat: state.alerted.contains_key(&AlertKind::Registered),
            });
        }
    } else if !held {
        due.push(Due {
            kind: AlertKind::Registered,
            changes: Vec::new(),
            away_from_sinkhole: false,
            repeat: false,
        });
    }
    if held {
        if let Some(expires) = state.expires {
            let warn = Duration::days(i64::from(rules.expiry_warn_days));
            if expires - at <= warn && stale(&state, AlertKind::Expiring) {
                due.push(Due {
                    kind: AlertKind::Expiring,
                    changes: Vec::new(),
                    away_from_sinkhole: false,
                    repeat: state.alerted.contains_key(&AlertKind::Expiring),
                });
            }
        }
    }
    for alert in &due {
        state.alerted.insert(alert.kind, at);
    }
    (state, due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0)
            .single()
            .expect("valid")
    }

    fn rules() -> AlertRules {
        AlertRules {
            renotify: Duration::days(7),
            expiry_warn_days: 30,
            held_ns: vec!["sinkhole.test".into()],
        }
    }

    fn seen(ns: &[&str], registrar: Option<&str>, expires: Option<DateTime<Utc>>) -> Observation {
        Observation {
            domain: "abc.com".into(),
            ns: ns.iter().map(|s| s.to_string()).collect(),
            registrar: registrar.map(str::to_owned),
            expires,
            source: "test".into(),
        }
    }

    fn kinds(due: &[Due]) -> Vec<AlertKind> {
        due.iter().map(|d| d.kind).collect()
    }

    #[test]
    fn registered_once_then_silent_until_the_renotify_period() {
        let observation = seen(&["ns1.evil.test"], None, None);
        let (state, due) = observe(None, &observation, at(1), &rules());
        assert_eq!(kinds(&due), [AlertKind::Registered]);
        let (state, due) = observe(Some(&state), &observation, at(2), &rules());
        assert!(due.is_empty(), "{due:?}");
        let (state, due) = observe(Some(&state), &observation, at(8), &rules());
        assert_eq!(kinds(&due), [AlertKind::Registered]);
        assert!(due[0].repeat);
        assert_eq!(state.first_seen, at(1));
        assert_eq!(state.last_seen, at(8));
    }

    #[test]
    fn a_move_away_from_the_sinkhole_is_a_changed_alert_marked_so() {
        let held = seen(
            &["ns1.sinkhole.test", "ns2.sinkhole.test"],
            Some("Reg A"),
            None,
        );
        let (state, due) = observe(None, &held, at(1), &rules());
        assert!(due.is_empty(), "a held name is ours: {due:?}");
        let moved = seen(&["ns1.evil.test"], None, None);
        let (state, due) = observe(Some(&state), &moved, at(2), &rules());
        assert_eq!(kinds(&due), [AlertKind::Changed]);
        assert!(due[0].away_from_sinkhole);
        assert_eq!(
            due[0].changes[0].from,
            "ns1.sinkhole.test,ns2.sinkhole.test"
        );
        assert_eq!(state.ns, ["ns1.evil.test"]);
        assert_eq!(
            state.registrar.as_deref(),
            Some("Reg A"),
            "kept when unknown"
        );
        assert_eq!(state.changed_at, at(2));
        // Regression: the name, now registered elsewhere, was reported again
        // as `registered` by the next check although the change told of it.
        let (state, due) = observe(Some(&state), &moved, at(3), &rules());
        assert!(due.is_empty(), "{due:?}");
        let (_, due) = observe(Some(&state), &moved, at(9), &rules());
        assert_eq!(kinds(&due), [AlertKind::Registered]);
    }

    #[test]
    fn a_registrar_change_alone_is_a_change() {
        let first = seen(&["ns.evil.test"], Some("Reg A"), None);
        let (state, _) = observe(None, &first, at(1), &rules());
        let second = seen(&["ns.evil.test"], Some("Reg B"), None);
        let (_, due) = observe(Some(&state), &second, at(2), &rules());
        assert_eq!(kinds(&due), [AlertKind::Changed]);
        assert_eq!(due[0].changes[0].what, "registrar");
        assert!(!due[0].away_from_sinkhole);
    }

    #[test]
    fn held_names_warn_before_expiry_once_per_period() {
        let far = seen(
            &["ns.sinkhole.test"],
            None,
            Some(at(1) + Duration::days(90)),
        );
        let (state, due) = observe(None, &far, at(1), &rules());
        assert!(due.is_empty());
        let near = seen(
            &["ns.sinkhole.test"],
            None,
            Some(at(1) + Duration::days(20)),
        );
        let (state, due) = observe(Some(&state), &near, at(2), &rules());
        assert_eq!(kinds(&due), [AlertKind::Expiring]);
        let (_, due) = observe(Some(&state), &near, at(3), &rules());
        assert!(due.is_empty(), "{due:?}");
    }

    #[test]
    fn a_held_name_leaving_its_zone_is_changed_once_per_period_and_clears_when_back() {
        let held = seen(&["ns1.sinkhole.test", "ns2.sinkhole.test"], None, None);
        let (state, _) = observe(None, &held, at(1), &rules());
        let (state, due) = observe_gone(&state, at(2), &rules()).expect("held");
        assert_eq!(kinds(&due), [AlertKind::Changed]);
        assert!(due[0].away_from_sinkhole && !due[0].repeat);
        assert_eq!(due[0].changes[0].what, "delegation");
        assert_eq!(
            due[0].changes[0].from,
            "ns1.sinkhole.test,ns2.sinkhole.test"
        );
        assert_eq!(state.gone_since, Some(at(2)));
        assert_eq!(state.last_seen, at(1), "last seen delegated");
        assert_eq!(state.ns, held.ns, "last name servers seen");
        let (state, due) = observe_gone(&state, at(3), &rules()).expect("held");
        assert!(due.is_empty(), "{due:?}");
        assert_eq!(state.gone_since, Some(at(2)));
        let (state, due) = observe_gone(&state, at(9), &rules()).expect("held");
        assert_eq!(kinds(&due), [AlertKind::Changed]);
        assert!(due[0].repeat);
        // Back on the sinkhole: cleared, no alert; gone again: a new alert at once.
        let (state, due) = observe(Some(&state), &held, at(10), &rules());
        assert!(due.is_empty(), "{due:?}");
        assert_eq!(state.gone_since, None);
        let (_, due) = observe_gone(&state, at(11), &rules()).expect("held");
        assert_eq!(kinds(&due), [AlertKind::Changed]);
        assert!(!due[0].repeat);
    }

    #[test]
    fn a_name_held_by_someone_else_that_lapses_is_no_alert() {
        let evil = seen(&["ns1.evil.test"], None, None);
        let (state, _) = observe(None, &evil, at(1), &rules());
        assert!(observe_gone(&state, at(2), &rules()).is_none());
    }

    #[test]
    fn suffixes_match_whole_labels_only() {
        let rules = rules();
        assert!(rules.holds(&["a.sinkhole.test".into()]));
        assert!(rules.holds(&["sinkhole.test".into()]));
        assert!(!rules.holds(&["notsinkhole.test".into()]));
        assert!(!rules.holds(&[]));
    }
}

//! Watching the watcher: the health of each source of the monitor.
//!
//! A silent monitor is the failure that lets a botnet come back, so every
//! check records, per source, when it last ran, when it last succeeded,
//! how many times in a row it failed and how old its data is (a zone file's
//! modification time). [`problems`] says what is wrong at an instant:
//! a source whose last success is more than twice the interval ago (a late
//! or stopped cycle), one failing `max_failures` times in a row, one whose
//! data is older than allowed. The monitor's own cycle is watched the same
//! way ([`cycle_problem`], [`cycle_notice`]): one that runs more than twice
//! its interval is stalled, one that ran that long is late. Pure: instants
//! are parameters.

use chrono::{DateTime, Duration, Utc};

/// What is known of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHealth {
    /// The source, e.g. `zone-file:/srv/czds/com.zone.gz`.
    pub source: String,
    /// Last check that tried it.
    pub last_attempt: DateTime<Utc>,
    /// Last check that read it whole.
    pub last_ok: Option<DateTime<Utc>>,
    /// Failures in a row since the last success.
    pub failures: u32,
    /// The last failure's message.
    pub last_error: String,
    /// How recent its data is (a zone file's modification time).
    pub data_time: Option<DateTime<Utc>>,
    /// Whether the last health alert said it was unhealthy.
    pub unhealthy: bool,
}

/// When a source is unhealthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthRules {
    /// The interval between checks; a success older than twice this is late.
    pub interval: Duration,
    /// Failures in a row that make a source unhealthy.
    pub max_failures: u32,
    /// The oldest data accepted (zone files are published daily).
    pub max_data_age: Duration,
}

/// One thing wrong with a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No success for more than twice the interval (or never).
    Late {
        /// The last success.
        last_ok: Option<DateTime<Utc>>,
    },
    /// Failing again and again.
    Failing {
        /// Failures in a row.
        failures: u32,
        /// The last message.
        error: String,
    },
    /// Its data is too old.
    Stale {
        /// The data's time.
        data_time: DateTime<Utc>,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Late { last_ok: Some(at) } => {
                write!(f, "late: last good cycle {}", at.to_rfc3339())
            }
            Problem::Late { last_ok: None } => write!(f, "late: never had a good cycle"),
            Problem::Failing { failures, error } => {
                write!(f, "failing: {failures} times in a row, last: {error}")
            }
            Problem::Stale { data_time } => {
                write!(f, "stale: data from {}", data_time.to_rfc3339())
            }
        }
    }
}

/// What is wrong with `source` at `now`; empty when healthy.
pub fn problems(source: &SourceHealth, now: DateTime<Utc>, rules: &HealthRules) -> Vec<Problem> {
    let mut found = Vec::new();
    let late = match source.last_ok {
        Some(at) => now - at > rules.interval * 2,
        None => now - source.last_attempt > rules.interval * 2 || source.failures > 0,
    };
    if late {
        found.push(Problem::Late {
            last_ok: source.last_ok,
        });
    }
    if source.failures >= rules.max_failures.max(1) {
        found.push(Problem::Failing {
            failures: source.failures,
            error: source.last_error.clone(),
        });
    }
    if let Some(data_time) = source.data_time {
        if now - data_time > rules.max_data_age {
            found.push(Problem::Stale { data_time });
        }
    }
    found
}

/// Records a check of `source` at `at`: `Ok(data_time)` or `Err(message)`.
pub fn record(
    previous: Option<&SourceHealth>,
    source: &str,
    at: DateTime<Utc>,
    outcome: Result<Option<DateTime<Utc>>, String>,
) -> SourceHealth {
    let mut health = previous.cloned().unwrap_or(SourceHealth {
        source: source.to_owned(),
        last_attempt: at,
        last_ok: None,
        failures: 0,
        last_error: String::new(),
        data_time: None,
        unhealthy: false,
    });
    health.last_attempt = at;
    match outcome {
        Ok(data_time) => {
            health.last_ok = Some(at);
            health.failures = 0;
            health.data_time = data_time.or(health.data_time);
        }
        Err(message) => {
            health.failures = health.failures.saturating_add(1);
            health.last_error = message;
        }
    }
    health
}

/// The source under which the monitor records its own cycles.
pub const CYCLE_SOURCE: &str = "monitor:cycle";

/// What is wrong with the cycle that started at `started`, seen at `now`:
/// finished at `finished`, or still running. A cycle that runs (or ran)
/// more than twice `interval` is stalled (a source hangs) or late.
pub fn cycle_problem(
    started: DateTime<Utc>,
    finished: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    interval: Duration,
) -> Option<String> {
    let limit = interval * 2;
    match finished {
        None if now - started > limit => Some(format!(
            "stalled: the cycle started {} has not finished after {} s, more than twice the \
             interval ({} s); a source hangs",
            started.to_rfc3339(),
            (now - started).num_seconds(),
            interval.num_seconds()
        )),
        Some(end) if end - started > limit => Some(format!(
            "late: the cycle started {} took {} s, more than twice the interval ({} s)",
            started.to_rfc3339(),
            (end - started).num_seconds(),
            interval.num_seconds()
        )),
        _ => None,
    }
}

/// Which health alert the cycle's state calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleNotice {
    /// It just became unhealthy.
    Unhealthy,
    /// Still unhealthy, and the last alert is a re-notify period old.
    Repeat,
    /// Healthy again.
    Recovered,
}

/// The alert due when the cycle's health goes from `was_unhealthy` to
/// `unhealthy` at `now`, the last unhealthy alert having been sent at
/// `notified`: one when it changes, again every `renotify` while it stays.
pub fn cycle_notice(
    was_unhealthy: bool,
    unhealthy: bool,
    notified: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    renotify: Duration,
) -> Option<CycleNotice> {
    match (was_unhealthy, unhealthy) {
        (false, true) => Some(CycleNotice::Unhealthy),
        (true, false) => Some(CycleNotice::Recovered),
        (true, true) if notified.is_none_or(|at| now - at >= renotify) => Some(CycleNotice::Repeat),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour(h: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::hours(h)
    }

    fn rules() -> HealthRules {
        HealthRules {
            interval: Duration::hours(1),
            max_failures: 3,
            max_data_age: Duration::hours(48),
        }
    }

    #[test]
    fn a_source_is_late_after_twice_the_interval_then_recovers() {
        let ok = record(None, "s", hour(0), Ok(Some(hour(0))));
        assert!(problems(&ok, hour(2), &rules()).is_empty());
        assert_eq!(
            problems(&ok, hour(3), &rules()),
            [Problem::Late {
                last_ok: Some(hour(0))
            }]
        );
        let again = record(Some(&ok), "s", hour(3), Ok(None));
        assert!(problems(&again, hour(3), &rules()).is_empty());
        assert_eq!(again.data_time, Some(hour(0)), "kept when not given");
    }

    #[test]
    fn repeated_failures_make_it_failing_and_a_success_clears_them() {
        let mut health = record(None, "s", hour(0), Ok(None));
        for h in 1..=3 {
            health = record(Some(&health), "s", hour(h), Err("gone".into()));
        }
        let found = problems(&health, hour(3), &rules());
        assert!(found
            .iter()
            .any(|p| matches!(p, Problem::Failing { failures: 3, .. })));
        assert!(found.iter().any(|p| matches!(p, Problem::Late { .. })));
        assert!(found.iter().any(|p| p.to_string().contains("last: gone")));
        let health = record(Some(&health), "s", hour(4), Ok(None));
        assert!(problems(&health, hour(4), &rules()).is_empty());
    }

    #[test]
    fn old_data_is_stale() {
        let health = record(None, "s", hour(100), Ok(Some(hour(0))));
        assert_eq!(
            problems(&health, hour(100), &rules()),
            [Problem::Stale { data_time: hour(0) }]
        );
    }

    #[test]
    fn a_cycle_is_stalled_or_late_past_twice_its_interval() {
        let interval = Duration::hours(1);
        assert_eq!(cycle_problem(hour(0), None, hour(2), interval), None);
        let stalled = cycle_problem(hour(0), None, hour(3), interval).expect("stalled");
        assert!(
            stalled.starts_with("stalled:") && stalled.contains("10800 s"),
            "{stalled}"
        );
        let late = cycle_problem(hour(0), Some(hour(3)), hour(3), interval).expect("late");
        assert!(late.starts_with("late:"), "{late}");
        assert_eq!(
            cycle_problem(hour(0), Some(hour(1)), hour(9), interval),
            None
        );
    }

    #[test]
    fn a_cycle_alert_is_sent_once_repeated_per_period_and_cleared() {
        let period = Duration::hours(24);
        assert_eq!(cycle_notice(false, false, None, hour(0), period), None);
        assert_eq!(
            cycle_notice(false, true, None, hour(0), period),
            Some(CycleNotice::Unhealthy)
        );
        assert_eq!(
            cycle_notice(true, true, Some(hour(0)), hour(23), period),
            None
        );
        assert_eq!(
            cycle_notice(true, true, Some(hour(0)), hour(24), period),
            Some(CycleNotice::Repeat)
        );
        assert_eq!(
            cycle_notice(true, false, Some(hour(0)), hour(25), period),
            Some(CycleNotice::Recovered)
        );
    }
}

//! Epochs and windows: when a family's names change and how long each name
//! is in use. Instants are UTC; most families change at midnight UTC, a few
//! (Kraken v2, Vidro) at a fixed instant within the day.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};

/// How a family's epochs are laid out in time.
#[derive(Debug, Clone, Copy)]
pub enum Schedule {
    /// The names never change: one epoch covering all time.
    Static,
    /// Epochs of `days` whole UTC days; one starts on the day numbered
    /// `anchor` (days since 1970-01-01), and so every `days` days before and
    /// after.
    Days {
        /// Length of an epoch in days.
        days: u32,
        /// Day number (since 1970-01-01) on which some epoch starts.
        anchor: i64,
    },
    /// Epochs of `seconds` seconds, one starting at the Unix time `anchor`,
    /// for malware whose names turn at an instant within a day.
    Period {
        /// Length of an epoch in seconds.
        seconds: i64,
        /// Unix time at which some epoch starts.
        anchor: i64,
    },
    /// Calendar months.
    Months,
    /// Whole-day epochs given by the family: `epoch(day)` returns the first
    /// day of the epoch holding `day` and the first day after it.
    Custom {
        /// Human-readable rule, e.g. "days 1-10, 11-20 and 21-end of each month".
        rule: &'static str,
        /// The epoch holding a day, as `[start, end)`.
        epoch: fn(NaiveDate) -> (NaiveDate, NaiveDate),
    },
}

const DAY: i64 = 86_400;

impl Schedule {
    /// One epoch per UTC day.
    pub const DAILY: Schedule = Schedule::Days { days: 1, anchor: 0 };

    /// The epoch holding the instant `at`, as `[start, end)`; `None` for
    /// `Static`.
    pub fn epoch_at(&self, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let seconds = at.timestamp();
        match *self {
            Schedule::Static => None,
            Schedule::Period {
                seconds: length,
                anchor,
            } => {
                let length = length.max(1);
                let start = seconds - (seconds - anchor).rem_euclid(length);
                Some((instant(start)?, instant(start + length)?))
            }
            _ => {
                let (start, end) = self.epoch_of(at.date_naive())?;
                Some((midnight(start), midnight(end)))
            }
        }
    }

    /// The whole-day epoch holding `day`, as `[start, end)` days; `None` for
    /// `Static`. For `Period`, the days on which the epoch holding 00:00 of
    /// `day` starts and ends.
    pub fn epoch_of(&self, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        match *self {
            Schedule::Static => None,
            Schedule::Days { days, anchor } => {
                let number = day_number(day);
                let offset = (number - anchor).rem_euclid(i64::from(days.max(1)));
                let start = from_day_number(number - offset);
                Some((
                    start,
                    start.checked_add_days(Days::new(u64::from(days.max(1))))?,
                ))
            }
            Schedule::Period { .. } => {
                let (start, end) = self.epoch_at(midnight(day))?;
                Some((start.date_naive(), end.date_naive()))
            }
            Schedule::Months => {
                let start = day.with_day(1)?;
                Some((start, start.checked_add_months(Months::new(1))?))
            }
            Schedule::Custom { epoch, .. } => Some(epoch(day)),
        }
    }

    /// Human-readable rule for `cautery families`.
    pub fn describe(&self) -> String {
        match *self {
            Schedule::Static => "unlimited (time-independent)".to_owned(),
            Schedule::Days { days: 1, .. } => "1 day (UTC)".to_owned(),
            Schedule::Days { days, anchor: 0 } => {
                format!("{days} days (UTC), counted from 1970-01-01")
            }
            Schedule::Days { days, anchor } => {
                format!(
                    "{days} days (UTC), one starting on {}",
                    from_day_number(anchor)
                )
            }
            Schedule::Period { seconds, anchor } => {
                let start = instant(anchor).map_or_else(|| anchor.to_string(), |t| t.to_rfc3339());
                if seconds % DAY == 0 {
                    format!("{} days, one starting at {start}", seconds / DAY)
                } else {
                    format!("{seconds} s, one starting at {start}")
                }
            }
            Schedule::Months => "1 calendar month (UTC)".to_owned(),
            Schedule::Custom { rule, .. } => rule.to_owned(),
        }
    }
}

/// The interval `[from, to)` in which a name is in use, in UTC. `None` on
/// either side means unbounded (time-independent families).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// First instant at which the name is in use.
    pub from: Option<DateTime<Utc>>,
    /// First instant at which it is no longer in use.
    pub to: Option<DateTime<Utc>>,
}

impl Window {
    /// All time.
    pub const ALWAYS: Window = Window {
        from: None,
        to: None,
    };

    /// Whether the instant `at` lies in the window.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| from <= at) && self.to.is_none_or(|to| at < to)
    }

    /// Whether the window shares an instant with `[start, end)`.
    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| from < end) && self.to.is_none_or(|to| start < to)
    }

    /// `from` as RFC 3339 (`2026-01-01T00:00:00Z`), or empty if unbounded.
    pub fn from_rfc3339(&self) -> String {
        self.from.map(rfc3339).unwrap_or_default()
    }

    /// `to` as RFC 3339, or empty if unbounded.
    pub fn to_rfc3339(&self) -> String {
        self.to.map(rfc3339).unwrap_or_default()
    }
}

/// An instant as `2026-01-01T00:00:00Z`.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// 00:00 UTC of `day`.
pub fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

fn instant(unix_seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(unix_seconds, 0)
}

const UNIX_EPOCH_DAY: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

/// Days since 1970-01-01 (negative before).
pub fn day_number(day: NaiveDate) -> i64 {
    (day - UNIX_EPOCH_DAY).num_days()
}

/// The day with this number (days since 1970-01-01).
pub fn from_day_number(number: i64) -> NaiveDate {
    UNIX_EPOCH_DAY + chrono::TimeDelta::days(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("test instant")
    }

    #[test]
    fn four_day_epochs_align_to_their_anchor() {
        let schedule = Schedule::Days { days: 4, anchor: 0 };
        let (start, end) = schedule.epoch_of(d("1970-01-06")).expect("epoch");
        assert_eq!((start, end), (d("1970-01-05"), d("1970-01-09")));
        let (start, _) = schedule.epoch_of(d("1969-12-31")).expect("epoch");
        assert_eq!(start, d("1969-12-28"));
    }

    #[test]
    fn months_end_on_the_first_of_the_next() {
        let (start, end) = Schedule::Months.epoch_of(d("2024-02-29")).expect("epoch");
        assert_eq!((start, end), (d("2024-02-01"), d("2024-03-01")));
    }

    #[test]
    fn periods_turn_within_a_day() {
        // Weeks turning on Mondays at 21:46:40 UTC (1970-01-05 was a Monday).
        let schedule = Schedule::Period {
            seconds: 7 * DAY,
            anchor: 4 * DAY + 78_400,
        };
        let (start, end) = schedule.epoch_at(t("2026-11-23T21:46:39Z")).expect("epoch");
        assert_eq!(
            (start, end),
            (t("2026-11-16T21:46:40Z"), t("2026-11-23T21:46:40Z"))
        );
        let (start, _) = schedule.epoch_at(t("2026-11-23T21:46:40Z")).expect("epoch");
        assert_eq!(start, t("2026-11-23T21:46:40Z"));
    }

    #[test]
    fn window_bounds_are_half_open() {
        let w = Window {
            from: Some(t("2026-01-01T00:00:00Z")),
            to: Some(t("2026-01-02T00:00:00Z")),
        };
        assert!(w.contains(t("2026-01-01T23:59:59Z")));
        assert!(!w.contains(t("2026-01-02T00:00:00Z")));
        assert!(Window::ALWAYS.contains(t("1900-01-01T00:00:00Z")));
    }
}

//! Epochs and windows: when a family's names change and how long each name
//! is in use. All days are UTC calendar days.

use chrono::{Datelike, Days, Months, NaiveDate};

/// How a family's epochs are laid out in time.
#[derive(Debug, Clone, Copy)]
pub enum Schedule {
    /// The names never change: one epoch covering all time.
    Static,
    /// Epochs of `days` days; one starts on the day numbered `anchor`
    /// (days since 1970-01-01), and so every `days` days before and after.
    Days {
        /// Length of an epoch in days.
        days: u32,
        /// Day number (since 1970-01-01) on which some epoch starts.
        anchor: i64,
    },
    /// Calendar months.
    Months,
    /// Epochs given by the family: `epoch(day)` returns the first day of the
    /// epoch holding `day` and the first day after it.
    Custom {
        /// Human-readable rule, e.g. "days 1-10, 11-20 and 21-end of each month".
        rule: &'static str,
        /// The epoch holding a day, as `[start, end)`.
        epoch: fn(NaiveDate) -> (NaiveDate, NaiveDate),
    },
}

impl Schedule {
    /// One epoch per UTC day.
    pub const DAILY: Schedule = Schedule::Days { days: 1, anchor: 0 };

    /// The epoch holding `day`, as `[start, end)`; `None` for `Static`.
    pub fn epoch_of(&self, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        match *self {
            Schedule::Static => None,
            Schedule::Days { days, anchor } => {
                let number = day_number(day);
                let offset = (number - anchor).rem_euclid(i64::from(days));
                let start = from_day_number(number - offset);
                Some((start, start + Days::new(u64::from(days))))
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
            Schedule::Months => "1 calendar month (UTC)".to_owned(),
            Schedule::Custom { rule, .. } => rule.to_owned(),
        }
    }
}

/// The interval `[from, to)` in which a name is in use, in whole UTC days.
/// `None` on either side means unbounded (time-independent families).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// First day (00:00 UTC) on which the name is in use.
    pub from: Option<NaiveDate>,
    /// First day (00:00 UTC) on which it is no longer in use.
    pub to: Option<NaiveDate>,
}

impl Window {
    /// All time.
    pub const ALWAYS: Window = Window {
        from: None,
        to: None,
    };

    /// Whether the instant 00:00 UTC of `day` (and so the whole day) lies in
    /// the window.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= day) && self.to.is_none_or(|to| day < to)
    }

    /// Whether the window shares at least one day with `[first, last]`.
    pub fn overlaps(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= last) && self.to.is_none_or(|to| first < to)
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

fn rfc3339(day: NaiveDate) -> String {
    format!("{day}T00:00:00Z")
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
    fn window_bounds_are_half_open() {
        let w = Window {
            from: Some(d("2026-01-01")),
            to: Some(d("2026-01-02")),
        };
        assert!(w.contains(d("2026-01-01")));
        assert!(!w.contains(d("2026-01-02")));
        assert!(Window::ALWAYS.contains(d("1900-01-01")));
    }
}

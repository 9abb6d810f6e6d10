//! From a family, a seed and a range of days to predictions: which epochs
//! touch the range, and each epoch's names once, with their window.

use ahash::AHashSet;
use chrono::{Days, NaiveDate};

use crate::family::{Family, Generator};
use crate::schedule::{Schedule, Window};

/// The longest range of days one request may cover: ten years. Longer ranges
/// are refused rather than left to fill a disk.
pub const MAX_RANGE_DAYS: i64 = 3660;

/// A range of days that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RangeError {
    /// `from` is after `to`.
    #[error("the range is reversed: {from} is after {to}; swap --from and --to")]
    Reversed {
        /// First day asked for.
        from: NaiveDate,
        /// Last day asked for.
        to: NaiveDate,
    },
    /// The range is longer than [`MAX_RANGE_DAYS`].
    #[error("the range {from}..{to} covers {days} days; at most {MAX_RANGE_DAYS} are allowed, split the request")]
    TooLong {
        /// First day asked for.
        from: NaiveDate,
        /// Last day asked for.
        to: NaiveDate,
        /// Days covered.
        days: i64,
    },
}

/// One epoch of a family: the day it starts (used to generate its names) and
/// the window in which those names are in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch {
    /// First day of the epoch; for time-independent families a placeholder.
    pub start: NaiveDate,
    /// Where the epoch's names are in use, including the lookback.
    pub window: Window,
}

/// Checks an inclusive range of days.
pub fn check_range(first: NaiveDate, last: NaiveDate) -> Result<(), RangeError> {
    if first > last {
        return Err(RangeError::Reversed {
            from: first,
            to: last,
        });
    }
    let days = (last - first).num_days() + 1;
    if days > MAX_RANGE_DAYS {
        return Err(RangeError::TooLong {
            from: first,
            to: last,
            days,
        });
    }
    Ok(())
}

/// Every epoch of `family` whose window shares a day with `[first, last]`,
/// oldest first.
pub fn epochs(
    family: &Family,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<Epoch>, RangeError> {
    check_range(first, last)?;
    let schedule = family.schedule;
    let Some(mut current) = schedule.epoch_of(first) else {
        return Ok(vec![Epoch {
            start: NaiveDate::MIN,
            window: Window::ALWAYS,
        }]);
    };
    // Step back over the epochs whose names are still tried on `first`.
    for _ in 0..family.lookback {
        match previous(&schedule, current.0) {
            Some(epoch) => current = epoch,
            None => break,
        }
    }
    let mut out = Vec::new();
    while current.0 <= last {
        let window = Window {
            from: Some(current.0),
            to: window_end(&schedule, current, family.lookback),
        };
        if window.overlaps(first, last) {
            out.push(Epoch {
                start: current.0,
                window,
            });
        }
        match schedule.epoch_of(current.1) {
            Some(next) if next.0 > current.0 => current = next,
            _ => break,
        }
    }
    Ok(out)
}

fn previous(schedule: &Schedule, start: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let day_before = start.checked_sub_days(Days::new(1))?;
    schedule.epoch_of(day_before)
}

fn window_end(
    schedule: &Schedule,
    epoch: (NaiveDate, NaiveDate),
    lookback: u32,
) -> Option<NaiveDate> {
    let mut end = epoch.1;
    for _ in 0..lookback {
        end = schedule.epoch_of(end)?.1;
    }
    Some(end)
}

/// Calls `sink(name, window)` for every name `generator` produces in an epoch
/// of `family` touching `[first, last]`: once per epoch, in the malware's
/// order within an epoch, oldest epoch first.
pub fn predict(
    family: &Family,
    generator: &dyn Generator,
    first: NaiveDate,
    last: NaiveDate,
    mut sink: impl FnMut(&str, Window),
) -> Result<(), RangeError> {
    let mut names = Vec::new();
    for epoch in epochs(family, first, last)? {
        names.clear();
        generator.generate(epoch.start, &mut names);
        // Some families repeat a name within an epoch; it is in use once.
        let mut seen = AHashSet::with_capacity(names.len());
        for name in &names {
            if seen.insert(name.as_str()) {
                sink(name, epoch.window);
            }
        }
    }
    Ok(())
}

/// A predicted name with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    /// The domain name, lower case, with TLD.
    pub domain: String,
    /// Canonical family name.
    pub family: &'static str,
    /// Seed name, or the raw value for a seed given by value.
    pub seed: String,
    /// Where the name is in use.
    pub window: Window,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{counting_family, COUNTING};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn lookback_extends_windows_and_reaches_back() {
        let family = counting_family(Schedule::DAILY, 2);
        let found = epochs(&family, d("2026-01-10"), d("2026-01-10")).expect("range");
        let starts: Vec<NaiveDate> = found.iter().map(|e| e.start).collect();
        assert_eq!(
            starts,
            vec![d("2026-01-08"), d("2026-01-09"), d("2026-01-10")]
        );
        assert_eq!(found[0].window.to, Some(d("2026-01-11")));
    }

    #[test]
    fn a_name_valid_on_several_days_is_predicted_once() {
        let family = counting_family(Schedule::Days { days: 7, anchor: 0 }, 0);
        let generator = (family.bind)("").expect("seed");
        let mut count = 0;
        predict(
            &family,
            generator.as_ref(),
            d("2026-01-01"),
            d("2026-01-31"),
            |_, _| count += 1,
        )
        .expect("range");
        // 1970-01-01 is a Thursday, so epochs start on Thursdays: Jan 1, 8,
        // 15, 22 and 29 of 2026, each with COUNTING names.
        assert_eq!(count, 5 * COUNTING);
    }

    #[test]
    fn reversed_and_overlong_ranges_are_refused() {
        let family = counting_family(Schedule::DAILY, 0);
        assert!(matches!(
            epochs(&family, d("2026-02-01"), d("2026-01-01")),
            Err(RangeError::Reversed { .. })
        ));
        assert!(matches!(
            epochs(&family, d("2000-01-01"), d("2026-01-01")),
            Err(RangeError::TooLong { .. })
        ));
    }
}

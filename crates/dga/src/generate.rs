//! From a family, a seed and a range of days to predictions: which epochs
//! touch the range, and each epoch's names once, with their window.

use std::collections::BTreeMap;

use ahash::AHashMap;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::family::{Family, Generator};
use crate::schedule::{midnight, Schedule, Window};

/// The longest range of days one request may cover: ten years. Longer ranges
/// are refused rather than left to fill a disk.
pub const MAX_RANGE_DAYS: i64 = 3660;

/// A `lookback` meaning that the malware tries every earlier epoch's names
/// for good, so windows have no end.
pub const FOREVER: u32 = u32::MAX;

/// The earliest day the library serves; no DGA in it predates 1990.
pub const EARLIEST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1990, 1, 1).expect("valid date");

/// The latest day the library serves.
pub const LATEST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid date");

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

/// One epoch of a family: the instant it starts (used to generate its names)
/// and the window in which those names are in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch {
    /// First instant of the epoch; for time-independent families a placeholder.
    pub start: DateTime<Utc>,
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

/// The schedule `generator` (a seed of `family`) follows.
pub fn schedule_of(family: &Family, generator: &dyn Generator) -> Schedule {
    generator.schedule().unwrap_or(family.schedule)
}

/// Every epoch of `family` bound as `generator` whose window shares an
/// instant with the days `[first, last]`, oldest first.
pub fn epochs(
    family: &Family,
    generator: &dyn Generator,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<Epoch>, RangeError> {
    check_range(first, last)?;
    Ok(epochs_unchecked(family, generator, first, last))
}

fn epochs_unchecked(
    family: &Family,
    generator: &dyn Generator,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<Epoch> {
    let schedule = schedule_of(family, generator);
    let range_start = midnight(first);
    let range_end = midnight(last) + TimeDelta::days(1);
    let Some(mut current) = schedule.epoch_at(range_start) else {
        return vec![Epoch {
            start: DateTime::UNIX_EPOCH,
            window: Window::ALWAYS,
        }];
    };
    // Step back over the epochs whose names are still tried at `first`; for
    // names tried for good, back to the earliest day the library serves.
    let earliest = midnight(EARLIEST_DAY);
    for _ in 0..family.lookback {
        match schedule.epoch_at(current.0 - TimeDelta::seconds(1)) {
            Some(epoch) if epoch.0 < current.0 && epoch.0 >= earliest => current = epoch,
            _ => break,
        }
    }
    let mut out = Vec::new();
    while current.0 < range_end {
        let window = Window {
            from: Some(current.0),
            to: window_end(&schedule, current, family.lookback),
        };
        if window.overlaps(range_start, range_end) {
            out.push(Epoch {
                start: current.0,
                window,
            });
        }
        match schedule.epoch_at(current.1) {
            Some(next) if next.0 > current.0 => current = next,
            _ => break,
        }
    }
    out
}

fn window_end(
    schedule: &Schedule,
    epoch: (DateTime<Utc>, DateTime<Utc>),
    lookback: u32,
) -> Option<DateTime<Utc>> {
    if lookback == FOREVER {
        return None;
    }
    // Fixed-length epochs: no need to walk them one by one.
    let fixed = match *schedule {
        Schedule::Days { days, .. } => Some(i64::from(days) * 86_400),
        Schedule::Period { seconds, .. } => Some(seconds),
        _ => None,
    };
    if let Some(length) = fixed {
        return epoch
            .1
            .checked_add_signed(TimeDelta::seconds(length.checked_mul(i64::from(lookback))?));
    }
    let mut end = epoch.1;
    for _ in 0..lookback {
        end = schedule.epoch_at(end)?.1;
    }
    Some(end)
}

/// Calls `sink(name, window)` for every name `generator` produces in an epoch
/// of `family` touching the days `[first, last]`: once per window, in the
/// malware's order within an epoch, oldest epoch first. Names a seed keeps
/// for good ([`Generator::static_names`]) come first, with an unbounded
/// window.
pub fn predict(
    family: &Family,
    generator: &dyn Generator,
    first: NaiveDate,
    last: NaiveDate,
    mut sink: impl FnMut(&str, Window),
) -> Result<(), RangeError> {
    check_range(first, last)?;
    let mut names = Vec::new();
    let mut seen = Seen::default();
    generator.static_names(&mut names);
    seen.emit_once(&names, Window::ALWAYS, &mut sink);
    let spread = generator.spread_days();
    if spread > 0 {
        return predict_merged(family, generator, first, last, spread, sink);
    }
    for epoch in epochs(family, generator, first, last)? {
        names.clear();
        generator.generate_at(epoch.start, &mut names);
        seen.emit_once(&names, epoch.window, &mut sink);
    }
    Ok(())
}

/// The names of an epoch already given out, for [`Seen::emit_once`]: a
/// 64-bit hash of each with the index of the first name that had it, in a
/// table kept from epoch to epoch (a table of the names themselves would
/// borrow them, and be allocated and grown again for each epoch, which for
/// Conficker C's 50,000 names a day was a tenth of a year's run).
#[derive(Default)]
struct Seen {
    hasher: ahash::RandomState,
    first: ahash::AHashMap<u64, u32>,
}

impl Seen {
    /// Some families repeat a name within an epoch; it is in use once.
    fn emit_once(&mut self, names: &[String], window: Window, sink: &mut impl FnMut(&str, Window)) {
        self.first.clear();
        for (index, name) in names.iter().enumerate() {
            let hash = self.hasher.hash_one(name.as_str());
            let new = match self.first.entry(hash) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index as u32);
                    true
                }
                // The same hash: the same name, or (once in 2^64) another
                // name, which the names before it settle.
                std::collections::hash_map::Entry::Occupied(slot) => {
                    names.get(*slot.get() as usize) != Some(name) && !names[..index].contains(name)
                }
            };
            if new {
                sink(name, window);
            }
        }
    }
}

/// The later of two window ends, `None` being no end.
fn later_end(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    a.zip(b).map(|(a, b)| a.max(b))
}

/// A name's window while it is still being extended.
struct OpenWindow {
    name: String,
    /// `OpenNames::hasher`'s hash of `name`.
    hash: u64,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    /// False once the window is reported and the slot free for reuse.
    open: bool,
}

/// The open windows by name, for [`predict_merged`]: a table from a 64-bit
/// hash of the name to its slot, the slot holding the name itself. Keyed by
/// the names, the table held a second copy of each (one more allocation per
/// name) and every probe followed a pointer to compare them; QSnatch's 2,610
/// names an hour, most of them the hour before's, made that a quarter of a
/// year of every family. Two names with one hash (once in 2^64) are told
/// apart by `collided`, which is otherwise empty.
#[derive(Default)]
struct OpenNames {
    hasher: ahash::RandomState,
    by_hash: AHashMap<u64, usize>,
    collided: AHashMap<String, usize>,
}

impl OpenNames {
    fn find(&self, slots: &[OpenWindow], name: &str, hash: u64) -> Option<usize> {
        match self.by_hash.get(&hash) {
            Some(&slot) if slots[slot].name == name => Some(slot),
            _ if self.collided.is_empty() => None,
            _ => self.collided.get(name).copied(),
        }
    }

    fn insert(&mut self, slots: &[OpenWindow], slot: usize) {
        let window = &slots[slot];
        match self.by_hash.entry(window.hash) {
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(slot);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(window.name.clone(), slot);
            }
        }
    }

    fn remove(&mut self, slots: &[OpenWindow], slot: usize) {
        let window = &slots[slot];
        if self.by_hash.get(&window.hash) == Some(&slot) {
            self.by_hash.remove(&window.hash);
        } else {
            self.collided.remove(&window.name);
        }
    }
}

/// `predict` for seeds whose names recur in consecutive epochs: generates
/// `spread` days beyond each end of the range, joins the epochs in which a
/// name appears back to back into one window, and reports the windows that
/// touch the range, each once, as they close.
///
/// Windows are kept in slots; the slots queued under each end, in the
/// order queued, find the windows that can grow no more without scanning
/// every open name at each epoch. Ends come in time order, except that a
/// seed giving its names by span ([`Generator::generate_spans_at`]) queues
/// a list's end when the list begins, so the queue is a map from end to
/// slots (a few ends are in use at a time; a heap of every entry cost more
/// than the joining it saved).
fn predict_merged(
    family: &Family,
    generator: &dyn Generator,
    first: NaiveDate,
    last: NaiveDate,
    spread: u32,
    mut sink: impl FnMut(&str, Window),
) -> Result<(), RangeError> {
    let (range_start, range_end) = (midnight(first), midnight(last) + TimeDelta::days(1));
    let widen = |day: NaiveDate, days: i64| {
        day.checked_add_signed(TimeDelta::days(days))
            .unwrap_or(day)
            .clamp(EARLIEST_DAY, LATEST_DAY)
    };
    let (wide_first, wide_last) = (
        widen(first, -i64::from(spread)),
        widen(last, i64::from(spread)),
    );
    let mut slots: Vec<OpenWindow> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut open = OpenNames::default();
    let mut ends: BTreeMap<DateTime<Utc>, Vec<usize>> = BTreeMap::new();
    let mut emit = |w: &OpenWindow| {
        let window = Window {
            from: Some(w.from),
            to: w.to,
        };
        if window.overlaps(range_start, range_end) {
            sink(&w.name, window);
        }
    };
    let mut names = Vec::new();
    let mut spans: Vec<(String, DateTime<Utc>)> = Vec::new();
    let mut dated: Vec<(String, Option<DateTime<Utc>>)> = Vec::new();
    let mut first_epoch = true;
    for epoch in epochs_unchecked(family, generator, wide_first, wide_last) {
        let Some(from) = epoch.window.from else {
            continue;
        };
        // Windows that ended before this epoch began can grow no more.
        while let Some(queue) = ends.first_entry() {
            if *queue.key() >= from {
                break;
            }
            let (end, queued) = queue.remove_entry();
            for slot in queued {
                // A later extension left a newer entry for this slot: skip.
                if slots[slot].open && slots[slot].to == Some(end) {
                    emit(&slots[slot]);
                    open.remove(&slots, slot);
                    slots[slot].open = false;
                    free.push(slot);
                }
            }
        }
        if generator.generate_spans_at(epoch.start, first_epoch, &mut spans) {
            dated.extend(spans.drain(..).map(|(name, end)| (name, Some(end))));
        } else {
            names.clear();
            generator.generate_at(epoch.start, &mut names);
            dated.extend(names.drain(..).map(|name| (name, epoch.window.to)));
        }
        first_epoch = false;
        for (name, name_to) in dated.drain(..) {
            let hash = open.hasher.hash_one(name.as_str());
            let slot = match open.find(&slots, &name, hash) {
                Some(slot) => {
                    // Adjacent or overlapping: the same stretch of use.
                    let to = later_end(slots[slot].to, name_to);
                    if to == slots[slot].to {
                        // Named twice in one epoch, or within a span
                        // already queued: its end is queued.
                        continue;
                    }
                    slots[slot].to = to;
                    slot
                }
                None => {
                    let window = OpenWindow {
                        name,
                        hash,
                        from,
                        to: name_to,
                        open: true,
                    };
                    let slot = match free.pop() {
                        Some(slot) => {
                            slots[slot] = window;
                            slot
                        }
                        None => {
                            slots.push(window);
                            slots.len() - 1
                        }
                    };
                    open.insert(&slots, slot);
                    slot
                }
            };
            if let Some(end) = slots[slot].to {
                ends.entry(end).or_default().push(slot);
            }
        }
    }
    let mut remaining: Vec<usize> = (0..slots.len()).filter(|&slot| slots[slot].open).collect();
    remaining.sort_unstable_by_key(|&slot| (slots[slot].from, slot));
    for slot in remaining {
        emit(&slots[slot]);
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

    fn at(s: &str) -> DateTime<Utc> {
        midnight(d(s))
    }

    /// Each day lists the names of the day before, itself and the day after,
    /// plus one name in use at all times.
    struct Sliding;

    impl Generator for Sliding {
        fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
            let n = crate::schedule::day_number(day);
            out.extend((n - 1..=n + 1).map(|k| format!("n{k}.test")));
        }

        fn static_names(&self, out: &mut Vec<String>) {
            out.push("always.test".to_owned());
        }

        fn spread_days(&self) -> u32 {
            3
        }
    }

    #[test]
    fn names_listed_on_consecutive_days_get_one_window() {
        let family = counting_family(Schedule::DAILY, 0);
        let day = d("2026-01-10");
        let mut got = Vec::new();
        predict(&family, &Sliding, day, day, |name, window| {
            got.push((name.to_owned(), window))
        })
        .expect("range");
        let n = crate::schedule::day_number(day);
        let window = |from: &str, to: &str| Window {
            from: Some(at(from)),
            to: Some(at(to)),
        };
        assert_eq!(
            got,
            vec![
                ("always.test".to_owned(), Window::ALWAYS),
                (
                    format!("n{}.test", n - 1),
                    window("2026-01-08", "2026-01-11")
                ),
                (format!("n{n}.test"), window("2026-01-09", "2026-01-12")),
                (
                    format!("n{}.test", n + 1),
                    window("2026-01-10", "2026-01-13")
                ),
            ]
        );
    }

    #[test]
    fn open_names_with_one_hash_are_told_apart() {
        // Two names given the same hash, as a 64-bit collision would.
        let window = |name: &str| OpenWindow {
            name: name.to_owned(),
            hash: 7,
            from: at("2026-01-01"),
            to: None,
            open: true,
        };
        let slots = vec![window("a.test"), window("b.test")];
        let mut open = OpenNames::default();
        open.insert(&slots, 0);
        open.insert(&slots, 1);
        assert_eq!(open.find(&slots, "a.test", 7), Some(0));
        assert_eq!(open.find(&slots, "b.test", 7), Some(1));
        assert_eq!(open.find(&slots, "c.test", 7), None);
        // The first gone, the second is still found, and then neither.
        open.remove(&slots, 0);
        assert_eq!(open.find(&slots, "a.test", 7), None);
        assert_eq!(open.find(&slots, "b.test", 7), Some(1));
        open.remove(&slots, 1);
        assert_eq!(open.find(&slots, "b.test", 7), None);
        assert!(open.by_hash.is_empty() && open.collided.is_empty());
    }

    #[test]
    fn names_tried_forever_have_open_windows() {
        let family = counting_family(
            Schedule::Days {
                days: 365,
                anchor: 0,
            },
            FOREVER,
        );
        let generator = (family.bind)("").expect("seed");
        let found = epochs(
            &family,
            generator.as_ref(),
            d("2026-01-10"),
            d("2026-01-10"),
        )
        .expect("range");
        assert!(found.iter().all(|e| e.window.to.is_none()));
        assert!(found
            .first()
            .is_some_and(|e| e.start >= midnight(EARLIEST_DAY)));
        assert!(found.len() > 30 && found.len() < 40, "{}", found.len());
    }

    #[test]
    fn lookback_extends_windows_and_reaches_back() {
        let family = counting_family(Schedule::DAILY, 2);
        let generator = (family.bind)("").expect("seed");
        let found = epochs(
            &family,
            generator.as_ref(),
            d("2026-01-10"),
            d("2026-01-10"),
        )
        .expect("range");
        let starts: Vec<DateTime<Utc>> = found.iter().map(|e| e.start).collect();
        assert_eq!(
            starts,
            vec![at("2026-01-08"), at("2026-01-09"), at("2026-01-10")]
        );
        assert_eq!(found[0].window.to, Some(at("2026-01-11")));
    }

    #[test]
    fn periods_turning_within_a_day_touch_the_range_from_both_sides() {
        // Weeks turning on Mondays at 12:00 UTC (1970-01-05 was a Monday):
        // the Monday 2026-11-23 is covered by two epochs.
        let schedule = Schedule::Period {
            seconds: 7 * 86_400,
            anchor: 4 * 86_400 + 43_200,
        };
        let family = counting_family(schedule, 0);
        let generator = (family.bind)("").expect("seed");
        let found = epochs(
            &family,
            generator.as_ref(),
            d("2026-11-23"),
            d("2026-11-23"),
        )
        .expect("range");
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[1].window.from,
            Some(at("2026-11-23") + TimeDelta::hours(12))
        );
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
        let generator = (family.bind)("").expect("seed");
        assert!(matches!(
            epochs(
                &family,
                generator.as_ref(),
                d("2026-02-01"),
                d("2026-01-01")
            ),
            Err(RangeError::Reversed { .. })
        ));
        assert!(matches!(
            epochs(
                &family,
                generator.as_ref(),
                d("2000-01-01"),
                d("2026-01-01")
            ),
            Err(RangeError::TooLong { .. })
        ));
    }
}

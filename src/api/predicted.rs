//! The names of recent `/predictions` answers, kept so that paging through
//! a day (or asking again) does not generate the day again: generating a
//! necurs day and ordering it costs about 2 ms of CPU, a page of it a few
//! microseconds.
//!
//! Only families whose names follow from the seed and the day are kept:
//! a public-data family's names also depend on an archived input that
//! may arrive after the day, so they are generated each time. The cache
//! is bounded by names and by answers, and forgets the oldest answer
//! first.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use cautery_dga::Window;
use chrono::NaiveDate;

/// One answer: the names and their windows, in generation order.
pub type Names = Arc<Vec<(String, Window)>>;

/// What an answer depends on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Key {
    /// The family's name.
    pub family: String,
    /// The seed as the answer names it.
    pub seed: String,
    /// First and last day.
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The answers kept, oldest first.
#[derive(Debug)]
pub struct Cache {
    answers: VecDeque<(Key, Names)>,
    names: usize,
    max_names: usize,
}

/// Names kept in all, about 60 MiB at most for the longest names.
pub const MAX_NAMES: usize = 1_000_000;

/// Answers kept in all: a lookup walks them, so many small answers (a
/// family of one name a day, asked with many seeds) must not make every
/// request slow.
pub const MAX_ANSWERS: usize = 64;

impl Default for Cache {
    fn default() -> Cache {
        Cache::with_capacity(MAX_NAMES)
    }
}

impl Cache {
    /// A cache that keeps up to `max_names` names.
    pub fn with_capacity(max_names: usize) -> Cache {
        Cache {
            answers: VecDeque::new(),
            names: 0,
            max_names,
        }
    }

    /// The answer for `key`, if kept.
    pub fn get(&self, key: &Key) -> Option<Names> {
        self.answers
            .iter()
            .find(|(kept, _)| kept == key)
            .map(|(_, names)| Arc::clone(names))
    }

    /// Keeps `names` for `key`, forgetting the oldest answers to make room;
    /// an answer bigger than the whole cache is not kept.
    pub fn put(&mut self, key: Key, names: Names) {
        if names.len() > self.max_names || self.get(&key).is_some() {
            return;
        }
        while self.names + names.len() > self.max_names || self.answers.len() >= MAX_ANSWERS {
            match self.answers.pop_front() {
                Some((_, old)) => self.names -= old.len(),
                None => break,
            }
        }
        self.names += names.len();
        self.answers.push_back((key, names));
    }
}

/// The cache, also after a request panicked while holding it (what it
/// holds is whole answers or nothing).
pub fn lock(cache: &Mutex<Cache>) -> MutexGuard<'_, Cache> {
    cache.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: &str) -> Key {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).expect("day");
        Key {
            family: "necurs".into(),
            seed: seed.into(),
            from: day,
            to: day,
        }
    }

    fn names(count: usize) -> Names {
        Arc::new(
            (0..count)
                .map(|i| (format!("n{i}.com"), Window::ALWAYS))
                .collect(),
        )
    }

    #[test]
    fn the_oldest_answers_make_room_and_the_bound_holds() {
        let mut cache = Cache::with_capacity(10);
        cache.put(key("a"), names(4));
        cache.put(key("b"), names(4));
        assert_eq!(cache.names, 8);
        cache.put(key("c"), names(4));
        assert_eq!(cache.names, 8, "a went to make room for c");
        assert!(cache.get(&key("a")).is_none());
        assert_eq!(cache.get(&key("b")).map(|n| n.len()), Some(4));
        assert_eq!(cache.get(&key("c")).map(|n| n.len()), Some(4));
        cache.put(key("huge"), names(11));
        assert!(cache.get(&key("huge")).is_none(), "bigger than the cache");
        assert_eq!(cache.names, 8);
        let mut other_day = key("b");
        other_day.to = other_day.to.succ_opt().expect("day");
        assert!(
            cache.get(&other_day).is_none(),
            "the range is part of the key"
        );
    }

    #[test]
    fn many_small_answers_are_bounded_by_count() {
        let mut cache = Cache::with_capacity(MAX_NAMES);
        for seed in 0..MAX_ANSWERS + 10 {
            cache.put(key(&seed.to_string()), names(1));
        }
        assert_eq!(cache.answers.len(), MAX_ANSWERS);
        assert!(cache.get(&key("0")).is_none(), "the oldest went first");
        assert!(cache.get(&key(&(MAX_ANSWERS + 9).to_string())).is_some());
    }
}

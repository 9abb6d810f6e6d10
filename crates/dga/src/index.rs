//! Reverse lookup: from a name to every family, seed and window that
//! produces it within a range of days.
//!
//! The index is built by generating every name of the range once, so its
//! size grows with the range (about 2.5 million names for 60 days of every
//! family and seed). Names from untrusted input are only looked up, never
//! inserted, and the map uses a hasher with per-process random keys.
//!
//! Layout, for memory: each name is stored once as a boxed string mapped to
//! the head of a chain of hits in one arena; windows and (family, seed)
//! pairs are interned, so a hit is three `u32`s.

use ahash::AHashMap;
use chrono::NaiveDate;

use crate::family::{Family, Generator};
use crate::generate::{predict, RangeError};
use crate::schedule::Window;

/// One origin of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'a> {
    /// Canonical family name.
    pub family: &'static str,
    /// Seed name (or raw value).
    pub seed: &'a str,
    /// Where the name is in use.
    pub window: Window,
    /// The window's number in this index: equal windows have equal numbers,
    /// so callers can cache their rendering.
    pub window_id: u32,
}

/// No further hit in a chain.
const END: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct HitEntry {
    source: u32,
    window: u32,
    next: u32,
}

/// Names mapped to the (family, seed, window) triples that produce them.
#[derive(Debug, Default)]
pub struct ReverseIndex {
    sources: Vec<(&'static str, Box<str>)>,
    windows: Vec<Window>,
    window_ids: AHashMap<Window, u32>,
    names: AHashMap<Box<str>, u32>,
    hits: Vec<HitEntry>,
}

impl ReverseIndex {
    /// An empty index.
    pub fn new() -> ReverseIndex {
        ReverseIndex::default()
    }

    /// Adds every name `generator` (the family bound to seed `seed`)
    /// produces in windows touching `[first, last]`.
    pub fn add(
        &mut self,
        family: &'static Family,
        seed: &str,
        generator: &dyn Generator,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<(), RangeError> {
        let source = match self
            .sources
            .iter()
            .position(|(f, s)| *f == family.name && **s == *seed)
        {
            Some(known) => u32::try_from(known).unwrap_or(END - 1),
            None => {
                self.sources.push((family.name, seed.into()));
                u32::try_from(self.sources.len() - 1).unwrap_or(END - 1)
            }
        };
        let mut lower = String::new();
        predict(family, generator, first, last, |name, window| {
            // DNS names are case-insensitive; a few families (darkcracks)
            // generate mixed case.
            let key = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                lower.clear();
                lower.push_str(name);
                lower.make_ascii_lowercase();
                lower.as_str()
            } else {
                name
            };
            self.insert(key, source, window);
        })
    }

    fn insert(&mut self, name: &str, source: u32, window: Window) {
        let next_window = u32::try_from(self.windows.len()).unwrap_or(END - 1);
        let window = *self.window_ids.entry(window).or_insert_with(|| {
            self.windows.push(window);
            next_window
        });
        let entry = u32::try_from(self.hits.len()).unwrap_or(END - 1);
        match self.names.get_mut(name) {
            Some(head) => {
                let mut cursor = *head;
                while cursor != END {
                    let hit = self.hits[cursor as usize];
                    if hit.source == source && hit.window == window {
                        return;
                    }
                    cursor = hit.next;
                }
                self.hits.push(HitEntry {
                    source,
                    window,
                    next: *head,
                });
                *head = entry;
            }
            None => {
                self.hits.push(HitEntry {
                    source,
                    window,
                    next: END,
                });
                self.names.insert(name.into(), entry);
            }
        }
    }

    /// Every origin of `name`, oldest added first; case, surrounding blanks
    /// and a trailing dot do not matter.
    pub fn lookup(&self, name: &str) -> Vec<Hit<'_>> {
        let mut out = Vec::new();
        let normalised = normalise_cow(name);
        let Some(&head) = self.names.get(normalised.as_ref()) else {
            return out;
        };
        let mut cursor = head;
        while cursor != END {
            let hit = self.hits[cursor as usize];
            let (family, seed) = &self.sources[hit.source as usize];
            out.push(Hit {
                family,
                seed,
                window: self.windows[hit.window as usize],
                window_id: hit.window,
            });
            cursor = hit.next;
        }
        out.reverse();
        out
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is indexed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Number of distinct windows.
    pub fn window_count(&self) -> usize {
        self.windows.len()
    }
}

/// Lower case without surrounding blanks or a trailing dot.
pub fn normalise(name: &str) -> String {
    normalise_cow(name).into_owned()
}

fn normalise_cow(name: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = name.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
        trimmed.to_ascii_lowercase().into()
    } else {
        trimmed.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::counting_family;
    use crate::schedule::Schedule;

    #[test]
    fn lookup_ignores_case_and_trailing_dot() {
        let family: &'static Family = Box::leak(Box::new(counting_family(Schedule::DAILY, 0)));
        let generator = (family.bind)("").expect("seed");
        let day: NaiveDate = "2026-03-01".parse().expect("date");
        let mut index = ReverseIndex::new();
        index
            .add(family, "default", generator.as_ref(), day, day)
            .expect("range");
        let mut names = Vec::new();
        generator.generate(day, &mut names);
        let hits = index.lookup(&format!(" {}. ", names[0].to_uppercase()));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].window.from, Some(crate::midnight(day)));
        assert!(index.lookup("not-generated.example").is_empty());
    }

    #[test]
    fn a_name_from_two_seeds_has_two_hits_in_order() {
        let family: &'static Family = Box::leak(Box::new(counting_family(Schedule::DAILY, 1)));
        let generator = (family.bind)("").expect("seed");
        let day: NaiveDate = "2026-03-01".parse().expect("date");
        let mut index = ReverseIndex::new();
        index
            .add(family, "one", generator.as_ref(), day, day)
            .expect("range");
        index
            .add(family, "two", generator.as_ref(), day, day)
            .expect("range");
        index
            .add(family, "two", generator.as_ref(), day, day)
            .expect("range");
        let mut names = Vec::new();
        generator.generate(day, &mut names);
        let seeds: Vec<&str> = index.lookup(&names[0]).iter().map(|h| h.seed).collect();
        assert_eq!(seeds, vec!["one", "two"]);
        assert_eq!(
            index.window_count(),
            2,
            "lookback 1 gives two windows touching the day"
        );
    }
}

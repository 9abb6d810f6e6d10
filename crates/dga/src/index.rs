//! Reverse lookup: from a name to every family, seed and window that
//! produces it within a range of days.
//!
//! The index is built by generating every name of the range once, so its
//! size grows with the range; names from untrusted input are only looked up,
//! never inserted, and the map uses a hasher with per-process random keys.

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
}

/// Names mapped to the (family, seed, window) triples that produce them.
#[derive(Debug, Default)]
pub struct ReverseIndex {
    sources: Vec<(&'static str, Box<str>)>,
    names: AHashMap<Box<str>, Vec<(u32, Window)>>,
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
        let source = u32::try_from(self.sources.len()).unwrap_or(u32::MAX);
        self.sources.push((family.name, seed.into()));
        let names = &mut self.names;
        predict(family, generator, first, last, |name, window| {
            // DNS names are case-insensitive; a few families (darkcracks)
            // generate mixed case.
            let key: Box<str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                name.to_ascii_lowercase().into()
            } else {
                name.into()
            };
            let hits = names.entry(key).or_default();
            if !hits.contains(&(source, window)) {
                hits.push((source, window));
            }
        })
    }

    /// Every origin of `name`; case and a trailing dot do not matter.
    pub fn lookup(&self, name: &str) -> Vec<Hit<'_>> {
        let normalised = normalise(name);
        self.names
            .get(normalised.as_str())
            .map(|hits| {
                hits.iter()
                    .map(|(source, window)| {
                        let (family, seed) = &self.sources[*source as usize];
                        Hit {
                            family,
                            seed,
                            window: *window,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is indexed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Lower case without surrounding blanks or a trailing dot.
pub fn normalise(name: &str) -> String {
    let trimmed = name.trim();
    trimmed
        .strip_suffix('.')
        .unwrap_or(trimmed)
        .to_ascii_lowercase()
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
        let hits = index.lookup(&format!("{}.", names[0].to_uppercase()));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].window.from, Some(crate::midnight(day)));
        assert!(index.lookup("not-generated.example").is_empty());
    }
}

//! The family library: bit-exact re-implementations of malware domain
//! generation algorithms (DGAs), their seeds and the windows in which their
//! names are valid, plus a reverse index from a name back to the family,
//! seed and window that produce it.
//!
//! This crate does no I/O and never reads the clock: every function takes
//! the day it works on as a parameter, so the same inputs always give the
//! same output.
//!
//! Vocabulary (see `DESIGN.md`): a *family* is one DGA; a *seed* is one named
//! configuration of it; an *epoch* is the span of days over which a family
//! produces the same names; a *window* is the interval `[from, to)` in which a
//! name is in use, which is longer than its epoch for families that also try
//! the names of earlier epochs.
//!
//! Known limitations: families whose malware reads the local time are
//! modelled in UTC.

mod discover;
mod extract;
pub mod families;
mod family;
mod generate;
mod index;
mod public;
mod schedule;

pub use discover::{discover, family_names, search_space, Found, Search, SearchSpace};
pub use extract::extract_names;
pub use family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding, TimeDependence};
pub use generate::{
    check_range, epochs, predict, schedule_of, Epoch, Prediction, RangeError, EARLIEST_DAY,
    FOREVER, LATEST_DAY, MAX_RANGE_DAYS,
};
pub use index::{normalise, Hit, ReverseIndex};
pub use public::{BindInput, InputError, InputFormat, InputSpec, PublicDataFamily};
pub use schedule::{midnight, rfc3339, Schedule, Window};

/// Parsers and rules of public-data families that callers may want on their
/// own (the ECB rate file's date choice, the malware's number parsing).
pub mod public_data {
    pub use crate::families::bedep::{
        day_number as bedep_day_number, malware_atof, parse_rates, RateDay, RateHistory,
    };
    pub use crate::families::orchard_balance::{parse_balance, Balance};
}

/// Every family in the library, in alphabetical order of name.
pub fn all_families() -> &'static [&'static Family] {
    static SORTED: std::sync::LazyLock<Vec<&'static Family>> = std::sync::LazyLock::new(|| {
        let mut all = families::ALL.to_vec();
        all.sort_by_key(|f| f.name);
        all
    });
    &SORTED
}

/// The family with this name or alias (case-insensitive).
pub fn find_family(name: &str) -> Option<&'static Family> {
    let wanted = name.trim().to_ascii_lowercase();
    all_families()
        .iter()
        .copied()
        .find(|f| f.name == wanted || f.aliases.iter().any(|a| *a == wanted))
}

/// Every public-data family, in alphabetical order of name.
pub fn public_data_families() -> &'static [&'static PublicDataFamily] {
    static SORTED: std::sync::LazyLock<Vec<&'static PublicDataFamily>> =
        std::sync::LazyLock::new(|| {
            let mut all = families::PUBLIC_DATA.to_vec();
            all.sort_by_key(|f| f.family.name);
            all
        });
    &SORTED
}

/// The public-data family with this name or alias (case-insensitive).
pub fn find_public_data_family(name: &str) -> Option<&'static PublicDataFamily> {
    let wanted = name.trim().to_ascii_lowercase();
    public_data_families()
        .iter()
        .copied()
        .find(|f| f.family.name == wanted || f.family.aliases.iter().any(|a| *a == wanted))
}

/// Family names and aliases closest to `name`, best first, for "did you mean"
/// hints.
pub fn suggest_families(name: &str) -> Vec<&'static str> {
    let wanted = name.trim().to_ascii_lowercase();
    let mut scored: Vec<(usize, &'static str)> = all_families()
        .iter()
        .flat_map(|f| std::iter::once(f.name).chain(f.aliases.iter().copied()))
        .map(|candidate| (edit_distance(&wanted, candidate), candidate))
        .filter(|(distance, candidate)| {
            *distance <= 2.max(wanted.len() / 3) || candidate.starts_with(&wanted)
        })
        .collect();
    scored.sort();
    scored.dedup_by_key(|(_, c)| *c);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_and_aliases_are_unique_and_lowercase() {
        let names: Vec<&str> = all_families()
            .iter()
            .flat_map(|f| std::iter::once(f.name).chain(f.aliases.iter().copied()))
            .collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a name or alias is used twice");
        for name in &names {
            assert_eq!(*name, name.to_ascii_lowercase());
        }
    }

    #[test]
    fn every_family_has_a_default_seed_that_binds() {
        for family in all_families() {
            assert!(!family.seeds.is_empty(), "{} has no seed", family.name);
            for seed in family.seeds {
                assert!(
                    (family.bind)(seed.value).is_ok(),
                    "{}: seed {} does not bind",
                    family.name,
                    seed.name
                );
            }
            assert!(
                !family.references.is_empty(),
                "{} cites no write-up",
                family.name
            );
            assert!(!family.tlds.is_empty(), "{} lists no TLD", family.name);
        }
    }

    #[test]
    fn suggestions_find_a_misspelt_family() {
        assert_eq!(suggest_families("banjroi").first(), Some(&"banjori"));
    }

    #[test]
    fn public_data_families_are_not_in_the_ordinary_registry() {
        for public in public_data_families() {
            assert!(
                find_family(public.family.name).is_none(),
                "{} would break generate all",
                public.family.name
            );
            assert!((public.family.bind)(public.family.default_seed().value).is_err());
            assert!(!public.family.references.is_empty());
        }
    }
}

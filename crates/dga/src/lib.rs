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

pub use discover::{
    discover, family_names, search_space, Found, Search, SearchSpace, Sieve, SieveBuilder, Wanted,
};
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

/// A seed an analyst keeps beside the built-in ones (`seeds.toml`, written
/// by `cautery seed add`): found by `cautery discover` or taken from a
/// report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSeed {
    /// The family's name or alias.
    pub family: String,
    /// The raw value, as `--seed` accepts it.
    pub value: String,
    /// Where it came from, for people.
    pub note: String,
}

/// The label of a user seed in output: `user:VALUE`, so that its origin
/// shows wherever the seed is named.
pub fn user_seed_name(value: &str) -> String {
    format!("user:{value}")
}

/// Why user seeds could not be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserSeedError {
    /// The family is not in the library.
    #[error("unknown family '{0}' (cautery families lists all)")]
    UnknownFamily(String),
    /// The family cannot use the value.
    #[error("seed '{value}' does not fit {family}: {error}")]
    Unfit {
        /// The family.
        family: &'static str,
        /// The value given.
        value: String,
        /// What the family expects.
        error: SeedError,
    },
    /// The library's families were already in use: seeds must be installed
    /// before anything reads them.
    #[error("user seeds must be installed before the families are first used")]
    TooLate,
}

static USER_FAMILIES: std::sync::OnceLock<Vec<&'static Family>> = std::sync::OnceLock::new();
static FAMILIES_IN_USE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Adds `seeds` to their families, after the built-in seeds, for the rest of
/// the process: every caller of [`all_families`] and [`find_family`] (plans,
/// exports, the reverse index, the daemon) sees them. Call once, before
/// anything reads the families. A value the family cannot use is an error.
/// Each user seed is named [`user_seed_name`] and noted with its note.
pub fn install_user_seeds(seeds: &[UserSeed]) -> Result<(), UserSeedError> {
    if FAMILIES_IN_USE.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(UserSeedError::TooLate);
    }
    let mut extra: Vec<(&'static Family, Vec<SeedInfo>)> = Vec::new();
    for seed in seeds {
        let family = find_family_builtin(&seed.family)
            .ok_or_else(|| UserSeedError::UnknownFamily(seed.family.clone()))?;
        (family.bind)(&seed.value).map_err(|error| UserSeedError::Unfit {
            family: family.name,
            value: seed.value.clone(),
            error,
        })?;
        let name = user_seed_name(&seed.value);
        let slot = match extra.iter().position(|(f, _)| std::ptr::eq(*f, family)) {
            Some(i) => i,
            None => {
                extra.push((family, Vec::new()));
                extra.len() - 1
            }
        };
        if extra[slot].1.iter().any(|s| s.name == name) {
            continue;
        }
        // Leaked once per process: the families are 'static everywhere.
        extra[slot].1.push(SeedInfo {
            name: Box::leak(name.into_boxed_str()),
            value: Box::leak(seed.value.clone().into_boxed_str()),
            note: Box::leak(format!("user seed: {}", seed.note).into_boxed_str()),
        });
    }
    let families = extra
        .into_iter()
        .map(|(family, user)| {
            let seeds: Vec<SeedInfo> = family.seeds.iter().copied().chain(user).collect();
            let with: &'static Family = Box::leak(Box::new(Family {
                seeds: Box::leak(seeds.into_boxed_slice()),
                ..*family
            }));
            with
        })
        .collect();
    USER_FAMILIES
        .set(families)
        .map_err(|_| UserSeedError::TooLate)
}

/// Every family in the library, in alphabetical order of name, with the
/// user seeds installed by [`install_user_seeds`].
pub fn all_families() -> &'static [&'static Family] {
    static SORTED: std::sync::LazyLock<Vec<&'static Family>> = std::sync::LazyLock::new(|| {
        FAMILIES_IN_USE.store(true, std::sync::atomic::Ordering::SeqCst);
        let user = USER_FAMILIES.get().map(Vec::as_slice).unwrap_or_default();
        let mut all: Vec<&'static Family> = families::ALL
            .iter()
            .map(|f| {
                user.iter()
                    .copied()
                    .find(|u| u.name == f.name)
                    .unwrap_or(*f)
            })
            .collect();
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

/// The built-in family with this name or alias (case-insensitive), without
/// user seeds and without fixing the family list: for checking user seeds
/// before [`install_user_seeds`].
pub fn find_family_builtin(name: &str) -> Option<&'static Family> {
    let wanted = name.trim().to_ascii_lowercase();
    families::ALL
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

//! An unnamed downloader (sample MD5 e66e3879700f88182bd92c7d3a00e9e4, SHA-256
//! 0f3af9d2d7ca113704f4411185518ab41a63e8003b7e06ff21f805f11af50ab7, seen
//! in 2016) that fetches `c2/config.dat` from GitHub Pages sites.
//!
//! Described only by Johannes Bader's re-implementation
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/unnamed_downloader>):
//! the sample holds a short string, `ddktn`; it sorts the letters and walks
//! the permutations in lexicographic order, each permutation naming a
//! `<permutation>.github.io` site. The names do not depend on the date.
//!
//! The reference output permutes letter *positions*, so a seed with a
//! repeated letter yields every name more than once (120 names, 60 distinct
//! for `ddktn`); this module reproduces that list exactly. Whether the
//! malware skips the repeats is not documented; either way the set of names
//! is the same.
//!
//! Any string of one to eight lower-case letters or digits is accepted as a
//! seed (eight letters already give 40 320 names).

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Longest seed accepted: the name count grows with its factorial.
const MAX_LETTERS: usize = 8;

/// The suffix every name carries.
const SUFFIX: &str = ".github.io";

/// The unnamed downloader family.
pub static FAMILY: Family = Family {
    name: "unnamed-downloader",
    aliases: &[],
    summary: "Unnamed downloader: permutations of a short string as github.io sites",
    scheme: Scheme::Permutation,
    seeding: Seeding::TID,
    seeds: &[SeedInfo {
        name: "ddktn",
        value: "ddktn",
        note: "sample e66e3879700f88182bd92c7d3a00e9e4, Bader's re-implementation (2016)",
    }],
    seed_form: "one to eight lower-case letters or digits, e.g. ddktn",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "n! for a seed of n letters (120 for ddktn)",
    tlds: &["github.io"],
    references: &[
        "https://github.com/baderj/domain_generation_algorithms/tree/master/unnamed_downloader",
    ],
    bind,
};

struct UnnamedDownloader {
    /// The seed's letters, sorted.
    letters: Vec<u8>,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().to_ascii_lowercase();
    let valid = (1..=MAX_LETTERS).contains(&seed.len())
        && seed
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !valid {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    let mut letters = seed.into_bytes();
    letters.sort_unstable();
    Ok(Box::new(UnnamedDownloader { letters }))
}

/// Rearranges `order` into its lexicographic successor; false after the last.
fn next_permutation(order: &mut [usize]) -> bool {
    let Some(pivot) = order.windows(2).rposition(|w| w[0] < w[1]) else {
        return false;
    };
    let Some(successor) = order.iter().rposition(|&v| v > order[pivot]) else {
        return false;
    };
    order.swap(pivot, successor);
    order[pivot + 1..].reverse();
    true
}

impl Generator for UnnamedDownloader {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut order: Vec<usize> = (0..self.letters.len()).collect();
        loop {
            let mut name = String::with_capacity(order.len() + SUFFIX.len());
            name.extend(order.iter().map(|&i| char::from(self.letters[i])));
            name.push_str(SUFFIX);
            out.push(name);
            if !next_permutation(&mut order) {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "ddktn",
            None,
            &reference("unnamed-downloader/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_empty_long_or_non_label_seeds() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("abcdefghi").is_err());
        assert!((FAMILY.bind)("ab.c").is_err());
        assert!((FAMILY.bind)("d\u{e9}").is_err());
    }
}

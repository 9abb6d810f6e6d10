//! BazarBackdoor and BazarLoader (Team9), the backdoor and loader of the
//! Trickbot group, seen from 2020 to 2022. Their C2 names live under the
//! EmerCoin TLD `.bazar`.
//!
//! Johannes Bader described the DGAs:
//! "The DGA of BazarBackdoor" (<https://johannesbader.ch/blog/the-dga-of-bazarbackdoor/>),
//! "The buggy DGA of BazarBackdoor" (<https://johannesbader.ch/blog/the-buggy-dga-of-bazarbackdoor/>)
//! and "Yet another BazarLoader DGA" (<https://johannesbader.ch/blog/yet-another-bazarloader-dga/>),
//! and kept re-implementations and reference lists for every seed
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/bazarbackdoor>).
//! All versions build names arithmetically from the month and year, so they
//! are seeds of one family; a window is one calendar month (UTC).
//!
//! Two forms of seed, both written as the malware's parameters:
//!
//! - `chars <set1> ... <set6> [.tld]` (July 2020, seeds `beta` and
//!   `buggy`): the digits of `12 - month` (two) and `year - 18` (four) are
//!   taken in turn; every combination of one character from each set gives
//!   the first six characters, and each of them plus its digit the last six
//!   (a result below `a` becomes `z`, which matters only for the buggy
//!   sample whose sets start below `a` and whose TLD is `.bazaar`).
//! - `<pool> <mul>:<span>:<digit> ... [.tld]` (December 2020 on, seeds
//!   `v2` to `v7`, `buggy2`): a pool of two-letter pieces from the sample
//!   (`crates/dga/data/bazarbackdoor/pools.txt`) and, per piece of a name,
//!   the digit of `%m%Y` it depends on; the piece's index runs over
//!   `mul * digit .. mul * digit + span`. Every combination is a name.
//!
//! Pools `mar2021`, `jul2021` and `nov2021` are shorter than some months'
//! indices reach (months 06 to 09): the malware then reads past its pool,
//! and what it finds there is unknown, so those names are not predicted
//! (Bader's code appends nothing or `?` instead).
//!
//! Every reference list is from December 2021: Bader's `v2` to `v7` lists
//! record it (their first line is `122021`), the `beta` and `buggy` lists
//! were found to match it by search. `buggy2` has no reference output (its
//! re-implementation returns an unordered set).

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The pools of two-letter pieces, one `<name> <pool>` per line.
const POOLS: &str = include_str!("../../data/bazarbackdoor/pools.txt");

/// At most this many names per month; bigger parameter sets are refused.
const MAX_NAMES: u64 = 1_000_000;

/// The BazarBackdoor family.
pub static FAMILY: Family = Family {
    name: "bazarbackdoor",
    aliases: &["bazarloader", "team9backdoor"],
    summary: "BazarBackdoor / BazarLoader: monthly .bazar names from the month and year digits",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "v7",
            value: "dec2021 19:19:0 19:19:1 4:4:4 4:4:5",
            note: "Bader's seed v7 (December 2021)",
        },
        SeedInfo {
            name: "v6",
            value: "nov2021 19:19:0 19:19:1 4:4:4 4:4:5",
            note: "Bader's seed v6, sample md5 0720101b44c627c71896e7ed8cb0f3dd (November 2021)",
        },
        SeedInfo {
            name: "v5",
            value: "dec2020 19:19:0 19:19:1 4:4:4 4:4:5",
            note: "Bader's seed v5 (October 2021)",
        },
        SeedInfo {
            name: "buggy2",
            value: "jul2021 19:19:0 19:19:1 4:4:4 4:4:5",
            note: "Bader's dga_buggy2.py (July 2021); no reference output",
        },
        SeedInfo {
            name: "v4",
            value: "mar2021 19:19:0 19:19:1 4:22:4 4:4:5",
            note: "Bader's seed v4 (March 2021)",
        },
        SeedInfo {
            name: "v3",
            value: "dec2020 19:19:0 19:19:1 4:22:4 4:4:5",
            note: "Bader's seed v3 (January 2021)",
        },
        SeedInfo {
            name: "v2",
            value: "dec2020 19:19:0 19:19:1 6:6:4 6:6:5",
            note: "\"Yet another BazarLoader DGA\", Bader (December 2020)",
        },
        SeedInfo {
            name: "buggy",
            value: "chars ]^_`abcde `abcdef bcdefgh efghi ghijk ijklm .bazaar",
            note: "\"The buggy DGA of BazarBackdoor\", Bader (July 2020)",
        },
        SeedInfo {
            name: "beta",
            value: "chars abcde cdef efgh ghi ijk klm",
            note: "\"The DGA of BazarBackdoor\", Bader (July 2020)",
        },
    ],
    seed_form: "either 'chars' and six character sets, e.g. 'chars abcde cdef efgh ghi ijk klm', \
                or a pool name (dec2020, mar2021, jul2021, nov2021, dec2021) and pieces \
                <mul>:<span>:<digit 0-5>, e.g. 'dec2020 19:19:0 19:19:1 6:6:4 6:6:5'; \
                optionally a last word .tld (default .bazar)",
    schedule: Schedule::Months,
    lookback: 0,
    names_per_window: "2160 (beta), 55125 (buggy), 5776 to 31768 (v2 to v7)",
    tlds: &["bazar", "bazaar"],
    references: &[
        "https://johannesbader.ch/blog/the-dga-of-bazarbackdoor/",
        "https://johannesbader.ch/blog/the-buggy-dga-of-bazarbackdoor/",
        "https://johannesbader.ch/blog/yet-another-bazarloader-dga/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/bazarbackdoor",
    ],
    bind,
};

/// One two-letter piece of a pool name: its index runs over
/// `mul * digit .. mul * digit + span`, `digit` taken from `%m%Y`.
#[derive(Debug, Clone, Copy)]
struct Piece {
    mul: usize,
    span: usize,
    digit: usize,
}

enum Rule {
    /// July 2020: character sets, then each character shifted by a digit.
    Shifted { sets: Vec<Vec<u8>> },
    /// December 2020 on: pieces of a pool.
    Pool {
        pool: &'static [u8],
        pieces: Vec<Piece>,
    },
}

struct Bazar {
    rule: Rule,
    tld: String,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let refuse = || SeedError::expected(FAMILY.seed_form);
    let mut words: Vec<&str> = raw.split_whitespace().collect();
    let tld = match words.last() {
        Some(last) if last.starts_with('.') => {
            let tld = last.trim_start_matches('.');
            let valid =
                (1..=24).contains(&tld.len()) && tld.bytes().all(|b| b.is_ascii_lowercase());
            if !valid {
                return Err(refuse());
            }
            words.pop();
            tld.to_owned()
        }
        _ => "bazar".to_owned(),
    };
    let (&kind, rest) = words.split_first().ok_or_else(refuse)?;
    let (rule, count) = if kind == "chars" {
        let sets: Vec<Vec<u8>> = rest.iter().map(|set| set.as_bytes().to_vec()).collect();
        let printable = |set: &Vec<u8>| {
            (1..=64).contains(&set.len()) && set.iter().all(|b| (b'!'..=b'~').contains(b))
        };
        if sets.len() != 6 || !sets.iter().all(printable) {
            return Err(refuse());
        }
        let count = sets.iter().map(|s| s.len() as u64).product::<u64>();
        (Rule::Shifted { sets }, count)
    } else {
        let pool = pool_named(kind).ok_or_else(refuse)?;
        let pieces = rest
            .iter()
            .map(|word| parse_piece(word).ok_or_else(refuse))
            .collect::<Result<Vec<Piece>, SeedError>>()?;
        if !(1..=8).contains(&pieces.len()) {
            return Err(refuse());
        }
        let count = pieces.iter().map(|p| p.span as u64).product::<u64>();
        (Rule::Pool { pool, pieces }, count)
    };
    if count > MAX_NAMES {
        return Err(SeedError::expected(format!(
            "parameters giving at most {MAX_NAMES} names a month; these give {count}"
        )));
    }
    Ok(Box::new(Bazar { rule, tld }))
}

/// The pool with this name from `pools.txt`.
fn pool_named(name: &str) -> Option<&'static [u8]> {
    POOLS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .find(|(n, _)| *n == name)
        .map(|(_, pool)| pool.trim().as_bytes())
}

/// Parses `<mul>:<span>:<digit>`.
fn parse_piece(word: &str) -> Option<Piece> {
    let mut parts = word.split(':');
    let mut number = |max: usize| -> Option<usize> {
        let part = parts.next()?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse::<usize>().ok().filter(|n| *n <= max)
    };
    let mul = number(1000)?;
    let span = number(1000).filter(|s| *s > 0)?;
    let digit = number(5)?;
    if parts.next().is_some() {
        return None;
    }
    Some(Piece { mul, span, digit })
}

/// The six decimal digits of `first` (two digits) and `second` (four), or
/// `None` if they do not fit.
fn digits(first: i32, second: i32) -> Option<[usize; 6]> {
    if !(0..100).contains(&first) || !(0..10_000).contains(&second) {
        return None;
    }
    let text = format!("{first:02}{second:04}");
    let mut out = [0; 6];
    for (digit, byte) in out.iter_mut().zip(text.bytes()) {
        *digit = usize::from(byte - b'0');
    }
    Some(out)
}

/// Calls `f` with every combination of indices below `lengths`, the last
/// index changing fastest (the order of Python's `itertools.product`).
fn for_each_combination(lengths: &[usize], mut f: impl FnMut(&[usize])) {
    if lengths.contains(&0) {
        return;
    }
    let mut indices = vec![0; lengths.len()];
    loop {
        f(&indices);
        let mut position = lengths.len();
        loop {
            if position == 0 {
                return;
            }
            position -= 1;
            indices[position] += 1;
            if indices[position] < lengths[position] {
                break;
            }
            indices[position] = 0;
        }
    }
}

impl Generator for Bazar {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let month = epoch.month() as i32;
        match &self.rule {
            Rule::Shifted { sets } => {
                let Some(shift) = digits(12 - month, epoch.year() - 18) else {
                    return;
                };
                let lengths: Vec<usize> = sets.iter().map(Vec::len).collect();
                for_each_combination(&lengths, |indices| {
                    let mut name = String::with_capacity(13 + self.tld.len());
                    let chosen = sets.iter().zip(indices).map(|(set, &i)| set[i]);
                    for c in chosen.clone() {
                        name.push(char::from(c));
                    }
                    for (c, d) in chosen.zip(shift) {
                        let shifted = c + d as u8;
                        name.push(char::from(if shifted < b'a' { b'z' } else { shifted }));
                    }
                    name.push('.');
                    name.push_str(&self.tld);
                    out.push(name);
                });
            }
            Rule::Pool { pool, pieces } => {
                let Some(seed) = digits(month, epoch.year()) else {
                    return;
                };
                let starts: Vec<usize> = pieces.iter().map(|p| p.mul * seed[p.digit]).collect();
                let lengths: Vec<usize> = pieces.iter().map(|p| p.span).collect();
                for_each_combination(&lengths, |indices| {
                    let mut name = String::with_capacity(2 * pieces.len() + 1 + self.tld.len());
                    for (start, offset) in starts.iter().zip(indices) {
                        let at = 2 * (start + offset);
                        // Past the pool the malware reads unknown memory.
                        let Some(piece) = pool.get(at..at + 2) else {
                            return;
                        };
                        name.extend(piece.iter().map(|&b| char::from(b)));
                    }
                    name.push('.');
                    name.push_str(&self.tld);
                    out.push(name);
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    /// Checks a `v*` reference list: its first line is the `%m%Y` seed
    /// Bader's script prints, the rest are the names of that month.
    fn assert_version(seed_name: &str, file: &str) {
        let lines = reference(file);
        assert_eq!(lines[0], "122021", "{file} records its month first");
        let seed = FAMILY.seed_named(seed_name).unwrap();
        assert_names(&FAMILY, seed.value, Some("2021-12-01"), &lines[1..]);
    }

    #[test]
    fn matches_bader_v2_list_for_december_2021() {
        assert_version("v2", "bazarbackdoor/example_domains_v2.txt");
    }

    #[test]
    fn matches_bader_v3_list_for_december_2021() {
        assert_version("v3", "bazarbackdoor/example_domains_v3.txt");
    }

    #[test]
    fn matches_bader_v4_list_for_december_2021() {
        assert_version("v4", "bazarbackdoor/example_domains_v4.txt");
    }

    #[test]
    fn matches_bader_v5_list_for_december_2021() {
        assert_version("v5", "bazarbackdoor/example_domains_v5.txt");
    }

    #[test]
    fn matches_bader_v6_list_for_december_2021() {
        assert_version("v6", "bazarbackdoor/example_domains_v6.txt");
    }

    #[test]
    fn matches_bader_v7_list_for_december_2021() {
        assert_version("v7", "bazarbackdoor/example_domains_v7.txt");
    }

    #[test]
    fn matches_bader_beta_list_for_december_2021() {
        // Month not recorded; found by search.
        let seed = FAMILY.seed_named("beta").unwrap();
        assert_names(
            &FAMILY,
            seed.value,
            Some("2021-12-01"),
            &reference("bazarbackdoor/example_domains_beta.txt"),
        );
    }

    #[test]
    fn matches_bader_buggy_list_for_december_2021() {
        // Month not recorded; found by search.
        let seed = FAMILY.seed_named("buggy").unwrap();
        assert_names(
            &FAMILY,
            seed.value,
            Some("2021-12-01"),
            &reference("bazarbackdoor/example_domains_buggy.txt"),
        );
    }

    #[test]
    fn names_past_a_short_pool_are_left_out() {
        // Pool mar2021 has 114 pieces; in September the month pieces
        // start at 19 * 9 = 171, so nothing is known.
        let seed = FAMILY.seed_named("v4").unwrap();
        assert!(names(&FAMILY, seed.value, Some("2021-09-01")).is_empty());
        assert_eq!(
            names(&FAMILY, seed.value, Some("2021-11-01")).len(),
            19 * 19 * 22 * 4
        );
    }

    #[test]
    fn every_known_seed_binds() {
        for seed in FAMILY.seeds {
            assert!((FAMILY.bind)(seed.value).is_ok(), "{}", seed.name);
        }
    }

    #[test]
    fn refuses_malformed_seeds() {
        for bad in [
            "",
            ".bazar",
            "chars abc def",
            "chars a b c d e f g",
            "chars a b c d e f .Bazar",
            "nosuchpool 19:19:0",
            "dec2020",
            "dec2020 19:19",
            "dec2020 19:0:0",
            "dec2020 19:19:6",
            "dec2020 19:19:0:1",
            "dec2020 +1:19:0",
            "dec2020 1:1000:0 1:1000:1 1:1000:2",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

//! Gozi (ISFB, Ursnif, Snifula, Papras), a banking trojan, in the ISFB
//! variant of 2015-2016 that builds its domains from a word list.
//!
//! Described by GovCERT.ch, "Gozi ISFB - When A Bug Really Is A Feature"
//! (2016, <http://www.govcert.admin.ch/blog/18/gozi-isfb-when-a-bug-really-is-a-feature>),
//! and re-implemented by Johannes Bader
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/gozi>).
//! The days since 2015-01-01, divided by a per-sample period of 3, 4 or 5
//! days, plus the constant `0x10000 - 306607824`, seed an LCG (1664525,
//! 1013904223, 32 bits). Per name one output is skipped and the next picks a
//! length of 12 to 23 letters; then words are drawn (`rand % words`), each
//! halved when `rand % 3 == 0`, and appended unless the label would exceed
//! 24 letters, until the length is reached. Twelve names per epoch.
//!
//! The seed is the name of the word list, which fixes the period and TLD:
//! `luther` (4 days, `.com`), `rfc4343` (3 days, `.com`), `nasa` (5 days,
//! `.com`), `gpl` (5 days, `.ru`); the lists are in `data/gozi/`.
//!
//! Windows: each seed has its own schedule ([`Generator::schedule`]) of
//! epochs of its period in whole UTC days, counted from 2015-01-01, so a
//! name is in use for exactly the 3, 4 or 5 days of its epoch and predicted
//! once. The malware tries no earlier epoch's names. The family-level
//! schedule only describes the rule; its epochs are those of the default
//! seed `luther`.
//!
//! Bader's table gives 10 rather than 12 names for `rfc4343` and `gpl`, but
//! his generator makes 12 for every list; 12 are generated here (the first
//! ten are the same either way). Only `luther` has a public reference list;
//! its date was not recorded and is pinned to 2016-03-29, the day it was
//! committed.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// Names per epoch.
const COUNT: usize = 12;

/// Longest label the malware builds.
const MAX_LABEL: usize = 24;

/// Day number of 2015-01-01, from which epochs are counted.
const START_DAY: i64 = 16_436;

/// Added to the epoch number to form the LCG seed: `(1 << 16) - 306607824`.
const SEED_OFFSET: i64 = (1 << 16) - 306_607_824;

/// A word list known from samples, with its epoch length and TLD.
struct WordList {
    name: &'static str,
    period: u32,
    tld: &'static str,
    text: &'static str,
}

const WORD_LISTS: [WordList; 4] = [
    WordList {
        name: "luther",
        period: 4,
        tld: "com",
        text: include_str!("../../data/gozi/luther"),
    },
    WordList {
        name: "rfc4343",
        period: 3,
        tld: "com",
        text: include_str!("../../data/gozi/rfc4343"),
    },
    WordList {
        name: "nasa",
        period: 5,
        tld: "com",
        text: include_str!("../../data/gozi/nasa"),
    },
    WordList {
        name: "gpl",
        period: 5,
        tld: "ru",
        text: include_str!("../../data/gozi/gpl"),
    },
];

/// The Gozi family.
pub static FAMILY: Family = Family {
    name: "gozi",
    aliases: &["isfb", "ursnif", "snifula", "papras"],
    summary: "Gozi ISFB banking trojan: 12 names of concatenated words per 3 to 5 days",
    scheme: Scheme::Wordlist,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "luther",
            value: "luther",
            note: "GovCERT.ch write-up (2016); Bader's DGA collection",
        },
        SeedInfo {
            name: "rfc4343",
            value: "rfc4343",
            note: "GovCERT.ch write-up (2016); Bader's DGA collection",
        },
        SeedInfo {
            name: "nasa",
            value: "nasa",
            note: "GovCERT.ch write-up (2016); Bader's DGA collection",
        },
        SeedInfo {
            name: "gpl",
            value: "gpl",
            note: "GovCERT.ch write-up (2016); Bader's DGA collection",
        },
    ],
    seed_form: "the name of a word list: luther, rfc4343, nasa or gpl",
    schedule: Schedule::Custom {
        rule: "3, 4 or 5 days (UTC) by word list, counted from 2015-01-01: \
               rfc4343 3, luther 4, nasa and gpl 5",
        epoch: luther_epoch_of,
    },
    lookback: 0,
    names_per_window: "12",
    tlds: &["com", "ru"],
    references: &[
        "http://www.govcert.admin.ch/blog/18/gozi-isfb-when-a-bug-really-is-a-feature",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/gozi",
    ],
    bind,
};

/// The schedule of a seed whose epochs last `period` days.
fn schedule(period: u32) -> Schedule {
    Schedule::Days {
        days: period,
        anchor: START_DAY,
    }
}

/// The epoch holding `day` for the default seed `luther`: the family-level
/// schedule, which every seed replaces with its own.
fn luther_epoch_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    schedule(WORD_LISTS[0].period)
        .epoch_of(day)
        .unwrap_or((day, day))
}

struct Gozi {
    words: Vec<&'static str>,
    period: u32,
    tld: &'static str,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    let list = WORD_LISTS
        .iter()
        .find(|list| list.name.eq_ignore_ascii_case(seed))
        .ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    let words = list
        .text
        .lines()
        .map(str::trim)
        .filter(|word| !word.is_empty())
        .collect();
    Ok(Box::new(Gozi {
        words,
        period: list.period,
        tld: list.tld,
    }))
}

/// The LCG of the Microsoft and Numerical Recipes tradition, 32 bits.
struct Lcg(u32);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }
}

impl Generator for Gozi {
    fn schedule(&self) -> Option<Schedule> {
        Some(schedule(self.period))
    }

    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let Ok(word_count) = u32::try_from(self.words.len()) else {
            return;
        };
        if word_count == 0 {
            return;
        }
        let number = (day_number(epoch) - START_DAY).div_euclid(i64::from(self.period));
        // The malware's seed is a 32-bit unsigned sum.
        let mut rand = Lcg((number + SEED_OFFSET) as u32);
        for _ in 0..COUNT {
            rand.next();
            let length = (rand.next() % 12 + 12) as usize;
            let mut name = String::with_capacity(MAX_LABEL + 1 + self.tld.len());
            while name.len() < length {
                let word = self.words[(rand.next() % word_count) as usize];
                let mut take = word.len();
                if rand.next() % 3 == 0 {
                    take >>= 1;
                }
                if name.len() + take <= MAX_LABEL {
                    name.push_str(word.get(..take).unwrap_or(word));
                }
            }
            name.push('.');
            name.push_str(self.tld);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_luther_domains_on_pinned_date() {
        assert_names(
            &FAMILY,
            "luther",
            Some("2016-03-29"),
            &reference("gozi/example_domains.txt"),
        );
    }

    #[test]
    fn a_luther_epoch_lasts_four_days() {
        let expected = reference("gozi/example_domains.txt");
        for day in ["2016-03-28", "2016-03-31"] {
            assert_names(&FAMILY, "luther", Some(day), &expected);
        }
        assert_ne!(
            crate::families::testing::names(&FAMILY, "luther", Some("2016-04-01")),
            expected
        );
    }

    #[test]
    fn each_word_list_has_epochs_of_its_own_period() {
        let day = |s: &str| s.parse::<NaiveDate>().expect("test date");
        for (seed, start, end) in [
            ("luther", "2016-03-28", "2016-04-01"),
            ("rfc4343", "2016-03-29", "2016-04-01"),
            ("nasa", "2016-03-26", "2016-03-31"),
            ("gpl", "2016-03-26", "2016-03-31"),
        ] {
            let generator = (FAMILY.bind)(seed).expect("seed");
            let schedule = crate::schedule_of(&FAMILY, generator.as_ref());
            assert_eq!(
                schedule.epoch_of(day("2016-03-29")),
                Some((day(start), day(end))),
                "{seed}"
            );
        }
    }

    #[test]
    fn a_name_is_predicted_once_per_epoch_not_once_per_day() {
        let generator = (FAMILY.bind)("luther").expect("seed");
        let day = |s: &str| s.parse::<NaiveDate>().expect("test date");
        let mut found = Vec::new();
        crate::predict(
            &FAMILY,
            generator.as_ref(),
            day("2016-03-28"),
            day("2016-03-31"),
            |name, window| found.push((name.to_owned(), window)),
        )
        .expect("range");
        let names: Vec<String> = found.iter().map(|(name, _)| name.clone()).collect();
        assert_eq!(names, reference("gozi/example_domains.txt"));
        let window = crate::Window {
            from: Some(crate::midnight(day("2016-03-28"))),
            to: Some(crate::midnight(day("2016-04-01"))),
        };
        assert!(found.iter().all(|(_, w)| *w == window));
    }

    #[test]
    fn every_word_list_binds() {
        for seed in FAMILY.seeds {
            let names = crate::families::testing::names(&FAMILY, seed.value, Some("2016-03-29"));
            assert_eq!(names.len(), COUNT, "{}", seed.name);
        }
    }

    #[test]
    fn refuses_unknown_word_lists() {
        for bad in ["", "bible", "luther.txt"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

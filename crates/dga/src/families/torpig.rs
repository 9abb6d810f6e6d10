//! Torpig (Sinowal, Mebroot's payload), the 2008-2009 banking trojan whose
//! botnet UCSB took over for ten days in 2009: its weekly and daily domains.
//! The 2009 variant that mixes in a character of a Twitter trend is in
//! `torpig_trend.rs`; it shares [`label`].
//!
//! Described by Stone-Gross et al., "Your Botnet is My Botnet: Analysis of a
//! Botnet Takeover" (ACM CCS 2009,
//! <https://seclab.cs.ucsb.edu/media/uploads/papers/torpig.pdf>). The paper
//! gives the order of tries: first a *weekly* domain, which depends on the
//! week and year only, under `com`, `net` and `biz`; then the *daily*
//! domain under the same three TLDs; then the domains hard-coded in the
//! configuration. It prints the daily algorithm, `generate_domain(t, p)`
//! with the parameter `p = 8`: four characters scrambled from the day,
//! month and year, two fixed letters (`h` second, `x` fifth) and a
//! three-letter suffix per month. Years before 2007 count as 2007. The
//! fourth scrambled character is a digit when twice the day falls between
//! the codes of `0` and `9` (days 24 to 28) and a letter otherwise. A
//! transcription in <https://github.com/pchaigno/dga-collection> reads that
//! test as "below `9`", which would put a `:` in the names of the 29th;
//! this module follows the paper's reading.
//!
//! Seeds:
//! - `daily` (default): the printed algorithm. No list of generated Torpig
//!   names was found in public sources, so it is checked against
//!   hand-worked days only: it follows the listing exactly, but "bit-exact"
//!   cannot be shown.
//! - `weekly`: a **model**, not the malware's algorithm. The paper does not
//!   print how the weekly domain scrambles the week, and no later write-up
//!   does. Assumption: the bot runs the same `generate_domain(t, p)` on the
//!   first day of the week (Sunday, day 0 of Windows' `wDayOfWeek`) with a
//!   parameter other than the daily 8. The label depends on `p` only
//!   through `p mod 50` (two characters are taken mod 25, one mod 10), so
//!   the seed gives the label of every residue: at most 50 labels, 150
//!   names a week, which hold the weekly domain if the assumption holds.
//!   If the real weekly scrambling differs, none of them is right.
//!
//! Windows: the daily domain one day, the weekly names Sunday 00:00 to the
//! next Sunday, of the bot's local time, modelled in UTC.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The Torpig family.
pub static FAMILY: Family = Family {
    name: "torpig",
    aliases: &["sinowal"],
    summary:
        "Torpig banking trojan (2008-09): weekly and daily scrambled-date labels under com/net/biz",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "daily",
            value: "daily",
            note: "the daily domain printed in Stone-Gross et al. (CCS 2009), p = 8",
        },
        SeedInfo {
            name: "weekly",
            value: "weekly",
            note:
                "MODEL, not published: the printed algorithm on the week's Sunday, every p mod 50",
        },
    ],
    seed_form: "daily or weekly",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "3 a day (daily); up to 150 a week (weekly model)",
    tlds: &["com", "net", "biz"],
    references: &["https://seclab.cs.ucsb.edu/media/uploads/papers/torpig.pdf"],
    bind,
};

/// The suffix of each month, January first.
const SUFFIXES: [&str; 12] = [
    "anj", "ebf", "arm", "pra", "aym", "unj", "ulj", "uag", "esp", "kot", "onv", "edc",
];

/// The TLDs each label is tried under, in the bot's order.
pub(crate) const TLDS: [&str; 3] = ["com", "net", "biz"];

/// The parameter of the daily domain in the paper's listing.
const DAILY_PARAMETER: u32 = 8;

/// Labels depend on the parameter only modulo this (lcm of 25 and 10).
pub(crate) const PARAMETER_PERIOD: u32 = 50;

/// Weeks start on Sunday: 1970-01-04, day 3 since the Unix epoch.
const WEEKLY: Schedule = Schedule::Days { days: 7, anchor: 3 };

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    match seed.trim().to_ascii_lowercase().as_str() {
        "daily" => Ok(Box::new(Daily)),
        "weekly" => Ok(Box::new(Weekly)),
        _ => Err(SeedError::expected(FAMILY.seed_form)),
    }
}

/// The paper's `generate_domain(t, p)`: the label of `day` with the
/// parameter `parameter`.
pub(crate) fn label(day: NaiveDate, parameter: u32) -> String {
    let year = u64::try_from(day.year().max(2007)).unwrap_or(2007);
    let (month, dom) = (u64::from(day.month()), u64::from(day.day()));
    let scrambled = ((month ^ dom) + dom) * u64::from(parameter) + dom + year;
    let letter = |value: u64, modulus: u64| char::from(b'a' + (value % modulus) as u8);
    let twice = dom * 2;
    let fourth = if (u64::from(b'0')..=u64::from(b'9')).contains(&twice) {
        char::from(b'1' + (dom % 10) as u8)
    } else {
        letter(twice, 25)
    };
    let mut out = String::with_capacity(9);
    out.push(letter(((year >> 2) & 0x3fc0) + scrambled, 25));
    out.push('h');
    out.push(letter(month + scrambled, 10));
    out.push(letter((year & 0xff) + scrambled, 25));
    out.push('x');
    out.push(fourth);
    out.push_str(SUFFIXES[day.month0() as usize]);
    out
}

/// Appends `label` under each TLD.
pub(crate) fn push_names(label: &str, out: &mut Vec<String>) {
    out.extend(TLDS.iter().map(|tld| format!("{label}.{tld}")));
}

/// The distinct labels of `day` over every parameter residue, in order of
/// the residue.
pub(crate) fn every_parameter(day: NaiveDate) -> Vec<String> {
    let mut labels: Vec<String> = Vec::with_capacity(PARAMETER_PERIOD as usize);
    for parameter in 0..PARAMETER_PERIOD {
        let label = label(day, parameter);
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels
}

struct Daily;

impl Generator for Daily {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        push_names(&label(epoch, DAILY_PARAMETER), out);
    }
}

struct Weekly;

impl Generator for Weekly {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let sunday = WEEKLY.epoch_of(epoch).map_or(epoch, |(start, _)| start);
        for label in every_parameter(sunday) {
            push_names(&label, out);
        }
    }

    fn schedule(&self) -> Option<Schedule> {
        Some(WEEKLY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::names;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("day")
    }

    #[test]
    fn hand_worked_days() {
        // 2009-01-25: scrambled = ((1 ^ 25) + 25) * 8 + 25 + 2009 = 2426;
        // ((2009 >> 2) & 0x3fc0) + 2426 = 2874, 2874 % 25 = 24 'y';
        // (1 + 2426) % 10 = 7 'h'; (217 + 2426) % 25 = 18 's';
        // 25 * 2 = 50 lies between '0' (48) and '9' (57): digit 25 % 10 + '1' = '6'.
        assert_eq!(label(day("2009-01-25"), 8), "yhhsx6anj");
        // 2009-02-04: scrambled = ((2 ^ 4) + 4) * 8 + 4 + 2009 = 2093;
        // 2093 + 448 = 2541 % 25 = 16 'q'; 2095 % 10 = 5 'f';
        // 2093 + 217 = 2310 % 25 = 10 'k'; 8 is below '0': 8 % 25 = 8 'i'.
        assert_eq!(label(day("2009-02-04"), 8), "qhfkxiebf");
        // The 29th: 58 is past '9', so a letter, never ':'.
        // 58 % 25 = 8: 'i'.
        assert_eq!(&label(day("2009-05-29"), 8)[5..6], "i");
    }

    #[test]
    fn the_daily_seed_gives_one_label_under_com_net_biz() {
        assert_eq!(
            names(&FAMILY, "daily", Some("2009-01-25")),
            ["yhhsx6anj.com", "yhhsx6anj.net", "yhhsx6anj.biz"]
        );
    }

    #[test]
    fn every_day_gives_a_valid_nine_letter_label() {
        let mut current = day("2007-01-01");
        while current < day("2011-01-01") {
            for parameter in [0, 8, 49, 71, 0xffff] {
                let label = label(current, parameter);
                assert_eq!(label.len(), 9);
                assert!(
                    label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                    "{label}"
                );
                assert_eq!(&label[1..2], "h");
                assert_eq!(&label[4..5], "x");
            }
            current = current.succ_opt().expect("next day");
        }
        // Years before 2007 count as 2007.
        assert_eq!(label(day("2005-03-03"), 8), label(day("2007-03-03"), 8));
    }

    #[test]
    fn the_parameter_matters_only_modulo_fifty() {
        for d in ["2009-01-25", "2009-02-04", "2009-04-27", "2010-12-31"] {
            let d = day(d);
            for parameter in 0..200 {
                assert_eq!(label(d, parameter), label(d, parameter + 50));
            }
        }
        // It matters on most days...
        for d in ["2009-01-25", "2009-02-04", "2009-04-27"] {
            assert!(every_parameter(day(d)).len() > 1, "{d}");
        }
        // ...but not when (month ^ day) + day is a multiple of 50, as on
        // 31 December: (12 ^ 31) + 31 = 50.
        assert_eq!(every_parameter(day("2010-12-31")).len(), 1);
    }

    #[test]
    fn the_weekly_model_holds_from_sunday_to_sunday() {
        // 2009-01-25 was a Sunday; every day of its week gives the same
        // names, which include the label of every parameter on that Sunday.
        let sunday = names(&FAMILY, "weekly", Some("2009-01-25"));
        assert_eq!(names(&FAMILY, "weekly", Some("2009-01-31")), sunday);
        assert_ne!(names(&FAMILY, "weekly", Some("2009-02-01")), sunday);
        assert!(sunday.contains(&"yhhsx6anj.com".to_owned()));
        assert!(sunday.contains(&format!("{}.biz", label(day("2009-01-25"), 3))));
        assert_eq!(sunday.len() % 3, 0);
        assert!(sunday.len() <= 150);
        assert!(bind("monthly").is_err());
    }
}

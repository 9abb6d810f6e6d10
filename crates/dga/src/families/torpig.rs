//! Torpig (Sinowal, Mebroot's payload), the 2008-2009 banking trojan whose
//! botnet UCSB took over for ten days in 2009: its daily domain.
//!
//! Described by Stone-Gross et al., "Your Botnet is My Botnet: Analysis of a
//! Botnet Takeover" (ACM CCS 2009,
//! <https://seclab.cs.ucsb.edu/media/uploads/papers/torpig.pdf>),
//! which prints the algorithm. Each day gives one nine-letter label: four
//! characters scrambled from the day, month and year, two fixed letters
//! (`h` second, `x` fifth) and a three-letter suffix per month; it is tried
//! under `com`, `net` and `biz` in that order. Years before 2007 count as
//! 2007. The fourth scrambled character is a digit when twice the day falls
//! between the codes of `0` and `9` (days 24 to 28) and a letter otherwise.
//! A transcription in <https://github.com/pchaigno/dga-collection> reads
//! that test as "below `9`", which would put a `:` in the names of the 29th;
//! this module follows the paper's reading.
//!
//! Not implemented: the weekly domain the bot tries before the daily one
//! (the paper does not print how its date is scrambled), and the 2009
//! variant that mixes in a character of Twitter's top trend, whose position
//! in the name no public write-up gives. No reference output is public; the
//! tests check the structure and hand-worked days.
//!
//! Seeds: none (one algorithm). Window: one day of the bot's local time,
//! modelled in UTC.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The Torpig family.
pub static FAMILY: Family = Family {
    name: "torpig",
    aliases: &["sinowal"],
    summary: "Torpig banking trojan (2008-09): one scrambled-date label a day under com/net/biz",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "daily",
        value: "daily",
        note: "the daily domain printed in Stone-Gross et al. (CCS 2009)",
    }],
    seed_form: "daily (the only seed)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "3",
    tlds: &["com", "net", "biz"],
    references: &["https://seclab.cs.ucsb.edu/media/uploads/papers/torpig.pdf"],
    bind,
};

/// The suffix of each month, January first.
const SUFFIXES: [&str; 12] = [
    "anj", "ebf", "arm", "pra", "aym", "unj", "ulj", "uag", "esp", "kot", "onv", "edc",
];

const TLDS: [&str; 3] = ["com", "net", "biz"];

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    if seed.trim().eq_ignore_ascii_case("daily") {
        Ok(Box::new(Torpig))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

struct Torpig;

/// The daily label of `day`.
fn label(day: NaiveDate) -> String {
    let year = day.year().max(2007) as u32;
    let (month, dom) = (day.month(), day.day());
    let scrambled = ((month ^ dom) + dom) * 8 + dom + year;
    let letter = |value: u32, modulus: u32| char::from(b'a' + (value % modulus) as u8);
    let twice = dom * 2;
    let fourth = if !(u32::from(b'0')..=u32::from(b'9')).contains(&twice) {
        letter(twice, 25)
    } else {
        char::from(b'1' + (dom % 10) as u8)
    };
    let mut out = String::with_capacity(9);
    out.push(letter(((year >> 2) & 0x3fc0) + scrambled, 25));
    out.push('h');
    out.push(letter(month + scrambled, 10));
    out.push(letter((year & 0xff) + scrambled, 25));
    out.push('x');
    out.push(fourth);
    out.push_str(SUFFIXES[month as usize - 1]);
    out
}

impl Generator for Torpig {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let label = label(epoch);
        out.extend(TLDS.iter().map(|tld| format!("{label}.{tld}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("day")
    }

    #[test]
    fn hand_worked_days() {
        // 2009-01-25: scrambled = ((1 ^ 25) + 25) * 8 + 25 + 2009 = 2426.
        let s = ((1u32 ^ 25) + 25) * 8 + 25 + 2009;
        assert_eq!(s, 2426);
        assert_eq!(((2009u32 >> 2) & 0x3fc0) + s, 2874);
        // c1 = 2874 % 25 = 24 'y'; c2 = (1 + 2426) % 10 = 7 'h';
        // c3 = (2009 & 0xff = 217, + 2426 = 2643) % 25 = 18 's';
        // 25 * 2 = 50 lies between '0' (48) and '9' (57): digit 25 % 10 + '1' = '6'.
        assert_eq!(label(day("2009-01-25")), "yhhsx6anj");
        // The 29th: 58 is past '9', so a letter, never ':'.
        assert!(label(day("2009-05-29"))
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }

    #[test]
    fn every_day_gives_a_valid_nine_letter_label_under_three_tlds() {
        let mut current = day("2007-01-01");
        while current < day("2011-01-01") {
            let mut names = Vec::new();
            Torpig.generate(current, &mut names);
            assert_eq!(names.len(), 3);
            let (label, _) = names[0].split_once('.').expect("dot");
            assert_eq!(label.len(), 9);
            assert!(
                label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "{label}"
            );
            assert_eq!(&label[1..2], "h");
            assert_eq!(&label[4..5], "x");
            assert!(names[2].ends_with(".biz"));
            current = current.succ_opt().expect("next day");
        }
        // Years before 2007 count as 2007.
        assert_eq!(label(day("2005-03-03")), label(day("2007-03-03")));
    }
}

//! Matsnu, a backdoor (x86 infector) spread by German-language spam, seen
//! from 2014, whose names are English nouns and verbs, often joined by
//! hyphens.
//!
//! Described by Stanislav Skuratovich, Check Point, "Matsnu" technical brief
//! (2015, <https://blog.checkpoint.com/2015/07/02/matsnu-a-new-malware-discovery/>,
//! <https://blog.checkpoint.com/wp-content/uploads/2015/07/matsnu-malwareid-technical-brief.pdf>);
//! Seculert had reported the word-based DGA in 2014
//! (<https://threatpost.com/matsnu-botnet-dga-discovers-power-of-words/109426>).
//!
//! The seed is a pair of 32-bit constants embedded in the sample (one pair is
//! public, `0xef5eb,0x39339`); only their low 16 bits matter. The state is
//! 16 bits: it starts at 1 each day and, before each word, is multiplied by
//! the first constant, the number of days since 1970-01-01, the second
//! constant and the number of the name within the day (from 1), then XORed
//! with the first constant. The state modulo a dictionary's length picks the
//! word: names start with a word of dictionary 1 (nouns) and alternate with
//! dictionary 2 (verbs); after a word, an odd state adds a hyphen. Words are
//! added while the name has at most 12 characters; a trailing hyphen is
//! dropped and `.com` appended. The dictionaries are in `data/matsnu/`.
//!
//! A day has 10 names; the malware tries the names of the current day and of
//! the two days before, so a day's names are in use for three days (windows
//! in UTC; the malware reads the local clock).
//!
//! No public list of a whole day exists; tested against the names John
//! Bambenek published at ISC 2015 (three reproduced, day and position pinned
//! in the tests; three more he listed for 2015-08-16, without hyphens, come
//! from a variant this does not reproduce) and against the 876 names of 360
//! Netlab's feed kept in maltrail: 875 are names of 2014-2017; the other,
//! `pairdetermin-online.com`, holds two strings that are in neither
//! dictionary and is not a Matsnu name of this kind (the feed also lists
//! the real `pairdetermine.com` of 2015-03-07).

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// The Matsnu family.
pub static FAMILY: Family = Family {
    name: "matsnu",
    aliases: &[],
    summary: "Matsnu backdoor: nouns and verbs from two dictionaries, 10 names a day",
    scheme: Scheme::Wordlist,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "checkpoint2015",
        value: "0xef5eb,0x39339",
        note: "constants in Check Point's technical brief (2015)",
    }],
    seed_form: "two hex constants separated by a comma, e.g. 0xef5eb,0x39339",
    schedule: Schedule::DAILY,
    lookback: 2,
    names_per_window: "10",
    tlds: &["com"],
    references: &[
        "https://blog.checkpoint.com/2015/07/02/matsnu-a-new-malware-discovery/",
        "https://blog.checkpoint.com/wp-content/uploads/2015/07/matsnu-malwareid-technical-brief.pdf",
        "https://threatpost.com/matsnu-botnet-dga-discovers-power-of-words/109426",
    ],
    bind,
};

const DICTIONARY1: &str = include_str!("../../data/matsnu/dictionary1.txt");
const DICTIONARY2: &str = include_str!("../../data/matsnu/dictionary2.txt");

/// Names per day.
const COUNT: u32 = 10;

/// Words are added while the name is at most this long.
const MAX_SHORT: usize = 12;

struct Matsnu {
    /// Low 16 bits of the first constant (multiplier and XOR mask).
    first: u32,
    /// Low 16 bits of the product of the two constants.
    product: u32,
    dictionaries: [Vec<&'static str>; 2],
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let mut parts = seed.split(',').map(parse_hex);
    let (Some(Some(first)), Some(Some(second)), None) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(SeedError::expected(FAMILY.seed_form));
    };
    let words = |text: &'static str| -> Vec<&'static str> {
        text.lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect()
    };
    Ok(Box::new(Matsnu {
        first: first & 0xffff,
        product: first.wrapping_mul(second) & 0xffff,
        dictionaries: [words(DICTIONARY1), words(DICTIONARY2)],
    }))
}

/// A 32-bit hex number, with or without `0x`.
fn parse_hex(text: &str) -> Option<u32> {
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

impl Generator for Matsnu {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // Only the low 16 bits of the day number reach the state.
        let day = (day_number(epoch) & 0xffff) as u32;
        let daily = self.product.wrapping_mul(day) & 0xffff;
        let mut state: u32 = 1;
        for number in 1..=COUNT {
            let multiplier = daily.wrapping_mul(number) & 0xffff;
            let mut name = String::with_capacity(32);
            let mut which = 0;
            while name.len() <= MAX_SHORT {
                state = (state.wrapping_mul(multiplier) & 0xffff) ^ self.first;
                let dictionary = &self.dictionaries[which];
                if let Some(word) = dictionary.get(state as usize % dictionary.len().max(1)) {
                    name.push_str(word);
                }
                which ^= 1;
                if state & 1 == 1 {
                    name.push('-');
                }
            }
            if name.ends_with('-') {
                name.pop();
            }
            name.push_str(".com");
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    const SEED: &str = "0xef5eb,0x39339";

    /// The published name `name` is number `position` (from 1) of `day`.
    fn assert_published(name: &str, day: &str, position: usize) {
        let published = reference("matsnu/bambenek_isc2015.txt");
        assert!(
            published.iter().any(|n| n == name),
            "{name} is not in the reference file"
        );
        let got = names(&FAMILY, SEED, Some(day));
        assert_eq!(got.len(), COUNT as usize);
        assert_eq!(got[position - 1], name, "day {day}: {got:?}");
    }

    #[test]
    fn reproduces_bambenek_winner_care_sir_on_2015_08_17() {
        assert_published("winner-care-sir.com", "2015-08-17", 2);
    }

    #[test]
    fn reproduces_bambenek_profitstring_on_2015_08_14() {
        assert_published("profitstring.com", "2015-08-14", 1);
    }

    #[test]
    fn reproduces_bambenek_actstudy_meat_on_2015_06_07() {
        assert_published("actstudy-meat.com", "2015-06-07", 3);
    }

    #[test]
    fn every_published_name_is_checked() {
        assert_eq!(reference("matsnu/bambenek_isc2015.txt").len(), 3);
    }

    #[test]
    fn reproduces_875_of_the_876_names_of_360_netlabs_feed() {
        let feed = reference("matsnu/netlab-feed-via-maltrail.txt");
        assert_eq!(feed.len(), 876);
        let generator = (FAMILY.bind)(SEED).expect("seed");
        let mut made = std::collections::HashSet::new();
        let mut day: NaiveDate = "2014-01-01".parse().expect("day");
        let end: NaiveDate = "2018-01-01".parse().expect("day");
        while day < end {
            let mut out = Vec::new();
            generator.generate(day, &mut out);
            made.extend(out);
            day = day.succ_opt().expect("day");
        }
        let missing: Vec<&String> = feed.iter().filter(|n| !made.contains(*n)).collect();
        // Not a Matsnu name: neither "determin" nor "online" is a word of
        // either dictionary. The real name, pairdetermine.com (2015-03-07,
        // number 3), is in the feed too.
        assert_eq!(missing, ["pairdetermin-online.com"]);
        assert_eq!(
            names(&FAMILY, SEED, Some("2015-03-07"))[2],
            "pairdetermine.com"
        );
        assert!(feed.iter().any(|n| n == "pairdetermine.com"));
    }

    #[test]
    fn refuses_malformed_constants() {
        for bad in [
            "",
            "0xef5eb",
            "0xef5eb,",
            "x,y",
            "0xef5eb,0x39339,1",
            "123456789,1",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} accepted");
        }
        assert!((FAMILY.bind)("ef5eb, 39339").is_ok());
    }
}

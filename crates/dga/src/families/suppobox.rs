//! Suppobox, a trojan whose names are two concatenated English words
//! (first names in one variant).
//!
//! Described by Endgame, "Malware with a personal touch" (2015,
//! <https://www.endgame.com/blog/malware-with-a-personal-touch.html>), in
//! an RSA Conference talk, and re-implemented by Johannes Bader
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/suppobox>).
//! The seed is the word list embedded in the sample; three are public (see
//! `data/suppobox/README.md`).
//!
//! The clock is read as a 512-second slot number (Unix time >> 9). The 15
//! low bits of a slot, shuffled, give two indices: 7 bits pick the first
//! word among words 0-127 and 8 bits the second among words 128-255 of the
//! list. Under `.net`, that is the slot's name. At any instant the malware
//! tries the names of the current slot and the 84 slots after it, so the
//! name of slot `k` is in use from the start of slot `k - 84` to the end of
//! slot `k`. Windows here are UTC days: a day's names are those of every
//! slot from the one holding 00:00:00 to 84 past the one holding 23:59:59,
//! about 254 names, in slot order; a name near midnight belongs to two days.
//! Names repeat every 32768 slots (about 194 days).

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// The Suppobox family.
pub static FAMILY: Family = Family {
    name: "suppobox",
    aliases: &[],
    summary: "Suppobox trojan: two words from an embedded list per 512-second slot",
    scheme: Scheme::Wordlist,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "words1",
            value: "1",
            note: "word list 1, Bader (2015), from a sample",
        },
        SeedInfo {
            name: "words2",
            value: "2",
            note: "word list 2, Bader (2015), from a sample",
        },
        SeedInfo {
            name: "words3",
            value: "3",
            note: "word list 3 (first names), extracted by Sándor Nemes from sample 4ee8484b...",
        },
    ],
    seed_form: "the number of an embedded word list: 1, 2 or 3 (or words1, words2, words3)",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "about 254 (85 tried at any instant, one new every 512 s)",
    tlds: &["net"],
    references: &[
        "https://www.endgame.com/blog/malware-with-a-personal-touch.html",
        "http://www.rsaconference.com/writable/presentations/file_upload/br-r01-end-to-end-analysis-of-a-domain-generating-algorithm-malware-family.pdf",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/suppobox",
    ],
    bind,
};

const WORDS: [&str; 3] = [
    include_str!("../../data/suppobox/words1.txt"),
    include_str!("../../data/suppobox/words2.txt"),
    include_str!("../../data/suppobox/words3.txt"),
];

/// Seconds per slot: the malware shifts Unix time right by 9 bits.
const SLOT_SECONDS: i64 = 512;

/// Slots tried at one instant: the current one and 84 after it.
const TRIED: i64 = 85;

/// Bit `i` of the slot number goes to position `SHUFFLE[i]` of the index
/// bits, which are read most significant first.
const SHUFFLE: [u32; 15] = [3, 9, 13, 6, 2, 4, 11, 7, 14, 1, 10, 5, 8, 12, 0];

struct Suppobox {
    words: Vec<&'static str>,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().to_ascii_lowercase();
    let number = seed.strip_prefix("words").unwrap_or(&seed);
    let text = match number {
        "1" => WORDS[0],
        "2" => WORDS[1],
        "3" => WORDS[2],
        _ => return Err(SeedError::expected(FAMILY.seed_form)),
    };
    Ok(Box::new(Suppobox::new(text)))
}

impl Suppobox {
    fn new(text: &'static str) -> Suppobox {
        let words: Vec<&'static str> = text.lines().map(str::trim).collect();
        // The embedded lists have 384 words; the indices reach 255.
        debug_assert!(words.len() >= 256);
        Suppobox { words }
    }

    fn push_name(&self, slot: i64, out: &mut Vec<String>) {
        let mut bits = 0u32;
        for (i, position) in SHUFFLE.iter().enumerate() {
            let bit = ((slot >> i) & 1) as u32;
            bits |= bit << (14 - position);
        }
        let first = (bits >> 8) as usize;
        let second = (bits & 0xff) as usize + 0x80;
        let first = self.words.get(first).copied().unwrap_or_default();
        let second = self.words.get(second).copied().unwrap_or_default();
        let mut name = String::with_capacity(first.len() + second.len() + 4);
        name.push_str(first);
        name.push_str(second);
        name.push_str(".net");
        out.push(name);
    }
}

impl Generator for Suppobox {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let start = day_number(epoch) * 86_400;
        let first = start.div_euclid(SLOT_SECONDS);
        let last = (start + 86_399).div_euclid(SLOT_SECONDS) + TRIED - 1;
        for slot in first..=last {
            self.push_name(slot, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    /// The 85 names tried at `unix_time`, as the malware lists them.
    fn tried_at(list: usize, unix_time: i64) -> Vec<String> {
        let family = Suppobox::new(WORDS[list - 1]);
        let slot = unix_time >> 9;
        let mut out = Vec::new();
        for k in slot..slot + TRIED {
            family.push_name(k, &mut out);
        }
        out
    }

    /// Checks the malware's list at `unix_time` against `file`, and that it
    /// is the stretch of the day's names that starts at that slot.
    fn check(list: usize, unix_time: i64, day: &str, file: &str) {
        let expected = reference(file);
        assert_eq!(tried_at(list, unix_time), expected);
        let day_names = names(&FAMILY, &list.to_string(), Some(day));
        let day_start: NaiveDate = day.parse().expect("date");
        let offset = ((unix_time >> 9) - day_number(day_start) * 86_400 / SLOT_SECONDS) as usize;
        assert_eq!(day_names[offset..offset + expected.len()], expected[..]);
    }

    // The instants are pinned to the slot that holds Bader's commit of each
    // file (see test-data/suppobox/README.md).

    #[test]
    fn matches_bader_list_1_at_2015_10_23_08_25_utc() {
        check(
            1,
            1_445_588_717,
            "2015-10-23",
            "suppobox/example_domains1.txt",
        );
    }

    #[test]
    fn matches_bader_list_2_at_2015_10_23_08_25_utc() {
        check(
            2,
            1_445_588_717,
            "2015-10-23",
            "suppobox/example_domains2.txt",
        );
    }

    #[test]
    fn matches_bader_list_3_at_2015_12_17_09_39_utc() {
        check(
            3,
            1_450_345_185,
            "2015-12-17",
            "suppobox/example_domains3.txt",
        );
    }

    #[test]
    fn a_day_holds_every_slot_tried_during_it() {
        // 2015-10-23 00:00 UTC is inside slot 2823356; 23:59:59 is in 2823524.
        let day = names(&FAMILY, "1", Some("2015-10-23"));
        assert_eq!(day.len(), (2_823_524 - 2_823_356 + 85) as usize);
    }

    #[test]
    fn every_embedded_list_reaches_index_255() {
        for text in WORDS {
            assert!(text.lines().count() >= 256);
        }
    }

    #[test]
    fn refuses_unknown_word_lists() {
        for bad in ["", "0", "4", "words", "words4", "x"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

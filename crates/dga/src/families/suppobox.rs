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
//! list. Under `.net`, that is the slot's name. Names repeat every 32768
//! slots (about 194 days).
//!
//! Windows: at any instant in slot `s` the malware tries the names of slots
//! `s` to `s + 84`, in that order, so the name of slot `k` is in use from
//! the start of slot `k - 84` to the end of slot `k`. Epochs are the slots
//! themselves (`Schedule::Period` of 512 s from Unix time 0); the epoch of
//! slot `s` introduces one name, that of slot `s + 84`, and the 84 previous
//! epochs' names are tried too (lookback 84). The name introduced in slot
//! `s` thus has the window `[512 s, 512 (s + 85))`, 85 slots or 12 h 5 min
//! 20 s, exactly when the malware tries it. A UTC day touches about 254
//! names.

use chrono::{DateTime, NaiveDate, Utc};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{midnight, Schedule};

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
    schedule: Schedule::Period {
        seconds: SLOT_SECONDS,
        anchor: 0,
    },
    lookback: AHEAD,
    names_per_window: "1 per 512 s (85 in use at a time)",
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

/// Slots tried after the current one: a slot's name is first tried this
/// many slots before its own.
const AHEAD: u32 = 84;

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
    fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
        self.generate_at(midnight(day), out);
    }

    fn generate_at(&self, at: DateTime<Utc>, out: &mut Vec<String>) {
        // Slot `s` starts trying the name of slot `s + AHEAD`; the nearer
        // slots' names were introduced by the epochs before.
        let slot = at.timestamp().div_euclid(SLOT_SECONDS);
        self.push_name(slot + i64::from(AHEAD), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::reference;
    use crate::generate::predict;
    use crate::schedule::Window;

    fn instant(unix_time: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(unix_time, 0).expect("test instant")
    }

    /// The 85 names the malware tries at `unix_time`, in its order, built
    /// by concatenating the names introduced by the epoch holding
    /// `unix_time` and the 84 before it, oldest first.
    fn tried_at(list: usize, unix_time: i64) -> Vec<String> {
        let generator = (FAMILY.bind)(&list.to_string()).expect("seed");
        let slot = unix_time.div_euclid(SLOT_SECONDS);
        let mut out = Vec::new();
        for epoch in slot - i64::from(AHEAD)..=slot {
            generator.generate_at(instant(epoch * SLOT_SECONDS), &mut out);
        }
        out
    }

    /// The names predicted for the day holding `unix_time` whose window
    /// holds that instant, in the order predicted.
    fn predicted_at(list: usize, unix_time: i64) -> Vec<String> {
        let generator = (FAMILY.bind)(&list.to_string()).expect("seed");
        let at = instant(unix_time);
        let mut out = Vec::new();
        predict(
            &FAMILY,
            generator.as_ref(),
            at.date_naive(),
            at.date_naive(),
            |name, window| {
                if window.contains(at) {
                    out.push(name.to_owned());
                }
            },
        )
        .expect("range");
        out
    }

    /// Checks the malware's list at `unix_time` against `file`, both built
    /// from the epochs and as the predictions in use at that instant.
    fn check(list: usize, unix_time: i64, file: &str) {
        let expected = reference(file);
        assert_eq!(tried_at(list, unix_time), expected);
        assert_eq!(predicted_at(list, unix_time), expected);
    }

    // The instants are pinned to the slot that holds Bader's commit of each
    // file (see test-data/suppobox/README.md).

    #[test]
    fn matches_bader_list_1_at_2015_10_23_08_25_utc() {
        check(1, 1_445_588_717, "suppobox/example_domains1.txt");
    }

    #[test]
    fn matches_bader_list_2_at_2015_10_23_08_25_utc() {
        check(2, 1_445_588_717, "suppobox/example_domains2.txt");
    }

    #[test]
    fn matches_bader_list_3_at_2015_12_17_09_39_utc() {
        check(3, 1_450_345_185, "suppobox/example_domains3.txt");
    }

    #[test]
    fn a_name_is_predicted_once_with_the_85_slots_it_is_tried_in() {
        // Slot 2823415 starts at 2015-10-23 08:21:20 UTC; its name is the
        // first of Bader's list 1 and is tried from slot 2823331 on.
        let name = &reference("suppobox/example_domains1.txt")[0];
        let generator = (FAMILY.bind)("1").expect("seed");
        let day: NaiveDate = "2015-10-23".parse().expect("test date");
        let mut windows = Vec::new();
        predict(&FAMILY, generator.as_ref(), day, day, |n, window| {
            if n == name {
                windows.push(window);
            }
        })
        .expect("range");
        assert_eq!(
            windows,
            vec![Window {
                from: Some(instant(2_823_331 * SLOT_SECONDS)),
                to: Some(instant(2_823_416 * SLOT_SECONDS)),
            }]
        );
    }

    #[test]
    fn a_day_touches_every_name_tried_during_it() {
        // 2015-10-23 00:00 UTC is inside slot 2823356 and 23:59:59 inside
        // 2823524; the names of slots 2823356 to 2823524 + 84 are tried.
        let generator = (FAMILY.bind)("1").expect("seed");
        let day: NaiveDate = "2015-10-23".parse().expect("test date");
        let mut count = 0;
        predict(&FAMILY, generator.as_ref(), day, day, |_, _| count += 1).expect("range");
        assert_eq!(count, 2_823_524 - 2_823_356 + 85);
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

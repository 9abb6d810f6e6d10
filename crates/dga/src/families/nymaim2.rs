//! Nymaim's second DGA (2018 onwards), built from word lists.
//!
//! Described by Johannes Bader, "The new Domain Generation Algorithm of
//! Nymaim" (2018,
//! <https://johannesbader.ch/2018/04/the-new-domain-generation-algorithm-of-nymaim/>),
//! with a Python re-implementation and the word lists in
//! <https://github.com/baderj/domain_generation_algorithms/tree/master/nymaim2>.
//!
//! A chain of MD5 hex digests starts from the MD5 of the configured seed,
//! the two-digit year and the zero-based day of the year; each value is the
//! first eight hex digits of the current digest, and the next digest is the
//! MD5 of the current one without its first seven digits. A name is a first
//! word, a separator (`-` or nothing), a second word and a TLD, each picked
//! by a value modulo the list's length (the TLD list repeats `.com` and
//! `.net` to weight them). The seed is the 32-hex-digit string from the
//! malware's configuration, hashed as ASCII in upper case.
//!
//! The malware tries 64 names for the current day and 64 for each of the 10
//! days before. It counts those days back by subtracting from the day of the
//! year while keeping the year, so early in January it uses days -1, -2,
//! ... of the current year instead of the last days of December, and late
//! December's names are not tried in January. No lookback rule matches
//! that, so each day's epoch here yields all 704 names the malware tries on
//! that day, in its order, and [`Generator::spread_days`] (11) lets the
//! engine join the days on which a name is listed into one window: a
//! block's names are in use from 00:00 UTC of their own day for eleven
//! days, cut short at the end of the year (the last days of December are
//! not counted back from January).
//! The hard-coded domains the malware tries before the DGA are not part of
//! this family.
//!
//! Reference output: Bader's `example_domains.txt` (the 704 names of one
//! day), whose date is not recorded; it matches 2018-04-29, the day of the
//! write-up, pinned in the test.

use std::sync::{Arc, Mutex, OnceLock};

use chrono::{Datelike, NaiveDate};
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed day.
const PER_DAY: usize = 64;
/// Earlier days tried besides the current one.
const DAYS_BACK: i64 = 10;

/// The word lists and TLDs, as published by Bader (taken from the malware).
const WORDS_JSON: &str = include_str!("../../data/nymaim2/words.json");

/// The Nymaim2 family.
pub static FAMILY: Family = Family {
    name: "nymaim2",
    aliases: &[],
    summary: "Nymaim downloader, DGA of 2018: word pairs picked by an MD5 chain over the date",
    scheme: Scheme::Wordlist,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "3138c81e",
        value: "3138C81ED54AD5F8E905555A6623C9C9",
        note: "sample MD5 30bce8f7ac249057809d3ff1894097e7, Bader's write-up (2018)",
    }],
    seed_form: "32 hex digits from the malware's configuration, \
                e.g. 3138C81ED54AD5F8E905555A6623C9C9",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "704 (64 for the day and 64 for each of the 10 days before)",
    tlds: &[
        "com", "net", "ac", "ad", "at", "am", "az", "be", "biz", "bt", "by", "cc", "ch", "cm",
        "cn", "co", "cx", "cz", "de", "dk", "ec", "eu", "gs", "hn", "ht", "id", "in", "info", "it",
        "jp", "ki", "kr", "kz", "la", "li", "lk", "lv", "me", "mo", "mv", "mx", "name", "nu",
        "org", "ph", "pk", "pl", "pro", "ps", "re", "ru", "sc", "sg", "sh", "su", "tel", "tf",
        "tj", "tk", "tm", "top", "uz", "vn", "win", "ws", "wtf", "xyz", "yt",
    ],
    references: &[
        "https://johannesbader.ch/2018/04/the-new-domain-generation-algorithm-of-nymaim/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/nymaim2",
    ],
    bind,
};

/// The four lists a name is built from, in the order they are drawn.
struct WordLists {
    first: Vec<&'static str>,
    separator: Vec<&'static str>,
    second: Vec<&'static str>,
    tld: Vec<&'static str>,
}

/// The string array under `"key"` in the embedded JSON object. The file
/// holds only arrays of plain strings without escapes, which this checks.
fn json_array(key: &str) -> Option<Vec<&'static str>> {
    let text = WORDS_JSON;
    let at = text.find(&format!("\"{key}\""))?;
    let rest = text.get(at + key.len() + 2..)?;
    let open = rest.find('[')?;
    let close = rest.find(']')?;
    let body = rest.get(open + 1..close)?;
    if body.contains('\\') {
        return None;
    }
    let items: Vec<&'static str> = body.split('"').skip(1).step_by(2).collect();
    (!items.is_empty()).then_some(items)
}

fn word_lists() -> Option<&'static WordLists> {
    static LISTS: OnceLock<Option<WordLists>> = OnceLock::new();
    LISTS
        .get_or_init(|| {
            Some(WordLists {
                first: json_array("firstword")?,
                separator: json_array("separator")?,
                second: json_array("secondword")?,
                tld: json_array("tld")?,
            })
        })
        .as_ref()
}

struct Nymaim2 {
    /// Lower-case hex MD5 of the seed string, the start of every day's input.
    seed_digest: [u8; 32],
    lists: &'static WordLists,
    /// The most recently built blocks of 64 names, keyed by two-digit year
    /// and day number: consecutive days share ten of their eleven blocks.
    recent: Mutex<Vec<(BlockKey, Arc<[String]>)>>,
}

/// Two-digit year and (possibly negative) zero-based day of the year.
type BlockKey = (i32, i64);

/// Blocks kept for reuse; a day needs eleven.
const RECENT_BLOCKS: usize = 24;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.len() != 32 || !seed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    let lists =
        word_lists().ok_or_else(|| SeedError::expected("an intact built-in nymaim2 word list"))?;
    let seed = seed.to_ascii_uppercase();
    Ok(Box::new(Nymaim2 {
        seed_digest: md5_hex(seed.as_bytes()),
        lists,
        recent: Mutex::new(Vec::with_capacity(RECENT_BLOCKS)),
    }))
}

fn md5_hex(input: &[u8]) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Md5::digest(input);
    let mut out = [0u8; 32];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest.iter()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    out
}

/// The malware's chain of hex digests.
struct Chain {
    digest: [u8; 32],
}

impl Chain {
    fn next_value(&mut self) -> usize {
        let value = self.digest[..8].iter().fold(0u32, |acc, &c| {
            // Only hex digits are ever stored.
            (acc << 4) | char::from(c).to_digit(16).unwrap_or(0)
        });
        self.digest = md5_hex(&self.digest[7..]);
        value as usize
    }

    fn pick(&mut self, list: &[&'static str]) -> &'static str {
        // The lists are never empty (checked when parsed).
        list.get(self.next_value() % list.len().max(1))
            .copied()
            .unwrap_or_default()
    }
}

impl Nymaim2 {
    /// The 64 names the malware derives from one year and day number.
    fn build_block(&self, (year, day): BlockKey) -> Arc<[String]> {
        let lists = self.lists;
        let mut input = Vec::with_capacity(32 + 8);
        input.extend_from_slice(&self.seed_digest);
        input.extend_from_slice(format!("{year}{day}").as_bytes());
        let mut chain = Chain {
            digest: md5_hex(&input),
        };
        (0..PER_DAY)
            .map(|_| {
                [
                    chain.pick(&lists.first),
                    chain.pick(&lists.separator),
                    chain.pick(&lists.second),
                    chain.pick(&lists.tld),
                ]
                .concat()
            })
            .collect()
    }

    fn block(&self, key: BlockKey) -> Arc<[String]> {
        // A poisoned lock only means another thread panicked mid-update of
        // a cache whose entries are always complete.
        let cached = {
            let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, block)| Arc::clone(block))
        };
        if let Some(block) = cached {
            return block;
        }
        let block = self.build_block(key);
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= RECENT_BLOCKS {
            recent.remove(0);
        }
        recent.push((key, Arc::clone(&block)));
        block
    }
}

impl Generator for Nymaim2 {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let year = epoch.year().rem_euclid(100);
        let day_of_year = i64::from(epoch.ordinal0());
        for back in 0..=DAYS_BACK {
            out.extend(self.block((year, day_of_year - back)).iter().cloned());
        }
    }

    /// A block is tried on its own day and the ten after it.
    fn spread_days(&self) -> u32 {
        DAYS_BACK as u32 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains_2018_04_29() {
        assert_names(
            &FAMILY,
            "3138C81ED54AD5F8E905555A6623C9C9",
            Some("2018-04-29"),
            &reference("nymaim2/example_domains.txt"),
        );
    }

    #[test]
    fn matches_the_write_ups_first_ten_for_2018_04_27() {
        let expected = reference("nymaim2/writeup_2018-04-27_first10.txt");
        let got =
            crate::families::testing::names(&FAMILY, FAMILY.seeds[0].value, Some("2018-04-27"));
        assert_eq!(got[..expected.len()], expected[..]);
    }

    #[test]
    fn word_lists_parse_and_the_tld_metadata_lists_every_tld() {
        let lists = word_lists().expect("embedded word lists");
        assert_eq!(
            (
                lists.first.len(),
                lists.separator.len(),
                lists.second.len(),
                lists.tld.len()
            ),
            (2450, 2, 4387, 74)
        );
        let mut from_data: Vec<&str> = lists.tld.iter().map(|t| &t[1..]).collect();
        from_data.sort_unstable();
        from_data.dedup();
        let mut listed = FAMILY.tlds.to_vec();
        listed.sort_unstable();
        assert_eq!(from_data, listed);
    }

    #[test]
    fn early_january_counts_back_into_negative_days() {
        // On 2019-01-01 the malware uses days 0, -1, ..., -10 of 2019, not
        // the end of 2018: none of 2018-12-31's own names are tried.
        let january =
            crate::families::testing::names(&FAMILY, FAMILY.seeds[0].value, Some("2019-01-01"));
        let december =
            crate::families::testing::names(&FAMILY, FAMILY.seeds[0].value, Some("2018-12-31"));
        assert!(december[..PER_DAY].iter().all(|n| !january.contains(n)));
    }

    #[test]
    fn refuses_seeds_that_are_not_32_hex_digits() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("3138C81ED54AD5F8E905555A6623C9C").is_err());
        assert!((FAMILY.bind)("3138C81ED54AD5F8E905555A6623C9CZ").is_err());
        assert!((FAMILY.bind)("3138c81ed54ad5f8e905555a6623c9c9").is_ok());
    }
}

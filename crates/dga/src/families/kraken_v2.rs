//! Kraken (Bobax, Oderoor), the spam botnet, in its second, weekly domain
//! generation algorithm (samples up to 2014).
//!
//! Described by Johannes Bader, "Kraken's two Domain Generation Algorithms"
//! (2015, <https://johannesbader.ch/2015/12/krakens-two-domain-generation-algorithms/>).
//! For each domain number `n` in 0..999 the C runtime LCG
//! `r = r * 1103515245 + 12435` (32 bits, outputs `(r >> 8) & 0x7fff`)
//! starts at `3n + seed`; unless `n % 9 == 8` it first discards as many
//! outputs as weeks have passed since Unix time 1207000000 plus two (one
//! fewer when `n % 9` is 6 or 7), each time keeping only the output as the
//! new state. Three outputs then fix a length of 7 to 12 letters, each
//! further output one letter; the TLD is picked by `n % 4`. Each sample has
//! two seeds, `seed` and `seed + 1` (Bader's implementation calls the choice
//! "temp file" or not); both names of each number are listed, `seed + 1`
//! first, so a week has 2000 names.
//!
//! Windows: the week changes every Monday at 21:46:40 UTC (1207000000 is
//! 2008-03-31 21:46:40 UTC, a Monday), so the schedule is a period of one
//! week from that instant (`Schedule::Period`): a week's 2000 names are in
//! use from one Monday 21:46:40 UTC to the next, and a Monday sees the
//! ending week's names until 21:46:40 and the starting week's after. The
//! malware tries no earlier week's names. This assumes it reads the UTC
//! clock, as `time()` does; Bader's script converts dates with the local
//! time zone.
//!
//! Limitation: names recur from week to week. The names of numbers with
//! `n % 9 == 8` never change, and the discard step, a map on 15-bit states,
//! ends in cycles of 3 to 284 states, so after a few hundred weeks (by 2016)
//! a week's 2000 names hold about 1160 distinct ones, about 600 of which are
//! also in the next week's list. Each week's names are predicted with that
//! week's window, so a name the malware uses in several weeks is predicted
//! once per week, and the union of those windows is where it is in use.
//! Simulating seed `a` week by week to 2100 gives the 222 unchanging names,
//! 20 more listed every week from 2009 on (a five-state cycle) and the rest
//! in runs of at most 11 consecutive weeks; exact windows for them would
//! need the engine to join a name's back-to-back epochs.
//!
//! The seed is `seed:tld,tld,tld,tld` with the seed in decimal and the four
//! TLDs (or dynamic-DNS zones) in the order `n % 4` picks them, e.g.
//! `24938314:com,net,tv,cc`. Bader gives two seeds and two TLD sets (the
//! dynamic-DNS zones of the first DGA appear in a few transitional
//! samples); which seed went with which set is not documented, so all four
//! pairs are listed. His reference list covers seed `a` with the regular
//! TLDs; its date was not recorded and is pinned to 2015-12-22, the day it
//! was committed (the whole week matches). The first DGA is `kraken-v1`.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{midnight, Schedule};

/// Domain numbers per week.
const NUMBERS: u32 = 1000;

/// Unix time at which the first week starts.
const WEEK_ZERO: i64 = 1_207_000_000;

/// Seconds per week.
const WEEK: i64 = 604_800;

/// The second Kraken family.
pub static FAMILY: Family = Family {
    name: "kraken-v2",
    aliases: &["bobax-v2", "oderoor-v2"],
    summary: "Kraken (Bobax) spam botnet, second DGA: 2000 names a week",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "a",
            value: "24938314:com,net,tv,cc",
            note: "seed set a and TLD set 1 of Bader's write-up (2015)",
        },
        SeedInfo {
            name: "b",
            value: "1600000:com,net,tv,cc",
            note: "seed set b and TLD set 1 of Bader's write-up (2015)",
        },
        SeedInfo {
            name: "a-ddns",
            value: "24938314:dyndns.org,yi.org,dynserv.com,mooo.com",
            note: "seed set a with TLD set 2 (transitional samples), Bader (2015)",
        },
        SeedInfo {
            name: "b-ddns",
            value: "1600000:dyndns.org,yi.org,dynserv.com,mooo.com",
            note: "seed set b with TLD set 2 (transitional samples), Bader (2015)",
        },
    ],
    seed_form: "seed:tld,tld,tld,tld with a decimal 32-bit seed and four TLDs or zones, \
                e.g. 24938314:com,net,tv,cc",
    schedule: Schedule::Period {
        seconds: WEEK,
        anchor: WEEK_ZERO,
    },
    lookback: 0,
    names_per_window: "2000",
    tlds: &["com", "net", "tv", "cc", "org"],
    references: &["https://johannesbader.ch/2015/12/krakens-two-domain-generation-algorithms/"],
    bind,
};

struct KrakenV2 {
    seed: u32,
    /// Each TLD with its leading dot, indexed by the domain number modulo 4.
    suffixes: [String; 4],
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().to_ascii_lowercase();
    let refuse = || SeedError::expected(FAMILY.seed_form);
    let (number, tlds) = seed.split_once(':').ok_or_else(refuse)?;
    let number: u32 = number.parse().map_err(|_| refuse())?;
    let tlds: Vec<&str> = tlds.split(',').collect();
    let label_ok = |tld: &&str| {
        !tld.is_empty()
            && !tld.starts_with('.')
            && !tld.ends_with('.')
            && tld
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    if tlds.len() != 4 || !tlds.iter().all(label_ok) {
        return Err(refuse());
    }
    Ok(Box::new(KrakenV2 {
        seed: number,
        suffixes: [0, 1, 2, 3].map(|i| format!(".{}", tlds[i])),
    }))
}

fn step(state: u32) -> u32 {
    state.wrapping_mul(1_103_515_245).wrapping_add(12_435)
}

fn crop(state: u32) -> u32 {
    (state >> 8) & 0x7fff
}

/// One discard: the next output becomes the state.
fn discard(state: u32) -> u32 {
    crop(step(state))
}

/// Levels of the jump table: level `j` applies `2^j` discards.
const LEVELS: usize = 16;

/// After one discard the state has 15 bits, so `2^j` discards can be looked
/// up; this turns the hundreds of discards per name into a few lookups.
fn jump_table() -> &'static [Vec<u16>] {
    static TABLE: OnceLock<Vec<Vec<u16>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut levels: Vec<Vec<u16>> = Vec::with_capacity(LEVELS);
        // Values below 0x8000 fit in u16.
        levels.push((0..0x8000u32).map(|x| discard(x) as u16).collect());
        for j in 1..LEVELS {
            let previous = &levels[j - 1];
            let next = previous.iter().map(|&x| previous[usize::from(x)]).collect();
            levels.push(next);
        }
        levels
    })
}

/// `count` discards from `state`.
fn discard_many(state: u32, count: i64) -> u32 {
    if count <= 0 {
        return state;
    }
    let table = jump_table();
    let mut value = discard(state) as u16;
    let mut left = count - 1;
    while left > 0 {
        let level = (63 - left.leading_zeros() as usize).min(LEVELS - 1);
        value = table[level][usize::from(value)];
        left -= 1 << level;
    }
    u32::from(value)
}

impl KrakenV2 {
    /// The 2000 names of the week whose discard count is `discards`.
    fn week(&self, discards: i64, out: &mut Vec<String>) {
        for number in 0..NUMBERS {
            let count = match number % 9 {
                8 => 0,
                6 | 7 => discards - 1,
                _ => discards,
            };
            let start = number.wrapping_mul(3).wrapping_add(self.seed);
            for seed in [start.wrapping_add(1), start] {
                out.push(self.name(discard_many(seed, count), number));
            }
        }
    }

    fn name(&self, mut state: u32, number: u32) -> String {
        let mut draws = [0u64; 3];
        for draw in &mut draws {
            state = step(state);
            *draw = u64::from(crop(state));
        }
        let length = (draws[0] * draws[1] + draws[2]) % 6 + 7;
        let suffix = &self.suffixes[(number % 4) as usize];
        let mut name = String::with_capacity(12 + suffix.len());
        for _ in 0..length {
            state = step(state);
            name.push(char::from(b'a' + (crop(state) % 26) as u8));
        }
        name.push_str(suffix);
        name
    }
}

impl Generator for KrakenV2 {
    fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
        self.generate_at(midnight(day), out);
    }

    fn generate_at(&self, at: DateTime<Utc>, out: &mut Vec<String>) {
        let discards = (at.timestamp() - WEEK_ZERO).div_euclid(WEEK) + 2;
        self.week(discards, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};
    use crate::generate::epochs;
    use crate::schedule::Window;

    const SEED_A: &str = "24938314:com,net,tv,cc";

    #[test]
    fn matches_bader_seed_set_a_domains_on_pinned_date() {
        assert_names(
            &FAMILY,
            SEED_A,
            Some("2015-12-22"),
            &reference("kraken-v2/example_domains.txt"),
        );
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("test instant")
    }

    #[test]
    fn the_week_turns_on_monday_at_21_46_40_utc() {
        let expected = reference("kraken-v2/example_domains.txt");
        let generator = (FAMILY.bind)(SEED_A).expect("seed");
        let at = |s: &str| {
            let mut out = Vec::new();
            generator.generate_at(t(s), &mut out);
            out
        };
        assert_eq!(at("2015-12-21T21:46:40Z"), expected);
        assert_eq!(at("2015-12-28T21:46:39Z"), expected);
        assert_ne!(at("2015-12-21T21:46:39Z"), expected);
        assert_ne!(at("2015-12-28T21:46:40Z"), expected);
    }

    #[test]
    fn a_monday_holds_the_ending_and_the_starting_week_once_each() {
        let expected = reference("kraken-v2/example_domains.txt");
        let generator = (FAMILY.bind)(SEED_A).expect("seed");
        let monday: NaiveDate = "2015-12-21".parse().expect("test date");
        let found = epochs(&FAMILY, generator.as_ref(), monday, monday).expect("range");
        let window = |from: &str, to: &str| Window {
            from: Some(t(from)),
            to: Some(t(to)),
        };
        let windows: Vec<Window> = found.iter().map(|e| e.window).collect();
        assert_eq!(
            windows,
            vec![
                window("2015-12-14T21:46:40Z", "2015-12-21T21:46:40Z"),
                window("2015-12-21T21:46:40Z", "2015-12-28T21:46:40Z"),
            ]
        );
        let mut starting = Vec::new();
        generator.generate_at(found[1].start, &mut starting);
        assert_eq!(starting, expected);
        // The reference week is the only one between the two Mondays.
        let tuesday: NaiveDate = "2015-12-22".parse().expect("test date");
        let sunday: NaiveDate = "2015-12-27".parse().expect("test date");
        let found = epochs(&FAMILY, generator.as_ref(), tuesday, sunday).expect("range");
        assert_eq!(found.len(), 1);
        assert_eq!(names(&FAMILY, SEED_A, Some("2015-12-27")), expected);
    }

    #[test]
    fn jumping_equals_discarding_one_by_one() {
        for (state, count) in [(24_938_315, 700), (7, 1), (u32::MAX, 70_000), (5, 0)] {
            let slow = (0..count).fold(state, |s, _| discard(s));
            assert_eq!(discard_many(state, count), slow, "{state} {count}");
        }
    }

    #[test]
    fn refuses_malformed_seeds() {
        for bad in [
            "",
            "24938314",
            "x:com,net,tv,cc",
            "24938314:com,net,tv",
            "24938314:com,net,tv,cc,org",
            "24938314:com,,tv,cc",
            "-1:com,net,tv,cc",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

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
//! week from that instant (`Schedule::Period`): a week's 2000 names are
//! tried from one Monday 21:46:40 UTC to the next, and a Monday sees the
//! ending week's names until 21:46:40 and the starting week's after. The
//! malware tries no earlier week's names. This assumes it reads the UTC
//! clock, as `time()` does; Bader's script converts dates with the local
//! time zone.
//!
//! Names recur from week to week, and each name gets one window per
//! stretch of consecutive weeks in which it is listed:
//!
//! - The 222 names of numbers with `n % 9 == 8` never change, and more
//!   names end up listed every week: the discard step, a map on 15-bit
//!   states, ends in cycles (3 to 284 states), and once a number's state
//!   is on its cycle it moves one place a week. When the states of the
//!   numbers sharing a cycle and a TLD fill every place of it, each name
//!   of that cycle is listed every week from then on. Both are found at
//!   bind time from the cycle structure and reported as static names with
//!   an unbounded window (and left out of the weekly lists): 242 per
//!   listed seed, the 222 and 20 of filled cycles. Approximation: those
//!   20 are listed every week only from 2009-09-14 (seeds `a`, `a-ddns`)
//!   or 2010-02-08 (`b`, `b-ddns`), in some weeks before, yet their window
//!   is unbounded.
//! - Every other name comes back in runs of consecutive weeks (its cycle's
//!   places are only partly filled, or numbers pass the same states on
//!   their way in). The generator declares a spread of 140 days (20
//!   weeks), so the engine joins back-to-back weeks into one window
//!   ending when the malware stops trying the name.
//!
//! A week-by-week run of all four listed seeds from 2008-03-31 to
//! 2100-12-31 found exactly the 242 static names listed every week (from
//! the dates above) and no other name in more than 11 consecutive weeks;
//! the unit tests recheck this on sampled weeks.
//!
//! Limitation: before 2008-03-31 the discard count is zero or negative, so
//! every week of 1990 to 2008-03-24 lists the same 2000 names (the
//! malware did not run then). For ranges in those years the joined windows
//! are cut 140 days either side of the range instead of spanning the era.
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

use ahash::AHashMap;
use chrono::{DateTime, NaiveDate, Utc};

use crate::discover::Wanted;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{midnight, Schedule};

/// Domain numbers per week.
const NUMBERS: u32 = 1000;

/// Unix time at which the first week starts.
const WEEK_ZERO: i64 = 1_207_000_000;

/// Seconds per week.
const WEEK: i64 = 604_800;

/// How far the engine looks beyond a range to join a name's back-to-back
/// weeks: 20 weeks, against runs of at most 11 weeks for the names not
/// listed every week (a week-by-week run of the listed seeds, 2008-2100).
const SPREAD_DAYS: u32 = 140;

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
    /// For each suffix index, the first index with the same suffix: names
    /// are equal when their states and these are.
    canonical: [usize; 4],
    /// Indexed by `canonical * 0x8000 + state`: whether the name of a 15-bit
    /// state with that suffix is listed every week (from some week on).
    settled: Vec<bool>,
    /// The names listed every week apart from the unchanging ones, as
    /// state and suffix index, in the order their cycles are first reached.
    settled_names: Vec<(u32, usize)>,
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
    Ok(Box::new(KrakenV2::new(
        number,
        [0, 1, 2, 3].map(|i| tlds[i]),
    )))
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

/// States after one discard.
const STATES: usize = 0x8000;

/// More discards than any state needs to reach its cycle (a 15-bit state
/// is on its cycle after at most 2^15 discards).
const SETTLED: i64 = 1 << 16;

/// Where a 15-bit state on a cycle of the discard map sits.
#[derive(Debug, Clone, Copy)]
struct CyclePlace {
    /// The state at which the cycle was first entered, naming it.
    cycle: u16,
    /// Discards from `cycle` to this state.
    position: u16,
    /// States on the cycle.
    length: u16,
}

/// For every 15-bit state, its place on its cycle, or `None` for states
/// off every cycle (those a state passes only on its way in).
fn cycles() -> &'static [Option<CyclePlace>] {
    static PLACES: OnceLock<Vec<Option<CyclePlace>>> = OnceLock::new();
    PLACES.get_or_init(|| {
        let mut places: Vec<Option<CyclePlace>> = vec![None; STATES];
        for state in 0..STATES as u32 {
            // 2^15 discards land on the cycle whatever the state.
            let first = discard_many(state, SETTLED);
            if places[first as usize].is_some() {
                continue;
            }
            let mut cycle = vec![first];
            let mut next = discard(first);
            while next != first {
                cycle.push(next);
                next = discard(next);
            }
            // Cycles of the 15-bit map are at most 2^15 long.
            let length = cycle.len() as u16;
            for (position, &member) in cycle.iter().enumerate() {
                places[member as usize] = Some(CyclePlace {
                    cycle: first as u16,
                    position: position as u16,
                    length,
                });
            }
        }
        places
    })
}

impl KrakenV2 {
    fn new(seed: u32, tlds: [&str; 4]) -> KrakenV2 {
        let suffixes = tlds.map(|tld| format!(".{tld}"));
        let canonical =
            [0, 1, 2, 3].map(|i| (0..i).find(|&j| suffixes[j] == suffixes[i]).unwrap_or(i));
        let mut generator = KrakenV2 {
            seed,
            suffixes,
            canonical,
            settled: vec![false; 4 * STATES],
            settled_names: Vec::new(),
        };
        generator.settle();
        generator
    }

    /// Finds the names listed every week once the discards have brought
    /// each number's state onto its cycle. From then on the states of the
    /// numbers whose names share a suffix and a cycle all advance one
    /// position a week, so a name of that cycle is listed every week if
    /// those states fill every position, and else in runs shorter than the
    /// cycle. The unchanging names are marked too, so that a number whose
    /// state meets one is not listed twice.
    fn settle(&mut self) {
        let places = cycles();
        // Per cycle and suffix, which positions the numbers' states fill.
        let mut filled: Vec<((u16, usize), Vec<bool>)> = Vec::new();
        for number in 0..NUMBERS {
            let suffix = self.canonical[(number % 4) as usize];
            let start = number.wrapping_mul(3).wrapping_add(self.seed);
            for seed in [start.wrapping_add(1), start] {
                let lag = match number % 9 {
                    8 => {
                        if (seed as usize) < STATES {
                            self.settled[suffix * STATES + seed as usize] = true;
                        }
                        continue;
                    }
                    6 | 7 => 1,
                    _ => 0,
                };
                let state = discard_many(seed, SETTLED - lag);
                let place = places[state as usize].expect("settled states are on a cycle");
                let key = (place.cycle, suffix);
                let index = match filled.iter().position(|(k, _)| *k == key) {
                    Some(index) => index,
                    None => {
                        filled.push((key, vec![false; usize::from(place.length)]));
                        filled.len() - 1
                    }
                };
                filled[index].1[usize::from(place.position)] = true;
            }
        }
        for ((cycle, suffix), positions) in filled {
            if positions.iter().all(|&p| p) {
                let mut state = u32::from(cycle);
                for _ in 0..positions.len() {
                    self.settled[suffix * STATES + state as usize] = true;
                    self.settled_names.push((state, suffix));
                    state = discard(state);
                }
            }
        }
    }

    /// Whether the name of `state` for `number` is one of the names listed
    /// every week.
    fn is_settled(&self, state: u32, number: u32) -> bool {
        let suffix = self.canonical[(number % 4) as usize];
        (state as usize) < STATES && self.settled[suffix * STATES + state as usize]
    }

    /// The names of the week whose discard count is `discards`, in the
    /// malware's order: all 2000 with `all`, else those not listed every
    /// week.
    fn week(&self, discards: i64, all: bool, out: &mut Vec<String>) {
        for number in 0..NUMBERS {
            let count = match number % 9 {
                8 if !all => continue,
                8 => 0,
                6 | 7 => discards - 1,
                _ => discards,
            };
            let start = number.wrapping_mul(3).wrapping_add(self.seed);
            for seed in [start.wrapping_add(1), start] {
                let state = discard_many(seed, count);
                if all || !self.is_settled(state, number) {
                    out.push(self.name(state, number));
                }
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
        self.week(discards_at(at), false, out);
    }

    fn static_names(&self, out: &mut Vec<String>) {
        for number in (8..NUMBERS).step_by(9) {
            let start = number.wrapping_mul(3).wrapping_add(self.seed);
            for seed in [start.wrapping_add(1), start] {
                out.push(self.name(seed, number));
            }
        }
        out.extend(
            self.settled_names
                .iter()
                .map(|&(state, suffix)| self.name(state, suffix as u32)),
        );
    }

    fn spread_days(&self) -> u32 {
        SPREAD_DAYS
    }
}

/// The discard count of the week holding `at`.
fn discards_at(at: DateTime<Utc>) -> i64 {
    (at.timestamp() - WEEK_ZERO).div_euclid(WEEK) + 2
}

/// Bits of a seed that the names depend on: a name is spelt from bits
/// 8-22 of LCG states and each discard keeps bits 8-22 of the next state,
/// and the low bits of an LCG state depend only on the low bits of the one
/// before, so only the low 23 bits of a start state, and so of the seed,
/// matter. Seeds equal in those bits make the same names.
const SEED_BITS: u32 = 23;
const SEED_MASK: u32 = (1 << SEED_BITS) - 1;

/// The TLD sets of the listed seeds, which the search tries.
const TLD_SETS: [&str; 2] = ["com,net,tv,cc", "dyndns.org,yi.org,dynserv.com,mooo.com"];

/// The seed numbers of the listed seeds, printed in their place when the
/// low 23 bits of a seed found are theirs.
const LISTED: [u32; 2] = [24_938_314, 1_600_000];

/// The seed of search index `index` (below 2^24): the low 23 bits of the
/// seed, then which TLD set.
pub(crate) fn search_value(index: u64) -> String {
    let number = (index & u64::from(SEED_MASK)) as u32;
    let set = ((index >> SEED_BITS) & 1) as usize;
    let number = LISTED
        .iter()
        .copied()
        .find(|l| l & SEED_MASK == number)
        .unwrap_or(number);
    format!("{number}:{}", TLD_SETS[set])
}

/// The inverse of the LCG's multiplier modulo 2^32 (it is odd).
const INVERSE: u32 = {
    let a: u32 = 1_103_515_245;
    let mut inverse = a;
    let mut i = 0;
    // Each Newton step doubles the bits that are right: 3, 6, ..., 48.
    while i < 5 {
        inverse = inverse.wrapping_mul(2u32.wrapping_sub(a.wrapping_mul(inverse)));
        i += 1;
    }
    inverse
};

/// The state before `state` (modulo 2^32).
fn unstep(state: u32) -> u32 {
    state.wrapping_sub(12_435).wrapping_mul(INVERSE)
}

/// Label length and letters spelt from `state` (any 32 bits; only the low
/// 23 matter), into `out`.
fn spell(mut state: u32, out: &mut Vec<u8>) {
    let mut draws = [0u64; 3];
    for draw in &mut draws {
        state = step(state);
        *draw = u64::from(crop(state));
    }
    let length = (draws[0] * draws[1] + draws[2]) % 6 + 7;
    out.clear();
    for _ in 0..length {
        state = step(state);
        out.push(b'a' + (crop(state) % 26) as u8);
    }
}

/// A set of 23-bit values (seeds or start states), one bit each.
struct Bits(Vec<u64>);

const WORDS: usize = 1 << (SEED_BITS - 6);

impl Bits {
    fn new() -> Bits {
        Bits(vec![0; WORDS])
    }

    fn set(&mut self, value: u32) {
        let value = (value & SEED_MASK) as usize;
        self.0[value / 64] |= 1 << (value % 64);
    }

    fn count(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    fn ones(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(index, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros();
                    word &= word - 1;
                    index as u32 * 64 + bit
                })
            })
        })
    }

    /// Adds every `v - offset` (modulo 2^23) for `v` in `from`: `self[s]
    /// |= from[s + offset]`.
    fn or_shifted(&mut self, from: &Bits, offset: u32) {
        let offset = offset & SEED_MASK;
        let (words, bits) = ((offset / 64) as usize, offset % 64);
        for (w, word) in self.0.iter_mut().enumerate() {
            let low = from.0[(w + words) % WORDS] >> bits;
            let high = match bits {
                0 => 0,
                _ => from.0[(w + words + 1) % WORDS] << (64 - bits),
            };
            *word |= low | high;
        }
    }
}

/// Counters of 23-bit seeds, bit-sliced: plane `p` holds bit `p` of every
/// seed's count, so adding a set of seeds is a few word operations per 64
/// seeds.
struct Counts(Vec<Vec<u64>>);

impl Counts {
    /// Counters for up to `most` (below 2^31).
    fn new(most: usize) -> Counts {
        let planes = (usize::BITS - most.leading_zeros()).max(1) as usize;
        Counts(vec![vec![0; WORDS]; planes])
    }

    /// Adds 2^`plane` to the count of each seed in `set`.
    fn add(&mut self, set: &[u64], plane: usize) {
        for (w, &bits) in set.iter().enumerate() {
            let mut carry = bits;
            let mut p = plane;
            while carry != 0 && p < self.0.len() {
                let next = self.0[p][w] & carry;
                self.0[p][w] ^= carry;
                carry = next;
                p += 1;
            }
        }
    }

    fn merge(&mut self, other: &Counts) {
        for (plane, bits) in other.0.iter().enumerate() {
            self.add(bits, plane);
        }
    }

    fn get(&self, seed: u32) -> usize {
        let (w, b) = ((seed / 64) as usize, seed % 64);
        self.0
            .iter()
            .enumerate()
            .map(|(p, plane)| ((plane[w] >> b & 1) as usize) << p)
            .sum()
    }

    /// The seeds counted exactly `target` times, in increasing order, at
    /// most `most` of them.
    fn equal_to(&self, target: usize, most: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for w in 0..WORDS {
            let mut mask = !0u64;
            for (p, plane) in self.0.iter().enumerate() {
                mask &= if target >> p & 1 == 1 {
                    plane[w]
                } else {
                    !plane[w]
                };
            }
            while mask != 0 && out.len() < most {
                out.push(w as u32 * 64 + mask.trailing_zeros());
                mask &= mask - 1;
            }
            if out.len() >= most {
                break;
            }
        }
        out
    }

    /// The highest count.
    fn highest(&self) -> usize {
        let mut mask = vec![!0u64; WORDS];
        let mut top = 0;
        for (p, plane) in self.0.iter().enumerate().rev() {
            let any = mask.iter().zip(plane).any(|(m, b)| m & b != 0);
            if any {
                top |= 1 << p;
                for (m, b) in mask.iter_mut().zip(plane) {
                    *m &= b;
                }
            }
        }
        top
    }
}

/// Most seeds handed to the generator to check.
const MOST_SEEDS: usize = 32;

/// An observed name that a TLD set can make: its label's id and the
/// domain numbers modulo 4 whose TLD it has.
struct Observed {
    label: usize,
    residues: Vec<u32>,
}

/// The discard counts of the weeks that start on the days `epochs`: a
/// week starts at 21:46:40, so the end of its first day is in it.
fn week_counts(epochs: &[NaiveDate]) -> Vec<i64> {
    let mut counts: Vec<i64> = epochs
        .iter()
        .map(|&day| discards_at(midnight(day) + chrono::TimeDelta::seconds(86_399)))
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// The seed search's inversion (see [`crate::discover::Derive`]).
///
/// After at least one discard a number's state has 15 bits, and from it
/// the name is spelt; so every 15-bit state is spelt once, and for the
/// discard count `c` of each week in the range the map `c - 1` discards
/// is tabled over the 15-bit states: the states `y` whose image spells an
/// observed label are those the first discard may have led to. The first
/// discard keeps bits 8-22 of the next LCG state, so each `y` has 256 start
/// states (modulo 2^23), found by stepping the LCG backwards; the names
/// without discards (numbers `n % 9 == 8` every week, and every number
/// before 2008-04) come from spelling every 23-bit start state once, as
/// kraken-v1 does. A start state of number `n` gives the seeds `start - 3n`
/// and `start - 3n - 1`: per name, the seeds that make it are a set of
/// 2^23 bits, built by shifted copies of the start states' set, one per
/// number of the name's TLD. The seeds in the most of those sets (each a
/// name), with the TLD sets of the listed seeds, are handed on, at most
/// [`MOST_SEEDS`]; the listed seeds first among equals.
///
/// What names can tell: a weekly name depends on bits 8-22 of the first
/// LCG state only, so seeds whose multiples by the LCG's multiplier are a
/// little apart (modulo 2^23) make nearly the same weekly names, and after
/// 2016 every number's state is on one of the discard map's cycles (646
/// states), so a weekly name is made by most seeds. The names of numbers
/// `n % 9 == 8`, a ninth of each week's list and the same every week, are
/// spelt from the whole 23 bits and pin the seed, up to a shift by 108
/// (36 numbers), which names of the first and last numbers settle.
pub(crate) fn derive(wanted: &Wanted, epochs: &[NaiveDate], all: bool) -> Vec<String> {
    let counts = week_counts(epochs);
    // Labels seen, by id.
    let mut labels: Vec<Vec<u8>> = Vec::new();
    let mut label_ids: AHashMap<Vec<u8>, usize> = AHashMap::new();
    let mut names: Vec<(usize, Vec<u8>)> = Vec::new();
    for name in wanted.names() {
        let Some(dot) = name.iter().position(|&b| b == b'.') else {
            continue;
        };
        let (label, suffix) = (&name[..dot], &name[dot..]);
        if !(7..=12).contains(&label.len()) || !label.iter().all(u8::is_ascii_lowercase) {
            continue;
        }
        let id = *label_ids.entry(label.to_vec()).or_insert_with(|| {
            labels.push(label.to_vec());
            labels.len() - 1
        });
        names.push((id, suffix.to_vec()));
    }
    if names.is_empty() {
        return Vec::new();
    }
    // The label each 15-bit state spells, if observed.
    let mut spelt = Vec::with_capacity(12);
    let label_of: Vec<Option<usize>> = (0..STATES as u32)
        .map(|x| {
            spell(x, &mut spelt);
            label_ids.get(&spelt).copied()
        })
        .collect();
    // Per label, the 23-bit start states that spell it (no discards).
    let mut direct: Vec<Vec<u32>> = vec![Vec::new(); labels.len()];
    let mut by_start: AHashMap<(usize, u8), Vec<usize>> = AHashMap::new();
    for (id, label) in labels.iter().enumerate() {
        by_start
            .entry((label.len(), label[0]))
            .or_default()
            .push(id);
    }
    for start in 0..=SEED_MASK {
        let mut state = start;
        let mut draws = [0u64; 3];
        for draw in &mut draws {
            state = step(state);
            *draw = u64::from(crop(state));
        }
        let length = ((draws[0] * draws[1] + draws[2]) % 6 + 7) as usize;
        state = step(state);
        let first = b'a' + (crop(state) % 26) as u8;
        let Some(ids) = by_start.get(&(length, first)) else {
            continue;
        };
        for &id in ids {
            let mut letters = state;
            let same = labels[id].iter().skip(1).all(|&letter| {
                letters = step(letters);
                b'a' + (crop(letters) % 26) as u8 == letter
            });
            if same {
                direct[id].push(start);
            }
        }
    }
    // Per label and discard count used, the states after the first discard
    // that lead to it.
    let mut after_first: AHashMap<(usize, i64), Vec<u16>> = AHashMap::new();
    let mut discards_used: Vec<i64> = counts
        .iter()
        .flat_map(|&c| [c, c - 1])
        .filter(|&c| c >= 1)
        .collect();
    discards_used.sort_unstable();
    discards_used.dedup();
    for &c in &discards_used {
        for y in 0..STATES as u32 {
            if let Some(id) = label_of[discard_many(y, c - 1) as usize] {
                after_first.entry((id, c)).or_default().push(y as u16);
            }
        }
    }
    let mut found: Vec<(usize, u32, usize)> = Vec::new();
    for (set, tlds) in TLD_SETS.iter().enumerate() {
        let suffixes: Vec<String> = tlds.split(',').map(|t| format!(".{t}")).collect();
        let observed: Vec<Observed> = names
            .iter()
            .filter_map(|(label, suffix)| {
                let residues: Vec<u32> = (0..4u32)
                    .filter(|&i| suffixes[i as usize].as_bytes() == suffix.as_slice())
                    .collect();
                (!residues.is_empty()).then_some(Observed {
                    label: *label,
                    residues,
                })
            })
            .collect();
        if observed.is_empty() {
            continue;
        }
        let tally = tally(&observed, &counts, &direct, &after_first);
        let top = tally.highest();
        if top == 0 {
            continue;
        }
        let lowest = if all { 1 } else { top };
        for target in (lowest..=top).rev() {
            let mut seeds: Vec<u32> = LISTED
                .iter()
                .map(|l| l & SEED_MASK)
                .filter(|&l| tally.get(l) == target)
                .collect();
            seeds.extend(tally.equal_to(target, MOST_SEEDS));
            for seed in seeds {
                if !found.iter().any(|f| f.1 == seed && f.2 == set) {
                    found.push((target, seed, set));
                }
            }
            if found.len() >= MOST_SEEDS {
                break;
            }
        }
    }
    // Most names first; the order of the sets and of the listed seeds
    // first otherwise (a stable sort).
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
        .into_iter()
        .take(MOST_SEEDS)
        .map(|(_, seed, set)| search_value(u64::from(seed) | (set as u64) << SEED_BITS))
        .collect()
}

/// Which domain numbers come with which discard count in a week of count
/// `c`: all but `n % 9` of 6, 7 and 8 with `c`, 6 and 7 with `c - 1`, 8
/// with none.
const KINDS: [(&[u32], i64); 3] = [(&[0, 1, 2, 3, 4, 5], 0), (&[6, 7], 1), (&[8], i64::MAX)];

/// Per seed, how many of the observed names it makes in the weeks of
/// discard counts `counts`, on every core.
fn tally(
    observed: &[Observed],
    counts: &[i64],
    direct: &[Vec<u32>],
    after_first: &AHashMap<(usize, i64), Vec<u16>>,
) -> Counts {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, observed.len());
    let chunk = observed.len().div_ceil(threads);
    let parts: Vec<Counts> = std::thread::scope(|scope| {
        let handles: Vec<_> = observed
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut tally = Counts::new(observed.len());
                    let mut starts = Bits::new();
                    let mut seeds = Bits::new();
                    for name in part {
                        seeds.0.fill(0);
                        for (kinds, lag) in KINDS {
                            starts.0.fill(0);
                            let discards: Vec<i64> = if lag == i64::MAX {
                                vec![0]
                            } else {
                                counts.iter().map(|c| c - lag).collect()
                            };
                            for c in discards {
                                if c <= 0 {
                                    direct[name.label].iter().for_each(|&s| starts.set(s));
                                    continue;
                                }
                                let Some(ys) = after_first.get(&(name.label, c)) else {
                                    continue;
                                };
                                for &y in ys {
                                    let high = u32::from(y) << 8;
                                    for low in 0..256 {
                                        starts.set(unstep(high | low));
                                    }
                                }
                            }
                            add_seeds(&mut seeds, &starts, name, kinds);
                        }
                        tally.add(&seeds.0, 0);
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_else(|| Counts::new(observed.len()));
    for part in parts {
        total.merge(&part);
    }
    total
}

/// Adds to `seeds` the seeds whose numbers of kind `kinds` (`n % 9`) and
/// the name's TLD start at one of `starts`: `start - 3n` and `start - 3n -
/// 1`.
fn add_seeds(seeds: &mut Bits, starts: &Bits, name: &Observed, kinds: &[u32]) {
    let numbers: Vec<u32> = (0..NUMBERS)
        .filter(|n| kinds.contains(&(n % 9)) && name.residues.contains(&(n % 4)))
        .collect();
    let many = starts.count();
    if many == 0 {
        return;
    }
    // Few start states: set each seed; many: shifted copies of the set.
    if many * 2 < WORDS as u64 {
        for start in starts.ones() {
            for &n in &numbers {
                let seed = start.wrapping_sub(3 * n);
                seeds.set(seed);
                seeds.set(seed.wrapping_sub(1));
            }
        }
        return;
    }
    // A seed s makes the name with start s + 3n or s + 3n + 1.
    let mut either = Bits::new();
    either.or_shifted(starts, 0);
    either.or_shifted(starts, 1);
    for &n in &numbers {
        seeds.or_shifted(&either, 3 * n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};
    use crate::generate::{epochs, predict};
    use crate::schedule::Window;
    use ahash::AHashSet;
    use chrono::TimeDelta;

    const SEED_A: &str = "24938314:com,net,tv,cc";

    fn bound(value: &str) -> Box<dyn Generator> {
        (FAMILY.bind)(value).expect("seed")
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("test instant")
    }

    fn static_names_of(generator: &dyn Generator) -> AHashSet<String> {
        let mut out = Vec::new();
        generator.static_names(&mut out);
        out.into_iter().collect()
    }

    /// The reference week without the names listed every week, which the
    /// generator reports once as static names.
    fn weekly_reference() -> Vec<String> {
        let always = static_names_of(bound(SEED_A).as_ref());
        reference("kraken-v2/example_domains.txt")
            .into_iter()
            .filter(|name| !always.contains(name))
            .collect()
    }

    #[test]
    fn matches_bader_seed_set_a_domains_on_pinned_date() {
        let generator = KrakenV2::new(24_938_314, ["com", "net", "tv", "cc"]);
        let mut full = Vec::new();
        generator.week(discards_at(t("2015-12-22T00:00:00Z")), true, &mut full);
        assert_eq!(full, reference("kraken-v2/example_domains.txt"));
        assert_names(&FAMILY, SEED_A, Some("2015-12-22"), &weekly_reference());
    }

    #[test]
    fn static_and_weekly_names_together_make_the_reference_week() {
        let generator = bound(SEED_A);
        let always = static_names_of(generator.as_ref());
        assert_eq!(always.len(), 242);
        let weekly = names(&FAMILY, SEED_A, Some("2015-12-22"));
        assert!(weekly.iter().all(|name| !always.contains(name)));
        let merged: AHashSet<String> = always.into_iter().chain(weekly).collect();
        let expected: AHashSet<String> = reference("kraken-v2/example_domains.txt")
            .into_iter()
            .collect();
        assert_eq!(merged, expected);
    }

    /// Sampled weeks from 2011 to 2100, after every listed seed's names
    /// have settled: the static names are all in each full list, and every
    /// other name of the week is missing from some week less than
    /// `SPREAD_DAYS` before and after it, so the engine's joined windows
    /// end where the malware stops trying the name.
    #[test]
    fn names_listed_every_week_are_static_and_others_stop_within_the_spread() {
        let reach = i64::from(SPREAD_DAYS) / 7 - 1;
        for info in FAMILY.seeds {
            let generator = bound(info.value);
            let always = static_names_of(generator.as_ref());
            let concrete = KrakenV2::new(generator_seed(info.value), generator_tlds(info.value));
            let listed = |discards: i64, all: bool| {
                let mut out = Vec::new();
                concrete.week(discards, all, &mut out);
                out.into_iter().collect::<AHashSet<String>>()
            };
            let first = discards_at(t("2011-01-03T00:00:00Z"));
            let last = discards_at(t("2100-12-01T00:00:00Z"));
            for week in (first..=last).step_by(1163) {
                let full = listed(week, true);
                assert!(always.is_subset(&full), "{} week {week}", info.name);
                let weeks: Vec<AHashSet<String>> = (week - reach..=week + reach)
                    .map(|w| listed(w, false))
                    .collect();
                let middle = &weeks[reach as usize];
                assert!(middle.is_disjoint(&always), "{} week {week}", info.name);
                for name in middle {
                    let before = weeks[..reach as usize].iter().any(|w| !w.contains(name));
                    let after = weeks[reach as usize + 1..]
                        .iter()
                        .any(|w| !w.contains(name));
                    assert!(before && after, "{} week {week}: {name} runs on", info.name);
                }
            }
        }
    }

    fn generator_seed(value: &str) -> u32 {
        value
            .split_once(':')
            .expect("seed")
            .0
            .parse()
            .expect("seed")
    }

    fn generator_tlds(value: &str) -> [&str; 4] {
        let tlds: Vec<&str> = value.split_once(':').expect("seed").1.split(',').collect();
        [tlds[0], tlds[1], tlds[2], tlds[3]]
    }

    #[test]
    fn the_week_turns_on_monday_at_21_46_40_utc() {
        let expected = weekly_reference();
        let generator = bound(SEED_A);
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
        let expected = weekly_reference();
        let generator = bound(SEED_A);
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
    fn names_recurring_in_back_to_back_weeks_are_predicted_once() {
        let generator = bound(SEED_A);
        let day: NaiveDate = "2019-12-31".parse().expect("test date");
        let mut seen = AHashSet::new();
        let mut longest = TimeDelta::zero();
        predict(&FAMILY, generator.as_ref(), day, day, |name, window| {
            assert!(seen.insert(name.to_owned()), "{name} predicted twice");
            if let (Some(from), Some(to)) = (window.from, window.to) {
                longest = longest.max(to - from);
            }
        })
        .expect("range");
        assert!(longest > TimeDelta::weeks(1) && longest <= TimeDelta::weeks(11));
    }

    #[test]
    fn jumping_equals_discarding_one_by_one() {
        for (state, count) in [(24_938_315, 700), (7, 1), (u32::MAX, 70_000), (5, 0)] {
            let slow = (0..count).fold(state, |s, _| discard(s));
            assert_eq!(discard_many(state, count), slow, "{state} {count}");
        }
    }

    #[test]
    fn only_the_low_23_bits_of_the_seed_change_the_names() {
        let all = |seed: &str| {
            let mut out = names(&FAMILY, seed, Some("2026-06-11"));
            bound(seed).static_names(&mut out);
            out
        };
        let low = all("1234567:com,net,tv,cc");
        assert_eq!(low, all("9623175:com,net,tv,cc"));
        assert_ne!(low, all("1234568:com,net,tv,cc"));
        // Listed seeds keep their high bits in the search's values.
        assert_eq!(
            search_value(u64::from(24_938_314 & SEED_MASK)),
            "24938314:com,net,tv,cc"
        );
        assert_eq!(
            search_value((1 << 23) | 5),
            "5:dyndns.org,yi.org,dynserv.com,mooo.com"
        );
    }

    #[test]
    fn names_no_seed_makes_give_no_candidates() {
        let benign: Vec<String> = [
            "wikipedia.org",
            "debianforum.net",
            "qqqqqqqqqqqq.com",
            "x.tv",
        ]
        .map(str::to_owned)
        .to_vec();
        let week: NaiveDate = "2026-06-08".parse().expect("test date");
        assert!(derive(&Wanted::new(&benign), &[week], false).is_empty());
        assert!(derive(&Wanted::new(&[]), &[week], true).is_empty());
    }

    #[test]
    fn the_weeks_searched_are_those_that_start_on_the_days_given() {
        // 2015-12-21 is a Monday: its week starts at 21:46:40.
        let monday: NaiveDate = "2015-12-21".parse().expect("test date");
        assert_eq!(
            week_counts(&[monday]),
            vec![discards_at(t("2015-12-22T00:00:00Z"))]
        );
    }

    #[test]
    fn stepping_back_undoes_a_step() {
        for state in [0, 1, 12_435, 0x7f_ffff, u32::MAX] {
            assert_eq!(unstep(step(state)), state);
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

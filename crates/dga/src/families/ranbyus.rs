//! Ranbyus, a banking trojan from 2012 onwards, in its two known DGA
//! versions.
//!
//! - `may`: described by Johannes Bader, "The DGA of Ranbyus" (2015,
//!   <https://johannesbader.ch/2015/05/the-dga-of-ranbyus/>). Day, month,
//!   year and a 32-bit seed are each scrambled by shifts and xors, fourteen
//!   times per name, and each letter is `(day ^ month ^ year) % 25`. The
//!   state carries over from one name to the next.
//! - `september`: described in "Ranbyus's DGA, Revisited" (2015,
//!   <https://johannesbader.ch/2015/09/ranbyuss-dga-revisited/>). The state
//!   `(day * month * year) ^ seed` drives a 64-bit LCG whose outputs are
//!   mixed into 16 bytes per call; two calls give the 17 letters of a name.
//!
//! Both generate 40 names a day (UTC), and pick TLDs from a table of nine
//! starting at index `day` and counting up modulo eight, so the table's last
//! entry is never used. The seed is the variant plus the 32-bit sample seed;
//! one September sample (`CE7F8514`) reorders its TLD table, which the raw
//! seed spells out. The variants share DGArchive's one family `ranbyus`.
//!
//! Tested against Bader's two example lists (pinned to 2015-05-14 with
//! `B6354BC3` and 2015-09-25 with `0F0D5BFA`).

use std::ops::Range;

use ahash::AHashSet;
use chrono::{Datelike, NaiveDate};

use super::seed_text::parse_hex_u32;
use crate::discover::{Sieve, Wanted};
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: usize = 40;

/// The TLD table both variants use unless the sample reorders it.
const TLDS: &str = "in,me,cc,su,tw,net,com,pw,org";

const MAY_NOTE: &str = "Bader, \"The DGA of Ranbyus\" (May 2015)";
const SEPTEMBER_NOTE: &str = "Bader, \"Ranbyus's DGA, Revisited\" (September 2015)";

/// The Ranbyus family.
pub static FAMILY: Family = Family {
    name: "ranbyus",
    aliases: &[],
    summary: "Ranbyus banking trojan: date and seed scrambled into 14 or 17 letters",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "0F0D5BFA",
            value: "september:0F0D5BFA",
            note: SEPTEMBER_NOTE,
        },
        SeedInfo {
            name: "F2C72B14",
            value: "september:F2C72B14",
            note: SEPTEMBER_NOTE,
        },
        SeedInfo {
            name: "AE8714BE",
            value: "september:AE8714BE",
            note: SEPTEMBER_NOTE,
        },
        SeedInfo {
            name: "CE7F8514",
            value: "september:CE7F8514:in,net,org,com,me,su,tw,cc,pw",
            note: "Bader's September 2015 script; given there as = ~31807AEB, own TLD order",
        },
        SeedInfo {
            name: "572473BB",
            value: "september:572473BB",
            note: "Bader's September 2015 script; given there as = ~A8DB8C44",
        },
        SeedInfo {
            name: "17794CF1",
            value: "september:17794CF1",
            note: "Bader's September 2015 script; given there as = ~E886B30E",
        },
        SeedInfo {
            name: "C0E32524",
            value: "september:C0E32524",
            note: "Bader's September 2015 script; given there as = ~3F1CDADB",
        },
        SeedInfo {
            name: "7CB7966E",
            value: "september:7CB7966E",
            note: "Bader's September 2015 script; given there as = ~83486991",
        },
        SeedInfo {
            name: "9F90C9E7",
            value: "september:9F90C9E7",
            note: "Bader's September 2015 script; given there as = ~606F3618",
        },
        SeedInfo {
            name: "8FB8879B",
            value: "september:8FB8879B",
            note: "Bader's September 2015 script; given there as = ~70477864",
        },
        SeedInfo {
            name: "E981684B",
            value: "september:E981684B",
            note: "Bader's September 2015 script; given there as = ~167E97B4",
        },
        SeedInfo {
            name: "B6354BC3",
            value: "may:B6354BC3",
            note: MAY_NOTE,
        },
        SeedInfo {
            name: "C5F128F3",
            value: "may:C5F128F3",
            note: MAY_NOTE,
        },
        SeedInfo {
            name: "65BA0743",
            value: "may:65BA0743",
            note: MAY_NOTE,
        },
        SeedInfo {
            name: "0478620C",
            value: "may:0478620C",
            note: MAY_NOTE,
        },
    ],
    seed_form: "VARIANT:HEX[:TLD,...]: variant `may` or `september`, a 32-bit hex seed and \
                optionally the sample's table of nine TLDs, e.g. september:0F0D5BFA",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "40",
    tlds: &["in", "me", "cc", "su", "tw", "net", "com", "pw", "org"],
    references: &[
        "https://johannesbader.ch/2015/05/the-dga-of-ranbyus/",
        "https://johannesbader.ch/2015/09/ranbyuss-dga-revisited/",
    ],
    bind,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    May,
    September,
}

struct Ranbyus {
    variant: Variant,
    seed: u32,
    tlds: Vec<String>,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let mut parts = raw.trim().split(':');
    let variant = match parts.next().map(str::to_ascii_lowercase).as_deref() {
        Some("may") => Variant::May,
        Some("september" | "sep") => Variant::September,
        _ => return Err(bad()),
    };
    let seed = parse_hex_u32(parts.next().ok_or_else(bad)?, 8).ok_or_else(bad)?;
    let tlds: Vec<String> = parts
        .next()
        .unwrap_or(TLDS)
        .split(',')
        .map(|tld| tld.trim().trim_start_matches('.').to_ascii_lowercase())
        .collect();
    let valid_tld =
        |tld: &String| !tld.is_empty() && tld.bytes().all(|b| b.is_ascii_alphanumeric());
    if tlds.len() != 9 || !tlds.iter().all(valid_tld) || parts.next().is_some() {
        return Err(bad());
    }
    Ok(Box::new(Ranbyus {
        variant,
        seed,
        tlds,
    }))
}

impl Ranbyus {
    /// The TLD of the `index`-th name of a day: the malware counts modulo
    /// eight in a table of nine.
    fn tld(&self, day: u32, index: usize) -> &str {
        let slot = (day as usize + index) % (self.tlds.len() - 1);
        self.tlds.get(slot).map_or("", String::as_str)
    }

    fn may(&self, date: NaiveDate, out: &mut Vec<String>) {
        let (mut day, mut month, mut year) = (date.day(), date.month(), date.year() as u32);
        let mut seed = self.seed;
        for index in 0..COUNT {
            let tld = self.tld(date.day(), index);
            let mut name = String::with_capacity(15 + tld.len());
            for _ in 0..14 {
                day =
                    (day >> 15) ^ ((day & 0x1FFF) ^ (seed ^ day).wrapping_mul(4)).wrapping_mul(16);
                year = ((year & 0xFFFF_FFF0) << 17) ^ ((year ^ year.wrapping_mul(7)) >> 11);
                month =
                    (month & 0xFFFF_FFFE).wrapping_mul(14) ^ ((month ^ month.wrapping_mul(4)) >> 8);
                seed = (seed >> 6) ^ ((day.wrapping_add(seed.wrapping_mul(8)) << 8) & 0x03FF_FF00);
                name.push(char::from(b'a' + ((day ^ month ^ year) % 25) as u8));
            }
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }

    fn september(&self, date: NaiveDate, out: &mut Vec<String>) {
        // Dates before year 0 are meaningless here but must not panic.
        let product = u64::from(date.day() * date.month()).wrapping_mul(date.year() as u64);
        let mut state = product ^ u64::from(self.seed);
        for index in 0..COUNT {
            let tld = self.tld(date.day(), index);
            let mut name = String::with_capacity(18 + tld.len());
            let first = mix(&mut state);
            let second = mix(&mut state);
            for byte in first.iter().chain(&second[..1]) {
                name.push(char::from(b'a' + byte % 25));
            }
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }
}

/// The LCG's multiplier and increment (`mix`).
const MULTIPLIER: u64 = 0x5851_F42D_4C95_7F2D;
const INCREMENT: u64 = 0x1405_7B7E_F767_814F;

/// Three steps of the 64-bit LCG, whose intermediate states are folded into
/// 16 bytes (four little-endian words).
fn mix(state: &mut u64) -> [u8; 16] {
    let step = |x: u64| x.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT);
    let one = step(*state);
    let two = step(one);
    let three = step(two);
    *state = three;
    let low = |x: u64| x as u32;
    let high = |x: u64| (x >> 32) as u32;
    let folded = (low(three >> 24) & 0xFFFF_FF00) | (low(three) >> 24);
    let words = [
        ((folded ^ low(two)) & 0x000F_FFFF) ^ low(two),
        high(two),
        (low(one) & 0xFFF0_0000) | (high(three) >> 12),
        high(one),
    ];
    let mut bytes = [0u8; 16];
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    bytes
}

/// Letters per name of the May variant.
const MAY_LETTERS: usize = 14;

/// Letters per name of the September variant.
const SEPTEMBER_LETTERS: usize = 17;

/// Steps of the May variant's scrambler per day: 14 letters of 40 names.
const MAY_STEPS: usize = MAY_LETTERS * COUNT;

/// Candidates worked on side by side: one vector register of 32-bit lanes
/// with AVX-512.
const LANES: usize = 16;

/// The seed search: every 32-bit seed of the May variant, then every one
/// of the September variant, with the default TLD table.
pub(crate) fn search_value(index: u64) -> String {
    if index < 1 << 32 {
        format!("may:{index:08X}")
    } else {
        format!("september:{:08X}", index - (1 << 32))
    }
}

/// The terms of one day that do not depend on the seed.
struct DayTerms {
    /// The day of the month, the May variant's first state.
    day: u32,
    /// May: `month ^ year` after each scrambling step (neither depends on
    /// the seed).
    month_year: Vec<u32>,
    /// September: the low 32 bits of `day * month * year`, XORed with the
    /// seed to give the low half of the LCG's first state.
    product: u32,
}

/// Ranbyus's cheap test of candidates for the seed search (see
/// [`crate::discover::Sieve`]).
///
/// - May: the day word is the only part of the state that depends on the
///   seed, so per day the month and year words are worked out once; the
///   seed and day words of sixteen candidates are then scrambled side by
///   side (a loop the compiler vectorises), and a name is spelt only if
///   its first two letters are those of an observed name.
/// - September: the low 32 bits of an LCG state depend only on the low 32
///   bits of the state before it, and letters 1, 4, 12 and 17 of a name
///   are bits 24-31 of the low halves of four of its states. Each of those
///   states is `a * x + c` (mod 2^32) from the first state's low half `x`
///   = `seed ^ product`, with `a` and `c` worked out once, so the four
///   letters of all 40 names cost one multiply-add each and no chain; a
///   candidate whose four letters match an observed name is kept for the
///   full check.
///
/// Observed names are compared by label only, so a sample with its own TLD
/// table is not sieved out (the full check then wants the table).
struct RanbyusSieve {
    days: Vec<DayTerms>,
    /// Observed 14-letter labels (May) and their first two letters, as
    /// bit `first * 25 + second`.
    may_labels: AHashSet<[u8; MAY_LETTERS]>,
    may_starts: Vec<u64>,
    /// Observed 17-letter labels (September) as letters 1, 4, 12 and 17,
    /// each 0-24, packed `((l1 * 25 + l4) * 25 + l12) * 25 + l17`; and the
    /// first two of those as bits of `l1 * 25 + l4`.
    september_keys: AHashSet<u32>,
    september_pairs: Vec<u64>,
    /// Per name, multiplier and increment from the first state's low half
    /// to the low halves of the states that give letters 12, 4, 1 and 17
    /// (states 1, 2, 3 and 6 of the name's six).
    september_steps: Vec<[(u32, u32); 4]>,
}

fn bit(set: &[u64], index: usize) -> bool {
    set.get(index / 64)
        .is_some_and(|word| word >> (index % 64) & 1 != 0)
}

fn set_bit(set: &mut [u64], index: usize) {
    if let Some(word) = set.get_mut(index / 64) {
        *word |= 1 << (index % 64);
    }
}

/// The letter of a byte (0-24, as `a + byte % 25` spells it).
#[inline(always)]
fn letter(byte: u32) -> u32 {
    (byte & 0xFF) % 25
}

/// Builds Ranbyus's sieve.
pub(crate) fn sieve(wanted: &Wanted, epochs: &[NaiveDate]) -> Box<dyn Sieve> {
    let days = epochs
        .iter()
        .map(|date| {
            let (mut month, mut year) = (date.month(), date.year() as u32);
            let month_year = (0..MAY_STEPS)
                .map(|_| {
                    year = ((year & 0xFFFF_FFF0) << 17) ^ ((year ^ year.wrapping_mul(7)) >> 11);
                    month = (month & 0xFFFF_FFFE).wrapping_mul(14)
                        ^ ((month ^ month.wrapping_mul(4)) >> 8);
                    month ^ year
                })
                .collect();
            let product = u64::from(date.day() * date.month()).wrapping_mul(date.year() as u64);
            DayTerms {
                day: date.day(),
                month_year,
                product: product as u32,
            }
        })
        .collect();
    let mut sieve = RanbyusSieve {
        days,
        may_labels: AHashSet::new(),
        may_starts: vec![0; 625usize.div_ceil(64)],
        september_keys: AHashSet::new(),
        september_pairs: vec![0; 625usize.div_ceil(64)],
        september_steps: Vec::with_capacity(COUNT),
    };
    for name in wanted.names() {
        let label = name.split(|&b| b == b'.').next().unwrap_or_default();
        if !label.iter().all(|b| (b'a'..=b'y').contains(b)) {
            continue;
        }
        let at = |i: usize| u32::from(label.get(i).copied().unwrap_or(b'a') - b'a');
        if let Ok(may) = <[u8; MAY_LETTERS]>::try_from(label) {
            sieve.may_labels.insert(may);
            set_bit(&mut sieve.may_starts, (at(0) * 25 + at(1)) as usize);
        }
        if label.len() == SEPTEMBER_LETTERS {
            let pair = at(0) * 25 + at(3);
            sieve
                .september_keys
                .insert((pair * 25 + at(11)) * 25 + at(16));
            set_bit(&mut sieve.september_pairs, pair as usize);
        }
    }
    // Low halves of the LCG's steps from the first state: after k steps
    // the state is `a_k * x + c_k`.
    let (mut a, mut c) = (1u32, 0u32);
    let mut affine = Vec::with_capacity(6 * COUNT + 1);
    affine.push((a, c));
    for _ in 0..6 * COUNT {
        a = a.wrapping_mul(MULTIPLIER as u32);
        c = c
            .wrapping_mul(MULTIPLIER as u32)
            .wrapping_add(INCREMENT as u32);
        affine.push((a, c));
    }
    for name in 0..COUNT {
        let at = |k: usize| affine.get(6 * name + k).copied().unwrap_or((0, 0));
        sieve.september_steps.push([at(1), at(2), at(3), at(6)]);
    }
    Box::new(sieve)
}

/// The May variant's day word after each step for sixteen seeds.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
fn may_lanes(seeds: &[u32; LANES], day: u32, out: &mut [[u32; LANES]]) {
    let mut days = [day; LANES];
    let mut seeds = *seeds;
    for out in out.iter_mut() {
        for ((day, seed), out) in days.iter_mut().zip(seeds.iter_mut()).zip(out.iter_mut()) {
            *day =
                (*day >> 15) ^ ((*day & 0x1FFF) ^ (*seed ^ *day).wrapping_mul(4)).wrapping_mul(16);
            *seed = (*seed >> 6) ^ ((day.wrapping_add(seed.wrapping_mul(8)) << 8) & 0x03FF_FF00);
            *out = *day;
        }
    }
}

impl RanbyusSieve {
    fn sift_may(&self, seeds: &[u32; LANES], steps: &mut [[u32; LANES]], hit: &mut [bool; LANES]) {
        for terms in &self.days {
            may_lanes(seeds, terms.day, steps);
            for (lane, hit) in hit.iter_mut().enumerate() {
                let letter_at = |k: usize| {
                    let day = steps.get(k).map_or(0, |s| s[lane]);
                    let month_year = terms.month_year.get(k).copied().unwrap_or(0);
                    (day ^ month_year) % 25
                };
                for name in 0..COUNT {
                    let base = name * MAY_LETTERS;
                    let start = letter_at(base) * 25 + letter_at(base + 1);
                    if !bit(&self.may_starts, start as usize) {
                        continue;
                    }
                    let mut label = [0u8; MAY_LETTERS];
                    for (i, slot) in label.iter_mut().enumerate() {
                        *slot = b'a' + letter_at(base + i) as u8;
                    }
                    if self.may_labels.contains(&label) {
                        *hit = true;
                        break;
                    }
                }
            }
        }
    }

    fn sift_september(&self, seed: u32) -> bool {
        if self.september_keys.is_empty() {
            return false;
        }
        self.days.iter().any(|terms| {
            let x = seed ^ terms.product;
            let low = |(a, c): (u32, u32)| a.wrapping_mul(x).wrapping_add(c) >> 24;
            self.september_steps
                .iter()
                .any(|&[one, two, three, sixth]| {
                    let pair = letter(low(three)) * 25 + letter(low(two));
                    bit(&self.september_pairs, pair as usize) && {
                        let key = (pair * 25 + letter(low(one))) * 25 + letter(low(sixth));
                        self.september_keys.contains(&key)
                    }
                })
        })
    }
}

impl Sieve for RanbyusSieve {
    fn sift(&self, indices: Range<u64>, keep: &mut Vec<u64>) {
        const SEPTEMBER_START: u64 = 1 << 32;
        let mut start = indices.start;
        if self.may_labels.is_empty() {
            start = start.max(SEPTEMBER_START.min(indices.end));
        }
        let mut steps = vec![[0u32; LANES]; MAY_STEPS];
        while start < SEPTEMBER_START.min(indices.end) {
            let end = indices.end.min(SEPTEMBER_START).min(start + LANES as u64);
            let mut seeds = [0u32; LANES];
            for (lane, seed) in seeds.iter_mut().enumerate() {
                // Lanes past `end` repeat a real seed and are ignored.
                *seed = u32::try_from(start + lane as u64).unwrap_or(u32::MAX);
            }
            let mut hit = [false; LANES];
            self.sift_may(&seeds, &mut steps, &mut hit);
            keep.extend(
                (start..end)
                    .zip(hit)
                    .filter(|&(_, hit)| hit)
                    .map(|(index, _)| index),
            );
            start = end;
        }
        for index in start.max(SEPTEMBER_START)..indices.end {
            let seed = (index - SEPTEMBER_START) as u32;
            if self.sift_september(seed) {
                keep.push(index);
            }
        }
    }
}

impl Generator for Ranbyus {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        match self.variant {
            Variant::May => self.may(epoch, out),
            Variant::September => self.september(epoch, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_may_example_domains() {
        assert_names(
            &FAMILY,
            "may:B6354BC3",
            Some("2015-05-14"),
            &reference("ranbyus/may_example_domains.txt"),
        );
    }

    #[test]
    fn matches_bader_september_example_domains() {
        assert_names(
            &FAMILY,
            "september:0F0D5BFA",
            Some("2015-09-25"),
            &reference("ranbyus/september_example_domains.txt"),
        );
    }

    #[test]
    fn reordered_tld_table_changes_only_tlds() {
        let plain = names(&FAMILY, "september:CE7F8514", Some("2015-09-25"));
        let own = names(
            &FAMILY,
            "september:CE7F8514:in,net,org,com,me,su,tw,cc,pw",
            Some("2015-09-25"),
        );
        let sld = |n: &String| n.split('.').next().map(str::to_owned);
        assert_eq!(
            plain.iter().map(sld).collect::<Vec<_>>(),
            own.iter().map(sld).collect::<Vec<_>>()
        );
        assert!(own[0].ends_with(".net"), "day 25 starts at slot 25 % 8 = 1");
    }

    fn d(text: &str) -> NaiveDate {
        text.parse().expect("test date")
    }

    #[test]
    fn the_sieve_keeps_only_the_seeds_that_make_the_names() {
        let epochs = [d("2026-06-10"), d("2026-06-11")];
        // Neither seed is a listed one; the names are late in the day's
        // list, so the sieve must carry the state through all before them.
        for (seed, index) in [
            ("may:1234ABCD", 0x1234_ABCD_u64),
            ("september:DEADBEEF", (1u64 << 32) + 0xDEAD_BEEF),
        ] {
            let observed: Vec<String> = names(&FAMILY, seed, Some("2026-06-11"))
                .into_iter()
                .skip(30)
                .take(2)
                .collect();
            let sieve = sieve(&Wanted::new(&observed), &epochs);
            let mut keep = Vec::new();
            sieve.sift(index - 40..index + 40, &mut keep);
            assert_eq!(keep, vec![index], "{seed}");
            keep.clear();
            sieve.sift(index + 1..index + 3000, &mut keep);
            assert!(keep.is_empty(), "{seed}: {keep:?}");
        }
        // The last May lane group stops at the September boundary, and a
        // name under another TLD table is still kept by its label.
        let observed: Vec<String> = names(
            &FAMILY,
            "september:00000001:in,net,org,com,me,su,tw,cc,pw",
            Some("2026-06-11"),
        );
        let sieve = sieve(&Wanted::new(&observed[39..]), &epochs[1..]);
        let mut keep = Vec::new();
        sieve.sift((1 << 32) - 3..(1 << 32) + 3, &mut keep);
        assert_eq!(keep, vec![(1 << 32) + 1]);
    }

    #[test]
    fn every_listed_seed_binds() {
        for seed in FAMILY.seeds {
            assert!((FAMILY.bind)(seed.value).is_ok(), "{}", seed.name);
        }
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in [
            "",
            "B6354BC3",
            "june:B6354BC3",
            "may:",
            "may:123456789",
            "may:xyz",
            "may:B6354BC3:com",
            "may:B6354BC3:a,b,c,d,e,f,g,h,",
            "may:B6354BC3:a,b,c,d,e,f,g,h,i:extra",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

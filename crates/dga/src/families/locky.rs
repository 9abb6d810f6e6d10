//! Locky, the ransomware spread by the Necurs spam botnet from February 2016.
//!
//! Two DGA versions, both arithmetic on a 32-bit state mixed with the
//! multiplier `0xB11924E1`, a rotation and the constant `0x27100001`:
//!
//! - **v2** (February 2016): Forcepoint re-implemented it in "Locky's New
//!   DGA - Seeding the New Domains"
//!   (<https://www.forcepoint.com/blog/x-labs/lockys-new-dga-seeding-new-domains-russia-update-26feb16>)
//!   and Johannes Bader collected seven sample configurations
//!   (<https://github.com/baderj/domain_generation_algorithms/tree/master/locky>).
//!   A configuration is a seed (0 skips the seed step), a rotation and a
//!   modulus for the name number; 8 names per epoch, 5 to 15 letters, 14
//!   country TLDs.
//! - **v3** (from spring 2016): the state is stirred seven times with the
//!   year counting up; 12 names per epoch, 7 to 17 letters, 10 TLDs. Bader
//!   lists 20 seeds; Nominum published three more seen in DNS traffic
//!   ("The Comings and Goings (and Comings) of Locky",
//!   <http://nominum.com/tech-blog/comings-goings-comings-locky/>).
//!
//! The version is part of the seed: `v2:<seed>[:<rotation>:<modulus>]` or
//! `v3:<seed>`. The date enters as year, month and `day / 2`, so an epoch is
//! day 1 of a month alone, then the pairs (2, 3), (4, 5), ..., the last pair
//! cut short by the end of the month.
//!
//! Tested against Bader's `example_domains.txt` (v2 configuration 1; the date
//! is not recorded there and was found to be the epoch of 2016-02-28) and,
//! for v3, against the twelve names Nominum lists for seed 556677, which are
//! exactly the names of the epoch starting 2017-04-24 (Nominum gives them
//! unordered and dated April 26/27, the day they were first seen, so the test
//! compares sorted lists). The other configurations have no public reference
//! output and are untested beyond sharing the code.

use std::ops::Range;

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::discover::{Sieve, Wanted};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

const MULTIPLIER: u32 = 0xB119_24E1;
const ADDEND: u32 = 0x2710_0001;

const V2_TLDS: &[&str] = &[
    "ru", "pw", "eu", "in", "yt", "pm", "us", "fr", "de", "it", "be", "uk", "nl", "tf",
];
const V3_TLDS: &[&str] = &[
    "ru", "info", "biz", "click", "su", "work", "pl", "org", "pw", "xyz",
];

/// Names per epoch of v2 and v3.
const V2_COUNT: u32 = 8;
const V3_COUNT: u32 = 12;

/// The Locky family.
pub static FAMILY: Family = Family {
    name: "locky",
    aliases: &[],
    summary: "Locky ransomware: seeded arithmetic DGA, versions 2 and 3",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "v2-1",
            value: "v2:62",
            note: "Bader config 1, md5 b28da1f2a5d889594a0e77e0853bcf29",
        },
        SeedInfo {
            name: "v2-2",
            value: "v2:75",
            note: "Bader config 2, md5 e35bf0901f1a7db2b3752f85cd1bd044",
        },
        SeedInfo {
            name: "v2-3",
            value: "v2:9",
            note: "Bader config 3, md5 872018251970f0a739aa71d3cd313efa; Forcepoint 2016-02-25",
        },
        SeedInfo {
            name: "v2-4",
            value: "v2:7",
            note: "Bader config 4, md5 3f118d0b888430ab9f58fc2589207988; Forcepoint 2016-02-24",
        },
        SeedInfo {
            name: "v2-5",
            value: "v2:0:5:6",
            note: "Bader config 5, md5 32e2c73ed8da34d87c64267936e632cb",
        },
        SeedInfo {
            name: "v2-6",
            value: "v2:660",
            note: "Bader config 6, md5 d2ea1565ae004368655edb5169b56a0f",
        },
        SeedInfo {
            name: "v2-7",
            value: "v2:555",
            note: "Bader config 7, md5 69b933a694710f8ceb314dc897a94cbe",
        },
        SeedInfo {
            name: "v3-7077",
            value: "v3:7077",
            note: "Bader v3 config 1, md5 81e85dcaf482aba2f8ea047145490493",
        },
        SeedInfo {
            name: "v3-5566",
            value: "v3:5566",
            note: "Bader v3 config 2, md5 5fb8f8f75342ff68ed8c79cc375f0cd8",
        },
        SeedInfo {
            name: "v3-9106",
            value: "v3:9106",
            note: "Bader v3 config 3, md5 19079496f6abfafd9a99d02098556a79",
        },
        SeedInfo {
            name: "v3-5579",
            value: "v3:5579",
            note: "Bader v3 config 4, md5 0e223d578eaddec361498591ec8c1a19",
        },
        SeedInfo {
            name: "v3-111",
            value: "v3:111",
            note: "Bader v3 config 5, md5 6cb11f4066f74556dd14d27008d867b4",
        },
        SeedInfo {
            name: "v3-9044",
            value: "v3:9044",
            note: "Bader v3 config 6, md5 ed534695e79a2a70e8b15f8873cdfa02 (Sophos Troj/Ransom-CUL)",
        },
        SeedInfo {
            name: "v3-9099",
            value: "v3:9099",
            note: "Bader v3 config 7, md5 bfb5fec661318f07b0eca8520bb8c53f",
        },
        SeedInfo {
            name: "v3-9047",
            value: "v3:9047",
            note: "Bader v3 config 8, md5 a075610a69e196ab74f79508dbcf5eef",
        },
        SeedInfo {
            name: "v3-9133",
            value: "v3:9133",
            note: "Bader v3 config 9, md5 6c3e68307d01e4340c83fac94f237237",
        },
        SeedInfo {
            name: "v3-9199",
            value: "v3:9199",
            note: "Bader v3 config 10, md5 17bf0d1776de896315cb2d63118f9667",
        },
        SeedInfo {
            name: "v3-9190",
            value: "v3:9190",
            note: "Bader v3 config 11 (sample not named)",
        },
        SeedInfo {
            name: "v3-9088",
            value: "v3:9088",
            note: "Bader v3 config 12 (malwr.com analysis)",
        },
        SeedInfo {
            name: "v3-9998",
            value: "v3:9998",
            note: "Bader v3 config 13, md5 6eb8865bf055ba30cc9e2843f16ee461",
        },
        SeedInfo {
            name: "v3-9992",
            value: "v3:9992",
            note: "Bader v3 config 14, md5 b5660f65369abc67cfa4a65e7d0d65d9",
        },
        SeedInfo {
            name: "v3-1511",
            value: "v3:1511",
            note: "Bader v3 config 15, md5 aceec3d6334e925297efc8d4232473c2",
        },
        SeedInfo {
            name: "v3-1513",
            value: "v3:1513",
            note: "Bader v3 config 16 (downloaded sample, malwr.com)",
        },
        SeedInfo {
            name: "v3-1517",
            value: "v3:1517",
            note: "Bader v3 config 17, md5 89f35a5d22088e3ca8664697e895b7a5",
        },
        SeedInfo {
            name: "v3-9056",
            value: "v3:9056",
            note: "Bader v3 config 18, md5 a9d09406e0982d652b6db291558df71a",
        },
        SeedInfo {
            name: "v3-7773",
            value: "v3:7773",
            note: "Bader v3 config 19, from Nominum's 'Locky back' post",
        },
        SeedInfo {
            name: "v3-7743",
            value: "v3:7743",
            note: "Bader v3 config 20, from Nominum's 'Locky back' post",
        },
        SeedInfo {
            name: "v3-63218",
            value: "v3:63218",
            note: "Nominum: last new seed of 2016, first seen 2016-12-12",
        },
        SeedInfo {
            name: "v3-556677",
            value: "v3:556677",
            note: "Nominum: first seen 2017-04-26",
        },
        SeedInfo {
            name: "v3-87133",
            value: "v3:87133",
            note: "Nominum: first seen 2017-05-08",
        },
    ],
    seed_form: "v2:<seed>[:<rotation>:<modulus>] or v3:<seed>, decimal 32-bit numbers, \
                e.g. v2:62, v2:0:5:6 or v3:7077",
    schedule: Schedule::Custom {
        rule: "day 1 of each month alone, then pairs of days (2-3, 4-5, ..., 30-31), UTC",
        epoch: day_pairs,
    },
    lookback: 0,
    names_per_window: "8 (v2) or 12 (v3)",
    tlds: &[
        "ru", "pw", "eu", "in", "yt", "pm", "us", "fr", "de", "it", "be", "uk", "nl", "tf",
        "info", "biz", "click", "su", "work", "pl", "org", "xyz",
    ],
    references: &[
        "https://www.forcepoint.com/blog/x-labs/lockys-new-dga-seeding-new-domains-russia-update-26feb16",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/locky",
        "http://nominum.com/tech-blog/comings-goings-comings-locky/",
    ],
    bind,
};

/// The epoch holding `day`: the days of its month sharing `day / 2`.
fn day_pairs(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let (first, length) = match day.day() {
        1 => (1, 1),
        number => (number & !1, 2),
    };
    let start = day.with_day(first).unwrap_or(day);
    let end = start.checked_add_days(Days::new(length)).unwrap_or(start);
    let next_month = day
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)));
    (start, next_month.map_or(end, |next| end.min(next)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V2 { modulus: u32 },
    V3,
}

struct Locky {
    version: Version,
    seed: u32,
    rotation: u32,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let error = || SeedError::expected(FAMILY.seed_form);
    let raw = raw.trim().to_ascii_lowercase();
    let mut parts = raw.split(':');
    let version = parts.next().ok_or_else(error)?;
    let numbers: Vec<u32> = parts
        .map(|p| p.trim().parse::<u32>().map_err(|_| error()))
        .collect::<Result<_, _>>()?;
    let locky = match (version, numbers.as_slice()) {
        ("v2", &[seed]) => Locky {
            version: Version::V2 { modulus: 8 },
            seed,
            rotation: 7,
        },
        ("v2", &[seed, rotation, modulus]) if (1..32).contains(&rotation) && modulus > 0 => Locky {
            version: Version::V2 { modulus },
            seed,
            rotation,
        },
        ("v3", &[seed]) => Locky {
            version: Version::V3,
            seed,
            rotation: 7,
        },
        _ => return Err(error()),
    };
    Ok(Box::new(locky))
}

impl Locky {
    /// The mixing step used throughout: multiply, then rotate right.
    fn mix(&self, value: u32) -> u32 {
        value.wrapping_mul(MULTIPLIER).rotate_right(self.rotation)
    }

    /// The state a v2 name starts from.
    fn v2_state(&self, day: NaiveDate, number: u32, modulus: u32) -> u32 {
        // Years before 0 are meaningless to the malware; wrap like it would.
        let year = day.year() as u32;
        let mut t = self.mix(year.wrapping_add(0x1BF5));
        if self.seed != 0 {
            t = self.mix(t.wrapping_add(self.seed).wrapping_add(ADDEND));
        }
        t = self.mix(t.wrapping_add(day.day() / 2).wrapping_add(ADDEND));
        t = self.mix(t.wrapping_add(day.month()).wrapping_add(0x2709_A354));
        let sum = (number % modulus)
            .rotate_left(21)
            .wrapping_add(t)
            .wrapping_add(self.seed.rotate_left(17))
            .wrapping_add(ADDEND);
        self.mix(sum).wrapping_add(ADDEND)
    }

    /// The state a v3 name starts from.
    fn v3_state(&self, day: NaiveDate, number: u32) -> u32 {
        let seed_part = self.seed.rotate_left(17);
        let number_part = number.rotate_left(21);
        let mut year = day.year() as u32;
        let mut k: u32 = 0;
        for _ in 0..7 {
            let t0 = self.mix(year.wrapping_add(k).wrapping_add(0x1BF5));
            let t1 = t0.wrapping_add(ADDEND) ^ k;
            let t2 = self.mix(t1.wrapping_add(self.seed));
            let t3 = t2.wrapping_add(ADDEND) ^ t1;
            let t4 = self.mix((day.day() / 2).wrapping_add(t3));
            let t5 = 0xD8EF_FFFF_u32.wrapping_sub(t4).wrapping_add(t3);
            let t6 = self.mix(day.month().wrapping_add(t5).wrapping_sub(0x65CAD));
            let t7 = t5.wrapping_add(t6).wrapping_add(ADDEND);
            let t8 = self.mix(t7.wrapping_add(seed_part).wrapping_add(number_part));
            k = t8.wrapping_add(ADDEND) ^ t7;
            year = year.wrapping_add(1);
        }
        k
    }

    /// Spells a name of `base + state % spread` letters from `state`.
    fn spell(&self, state: u32, base: u32, spread: u32, tlds: &[&str]) -> String {
        let mut buffer = [0u8; NAME_BYTES];
        let length = spell_into(state, self.rotation, base, spread, tlds, &mut buffer);
        buffer[..length].iter().map(|&b| char::from(b)).collect()
    }
}

/// Longest name: 17 letters, a dot and "click".
const NAME_BYTES: usize = 24;

/// Spells into `buffer` the name of `base + state % spread` letters that
/// `state` starts, mixing with `rotation`; returns its length in bytes.
fn spell_into(
    mut state: u32,
    rotation: u32,
    base: u32,
    spread: u32,
    tlds: &[&str],
    buffer: &mut [u8; NAME_BYTES],
) -> usize {
    let mix = |value: u32| value.wrapping_mul(MULTIPLIER).rotate_right(rotation);
    let length = (state % spread + base) as usize;
    let mut at = 0;
    for i in 0..length {
        state = mix(state.rotate_left(i as u32)).wrapping_add(ADDEND);
        if let Some(slot) = buffer.get_mut(at) {
            *slot = b'a' + (state % 25) as u8;
            at += 1;
        }
    }
    let pick = mix(state).wrapping_add(ADDEND) as usize % tlds.len();
    let tld = tlds.get(pick).copied().unwrap_or("ru");
    for &byte in std::iter::once(&b'.').chain(tld.as_bytes()) {
        if let Some(slot) = buffer.get_mut(at) {
            *slot = byte;
            at += 1;
        }
    }
    at
}

impl Generator for Locky {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        match self.version {
            Version::V2 { modulus } => {
                for number in 0..V2_COUNT {
                    let state = self.v2_state(epoch, number, modulus);
                    out.push(self.spell(state, 5, 11, V2_TLDS));
                }
            }
            Version::V3 => {
                for number in 0..V3_COUNT {
                    let state = self.v3_state(epoch, number);
                    out.push(self.spell(state, 7, 11, V3_TLDS));
                }
            }
        }
    }
}

/// The seed search: every 32-bit seed of v2 (default rotation and
/// modulus), then every one of v3.
pub(crate) fn search_value(index: u64) -> String {
    if index < 1 << 32 {
        format!("v2:{index}")
    } else {
        format!("v3:{}", index - (1 << 32))
    }
}

/// Candidates worked on side by side: one vector register of 32-bit lanes
/// with AVX-512.
const LANES: usize = 16;

/// The mixing step with the default rotation, the only one searched.
#[inline(always)]
fn mix7(value: u32) -> u32 {
    value.wrapping_mul(MULTIPLIER).rotate_right(7)
}

/// The terms of one epoch that do not depend on the seed.
#[derive(Debug, Clone, Copy)]
struct DayTerms {
    year: u32,
    half_day: u32,
    month: u32,
    /// v2's first step, `mix(year + 0x1BF5)`.
    year_mixed: u32,
}

/// Locky's cheap test of candidates for the seed search (see
/// [`crate::discover::Sieve`]): per epoch, the start state of each name of
/// sixteen candidates at once (a loop over lanes that the compiler
/// vectorises, compiled for AVX-512 and AVX2 too), then the length and the
/// first letter or two of each name; only names that get that far are
/// spelt out and looked up.
struct LockySieve {
    days: Vec<DayTerms>,
    wanted: Wanted,
}

/// Builds Locky's sieve.
pub(crate) fn sieve(wanted: &Wanted, epochs: &[NaiveDate]) -> Box<dyn Sieve> {
    let days = epochs
        .iter()
        .map(|day| {
            let year = day.year() as u32;
            DayTerms {
                year,
                half_day: day.day() / 2,
                month: day.month(),
                year_mixed: mix7(year.wrapping_add(0x1BF5)),
            }
        })
        .collect();
    Box::new(LockySieve {
        days,
        wanted: wanted.clone(),
    })
}

/// The v2 start states of names 0..8 of sixteen seeds.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
fn v2_lanes(seeds: &[u32; LANES], day: &DayTerms, out: &mut [[u32; LANES]; V2_COUNT as usize]) {
    let mut t = [0u32; LANES];
    for (t, &seed) in t.iter_mut().zip(seeds) {
        let seeded = mix7(day.year_mixed.wrapping_add(seed).wrapping_add(ADDEND));
        let start = if seed != 0 { seeded } else { day.year_mixed };
        let with_day = mix7(start.wrapping_add(day.half_day).wrapping_add(ADDEND));
        *t = mix7(with_day.wrapping_add(day.month).wrapping_add(0x2709_A354));
    }
    for (number, out) in out.iter_mut().enumerate() {
        let number_part = (number as u32).rotate_left(21).wrapping_add(ADDEND);
        for ((out, &t), &seed) in out.iter_mut().zip(&t).zip(seeds) {
            let sum = number_part
                .wrapping_add(t)
                .wrapping_add(seed.rotate_left(17));
            *out = mix7(sum).wrapping_add(ADDEND);
        }
    }
}

/// The v3 start states of name `number` of sixteen seeds.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
fn v3_lanes(seeds: &[u32; LANES], day: &DayTerms, number: u32, out: &mut [u32; LANES]) {
    let number_part = number.rotate_left(21);
    let mut k = [0u32; LANES];
    for round in 0..7u32 {
        let year = day.year.wrapping_add(round);
        for (k, &seed) in k.iter_mut().zip(seeds) {
            let t0 = mix7(year.wrapping_add(*k).wrapping_add(0x1BF5));
            let t1 = t0.wrapping_add(ADDEND) ^ *k;
            let t2 = mix7(t1.wrapping_add(seed));
            let t3 = t2.wrapping_add(ADDEND) ^ t1;
            let t4 = mix7(day.half_day.wrapping_add(t3));
            let t5 = 0xD8EF_FFFF_u32.wrapping_sub(t4).wrapping_add(t3);
            let t6 = mix7(day.month.wrapping_add(t5).wrapping_sub(0x65CAD));
            let t7 = t5.wrapping_add(t6).wrapping_add(ADDEND);
            let t8 = mix7(
                t7.wrapping_add(seed.rotate_left(17))
                    .wrapping_add(number_part),
            );
            *k = t8.wrapping_add(ADDEND) ^ t7;
        }
    }
    *out = k;
}

impl LockySieve {
    /// Marks in `hit` the lanes whose name starting from `states` is wanted.
    fn check(&self, states: &[u32; LANES], base: u32, tlds: &[&str], hit: &mut [bool; LANES]) {
        for (&state, hit) in states.iter().zip(hit.iter_mut()) {
            let length = (state % 11 + base) as usize;
            let first = mix7(state).wrapping_add(ADDEND);
            if !self.wanted.may_start(length, b'a' + (first % 25) as u8) {
                continue;
            }
            let second = mix7(first.rotate_left(1)).wrapping_add(ADDEND);
            if !self.wanted.may_start2(
                length,
                b'a' + (first % 25) as u8,
                b'a' + (second % 25) as u8,
            ) {
                continue;
            }
            let mut buffer = [0u8; NAME_BYTES];
            let end = spell_into(state, 7, base, 11, tlds, &mut buffer);
            if self.wanted.contains(&buffer[..end]) {
                *hit = true;
            }
        }
    }
}

impl Sieve for LockySieve {
    fn sift(&self, indices: Range<u64>, keep: &mut Vec<u64>) {
        const V3_START: u64 = 1 << 32;
        let mut start = indices.start;
        while start < indices.end {
            // A group of lanes never mixes the two versions.
            let limit = if start < V3_START {
                indices.end.min(V3_START)
            } else {
                indices.end
            };
            let end = limit.min(start + LANES as u64);
            let v3 = start >= V3_START;
            let first_seed = if v3 { start - V3_START } else { start };
            let mut seeds = [0u32; LANES];
            for (lane, seed) in seeds.iter_mut().enumerate() {
                // Lanes past `end` repeat a real seed and are ignored.
                *seed = u32::try_from(first_seed + lane as u64).unwrap_or(u32::MAX);
            }
            let mut hit = [false; LANES];
            for day in &self.days {
                if v3 {
                    let mut states = [0u32; LANES];
                    for number in 0..V3_COUNT {
                        v3_lanes(&seeds, day, number, &mut states);
                        self.check(&states, 7, V3_TLDS, &mut hit);
                    }
                } else {
                    let mut states = [[0u32; LANES]; V2_COUNT as usize];
                    v2_lanes(&seeds, day, &mut states);
                    for states in &states {
                        self.check(states, 5, V2_TLDS, &mut hit);
                    }
                }
            }
            keep.extend(
                (start..end)
                    .zip(hit)
                    .filter(|&(_, hit)| hit)
                    .map(|(index, _)| index),
            );
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn matches_bader_example_domains_v2_config_1() {
        // The file does not record its date; it is the epoch 2016-02-28/29.
        assert_names(
            &FAMILY,
            "v2:62",
            Some("2016-02-29"),
            &reference("locky/example_domains.txt"),
        );
    }

    #[test]
    fn matches_nominum_seed_556677() {
        let mut expected = reference("locky/nominum_556677.txt");
        let mut got = names(&FAMILY, "v3:556677", Some("2017-04-24"));
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    }

    #[test]
    fn the_sieve_states_are_the_generator_states() {
        let day = d("2017-04-24");
        let terms = DayTerms {
            year: 2017,
            half_day: 12,
            month: 4,
            year_mixed: mix7(2017 + 0x1BF5),
        };
        let seeds: [u32; LANES] = std::array::from_fn(|l| (l as u32).wrapping_mul(0x9E37_79B9));
        let mut v2 = [[0u32; LANES]; V2_COUNT as usize];
        v2_lanes(&seeds, &terms, &mut v2);
        let mut v3 = [0u32; LANES];
        for (lane, &seed) in seeds.iter().enumerate() {
            let generator = Locky {
                version: Version::V3,
                seed,
                rotation: 7,
            };
            for number in 0..V2_COUNT {
                assert_eq!(
                    v2[number as usize][lane],
                    generator.v2_state(day, number, 8),
                    "v2 seed {seed} name {number}"
                );
            }
        }
        for number in 0..V3_COUNT {
            v3_lanes(&seeds, &terms, number, &mut v3);
            for (lane, &seed) in seeds.iter().enumerate() {
                let generator = Locky {
                    version: Version::V3,
                    seed,
                    rotation: 7,
                };
                assert_eq!(v3[lane], generator.v3_state(day, number), "v3 seed {seed}");
            }
        }
    }

    #[test]
    fn the_sieve_keeps_only_the_seeds_that_make_the_names() {
        let epochs = [d("2017-04-24"), d("2017-04-26")];
        for (seed, index) in [("v3:556677", (1u64 << 32) + 556_677), ("v2:62", 62)] {
            let observed: Vec<String> = names(&FAMILY, seed, Some("2017-04-26"))
                .into_iter()
                .skip(3)
                .take(2)
                .collect();
            let sieve = sieve(&Wanted::new(&observed), &epochs);
            let mut keep = Vec::new();
            sieve.sift(index - 40..index + 40, &mut keep);
            assert_eq!(keep, vec![index], "{seed}");
            keep.clear();
            sieve.sift(index + 1..index + 2000, &mut keep);
            assert!(keep.is_empty(), "{seed}: {keep:?}");
        }
        // Seed 0 of v2 skips the seed step, and the last v2 lane group
        // stops at the v3 boundary.
        let observed = names(&FAMILY, "v2:0", Some("2017-04-26"));
        let sieve = sieve(&Wanted::new(&observed[..1]), &epochs[1..]);
        let mut keep = Vec::new();
        sieve.sift(0..5, &mut keep);
        assert_eq!(keep, vec![0]);
        keep.clear();
        sieve.sift((1 << 32) - 3..(1 << 32) + 3, &mut keep);
        assert!(keep.is_empty(), "{keep:?}");
    }

    #[test]
    fn epochs_pair_days_within_a_month() {
        assert_eq!(
            day_pairs(d("2016-03-01")),
            (d("2016-03-01"), d("2016-03-02"))
        );
        assert_eq!(
            day_pairs(d("2016-03-03")),
            (d("2016-03-02"), d("2016-03-04"))
        );
        assert_eq!(
            day_pairs(d("2016-03-31")),
            (d("2016-03-30"), d("2016-04-01"))
        );
        assert_eq!(
            day_pairs(d("2016-04-30")),
            (d("2016-04-30"), d("2016-05-01"))
        );
        assert_eq!(
            day_pairs(d("2015-02-28")),
            (d("2015-02-28"), d("2015-03-01"))
        );
        assert_eq!(
            day_pairs(d("2016-02-29")),
            (d("2016-02-28"), d("2016-03-01"))
        );
    }

    #[test]
    fn every_listed_seed_binds() {
        for seed in FAMILY.seeds {
            let count = names(&FAMILY, seed.value, Some("2016-06-10")).len();
            assert!(count == 8 || count == 12, "{}", seed.name);
        }
    }

    #[test]
    fn refuses_malformed_seeds() {
        for bad in [
            "",
            "62",
            "v4:1",
            "v2:",
            "v2:x",
            "v2:1:0:8",
            "v2:1:7:0",
            "v2:1:7",
            "v3:1:7",
            "v3:-1",
            "v2:99999999999999999999",
            "v2:1:40:8",
            ":::",
            "\u{1F600}",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn epochs_tile_the_calendar() {
        // Every day lies in its epoch, and the epochs tile the calendar.
        let mut day = d("2015-01-01");
        while day < d("2017-01-01") {
            let (start, end) = day_pairs(day);
            assert!(start <= day && day < end, "{day}: {start}..{end}");
            assert_eq!(day_pairs(start), (start, end), "{day}");
            assert_eq!(day_pairs(end).0, end, "{day}");
            day = day.succ_opt().expect("next day");
        }
    }
}

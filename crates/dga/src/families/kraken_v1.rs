//! Kraken (Bobax, Oderoor), the spam botnet of 2007-2008, in its first,
//! time-independent domain generation algorithm.
//!
//! Described by Johannes Bader, "Kraken's two Domain Generation Algorithms"
//! (2015, <https://johannesbader.ch/2015/12/krakens-two-domain-generation-algorithms/>),
//! after earlier reports by Ligh and Sinclair (DEFCON 16) and Damballa. For
//! each domain number `n` from 1000015 on, a cubic polynomial in `n`
//! (computed in signed 32 bits, then divided by 9) plus a quadratic term
//! and a 32-bit constant seeds the C runtime LCG `r = r * 1103515245 +
//! 12435`; outputs are `(r >> 8) & 0x7fff`. Three outputs fix a length of
//! 6 to 11 letters, each further output one letter. The TLD, a dynamic-DNS
//! zone, is picked by `n % 4`. Each sample has two constants for two
//! slightly different polynomials (Bader's implementation calls the choice
//! "temp file" or not); both names of each number are listed, the one
//! without the temp file first. 1000 numbers give 2000 names, the same on
//! every day.
//!
//! The seed is the pair of constants as 32-bit hex, `temp:no-temp`, e.g.
//! `f0304078:08924541`. Two pairs are known; Bader's list covers pair `a`.
//! The second DGA of Kraken is the family `kraken-v2`.

use ahash::{AHashMap, AHashSet};
use chrono::NaiveDate;

use crate::discover::Wanted;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Domain numbers per run.
const NUMBERS: i32 = 1000;

/// The first domain number.
const FIRST_NUMBER: i32 = 1_000_015;

/// Dynamic-DNS zones, indexed by the domain number modulo 4.
const ZONES: [&str; 4] = ["dyndns.org", "yi.org", "dynserv.com", "mooo.com"];

/// The first Kraken family.
pub static FAMILY: Family = Family {
    name: "kraken-v1",
    aliases: &["kraken", "bobax", "oderoor"],
    summary: "Kraken (Bobax) spam botnet, first DGA: 2000 fixed names under DDNS zones",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "a",
            value: "f0304078:08924541",
            note: "seed set a of Bader's write-up (2015)",
        },
        SeedInfo {
            name: "b",
            value: "e0304079:07924542",
            note: "seed set b of Bader's write-up (2015)",
        },
    ],
    seed_form: "two 32-bit hex constants temp:no-temp, e.g. f0304078:08924541",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "2000",
    tlds: &["org", "com"],
    references: &["https://johannesbader.ch/2015/12/krakens-two-domain-generation-algorithms/"],
    bind,
};

struct KrakenV1 {
    temp: i32,
    no_temp: i32,
}

fn hex32(text: &str) -> Option<i32> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    // The constants are 32-bit patterns; the arithmetic is signed.
    u32::from_str_radix(digits, 16).ok().map(|v| v as i32)
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().to_ascii_lowercase();
    let refuse = || SeedError::expected(FAMILY.seed_form);
    let (temp, no_temp) = seed.split_once(':').ok_or_else(refuse)?;
    Ok(Box::new(KrakenV1 {
        temp: hex32(temp).ok_or_else(refuse)?,
        no_temp: hex32(no_temp).ok_or_else(refuse)?,
    }))
}

/// The C runtime LCG as Kraken uses it: signed 32-bit state.
fn step(state: i32) -> i32 {
    state.wrapping_mul(1_103_515_245).wrapping_add(12_435)
}

/// Bits 8..22 of the state.
fn crop(state: i32) -> i32 {
    (state >> 8) & 0x7fff
}

fn name(mut state: i32, number: i32) -> String {
    let mut draws = [0i64; 3];
    for draw in &mut draws {
        state = step(state);
        *draw = i64::from(crop(state));
    }
    let length = (draws[0] * draws[1] - draws[2]).rem_euclid(6) + 6;
    let zone = ZONES[number.rem_euclid(4) as usize];
    let mut name = String::with_capacity(12 + zone.len());
    for _ in 0..length {
        state = step(state);
        name.push(char::from(b'a' + (crop(state) % 26) as u8));
    }
    name.push('.');
    name.push_str(zone);
    name
}

/// The part of the start state of number `number` that does not depend on
/// the constant: without the temp file (`temp == false`) and with it.
fn polynomial(number: i32, temp: bool) -> i32 {
    if temp {
        let cubic = number.wrapping_mul(number + 7).wrapping_mul(number + 12) / 9;
        cubic.wrapping_add(number.wrapping_mul(number + 1))
    } else {
        let cubic = (number + 2).wrapping_mul(number + 7).wrapping_mul(number) / 9;
        cubic.wrapping_add((number * 3 + 1).wrapping_mul(number))
    }
}

impl Generator for KrakenV1 {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        for number in FIRST_NUMBER..FIRST_NUMBER + NUMBERS {
            let state = polynomial(number, false).wrapping_add(self.no_temp);
            out.push(name(state, number));
            let state = polynomial(number, true).wrapping_add(self.temp);
            out.push(name(state, number));
        }
    }
}

/// Bits of the state that the names depend on: a name uses bits 8-22 of
/// LCG states, and the low bits of an LCG state depend only on the low bits
/// of the one before, so only the low 23 bits of a start state, and so of a
/// constant, matter. Two constants equal in those bits make the same names.
const STATE_BITS: u32 = 23;
const STATE_MASK: u32 = (1 << STATE_BITS) - 1;

/// The seed of search index `index`: the temp constant's 23 bits, then
/// the other's.
pub(crate) fn search_value(index: u64) -> String {
    let low = |bits: u64| (bits & u64::from(STATE_MASK)) as u32;
    format!("{:08x}:{:08x}", low(index >> STATE_BITS), low(index))
}

/// Most constants of each kind put together into candidate seeds.
const MOST_CONSTANTS: usize = 32;

/// The seed search's inversion (see [`crate::discover::Derive`]): every
/// 23-bit start state is spelt once, up to the first letter that differs
/// from the observed labels of its length; a state that spells an observed
/// name gives, for each domain number whose zone the name has, the
/// constant that starts that number there, with and without the temp file.
/// Constants found for the most names are paired into seeds (a kind no
/// name was found for takes the listed seeds' constant), shown with the
/// listed seed's high bits where the low 23 match one and with zero high
/// bits otherwise (they do not change the names).
pub(crate) fn derive(wanted: &Wanted, _epochs: &[NaiveDate], all: bool) -> Vec<String> {
    // Observed labels by length and first letter, with their zone numbers.
    type Label = (Vec<u8>, usize);
    let mut labels: AHashMap<(usize, u8), Vec<Label>> = AHashMap::new();
    for name in wanted.names() {
        let Some(dot) = name.iter().position(|&b| b == b'.') else {
            continue;
        };
        let (label, zone) = (&name[..dot], &name[dot + 1..]);
        let Some(zone) = ZONES.iter().position(|z| z.as_bytes() == zone) else {
            continue;
        };
        if (6..=11).contains(&label.len()) && label.iter().all(u8::is_ascii_lowercase) {
            labels
                .entry((label.len(), label[0]))
                .or_default()
                .push((label.to_vec(), zone));
        }
    }
    // Per kind (no temp file, temp file), per 23-bit constant, the names
    // it makes.
    let mut votes: [AHashMap<u32, AHashSet<usize>>; 2] = Default::default();
    let mut name_id = 0;
    let mut ids: AHashMap<Vec<u8>, usize> = AHashMap::new();
    for start in 0..=STATE_MASK as i32 {
        let mut state = start;
        let mut draws = [0i64; 3];
        for draw in &mut draws {
            state = step(state);
            *draw = i64::from(crop(state));
        }
        let length = ((draws[0] * draws[1] - draws[2]).rem_euclid(6) + 6) as usize;
        state = step(state);
        let first = b'a' + (crop(state) % 26) as u8;
        let Some(candidates) = labels.get(&(length, first)) else {
            continue;
        };
        for (label, zone) in candidates {
            let mut spelt = state;
            let same = label.iter().skip(1).all(|&letter| {
                spelt = step(spelt);
                b'a' + (crop(spelt) % 26) as u8 == letter
            });
            if !same {
                continue;
            }
            let id = *ids.entry(label.clone()).or_insert_with(|| {
                name_id += 1;
                name_id
            });
            for number in
                (FIRST_NUMBER..FIRST_NUMBER + NUMBERS).filter(|n| n.rem_euclid(4) as usize == *zone)
            {
                for (kind, votes) in votes.iter_mut().enumerate() {
                    let constant =
                        (start.wrapping_sub(polynomial(number, kind == 1)) as u32) & STATE_MASK;
                    votes.entry(constant).or_default().insert(id);
                }
            }
        }
    }
    let listed: Vec<(u32, u32)> = FAMILY
        .seeds
        .iter()
        .filter_map(|seed| {
            let (temp, no_temp) = seed.value.split_once(':')?;
            Some((hex32(no_temp)? as u32, hex32(temp)? as u32))
        })
        .collect();
    let full = |kind: usize, low: u32| {
        listed
            .iter()
            .map(|pair| if kind == 0 { pair.0 } else { pair.1 })
            .find(|c| c & STATE_MASK == low)
            .unwrap_or(low)
    };
    // The constants of each kind that make the most names (every one with
    // `all`), listed ones first among equals, at most MOST_CONSTANTS.
    let best = |kind: usize| -> Vec<(usize, u32)> {
        let mut ranked: Vec<(usize, bool, u32)> = votes[kind]
            .iter()
            .map(|(&constant, names)| {
                let constant = full(kind, constant);
                let listed = listed.iter().any(|p| [p.0, p.1][kind] == constant);
                (names.len(), listed, constant)
            })
            .collect();
        ranked.sort_by(|a, b| b.cmp(a));
        let top = ranked.first().map_or(0, |r| r.0);
        ranked
            .into_iter()
            .filter(|r| all || r.0 == top)
            .take(MOST_CONSTANTS)
            .map(|(count, _, constant)| (count, constant))
            .collect()
    };
    let (no_temp, temp) = (best(0), best(1));
    let default = listed.first().copied().unwrap_or_default();
    // A constant's partner in a listed seed, else the default's.
    let partner = |kind: usize, constant: u32| {
        listed
            .iter()
            .find(|p| [p.0, p.1][kind] == constant)
            .map_or([default.1, default.0][kind], |p| [p.1, p.0][kind])
    };
    let mut seeds: Vec<String> = Vec::new();
    let mut add = |t: u32, n: u32| {
        let seed = format!("{t:08x}:{n:08x}");
        if !seeds.contains(&seed) {
            seeds.push(seed);
        }
    };
    // Pairs where both constants have the evidence of two names or more,
    // then each constant with its listed partner.
    for &(t_count, t) in &temp {
        for &(n_count, n) in &no_temp {
            if t_count > 1 && n_count > 1 {
                add(t, n);
            }
        }
    }
    for &(_, n) in &no_temp {
        add(partner(0, n), n);
    }
    for &(_, t) in &temp {
        add(t, partner(1, t));
    }
    seeds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_seed_set_a_domains() {
        assert_names(
            &FAMILY,
            "f0304078:08924541",
            None,
            &reference("kraken-v1/example_domains.txt"),
        );
    }

    #[test]
    fn only_the_low_23_bits_of_a_constant_change_the_names() {
        let names = |seed: &str| crate::families::testing::names(&FAMILY, seed, None);
        assert_eq!(names("12345678:9abcdef0"), names("00345678:003cdef0"));
        assert_ne!(names("12345678:9abcdef0"), names("12745678:9abcdef0"));
    }

    #[test]
    fn names_are_inverted_to_their_constants() {
        let made = crate::families::testing::names(&FAMILY, "12345678:9abcdef0", None);
        // Two names of each kind (no temp file first) and a name of
        // another family.
        let mut observed: Vec<String> = vec![
            made[10].clone(),
            made[11].clone(),
            made[900].clone(),
            made[1501].clone(),
        ];
        observed.push("qwertyuiopas.com".to_owned());
        let seeds = derive(&Wanted::new(&observed), &[], false);
        assert_eq!(seeds.first().map(String::as_str), Some("00345678:003cdef0"));
        // With names of one kind only, the other constant is a listed one.
        let made = crate::families::testing::names(&FAMILY, "f0304078:08924541", None);
        let seeds = derive(&Wanted::new(&made[..1]), &[], false);
        assert_eq!(seeds.first().map(String::as_str), Some("f0304078:08924541"));
    }

    #[test]
    fn refuses_seeds_that_are_not_two_hex_constants() {
        for bad in ["", "f0304078", "f0304078:", "f0304078:xyz", "1:2:3"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

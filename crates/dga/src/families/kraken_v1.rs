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

use chrono::NaiveDate;

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

impl Generator for KrakenV1 {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        for number in FIRST_NUMBER..FIRST_NUMBER + NUMBERS {
            let cubic = (number + 2).wrapping_mul(number + 7).wrapping_mul(number) / 9;
            let quadratic = (number * 3 + 1).wrapping_mul(number);
            let state = cubic.wrapping_add(quadratic).wrapping_add(self.no_temp);
            out.push(name(state, number));

            let cubic = number.wrapping_mul(number + 7).wrapping_mul(number + 12) / 9;
            let quadratic = number.wrapping_mul(number + 1);
            let state = cubic.wrapping_add(quadratic).wrapping_add(self.temp);
            out.push(name(state, number));
        }
    }
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
    fn refuses_seeds_that_are_not_two_hex_constants() {
        for bad in ["", "f0304078", "f0304078:", "f0304078:xyz", "1:2:3"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

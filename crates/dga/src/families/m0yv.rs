//! m0yv, a file-infecting Windows worm long mis-classified as Expiro, in its
//! time-independent variant.
//!
//! The algorithm is known from Johannes Bader's re-implementation
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/m0yv>,
//! 2022) and his video "Sinkholing the Domain Generation Algorithm of m0yv"
//! (<https://youtu.be/3RYbkORtFnk>); Malpedia lists the family at
//! <https://malpedia.caad.fkie.fraunhofer.de/details/win.m0yv>. For each
//! index 0..127 the Microsoft C runtime `rand()` (state times 214013 plus
//! 2531011, output bits 16..30) is seeded with `seed ^ index`; the first
//! output picks a length of 5 to 9 letters, each further output one letter
//! `'a' + rand() % 26`. All names are under `.biz` and do not depend on the
//! date.
//!
//! The seed is the sample's 32-bit magic number in hex. Three are known;
//! the reference list exists for 0x02484a18 only, the other two are tested
//! for nothing but binding. Bader also describes a time-dependent variant
//! that first mixes the year and a week count into the seed; it has no
//! public reference output and is not implemented here.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed.
const COUNT: u32 = 128;

/// The m0yv family.
pub static FAMILY: Family = Family {
    name: "m0yv",
    aliases: &[],
    summary: "m0yv file infector: 128 .biz names from the MSVC rand seeded per index",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "0x02484a18",
            value: "0x02484a18",
            note: "Bader's DGA collection, m0yv/dga.py (2022), default seed",
        },
        SeedInfo {
            name: "0x00128a0e",
            value: "0x00128a0e",
            note: "Bader's DGA collection, m0yv/dga.py (2022), known seed",
        },
        SeedInfo {
            name: "0x7178af3f",
            value: "0x7178af3f",
            note: "Bader's DGA collection, m0yv/dga.py (2022), known seed",
        },
    ],
    seed_form: "the sample's 32-bit magic number in hex, e.g. 0x02484a18",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "128",
    tlds: &["biz"],
    references: &[
        "https://github.com/baderj/domain_generation_algorithms/tree/master/m0yv",
        "https://youtu.be/3RYbkORtFnk",
        "https://malpedia.caad.fkie.fraunhofer.de/details/win.m0yv",
    ],
    bind,
};

struct M0yv {
    seed: u32,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().to_ascii_lowercase();
    let digits = seed.strip_prefix("0x").unwrap_or(&seed);
    let seed =
        u32::from_str_radix(digits, 16).map_err(|_| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(M0yv { seed }))
}

/// The Microsoft C runtime `rand()`.
struct MsvcRand(u32);

impl MsvcRand {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(214_013).wrapping_add(2_531_011);
        (self.0 >> 16) & 0x7fff
    }
}

impl Generator for M0yv {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        for index in 0..COUNT {
            let mut rand = MsvcRand(self.seed ^ index);
            let length = 5 + rand.next() % 5;
            let mut name = String::with_capacity(length as usize + 4);
            for _ in 0..length {
                name.push(char::from(b'a' + (rand.next() % 26) as u8));
            }
            name.push_str(".biz");
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "0x02484a18",
            None,
            &reference("m0yv/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "0x123456789", "xyz", "-1"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

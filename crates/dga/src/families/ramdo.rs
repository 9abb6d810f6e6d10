//! Ramdo (Redyms), a click-fraud trojan active from 2013, whose names are
//! 16 letters under `.org` and do not depend on the date.
//!
//! The algorithm is known from a C++ re-implementation in the andrewaeva
//! DGA collection (<https://github.com/andrewaeva/DGA>, file
//! `dga_algorithms/Ramdo.cpp`), with no write-up of its own. For name number
//! `i` (from 0) and a 32-bit seed `s`, all in 32-bit wrapping arithmetic:
//! `step = (i + 1) * 2s` and `x = step xor 26 i s`; each of the 16 letters is
//! `'a' + x mod 26`, after which `x += x xor 26 k^2 step` for letter number
//! `k`.
//!
//! The seed is the 32-bit number; the only one with public output is
//! `0xDEADBEEF`, the value in `Ramdo.cpp`, which is not tied to a
//! published sample. How many names the malware tries is not documented;
//! this module follows `Ramdo.cpp` and yields 100 000.
//!
//! Reference output: `ramdo_1000.txt` from the same repository is a random
//! sample of the names for `0xDEADBEEF`, in random order, so the test
//! checks that each of its names is generated rather than the order.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed, as in `Ramdo.cpp`.
const COUNT: u32 = 100_000;

/// Letters per name.
const LENGTH: u32 = 16;

/// The Ramdo family.
pub static FAMILY: Family = Family {
    name: "ramdo",
    aliases: &["redyms"],
    summary: "Ramdo click-fraud trojan: 16-letter .org names from a 32-bit seed",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[SeedInfo {
        name: "deadbeef",
        value: "0xDEADBEEF",
        note: "andrewaeva/DGA Ramdo.cpp; not tied to a published sample",
    }],
    seed_form: "a 32-bit hex number, e.g. 0xDEADBEEF",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "100000 (the malware's own count is not documented)",
    tlds: &["org"],
    references: &["https://github.com/andrewaeva/DGA"],
    bind,
};

struct Ramdo {
    seed: u32,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let digits = seed.trim();
    let digits = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        .unwrap_or(digits);
    if digits.starts_with('+') {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    let seed =
        u32::from_str_radix(digits, 16).map_err(|_| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(Ramdo { seed }))
}

impl Generator for Ramdo {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        out.reserve(COUNT as usize);
        let doubled = self.seed.wrapping_shl(1);
        for i in 0..COUNT {
            let step = i.wrapping_add(1).wrapping_mul(doubled);
            let mut x = step ^ i.wrapping_mul(self.seed).wrapping_mul(26);
            let mut name = String::with_capacity(LENGTH as usize + 4);
            for k in 0..LENGTH {
                name.push(char::from(b'a' + (x % 26) as u8));
                x = x.wrapping_add(x ^ step.wrapping_mul(k * k).wrapping_mul(26));
            }
            name.push_str(".org");
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn generates_every_name_of_the_andrewaeva_sample() {
        let expected = reference("ramdo/ramdo_1000.txt");
        assert_eq!(expected.len(), 1000);
        let got = names(&FAMILY, "0xDEADBEEF", None);
        let generated: HashSet<&str> = got.iter().map(String::as_str).collect();
        assert_eq!(generated.len(), COUNT as usize, "names repeat");
        let missing: Vec<&String> = expected
            .iter()
            .filter(|n| !generated.contains(n.as_str()))
            .collect();
        assert!(missing.is_empty(), "not generated: {missing:?}");
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "deadbeefdeadbeef", "ramdo", "+1"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

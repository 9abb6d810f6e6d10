//! DirCrypt, a ransomware that was already inactive when Bader looked at it.
//!
//! Described by Johannes Bader, "The DGA of DirCrypt" (2015,
//! <https://johannesbader.ch/2015/03/the-dga-of-dircrypt/>). The seed is a
//! 32-bit number stored as resource 0x7D of the sample (0xF2113C2A in the
//! sample Bader examined). It drives a Park-Miller style "minimal standard"
//! generator (multiplier 16807, Schrage's decomposition with 127773 and 2836,
//! reduced to 32 bits) that first picks a length of 8 to 20 and then that
//! many letters `a` to `z`. The malware makes 30 names, all `.com`, and the
//! names do not depend on the date, so a window is unlimited.
//!
//! The reference output is Bader's list for seed 0xF2113C2A.

use chrono::NaiveDate;

use super::seed_text::parse_hex_u32;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed: the malware's counter starts at 30.
const COUNT: usize = 30;

/// The DirCrypt family.
pub static FAMILY: Family = Family {
    name: "dircrypt",
    aliases: &[],
    summary: "DirCrypt ransomware: 30 letter names from a seeded minimal-standard generator",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[SeedInfo {
        name: "f2113c2a",
        value: "0xF2113C2A",
        note: "resource 0x7D of the sample in Bader's write-up (2015)",
    }],
    seed_form: "a 32-bit hex number (the sample's resource 0x7D), e.g. 0xF2113C2A",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "30",
    tlds: &["com"],
    references: &["https://johannesbader.ch/2015/03/the-dga-of-dircrypt/"],
    bind,
};

struct DirCrypt {
    seed: u32,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed =
        parse_hex_u32(raw, usize::MAX).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(DirCrypt { seed }))
}

/// The malware's generator: one step of the minimal standard generator in
/// Schrage's form, wrapped to 32 bits as the malware's registers do.
struct Random(u32);

impl Random {
    fn below(&mut self, modulus: u32) -> u32 {
        let x = i64::from(self.0);
        let next = 16807 * (x % 127_773) - 2836 * (x / 127_773);
        // Truncation to the low 32 bits is the point.
        self.0 = next as u32;
        self.0 % modulus
    }
}

impl Generator for DirCrypt {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut random = Random(self.seed);
        for _ in 0..COUNT {
            let length = 8 + random.below(13) as usize;
            let mut name = String::with_capacity(length + 4);
            for _ in 0..length {
                name.push(char::from(b'a' + random.below(26) as u8));
            }
            name.push_str(".com");
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains_for_seed_f2113c2a() {
        assert_names(
            &FAMILY,
            "0xF2113C2A",
            None,
            &reference("dircrypt/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "xyz", "0x1F2113C2A", "+12", "-1", "0x 12"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
        assert!((FAMILY.bind)("f2113c2a").is_ok());
    }
}

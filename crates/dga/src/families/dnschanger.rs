//! DNSChanger (Alureon), the trojan that rewrote victims' DNS settings to
//! rogue resolvers, taken down in Operation Ghost Click (2011).
//!
//! Described by Johannes Bader, "The DGA in Alureon/DNSChanger" (2016,
//! <https://johannesbader.ch/2016/01/the-dga-in-alureon-dnschanger/>). After
//! changing the DNS settings the malware looks up five random `.com` names
//! of ten letters; they are never registered, the rogue name servers learn
//! of new victims from the queries. The letters come from the Microsoft C
//! runtime `rand()` (state times 214013 plus 2531011, output bits 16..30),
//! one `'a' + rand() % 26` per letter, and the generator is seeded at run
//! time, so the names cannot be predicted without the seed: the family is
//! non-deterministic and generates only from an explicit seed.
//!
//! The seed is the 32-bit `srand` value, decimal or `0x` hex. Bit 31 does not
//! change the output. Bader's example list does not record its seed; a
//! search over all seeds found 87373, which is listed as the default and
//! pinned in the test. The names do not depend on the date.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per run of the malware.
const COUNT: usize = 5;

/// Letters per name.
const LENGTH: usize = 10;

/// The DNSChanger family.
pub static FAMILY: Family = Family {
    name: "dnschanger",
    aliases: &["alureon"],
    summary: "DNSChanger (Alureon): five random ten-letter .com names per run",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TIN,
    seeds: &[SeedInfo {
        name: "bader-example",
        value: "87373",
        note: "reproduces the example list of Bader's write-up (2016); found by search",
    }],
    seed_form: "the 32-bit srand seed drawn at run time, decimal or 0x hex, e.g. 87373",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "5",
    tlds: &["com"],
    references: &["https://johannesbader.ch/2016/01/the-dga-in-alureon-dnschanger/"],
    bind,
};

struct DnsChanger {
    seed: u32,
}

fn parse_u32(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = parse_u32(seed.trim()).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(DnsChanger { seed }))
}

impl Generator for DnsChanger {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut state = self.seed;
        for _ in 0..COUNT {
            let mut name = String::with_capacity(LENGTH + 4);
            for _ in 0..LENGTH {
                state = state.wrapping_mul(214_013).wrapping_add(2_531_011);
                let value = (state >> 16) & 0x7fff;
                name.push(char::from(b'a' + (value % 26) as u8));
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
    fn matches_bader_example_domains_with_found_seed() {
        let expected = reference("dnschanger/example_domains.txt");
        assert_names(&FAMILY, "87373", None, &expected);
        assert_names(&FAMILY, "0x8001554d", None, &expected);
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_numbers() {
        for bad in ["", "-1", "4294967296", "0xzz", "seed"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

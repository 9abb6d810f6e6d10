//! Reconyc, a trojan whose DGA is seeded with the tick count.
//!
//! Bader's repository lists it without a write-up
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/reconyc>,
//! sample md5 d7e3bbdc38aa18b214fed3518798b86b, unpacked
//! db0820a974dbea22d981bd39ddb19518). The seed is `GetTickCount()`, the
//! milliseconds since the infected host booted, so the names cannot be
//! predicted: the family is non-deterministic (TIN) and generates only from
//! an explicit tick count, for testing detectors and for attributing names
//! already seen. A Mersenne twister seeded with the tick count draws ten
//! characters per name from a shuffled 62-letter alphabet (`(62 * x) >> 32`);
//! the malware's twist leaves the last state word untouched, which changes
//! the numbers from the 624th draw on. 100 names, all `.com`, in mixed case
//! as the malware queries them.
//!
//! Tested against Bader's example list, whose random seed was recovered by
//! search (434921).

use chrono::NaiveDate;

use super::mt19937::Mt19937;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per run.
const COUNT: usize = 100;

/// Letters per name.
const LENGTH: usize = 10;

/// The malware's alphabet, in its order.
const CHARSET: &[u8; 62] = b"iHRYg79zJXaGw1CF5K0d3vZobhAlx6StUBnjOIMpe2yVuPr4sL8DqmQTkEcWNf";

/// The Reconyc family.
pub static FAMILY: Family = Family {
    name: "reconyc",
    aliases: &[],
    summary: "Reconyc trojan: tick-count seeded Mersenne twister, unpredictable names",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TIN,
    seeds: &[SeedInfo {
        name: "434921",
        value: "434921",
        note: "the tick count behind Bader's example list (recovered by search)",
    }],
    seed_form: "a tick count (milliseconds since boot) as a 32-bit decimal number, e.g. 434921",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "100 per tick-count seed",
    tlds: &["com"],
    references: &["https://github.com/baderj/domain_generation_algorithms/tree/master/reconyc"],
    bind,
};

struct Reconyc {
    seed: u32,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    raw.trim()
        .parse::<u32>()
        .map(|seed| Box::new(Reconyc { seed }) as Box<dyn Generator>)
        .map_err(|_| SeedError::expected(FAMILY.seed_form))
}

impl Generator for Reconyc {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut random = Mt19937::with_short_twist(self.seed);
        for _ in 0..COUNT {
            let mut name = String::with_capacity(LENGTH + 4);
            for _ in 0..LENGTH {
                let index = (u64::from(random.next_u32()) * CHARSET.len() as u64) >> 32;
                let letter = CHARSET.get(index as usize).copied().unwrap_or(b'i');
                name.push(char::from(letter));
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
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "434921",
            None,
            &reference("reconyc/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in ["", "-1", "4294967296", "0x10", "tick"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

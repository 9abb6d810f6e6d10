//! DMSniff, a point-of-sale card skimmer active since at least 2016.
//!
//! Flashpoint reported the malware and its DGA in March 2019 (summarised at
//! <https://cyware.com/news/point-of-sale-malware-dmsniff-targets-credit-card-information-4553affe>),
//! counting eleven variants of the DGA. Johannes Bader re-implemented it for
//! two samples (<https://github.com/baderj/domain_generation_algorithms/tree/master/dmsniff>),
//! which differ only in a two-letter prefix and the order of six small
//! multipliers; the other variants' parameters are not public.
//!
//! For each of the counters 1 to 50 the malware multiplies the counter by
//! each multiplier, halves each product until it is at most 24 and takes it
//! as a letter `a` to `y`; the counter, halved the same way and divided by
//! five, picks the TLD. The prefix comes first. The names do not depend on
//! the date, so a window is unlimited.
//!
//! The seed is the prefix and the multipliers, written `sn:1,7,3,5,11,13`.
//! Both reference lists are Bader's, one per sample.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed: the counter runs from 1 to 50.
const COUNT: u64 = 50;

/// The TLDs, indexed by the halved counter divided by five.
const TLDS: [&str; 5] = ["com", "org", "net", "ru", "in"];

/// The DMSniff family.
pub static FAMILY: Family = Family {
    name: "dmsniff",
    aliases: &[],
    summary: "DMSniff point-of-sale malware: a prefix and letters from halved multiples",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "sn",
            value: "sn:1,7,3,5,11,13",
            note: "sample sha256 f21f30279ab4b3d4cf090dc51f199f454d3d42df71223eb67b7481efeef8715f (Bader)",
        },
        SeedInfo {
            name: "al",
            value: "al:1,3,5,7,11,13",
            note: "sample sha256 92fd43ee62c1551500e4b604d55dcab88424954776d9a1a6074d5084782a486a (Bader)",
        },
    ],
    seed_form: "a prefix of 1 to 16 lower-case letters or digits, a colon and 1 to 16 \
                comma-separated positive multipliers, e.g. sn:1,7,3,5,11,13",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "50",
    tlds: &TLDS,
    references: &[
        "https://cyware.com/news/point-of-sale-malware-dmsniff-targets-credit-card-information-4553affe",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/dmsniff",
    ],
    bind,
};

struct DmSniff {
    prefix: String,
    multipliers: Vec<u64>,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let refuse = || SeedError::expected(FAMILY.seed_form);
    let (prefix, list) = raw.trim().split_once(':').ok_or_else(refuse)?;
    let prefix = prefix.trim().to_ascii_lowercase();
    let prefix_ok = (1..=16).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !prefix_ok {
        return Err(refuse());
    }
    let multipliers = list
        .split(',')
        .map(|m| {
            let m = m.trim();
            // u32 keeps every product with the counter far from overflow.
            match m.parse::<u32>() {
                Ok(value) if value > 0 && m.bytes().all(|b| b.is_ascii_digit()) => {
                    Ok(u64::from(value))
                }
                _ => Err(refuse()),
            }
        })
        .collect::<Result<Vec<u64>, SeedError>>()?;
    if multipliers.len() > 16 {
        return Err(refuse());
    }
    Ok(Box::new(DmSniff {
        prefix,
        multipliers,
    }))
}

/// Halves `value` until it is at most 24.
fn fold(mut value: u64) -> u64 {
    while value > 24 {
        value >>= 1;
    }
    value
}

impl Generator for DmSniff {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        for counter in 1..=COUNT {
            let mut name = String::with_capacity(self.prefix.len() + self.multipliers.len() + 4);
            name.push_str(&self.prefix);
            for multiplier in &self.multipliers {
                // fold() keeps the value at most 24, so it is a letter.
                name.push(char::from(b'a' + fold(multiplier * counter) as u8));
            }
            name.push('.');
            // fold(counter) / 5 is at most 4, inside TLDS.
            name.push_str(TLDS[(fold(counter) / 5) as usize]);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_domains_of_the_sn_sample() {
        assert_names(
            &FAMILY,
            "sn:1,7,3,5,11,13",
            None,
            &reference("dmsniff/domains_sn.txt"),
        );
    }

    #[test]
    fn matches_bader_domains_of_the_al_sample() {
        assert_names(
            &FAMILY,
            "al:1,3,5,7,11,13",
            None,
            &reference("dmsniff/domains_al.txt"),
        );
    }

    #[test]
    fn known_seeds_bind() {
        for seed in FAMILY.seeds {
            assert!((FAMILY.bind)(seed.value).is_ok(), "{}", seed.name);
        }
    }

    #[test]
    fn refuses_malformed_seeds() {
        for bad in [
            "",
            "sn",
            ":1,2",
            "s-n:1,2",
            "sn:",
            "sn:1,,2",
            "sn:0",
            "sn:-1",
            "sn:+1",
            "sn:99999999999",
            "sn:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

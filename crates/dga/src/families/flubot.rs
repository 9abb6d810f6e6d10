//! FluBot (Cabassous), an Android banking trojan spread by SMS in 2021,
//! in its versions 3.x-4.0 whose DGA was published by PRODAFT ("FluBot",
//! March 2021, <https://github.com/prodaft/malware-ioc/tree/master/FluBot>,
//! with per-country seeds, a Python re-implementation and the month lists
//! of versions 3.7-4.0).
//!
//! Names change with the calendar month. The year and the month (counted
//! from 0, as Java's `Calendar.MONTH`) are folded into a 64-bit seed by
//! `j = year ^ month; j *= 2; j *= year ^ j; j *= month ^ j; j *= j`
//! (wrapping), plus a per-campaign constant; the seed drives
//! `java.util.Random`, and each name is 15 letters `a` to `y`
//! (`nextInt(25)`). Name `i` takes `.ru` when `i % 3 == 0`, else a second
//! TLD when `i` is even, else `.cn`; the second TLD was `.com` up to
//! version 3.7 and `.su` from 3.8 on. Versions before 3.7 made 2,000 names
//! a month, later ones 5,000 (the first 2,000 are the same).
//!
//! The seed is `CONSTANT:TLD`, the campaign constant in decimal and the
//! second TLD. PRODAFT named the constants per country: 1136 Spain, 1945
//! Germany, 1949 Hungary, 1813 Italy, 1642 UK; 2931 and 1905 are in its
//! combined list without a country.
//!
//! PRODAFT's lists hold each seed's names for two or three consecutive
//! months of 2021, so a bot may also try the previous month's names; the
//! malware's own rule is not published and no lookback is claimed.
//!
//! Reference output: PRODAFT's March 2021 table (2,000 names of 1136 with
//! `.com`) and the first 50 names of each of the 28 month lists in its
//! version files (every one of the 140,000 names was checked when the
//! fixture was made; see `test-data/flubot/README.md`).

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per month (versions 3.7 on).
const COUNT: usize = 5000;

/// Letters per name.
const LENGTH: usize = 15;

/// The FluBot family.
pub static FAMILY: Family = Family {
    name: "flubot",
    aliases: &["cabassous"],
    summary: "FluBot Android banker: year/month-seeded java.util.Random, 15 letters, monthly",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "spain-com",
            value: "1136:com",
            note: "PRODAFT, Spain, versions up to 3.7 (March 2021 table)",
        },
        SeedInfo {
            name: "spain",
            value: "1136:su",
            note: "PRODAFT, Spain, version 3.8",
        },
        SeedInfo {
            name: "germany",
            value: "1945:su",
            note: "PRODAFT, Germany, version 3.7",
        },
        SeedInfo {
            name: "hungary",
            value: "1949:com",
            note: "PRODAFT, Hungary, version 3.7",
        },
        SeedInfo {
            name: "italy",
            value: "1813:su",
            note: "PRODAFT, Italy, version 3.9",
        },
        SeedInfo {
            name: "uk",
            value: "1642:su",
            note: "PRODAFT, UK, version 4.0",
        },
        SeedInfo {
            name: "2931",
            value: "2931:su",
            note: "PRODAFT's combined list (April 2021), country not given",
        },
        SeedInfo {
            name: "1905",
            value: "1905:su",
            note: "PRODAFT's combined list (April 2021), country not given",
        },
    ],
    seed_form: "CONSTANT:TLD: the campaign constant in decimal and the TLD of even names \
                (com or su), e.g. 1136:su",
    schedule: Schedule::Months,
    lookback: 0,
    names_per_window: "5000",
    tlds: &["ru", "com", "su", "cn"],
    references: &["https://github.com/prodaft/malware-ioc/tree/master/FluBot"],
    bind,
};

struct FluBot {
    constant: i64,
    even_tld: String,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let (constant, tld) = raw.trim().split_once(':').ok_or_else(bad)?;
    let constant = constant.trim();
    if constant.is_empty() || constant.len() > 18 || !constant.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let constant: i64 = constant.parse().map_err(|_| bad())?;
    let tld = tld.trim().trim_start_matches('.').to_ascii_lowercase();
    if tld.is_empty() || !tld.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    Ok(Box::new(FluBot {
        constant,
        even_tld: tld,
    }))
}

/// `java.util.Random`: a 48-bit linear congruential generator.
struct JavaRandom(u64);

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    fn new(seed: i64) -> Self {
        JavaRandom((seed as u64 ^ Self::MULTIPLIER) & Self::MASK)
    }

    /// The next `bits` (at most 32) bits.
    fn next(&mut self, bits: u32) -> u32 {
        self.0 = (self.0.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        (self.0 >> (48 - bits)) as u32
    }

    /// A value in `[0, bound)`, `bound` positive and not a power of two
    /// (the only case FluBot uses), by Java's rejection rule.
    fn next_int(&mut self, bound: u32) -> u32 {
        loop {
            let bits = self.next(31);
            let value = bits % bound;
            // Java rejects when `bits - value + (bound - 1)` overflows i32.
            if bits - value + (bound - 1) < 1 << 31 {
                return value;
            }
        }
    }
}

/// The seed of a month: `month` counts from 0.
fn month_seed(year: i64, month: i64, constant: i64) -> i64 {
    let j = year ^ month;
    let j = j.wrapping_mul(2);
    let j = j.wrapping_mul(year ^ j);
    let j = j.wrapping_mul(month ^ j);
    let j = j.wrapping_mul(j);
    j.wrapping_add(constant)
}

impl Generator for FluBot {
    fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
        let seed = month_seed(
            i64::from(day.year()),
            i64::from(day.month0()),
            self.constant,
        );
        let mut random = JavaRandom::new(seed);
        for i in 0..COUNT {
            let tld = if i % 3 == 0 {
                "ru"
            } else if i % 2 == 0 {
                &self.even_tld
            } else {
                "cn"
            };
            let mut name = String::with_capacity(LENGTH + 1 + tld.len());
            for _ in 0..LENGTH {
                name.push(char::from(b'a' + random.next_int(25) as u8));
            }
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_prodaft_march_2021_table() {
        let expected = reference("flubot/prodaft-readme-2021-03.txt");
        assert_eq!(expected.len(), 2000);
        let got = names(&FAMILY, "1136:com", Some("2021-03-15"));
        assert_eq!(&got[..2000], &expected[..]);
    }

    #[test]
    fn matches_the_start_of_each_prodaft_month_list() {
        let lines = reference("flubot/prodaft-lists.txt");
        assert_eq!(lines.len(), 1400, "50 names of each of 28 lists");
        let mut months = std::collections::BTreeMap::<(&str, &str), Vec<String>>::new();
        for line in &lines {
            let fields: Vec<&str> = line.split(' ').collect();
            let [seed, month, index, name] = fields[..] else {
                panic!("bad line {line:?}");
            };
            let got = months
                .entry((seed, month))
                .or_insert_with(|| names(&FAMILY, seed, Some(&format!("{month}-01"))));
            assert_eq!(got.len(), COUNT);
            let index: usize = index.parse().expect("index");
            assert_eq!(got[index], name, "{seed} {month} name {index}");
        }
        assert_eq!(months.len(), 21, "21 distinct seed-months");
    }

    #[test]
    fn a_month_keeps_its_names_and_the_next_differs() {
        let first = names(&FAMILY, "1136:su", Some("2021-04-01"));
        assert_eq!(first, names(&FAMILY, "1136:su", Some("2021-04-30")));
        assert_ne!(first, names(&FAMILY, "1136:su", Some("2021-05-01")));
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
            "", "1136", "su", ":su", "1136:", "-5:su", "x:su", "1136:s u",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

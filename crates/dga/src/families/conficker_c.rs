//! Conficker C (Microsoft's Conficker.D), the variant of March 2009 that
//! from 2009-04-01 generates 50,000 names a day.
//!
//! The generator is the one of A and B ([`super::conficker`]) with C's own
//! constants. Each name takes `|draw| % 6 + 4` letters (4 to 9), each
//! `|draw| % 26`, then the TLD `|draw| % 116` of the list below. Of the
//! day's 50,000 names the malware contacts 500 chosen at random, so all
//! 50,000 are predicted.
//!
//! Described by Porras, Saidi and Yegneswaran, "An Analysis of Conficker C"
//! (SRI, 2009, <http://www.csl.sri.com/users/vinod/papers/Conficker/addendumC/>);
//! the constants and the order of the TLD list are those of the Rubot
//! project's Conficker module (Chris Lee, <https://github.com/chrislee35/rubot>),
//! whose A and B constants this library verifies against downatool2.
//!
//! Reference output: no dated list of C names is published. The 190
//! Conficker C names in the DGA dataset of Cucchiarelli et al. (2021,
//! github.com/chrmor/DGA_domains_dataset, labels from 360 Netlab's DGA
//! feed) are all generated, each with its TLD, on days from 2014-11-10 to
//! 2014-11-30 (found by generating every day from 2009-04-01 to
//! 2023-01-01); that confirms the constants, the name layout and the TLD
//! order against an independent source, though not against a run of the
//! malware itself. See `test-data/conficker-c/README.md`.
//!
//! The seed is the variant's set of constants (C is the only known set).
//! One epoch is one UTC day with 50,000 names.

use chrono::NaiveDate;

use super::conficker::{parse_constants, Constants, Random};
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: usize = 50_000;

/// The TLDs, indexed by the absolute draw modulo 116.
const TLDS: [&str; 116] = [
    "ac", "ae", "ag", "am", "as", "at", "be", "bo", "bz", "ca", "cd", "ch", "cl", "cn", "co.cr",
    "co.id", "co.il", "co.ke", "co.kr", "co.nz", "co.ug", "co.uk", "co.vi", "co.za", "com.ag",
    "com.ai", "com.ar", "com.bo", "com.br", "com.bs", "com.co", "com.do", "com.fj", "com.gh",
    "com.gl", "com.gt", "com.hn", "com.jm", "com.ki", "com.lc", "com.mt", "com.mx", "com.ng",
    "com.ni", "com.pa", "com.pe", "com.pr", "com.pt", "com.py", "com.sv", "com.tr", "com.tt",
    "com.tw", "com.ua", "com.uy", "com.ve", "cx", "cz", "dj", "dk", "dm", "ec", "es", "fm", "fr",
    "gd", "gr", "gs", "gy", "hk", "hn", "ht", "hu", "ie", "im", "in", "ir", "is", "kn", "kz", "la",
    "lc", "li", "lu", "lv", "ly", "md", "me", "mn", "ms", "mu", "mw", "my", "nf", "nl", "no", "pe",
    "pk", "pl", "ps", "ro", "ru", "sc", "sg", "sh", "sk", "su", "tc", "tj", "tl", "tn", "to", "tw",
    "us", "vc", "vn",
];

/// The Conficker C family.
pub static FAMILY: Family = Family {
    name: "conficker-c",
    aliases: &["conficker.c", "conficker.d"],
    summary: "Conficker C worm: 50,000 names a day from a floating-point PRNG over 116 TLDs",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "c",
        value: "0x2682D10B7:0x19254D38000:0xF1E34A09:0x4F3D859E:0.946270391",
        note: "Conficker C samples (SRI 2009); constants as in Rubot's Conficker module; \
               matches 360 Netlab's C names of November 2014",
    }],
    seed_form: "five constants date_multiplier:date_divisor:date_addend:state_multiplier:draw_addend, \
                four in hex and one decimal, e.g. 0x2682D10B7:0x19254D38000:0xF1E34A09:0x4F3D859E:0.946270391",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "50000",
    tlds: &TLDS,
    references: &[
        "http://www.csl.sri.com/users/vinod/papers/Conficker/addendumC/",
        "https://github.com/chrislee35/rubot",
    ],
    bind,
};

struct ConfickerC {
    constants: Constants,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let constants = parse_constants(seed).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(ConfickerC { constants }))
}

impl Generator for ConfickerC {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        names(Random::for_day(self.constants, epoch), out);
    }
}

/// The day's names from its generator.
///
/// Each draw waits for the one before, and two of its steps turn a 64-bit
/// unsigned integer into a double, which before AVX-512 takes a sequence of
/// several dependent instructions and with it one (`vcvtusi2sd`): compiled
/// for AVX-512 too and chosen at run time, as these 425,000 draws a day
/// were a fifth of a year of every family. Conversions round alike on
/// every path, so the names are the same.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx512dq"))]
fn names(mut random: Random, out: &mut Vec<String>) {
    out.reserve(COUNT);
    for _ in 0..COUNT {
        let length = (random.draw().unsigned_abs() % 6 + 4) as usize;
        let mut name = String::with_capacity(length + 7);
        for _ in 0..length {
            name.push(char::from(b'a' + (random.draw().unsigned_abs() % 26) as u8));
        }
        name.push('.');
        name.push_str(TLDS[(random.draw().unsigned_abs() % 116) as usize]);
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::families::testing::reference;

    /// Every name of the days `from` to `to` (inclusive).
    fn names_between(from: &str, to: &str) -> HashSet<String> {
        let generator = bind(FAMILY.seeds[0].value).expect("the known constants");
        let (from, to): (NaiveDate, NaiveDate) =
            (from.parse().expect("day"), to.parse().expect("day"));
        let mut names = HashSet::new();
        let mut out = Vec::new();
        for day in from.iter_days().take_while(|day| *day <= to) {
            out.clear();
            generator.generate(day, &mut out);
            assert_eq!(out.len(), COUNT, "{day}");
            names.extend(out.drain(..));
        }
        names
    }

    #[test]
    fn generates_every_conficker_c_name_of_360_netlabs_november_2014_feed() {
        let expected = reference("conficker-c/chrmor_sample.txt");
        assert_eq!(expected.len(), 190);
        let november = names_between("2014-11-10", "2014-11-30");
        let missing: Vec<&String> = expected.iter().filter(|n| !november.contains(*n)).collect();
        assert!(missing.is_empty(), "not generated: {missing:?}");
        // Long names cannot match by chance, and a year earlier they are
        // not generated: the date seeds the names.
        let year_before = names_between("2013-11-10", "2013-11-30");
        let long: Vec<&String> = expected
            .iter()
            .filter(|n| n.split('.').next().is_some_and(|label| label.len() >= 7))
            .collect();
        assert!(long.len() > 50, "{}", long.len());
        assert!(long.iter().all(|n| !year_before.contains(*n)));
    }

    #[test]
    fn names_have_four_to_nine_letters_and_a_listed_tld() {
        let generator = bind(FAMILY.seeds[0].value).expect("the known constants");
        let mut out = Vec::new();
        generator.generate("2026-11-26".parse().expect("day"), &mut out);
        let mut lengths = HashSet::new();
        for name in &out {
            let (label, tld) = name.split_once('.').expect("a dot");
            assert!(label.bytes().all(|b| b.is_ascii_lowercase()), "{name}");
            lengths.insert(label.len());
            assert!(TLDS.contains(&tld), "{name}");
        }
        assert_eq!(lengths, (4..=9).collect());
    }

    #[test]
    fn malformed_constants_are_refused() {
        for bad in ["", "0x1:0x2", "c", "0x1:0x0:0x3:0x4:0.5"] {
            assert!(bind(bad).is_err(), "{bad}");
        }
    }
}

//! CryptoLocker, the ransomware of 2013-2014 taken down with GameOver Zeus
//! in Operation Tovar (June 2014).
//!
//! Each UTC day it generates 1000 names. Name `i` starts three 32-bit
//! states from the day, the month and `year + i`, each multiplied by 65537;
//! the day and year states fix the length (12 to 15 letters). For each
//! letter every state takes one shift-and-XOR step of its own and the
//! letter is `(year ^ month ^ day) % 25` (so never `z`). The TLD cycles
//! through seven, `i % 7`. The algorithm has no seed beyond the date.
//!
//! Dell SecureWorks CTU describe the DGA's rate and TLDs in "CryptoLocker
//! Ransomware" (2013,
//! <https://www.secureworks.com/research/cryptolocker-ransomware>); the
//! algorithm itself follows andrewaeva's re-implementation
//! (<https://github.com/andrewaeva/DGA>, `dga_algorithms/Cryptolocker.pl`),
//! which produced the reference output.
//!
//! Reference output: andrewaeva's Perl script, run for 2014-10-07 (found by
//! generating a range of dates; not recorded there) with the index running
//! to 99,999 instead of 999. Its first 1000 names, the malware's whole day,
//! match exactly. Past index 63,521 the script's `(year + i) * 65537`
//! outgrows 32 bits in Perl's 64-bit integers, which changes the first
//! year step; the malware never gets there, but the generator takes the
//! year state as 64 bits so the sample `cryptolocker_1000.txt` (drawn with
//! replacement from all 100,000) can be checked name by name.
//!
//! 360 Netlab's three example domains are names 4 to 6 of 2014-10-20 (date
//! found by search).

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: u32 = 1000;

/// The TLDs, cycled by name index.
const TLDS: [&str; 7] = ["com", "net", "biz", "ru", "org", "co.uk", "info"];

/// The CryptoLocker family.
pub static FAMILY: Family = Family {
    name: "cryptolocker",
    aliases: &["crilock"],
    summary: "CryptoLocker ransomware: 1000 names a day from shift-XOR states of the date",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the only configuration: the algorithm has no seed beyond the date",
    }],
    seed_form: "`default` (or empty): CryptoLocker's names depend on the date only",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1000",
    tlds: &TLDS,
    references: &[
        "https://www.secureworks.com/research/cryptolocker-ransomware",
        "https://github.com/andrewaeva/DGA",
    ],
    bind,
};

struct CryptoLocker;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(CryptoLocker))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

/// Appends the name with index `index` for the day's `day` and `month`
/// states and the year state `year` (`(year + index) * 65537`, 32 bits in
/// the malware).
fn push_name(day: u32, month: u32, year: u64, index: u32, out: &mut Vec<String>) {
    let mut day = day.wrapping_mul(65537);
    let mut month = month.wrapping_mul(65537);
    let length = 12 + (((day >> 3) ^ (year >> 8) as u32 ^ (year >> 11) as u32) & 3) as usize;
    let tld = TLDS[(index % 7) as usize];
    let mut name = String::with_capacity(length + 1 + tld.len());
    // The first step reads all bits of the year state; later ones see only
    // the 32 bits the steps keep.
    let mut year = year;
    for _ in 0..length {
        day = ((day ^ (day << 13)) >> 19) ^ ((day & 0xFFFF_FFFE) << 12);
        month = ((month ^ (month << 2)) >> 25) ^ ((month & 0xFFFF_FFF8) << 4);
        let low = year as u32;
        let stepped = ((low << 3) >> 11) ^ (((year >> 4) as u32) << 21) ^ (year >> 11) as u32;
        year = u64::from(stepped);
        name.push(char::from(b'a' + ((stepped ^ month ^ day) % 25) as u8));
    }
    name.push('.');
    name.push_str(tld);
    out.push(name);
}

impl Generator for CryptoLocker {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let year = epoch.year() as u32;
        for index in 0..COUNT {
            let year_state = year.wrapping_add(index).wrapping_mul(65537);
            push_name(
                epoch.day(),
                epoch.month(),
                u64::from(year_state),
                index,
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_andrewaeva_for_2014_10_07() {
        assert_names(
            &FAMILY,
            "default",
            Some("2014-10-07"),
            &reference("cryptolocker/andrewaeva_2014-10-07.txt"),
        );
    }

    #[test]
    fn andrewaeva_sample_is_drawn_from_its_100000_names_of_2014_10_07() {
        // The Perl script's index ran to 99,999 with 64-bit year states.
        let mut names = Vec::new();
        for index in 0..100_000u32 {
            let year_state = u64::from(2014 + index) * 65537;
            push_name(7, 10, year_state, index, &mut names);
        }
        let names: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
        let sample = reference("cryptolocker/cryptolocker_1000.txt");
        assert_eq!(sample.len(), 1000);
        for name in &sample {
            assert!(names.contains(name.as_str()), "{name} not generated");
        }
    }

    #[test]
    fn netlab_examples_are_names_4_to_6_of_2014_10_20() {
        let got = names(&FAMILY, "default", Some("2014-10-20"));
        let expected = reference("cryptolocker/netlab_examples.txt");
        // The portal lists three consecutive names of the day.
        assert_eq!(got[4..4 + expected.len()], expected[..]);
    }

    #[test]
    fn refuses_any_other_seed() {
        assert!((FAMILY.bind)("0x1234").is_err());
        assert!((FAMILY.bind)("").is_ok());
        assert!((FAMILY.bind)("Default").is_ok());
    }
}

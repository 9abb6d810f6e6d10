//! ZLoader (Terdot, DELoader, "Silent Night"), a banking trojan built on
//! the leaked Zeus source; the DGA appeared in early 2020.
//!
//! Described by Johannes Bader, "The DGA of Zloader" (2020,
//! <https://johannesbader.ch/blog/the-dga-of-zloader/>). The seed is the RC4
//! key from the malware's configuration: the Unix timestamp of 00:00 of the
//! current day, as four little-endian bytes, is RC4-encrypted with the key
//! and read back as a 32-bit number `s`. Each of the 32 names of the day has
//! 20 letters; starting from `r = s` (and carrying `r` over from one name to
//! the next) each letter is `'a' + r mod 25` and then
//! `r = s xor (r + letter)`, so `z` never occurs. All names are `.com`.
//!
//! Any RC4 key works (`--seed <key>`); the keys seen in public are listed as
//! seeds. One epoch is one UTC day (the malware takes midnight of its local
//! day, modelled in UTC).
//!
//! Reference output: Bader's lists for keys `q23Cud3xsNf3` and
//! `41997b4a729e1a0175208305170752dd`, 1000 days from 2020-01-01 each.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// Names per day.
const COUNT: usize = 32;

/// Letters per name.
const LENGTH: usize = 20;

/// The ZLoader family.
pub static FAMILY: Family = Family {
    name: "zloader",
    aliases: &["terdot", "deloader", "silentnight"],
    summary: "ZLoader banking trojan: RC4-encrypted date seeds a 20-letter generator",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "q23cud3xsnf3",
            value: "q23Cud3xsNf3",
            note: "Bader's write-up (2020)",
        },
        SeedInfo {
            name: "41997b4a",
            value: "41997b4a729e1a0175208305170752dd",
            note: "Bader's re-implementation, April 2020",
        },
        SeedInfo {
            name: "kziecw23",
            value: "kZieCw23gffpe43Sd",
            note: "Bader's re-implementation, April 2020",
        },
        SeedInfo {
            name: "ts72yjsj",
            value: "Ts72YjsjO5TghE6m",
            note: "Bader's re-implementation, June 2020",
        },
        SeedInfo {
            name: "03d5ae30",
            value: "03d5ae30a0bd934a23b6a7f0756aa504",
            note: "Bader's re-implementation, March 2021",
        },
    ],
    seed_form: "an RC4 key of 1 to 256 printable ASCII characters, e.g. q23Cud3xsNf3",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "32",
    tlds: &["com"],
    references: &[
        "https://johannesbader.ch/blog/the-dga-of-zloader/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/zloader",
    ],
    bind,
};

struct Zloader {
    /// The RC4 state right after the key schedule.
    state: [u8; 256],
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let key = seed.as_bytes();
    if key.is_empty() || key.len() > 256 || !key.iter().all(|b| b.is_ascii_graphic()) {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    let mut state: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut j = 0u8;
    for (i, &k) in (0..256).zip(key.iter().cycle()) {
        j = j.wrapping_add(state[i]).wrapping_add(k);
        state.swap(i, usize::from(j));
    }
    Ok(Box::new(Zloader { state }))
}

impl Zloader {
    /// RC4-encrypts `data` with a fresh copy of the keyed state.
    fn encrypt(&self, data: &mut [u8]) {
        let mut state = self.state;
        let (mut i, mut j) = (0u8, 0u8);
        for byte in data {
            i = i.wrapping_add(1);
            j = j.wrapping_add(state[usize::from(i)]);
            state.swap(usize::from(i), usize::from(j));
            let k = state[usize::from(state[usize::from(i)].wrapping_add(state[usize::from(j)]))];
            *byte ^= k;
        }
    }
}

impl Generator for Zloader {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // The malware keeps the timestamp in 32 bits.
        let timestamp = (day_number(epoch) * 86_400) as u32;
        let mut bytes = timestamp.to_le_bytes();
        self.encrypt(&mut bytes);
        let seed = u32::from_le_bytes(bytes);
        let mut r = seed;
        for _ in 0..COUNT {
            let mut name = String::with_capacity(LENGTH + 4);
            for _ in 0..LENGTH {
                let letter = b'a' + (r % 25) as u8;
                name.push(char::from(letter));
                r = seed ^ r.wrapping_add(u32::from(letter));
            }
            name.push_str(".com");
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    /// Rebuilds a reference file (date line, then that day's names) from
    /// the dates it lists, and compares the whole of it.
    fn assert_matches_file(key: &str, file: &str) {
        let expected = reference(file);
        let mut got = Vec::with_capacity(expected.len());
        for line in expected.iter().filter(|l| !l.ends_with(".com")) {
            got.push(line.clone());
            got.extend(names(&FAMILY, key, Some(line)));
        }
        assert_eq!(got.len(), 1000 * (COUNT + 1));
        assert_eq!(got, expected);
    }

    #[test]
    fn matches_bader_list_for_key_q23cud3xsnf3() {
        assert_matches_file("q23Cud3xsNf3", "zloader/domains_q23Cud3xsNf3.txt");
    }

    #[test]
    fn matches_bader_list_for_key_41997b4a() {
        assert_matches_file(
            "41997b4a729e1a0175208305170752dd",
            "zloader/domains_41997b4a729e1a0175208305170752dd.txt",
        );
    }

    #[test]
    fn refuses_empty_overlong_or_non_ascii_keys() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)(&"k".repeat(257)).is_err());
        assert!((FAMILY.bind)("cl\u{e9}").is_err());
        assert!((FAMILY.bind)("two words").is_err());
    }
}

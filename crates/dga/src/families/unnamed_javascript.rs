//! An unnamed JavaScript malware whose DGA Johannes Bader described in
//! "A JavaScript-based DGA" (2015,
//! <https://johannesbader.ch/2015/11/a-javascript-based-dga/>). Bader later
//! found it to be an early Proslikefan; his generalised Proslikefan DGA
//! (other magic strings and ten TLDs) belongs to the `proslikefan` family.
//! This module keeps the configuration of the 2015 sample: TLDs `cc`, `co`
//! and `eu`. With magic `OK` the names coincide with Proslikefan's for
//! those TLDs, so a reverse lookup may name both families.
//!
//! For each of ten rounds and each TLD the malware hashes the string
//! `<magic>.<month>.<day>.<year>.<tld>` (numbers without leading zeros)
//! with the Java-style string hash (`h = 31 h + c` in 32-bit signed
//! arithmetic), takes the absolute value and adds the round number. Then it
//! draws letters while the letter count is below `r mod 7 + 6`, where `r`
//! is re-hashed before each letter from the letters so far followed by the
//! decimal digits of `r`; the letter is `r mod 26`. The length bound thus
//! moves with `r`.
//!
//! The seed is the magic string; `OK` is the only one known for this
//! sample. One epoch is one UTC day (the script reads the local date), 30
//! names.
//!
//! Reference output: Bader's example list, made for 2015-11-26 (found by
//! generating a range of dates; the file does not say).

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Rounds per day; each round yields one name per TLD.
const ROUNDS: i64 = 10;

/// The TLDs of the 2015 sample, in the order tried.
const TLDS: [&str; 3] = ["cc", "co", "eu"];

/// The unnamed JavaScript DGA family.
pub static FAMILY: Family = Family {
    name: "unnamed-javascript",
    aliases: &[],
    summary: "Unnamed JavaScript malware (early Proslikefan): string-hash names, 30 a day",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "ok",
        value: "OK",
        note: "Bader's write-up of the 2015 sample",
    }],
    seed_form: "a magic string of printable ASCII without spaces, e.g. OK",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "30",
    tlds: &TLDS,
    references: &[
        "https://johannesbader.ch/2015/11/a-javascript-based-dga/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/unnamed_javascript_dga",
    ],
    bind,
};

struct UnnamedJavascript {
    magic: String,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    if seed.is_empty() || !seed.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    Ok(Box::new(UnnamedJavascript {
        magic: seed.to_owned(),
    }))
}

/// Continues the Java-style string hash over `bytes`.
fn hash(state: i32, bytes: &[u8]) -> i32 {
    bytes.iter().fold(state, |h, &b| {
        h.wrapping_shl(5).wrapping_sub(h).wrapping_add(i32::from(b))
    })
}

/// Writes `value` (never negative here) in decimal into the end of
/// `buffer` and returns the digits.
fn decimal(mut value: i64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &buffer[start..]
}

impl Generator for UnnamedJavascript {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let date = format!(".{}.{}.{}.", epoch.month(), epoch.day(), epoch.year());
        let prefix = hash(hash(0, self.magic.as_bytes()), date.as_bytes());
        let mut digits = [0u8; 20];
        let tld_hashes = TLDS.map(|tld| i64::from(hash(prefix, tld.as_bytes())).abs());
        for round in 0..ROUNDS {
            for (tld, tld_hash) in TLDS.iter().zip(tld_hashes) {
                let mut r = tld_hash + round;
                let mut name = String::with_capacity(16);
                // Hash of the letters drawn so far.
                let mut letters = 0i32;
                while (name.len() as i64) < r % 7 + 6 {
                    r = i64::from(hash(letters, decimal(r, &mut digits))).abs();
                    let letter = b'a' + (r % 26) as u8;
                    letters = hash(letters, &[letter]);
                    name.push(char::from(letter));
                }
                name.push('.');
                name.push_str(tld);
                out.push(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_of_2015_11_26() {
        assert_names(
            &FAMILY,
            "OK",
            Some("2015-11-26"),
            &reference("unnamed-javascript/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_empty_or_spaced_magic() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("O K").is_err());
    }
}

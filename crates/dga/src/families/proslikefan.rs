//! Proslikefan, a JavaScript worm seen from 2016.
//!
//! Described by Johannes Bader, "Proslikefan" (2016,
//! <https://johannesbader.ch/2016/06/proslikefan/>), with a generalised
//! Python re-implementation in
//! <https://github.com/baderj/domain_generation_algorithms/tree/master/proslikefan>.
//! For each of ten counters and each TLD, the string
//! `<magic>.<month>.<day>.<year>.<tld>` (numbers without padding) is hashed
//! with Java's `String.hashCode`; the absolute value plus the counter starts
//! a chain in which each next letter comes from hashing the letters so far
//! followed by the previous value in decimal. The length (6 to 12 letters)
//! is re-read from the running value after every letter.
//!
//! The seed is the magic string, optionally followed by `:` and the
//! comma-separated TLD list (default: eu, biz, se, info, com, net, org, ru,
//! in, name). Two magic strings are known in public, `prospect` and `OK`,
//! both named by Bader; only `prospect` has a public reference output. A
//! window lasts one UTC day: 10 names per TLD, 100 with the default list.
//!
//! Reference output: Bader's `example_domains.txt`, magic `prospect`, whose
//! date is not recorded; it matches 2016-06-17 (the day Bader committed it),
//! pinned in the test.

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Counters per TLD.
const COUNTERS: i64 = 10;

/// TLDs of the known samples, in the malware's order.
const DEFAULT_TLDS: [&str; 10] = [
    "eu", "biz", "se", "info", "com", "net", "org", "ru", "in", "name",
];

/// The Proslikefan family.
pub static FAMILY: Family = Family {
    name: "proslikefan",
    aliases: &[],
    summary: "Proslikefan JavaScript worm: Java string hashes of a magic word and the date",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "prospect",
            value: "prospect",
            note: "Bader's write-up (2016); the reference output uses it",
        },
        SeedInfo {
            name: "ok",
            value: "OK",
            note: "second magic string named by Bader (2016); no public output",
        },
    ],
    seed_form: "a magic string of printable ASCII without ':' or spaces, e.g. prospect, \
                optionally followed by ':' and comma-separated TLDs, e.g. prospect:com,net",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "10 per TLD (100 with the default 10 TLDs)",
    tlds: &DEFAULT_TLDS,
    references: &[
        "https://johannesbader.ch/2016/06/proslikefan/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/proslikefan",
    ],
    bind,
};

struct Proslikefan {
    magic: String,
    tlds: Vec<String>,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let seed = seed.trim();
    let (magic, tlds) = match seed.split_once(':') {
        Some((magic, list)) => {
            let tlds: Vec<String> = list
                .split(',')
                .map(|t| t.trim().trim_start_matches('.').to_ascii_lowercase())
                .collect();
            let valid = |t: &String| {
                !t.is_empty()
                    && t.len() <= 63
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            };
            if !tlds.iter().all(valid) {
                return Err(bad());
            }
            (magic, tlds)
        }
        None => (seed, DEFAULT_TLDS.iter().map(|t| (*t).to_owned()).collect()),
    };
    if magic.is_empty() || magic.len() > 256 || !magic.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Box::new(Proslikefan {
        magic: magic.to_owned(),
        tlds,
    }))
}

/// Java's `String.hashCode`, continued from `hash` over ASCII bytes.
fn java_hash(hash: i32, bytes: &[u8]) -> i32 {
    bytes
        .iter()
        .fold(hash, |h, &b| h.wrapping_mul(31).wrapping_add(i32::from(b)))
}

/// The decimal digits of `value`, written into `buffer`.
fn decimal(mut value: i64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        // value % 10 is 0..=9 for the non-negative values used here.
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 || start == 0 {
            break;
        }
    }
    &buffer[start..]
}

impl Generator for Proslikefan {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let date = format!(
            "{}.{}.{}.{}.",
            self.magic,
            epoch.month(),
            epoch.day(),
            epoch.year()
        );
        let date_hash = java_hash(0, date.as_bytes());
        let mut digits = [0u8; 20];
        let mut label: Vec<u8> = Vec::with_capacity(12);
        for counter in 0..COUNTERS {
            for tld in &self.tlds {
                let start = java_hash(date_hash, tld.as_bytes());
                let mut value = i64::from(start).abs() + counter;
                label.clear();
                // Java hash of the letters so far, extended letter by letter.
                let mut label_hash = 0;
                while (label.len() as i64) < value % 7 + 6 {
                    let hash = java_hash(label_hash, decimal(value, &mut digits));
                    value = i64::from(hash).abs();
                    // value % 26 is 0..=25.
                    let letter = b'a' + (value % 26) as u8;
                    label.push(letter);
                    label_hash = java_hash(label_hash, &[letter]);
                }
                let mut name = String::with_capacity(label.len() + 1 + tld.len());
                name.extend(label.iter().map(|&b| char::from(b)));
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
    fn matches_bader_example_domains_prospect_2016_06_17() {
        assert_names(
            &FAMILY,
            "prospect",
            Some("2016-06-17"),
            &reference("proslikefan/example_domains.txt"),
        );
    }

    #[test]
    fn an_explicit_default_tld_list_changes_nothing() {
        let explicit = names_for("prospect:eu,biz,se,info,com,net,org,ru,in,name");
        assert_eq!(explicit, names_for("prospect"));
    }

    fn names_for(seed: &str) -> Vec<String> {
        crate::families::testing::names(&FAMILY, seed, Some("2016-06-17"))
    }

    #[test]
    fn refuses_bad_magic_or_tlds() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("two words").is_err());
        assert!((FAMILY.bind)("prospect:").is_err());
        assert!((FAMILY.bind)("prospect:com,,net").is_err());
        assert!((FAMILY.bind)("prospect:c*m").is_err());
    }
}

//! Enviserv (Microsoft: Trojan:Win32/Enviserv), a Windows trojan whose DGA
//! 360 Netlab described in 2019.
//!
//! It generates 500 names that do not depend on the date: name `i` is the
//! first five bytes, in lower-case hex, of the MD5 of the seed string
//! followed by `i` in decimal, under the TLD `i % 6` of `com`, `net`,
//! `org`, `info`, `biz`, `in`.
//!
//! Described by 360 Netlab in <https://github.com/360netlab/DGA/issues/53>
//! with a re-implementation at
//! <https://github.com/360netlab/DGA/tree/master/code/enviserv>.
//!
//! The seed is a string embedded in the sample; `papa_koli` is the only one
//! known in public. The names are the same every day.
//!
//! No public reference output; tested against the ten example domains of
//! 360 Netlab's issue, which are the first ten names.

use std::fmt::Write as _;

use chrono::NaiveDate;
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed.
const COUNT: usize = 500;

/// The longest seed string accepted; the known one has 9 characters.
const MAX_SEED_LEN: usize = 256;

/// The TLDs, cycled by name index.
const TLDS: [&str; 6] = ["com", "net", "org", "info", "biz", "in"];

/// The Enviserv family.
pub static FAMILY: Family = Family {
    name: "enviserv",
    aliases: &[],
    summary: "Enviserv trojan: 500 fixed names from MD5 of a seed string and a counter",
    scheme: Scheme::Hash,
    seeding: Seeding::TID,
    seeds: &[SeedInfo {
        name: "papa_koli",
        value: "papa_koli",
        note: "sample 4328048f82811146c0fd9e18faff7155 (360 Netlab, 2019)",
    }],
    seed_form: "the seed string of the sample, printable ASCII without spaces, e.g. papa_koli",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "500",
    tlds: &TLDS,
    references: &[
        "https://github.com/360netlab/DGA/issues/53",
        "https://github.com/360netlab/DGA/tree/master/code/enviserv",
    ],
    bind,
};

struct Enviserv {
    seed: String,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    let printable = seed.bytes().all(|b| b.is_ascii_graphic());
    if seed.is_empty() || seed.len() > MAX_SEED_LEN || !printable {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    Ok(Box::new(Enviserv {
        seed: seed.to_owned(),
    }))
}

impl Generator for Enviserv {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut input = String::with_capacity(self.seed.len() + 3);
        for (index, tld) in (0..COUNT).zip(TLDS.iter().cycle()) {
            input.clear();
            input.push_str(&self.seed);
            // Writing to a String cannot fail.
            let _ = write!(input, "{index}");
            let digest = Md5::digest(input.as_bytes());
            let mut name = String::with_capacity(11 + tld.len());
            for byte in &digest[..5] {
                let _ = write!(name, "{byte:02x}");
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
    fn netlab_examples_are_the_first_names_of_papa_koli() {
        let got = names(&FAMILY, "papa_koli", None);
        assert_eq!(got.len(), COUNT);
        let expected = reference("enviserv/netlab_issue53.txt");
        // The write-up lists only the first ten of the 500 names.
        assert_eq!(got[..expected.len()], expected[..]);
    }

    #[test]
    fn refuses_empty_spaced_or_overlong_seeds() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("papa koli").is_err());
        assert!((FAMILY.bind)("pâpa").is_err());
        assert!((FAMILY.bind)(&"x".repeat(MAX_SEED_LEN + 1)).is_err());
    }
}

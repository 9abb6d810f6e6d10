//! Fobber (Tinba v3), a banking trojan of 2015 related to Tinba.
//!
//! The algorithm is known from Johannes Bader's re-implementation of two
//! versions (<https://github.com/baderj/domain_generation_algorithms/tree/master/fobber>,
//! 2015). A 32-bit state is advanced by a linear congruential step with
//! multiplier 321167 and a per-sample increment, then rotated right by 16
//! bits; each step gives one letter, `(state & 0x17ff) % 26`. Each sample
//! generates 300 names of a fixed length under a fixed TLD; the state
//! carries over from one name to the next. The names do not depend on the
//! date.
//!
//! The seed is the sample's configuration, `state:increment:length:tld`,
//! with state and increment as 32-bit hex numbers, e.g.
//! `c87c8a78:9983f4aa:17:net`. Both known versions are tested against
//! Bader's output lists.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed.
const COUNT: usize = 300;

/// Longest second-level label the configuration may ask for (DNS limit).
const MAX_LENGTH: usize = 63;

/// The Fobber family.
pub static FAMILY: Family = Family {
    name: "fobber",
    aliases: &["tinba-v3"],
    summary: "Fobber (Tinba v3) banking trojan: 300 names from a rotating LCG",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "v1",
            value: "c87c8a78:9983f4aa:17:net",
            note: "version 1, Bader's DGA collection, fobber/dga.py (2015)",
        },
        SeedInfo {
            name: "v2",
            value: "851a3e59:8dc47b21:10:com",
            note: "version 2, Bader's DGA collection, fobber/dga.py (2015)",
        },
    ],
    seed_form: "state:increment:length:tld with state and increment as 32-bit hex \
                numbers and length 1..63, e.g. c87c8a78:9983f4aa:17:net",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "300",
    tlds: &["net", "com"],
    references: &["https://github.com/baderj/domain_generation_algorithms/tree/master/fobber"],
    bind,
};

struct Fobber {
    state: u32,
    increment: u32,
    length: usize,
    /// The TLD with its leading dot.
    suffix: String,
}

fn hex32(text: &str) -> Option<u32> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    u32::from_str_radix(digits, 16).ok()
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().to_ascii_lowercase();
    let refuse = || SeedError::expected(FAMILY.seed_form);
    let parts: Vec<&str> = seed.split(':').collect();
    let [state, increment, length, tld] = parts[..] else {
        return Err(refuse());
    };
    let state = hex32(state).ok_or_else(refuse)?;
    let increment = hex32(increment).ok_or_else(refuse)?;
    let length: usize = length.parse().map_err(|_| refuse())?;
    let tld = tld.trim_start_matches('.');
    let tld_ok = !tld.is_empty() && tld.bytes().all(|b| b.is_ascii_alphanumeric());
    if !(1..=MAX_LENGTH).contains(&length) || !tld_ok {
        return Err(refuse());
    }
    Ok(Box::new(Fobber {
        state,
        increment,
        length,
        suffix: format!(".{tld}"),
    }))
}

impl Generator for Fobber {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut state = self.state;
        for _ in 0..COUNT {
            let mut name = String::with_capacity(self.length + self.suffix.len());
            for _ in 0..self.length {
                state = state
                    .wrapping_mul(321_167)
                    .wrapping_add(self.increment)
                    .rotate_right(16);
                name.push(char::from(b'a' + ((state & 0x17ff) % 26) as u8));
            }
            name.push_str(&self.suffix);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_version_1_domains() {
        assert_names(
            &FAMILY,
            "c87c8a78:9983f4aa:17:net",
            None,
            &reference("fobber/domains_1.txt"),
        );
    }

    #[test]
    fn matches_bader_version_2_domains() {
        assert_names(
            &FAMILY,
            "851a3e59:8dc47b21:10:com",
            None,
            &reference("fobber/domains_2.txt"),
        );
    }

    #[test]
    fn refuses_malformed_configurations() {
        for bad in [
            "",
            "c87c8a78:9983f4aa:17",
            "xyz:9983f4aa:17:net",
            "c87c8a78:9983f4aa:0:net",
            "c87c8a78:9983f4aa:64:net",
            "c87c8a78:9983f4aa:17:",
            "c87c8a78:9983f4aa:17:net:x",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

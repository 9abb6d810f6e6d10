//! XshellGhost: the ShadowPad backdoor planted in NetSarang's Xshell and
//! related products (`nssock2.dll`, July-August 2017).
//!
//! Once a month the backdoor derives one `.com` domain, the base of the
//! DNS names it uses to talk to its server. The 32-bit seed is
//! `0x90422A3A * year - 0x39D06F76 * month - 0x67B7FC6F` (wrapping); the
//! name has `seed % 6 + 10` letters, each `seed % 26`, the seed stepping
//! as `seed * 29 + 19` after every letter. There is no seed beyond the date.
//!
//! Described by Kaspersky Lab, "ShadowPad in corporate networks" (2017,
//! <https://securelist.com/shadowpad-in-corporate-networks/81432/>), and by
//! 360 Netlab (<https://github.com/360netlab/DGA/issues/38>). 360 Netlab's
//! published code swaps the year and month factors and so disagrees with
//! the examples in its own issue; this implementation follows the examples.
//!
//! One epoch is one calendar month (UTC here; the malware reads the local
//! date) with one name.
//!
//! No public reference output; tested against the two example domains of
//! 360 Netlab's issue (August and December 2017).

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The XshellGhost family.
pub static FAMILY: Family = Family {
    name: "xshellghost",
    aliases: &["shadowpad"],
    summary: "ShadowPad in Xshell (2017): one .com name a month from an LCG seeded by the date",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the only configuration: the algorithm has no seed beyond the month",
    }],
    seed_form: "`default` (or empty): XshellGhost's names depend on the month only",
    schedule: Schedule::Months,
    lookback: 0,
    names_per_window: "1",
    tlds: &["com"],
    references: &[
        "https://securelist.com/shadowpad-in-corporate-networks/81432/",
        "https://github.com/360netlab/DGA/issues/38",
    ],
    bind,
};

struct XshellGhost;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(XshellGhost))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

impl Generator for XshellGhost {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let mut seed = 0x9042_2A3Au32
            .wrapping_mul(epoch.year() as u32)
            .wrapping_sub(0x39D0_6F76u32.wrapping_mul(epoch.month()))
            .wrapping_sub(0x67B7_FC6F);
        let length = (seed % 6 + 10) as usize;
        let mut name = String::with_capacity(length + 4);
        for _ in 0..length {
            name.push(char::from(b'a' + (seed % 26) as u8));
            seed = seed.wrapping_mul(29).wrapping_add(19);
        }
        name.push_str(".com");
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_netlab_issue_examples_for_2017_08_and_2017_12() {
        let mut got = names(&FAMILY, "default", Some("2017-08-14"));
        got.extend(names(&FAMILY, "default", Some("2017-12-10")));
        assert_eq!(got, reference("xshellghost/netlab_issue38.txt"));
    }

    #[test]
    fn refuses_any_other_seed() {
        assert!((FAMILY.bind)("2017").is_err());
        assert!((FAMILY.bind)("").is_ok());
    }
}

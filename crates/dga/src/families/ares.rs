//! Ares, a banking trojan descended from Kronos, which in 2022 took up
//! Qakbot's retired DGA with its own seed (Zscaler ThreatLabz, "Ares
//! Banking Trojan Learns Old Tricks: Adds Defunct Qakbot DGA", 2022).
//!
//! The algorithm is Qakbot's (see `qakbot.rs`): the CRC-32 of
//! `"{period}.{month}.{year}.{seed:08x}"` seeds a Mersenne twister for
//! each of the periods days 1-10, 11-20 and 21 to the end of a month; Ares
//! uses the seed `0x9283920`, never the sandbox decoys, and asks for only
//! the first 50 names of a period (150 a month).
//!
//! The seed is the 32-bit number, in decimal or 0x-prefixed hex.
//!
//! Reference output: ThreatLabz's lists of August to December 2022
//! (github.com/ThreatLabz/iocs `ares/`, 750 names, all reproduced) and the
//! in-order example of their tool's README (2022-09-06).

use chrono::NaiveDate;

use super::qakbot;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per period.
const COUNT: usize = 50;

/// The Ares family.
pub static FAMILY: Family = Family {
    name: "ares",
    aliases: &[],
    summary: "Ares banking trojan: Qakbot's CRC-32/Mersenne twister DGA, its own seed, 50 names a period",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "0x9283920",
        value: "0x9283920",
        note: "Zscaler ThreatLabz (2022): the seed of their tool and lists, default",
    }],
    seed_form: "the 32-bit number in the hashed date string, in decimal or 0x-prefixed hex, \
                e.g. 0x9283920",
    schedule: Schedule::Custom {
        rule: "days 1-10, 11-20 and 21 to the end of each month (UTC)",
        epoch: qakbot::period,
    },
    lookback: 0,
    names_per_window: "50",
    tlds: &["com", "net", "org", "info", "biz"],
    references: &[
        "https://www.zscaler.com/blogs/security-research/ares-banking-trojan-learns-old-tricks-adds-defunct-qakbot-dga",
        "https://github.com/ThreatLabz/iocs/tree/main/ares",
        "https://github.com/ThreatLabz/tools/tree/main/ares",
    ],
    bind,
};

struct Ares {
    seed: u32,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let raw = raw.trim();
    let seed = match raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => raw.parse(),
    }
    .map_err(|_| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(Ares { seed }))
}

impl Generator for Ares {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        qakbot::generate_period(self.seed, false, epoch, COUNT, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_threatlabz_lists_of_august_to_december_2022() {
        for month in ["08", "09", "10", "11", "12"] {
            let mut expected = reference(&format!("ares/ares_dga_domains_{month}-2022.txt"));
            assert_eq!(expected.len(), 150, "{month}");
            let mut got = Vec::new();
            for day in ["01", "11", "21"] {
                let period = names(&FAMILY, "0x9283920", Some(&format!("2022-{month}-{day}")));
                assert_eq!(period.len(), 50);
                got.extend(period);
            }
            // ThreatLabz's lists are sorted.
            got.sort();
            expected.sort();
            assert_eq!(got, expected, "{month}");
        }
    }

    #[test]
    fn matches_threatlabz_readme_example_in_order() {
        let got = names(&FAMILY, "0x9283920", Some("2022-09-06"));
        let readme = [
            "avlycvwhwcol.org",
            "aeqpxqnrpvmudmbxtmjo.info",
            "osnktkctrsevlgtlnabcmzruo.org",
            "zelwyuspp.com",
            "eukvwqet.org",
            "pziqexexorsnivchiaedsg.org",
            "ihyzsusqstpvkiozncgaer.info",
            "bkvbdnvxojgpmbrvhji.org",
            "wjyusebg.org",
            "mjhoddxzwopcte.net",
        ];
        assert_eq!(&got[..10], readme);
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in ["", "x", "-1", "4294967296", "0x", "0:sandbox"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

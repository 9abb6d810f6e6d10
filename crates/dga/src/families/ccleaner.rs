//! The DGA of the backdoor shipped in CCleaner 5.33 and CCleaner Cloud
//! 1.07 (August-September 2017).
//!
//! When its hard-coded server did not answer, the backdoor derived one
//! fallback domain per month: it seeds the Microsoft C runtime's `rand`
//! with `year * 10000 + month`, draws three values `r1`, `r2`, `r3` and
//! names the domain `ab` + hex(`r2 * r3`) + hex(`r1`) + `.com` (lower-case
//! hex, no leading zeros). There is no seed beyond the date.
//!
//! Described by Cisco Talos, "CCleanup: A Vast Number of Machines at Risk"
//! (2017, <https://blog.talosintelligence.com/2017/09/avast-distributes-malware.html>)
//! and by 360 CERT (<https://cert.360.cn/warning/detail?id=0dc8a230ad210be8a8b872a73b18d220>),
//! whose re-implementation is at <https://github.com/360netlab/DGA/tree/master/code/ccleaner>.
//!
//! One epoch is one calendar month (UTC here; the malware reads the local
//! date) with one name.
//!
//! No public reference output; tested against 360 Netlab's example domains
//! (three months, found by generating 2015-2020).

use chrono::{Datelike, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The CCleaner family.
pub static FAMILY: Family = Family {
    name: "ccleaner",
    aliases: &[],
    summary: "CCleaner 5.33 backdoor (2017): one ab<hex>.com name a month from msvcrt rand",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the only configuration: the algorithm has no seed beyond the date",
    }],
    seed_form: "`default` (or empty): the CCleaner DGA depends on the month only",
    schedule: Schedule::Months,
    lookback: 0,
    names_per_window: "1",
    tlds: &["com"],
    references: &[
        "https://blog.talosintelligence.com/2017/09/avast-distributes-malware.html",
        "https://cert.360.cn/warning/detail?id=0dc8a230ad210be8a8b872a73b18d220",
        "https://github.com/360netlab/DGA/tree/master/code/ccleaner",
    ],
    bind,
};

struct Ccleaner;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(Ccleaner))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

/// The Microsoft C runtime's `rand`: a 32-bit LCG returning bits 16-30.
struct MsvcrtRand(u32);

impl MsvcrtRand {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(0x0003_43FD).wrapping_add(0x0026_9EC3);
        (self.0 >> 16) & 0x7FFF
    }
}

impl Generator for Ccleaner {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        // srand takes an unsigned int; years before 0 wrap as in C.
        let seed = (epoch.year() as u32)
            .wrapping_mul(10_000)
            .wrapping_add(epoch.month());
        let mut rand = MsvcrtRand(seed);
        let first = rand.next();
        let second = rand.next();
        let third = rand.next();
        out.push(format!("ab{:x}{:x}.com", second * third, first));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_netlab_examples_for_2017_09_02_and_11() {
        let mut got = Vec::new();
        for month in ["2017-09-01", "2017-02-01", "2017-11-01"] {
            got.extend(names(&FAMILY, "default", Some(month)));
        }
        assert_eq!(got, reference("ccleaner/netlab_examples.txt"));
    }

    #[test]
    fn a_month_has_one_name_whatever_the_day() {
        assert_eq!(
            names(&FAMILY, "", Some("2017-09-30")),
            names(&FAMILY, "", Some("2017-09-01"))
        );
    }

    #[test]
    fn refuses_any_other_seed() {
        assert!((FAMILY.bind)("0x1").is_err());
        assert!((FAMILY.bind)("default").is_ok());
    }
}

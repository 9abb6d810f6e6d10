//! Qakbot (Qbot, Pinkslipbot), a banking trojan and worm seen since 2007.
//!
//! Described by Johannes Bader, "The DGA of Qakbot" (2016,
//! <https://johannesbader.ch/2016/02/the-dga-of-qakbot/>). Each month is cut
//! into three periods: days 1–10, 11–20 and 21 to the end. The string
//! `"{period}.{month}.{year}.{seed:08x}"` (period 0, 1 or 2, month as a
//! lower-case English abbreviation) is hashed with CRC-32; the checksum,
//! plus one when the malware believes it runs in a sandbox, seeds a
//! standard MT19937. Each name takes a TLD index, a length of 8 to 25 and
//! then its letters from that generator, each draw scaled from 28 bits.
//! 5000 names per period.
//!
//! The seed is the 32-bit number formatted into the hashed string (0 or 1
//! in Bader's script) plus the sandbox flag, written `SEED` or
//! `SEED:sandbox`. The sandbox names are the decoys the malware queries when
//! it detects analysis; they are listed so that they can be recognised too.
//!
//! Tested against Bader's example list (seed 0, no sandbox, pinned to the
//! period starting 2016-02-21).

use chrono::{Datelike, Months, NaiveDate};

use super::mt19937::Mt19937;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per period.
const COUNT: usize = 5000;

/// The malware's TLD table; `org` is in it twice.
const TLDS: [&str; 6] = ["com", "net", "org", "info", "biz", "org"];

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The Qakbot family.
pub static FAMILY: Family = Family {
    name: "qakbot",
    aliases: &["qbot", "pinkslipbot", "quakbot"],
    summary: "Qakbot banking trojan: CRC-32 of the date period seeds a Mersenne twister",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "0",
            value: "0",
            note: "Bader's write-up and script (2016), default",
        },
        SeedInfo {
            name: "1",
            value: "1",
            note: "Bader's script (2016), the other seed it offers",
        },
        SeedInfo {
            name: "0-sandbox",
            value: "0:sandbox",
            note: "Bader's write-up (2016): decoy names when a sandbox is detected",
        },
        SeedInfo {
            name: "1-sandbox",
            value: "1:sandbox",
            note: "Bader's script (2016): decoy names when a sandbox is detected",
        },
    ],
    seed_form: "SEED or SEED:sandbox: the 32-bit number in the hashed date string, \
                in decimal or 0x-prefixed hex (0 or 1 seen), e.g. 0 or 1:sandbox",
    schedule: Schedule::Custom {
        rule: "days 1-10, 11-20 and 21 to the end of each month (UTC)",
        epoch: period,
    },
    lookback: 0,
    names_per_window: "5000",
    tlds: &["com", "net", "org", "info", "biz"],
    references: &[
        "https://johannesbader.ch/2016/02/the-dga-of-qakbot/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/qakbot",
    ],
    bind,
};

/// The period holding `day`: days 1–10, 11–20 or 21 to the month's end.
pub(super) fn period(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start_day = match day.day() {
        1..=10 => 1,
        11..=20 => 11,
        _ => 21,
    };
    let start = day.with_day(start_day).unwrap_or(day);
    let end = match start_day {
        21 => day
            .with_day(1)
            .and_then(|first| first.checked_add_months(Months::new(1))),
        _ => day.with_day(start_day + 10),
    };
    (start, end.unwrap_or(NaiveDate::MAX))
}

struct Qakbot {
    seed: u32,
    sandbox: bool,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let raw = raw.trim();
    let (number, sandbox) = match raw.split_once(':') {
        None => (raw, false),
        Some((number, flag)) if flag.eq_ignore_ascii_case("sandbox") => (number, true),
        Some(_) => return Err(bad()),
    };
    let seed = match number
        .strip_prefix("0x")
        .or_else(|| number.strip_prefix("0X"))
    {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => number.parse(),
    }
    .map_err(|_| bad())?;
    Ok(Box::new(Qakbot { seed, sandbox }))
}

/// A number in `lower..=upper`: 28 random bits scaled to the range, as the
/// malware does with a floating-point multiply (exact here).
fn between(random: &mut Mt19937, lower: u32, upper: u32) -> u32 {
    let bits = u64::from(random.next_u32() & 0x0FFF_FFFF);
    lower + ((bits * u64::from(upper - lower + 1)) >> 28) as u32
}

impl Generator for Qakbot {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        generate_period(self.seed, self.sandbox, epoch, COUNT, out);
    }
}

/// The first `count` names of the period starting `epoch` for `seed` (and
/// the sandbox flag); shared with Ares, which reuses this DGA.
pub(super) fn generate_period(
    seed: u32,
    sandbox: bool,
    epoch: NaiveDate,
    count: usize,
    out: &mut Vec<String>,
) {
    let period = ((epoch.day() - 1) / 10).min(2);
    let month = MONTHS
        .get(epoch.month0() as usize)
        .copied()
        .unwrap_or_default();
    let text = format!("{period}.{month}.{}.{seed:08x}", epoch.year());
    let checksum = crc32fast::hash(text.as_bytes());
    let mut random = Mt19937::new(checksum.wrapping_add(u32::from(sandbox)));
    for _ in 0..count {
        let tld = TLDS
            .get(between(&mut random, 0, 5) as usize)
            .copied()
            .unwrap_or_default();
        let length = between(&mut random, 8, 25);
        let mut name = String::with_capacity(length as usize + 1 + tld.len());
        for _ in 0..length {
            name.push(char::from(b'a' + between(&mut random, 0, 25) as u8));
        }
        name.push('.');
        name.push_str(tld);
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "0",
            Some("2016-02-21"),
            &reference("qakbot/example_domains.txt"),
        );
    }

    #[test]
    fn periods_split_months_in_three() {
        assert_eq!(period(d("2016-02-01")), (d("2016-02-01"), d("2016-02-11")));
        assert_eq!(period(d("2016-02-20")), (d("2016-02-11"), d("2016-02-21")));
        assert_eq!(period(d("2016-02-29")), (d("2016-02-21"), d("2016-03-01")));
        assert_eq!(period(d("2016-12-31")), (d("2016-12-21"), d("2017-01-01")));
    }

    #[test]
    fn sandbox_names_differ() {
        let day = Some("2016-02-21");
        assert_ne!(names(&FAMILY, "0", day), names(&FAMILY, "0:sandbox", day));
    }

    #[test]
    fn every_listed_seed_binds() {
        for seed in FAMILY.seeds {
            assert!((FAMILY.bind)(seed.value).is_ok(), "{}", seed.name);
        }
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in ["", "x", "-1", "4294967296", "0:box", "0:sandbox:1", "0x"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

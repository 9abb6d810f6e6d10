//! m0yv, a file-infecting Windows worm long mis-classified as Expiro, in its
//! time-independent variant.
//!
//! The algorithm is known from Johannes Bader's re-implementation
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/m0yv>,
//! 2022) and his video "Sinkholing the Domain Generation Algorithm of m0yv"
//! (<https://youtu.be/3RYbkORtFnk>); Malpedia lists the family at
//! <https://malpedia.caad.fkie.fraunhofer.de/details/win.m0yv>. For each
//! index 0..127 the Microsoft C runtime `rand()` (state times 214013 plus
//! 2531011, output bits 16..30) is seeded with `seed ^ index`; the first
//! output picks a length of 5 to 9 letters, each further output one letter
//! `'a' + rand() % 26`. All names are under `.biz` and do not depend on the
//! date.
//!
//! The seed is the sample's 32-bit magic number in hex. Three are known;
//! the reference list exists for 0x02484a18 only, the other two are tested
//! for nothing but binding.
//!
//! [`TIME_DEPENDENT`] (`m0yv-td`) is the variant Bader describes in
//! `dga-td.py` of the same folder: before the loop the magic number plus the
//! year is put through `week` steps of "add one, rotate left by one bit"
//! (32-bit), where `week` is `(30.5 * month - day) / 7` truncated toward
//! zero; the result replaces the magic number above. `week` is not a
//! calendar week: it falls by one every seven days within a month and jumps
//! at each month's start, so an epoch is a run of days of one month with the
//! same value (1 to 8 days), and a value can recur later in the year (the
//! names of 1-2 January return on 27-28 February). No list published with
//! the write-up exists; the tests compare against the output of Bader's
//! `dga-td.py` (commit 0dead35) run for three dates and the three seeds,
//! and say so. Bader's script adds the year without wrapping, which
//! differs from 32-bit arithmetic only for magic numbers so close to 2^32
//! that adding the year overflows (none known); cautery wraps, as the
//! malware's registers do.

use chrono::{Datelike, Days, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed.
const COUNT: u32 = 128;

/// The m0yv family.
pub static FAMILY: Family = Family {
    name: "m0yv",
    aliases: &[],
    summary: "m0yv file infector: 128 .biz names from the MSVC rand seeded per index",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: SEEDS,
    seed_form: "the sample's 32-bit magic number in hex, e.g. 0x02484a18",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "128",
    tlds: &["biz"],
    references: &[
        "https://github.com/baderj/domain_generation_algorithms/tree/master/m0yv",
        "https://youtu.be/3RYbkORtFnk",
        "https://malpedia.caad.fkie.fraunhofer.de/details/win.m0yv",
    ],
    bind,
};

/// The magic numbers known in public, shared by both variants (Bader lists
/// the same three for each).
const SEEDS: &[SeedInfo] = &[
    SeedInfo {
        name: "0x02484a18",
        value: "0x02484a18",
        note: "Bader's DGA collection, m0yv/dga.py (2022), default seed",
    },
    SeedInfo {
        name: "0x00128a0e",
        value: "0x00128a0e",
        note: "Bader's DGA collection, m0yv/dga.py (2022), known seed",
    },
    SeedInfo {
        name: "0x7178af3f",
        value: "0x7178af3f",
        note: "Bader's DGA collection, m0yv/dga.py (2022), known seed",
    },
];

/// The time-dependent m0yv variant.
pub static TIME_DEPENDENT: Family = Family {
    name: "m0yv-td",
    aliases: &[],
    summary: "m0yv file infector, time-dependent variant: 128 .biz names per run of days \
              with the same year and 'week' count",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: SEEDS,
    seed_form: "the sample's 32-bit magic number in hex, e.g. 0x02484a18",
    schedule: Schedule::Custom {
        rule: "1 to 8 days (UTC): the days of one month with the same (30.5 * month - day) / 7",
        epoch: week_run_of,
    },
    lookback: 0,
    names_per_window: "128",
    tlds: &["biz"],
    references: &[
        "https://github.com/baderj/domain_generation_algorithms/tree/master/m0yv",
        "https://youtu.be/3RYbkORtFnk",
        "https://malpedia.caad.fkie.fraunhofer.de/details/win.m0yv",
    ],
    bind: bind_time_dependent,
};

struct M0yv {
    seed: u32,
}

struct M0yvTimeDependent {
    seed: u32,
}

fn parse_seed(seed: &str) -> Result<u32, SeedError> {
    super::seed_text::parse_hex_u32(seed, 8).ok_or_else(|| SeedError::expected(FAMILY.seed_form))
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    Ok(Box::new(M0yv {
        seed: parse_seed(seed)?,
    }))
}

fn bind_time_dependent(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    Ok(Box::new(M0yvTimeDependent {
        seed: parse_seed(seed)?,
    }))
}

/// The malware's "week": `(30.5 * month - day) / 7`, computed in floating
/// point and truncated toward zero (late January gives a small negative
/// quotient, which truncates to 0).
fn week(day: NaiveDate) -> u32 {
    let quotient = (30.5 * f64::from(day.month()) - f64::from(day.day())) / 7.0;
    // Truncation toward zero, as the malware's conversion does; the quotient
    // lies between -0.1 and 52.2.
    quotient as i32 as u32
}

/// The first and the day after the last day of the run of days in `day`'s
/// month that share its week count.
fn week_run_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let value = week(day);
    let same = |other: &NaiveDate| other.month() == day.month() && week(*other) == value;
    let mut start = day;
    while let Some(previous) = start.pred_opt().filter(same) {
        start = previous;
    }
    let mut end = day;
    while let Some(next) = end.succ_opt().filter(same) {
        end = next;
    }
    (start, end.checked_add_days(Days::new(1)).unwrap_or(end))
}

/// The time-dependent seed: the magic number plus the year, then `week`
/// times "add one, rotate left by one", in 32 bits.
fn seed_of_day(seed: u32, day: NaiveDate) -> u32 {
    // Years before 0 do not occur in the engine's range; a negative year
    // would wrap as the malware's unsigned addition does.
    let mut secret = seed.wrapping_add(day.year() as u32);
    for _ in 0..week(day) {
        secret = secret.wrapping_add(1).rotate_left(1);
    }
    secret
}

/// Appends the 128 names drawn from `secret`.
fn names_from(secret: u32, out: &mut Vec<String>) {
    for index in 0..COUNT {
        let mut rand = MsvcRand(secret ^ index);
        let length = 5 + rand.next() % 5;
        let mut name = String::with_capacity(length as usize + 4);
        for _ in 0..length {
            name.push(char::from(b'a' + (rand.next() % 26) as u8));
        }
        name.push_str(".biz");
        out.push(name);
    }
}

/// The Microsoft C runtime `rand()`.
struct MsvcRand(u32);

impl MsvcRand {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(214_013).wrapping_add(2_531_011);
        (self.0 >> 16) & 0x7fff
    }
}

impl Generator for M0yv {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        names_from(self.seed, out);
    }
}

impl Generator for M0yvTimeDependent {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        names_from(seed_of_day(self.seed, epoch), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "0x02484a18",
            None,
            &reference("m0yv/example_domains.txt"),
        );
    }

    /// Bader's `dga-td.py` (commit 0dead35) run for `seed` on `day`; no list
    /// was published with the write-up, so this is its author's code, not
    /// an independent capture.
    fn assert_bader_td(seed: &str, day: &str) {
        let file = format!("m0yv/bader_td_{seed}_{day}.txt");
        let expected = reference(&file);
        assert_eq!(expected.len(), COUNT as usize, "{file}");
        assert_names(&TIME_DEPENDENT, seed, Some(day), &expected);
    }

    #[test]
    fn time_dependent_matches_bader_for_0x02484a18_on_2022_05_01() {
        assert_bader_td("0x02484a18", "2022-05-01");
    }

    #[test]
    fn time_dependent_matches_bader_for_0x00128a0e_on_leap_day_2024() {
        assert_bader_td("0x00128a0e", "2024-02-29");
    }

    #[test]
    fn time_dependent_matches_bader_for_0x7178af3f_where_week_truncates_to_0() {
        // (30.5 - 31) / 7 is negative; the malware truncates it to 0.
        assert_bader_td("0x7178af3f", "2023-01-31");
    }

    #[test]
    fn epochs_are_runs_of_one_month_with_the_same_week_count() {
        let day = |d: &str| d.parse::<NaiveDate>().expect("date");
        let cases = [
            ("2023-01-31", "2023-01-24", "2023-02-01"),
            ("2023-02-03", "2023-02-01", "2023-02-06"),
            ("2023-02-28", "2023-02-27", "2023-03-01"),
            ("2024-02-29", "2024-02-27", "2024-03-01"),
            ("2023-12-30", "2023-12-24", "2023-12-31"),
            // 31 December stands alone: (366 - 31) / 7 falls just below 48.
            ("2023-12-31", "2023-12-31", "2024-01-01"),
        ];
        for (inside, start, end) in cases {
            assert_eq!(week_run_of(day(inside)), (day(start), day(end)), "{inside}");
        }
    }

    #[test]
    fn the_names_of_early_january_return_in_late_february() {
        let seed = "0x02484a18";
        let january = names(&TIME_DEPENDENT, seed, Some("2023-01-02"));
        assert_eq!(january, names(&TIME_DEPENDENT, seed, Some("2023-02-28")));
        assert_ne!(january, names(&TIME_DEPENDENT, seed, Some("2023-01-03")));
        assert_ne!(january, names(&TIME_DEPENDENT, seed, Some("2024-01-02")));
    }

    #[test]
    fn refuses_seeds_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "0x123456789", "xyz", "-1"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
            assert!(
                (TIME_DEPENDENT.bind)(bad).is_err(),
                "{bad:?} was accepted by m0yv-td"
            );
        }
    }
}

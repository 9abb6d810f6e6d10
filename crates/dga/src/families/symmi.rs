//! Symmi (Trojan.Symmi), a trojan whose DGA names subdomains of a dynamic
//! DNS provider.
//!
//! Described by Johannes Bader, "The DGA of Symmi" (2015,
//! <http://johannesbader.ch/2015/01/the-dga-of-symmi/>). A Microsoft C
//! runtime `rand()` (linear congruential, 214013 and 2531011) is seeded
//! with 10000 × (100 × half + month) + year + constant, where `half` is 0
//! on days 1-15 and 1 from day 16. Each of the 64 names is a third-level
//! label of 8 to 15 letters alternating vowels and consonants, under the
//! parent domain `ddns.net`. A window is a half-month: days 1-15 and day 16
//! to the end of the month (UTC).
//!
//! The seed is the constant and the parent domain, `42:ddns.net`, the only
//! configuration published. As in the malware, the last letter of each
//! letter set (`y` and `z`) is never drawn.

use chrono::{Datelike, Months, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The Symmi family.
pub static FAMILY: Family = Family {
    name: "symmi",
    aliases: &[],
    summary: "Symmi banking trojan: half-monthly ddns.net subdomains from MSVC rand()",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "42",
        value: "42:ddns.net",
        note: "Bader (2015), the only published configuration",
    }],
    seed_form: "a seed constant and a parent domain, e.g. 42:ddns.net",
    schedule: Schedule::Custom {
        rule: "half a month (UTC): days 1-15 and day 16 to the month's end",
        epoch: half_month_of,
    },
    lookback: 0,
    names_per_window: "64",
    tlds: &["net"],
    references: &["http://johannesbader.ch/2015/01/the-dga-of-symmi/"],
    bind,
};

/// Names per window.
const COUNT: usize = 64;

const VOWELS: &[u8] = b"aeiouy";
const CONSONANTS: &[u8] = b"bcdfghklmnpqrstvwxz";

struct Symmi {
    constant: u32,
    /// The parent domain with a leading dot.
    suffix: String,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let expected = || SeedError::expected(FAMILY.seed_form);
    let (constant, parent) = seed.trim().split_once(':').ok_or_else(expected)?;
    let constant: u32 = constant.trim().parse().map_err(|_| expected())?;
    let parent = parent.trim().trim_matches('.').to_ascii_lowercase();
    let valid = !parent.is_empty()
        && parent
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if !valid {
        return Err(expected());
    }
    Ok(Box::new(Symmi {
        constant,
        suffix: format!(".{parent}"),
    }))
}

/// The half-month holding `day`.
fn half_month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let sixteenth = day.with_day(16).unwrap_or(day);
    let next_month = first
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDate::MAX);
    if day.day() < 16 {
        (first, sixteenth)
    } else {
        (sixteenth, next_month)
    }
}

/// The Microsoft C runtime's `rand()`.
struct MsvcRand(u32);

impl MsvcRand {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(214_013).wrapping_add(2_531_011);
        (self.0 >> 16) & 0x7fff
    }
}

impl Generator for Symmi {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let half = epoch.day() / 16;
        let seed = (half * 100 + epoch.month())
            .wrapping_mul(10_000)
            .wrapping_add_signed(epoch.year())
            .wrapping_add(self.constant);
        let mut rand = MsvcRand(seed);
        for _ in 0..COUNT {
            let length = 8 + rand.next() % 8;
            let mut name = String::with_capacity(length as usize + self.suffix.len());
            let mut parity = 0;
            for i in 0..length {
                if i % 2 == 0 {
                    parity = u32::from(rand.next() & 0x100 != 0);
                }
                let s = rand.next();
                // The malware takes the index modulo the set's length less
                // one, so the last letter of each set is never drawn.
                let set = if (parity + i) % 2 == 0 {
                    VOWELS
                } else {
                    CONSONANTS
                };
                let index = (s as usize) % (set.len() - 1);
                name.push(char::from(set[index]));
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
    fn matches_bader_example_of_august_2015_second_half() {
        assert_names(
            &FAMILY,
            "42:ddns.net",
            Some("2015-08-16"),
            &reference("symmi/example_domains.txt"),
        );
    }

    #[test]
    fn half_months_split_on_the_sixteenth() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            half_month_of(d("2024-02-15")),
            (d("2024-02-01"), d("2024-02-16"))
        );
        assert_eq!(
            half_month_of(d("2024-02-29")),
            (d("2024-02-16"), d("2024-03-01"))
        );
    }

    #[test]
    fn refuses_malformed_seeds() {
        for bad in ["", "42", "x:ddns.net", "42:", "42:dd ns.net", "-1:ddns.net"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

//! Pitou, a kernel-mode spam bot (rootkit) seen from 2014, whose DGA runs
//! inside a virtual machine.
//!
//! Described by Johannes Bader, "The DGA of Pitou" (2019,
//! <https://johannesbader.ch/2019/07/the-dga-of-pitou/>), with a Python
//! re-implementation in
//! <https://github.com/baderj/domain_generation_algorithms/tree/master/pitou>.
//! The date is shifted one month forward (overflowing days roll into the
//! month after) and turned into days since 1970; for name number `n` of 20
//! that count plus `n / 3` is rounded down to a multiple of ten. Eight
//! bytes mixed from that value, the years since 1900 and the nibbles of a
//! 32-bit magic number drive an alternation of consonants and vowels; the
//! magic, `n` and the value pick one of nine TLDs. The seed is the magic
//! number; Bader's re-implementation offers two, 0xDAFE02C and 0xDAFE02D.
//!
//! The malware has a bug: when a label has nine letters, its last letter is
//! read from undefined memory. As Bader's README and re-implementation do,
//! such a name is replaced here by every candidate for its last letter (the
//! 21 consonants or 5 vowels of the letter's class), in alphabetical order;
//! the malware queries one of them. Eight-letter names are exact.
//!
//! An epoch is one UTC day of 20 names (before that expansion). Because of
//! the rounding to ten days, a name is generated on up to ten consecutive
//! shifted days, and the month shift maps up to three more real days onto
//! some shifted ones (January 29-31 and February 1-3 both become March 1-3
//! in common years), so a name is listed on about 13 days, not always
//! consecutive. [`Generator::spread_days`] lets the engine join each run of
//! consecutive days into one window; a gap starts a new window. The names
//! also change on 1 January, with the year. Names of different days or
//! counters coincide now and then, joining their stretches: over
//! 1990-2100 the longest stretch is 16 days for 0xDAFE02C and 21 for
//! 0xDAFE02D, so the spread is 21 (a custom magic could, by such chance,
//! exceed it, and a window reaching more than 21 days beyond a requested
//! range would then be cut there).
//!
//! Reference output: Bader's `example_domains.txt` (magic 0xDAFE02C, with
//! the candidate groups drawn as boxes), whose date is not recorded; it
//! matches 2019-04-10, the day Bader committed it, pinned in the test.

use chrono::{Datelike, Months, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// Names per day, before expanding the undefined last letters.
const COUNT: i64 = 20;

const VOWELS: &[u8; 5] = b"aeiou";
const CONSONANTS: &[u8; 21] = b"bcdfghjklmnpqrstvwxyz";
const TLDS: [&str; 9] = [
    "com", "org", "biz", "net", "info", "mobi", "us", "name", "me",
];

/// The Pitou family.
pub static FAMILY: Family = Family {
    name: "pitou",
    aliases: &[],
    summary: "Pitou kernel-mode spam bot: consonant-vowel names from a shifted date and a magic",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "0xdafe02c",
            value: "0xDAFE02C",
            note: "Bader's write-up and re-implementation (2019); the reference output uses it",
        },
        SeedInfo {
            name: "0xdafe02d",
            value: "0xDAFE02D",
            note: "second magic in Bader's re-implementation (2019); no public output",
        },
    ],
    seed_form: "a 32-bit magic number in hex, e.g. 0xDAFE02C",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "20 (a nine-letter name expands to its 21 or 5 candidates)",
    tlds: &TLDS,
    references: &[
        "https://johannesbader.ch/2019/07/the-dga-of-pitou/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/pitou",
    ],
    bind,
};

struct Pitou {
    magic: u32,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    let digits = seed
        .strip_prefix("0x")
        .or_else(|| seed.strip_prefix("0X"))
        .unwrap_or(seed);
    if digits.is_empty() || digits.len() > 8 {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    let magic =
        u32::from_str_radix(digits, 16).map_err(|_| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(Pitou { magic }))
}

/// Days since 1970 of the date one month later, where a day beyond the end
/// of that month rolls into the month after (January 31 becomes March 3 or
/// 2), as the malware computes it.
fn shifted_day_number(day: NaiveDate) -> Option<i64> {
    let first = day.with_day(1)?;
    let next_month = first.checked_add_months(Months::new(1))?;
    let length = next_month
        .checked_add_months(Months::new(1))?
        .signed_duration_since(next_month)
        .num_days();
    let (month_start, day_of_month) = if i64::from(day.day()) > length {
        (
            next_month.checked_add_months(Months::new(1))?,
            i64::from(day.day()) - length,
        )
    } else {
        (next_month, i64::from(day.day()))
    };
    Some(day_number(month_start) + day_of_month - 1)
}

impl Pitou {
    /// The label (with its possibly undefined last letter) and TLD of name
    /// number `counter`.
    fn name(&self, year: i64, shifted: i64, counter: i64, label: &mut Vec<u8>) -> &'static str {
        let value = 10 * (counter / 3 + shifted).div_euclid(10);
        let magic = i64::from(self.magic);
        let years = year - 1900;

        let a = magic >> counter;
        let b = (counter - 1) & 0xff;
        let length = 8 + ((((a * b) & 0xff) * value) & 1) as usize;

        let magic_bytes = self.magic.to_le_bytes();
        let high = (value >> 8) & 0xff;
        let low = value & 0xff;
        let mut random = [0u8; 9];
        for (i, slot) in random.iter_mut().take(8).enumerate() {
            let byte = i64::from(magic_bytes[i / 4]);
            let shift = (i / 4) as u32;
            let (nibble, mix) = match i % 4 {
                0 => (byte >> 4, years >> shift),
                1 => (byte & 0xf, years << shift),
                2 => (byte >> 4, (high << shift) ^ (low >> shift)),
                _ => (byte & 0xf, (low << shift) ^ (high >> shift)),
            };
            // The low byte of the product, as the malware keeps it.
            *slot = ((((nibble * mix) & 0xff) * (counter + 1)) & 0xff) as u8;
        }
        random[8] = 0xe0;

        spell(&random, length, label);
        let index = ((counter ^ value ^ magic) & 0xffff_ffff) % TLDS.len() as i64;
        TLDS[index as usize]
    }
}

/// Alternates consonants and vowels driven by `random` until the label has
/// at least `length` letters, exactly as the malware does (which can end one
/// letter past `length`).
fn spell(random: &[u8; 9], length: usize, label: &mut Vec<u8>) {
    label.clear();
    let mut next = random.iter().copied();
    let consonant = |x: u8| CONSONANTS[usize::from(x) % CONSONANTS.len()];
    let vowel = |x: u8| VOWELS[usize::from(x) % VOWELS.len()];
    let mut peeked: Option<u8> = None;
    // The nine bytes always suffice (checked over 1970-2100 for both known
    // magics and random ones); running out ends the label early instead of
    // reading past the array.
    loop {
        let Some(x) = peeked.take().or_else(|| next.next()) else {
            return;
        };
        if x & 0x80 != 0 {
            label.push(consonant(x));
            if label.len() >= length {
                return;
            }
            let Some(x) = next.next() else { return };
            label.push(vowel(x));
            if label.len() >= length {
                return;
            }
            let Some(x) = next.next() else { return };
            if x & 0x40 != 0 {
                label.push(vowel(x));
                if label.len() >= length {
                    return;
                }
            } else {
                peeked = Some(x);
            }
        } else {
            label.push(vowel(x));
            let Some(x) = next.next() else { return };
            label.push(consonant(x));
            if label.len() >= length {
                return;
            }
        }
    }
}

fn push_name(label: &[u8], tld: &str, out: &mut Vec<String>) {
    let mut name = String::with_capacity(label.len() + 1 + tld.len());
    name.extend(label.iter().map(|&b| char::from(b)));
    name.push('.');
    name.push_str(tld);
    out.push(name);
}

impl Generator for Pitou {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let Some(shifted) = shifted_day_number(epoch) else {
            return;
        };
        let year = i64::from(epoch.year());
        let mut label = Vec::with_capacity(10);
        for counter in 0..COUNT {
            let tld = self.name(year, shifted, counter, &mut label);
            match label.split_last() {
                Some((&last, stem)) if label.len() > 8 => {
                    let class: &[u8] = if CONSONANTS.contains(&last) {
                        CONSONANTS
                    } else {
                        VOWELS
                    };
                    let mut candidate = stem.to_vec();
                    for &letter in class {
                        candidate.push(letter);
                        push_name(&candidate, tld, out);
                        candidate.pop();
                    }
                }
                _ => push_name(&label, tld, out),
            }
        }
    }

    /// Ten shifted days per value, plus up to three days that the month
    /// shift maps onto shifted days already counted, plus chance
    /// coincidences of names (measured over 1990-2100, see the module doc).
    fn spread_days(&self) -> u32 {
        21
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    /// The names in Bader's file, without the boxes drawn around the
    /// candidate groups.
    fn reference_names(path: &str) -> Vec<String> {
        reference(path)
            .iter()
            .filter(|line| !line.starts_with('-'))
            .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
            .collect()
    }

    #[test]
    fn matches_bader_example_domains_0xdafe02c_2019_04_10() {
        let expected = reference_names("pitou/example_domains.txt");
        assert_eq!(expected.len(), 280, "reference parsed wrongly");
        assert_names(&FAMILY, "0xDAFE02C", Some("2019-04-10"), &expected);
    }

    #[test]
    fn the_month_shift_rolls_overflowing_days_forward() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        // 2019-01-31 -> "2019-02-31" -> 2019-03-03.
        assert_eq!(
            shifted_day_number(d("2019-01-31")),
            Some(day_number(d("2019-03-03")))
        );
        // 2019-12-15 -> 2020-01-15.
        assert_eq!(
            shifted_day_number(d("2019-12-15")),
            Some(day_number(d("2020-01-15")))
        );
        // 2020-01-30 -> "2020-02-30" -> 2020-03-01 (leap year).
        assert_eq!(
            shifted_day_number(d("2020-01-30")),
            Some(day_number(d("2020-03-01")))
        );
    }

    #[test]
    fn refuses_magics_that_are_not_32_bit_hex() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("0x").is_err());
        assert!((FAMILY.bind)("0x1DAFE02C0").is_err());
        assert!((FAMILY.bind)("dafe02g").is_err());
        assert!((FAMILY.bind)("dafe02c").is_ok());
    }
}

//! Qadars, a banking trojan seen from 2013.
//!
//! Described by Johannes Bader, "The DGA of Qadars" (2016,
//! <https://www.johannesbader.ch/2016/04/the-dga-of-qadars/>). The start of
//! the current week (Monday 00:00 UTC, as a unix timestamp) seeds a 31-bit
//! generator `r = (seed - 1043968403 * r) mod 2^31`; twelve draws give the
//! letters and digits of a name and a thirteenth picks one of three TLDs.
//! The sample seed is a 16-bit number; samples also differ in their three
//! TLDs, so the raw seed carries them. 200 names a week; the malware rounds
//! the current time down to its week's Monday (`unix - (unix - 4 days) %
//! 7 days` in Bader's script), so a window is one week, Monday 00:00 UTC
//! to the next Monday, and every instant of it gives the same names.
//!
//! Tested against Bader's example list (seed `89F5`, week of 2016-03-28).
//! Bader's current script gives every seed outside `E1F1`, `E1F2`, `E1F5`
//! the TLDs net/org/top, `89F5` included; but his first version, written
//! from the `89F5` sample, and the example list made with it use
//! com/org/net. This module follows the sample and the list for `89F5`.
//!
//! Seed discovery ([`derive`]) compares names by label: the labels follow
//! from the 16-bit seed alone, and the draw that picks each name's TLD
//! says which of the three places the observed TLD fills, so a sample with
//! TLDs of its own is found with them.

use ahash::AHashMap;
use chrono::NaiveDate;

use super::seed_text::parse_hex_u32;
use crate::discover::Wanted;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// Names per week.
const COUNT: usize = 200;

/// Letters and digits, indexed by the generator modulo 36.
const CHARSET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// TLDs when the raw seed names none (Bader's default for later samples).
const DEFAULT_TLDS: &str = "net,org,top";

/// The Qadars family.
pub static FAMILY: Family = Family {
    name: "qadars",
    aliases: &[],
    summary: "Qadars banking trojan: weekly names from a 31-bit generator and a 16-bit seed",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "89F5",
            value: "89F5:com,org,net",
            note: "Bader's write-up (2016), sample md5 0dcbb31cbc5279293cb5ebf4cd9eff4e",
        },
        SeedInfo {
            name: "4449",
            value: "4449:net,org,top",
            note: "Bader's script (November 2016)",
        },
        SeedInfo {
            name: "E08A",
            value: "E08A:net,org,top",
            note: "Bader's script (2016)",
        },
        SeedInfo {
            name: "E1F2",
            value: "E1F2:com,org,net",
            note: "Bader's script (December 2016)",
        },
        SeedInfo {
            name: "E1F1",
            value: "E1F1:com,org,net",
            note: "Bader's script (March 2017)",
        },
        SeedInfo {
            name: "E1F5",
            value: "E1F5:com,org,net",
            note: "Bader's script (March 2017)",
        },
    ],
    seed_form: "HEX[:TLD,TLD,TLD]: a 16-bit hex seed and the sample's three TLDs \
                (default net,org,top), e.g. 89F5:com,org,net",
    // 1970-01-05 (day 4) was a Monday.
    schedule: Schedule::Days { days: 7, anchor: 4 },
    lookback: 0,
    names_per_window: "200",
    tlds: &["com", "org", "net", "top"],
    references: &[
        "https://www.johannesbader.ch/2016/04/the-dga-of-qadars/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/qadars",
    ],
    bind,
};

struct Qadars {
    seed: u32,
    tlds: [String; 3],
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let mut parts = raw.trim().split(':');
    let seed = parse_hex_u32(parts.next().unwrap_or_default(), 4).ok_or_else(bad)?;
    let tlds: Vec<String> = parts
        .next()
        .unwrap_or(DEFAULT_TLDS)
        .split(',')
        .map(|tld| tld.trim().trim_start_matches('.').to_ascii_lowercase())
        .collect();
    let valid = |tld: &String| !tld.is_empty() && tld.bytes().all(|b| b.is_ascii_alphanumeric());
    if !tlds.iter().all(valid) || parts.next().is_some() {
        return Err(bad());
    }
    let tlds: [String; 3] = tlds.try_into().map_err(|_| bad())?;
    Ok(Box::new(Qadars { seed, tlds }))
}

/// Letters of a label.
const LABEL: usize = 12;

/// The labels of a week's names for `seed`, each with the place (0-2) of
/// its TLD in the sample's list, to `each`.
fn labels(seed: u32, epoch: NaiveDate, mut each: impl FnMut([u8; LABEL], usize)) {
    // The malware rounds the time down to the start of its week,
    // `unix - (unix - 4 days) % 7 days` (1970-01-05 was a Monday), and
    // works on that as a 32-bit number; every day of a week gives the
    // same names.
    let day = day_number(epoch);
    let monday = day - (day - 4).rem_euclid(7);
    let mut r = (monday * 86_400) as u32;
    let mut next = || {
        r = seed.wrapping_sub(r.wrapping_mul(1_043_968_403)) & 0x7FFF_FFFF;
        r
    };
    for _ in 0..COUNT {
        let mut label = [0u8; LABEL];
        for byte in &mut label {
            *byte = CHARSET[next() as usize % CHARSET.len()];
        }
        each(label, next() as usize % 3);
    }
}

impl Generator for Qadars {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        labels(self.seed, epoch, |label, place| {
            let tld = self.tlds.get(place).map_or("", String::as_str);
            out.push(format!("{}.{tld}", String::from_utf8_lossy(&label)));
        });
    }
}

/// Whether `label` could be a Qadars label (twelve lower-case letters and
/// digits): names with other TLDs than the known samples' are searched
/// when they have this shape.
pub(crate) fn label_shape(label: &str) -> bool {
    label.len() == LABEL
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Works out the seeds (with their TLDs) that make some of the observed
/// names in the weeks starting on `epochs` (see
/// [`crate::discover::Derive`]): every 16-bit seed spells its labels, and
/// for each observed label it makes, the observed TLD is put in the place
/// the name's TLD draw picks (the most often seen one where names
/// disagree; places no observed name shows keep the default list's TLD).
pub(crate) fn derive(wanted: &Wanted, epochs: &[NaiveDate], _all: bool) -> Vec<String> {
    let mut observed: AHashMap<[u8; LABEL], Vec<&str>> = AHashMap::new();
    for name in wanted.names() {
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        if let Some((label, tld)) = name.split_once('.') {
            if let Ok(label) = <[u8; LABEL]>::try_from(label.as_bytes()) {
                observed.entry(label).or_default().push(tld);
            }
        }
    }
    let mut seeds = Vec::new();
    if observed.is_empty() {
        return seeds;
    }
    let defaults: Vec<&str> = DEFAULT_TLDS.split(',').collect();
    for seed in 0..=0xFFFF_u32 {
        let mut seen: [AHashMap<&str, usize>; 3] = Default::default();
        for &epoch in epochs {
            labels(seed, epoch, |label, place| {
                for &tld in observed.get(&label).into_iter().flatten() {
                    *seen[place].entry(tld).or_default() += 1;
                }
            });
        }
        if seen.iter().all(|seen| seen.is_empty()) {
            continue;
        }
        let tlds: Vec<&str> = seen
            .iter()
            .zip(&defaults)
            .map(|(seen, &default)| {
                seen.iter()
                    .max_by_key(|&(tld, count)| (*count, std::cmp::Reverse(*tld)))
                    .map_or(default, |(tld, _)| tld)
            })
            .collect();
        seeds.push(format!("{seed:04X}:{}", tlds.join(",")));
    }
    seeds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "89F5:com,org,net",
            Some("2016-03-28"),
            &reference("qadars/example_domains.txt"),
        );
    }

    #[test]
    fn every_day_of_a_week_gives_its_mondays_names() {
        let generator = (FAMILY.bind)("89F5:com,org,net").unwrap();
        let mut monday = Vec::new();
        generator.generate("2016-03-28".parse().unwrap(), &mut monday);
        for day in ["2016-03-29", "2016-03-31", "2016-04-03"] {
            let mut got = Vec::new();
            generator.generate(day.parse().unwrap(), &mut got);
            assert_eq!(got, monday, "{day}");
        }
        let mut later = Vec::new();
        generator.generate_at("2016-04-02T18:00:00Z".parse().unwrap(), &mut later);
        assert_eq!(later, monday);
    }

    #[test]
    fn weeks_run_monday_to_sunday() {
        let monday = names(&FAMILY, "E08A", Some("2016-03-28"));
        assert_eq!(monday, names(&FAMILY, "E08A", Some("2016-04-03")));
        assert_ne!(monday, names(&FAMILY, "E08A", Some("2016-04-04")));
        assert_ne!(monday, names(&FAMILY, "E08A", Some("2016-03-27")));
    }

    #[test]
    fn every_listed_seed_binds() {
        for seed in FAMILY.seeds {
            assert!((FAMILY.bind)(seed.value).is_ok(), "{}", seed.name);
        }
    }

    #[test]
    fn derive_finds_a_seed_with_tlds_of_its_own() {
        let made = names(&FAMILY, "5EED:xyz,info,biz", Some("2026-06-10"));
        let wanted = Wanted::new(&made[10..40]);
        let week: NaiveDate = "2026-06-08".parse().expect("date");
        assert_eq!(derive(&wanted, &[week], false), vec!["5EED:xyz,info,biz"]);
        // Only names of the first place: the others keep the default's.
        let first: Vec<String> = made
            .iter()
            .filter(|n| n.ends_with(".xyz"))
            .cloned()
            .collect();
        let wanted = Wanted::new(&first);
        assert_eq!(derive(&wanted, &[week], false), vec!["5EED:xyz,org,top"]);
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in [
            "",
            "12345",
            "xyz",
            "89F5:com,org",
            "89F5:com,org,net,top",
            "89F5:com,,net",
            "89F5:com,org,net:extra",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

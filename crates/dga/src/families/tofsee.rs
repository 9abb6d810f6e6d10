//! Tofsee, a spam botnet, in the variant with a `.ch`/`.biz` DGA that
//! GovCERT.ch reversed in December 2016 ("Tofsee Spambot features .ch DGA -
//! Reversal and Countermeasures",
//! <https://www.govcert.ch/blog/tofsee-spambot-features-.ch-dga-reversal-and-countermesaures/>;
//! SWITCH-CERT blocked the `.ch` names, "Usage of .ch domain names for
//! spamming malware Tofsee stopped", 2016-12-22).
//!
//! Each week has 20 names, ten under `.ch` and ten under `.biz`: a
//! three-letter stem written twice and one letter `a` to `j`, e.g.
//! `dqgdqga.ch` (GovCERT's example, December 2016). The stem is the number
//! of whole weeks since the Unix epoch written in three base-26 letters,
//! most significant first; weeks start on Thursdays 00:00 UTC.
//!
//! The week rule is inferred, not transcribed: GovCERT's write-up could not
//! be read here in full. It is pinned by two kinds of published output:
//! GovCERT's example stem `dqg` is week 2450 (2016-12-15 to 2016-12-21),
//! the week GovCERT and SWITCH published; and every one of the 116 names
//! ti-research-io observed in July 2022 (`DGA/Tofsee/`) is a name of this
//! form whose stem falls in weeks 2612 to 2682 (January 2020 to June 2021).
//! Those 2022 bots therefore asked for names of weeks long past; which weeks
//! a bot tries, and in which order it tries a week's names, are not
//! published, so the names are listed letter by letter, `.biz` before
//! `.ch`, and no lookback is claimed.
//!
//! The malware has no seed parameter; the single configuration is named
//! `default`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{midnight, Schedule};

/// Seconds per week.
const WEEK: i64 = 604_800;

/// TLDs, in the order listed for each letter.
const TLDS: [&str; 2] = ["biz", "ch"];

/// The Tofsee family.
pub static FAMILY: Family = Family {
    name: "tofsee",
    aliases: &[],
    summary: "Tofsee spambot: weekly stem from the week number, doubled, a-j, .ch/.biz",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "GovCERT.ch, December 2016",
    }],
    seed_form: "default (Tofsee has no seed parameter)",
    schedule: Schedule::Period {
        seconds: WEEK,
        anchor: 0,
    },
    lookback: 0,
    names_per_window: "20",
    tlds: &TLDS,
    references: &[
        "https://www.govcert.ch/blog/tofsee-spambot-features-.ch-dga-reversal-and-countermesaures/",
        "https://securityblog.switch.ch/2016/12/22/tofsee-ch-domain-names-stopped/",
        "https://github.com/ti-research-io/ti/tree/main/DGA/Tofsee",
    ],
    bind,
};

struct Tofsee;

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.is_empty() || seed.eq_ignore_ascii_case("default") {
        Ok(Box::new(Tofsee))
    } else {
        Err(SeedError::expected(FAMILY.seed_form))
    }
}

/// The three-letter stem of week `week` (weeks before 1970 and after the
/// stem's range wrap around; the malware never sees them).
fn stem(week: i64) -> [u8; 3] {
    let week = week.rem_euclid(26 * 26 * 26);
    let letter = |x: i64| b'a' + (x % 26) as u8;
    [letter(week / 676), letter(week / 26), letter(week)]
}

impl Generator for Tofsee {
    fn generate(&self, day: NaiveDate, out: &mut Vec<String>) {
        self.generate_at(midnight(day), out);
    }

    fn generate_at(&self, at: DateTime<Utc>, out: &mut Vec<String>) {
        let stem = stem(at.timestamp().div_euclid(WEEK));
        for last in b'a'..=b'j' {
            for tld in TLDS {
                let mut name = String::with_capacity(8 + tld.len());
                for &b in stem.iter().chain(&stem).chain(&[last]) {
                    name.push(char::from(b));
                }
                name.push('.');
                name.push_str(tld);
                out.push(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_govcert_example_in_the_week_it_was_published() {
        for day in ["2016-12-15", "2016-12-21"] {
            let got = names(&FAMILY, "default", Some(day));
            assert_eq!(got.len(), 20);
            assert!(got.contains(&"dqgdqga.ch".to_owned()), "{day}");
            assert!(got.contains(&"dqgdqga.biz".to_owned()), "{day}");
        }
        assert!(!names(&FAMILY, "default", Some("2016-12-14")).contains(&"dqgdqga.ch".to_owned()));
        assert!(!names(&FAMILY, "default", Some("2016-12-22")).contains(&"dqgdqga.ch".to_owned()));
    }

    #[test]
    fn every_name_ti_research_observed_is_a_name_of_a_week_of_2020_2021() {
        let observed = reference("tofsee/ti-research-2022-07.txt");
        assert_eq!(observed.len(), 116);
        let mut all = std::collections::HashSet::new();
        let mut day: NaiveDate = "2020-01-23".parse().expect("day");
        let last: NaiveDate = "2021-06-02".parse().expect("day");
        while day <= last {
            all.extend(names(&FAMILY, "default", Some(&day.to_string())));
            day += chrono::Duration::days(7);
        }
        for name in &observed {
            assert!(all.contains(name), "{name}");
        }
        // And none of them is a name of the weeks around the observation.
        let july = names(&FAMILY, "default", Some("2022-07-19"));
        assert!(observed.iter().all(|n| !july.contains(n)));
    }

    #[test]
    fn refuses_any_seed_but_default() {
        assert!((FAMILY.bind)("dqg").is_err());
        assert!((FAMILY.bind)("default").is_ok());
    }
}

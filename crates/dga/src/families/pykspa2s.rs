//! Pykspa (Pykse, Skyper, SkypeBot), a worm spreading over Skype: the noise
//! set of its "improved" DGA (set 2).
//!
//! Described by Johannes Bader, "The DGA of Pykspa" (2015,
//! <https://johannesbader.ch/2015/03/the-dga-of-pykspa/>). The algorithm is
//! that of set 1 (module `pykspa2`, which documents it), seeded with the
//! unix time divided by one day instead of twenty: a window is one UTC day.
//! The malware queries names picked at random from this list between the
//! set-1 names, apparently as noise; DGArchive calls this set `pykspa2s`.
//!
//! The raw seed is `default` or the number of names. How long the list the
//! malware picks from is, is not documented in the write-ups at hand; the
//! names observed in 2022 (below) point to 16,000, the default here (it was
//! 1,000, which found only 27 of the first 200 observed names).
//!
//! Tested against the eleven noise names of the write-up's traffic capture,
//! at their positions in the list of 2015-02-17 (UTC); the write-up dates
//! that capture February 16th; the names belong to the UTC day after, so
//! the capture's date was probably local time or it ran past midnight UTC.
//! And against ti-research-io's list of 2022-07-23 (5,004 names, first 500
//! kept in `test-data/pykspa2s/`): 4,804 are noise names of that day, all
//! at positions up to 15,986, spread evenly, with positions 0-767 seen more
//! often, as `rand() % 16000` over a 15-bit `rand()` would make them (see
//! the fixture's README); 196 are set-1 names (`pykspa2`, `pykspa`).

use crate::families::pykspa2::{parse_count, Improved};
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day unless the raw seed says otherwise.
const DEFAULT_COUNT: u32 = 16_000;

/// The Pykspa improved-DGA family, set 2 (noise).
pub static FAMILY: Family = Family {
    name: "pykspa2s",
    aliases: &["pykspa-improved-noise", "pykspa-v2-noise"],
    summary: "Pykspa Skype worm, improved DGA set 2: daily noise names picked at random",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note:
            "no sample seed; 16000 names (count inferred from names seen in 2022, see module docs)",
    }],
    seed_form: "`default` (16000 names) or the number of names to generate, 1 to 100000",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "16000 by default (inferred: the malware's count is not published)",
    tlds: &["com", "net", "org", "info"],
    references: &[
        "https://johannesbader.ch/2015/03/the-dga-of-pykspa/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/pykspa/improved",
    ],
    bind,
};

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    Ok(Box::new(Improved {
        days: 1,
        count: parse_count(raw, DEFAULT_COUNT, FAMILY.seed_form)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn places_the_write_ups_captured_noise_names() {
        // Traffic of "2015-02-16" in Bader's write-up, marked (3) there.
        let captured = [
            (7, "haqwrnonlaj.info"),
            (21, "jlbdgfhi.net"),
            (39, "hiyumk.net"),
            (56, "ezrmsrnmzddx.net"),
            (58, "okqwmayiseaq.com"),
            (66, "lchsxgzmwg.info"),
            (94, "wbtkdnfr.info"),
            (153, "bodlmkjkckx.net"),
            (203, "xcixrwcyesou.net"),
            (205, "ofebrbnbmvfa.info"),
            (249, "bkmothb.net"),
        ];
        let day = names(&FAMILY, "250", Some("2015-02-17"));
        assert_eq!(day.len(), 250);
        for (position, name) in captured {
            assert_eq!(day[position], name, "position {position}");
        }
    }

    #[test]
    fn explains_ti_researchs_names_of_2022_07_23() {
        let observed = reference("pykspa2s/ti-research-2022-07-23-first500.txt");
        assert_eq!(observed.len(), 500);
        let noise = names(&FAMILY, "default", Some("2022-07-23"));
        assert_eq!(noise.len(), 16_000);
        let set1 = names(
            crate::find_family("pykspa2").expect("pykspa2"),
            "default",
            Some("2022-07-23"),
        );
        let (in_noise, rest): (Vec<&String>, Vec<&String>) =
            observed.iter().partition(|n| noise.contains(n));
        assert_eq!(in_noise.len(), 480);
        assert!(rest.iter().all(|n| set1.contains(n)), "{rest:?}");
        assert_eq!(rest.len(), 20);
        // The old default of 1,000 names found 45 of the 480.
        let old = &noise[..1000];
        assert_eq!(observed.iter().filter(|n| old.contains(n)).count(), 45);
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in ["0", "100001", "noise"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

//! A name's window is exactly the set of days on which its family generates
//! it: every day of an epoch yields the same names (the epoch is not too
//! long), and the next epoch yields different ones (it is not too short).
//! Days are sampled across years so that month ends, leap days and year
//! ends are crossed.

use std::collections::HashSet;

use cautery_dga::{all_families, Family, TimeDependence};
use chrono::{Days, NaiveDate};

fn names(family: &Family, seed: &str, day: NaiveDate) -> Vec<String> {
    let generator = (family.bind)(seed).expect("listed seed binds");
    let mut out = Vec::new();
    generator.generate(day, &mut out);
    out
}

const SAMPLE_DAYS: &[&str] = &["2016-02-27", "2019-12-30", "2024-02-28", "2026-11-26"];

#[test]
fn every_day_of_an_epoch_gives_the_same_names() {
    for family in all_families()
        .iter()
        .filter(|f| f.seeding.time == TimeDependence::TimeDependent)
    {
        for seed in family.seeds {
            for day in SAMPLE_DAYS {
                let day: NaiveDate = day.parse().expect("date");
                let (start, end) = family
                    .schedule
                    .epoch_of(day)
                    .expect("dated family has epochs");
                let expected = names(family, seed.value, start);
                let mut current = start;
                while current < end {
                    assert_eq!(
                        names(family, seed.value, current),
                        expected,
                        "{} seed {}: {current} differs from the start of its epoch {start}: the epoch is too long",
                        family.name,
                        seed.name
                    );
                    current = current + Days::new(1);
                }
            }
        }
    }
}

#[test]
fn the_next_epoch_gives_other_names() {
    for family in all_families()
        .iter()
        .filter(|f| f.seeding.time == TimeDependence::TimeDependent)
    {
        let seed = family.default_seed();
        for day in SAMPLE_DAYS {
            let day: NaiveDate = day.parse().expect("date");
            let (start, end) = family
                .schedule
                .epoch_of(day)
                .expect("dated family has epochs");
            let this = names(family, seed.value, start);
            let next: HashSet<String> = names(family, seed.value, end).into_iter().collect();
            let shared = this.iter().filter(|n| next.contains(*n)).count();
            assert!(
                shared * 10 < this.len().max(1),
                "{}: epochs starting {start} and {end} share {shared} of {} names: the epoch is too short",
                family.name,
                this.len()
            );
        }
    }
}

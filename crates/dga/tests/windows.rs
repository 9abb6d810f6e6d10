//! A name's window is exactly the set of instants at which its family
//! generates it: every instant of an epoch yields the same names (the epoch
//! is not too long), and the next epoch yields different ones (it is not too
//! short). Sample days cross month ends, leap days and year ends.

use std::collections::HashSet;

use cautery_dga::{all_families, midnight, schedule_of, Family, TimeDependence};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

const SAMPLE_DAYS: &[&str] = &["2016-02-27", "2019-12-30", "2024-02-28", "2026-11-26"];

fn dated() -> impl Iterator<Item = &'static &'static Family> {
    all_families()
        .iter()
        .filter(|f| f.seeding.time == TimeDependence::TimeDependent)
}

/// Instants spread over `[start, end)`: its first and last second and
/// every eighth of the way between.
fn probes(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let length = (end - start).num_seconds();
    let mut out: Vec<DateTime<Utc>> = (0..8)
        .map(|k| start + TimeDelta::seconds(length * k / 8))
        .collect();
    out.push(end - TimeDelta::seconds(1));
    out
}

#[test]
fn every_instant_of_an_epoch_gives_the_same_names() {
    let mut failures = Vec::new();
    for family in dated() {
        for seed in family.seeds {
            let generator = (family.bind)(seed.value).expect("listed seed binds");
            let schedule = schedule_of(family, generator.as_ref());
            for day in SAMPLE_DAYS {
                let day: NaiveDate = day.parse().expect("date");
                let (start, end) = schedule
                    .epoch_at(midnight(day))
                    .expect("dated family has epochs");
                let mut expected = Vec::new();
                generator.generate_at(start, &mut expected);
                assert!(
                    !expected.is_empty(),
                    "{} seed {}: no names at {start}",
                    family.name,
                    seed.name
                );
                for at in probes(start, end) {
                    let mut got = Vec::new();
                    generator.generate_at(at, &mut got);
                    if got != expected {
                        failures.push(format!(
                            "{} seed {}: {at} differs from the start of its epoch {start}: the epoch is too long",
                            family.name, seed.name
                        ));
                        break;
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_next_epoch_gives_other_names() {
    let mut failures = Vec::new();
    for family in dated() {
        for seed in family.seeds {
            let generator = (family.bind)(seed.value).expect("listed seed binds");
            let schedule = schedule_of(family, generator.as_ref());
            for day in SAMPLE_DAYS {
                let day: NaiveDate = day.parse().expect("date");
                let (start, end) = schedule
                    .epoch_at(midnight(day))
                    .expect("dated family has epochs");
                let mut this = Vec::new();
                generator.generate_at(start, &mut this);
                let mut next = Vec::new();
                generator.generate_at(end, &mut next);
                let next: HashSet<String> = next.into_iter().collect();
                let shared = this.iter().filter(|n| next.contains(*n)).count();
                if shared * 10 >= this.len().max(1) {
                    failures.push(format!(
                        "{} seed {}: epochs starting {start} and {end} share {shared} of {} names: the epoch is too short",
                        family.name,
                        seed.name,
                        this.len()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

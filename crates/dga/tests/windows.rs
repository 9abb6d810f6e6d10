//! A name's window is exactly the set of instants at which its family
//! generates it: every instant of an epoch yields the same names (the epoch
//! is not too long), and the next epoch yields different ones (it is not too
//! short). Sample days cross month ends, leap days and year ends.

use std::collections::HashSet;

use cautery_dga::{
    all_families, midnight, predict, schedule_of, Family, Generator, TimeDependence, EARLIEST_DAY,
};
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
            if generator.spread_days() > 0 {
                // Such seeds share names between epochs by design; the
                // exactness test below covers them.
                continue;
            }
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

/// Every name the malware tries at `at`, from the generator and the
/// family's declared schedule and lookback alone (not from windows).
fn tried_at(family: &Family, generator: &dyn Generator, at: DateTime<Utc>) -> HashSet<String> {
    let schedule = schedule_of(family, generator);
    let mut names = Vec::new();
    generator.static_names(&mut names);
    let Some(mut epoch) = schedule.epoch_at(at) else {
        generator.generate_at(at, &mut names);
        return names.into_iter().collect();
    };
    let earliest = midnight(EARLIEST_DAY);
    for _ in 0..=family.lookback.min(20_000) {
        generator.generate_at(epoch.0, &mut names);
        match schedule.epoch_at(epoch.0 - TimeDelta::seconds(1)) {
            Some(previous) if previous.0 >= earliest => epoch = previous,
            _ => break,
        }
    }
    names.into_iter().collect()
}

#[test]
fn predicted_windows_are_exactly_when_a_name_is_tried() {
    let mut failures = Vec::new();
    for family in dated() {
        for seed in family.seeds {
            let generator = (family.bind)(seed.value).expect("listed seed binds");
            for day in ["2019-12-31", "2026-11-26"] {
                let day: NaiveDate = day.parse().expect("date");
                let mut predicted = Vec::new();
                predict(family, generator.as_ref(), day, day, |name, window| {
                    predicted.push((name.to_owned(), window));
                })
                .expect("range");
                let step = (predicted.len() / 8).max(1);
                for (name, window) in predicted.iter().step_by(step) {
                    let (Some(from), to) = (window.from, window.to) else {
                        continue;
                    };
                    let mut inside = vec![from];
                    let mut outside = vec![from - TimeDelta::seconds(1)];
                    if let Some(to) = to {
                        inside.push(to - TimeDelta::seconds(1));
                        inside.push(from + (to - from) / 2);
                        outside.push(to);
                    }
                    for at in inside {
                        if !tried_at(family, generator.as_ref(), at).contains(name) {
                            failures.push(format!("{} seed {}: {name} is not tried at {at}, inside its window {window:?}", family.name, seed.name));
                        }
                    }
                    for at in outside {
                        if tried_at(family, generator.as_ref(), at).contains(name) {
                            failures.push(format!("{} seed {}: {name} is tried at {at}, outside its window {window:?}", family.name, seed.name));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `spread_days` bounds how far the engine looks beyond a range to join a
/// name's epochs; a name in use longer than that would get a window cut
/// short. Walks the epochs around each sample day independently of the
/// engine and measures every complete stretch of use.
#[test]
fn no_name_stays_in_use_longer_than_its_spread() {
    let mut failures = Vec::new();
    for family in dated() {
        for seed in family.seeds {
            let generator = (family.bind)(seed.value).expect("listed seed binds");
            let spread = generator.spread_days();
            if spread == 0 {
                continue;
            }
            let schedule = schedule_of(family, generator.as_ref());
            let limit = TimeDelta::days(i64::from(spread));
            for day in ["2019-01-20", "2020-02-20", "2026-11-26"] {
                let day: NaiveDate = day.parse().expect("date");
                let start = midnight(day) - limit * 2;
                let end = midnight(day) + limit * 2;
                let mut open: std::collections::HashMap<String, (DateTime<Utc>, DateTime<Utc>)> =
                    std::collections::HashMap::new();
                let mut stretches = Vec::new();
                let mut epoch = schedule.epoch_at(start).expect("dated family has epochs");
                let mut names = Vec::new();
                while epoch.0 < end {
                    names.clear();
                    generator.generate_at(epoch.0, &mut names);
                    for name in &names {
                        let entry = open.entry(name.clone()).or_insert((epoch.0, epoch.1));
                        if entry.1 < epoch.0 {
                            stretches.push((name.clone(), *entry));
                            *entry = (epoch.0, epoch.1);
                        }
                        entry.1 = entry.1.max(epoch.1);
                    }
                    epoch = schedule.epoch_at(epoch.1).expect("next epoch");
                }
                stretches.extend(open);
                for (name, (from, to)) in stretches {
                    if to - from > limit {
                        failures.push(format!(
                            "{} seed {}: {name} is in use from {from} to {to}, longer than spread_days {spread}",
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

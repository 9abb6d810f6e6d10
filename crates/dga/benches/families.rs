//! Names per second for one window of every family (default seed), the
//! necurs window on its own, and the reverse index.
//!
//! `cargo bench -p cautery-dga --bench families` runs them all;
//! `cargo bench -p cautery-dga --bench families -- necurs` one. The necurs
//! window is split over the cores the process may use, so prefix
//! `taskset -c 0` to measure it on one core.

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use cautery_dga::{all_families, epochs, find_family, Family, Generator, ReverseIndex};
use chrono::{DateTime, NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).expect("valid date")
}

/// The start of the first epoch touching [`day`].
fn first_epoch(family: &Family, generator: &dyn Generator) -> DateTime<Utc> {
    epochs(family, generator, day(), day())
        .ok()
        .and_then(|e| e.first().map(|e| e.start))
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn one_window(c: &mut Criterion) {
    let mut group = c.benchmark_group("window");
    for family in all_families() {
        let seed = family.default_seed();
        let Ok(generator) = (family.bind)(seed.value) else {
            continue;
        };
        let start = family
            .schedule
            .epoch_of(day())
            .map_or(day(), |(start, _)| start);
        let mut names = Vec::new();
        generator.generate(start, &mut names);
        group.throughput(Throughput::Elements(names.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(family.name),
            &start,
            |b, start| {
                b.iter(|| {
                    names.clear();
                    generator.generate(*start, &mut names);
                    names.len()
                });
            },
        );
    }
    group.finish();
}

fn reverse_index(c: &mut Criterion) {
    let first = day();
    let last = NaiveDate::from_ymd_opt(2026, 6, 21).expect("valid date");
    let families: Vec<&'static Family> = all_families()
        .iter()
        .copied()
        .filter(|f| f.seeding.deterministic)
        .collect();
    let build = || {
        let mut index = ReverseIndex::new();
        for family in &families {
            for seed in family.seeds {
                if let Ok(generator) = (family.bind)(seed.value) {
                    let _ = index.add(family, seed.name, generator.as_ref(), first, last);
                }
            }
        }
        index
    };
    let index = build();
    let mut probes = Vec::new();
    for family in &families {
        if let Ok(generator) = (family.bind)(family.default_seed().value) {
            generator.generate_at(first_epoch(family, generator.as_ref()), &mut probes);
        }
    }
    probes.truncate(100_000);
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.throughput(Throughput::Elements(probes.len() as u64));
    group.bench_function("lookup", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter(|p| !index.lookup(p).is_empty())
                .count()
        })
    });
    group.finish();
}

fn necurs(c: &mut Criterion) {
    let Some(family) = find_family("necurs") else {
        return;
    };
    let Ok(generator) = (family.bind)(family.default_seed().value) else {
        return;
    };
    let start = family
        .schedule
        .epoch_of(day())
        .map_or(day(), |(start, _)| start);
    let mut names = Vec::new();
    c.bench_function("necurs_window_2048", |b| {
        b.iter(|| {
            names.clear();
            generator.generate(start, &mut names);
            names.len()
        });
    });
}

criterion_group!(benches, necurs, one_window, reverse_index);
criterion_main!(benches);

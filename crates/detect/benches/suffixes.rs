//! Names per second of the registrable-label step of the classifier: the
//! Public Suffix List looked up for each name (what the live dnstap
//! collector of `cautery serve` does for every query no campaign serves, and
//! `cautery detect` and `classify` for every distinct name), and with the
//! score after it (the collector's whole per-name test).
//!
//! `taskset -c 0 cargo bench -p cautery-detect --bench suffixes` runs them;
//! append a group name (`suffix`, `flag`) for one.

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use cautery_detect::classify::{Model, Suffixes};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Names like a resolver's clients ask: mostly benign hosts under common
/// suffixes (some of them two-label, some private-section), one in ten a
/// random-looking label, as a DGA makes.
fn names() -> Vec<String> {
    const SUFFIXES: [&str; 12] = [
        "com",
        "net",
        "org",
        "de",
        "co.uk",
        "com.br",
        "ru",
        "info",
        "s3.amazonaws.com",
        "github.io",
        "example",
        "cloudfront.net",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*: deterministic, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    (0..100_000)
        .map(|i| {
            let r = next();
            let suffix = SUFFIXES[(r % 12) as usize];
            if i % 10 == 0 {
                let label: String = (0..12 + r % 8)
                    .map(|k| char::from(b'a' + ((r >> (k * 3)) % 26) as u8))
                    .collect();
                format!("{label}.{suffix}")
            } else {
                format!("www{}.site{}.{suffix}", r % 50, (r >> 8) % 20_000)
            }
        })
        .collect()
}

fn suffix(c: &mut Criterion) {
    let names = names();
    let list = Suffixes::shipped();
    let mut group = c.benchmark_group("suffix");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("registrable_label", |b| {
        b.iter(|| {
            names
                .iter()
                .map(|name| list.registrable_label(name).len())
                .sum::<usize>()
        });
    });
    group.finish();
}

fn flag(c: &mut Criterion) {
    let names = names();
    let list = Suffixes::shipped();
    let model = Model::shipped();
    let mut group = c.benchmark_group("flag");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("label_and_score", |b| {
        b.iter(|| {
            names
                .iter()
                .filter(|name| model.score_label(list.registrable_label(name)) >= model.threshold())
                .count()
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = suffix, flag
}
criterion_main!(benches);

//! Test helpers shared by the family modules: reference files and exact
//! comparison.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Reads `test-data/<path>` (relative to the workspace root) as one name per
/// line, skipping blank lines and `#` comments, lower-cased and trimmed.
pub fn reference(path: &str) -> Vec<String> {
    let full = format!("{}/../../test-data/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {full}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The names `family` bound to `seed` produces in the epoch holding 00:00
/// UTC of `day` (`None` for time-independent families).
pub fn names(family: &Family, seed: &str, day: Option<&str>) -> Vec<String> {
    let generator =
        (family.bind)(seed).unwrap_or_else(|e| panic!("{}: seed {seed}: {e}", family.name));
    let day: NaiveDate = day.map_or(NaiveDate::MIN, |d| d.parse().expect("test date"));
    let schedule = crate::schedule_of(family, generator.as_ref());
    let at = crate::midnight(day);
    let start = schedule.epoch_at(at).map_or(at, |(start, _)| start);
    let mut out = Vec::new();
    generator.generate_at(start, &mut out);
    out
}

/// Asserts that the epoch holding `day` yields exactly `expected`, in order,
/// and reports the first difference readably.
pub fn assert_names(family: &Family, seed: &str, day: Option<&str>, expected: &[String]) {
    let got = names(family, seed, day);
    if let Some(i) = (0..got.len().min(expected.len())).find(|&i| got[i] != expected[i]) {
        panic!(
            "{} seed {seed} day {day:?}: name {i} is {:?}, reference has {:?}",
            family.name, got[i], expected[i]
        );
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "{} seed {seed} day {day:?}: count differs",
        family.name
    );
}

/// A family that names each epoch after its start day, for testing the
/// machinery around families.
pub fn counting_family(schedule: Schedule, lookback: u32) -> Family {
    Family {
        name: "counting",
        aliases: &[],
        summary: "test family",
        scheme: Scheme::Arithmetic,
        seeding: Seeding::TDD,
        seeds: &[SeedInfo {
            name: "default",
            value: "",
            note: "",
        }],
        seed_form: "anything",
        schedule,
        lookback,
        names_per_window: "3",
        tlds: &["test"],
        references: &["none"],
        bind: bind_counting,
    }
}

/// Names per epoch of [`counting_family`].
pub const COUNTING: usize = 3;

struct Counting;

fn bind_counting(_: &str) -> Result<Box<dyn Generator>, SeedError> {
    Ok(Box::new(Counting))
}

impl Generator for Counting {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        out.extend((0..COUNTING).map(|i| format!("n{i}-{epoch}.test")));
    }
}

//! Fuzz target for Bedep's ECB rate-file parser (`eurofxref-hist-90d.xml`)
//! and the generation that reads the parsed rates: any bytes, every config,
//! on days chosen from the file's own dates so the rate-day choice and the
//! table walk are reached. Names that come out must be host names.
//! Run with `cargo +nightly fuzz run bedep_rates`.
#![no_main]

use cautery_dga::find_public_data_family;
use cautery_dga::public_data::parse_rates;
use chrono::{Days, NaiveDate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(history) = parse_rates(data) else {
        return;
    };
    assert!(!history.days.is_empty(), "a parsed history has days");
    let bedep = find_public_data_family("bedep").expect("bedep is built in");
    // Days two after a few of the file's dates, and one fixed day.
    let mut days: Vec<NaiveDate> = history
        .days
        .iter()
        .take(4)
        .filter_map(|d| d.date.checked_add_days(Days::new(2)))
        .collect();
    days.push(NaiveDate::from_ymd_opt(2015, 4, 9).expect("day"));
    for seed in &bedep.family.seeds[..] {
        let Ok(generator) = bedep.bind(seed.name, data) else {
            continue;
        };
        for day in &days {
            let rate_day = history.rate_day(*day);
            assert!(history.days.contains(rate_day));
            let mut names = Vec::new();
            generator.generate(*day, &mut names);
            assert!(names.len() < 32, "at most q - 1 <= 28 names a day");
            for name in &names {
                let label = name.strip_suffix(".com").expect("a .com name");
                assert!((12..=18).contains(&label.len()), "{name}");
                assert!(label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            }
        }
    }
});

//! Fuzz target for the name normalisers and checks that domain names from
//! users and logs go through: `cautery_zone::normalise_name` and
//! `check_name` (policy owners, allow entries, campaign names) and
//! `cautery_dga::normalise` with the reverse index (`cautery lookup`). The
//! two normalisers must agree, and a name that passes the check must be a
//! fixed point of normalisation and fit the DNS's limits.
//! Run with `cargo +nightly fuzz run names`.
#![no_main]

use std::sync::LazyLock;

use cautery_dga::{find_family, ReverseIndex};
use cautery_zone::{check_name, normalise_name};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

static INDEX: LazyLock<ReverseIndex> = LazyLock::new(|| {
    let family = find_family("banjori").expect("banjori is built in");
    let seed = family.default_seed();
    let generator = (family.bind)(seed.value).expect("default seed binds");
    let day = NaiveDate::from_ymd_opt(2026, 11, 26).expect("day");
    let mut index = ReverseIndex::new();
    index
        .add(family, seed.name, generator.as_ref(), day, day)
        .expect("one day indexes");
    index
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let zone = normalise_name(&text);
    let dga = cautery_dga::normalise(&text);
    assert_eq!(zone, dga, "the two normalisers disagree");
    let hits = INDEX.lookup(&text);
    if check_name(&zone).is_ok() {
        assert_eq!(normalise_name(&zone), zone, "a checked name is normal");
        assert!(zone.len() <= 253);
        assert!(zone.split('.').all(|l| !l.is_empty() && l.len() <= 63));
        assert!(zone.contains('.'));
        // Only for valid names: normalising is not idempotent on junk
        // ("a.com.." loses one dot per pass), which is why lookups do it
        // once.
        assert_eq!(hits.len(), INDEX.lookup(&zone).len());
    }
    for hit in hits {
        assert_eq!(hit.family, "banjori");
    }
});

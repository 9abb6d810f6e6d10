//! Property: for random families, seeds and days, looking up a generated
//! name returns that family, seed and window.

use cautery_dga::{all_families, epochs, Family, ReverseIndex, Window};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

fn deterministic() -> Vec<&'static Family> {
    all_families()
        .iter()
        .copied()
        .filter(|f| f.seeding.deterministic)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn lookup_returns_the_origin_of_a_generated_name(
        family_pick in any::<prop::sample::Index>(),
        seed_pick in any::<prop::sample::Index>(),
        name_pick in any::<prop::sample::Index>(),
        offset in 0u64..(365 * 12),
        span in 0u64..20,
    ) {
        let families = deterministic();
        let family = families[family_pick.index(families.len())];
        let seed = &family.seeds[seed_pick.index(family.seeds.len())];
        let generator = (family.bind)(seed.value).expect("a listed seed binds");
        let base: NaiveDate = "2015-01-01".parse().expect("date");
        let first = base + Days::new(offset);
        let last = first + Days::new(span);

        let found = epochs(family, generator.as_ref(), first, last).expect("range");
        let epoch = found[name_pick.index(found.len())];
        let mut names = Vec::new();
        generator.generate_at(epoch.start, &mut names);
        prop_assume!(!names.is_empty());
        let name = &names[name_pick.index(names.len())];

        let mut index = ReverseIndex::new();
        index.add(family, seed.name, generator.as_ref(), first, last).expect("range");
        let hits = index.lookup(name);
        // Seeds whose names recur in consecutive epochs get one window per
        // stretch of use, joining the epoch's window with its neighbours'.
        let joined = generator.spread_days() > 0;
        let matches = |window: Window| {
            window == epoch.window
                || (joined
                    && window.from.is_none_or(|from| epoch.window.from.is_some_and(|f| from <= f))
                    && window.to.is_none_or(|to| epoch.window.to.is_some_and(|t| t <= to)))
        };
        prop_assert!(
            hits.iter().any(|h| h.family == family.name && h.seed == seed.name && matches(h.window)),
            "{} seed {} {}: {:?} not among {:?}", family.name, seed.name, epoch.start, epoch.window, hits
        );
    }
}

//! Fuzz target for campaign files (TOML) and the command-line action form:
//! any text through `Campaign::from_toml` and `Action::parse`. A campaign
//! that validates must hold what validation promises: a usable zone name,
//! a horizon within the limit, a TTL in range, and an action that prints
//! back to itself.
//! Run with `cargo +nightly fuzz run campaign`.
#![no_main]

use cautery_zone::{check_name, Action, Campaign};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(action) = Action::parse(text) {
        let again = Action::parse(&action.to_string()).expect("an action prints back");
        assert_eq!(again, action);
    }
    let Ok(campaign) = Campaign::from_toml(text) else {
        return;
    };
    assert!(
        check_name(&campaign.zone.name).is_ok(),
        "{}",
        campaign.zone.name
    );
    let servers = campaign.zone.ns.iter().map(|n| n.as_str());
    for name in campaign.allow.names.iter().map(String::as_str).chain(servers) {
        assert!(name == "localhost" || check_name(name).is_ok(), "{name}");
    }
    let horizon = campaign.horizon;
    assert!(u64::from(horizon.days_back) + u64::from(horizon.days_ahead) <= 3650);
    assert!((1..=604_800).contains(&campaign.ttl));
    assert!(!campaign.targets.is_empty());
    let again = Action::parse(&campaign.action.to_string()).expect("an action prints back");
    assert_eq!(again, campaign.action);
});

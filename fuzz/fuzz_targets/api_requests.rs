//! Fuzz target for what clients send the HTTP API: the same bytes read as
//! every endpoint's query string (as axum's `Query` does, with
//! serde_urlencoded) and as its JSON body (serde_json), then every bound
//! checked as the handlers check it. The request types and checks are the
//! server's own file (`src/api/requests.rs`), included here. Nothing may
//! panic; a check that passes must hold its bound.
//! Run with `cargo +nightly fuzz run api_requests`.
#![no_main]

#[allow(dead_code)]
#[path = "../../src/api/requests.rs"]
mod requests;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use requests::*;

fn page(cursor: Option<&str>, limit: Option<usize>) {
    if let Ok(n) = requests::limit(limit) {
        assert!((1..=MAX_PAGE).contains(&n));
    }
    if let Ok(offset) = offset_cursor(cursor, 1_000) {
        assert!(offset <= 1_000);
    }
    let _ = alert_cursor(cursor);
    if let Ok(Some(name)) = name_cursor(cursor) {
        assert!(name.len() <= 253);
    }
    if let Some(text) = cursor {
        // Echoed text is bounded and holds no control character.
        let echoed = shown(text);
        assert!(echoed.len() <= 256 + 8);
        assert!(!echoed.chars().any(char::is_control));
    }
}

fn days(from: Option<&str>, to: Option<&str>) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("day");
    let (Ok(from), Ok(to)) = (day("from", from, today), day("to", to, today)) else {
        return;
    };
    if let Ok(n) = day_range(from, to) {
        assert!((1..=MAX_DAYS).contains(&n));
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = serde_urlencoded::from_str::<PageQuery>(text) {
        page(q.cursor.as_deref(), q.limit);
    }
    if let Ok(q) = serde_urlencoded::from_str::<FamilyQuery>(text) {
        page(q.cursor.as_deref(), q.limit);
    }
    if let Ok(q) = serde_urlencoded::from_str::<PredictionQuery>(text) {
        page(q.cursor.as_deref(), q.limit);
        days(q.from.as_deref(), q.to.as_deref());
    }
    if let Ok(q) = serde_urlencoded::from_str::<LookupQuery>(text) {
        let _ = shown(&q.name);
    }
    for hours_asked in [
        serde_urlencoded::from_str::<VictimsQuery>(text).ok().map(|q| q.hours),
        serde_urlencoded::from_str::<FindingsQuery>(text).ok().map(|q| q.hours),
    ]
    .into_iter()
    .flatten()
    {
        if let Ok(h) = hours(hours_asked) {
            assert!((1..=MAX_HOURS).contains(&h));
        }
    }
    if let Ok(q) = serde_urlencoded::from_str::<SeedQuery>(text) {
        page(q.cursor.as_deref(), q.limit);
    }
    if let Ok(body) = serde_json::from_slice::<LookupBody>(data) {
        if lookup_count(body.names.len()).is_ok() {
            assert!((1..=MAX_LOOKUP_NAMES).contains(&body.names.len()));
        }
    }
});

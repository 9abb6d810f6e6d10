//! Parsing days from the command line and reading today's date.

use anyhow::{bail, Result};
use chrono::{Days, NaiveDate, Utc};

use cautery_dga::{EARLIEST_DAY as EARLIEST, LATEST_DAY as LATEST};

/// Today in UTC; the only place the clock is read.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Parses `YYYY-MM-DD` (or `today`) for the option `what`.
pub fn parse_day(what: &str, text: &str) -> Result<NaiveDate> {
    let text = text.trim();
    let day = if text.eq_ignore_ascii_case("today") {
        today()
    } else {
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => day,
            Err(_) => bail!("bad date '{text}' for {what}: expected YYYY-MM-DD, e.g. 2026-11-26"),
        }
    };
    if !(EARLIEST..=LATEST).contains(&day) {
        bail!("date {day} for {what} is out of range: use a day between {EARLIEST} and {LATEST}");
    }
    Ok(day)
}

/// `day` moved by `delta` days, clamped to the accepted range.
pub fn shift(day: NaiveDate, delta: i64) -> NaiveDate {
    let moved = if delta >= 0 {
        day.checked_add_days(Days::new(delta.unsigned_abs()))
    } else {
        day.checked_sub_days(Days::new(delta.unsigned_abs()))
    };
    moved.unwrap_or(day).clamp(EARLIEST, LATEST)
}

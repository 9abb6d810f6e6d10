//! Parsing days from the command line and reading today's date.

use anyhow::{bail, Result};
use chrono::{DateTime, Days, NaiveDate, Utc};

use cautery_dga::{EARLIEST_DAY as EARLIEST, LATEST_DAY as LATEST};

/// Today in UTC.
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// The current instant; the only place the clock is read.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Parses an instant for the option `what`: RFC 3339
/// (`2026-11-26T12:00:00Z`), a day (its midnight UTC), or `now`.
pub fn parse_instant(what: &str, text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    let at = if text.eq_ignore_ascii_case("now") {
        now()
    } else if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        at.with_timezone(&Utc)
    } else if text.len() == 10 {
        cautery_dga::midnight(parse_day(what, text)?)
    } else {
        bail!(
            "bad instant '{text}' for {what}: expected RFC 3339 (2026-11-26T12:00:00Z), a day \
             (2026-11-26) or now"
        )
    };
    let day = at.date_naive();
    if !(EARLIEST..=LATEST).contains(&day) {
        bail!("instant {at} for {what} is out of range: use a day between {EARLIEST} and {LATEST}");
    }
    Ok(at)
}

/// Parses `YYYY-MM-DD` (or `today`) for the option `what`.
pub fn parse_day(what: &str, text: &str) -> Result<NaiveDate> {
    let text = text.trim();
    let day = if text.eq_ignore_ascii_case("today") {
        today()
    } else {
        // chrono reads "26-12-01" as the year 26: ask for the four digits.
        let year = text.split('-').next().unwrap_or("");
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            bail!("bad date '{text}' for {what}: the year needs four digits (YYYY-MM-DD, e.g. 2026-11-26)");
        }
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

/// The days that `--date DAY` or `--from D --to D` name (clap asks for
/// both ends of a range), else today alone.
pub fn day_range(
    date: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(NaiveDate, NaiveDate)> {
    Ok(match (date, from, to) {
        (Some(day), _, _) => {
            let day = parse_day("--date", day)?;
            (day, day)
        }
        (None, Some(from), Some(to)) => (parse_day("--from", from)?, parse_day("--to", to)?),
        _ => (today(), today()),
    })
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

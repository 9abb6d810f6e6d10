//! What clients send the API: the query strings and JSON bodies of every
//! endpoint as types (unknown fields refused), and the checks of their
//! bounds (page sizes, cursors, hour and day ranges, names per lookup).
//!
//! Pure: serde and chrono only, no axum, so that the fuzz target
//! `api_requests` includes this file and parses what a client may send
//! exactly as the server does.

use chrono::NaiveDate;
use serde::Deserialize;

/// Items of one page at most.
pub const MAX_PAGE: usize = 10_000;
/// Items of a page unless `limit` says otherwise.
pub const DEFAULT_PAGE: usize = 1_000;
/// Hours one request may look back.
pub const MAX_HOURS: i64 = 31 * 24;
/// Days one predictions request may span.
pub const MAX_DAYS: i64 = 31;
/// Names one lookup may ask about.
pub const MAX_LOOKUP_NAMES: usize = 1_000;
/// Bytes of a client's text echoed in an error.
const ECHOED: usize = 256;

/// `text` as it may be echoed in an error: control characters and bidi
/// marks escaped, cut after [`ECHOED`] bytes.
pub fn shown(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if out.len() >= ECHOED {
            out.push('…');
            break;
        }
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `?cursor=&limit=`, and the search or filter some lists take.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page.
    pub limit: Option<usize>,
}

/// `GET /api/v1/families?q=&cursor=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyQuery {
    /// Part of a name or alias.
    pub q: Option<String>,
    /// As [`PageQuery`].
    pub cursor: Option<String>,
    /// As [`PageQuery`].
    pub limit: Option<usize>,
}

/// `GET /api/v1/families/{name}/predictions?seed=&from=&to=&cursor=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionQuery {
    /// The seed; the family's default when absent.
    pub seed: Option<String>,
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// As [`PageQuery`].
    pub cursor: Option<String>,
    /// As [`PageQuery`].
    pub limit: Option<usize>,
}

/// `GET /api/v1/lookup?name=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// The name.
    pub name: String,
}

/// `POST /api/v1/lookup` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupBody {
    /// The names.
    pub names: Vec<String>,
}

/// `?hours=` of the victims.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VictimsQuery {
    /// Hours before now.
    pub hours: Option<i64>,
}

/// `GET /api/v1/findings?hours=&family=&cursor=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingsQuery {
    /// Hours before now.
    pub hours: Option<i64>,
    /// Only this family.
    pub family: Option<String>,
    /// As [`PageQuery`].
    pub cursor: Option<String>,
    /// As [`PageQuery`].
    pub limit: Option<usize>,
}

/// `GET /api/v1/seeds?source=&cursor=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedQuery {
    /// Only this source.
    pub source: Option<String>,
    /// As [`PageQuery`].
    pub cursor: Option<String>,
    /// As [`PageQuery`].
    pub limit: Option<usize>,
}

/// Items per page: `limit`, 1 to [`MAX_PAGE`], else [`DEFAULT_PAGE`].
pub fn limit(limit: Option<usize>) -> Result<usize, String> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(format!(
            "limit={limit} is out of range: give 1 to {MAX_PAGE}"
        ));
    }
    Ok(limit)
}

fn bad_cursor(text: &str) -> String {
    format!(
        "cursor '{}' is not one this server gave: pass next_cursor of the previous page unchanged",
        shown(text)
    )
}

/// The offset an `o<N>` cursor names, within a list of `len` items.
pub fn offset_cursor(cursor: Option<&str>, len: usize) -> Result<usize, String> {
    match cursor {
        None => Ok(0),
        Some(text) => text
            .strip_prefix('o')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= len)
            .ok_or_else(|| bad_cursor(text)),
    }
}

/// The alert id an `a<ID>` cursor names: the next page is below it.
pub fn alert_cursor(cursor: Option<&str>) -> Result<Option<i64>, String> {
    cursor
        .map(|text| {
            text.strip_prefix('a')
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(|| bad_cursor(text))
        })
        .transpose()
}

/// The name an `n<NAME>` cursor names: the next page is after it.
pub fn name_cursor(cursor: Option<&str>) -> Result<Option<String>, String> {
    cursor
        .map(|text| {
            text.strip_prefix('n')
                .filter(|name| name.len() <= 253)
                .map(str::to_owned)
                .ok_or_else(|| bad_cursor(text))
        })
        .transpose()
}

/// Hours to look back: 1 to [`MAX_HOURS`], 24 unless given.
pub fn hours(hours: Option<i64>) -> Result<i64, String> {
    let hours = hours.unwrap_or(24);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(format!(
            "hours={hours} is out of range: give 1 to {MAX_HOURS}"
        ));
    }
    Ok(hours)
}

/// A day `YYYY-MM-DD` named `what`, or `default`.
pub fn day(what: &str, text: Option<&str>, default: NaiveDate) -> Result<NaiveDate, String> {
    match text {
        None => Ok(default),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("{what}='{}' is not a day: write YYYY-MM-DD", shown(text))),
    }
}

/// Days from `from` to `to`, both included: 1 to [`MAX_DAYS`].
pub fn day_range(from: NaiveDate, to: NaiveDate) -> Result<i64, String> {
    let days = (to - from).num_days() + 1;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(format!(
            "from={from} to={to} spans {days} days: give 1 to {MAX_DAYS} days, from not after to"
        ));
    }
    Ok(days)
}

/// A lookup of `count` names: 1 to [`MAX_LOOKUP_NAMES`].
pub fn lookup_count(count: usize) -> Result<(), String> {
    if count == 0 || count > MAX_LOOKUP_NAMES {
        return Err(format!(
            "{count} names asked: give 1 to {MAX_LOOKUP_NAMES} per request"
        ));
    }
    Ok(())
}

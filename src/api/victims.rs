//! `GET /api/v1/victims`: the sinkhole's events over the last hours, counted
//! per family and time bucket (a series for a chart), per AS and per
//! country (tables, top first), with distinct source addresses beside
//! every count. Read on the blocking pool from the per-hour counts the
//! event store keeps beside the events (`cautery_events::victims`: one row
//! per hour, family, source, AS and country, so distinct sources over many
//! hours are exact); bounded by [`MAX_HOURS`](super::requests::MAX_HOURS)
//! and [`MAX_ROWS`] read (past it the answer says `truncated`).
//!
//! Answers are cached per (hours, end of range, store) and dropped as soon
//! as the events unit writes new events (the metrics' stored count moves)
//! or the current bucket ends, so a dashboard polled by many clients costs
//! one scan per batch of new events, not one per request; requests that
//! miss wait for the one computing the answer (the store's lock) and take
//! its result.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cautery_dga::rfc3339;
use cautery_events::victims::VictimCounts;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::ApiState;
use crate::daemon::units::events::open_store;

use super::requests::VictimsQuery;
/// Per-hour rows one request reads at most (about 2,700 distinct sources
/// an hour over 31 days).
pub const MAX_ROWS: u64 = 2_000_000;
/// Rows of the AS and country tables.
const TOP: usize = 50;

/// One bucket of a family's series.
#[derive(Serialize)]
pub struct Point {
    at: String,
    events: u64,
    sources: u64,
}

/// The series of one family.
#[derive(Serialize)]
pub struct Series {
    family: String,
    events: u64,
    sources: u64,
    points: Vec<Point>,
}

/// A row of the AS table.
#[derive(Serialize)]
pub struct AsRow {
    asn: Option<u32>,
    as_name: Option<String>,
    events: u64,
    sources: u64,
}

/// A row of the country table.
#[derive(Serialize)]
pub struct CountryRow {
    country: Option<String>,
    events: u64,
    sources: u64,
}

/// The answer.
#[derive(Serialize)]
pub struct Victims {
    from: String,
    to: String,
    bucket_seconds: i64,
    events: u64,
    sources: u64,
    truncated: bool,
    families: Vec<Series>,
    asns: Vec<AsRow>,
    countries: Vec<CountryRow>,
}

/// What identifies a victims answer: hours asked, end of the range,
/// events stored so far, and the store.
#[derive(Clone, PartialEq, Eq)]
struct CacheKey {
    hours: i64,
    to: DateTime<Utc>,
    stored: u64,
    store: String,
}

/// Answers kept (their JSON), the newest last.
#[derive(Default)]
pub struct Cache {
    answers: Vec<(CacheKey, Bytes)>,
}

/// Answers kept at once: one per period the console offers, and a few.
const CACHED: usize = 8;

impl Cache {
    fn get(&self, key: &CacheKey) -> Option<Bytes> {
        self.answers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, body)| body.clone())
    }

    fn put(&mut self, key: CacheKey, body: Bytes) {
        // Answers of older counts can never be asked for again.
        self.answers
            .retain(|(k, _)| k.stored == key.stored && k.hours != key.hours);
        if self.answers.len() >= CACHED {
            self.answers.remove(0);
        }
        self.answers.push((key, body));
    }
}

fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Counts of the events of the last `hours` (default 24) before the
/// daemon's clock.
pub async fn victims(
    State(state): State<Arc<ApiState>>,
    Query(query): Query<VictimsQuery>,
) -> ApiResult<Response> {
    let hours = super::requests::hours(query.hours).map_err(ApiError::bad_request)?;
    let now = state.center.clock.now();
    let bucket = if hours <= 72 {
        TimeDelta::hours(1)
    } else {
        TimeDelta::days(1)
    };
    // Whole buckets, the current one included.
    let to = now
        .duration_trunc(bucket)
        .map_err(|e| ApiError::internal(e.to_string()))?
        + bucket;
    let from = to - TimeDelta::hours(hours).max(bucket);
    let key = CacheKey {
        hours,
        to,
        stored: state.center.metrics.events_stored_total(),
        store: state
            .center
            .runtime()
            .events
            .as_ref()
            .map(|e| e.store.to_string())
            .unwrap_or_default(),
    };
    let cached = |state: &ApiState, key: &CacheKey| {
        state
            .victims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
    };
    if let Some(body) = cached(&state, &key) {
        return Ok(json(body));
    }
    let shared = state.clone();
    let body = with_store(&state, move |store| {
        // Another request may have counted while this one waited.
        if let Some(body) = cached(&shared, &key) {
            return Ok(body);
        }
        let counted = count(store, from, to, bucket)?;
        let body = Bytes::from(
            serde_json::to_vec(&counted)
                .map_err(|e| ApiError::internal(format!("victims answer: {e}")))?,
        );
        shared
            .victims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(key, body.clone());
        Ok(body)
    })
    .await?;
    Ok(json(body))
}

/// Runs `read` on the event store's connection kept between requests, on
/// the blocking pool; 404 when the daemon keeps no events.
pub(super) async fn with_store<T: Send + 'static>(
    state: &Arc<ApiState>,
    read: impl FnOnce(&dyn cautery_events::EventStore) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let Some(events) = state.center.runtime().events.clone() else {
        return Err(ApiError::not_found(
            "this daemon keeps no events ([events] store is empty)",
        ));
    };
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        // One connection, kept between requests; opened again after an
        // error or when a reload moved the store.
        let mut kept = state.store.lock().unwrap_or_else(|e| e.into_inner());
        if kept
            .as_ref()
            .is_none_or(|(location, _)| *location != events.store)
        {
            let store =
                open_store(&events.store).map_err(|e| ApiError::internal(format!("{e:#}")))?;
            *kept = Some((events.store.clone(), store));
        }
        let Some((_, store)) = kept.as_ref() else {
            return Err(ApiError::internal("no event store connection"));
        };
        let read = read(store.as_ref());
        if read.is_err() {
            *kept = None;
        }
        read
    })
    .await
    .map_err(|e| ApiError::internal(format!("event store task failed: {e}")))?
}

fn count(
    store: &dyn cautery_events::EventStore,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: TimeDelta,
) -> ApiResult<Victims> {
    let mut counts = VictimCounts::new(from, to, bucket);
    let mut truncated = false;
    store
        .hourly_between(from, to, &mut |row| {
            if counts.rows() >= MAX_ROWS {
                truncated = true;
                return false;
            }
            counts.add(&row);
            true
        })
        .map_err(|e| ApiError::internal(format!("reading the per-hour victims counts: {e}")))?;
    let counted = counts.finish(TOP);
    let name = |family: Option<String>| family.unwrap_or_else(|| "unattributed".to_owned());
    Ok(Victims {
        from: rfc3339(from),
        to: rfc3339(to),
        bucket_seconds: bucket.num_seconds(),
        events: counted.total.events,
        sources: counted.total.sources,
        truncated,
        families: counted
            .families
            .into_iter()
            .map(|f| Series {
                family: name(f.family),
                events: f.total.events,
                sources: f.total.sources,
                points: f
                    .points
                    .into_iter()
                    .map(|(at, count)| Point {
                        at: rfc3339(at),
                        events: count.events,
                        sources: count.sources,
                    })
                    .collect(),
            })
            .collect(),
        asns: counted
            .asns
            .into_iter()
            .map(|a| AsRow {
                asn: a.asn,
                as_name: a.as_name,
                events: a.total.events,
                sources: a.total.sources,
            })
            .collect(),
        countries: counted
            .countries
            .into_iter()
            .map(|c| CountryRow {
                country: c.country,
                events: c.total.events,
                sources: c.total.sources,
            })
            .collect(),
    })
}

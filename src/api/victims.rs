//! `GET /api/v1/victims`: the sinkhole's events over the last hours, counted
//! per family and time bucket (a series for a chart), per AS and per
//! country (tables, top first), with distinct source addresses beside
//! every count. Read from the event store on the blocking pool, a page at
//! a time; bounded by [`MAX_HOURS`](super::requests::MAX_HOURS) and [`MAX_EVENTS`] scanned (past it the
//! answer says `truncated`).
//!
//! Answers are cached per (hours, end of range, store) and dropped as soon
//! as the events unit writes new events (the metrics' stored count moves)
//! or the current bucket ends, so a dashboard polled by many clients costs
//! one scan per batch of new events, not one per request; requests that
//! miss wait for the one computing the answer (the store's lock) and take
//! its result.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cautery_dga::rfc3339;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::ApiState;
use crate::daemon::units::events::open_store;

use super::requests::VictimsQuery;
/// Events one request reads at most.
pub const MAX_EVENTS: usize = 2_000_000;
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

#[derive(Default)]
struct Tally {
    events: u64,
    sources: HashSet<IpAddr>,
}

impl Tally {
    fn add(&mut self, source: IpAddr) {
        self.events += 1;
        self.sources.insert(source);
    }
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
    let mut total = Tally::default();
    let mut families: BTreeMap<String, (Tally, BTreeMap<DateTime<Utc>, Tally>)> = BTreeMap::new();
    let mut asns: HashMap<Option<u32>, (Option<String>, Tally)> = HashMap::new();
    let mut countries: HashMap<Option<String>, Tally> = HashMap::new();
    let mut after = None;
    let mut truncated = false;
    loop {
        let page = store
            .events_between(from, to, after, 10_000)
            .map_err(|e| ApiError::internal(format!("reading events: {e}")))?;
        for (_, event) in &page {
            let source = event.src_ip();
            total.add(source);
            let family = event.attribution.as_ref().map_or_else(
                || "unattributed".to_string(),
                |a| a.provenance.family.to_string(),
            );
            let at = event.time.duration_trunc(bucket).unwrap_or(event.time);
            let (tally, series) = families.entry(family).or_default();
            tally.add(source);
            series.entry(at).or_default().add(source);
            let (name, tally) = asns.entry(event.src_asn).or_default();
            if name.is_none() {
                name.clone_from(&event.src_as_name);
            }
            tally.add(source);
            countries
                .entry(event.src_country.clone())
                .or_default()
                .add(source);
        }
        after = page.last().map(|(id, _)| *id);
        if page.len() < 10_000 {
            break;
        }
        if total.events as usize >= MAX_EVENTS {
            truncated = true;
            break;
        }
    }
    let families = families
        .into_iter()
        .map(|(family, (tally, series))| {
            // Every bucket of the range, zeros included, so charts need
            // not fill gaps.
            let mut points = Vec::new();
            let mut at = from;
            while at < to {
                let (events, sources) = series
                    .get(&at)
                    .map_or((0, 0), |t| (t.events, t.sources.len() as u64));
                points.push(Point {
                    at: rfc3339(at),
                    events,
                    sources,
                });
                at += bucket;
            }
            Series {
                family,
                events: tally.events,
                sources: tally.sources.len() as u64,
                points,
            }
        })
        .collect();
    let mut asns: Vec<AsRow> = asns
        .into_iter()
        .map(|(asn, (as_name, tally))| AsRow {
            asn,
            as_name,
            events: tally.events,
            sources: tally.sources.len() as u64,
        })
        .collect();
    asns.sort_by(|a, b| {
        b.sources
            .cmp(&a.sources)
            .then(b.events.cmp(&a.events))
            .then(a.asn.cmp(&b.asn))
    });
    asns.truncate(TOP);
    let mut countries: Vec<CountryRow> = countries
        .into_iter()
        .map(|(country, tally)| CountryRow {
            country,
            events: tally.events,
            sources: tally.sources.len() as u64,
        })
        .collect();
    countries.sort_by(|a, b| {
        b.sources
            .cmp(&a.sources)
            .then(b.events.cmp(&a.events))
            .then(a.country.cmp(&b.country))
    });
    countries.truncate(TOP);
    Ok(Victims {
        from: rfc3339(from),
        to: rfc3339(to),
        bucket_seconds: bucket.num_seconds(),
        events: total.events,
        sources: total.sources.len() as u64,
        truncated,
        families,
        asns,
        countries,
    })
}

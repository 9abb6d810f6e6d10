//! `GET /api/v1/findings`: infected clients per family, from the DNS
//! events of the last hours. The dnstap collector (`units/collector.rs`)
//! stores a client's queries for served names once it passed the
//! `[detect]` threshold, so each stored DNS event with a family is a
//! finding's query; this groups them per client and family: distinct
//! names, queries, first and last query, network.
//!
//! Read from the event store on the blocking pool, bounded by
//! [`MAX_HOURS`](super::requests::MAX_HOURS) and
//! [`MAX_EVENTS`] scanned (past it the answer
//! says `truncated`); the findings are paged with the same offset cursor as
//! the other lists.
//!
//! Known limitation: the sinkhole authority's own query log makes DNS
//! events too, whose source is the resolver that asked, not a client; they
//! appear as findings of that resolver's address.

use std::net::IpAddr;
use std::sync::Arc;

use ahash::{AHashMap, AHashSet};
use axum::extract::{Query, State};
use axum::Json;
use cautery_dga::rfc3339;
use cautery_events::Details;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::requests::FindingsQuery;
use super::routes::{page, Page};
use super::victims::with_store;
use super::ApiState;

/// Events read from the store per query.
const BATCH: usize = 10_000;

/// Events one request reads at most.
pub const MAX_EVENTS: usize = 2_000_000;

/// One client that asked for names of one family.
#[derive(Serialize)]
pub struct Finding {
    client: String,
    family: String,
    names: u64,
    queries: u64,
    first: String,
    last: String,
    asn: Option<u32>,
    country: Option<String>,
    /// A few of the names asked, in the order first asked.
    examples: Vec<String>,
}

/// The answer.
#[derive(Serialize)]
pub struct Findings {
    from: String,
    to: String,
    truncated: bool,
    #[serde(flatten)]
    page: Page<Finding>,
}

/// Names shown per finding.
const EXAMPLES: usize = 5;

struct Tally {
    names: AHashSet<String>,
    examples: Vec<String>,
    queries: u64,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    asn: Option<u32>,
    country: Option<String>,
}

/// The findings of the last `hours` (default 24) before the daemon's
/// clock, most names first.
pub async fn findings(
    State(state): State<Arc<ApiState>>,
    Query(query): Query<FindingsQuery>,
) -> ApiResult<Json<Findings>> {
    let hours = super::requests::hours(query.hours).map_err(ApiError::bad_request)?;
    let to = state.center.clock.now();
    let from = to - TimeDelta::hours(hours);
    let family = query.family.clone().map(|f| f.to_ascii_lowercase());
    let (items, truncated) = with_store(&state, move |store| {
        group(store, from, to, family.as_deref())
    })
    .await?;
    Ok(Json(Findings {
        from: rfc3339(from),
        to: rfc3339(to),
        truncated,
        page: page(items, query.cursor.as_deref(), query.limit)?,
    }))
}

fn group(
    store: &dyn cautery_events::EventStore,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    family: Option<&str>,
) -> ApiResult<(Vec<Finding>, bool)> {
    let mut tallies: AHashMap<(IpAddr, String), Tally> = AHashMap::new();
    let mut after = None;
    let mut read = 0usize;
    let mut truncated = false;
    loop {
        let batch = store
            .events_between(from, to, after, BATCH)
            .map_err(|e| ApiError::internal(format!("reading events: {e}")))?;
        read += batch.len();
        for (_, event) in &batch {
            let (Details::Dns { .. }, Some(attribution), Some(name)) =
                (&event.details, &event.attribution, &event.name)
            else {
                continue;
            };
            let of = attribution.provenance.family.to_string();
            if family.is_some_and(|f| f != of) {
                continue;
            }
            let tally = tallies
                .entry((event.src_ip(), of))
                .or_insert_with(|| Tally {
                    names: AHashSet::new(),
                    examples: Vec::new(),
                    queries: 0,
                    first: event.time,
                    last: event.time,
                    asn: event.src_asn,
                    country: event.src_country.clone(),
                });
            tally.queries += 1;
            tally.first = tally.first.min(event.time);
            tally.last = tally.last.max(event.time);
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if tally.examples.len() < EXAMPLES && !tally.names.contains(&name) {
                tally.examples.push(name.clone());
            }
            tally.names.insert(name);
        }
        after = batch.last().map(|(id, _)| *id);
        if batch.len() < BATCH {
            break;
        }
        if read >= MAX_EVENTS {
            truncated = true;
            break;
        }
    }
    let mut items: Vec<Finding> = tallies
        .into_iter()
        .map(|((client, family), tally)| Finding {
            client: client.to_string(),
            family,
            names: tally.names.len() as u64,
            queries: tally.queries,
            first: rfc3339(tally.first),
            last: rfc3339(tally.last),
            asn: tally.asn,
            country: tally.country,
            examples: tally.examples,
        })
        .collect();
    items.sort_by(|a, b| {
        b.names
            .cmp(&a.names)
            .then(b.queries.cmp(&a.queries))
            .then(a.client.cmp(&b.client))
            .then(a.family.cmp(&b.family))
    });
    Ok((items, truncated))
}

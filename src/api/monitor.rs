//! The registration monitor and the seed inputs, read-only:
//! `GET /api/v1/monitor` (each source's health and the names found
//! registered, a page at a time), `GET /api/v1/monitor/alerts` (newest
//! first, a page at a time) and `GET /api/v1/seeds` (the public-data seed
//! archive's fetch records, newest first).
//!
//! The monitor's tables are read where the monitor unit writes them
//! (`[monitor] state`, else the event store), through
//! `cautery_monitor::StateStore`, on the blocking pool; each request opens
//! the store (SQLite or PostgreSQL) anew, so a monitor run alone by
//! `cautery monitor --config` is seen as well.
//!
//! Known limitation: the seed archive's records are read whole at each
//! request (one small JSON file per fetch); an archive of many thousands
//! of fetches costs milliseconds per request.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use cautery_dga::rfc3339;
use cautery_monitor::{SourceHealth, StateStore};
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::requests::{PageQuery, SeedQuery};
use super::routes::{page, window_bound, Page};
use super::ApiState;

/// A page of a list read from a store in order: the cursor names where
/// the next page starts (no total: counting would read the whole list).
#[derive(Serialize)]
pub struct Keyset<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

fn limit_of(limit: Option<usize>) -> ApiResult<usize> {
    super::requests::limit(limit).map_err(ApiError::bad_request)
}

/// Opens the monitor's state and runs `read` on it, on the blocking pool.
async fn with_state<T: Send + 'static>(
    state: &ApiState,
    read: impl FnOnce(&mut dyn StateStore) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let Some(settings) = state.center.runtime().monitor.clone() else {
        return Err(ApiError::not_found(
            "this daemon runs no registration monitor ([monitor] campaigns is empty)",
        ));
    };
    tokio::task::spawn_blocking(move || {
        let location = settings.state.to_string_lossy().into_owned();
        let mut store = cautery_monitor::open_state(&location)
            .map_err(|e| ApiError::internal(format!("{e}")))?;
        read(store.as_mut())
    })
    .await
    .map_err(|e| ApiError::internal(format!("monitor task failed: {e}")))?
}

/// One source of the monitor and how it fares.
#[derive(Serialize)]
pub struct Source {
    source: String,
    healthy: bool,
    last_attempt: String,
    last_ok: Option<String>,
    failures: u32,
    last_error: String,
    data_time: Option<String>,
}

impl From<SourceHealth> for Source {
    fn from(health: SourceHealth) -> Source {
        Source {
            healthy: !health.unhealthy,
            last_attempt: rfc3339(health.last_attempt),
            last_ok: window_bound(health.last_ok),
            failures: health.failures,
            last_error: health.last_error,
            data_time: window_bound(health.data_time),
            source: health.source,
        }
    }
}

/// A predicted name found registered.
#[derive(Serialize)]
pub struct RegisteredName {
    domain: String,
    first_seen: String,
    last_seen: String,
    ns: Vec<String>,
    registrar: Option<String>,
    expires: Option<String>,
    changed_at: String,
    /// Since when a held name is no longer delegated (null while it is).
    gone_since: Option<String>,
}

/// `GET /api/v1/monitor`.
#[derive(Serialize)]
pub struct Monitor {
    at: String,
    interval_seconds: i64,
    sources: Vec<Source>,
    #[serde(flatten)]
    names: Keyset<RegisteredName>,
}

/// The sources' health and a page of the names found registered (in name
/// order; the cursor is the last name of the page).
pub async fn monitor(
    State(state): State<Arc<ApiState>>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Json<Monitor>> {
    let limit = limit_of(query.limit)?;
    let after =
        super::requests::name_cursor(query.cursor.as_deref()).map_err(ApiError::bad_request)?;
    let interval = state
        .center
        .runtime()
        .monitor
        .as_ref()
        .map_or(0, |m| m.interval.num_seconds());
    let at = rfc3339(state.center.clock.now());
    let (sources, names) = with_state(&state, move |store| {
        let sources = store
            .sources()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        // One more than asked says whether a next page exists.
        let names = store
            .name_page(after.as_deref(), limit + 1)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok((sources, names))
    })
    .await?;
    let more = names.len() > limit;
    let items: Vec<RegisteredName> = names
        .into_iter()
        .take(limit)
        .map(|n| RegisteredName {
            domain: n.domain,
            first_seen: rfc3339(n.first_seen),
            last_seen: rfc3339(n.last_seen),
            ns: n.ns,
            registrar: n.registrar,
            expires: window_bound(n.expires),
            changed_at: rfc3339(n.changed_at),
            gone_since: window_bound(n.gone_since),
        })
        .collect();
    let next_cursor = more
        .then(|| items.last().map(|n| format!("n{}", n.domain)))
        .flatten();
    Ok(Json(Monitor {
        at,
        interval_seconds: interval,
        sources: sources.into_iter().map(Source::from).collect(),
        names: Keyset { items, next_cursor },
    }))
}

/// One alert the monitor raised.
#[derive(Serialize)]
pub struct AlertItem {
    id: i64,
    at: String,
    kind: String,
    domain: String,
    /// The alert as the sinks received it (JSON form).
    detail: serde_json::Value,
}

/// `GET /api/v1/monitor/alerts`.
#[derive(Serialize)]
pub struct Alerts {
    #[serde(flatten)]
    page: Keyset<AlertItem>,
}

/// The alerts raised, newest first; the cursor is the id below which the
/// next page starts.
pub async fn alerts(
    State(state): State<Arc<ApiState>>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Json<Alerts>> {
    let limit = limit_of(query.limit)?;
    let before =
        super::requests::alert_cursor(query.cursor.as_deref()).map_err(ApiError::bad_request)?;
    let rows = with_state(&state, move |store| {
        store
            .alert_page(before, limit + 1)
            .map_err(|e| ApiError::internal(e.to_string()))
    })
    .await?;
    let more = rows.len() > limit;
    let items: Vec<AlertItem> = rows
        .into_iter()
        .take(limit)
        .map(|row| AlertItem {
            id: row.id,
            // Stored with an offset (`+00:00`); served as every instant.
            at: chrono::DateTime::parse_from_rfc3339(&row.at)
                .map(|t| rfc3339(t.with_timezone(&chrono::Utc)))
                .unwrap_or(row.at),
            kind: row.kind,
            domain: row.domain,
            detail: serde_json::from_str(&row.body).unwrap_or(serde_json::Value::String(row.body)),
        })
        .collect();
    let next_cursor = more
        .then(|| items.last().map(|a| format!("a{}", a.id)))
        .flatten();
    Ok(Json(Alerts {
        page: Keyset { items, next_cursor },
    }))
}

/// One fetch of a public-data seed input.
#[derive(Serialize)]
pub struct SeedInput {
    source: String,
    url: String,
    fetched_at: String,
    day: String,
    status: u16,
    sha256: String,
    size: u64,
}

/// The seed archive's fetches.
#[derive(Serialize)]
pub struct SeedInputs {
    archive: String,
    #[serde(flatten)]
    page: Page<SeedInput>,
}

/// Every fetch the archive records (of `source` when given), newest first.
pub async fn seeds(
    State(state): State<Arc<ApiState>>,
    Query(query): Query<SeedQuery>,
) -> ApiResult<Json<SeedInputs>> {
    let root = state.center.runtime().seed_archive.clone();
    let shown = root.display().to_string();
    let records = tokio::task::spawn_blocking(move || {
        if !root.join("records").is_dir() {
            // Nothing fetched yet; do not create the folder from a read.
            return Ok(Vec::new());
        }
        cautery_seeds::Archive::open(&root)
            .and_then(|archive| archive.records())
            .map_err(|e| ApiError::internal(format!("seed archive: {e}")))
    })
    .await
    .map_err(|e| ApiError::internal(format!("seed archive task failed: {e}")))??;
    let mut items: Vec<SeedInput> = records
        .into_iter()
        .filter(|r| query.source.as_deref().is_none_or(|s| r.source == s))
        .map(|r| SeedInput {
            day: r.fetched_at.date_naive().to_string(),
            fetched_at: rfc3339(r.fetched_at),
            source: r.source,
            url: r.url,
            status: r.status,
            sha256: r.sha256,
            size: r.size,
        })
        .collect();
    items.sort_by(|a, b| {
        b.fetched_at
            .cmp(&a.fetched_at)
            .then(a.source.cmp(&b.source))
    });
    Ok(Json(SeedInputs {
        archive: shown,
        page: page(items, query.cursor.as_deref(), query.limit)?,
    }))
}

//! The read endpoints of `/api/v1/`: families, predictions, lookup, zones,
//! and the allow-list entries made through the API. Every list is bounded:
//! day ranges at most [`MAX_DAYS`](super::requests::MAX_DAYS), pages at most [`MAX_PAGE`](super::requests::MAX_PAGE) items with an
//! opaque cursor for the next page.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use cautery_dga::{predict, rfc3339, Window};
use chrono::NaiveDate;
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::ApiState;
use crate::commands::families::{record, FamilyRecord};
use crate::commands::{bind, SeedChoice};

use super::requests::{FamilyQuery, LookupBody, LookupQuery, PredictionQuery};

/// A page of items and the cursor of the next, if any.
#[derive(Serialize)]
pub struct Page<T> {
    items: Vec<T>,
    total: usize,
    next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page with every item turned by `f`: lists are cut first
    /// and only the items sent are rendered.
    pub(super) fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next_cursor: self.next_cursor,
        }
    }
}

/// Cuts `items` into the page `paging` asks for. A cursor is the offset
/// of the next item, written `o<N>`; clients pass it back unchanged.
pub(super) fn page<T>(
    items: Vec<T>,
    cursor: Option<&str>,
    limit: Option<usize>,
) -> ApiResult<Page<T>> {
    let (start, end, total, next_cursor) = page_bounds(items.len(), cursor, limit)?;
    let items = items.into_iter().skip(start).take(end - start).collect();
    Ok(Page {
        items,
        total,
        next_cursor,
    })
}

/// The page of a list of `total` items that `cursor` and `limit` ask for:
/// its first and end index, the total, and the next page's cursor.
fn page_bounds(
    total: usize,
    cursor: Option<&str>,
    limit: Option<usize>,
) -> ApiResult<(usize, usize, usize, Option<String>)> {
    let limit = super::requests::limit(limit).map_err(ApiError::bad_request)?;
    let start = super::requests::offset_cursor(cursor, total).map_err(ApiError::bad_request)?;
    let end = (start + limit).min(total);
    let next_cursor = (end < total).then(|| format!("o{end}"));
    Ok((start, end, total, next_cursor))
}

/// Every family, built-in and from family files, read once: a request
/// neither reads the family folders again nor waits for them (a new
/// family file needs a restart, as for the other commands' listing).
fn every_family() -> &'static [&'static cautery_dga::Family] {
    static FAMILIES: std::sync::OnceLock<Vec<&'static cautery_dga::Family>> =
        std::sync::OnceLock::new();
    FAMILIES.get_or_init(|| {
        let mut families: Vec<&'static cautery_dga::Family> = cautery_dga::all_families().to_vec();
        families.extend(crate::commands::seed::extra_families());
        families
    })
}

/// The listing of every family of [`every_family`], made once: a record
/// asks the system for the number of cores (cgroup files), which cost
/// milliseconds per family and request.
fn every_record() -> &'static [FamilyRecord<'static>] {
    static RECORDS: std::sync::OnceLock<Vec<FamilyRecord<'static>>> = std::sync::OnceLock::new();
    RECORDS.get_or_init(|| every_family().iter().map(|f| record(f)).collect())
}

/// Every family matching `q` (a part of its name or an alias).
pub async fn families(
    Query(query): Query<FamilyQuery>,
) -> ApiResult<Json<Page<FamilyRecord<'static>>>> {
    let q = query.q.unwrap_or_default().to_ascii_lowercase();
    let items: Vec<&FamilyRecord<'static>> = every_record()
        .iter()
        .filter(|f| q.is_empty() || f.matches(&q))
        .collect();
    let page = page(items, query.cursor.as_deref(), query.limit)?;
    Ok(Json(page.map(FamilyRecord::clone)))
}

/// `GET /api/v1/families/{name}`.
pub async fn family(Path(name): Path<String>) -> ApiResult<Json<FamilyRecord<'static>>> {
    let family = resolve(&name)?;
    Ok(Json(
        every_record()
            .iter()
            .find(|r| r.is(family))
            .cloned()
            .unwrap_or_else(|| record(family)),
    ))
}

fn resolve(name: &str) -> ApiResult<&'static cautery_dga::Family> {
    crate::commands::resolve_family(name)
        .or_else(|_| {
            every_family()
                .iter()
                .copied()
                .find(|f| f.name.eq_ignore_ascii_case(name))
                .ok_or(())
        })
        .map_err(|()| {
            let hints = cautery_dga::suggest_families(name);
            let hint = if hints.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", hints.join(", "))
            };
            ApiError::not_found(format!(
                "unknown family '{}'{hint} (GET /api/v1/families lists all)",
                echo(name)
            ))
        })
}

/// One predicted name.
#[derive(Serialize)]
pub struct Prediction {
    name: String,
    valid_from: Option<String>,
    valid_to: Option<String>,
}

/// The names of a family and seed over a day range.
#[derive(Serialize)]
pub struct Predictions {
    family: &'static str,
    seed: String,
    from: String,
    to: String,
    #[serde(flatten)]
    page: Page<Prediction>,
}

fn day(what: &str, text: Option<&str>, default: NaiveDate) -> ApiResult<NaiveDate> {
    super::requests::day(what, text, default).map_err(ApiError::bad_request)
}

pub(super) fn window_bound(at: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    at.map(rfc3339)
}

/// Predictions of one family and seed.
pub async fn predictions(
    State(state): State<Arc<ApiState>>,
    Path(name): Path<String>,
    Query(query): Query<PredictionQuery>,
) -> ApiResult<Json<Predictions>> {
    let family = resolve(&name)?;
    let today = state.center.clock.now().date_naive();
    let from = day("from", query.from.as_deref(), today)?;
    let to = day("to", query.to.as_deref(), from)?;
    super::requests::day_range(from, to).map_err(ApiError::bad_request)?;
    let choice = match &query.seed {
        Some(seed) => SeedChoice::Given(seed),
        None => SeedChoice::Default,
    };
    let source = bind(family, &choice, true)
        .map_err(|e| ApiError::bad_request(format!("{e:#}")))?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "family {} draws its seed at run time: give seed=VALUE",
                family.name
            ))
        })?;
    let seed = source.seed.clone();
    let key = super::predicted::Key {
        family: family.name.to_owned(),
        seed: seed.clone(),
        from,
        to,
    };
    // A public-data family's names also depend on an archived input that
    // may arrive later: those are generated for every request.
    let keep = cautery_dga::find_public_data_family(family.name).is_none();
    let kept = keep
        .then(|| super::predicted::lock(&state.predicted).get(&key))
        .flatten();
    let names = match kept {
        Some(names) => names,
        None => {
            // Names and windows first; only the page's windows are
            // written out (formatting every window of a day cost more
            // than generating it).
            let names = tokio::task::spawn_blocking(move || {
                let mut items = Vec::new();
                predict(
                    source.family,
                    source.generator.as_ref(),
                    from,
                    to,
                    |name, window: Window| items.push((name.to_string(), window)),
                )
                .map(|()| Arc::new(items))
            })
            .await
            .map_err(|e| ApiError::internal(format!("prediction task failed: {e}")))?
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
            if keep {
                super::predicted::lock(&state.predicted).put(key, Arc::clone(&names));
            }
            names
        }
    };
    let (start, end, total, next_cursor) =
        page_bounds(names.len(), query.cursor.as_deref(), query.limit)?;
    let page = Page {
        items: names[start..end].to_vec(),
        total,
        next_cursor,
    };
    Ok(Json(Predictions {
        family: family.name,
        seed,
        from: from.to_string(),
        to: to.to_string(),
        page: page.map(|(name, window)| Prediction {
            name,
            valid_from: window_bound(window.from),
            valid_to: window_bound(window.to),
        }),
    }))
}

/// What produced a name, as served now.
#[derive(Serialize)]
pub struct Match {
    zone: String,
    campaign: String,
    family: String,
    seed: String,
    valid_from: Option<String>,
    valid_to: Option<String>,
}

/// The answer about one name.
#[derive(Serialize)]
pub struct LookupResult {
    name: String,
    found: bool,
    matches: Vec<Match>,
}

/// The answer of a lookup.
#[derive(Serialize)]
pub struct Lookup {
    at: String,
    results: Vec<LookupResult>,
}

fn lookup_names(state: &ApiState, names: &[String]) -> ApiResult<Json<Lookup>> {
    super::requests::lookup_count(names.len()).map_err(ApiError::bad_request)?;
    let authority = state.center.dns.authority();
    let runtime = state.center.runtime();
    let results = names
        .iter()
        .map(|raw| {
            let name = raw.trim().trim_end_matches('.').to_ascii_lowercase();
            let matches: Vec<Match> = authority
                .zones
                .iter()
                .filter_map(|zone| {
                    let (rule, exact) = zone.policy.covering_rule(&name)?;
                    if !exact && !rule.subdomains {
                        return None;
                    }
                    let provenance = rule.provenance.as_deref()?;
                    Some(Match {
                        zone: zone.policy.zone.to_string(),
                        campaign: runtime.tag_of(&zone.policy.zone),
                        family: provenance.family.to_string(),
                        seed: provenance.seed.to_string(),
                        valid_from: window_bound(provenance.window.from),
                        valid_to: window_bound(provenance.window.to),
                    })
                })
                .collect();
            LookupResult {
                name: echo(&name),
                found: !matches.is_empty(),
                matches,
            }
        })
        .collect();
    Ok(Json(Lookup {
        at: rfc3339(state.center.clock.now()),
        results,
    }))
}

/// One name, in the zones served now.
pub async fn lookup_get(
    State(state): State<Arc<ApiState>>,
    Query(query): Query<LookupQuery>,
) -> ApiResult<Json<Lookup>> {
    lookup_names(&state, &[query.name])
}

/// Several names, in the zones served now.
pub async fn lookup_post(
    State(state): State<Arc<ApiState>>,
    Json(body): Json<LookupBody>,
) -> ApiResult<Json<Lookup>> {
    lookup_names(&state, &body.names)
}

/// One served zone.
#[derive(Serialize)]
pub struct Zone {
    name: String,
    campaign: String,
    serial: u32,
    rules: u64,
    last_change: Option<String>,
    next_change: Option<String>,
    secondaries: Vec<Secondary>,
}

/// The last transfer of a zone to one secondary (since the daemon
/// started).
#[derive(Serialize)]
pub struct Secondary {
    address: String,
    kind: &'static str,
    serial: u32,
    at: Option<String>,
    in_sync: bool,
}

/// `GET /api/v1/zones`.
#[derive(Serialize)]
pub struct Zones {
    at: String,
    zones: Vec<Zone>,
    notify: Vec<String>,
}

/// Every served zone: serial, rules, last and next change, and the
/// secondaries told of changes.
pub async fn zones(State(state): State<Arc<ApiState>>) -> Json<Zones> {
    let runtime = state.center.runtime();
    let transfers = state.center.metrics.dns.peer_transfers();
    let zones = state
        .center
        .metrics
        .zones()
        .into_iter()
        .map(|z| {
            let secondaries = transfers
                .iter()
                .filter(|t| t.zone == z.zone.trim_end_matches('.'))
                .map(|t| Secondary {
                    address: t.peer.to_string(),
                    kind: t.kind,
                    serial: t.serial,
                    at: i64::try_from(t.at_unix)
                        .ok()
                        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                        .map(rfc3339),
                    in_sync: t.serial == z.serial,
                })
                .collect();
            let campaign = cautery_policy::DomainName::new(&z.zone)
                .map(|name| runtime.tag_of(&name))
                .unwrap_or_else(|_| z.zone.clone());
            Zone {
                name: z.zone,
                campaign,
                serial: z.serial,
                rules: z.rules,
                last_change: window_bound(z.changed),
                next_change: window_bound(z.next_change),
                secondaries,
            }
        })
        .collect();
    Json(Zones {
        at: rfc3339(state.center.clock.now()),
        zones,
        notify: runtime
            .notify
            .iter()
            .map(|n| n.address.to_string())
            .collect(),
    })
}

/// `text` as it may be echoed back: control characters and bidi marks
/// escaped, cut after 256 bytes.
pub fn echo(text: &str) -> String {
    crate::output::escape_echo(text.as_bytes(), text.len())
}

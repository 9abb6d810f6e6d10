//! The campaigns the daemon serves and their collision report:
//! `GET /api/v1/campaigns` (per served policy zone, each campaign's
//! families and seeds, horizon, action) and
//! `GET /api/v1/campaigns/{name}/collisions` (the predicted names the
//! allow-list kept out, and those that cannot be written, at the daemon's
//! instant: the same gate and the same columns as `cautery export
//! --collisions`).
//!
//! The collision report plans the campaign's horizon again on the
//! blocking pool (the served forecast keeps only counts); the horizon is
//! bounded by the campaign's own limits, the report is paged.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use cautery_dga::rfc3339;
use cautery_zone::{horizon_bounds, plan, GatedPlan};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::routes::{echo, page, window_bound, Page};
use super::ApiState;

/// A family bound to a seed in a campaign.
#[derive(Serialize)]
pub struct Target {
    family: &'static str,
    seed: String,
}

/// One campaign of one served zone.
#[derive(Serialize)]
pub struct Campaign {
    name: String,
    zone: String,
    targets: Vec<Target>,
    days_back: u32,
    days_ahead: u32,
    action: String,
    subdomains: bool,
}

/// `GET /api/v1/campaigns`.
#[derive(Serialize)]
pub struct Campaigns {
    campaigns: Vec<Campaign>,
}

/// Every campaign of every served zone.
pub async fn campaigns(State(state): State<Arc<ApiState>>) -> Json<Campaigns> {
    let runtime = state.center.runtime();
    let campaigns = runtime
        .zones
        .iter()
        .filter_map(|zone| Some((zone, zone.planners.first()?)))
        .flat_map(|(zone, planner)| {
            planner.sources().iter().map(move |source| Campaign {
                name: source.label.clone(),
                zone: zone.name.to_string(),
                targets: source
                    .seeds
                    .iter()
                    .map(|s| Target {
                        family: s.family.name,
                        seed: s.seed.clone(),
                    })
                    .collect(),
                days_back: source.horizon.days_back,
                days_ahead: source.horizon.days_ahead,
                action: source.action.to_string(),
                subdomains: source.subdomains,
            })
        })
        .collect();
    Json(Campaigns { campaigns })
}

/// `?cursor=&limit=`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollisionQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

/// A predicted name kept out of the policy, once per origin.
#[derive(Serialize)]
pub struct Collision {
    name: String,
    family: String,
    seed: String,
    valid_from: Option<String>,
    valid_to: Option<String>,
    /// `allow-list exact`, `allow-list suffix`, ..., or `invalid name`.
    reason: String,
    /// The allow-list that matched (`-` for an invalid name).
    list: String,
    /// Its entry, or why the name cannot be written.
    entry: String,
}

/// The collision report of one campaign.
#[derive(Serialize)]
pub struct Collisions {
    campaign: String,
    zone: String,
    at: String,
    from: String,
    to: String,
    kept: usize,
    #[serde(flatten)]
    page: Page<Collision>,
}

/// The names of campaign `name` kept out at the daemon's instant.
pub async fn collisions(
    State(state): State<Arc<ApiState>>,
    Path(name): Path<String>,
    Query(query): Query<CollisionQuery>,
) -> ApiResult<Json<Collisions>> {
    let runtime = state.center.runtime();
    let found = runtime.zones.iter().find_map(|zone| {
        let planner = zone.planners.first()?;
        let index = planner.sources().iter().position(|s| s.label == name)?;
        // A split zone's names must fit under its longest part's name.
        let gate = zone
            .planners
            .iter()
            .map(|p| p.zone().to_string())
            .max_by_key(String::len)?;
        Some((zone.name.to_string(), planner.clone(), index, gate))
    });
    let Some((zone, planner, index, gate)) = found else {
        return Err(ApiError::not_found(format!(
            "no campaign '{}' is served (GET /api/v1/campaigns lists them)",
            echo(&name)
        )));
    };
    let at = state.center.clock.now();
    let (from, to) = horizon_bounds(&planner.sources()[index].horizon, at);
    let (kept, items) = tokio::task::spawn_blocking(move || {
        let source = &planner.sources()[index];
        let plan = plan(&source.seeds, &source.horizon, at)
            .map_err(|e| ApiError::internal(format!("planning {}: {e}", source.label)))?;
        let gated = GatedPlan::new(plan, &source.allow, &gate, source.subdomains);
        let mut items = Vec::new();
        for collision in &gated.collisions {
            let entry = gated.plan.entry(collision.index);
            for origin in entry.origins() {
                items.push(Collision {
                    name: entry.name().to_owned(),
                    family: origin.family.to_owned(),
                    seed: origin.seed.to_owned(),
                    valid_from: window_bound(origin.window.from),
                    valid_to: window_bound(origin.window.to),
                    reason: format!("allow-list {}", collision.matched.kind.as_str()),
                    list: collision.matched.list.clone(),
                    entry: collision.matched.entry.clone(),
                });
            }
        }
        for rejected in &gated.rejected {
            let entry = gated.plan.entry(rejected.index);
            for origin in entry.origins() {
                items.push(Collision {
                    name: echo(entry.name()),
                    family: origin.family.to_owned(),
                    seed: origin.seed.to_owned(),
                    valid_from: window_bound(origin.window.from),
                    valid_to: window_bound(origin.window.to),
                    reason: "invalid name".to_owned(),
                    list: "-".to_owned(),
                    entry: rejected.error.to_string(),
                });
            }
        }
        Ok::<_, ApiError>((gated.len(), items))
    })
    .await
    .map_err(|e| ApiError::internal(format!("collision task failed: {e}")))??;
    Ok(Json(Collisions {
        campaign: name,
        zone,
        at: rfc3339(at),
        from: rfc3339(from),
        to: rfc3339(to),
        kept,
        page: page(items, query.cursor.as_deref(), query.limit)?,
    }))
}

//! The HTTP API of `cautery serve` (`/api/v1/`, described by the OpenAPI
//! document it serves at `/api/v1/openapi.json`), with `/metrics` and
//! `/health` beside it.
//!
//! - [`routes`]: reads (families, predictions, lookup, zones).
//! - [`victims`]: sinkhole events counted per family over time, per AS and
//!   per country.
//! - [`campaigns`]: the campaigns served and their collision report.
//! - [`findings`]: infected clients per family from the DNS events.
//! - [`monitor`]: the registration monitor's sources, names and alerts;
//!   the seed archive.
//! - [`requests`]: what clients send, as types, and the checks of its
//!   bounds (pure; the fuzz target `api_requests` includes it).
//! - [`write`]: admin writes (reload, allow-list with an audit log).
//! - [`auth`]: bearer tokens, failed-attempt limits, CSRF rules.
//! - [`error`]: JSON errors that say what to fix.
//! - [`console`]: the web console's page and assets, built in.
//!
//! Every response carries security headers (a CSP without inline script
//! and no other origin, no framing, no sniffing, no referrer). Bodies are
//! bounded ([`MAX_BODY`]); the server around it (`daemon/units/http.rs`)
//! bounds connections and header time.
//!
//! Known limitations: the lookup answers from the zones served now (their
//! horizon), not from the day range of `cautery lookup`'s index.

pub mod auth;
pub mod campaigns;
pub mod console;
pub mod error;
pub mod findings;
pub mod monitor;
pub mod predicted;
pub mod requests;
pub mod routes;
pub mod victims;
pub mod write;

use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;

use self::auth::Failures;
use self::error::ApiError;
use crate::daemon::center::Center;
use crate::daemon::runtime::StoreLocation;
use cautery_events::EventStore;

/// Bytes of a request body at most.
pub const MAX_BODY: usize = 256 * 1024;

/// The OpenAPI 3.1 document of the API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// What the handlers share.
pub struct ApiState {
    /// The daemon.
    pub center: Arc<Center>,
    /// Failed token checks per address.
    pub failures: Mutex<Failures>,
    /// One write at a time.
    pub writes: tokio::sync::Mutex<()>,
    /// The event store's connection of the victims endpoint, and where.
    pub store: Mutex<Option<(StoreLocation, Box<dyn EventStore + Send>)>>,
    /// The victims answers computed since the store last had new events.
    pub victims: Mutex<victims::Cache>,
    /// The names of recent predictions answers.
    pub predicted: Mutex<predicted::Cache>,
}

impl ApiState {
    fn new(center: Arc<Center>) -> Arc<ApiState> {
        Arc::new(ApiState {
            center,
            failures: Mutex::new(Failures::default()),
            writes: tokio::sync::Mutex::new(()),
            store: Mutex::new(None),
            victims: Mutex::new(victims::Cache::default()),
            predicted: Mutex::new(predicted::Cache::default()),
        })
    }
}

/// The whole router: API, `/metrics`, `/health`.
pub fn router(center: Arc<Center>) -> Router {
    let state = ApiState::new(center);
    Router::new()
        .route("/", get(console::index))
        .route("/assets/{name}", get(console::asset))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/families", get(routes::families))
        .route("/api/v1/families/{name}", get(routes::family))
        .route(
            "/api/v1/families/{name}/predictions",
            get(routes::predictions),
        )
        .route(
            "/api/v1/lookup",
            get(routes::lookup_get).post(routes::lookup_post),
        )
        .route("/api/v1/zones", get(routes::zones))
        .route("/api/v1/victims", get(victims::victims))
        .route("/api/v1/monitor", get(monitor::monitor))
        .route("/api/v1/monitor/alerts", get(monitor::alerts))
        .route("/api/v1/seeds", get(monitor::seeds))
        .route("/api/v1/findings", get(findings::findings))
        .route("/api/v1/campaigns", get(campaigns::campaigns))
        .route(
            "/api/v1/campaigns/{name}/collisions",
            get(campaigns::collisions),
        )
        .route(
            "/api/v1/allow-list",
            get(write::allow_list).post(write::allow_add),
        )
        .route("/api/v1/allow-list/{name}", delete(write::allow_remove))
        .route("/api/v1/reload", post(write::reload))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), auth::guard))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Only `/metrics` and `/health`, for a separate `[metrics] listen`.
pub fn metrics_router(center: Arc<Center>) -> Router {
    let state = ApiState::new(center);
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

async fn health(State(state): State<Arc<ApiState>>) -> Response {
    if state.center.metrics.ready() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting\n").into_response()
    }
}

async fn metrics(State(state): State<Arc<ApiState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.center.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no such path '{}': the API is under /api/v1/ (GET /api/v1/openapi.json describes it); \
         /metrics and /health beside it",
        routes::echo(request.uri().path())
    ))
}

/// The content security policy: this origin only, no inline script.
pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

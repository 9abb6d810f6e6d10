//! The writes of `/api/v1/` (admin scope): reload the configuration, add
//! or remove an allow-list entry with a reason. Allow-list entries are kept
//! in the state directory (`api-allow.json`, rendered to `api-allow.txt`,
//! an allow-list file every zone's campaigns read) and reach the zones by a
//! reload, so at the next serial; each write is appended to the audit log
//! (`[http] audit-log`, JSON lines: when, who, from where, what, why)
//! before it is answered.

use std::io::Write as _;
use std::path::Path as FsPath;
use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use cautery_dga::rfc3339;
use serde::{Deserialize, Serialize};

use super::auth::{Caller, Peer};
use super::error::{ApiError, ApiResult};
use super::routes::echo;
use super::ApiState;

/// Entries the API's allow-list holds at most.
const MAX_ENTRIES: usize = 10_000;
/// Characters of a reason at most.
const MAX_REASON: usize = 500;

/// One allow-list entry made through the API.
#[derive(Serialize, Deserialize, Clone)]
pub struct AllowEntry {
    name: String,
    reason: String,
    by: String,
    at: String,
}

/// `GET /api/v1/allow-list`.
#[derive(Serialize)]
pub struct AllowEntries {
    entries: Vec<AllowEntry>,
}

/// `POST /api/v1/allow-list` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowRequest {
    name: String,
    reason: String,
}

/// `DELETE /api/v1/allow-list/{name}?reason=`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveQuery {
    reason: String,
}

/// The answer of a write.
#[derive(Serialize)]
pub struct Written {
    at: String,
    entries: usize,
    reloaded: bool,
}

/// The answer of a reload.
#[derive(Serialize)]
pub struct Reloaded {
    at: String,
    zones: Vec<String>,
}

fn read_entries(path: &FsPath) -> ApiResult<Vec<AllowEntry>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::internal(format!("{}: {e}; fix or remove the file", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(ApiError::internal(format!("{}: {e}", path.display()))),
    }
}

/// Writes the entries (JSON) and the allow-list file the zones read, each
/// through a temporary file and a rename.
fn write_entries(json: &FsPath, list: &FsPath, entries: &[AllowEntry]) -> std::io::Result<()> {
    let mut text =
        String::from("# Written by cautery's HTTP API; edit through /api/v1/allow-list.\n");
    for entry in entries {
        text.push_str(&entry.name);
        text.push('\n');
    }
    for (path, bytes) in [
        (
            json,
            serde_json::to_vec_pretty(entries).map_err(std::io::Error::other)?,
        ),
        (list, text.into_bytes()),
    ] {
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, path)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct AuditLine<'a> {
    at: &'a str,
    who: &'a str,
    from: String,
    action: &'a str,
    name: &'a str,
    reason: &'a str,
}

fn audit(path: &FsPath, line: &AuditLine<'_>) -> ApiResult<()> {
    let mut text = serde_json::to_string(line).map_err(|e| ApiError::internal(e.to_string()))?;
    text.push('\n');
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| {
            ApiError::internal(format!(
                "cannot append to the audit log {}: {e}; nothing was changed",
                path.display()
            ))
        })
}

fn check_reason(reason: &str) -> ApiResult<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(ApiError::bad_request(format!(
            "reason: say why in 1 to {MAX_REASON} characters (it goes to the audit log)"
        )));
    }
    Ok(echo(reason))
}

/// Normalises an entry: an exact name, or `*.suffix`.
fn check_entry(name: &str) -> ApiResult<String> {
    let (wild, bare) = match name.trim().strip_prefix("*.") {
        Some(rest) => ("*.", rest),
        None => ("", name.trim()),
    };
    let checked = cautery_policy::DomainName::new(bare).map_err(|e| {
        ApiError::bad_request(format!(
            "name '{}': {e}; give a host name, or *.suffix for everything under it",
            echo(name)
        ))
    })?;
    Ok(format!("{wild}{checked}"))
}

/// The entries made through the API.
pub async fn allow_list(State(state): State<Arc<ApiState>>) -> ApiResult<Json<AllowEntries>> {
    let http = state.center.runtime().http.clone();
    Ok(Json(AllowEntries {
        entries: read_entries(&http.allow_file.with_extension("json"))?,
    }))
}

/// Adds an entry, audits it, reloads.
pub async fn allow_add(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Extension(peer): Extension<Peer>,
    Json(request): Json<AllowRequest>,
) -> ApiResult<(StatusCode, Json<Written>)> {
    let name = check_entry(&request.name)?;
    let reason = check_reason(&request.reason)?;
    change(&state, &caller, peer, "allow-add", &name, &reason, |entries, at| {
        if entries.iter().any(|e| e.name == name) {
            return Err(ApiError {
                status: StatusCode::CONFLICT,
                message: format!("{name} is on the allow-list already"),
            });
        }
        if entries.len() >= MAX_ENTRIES {
            return Err(ApiError::bad_request(format!(
                "the API's allow-list holds {MAX_ENTRIES} entries; put long lists in an allow-list file of the campaign"
            )));
        }
        entries.push(AllowEntry {
            name: name.clone(),
            reason: reason.clone(),
            by: caller.name.clone(),
            at: at.to_string(),
        });
        Ok(())
    })
    .await
    .map(|written| (StatusCode::CREATED, written))
}

/// Removes an entry, audits it, reloads.
pub async fn allow_remove(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Extension(peer): Extension<Peer>,
    Path(name): Path<String>,
    Query(query): Query<RemoveQuery>,
) -> ApiResult<Json<Written>> {
    let name = check_entry(&name)?;
    let reason = check_reason(&query.reason)?;
    change(
        &state,
        &caller,
        peer,
        "allow-remove",
        &name,
        &reason,
        |entries, _| {
            let before = entries.len();
            entries.retain(|e| e.name != name);
            if entries.len() == before {
                return Err(ApiError::not_found(format!(
                    "{name} is not on the API's allow-list (GET /api/v1/allow-list lists it)"
                )));
            }
            Ok(())
        },
    )
    .await
}

/// One write at a time: read, edit, audit, write, reload.
async fn change(
    state: &ApiState,
    caller: &Caller,
    peer: Peer,
    action: &str,
    name: &str,
    reason: &str,
    edit: impl FnOnce(&mut Vec<AllowEntry>, &str) -> ApiResult<()>,
) -> ApiResult<Json<Written>> {
    let _one = state.writes.lock().await;
    let http = state.center.runtime().http.clone();
    let at = rfc3339(state.center.clock.now());
    let json = http.allow_file.with_extension("json");
    let mut entries = read_entries(&json)?;
    edit(&mut entries, &at)?;
    audit(
        &http.audit_log,
        &AuditLine {
            at: &at,
            who: &caller.name,
            from: peer.0.ip().to_string(),
            action,
            name,
            reason,
        },
    )?;
    write_entries(&json, &http.allow_file, &entries)
        .map_err(|e| ApiError::internal(format!("{}: {e}", http.allow_file.display())))?;
    tracing::info!(who = %caller.name, action, name, reason, "http api: allow-list changed");
    crate::daemon::reload(&state.center)
        .await
        .map_err(|e| ApiError::internal(format!("saved, but the reload failed: {e:#}")))?;
    Ok(Json(Written {
        at,
        entries: entries.len(),
        reloaded: true,
    }))
}

/// `POST /api/v1/reload`: rereads the configuration file, as SIGHUP does.
pub async fn reload(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Reloaded>> {
    let _one = state.writes.lock().await;
    crate::daemon::reload(&state.center).await.map_err(|e| {
        ApiError::bad_request(format!(
            "reload failed, the running configuration stays: {e:#}"
        ))
    })?;
    tracing::info!(who = %caller.name, "http api: configuration reloaded");
    let runtime = state.center.runtime();
    Ok(Json(Reloaded {
        at: rfc3339(state.center.clock.now()),
        zones: runtime.zones.iter().map(|z| z.name.to_string()).collect(),
    }))
}

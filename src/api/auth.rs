//! Who may ask what: bearer tokens of `[http]` with a read or admin scope,
//! compared in constant time (SHA-256 of both sides, then `subtle`), a
//! bound on failed attempts per client address and minute (429 after it,
//! every failure logged), and the CSRF rules of writes: only POST and
//! DELETE write, with a JSON body where there is one, and a browser's
//! `Origin` must be this server.
//!
//! Without tokens the server runs only on loopback (the configuration
//! refuses anything else) and every caller has the admin scope, as anyone
//! on the machine could edit the files anyway.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::ApiState;
use crate::daemon::runtime::{Scope, Token};

/// The connection's peer, set by the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Who is asking, as the handlers and the audit log see it.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name, or `loopback` without tokens.
    pub name: String,
    /// What the caller may do.
    pub scope: Scope,
}

/// Failed attempts per client address in the current minute.
#[derive(Debug, Default)]
pub struct Failures {
    minute: Option<Instant>,
    counts: HashMap<IpAddr, u32>,
}

/// Addresses tracked at most; past it the minute's table starts over,
/// which an attacker with that many addresses could use, but not to guess
/// a 16-character token.
const MAX_TRACKED: usize = 65_536;

impl Failures {
    fn roll(&mut self, now: Instant) {
        let fresh = self
            .minute
            .is_some_and(|start| now.duration_since(start).as_secs() < 60);
        if !fresh || self.counts.len() >= MAX_TRACKED {
            self.minute = Some(now);
            self.counts.clear();
        }
    }

    fn blocked(&mut self, ip: IpAddr, limit: u32, now: Instant) -> bool {
        self.roll(now);
        self.counts.get(&ip).is_some_and(|count| *count >= limit)
    }

    fn fail(&mut self, ip: IpAddr, now: Instant) -> u32 {
        self.roll(now);
        let count = self.counts.entry(ip).or_insert(0);
        *count += 1;
        *count
    }
}

/// The token among `tokens` that `given` is, compared in constant time.
pub fn find_token<'a>(tokens: &'a [Token], given: &[u8]) -> Option<&'a Token> {
    let given = Sha256::digest(given);
    let mut found = None;
    // Every token is compared, so the time does not say which one matched.
    for token in tokens {
        let stored = Sha256::digest(&token.secret);
        if bool::from(stored.ct_eq(&given)) && found.is_none() {
            found = Some(token);
        }
    }
    found
}

/// Paths anyone may read: liveness, the API's description, the
/// console's static files (they hold no data; the data is behind the API).
fn is_public(path: &str) -> bool {
    path == "/health"
        || path == "/api/v1/openapi.json"
        || !(path.starts_with("/api/") || path == "/metrics")
}

/// The middleware in front of every route.
pub async fn guard(
    State(state): State<Arc<ApiState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<Peer>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |p| p.0.ip());
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    if !matches!(
        method,
        Method::GET | Method::HEAD | Method::POST | Method::DELETE
    ) {
        return ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: format!("{method} is not served; reads are GET, writes POST or DELETE"),
        }
        .into_response();
    }
    let writes = !matches!(method, Method::GET | Method::HEAD);
    if writes {
        if let Err(error) = check_write(&request) {
            return error.into_response();
        }
    }
    let http = state.center.runtime().http.clone();
    let caller = if http.tokens.is_empty() {
        Caller {
            name: "loopback".into(),
            scope: Scope::Admin,
        }
    } else if is_public(&path) && !writes {
        Caller {
            name: "anonymous".into(),
            scope: Scope::Read,
        }
    } else {
        let now = Instant::now();
        let limit = http.max_failures_per_minute;
        if lock(&state.failures).blocked(peer, limit, now) {
            return ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: format!(
                    "more than {limit} failed token checks from {peer} this minute; wait a minute"
                ),
            }
            .into_response();
        }
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
        match given.and_then(|given| find_token(&http.tokens, given)) {
            Some(token) => Caller {
                name: token.name.clone(),
                scope: token.scope,
            },
            None => {
                let count = lock(&state.failures).fail(peer, now);
                tracing::warn!(%peer, %path, count, "http api: missing or wrong bearer token");
                return ApiError {
                    status: StatusCode::UNAUTHORIZED,
                    message: "this server needs 'Authorization: Bearer TOKEN' with a token of \
                              [http] tokens"
                        .into(),
                }
                .into_response();
            }
        }
    };
    if writes && caller.scope != Scope::Admin {
        return ApiError {
            status: StatusCode::FORBIDDEN,
            message: format!(
                "token '{}' has the read scope; writes need an admin token",
                caller.name
            ),
        }
        .into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// CSRF rules: a write with a body sends JSON (a cross-site form cannot
/// without a preflight this server never grants), and a browser's `Origin`
/// names this host.
fn check_write(request: &Request) -> Result<(), ApiError> {
    let headers = request.headers();
    if request.method() == Method::POST {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(ApiError {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "writes take a JSON body: send Content-Type: application/json".into(),
            });
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin = origin.to_str().unwrap_or("");
        let same = host.is_some_and(|host| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        });
        if !same {
            return Err(ApiError {
                status: StatusCode::FORBIDDEN,
                message: format!(
                    "a write from origin '{origin}' is refused: use the console of this server"
                ),
            });
        }
    }
    Ok(())
}

fn lock(failures: &Mutex<Failures>) -> std::sync::MutexGuard<'_, Failures> {
    failures.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(name: &str, secret: &str, scope: Scope) -> Token {
        Token {
            name: name.into(),
            secret: secret.as_bytes().to_vec(),
            scope,
        }
    }

    #[test]
    fn a_token_is_found_only_by_its_exact_secret() {
        let tokens = [
            token("ops", "read-secret-0123456789", Scope::Read),
            token("lead", "admin-secret-0123456789", Scope::Admin),
        ];
        assert_eq!(
            find_token(&tokens, b"admin-secret-0123456789").map(|t| t.name.as_str()),
            Some("lead")
        );
        assert!(find_token(&tokens, b"admin-secret-012345678").is_none());
        assert!(find_token(&tokens, b"").is_none());
    }

    #[test]
    fn failures_block_an_address_until_the_minute_ends() {
        let mut failures = Failures::default();
        let ip = IpAddr::from([192, 0, 2, 1]);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(!failures.blocked(ip, 3, start));
            failures.fail(ip, start);
        }
        assert!(failures.blocked(ip, 3, start));
        assert!(!failures.blocked(IpAddr::from([192, 0, 2, 2]), 3, start));
        let later = start + std::time::Duration::from_secs(61);
        assert!(!failures.blocked(ip, 3, later));
    }
}

//! The HTTP unit: serves the API router (`crate::api`: `/api/v1/`,
//! `/metrics`, `/health`) on `[http] listen`, over TLS when `[http]` names
//! a certificate, and a router of only `/metrics` and `/health` on a
//! separate `[metrics] listen`. The accept loop is ours rather than
//! `axum::serve` so that it bounds what a client can hold: connections
//! open at most (`[http] max-connections`; past it a new connection waits
//! in the kernel's backlog), 10 s to send a request head, 10 s for a TLS
//! handshake, HTTP/1.1 only. The addresses change only on restart.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use crate::api::auth::Peer;
use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::runtime::Runtime;

/// The bound addresses.
pub struct Listeners {
    api: Option<TcpListener>,
    metrics: Option<TcpListener>,
}

/// Binds the HTTP addresses of the runtime configuration: a taken address
/// fails here, before the daemon touches its state.
pub async fn bind(runtime: &Runtime) -> Result<Listeners> {
    let open = |address: Option<SocketAddr>, what: &'static str| async move {
        match address {
            None => Ok(None),
            Some(address) => TcpListener::bind(address)
                .await
                .map(Some)
                .with_context(|| format!("cannot listen for {what} on {address}")),
        }
    };
    Ok(Listeners {
        api: open(runtime.http.listen, "the HTTP API").await?,
        metrics: open(runtime.http.metrics_only, "metrics").await?,
    })
}

/// Runs the unit on the bound listeners, if any.
pub fn start(center: Arc<Center>, listeners: Listeners) -> Option<Unit> {
    if listeners.api.is_none() && listeners.metrics.is_none() {
        return None;
    }
    let http = center.runtime().http.clone();
    let limit = Arc::new(Semaphore::new(http.max_connections));
    let mut servers = Vec::new();
    if let Some(listener) = listeners.api {
        if let Ok(address) = listener.local_addr() {
            let scheme = if http.tls.is_some() { "https" } else { "http" };
            tracing::info!(%address, "HTTP API and metrics at {scheme}://{address}/");
        }
        let router = crate::api::router(center.clone());
        servers.push(tokio::spawn(serve(
            listener,
            router,
            http.tls.clone(),
            limit.clone(),
        )));
    }
    if let Some(listener) = listeners.metrics {
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "metrics at http://{address}/metrics");
        }
        let router = crate::api::metrics_router(center.clone());
        servers.push(tokio::spawn(serve(listener, router, None, limit)));
    }
    Some(Unit::spawn("http", async move {
        stopped(center.stopping()).await;
        for server in servers {
            server.abort();
        }
    }))
}

/// Accepts connections on `listener` and serves `router` on each.
async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<cautery_dns::tls::ServerConfig>>,
    limit: Arc<Semaphore>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::debug!("http accept: {error}");
                // Out of descriptors, most likely: let some close.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(Peer(peer));
                    router.clone().oneshot(request)
                });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .max_buf_size(64 * 1024);
            let result = match acceptor {
                None => {
                    builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                }
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                            .await;
                    let Ok(Ok(stream)) = handshake else {
                        tracing::debug!(%peer, "http: TLS handshake failed or timed out");
                        return;
                    };
                    builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%peer, "http connection: {error}");
            }
        });
    }
}

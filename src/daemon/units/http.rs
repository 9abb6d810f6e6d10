//! The HTTP unit: the metrics registry at `/metrics` in the Prometheus text
//! format, and `/health` (200 `ok` once the first plans are served, 503
//! before) for load balancers and service managers. A minimal server: it
//! reads at most 8 KiB of request head with a timeout, answers `GET
//! /metrics` and `GET /health`, 404 otherwise, and closes the connection. The address changes only on restart.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::metrics::Registry;
use crate::daemon::runtime::Runtime;

/// Binds the metrics address, if the runtime configuration has one: a
/// taken address fails here, before the daemon touches its state.
pub async fn bind(runtime: &Runtime) -> Result<Option<TcpListener>> {
    let Some(address) = runtime.metrics_listen else {
        return Ok(None);
    };
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen for metrics on {address}"))?;
    Ok(Some(listener))
}

/// Runs the unit on the bound `listener`, if any.
pub fn start(center: Arc<Center>, listener: Option<TcpListener>) -> Option<Unit> {
    let listener = listener?;
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "metrics at http://{address}/metrics");
    }
    Some(Unit::spawn("http", async move {
        tokio::select! {
            _ = stopped(center.stopping()) => {}
            _ = serve(listener, center.metrics.clone()) => {}
        }
    }))
}

/// Serves `/metrics` on `listener`.
async fn serve(listener: TcpListener, metrics: Arc<Registry>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut head = vec![0u8; 8192];
            let mut filled = 0;
            let read = tokio::time::timeout(Duration::from_secs(5), async {
                while filled < head.len() {
                    let n = stream.read(&mut head[filled..]).await?;
                    if n == 0 {
                        break;
                    }
                    filled += n;
                    if head[..filled].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                Ok::<_, std::io::Error>(())
            })
            .await;
            if !matches!(read, Ok(Ok(()))) {
                return;
            }
            let line = head[..filled].split(|b| *b == b'\n').next().unwrap_or(&[]);
            let (status, body) = if line.starts_with(b"GET /metrics ") {
                ("200 OK", metrics.render())
            } else if line.starts_with(b"GET /health ") {
                if metrics.ready() {
                    ("200 OK", "ok\n".to_string())
                } else {
                    ("503 Service Unavailable", "starting\n".to_string())
                }
            } else {
                (
                    "404 Not Found",
                    "not found: try /metrics or /health\n".to_string(),
                )
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tokio::time::timeout(
                Duration::from_secs(5),
                stream.write_all(response.as_bytes()),
            )
            .await;
        });
    }
}

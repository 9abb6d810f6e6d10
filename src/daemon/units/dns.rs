//! The DNS unit: the UDP and TCP sockets of the RPZ primary and the
//! sinkhole authority (crates/dns), answering from the state the publisher
//! swaps into the center. On reload it takes the new rate limits and query
//! log; listening addresses change only on restart.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use cautery_dns::querylog::QueryLog;
use cautery_dns::Server;

use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::runtime::Runtime;

/// Opens the sinkhole query log of `runtime`, if it has one.
fn query_log(runtime: &Runtime, center: &Center) -> Result<Option<QueryLog>> {
    let Some(config) = &runtime.query_log else {
        return Ok(None);
    };
    let path = config.path.clone();
    let log = QueryLog::start(config.clone(), center.metrics.dns.clone())
        .with_context(|| format!("cannot open the query log {}", path.display()))?;
    Ok(Some(log))
}

/// Opens the query log and binds every listening address, then runs the
/// unit. Fails, before anything is served, when an address is taken.
pub async fn start(center: Arc<Center>) -> Result<Unit> {
    let runtime = center.runtime();
    center.dns.set_query_log(query_log(&runtime, &center)?);
    let server = Server::start(&runtime.server, center.dns.clone(), center.stopping()).await?;
    for address in &server.local_addrs {
        tracing::info!(%address, "listening (udp+tcp)");
    }
    Ok(Unit::spawn("dns", async move {
        let mut reloads = center.reloads();
        reloads.borrow_and_update();
        let listen = runtime.server.listen.clone();
        loop {
            tokio::select! {
                _ = stopped(center.stopping()) => break,
                changed = reloads.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let runtime = reloads.borrow_and_update().clone();
                    if runtime.server.listen != listen {
                        tracing::warn!("listen addresses change only on restart");
                    }
                    center.dns.set_rrl(runtime.rrl);
                    match query_log(&runtime, &center) {
                        Ok(log) => center.dns.set_query_log(log),
                        Err(error) => tracing::error!("{error:#}"),
                    }
                }
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), server.join()).await;
    }))
}

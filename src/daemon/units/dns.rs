//! The DNS unit: the UDP and TCP sockets of the RPZ primary and the
//! sinkhole authority (crates/dns), answering from the state the publisher
//! swaps into the center. On reload it takes the new rate limits and query
//! log; listening addresses change only on restart. Every sinkhole query
//! the query log writes also goes to the event store.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use anyhow::{Context, Result};
use cautery_dns::querylog::{Entry, Observer, QueryLog};
use cautery_dns::{Bound, Server};
use cautery_events::{Details, Event, Transport};

use super::events::EventSink;
use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::runtime::Runtime;

/// A sinkhole query as an event, attributed by its rule's provenance and
/// the campaign of the zone that holds the name, stamped by the daemon's
/// clock (the query log's line keeps the system clock's instant; the
/// event must agree with the zones served and the API's windows, which
/// follow the daemon's clock, e.g. a `--clock-file`).
fn dns_event(entry: Entry, dst: SocketAddr, center: Option<&Center>) -> Event {
    let attribution = center.and_then(|c| c.attribute(&entry.hit.name));
    Event {
        time: center.map_or(entry.time, |c| c.clock.now()),
        transport: if entry.tcp {
            Transport::Tcp
        } else {
            Transport::Udp
        },
        src: entry.client,
        dst,
        attribution,
        details: Details::Dns {
            qtype: entry.hit.record_type.to_string(),
        },
        name: Some(entry.hit.name),
        src_asn: None,
        src_as_name: None,
        src_country: None,
    }
}

/// Opens the sinkhole query log of `runtime`, if it has one; with an event
/// store, every entry it writes also becomes an event (the observer holds
/// the center weakly: the center holds the log).
fn query_log(
    runtime: &Runtime,
    center: &Arc<Center>,
    sink: Option<&EventSink>,
) -> Result<Option<QueryLog>> {
    let Some(config) = &runtime.query_log else {
        return Ok(None);
    };
    let observer: Option<Observer> = sink.cloned().map(|sink| {
        let weak: Weak<Center> = Arc::downgrade(center);
        let dst = runtime
            .server
            .listen
            .first()
            .copied()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        Box::new(move |entry: Entry| {
            let center = weak.upgrade();
            sink.send(dns_event(entry, dst, center.as_deref()));
        }) as Observer
    });
    let path = config.path.clone();
    let log = QueryLog::start_with(config.clone(), center.metrics.dns.clone(), observer)
        .with_context(|| format!("cannot open the query log {}", path.display()))?;
    Ok(Some(log))
}

/// Binds every listening address of `runtime` (UDP and TCP) without
/// serving yet: a taken address fails here, before the daemon touches its
/// state.
pub async fn bind(runtime: &Runtime) -> Result<Bound> {
    Ok(Server::bind(&runtime.server).await?)
}

/// Opens the query log and serves the `bound` sockets, then runs the unit.
pub async fn start(center: Arc<Center>, sink: Option<EventSink>, bound: Bound) -> Result<Unit> {
    let runtime = center.runtime();
    center
        .dns
        .set_query_log(query_log(&runtime, &center, sink.as_ref())?);
    let server = bound.serve(center.dns.clone(), center.stopping())?;
    let plain = runtime.server.listen.len();
    for address in &server.local_addrs[..plain.min(server.local_addrs.len())] {
        tracing::info!(%address, "listening (udp+tcp)");
    }
    for address in server.local_addrs.iter().skip(plain) {
        tracing::info!(%address, "listening (tls, XoT)");
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
                    match query_log(&runtime, &center, sink.as_ref()) {
                        Ok(log) => center.dns.set_query_log(log),
                        Err(error) => tracing::error!("{error:#}"),
                    }
                }
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), server.join()).await;
    }))
}

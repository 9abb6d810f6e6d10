//! Counters and gauges of the server, rendered in the Prometheus text
//! format (names prefixed `cautery_`, low-cardinality labels only), and a
//! minimal HTTP endpoint serving them at `/metrics`.
//!
//! The HTTP side reads at most 8 KiB of request head with a timeout, answers
//! `GET /metrics` and 404 otherwise, and closes the connection.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::authority::{Outcome, QueryKind};

/// Errors counted, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A TCP client stalled past the idle timeout.
    TcpTimeout,
    /// A TCP connection refused because of the connection limit.
    TcpLimit,
    /// A transfer refused because of the concurrent transfer limit.
    TransferLimit,
    /// A query log line dropped because the writer fell behind.
    QueryLogDropped,
    /// A socket or file error.
    Io,
    /// A plan could not be computed or saved.
    Plan,
}

impl ErrorKind {
    const ALL: [ErrorKind; 6] = [
        ErrorKind::TcpTimeout,
        ErrorKind::TcpLimit,
        ErrorKind::TransferLimit,
        ErrorKind::QueryLogDropped,
        ErrorKind::Io,
        ErrorKind::Plan,
    ];

    fn label(self) -> &'static str {
        match self {
            ErrorKind::TcpTimeout => "tcp_timeout",
            ErrorKind::TcpLimit => "tcp_limit",
            ErrorKind::TransferLimit => "transfer_limit",
            ErrorKind::QueryLogDropped => "query_log_dropped",
            ErrorKind::Io => "io",
            ErrorKind::Plan => "plan",
        }
    }
}

/// Per-zone gauges.
#[derive(Debug, Clone, Default)]
struct ZoneGauges {
    zone: String,
    serial: u32,
    rules: u64,
}

/// The metrics registry.
#[derive(Debug, Default)]
pub struct Metrics {
    queries: [[AtomicU64; 9]; 8],
    transfers: [AtomicU64; 2],
    notifies: [AtomicU64; 2],
    errors: [AtomicU64; 6],
    recomputations: AtomicU64,
    zones: Mutex<Vec<ZoneGauges>>,
}

fn index<T: PartialEq>(all: &[T], value: &T) -> usize {
    all.iter().position(|v| v == value).unwrap_or(0)
}

impl Metrics {
    /// Counts one query.
    pub fn query(&self, kind: QueryKind, outcome: Outcome) {
        self.queries[index(&QueryKind::ALL, &kind)][index(&Outcome::ALL, &outcome)]
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one transfer started, `"axfr"` or `"ixfr"`.
    pub fn transfer(&self, kind: &str) {
        self.transfers[usize::from(kind == "ixfr")].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one NOTIFY, answered or not.
    pub fn notify(&self, answered: bool) {
        self.notifies[usize::from(!answered)].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one error.
    pub fn error(&self, kind: ErrorKind) {
        self.errors[index(&ErrorKind::ALL, &kind)].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one plan recomputation.
    pub fn recomputed(&self) {
        self.recomputations.fetch_add(1, Ordering::Relaxed);
    }

    /// Sets the serial and rule count of a zone.
    pub fn set_zone(&self, zone: &str, serial: u32, rules: usize) {
        let mut zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        match zones.iter_mut().find(|z| z.zone == zone) {
            Some(z) => {
                z.serial = serial;
                z.rules = rules as u64;
            }
            None => zones.push(ZoneGauges {
                zone: zone.to_string(),
                serial,
                rules: rules as u64,
            }),
        }
    }

    /// Queries counted for one kind and outcome.
    pub fn queries(&self, kind: QueryKind, outcome: Outcome) -> u64 {
        self.queries[index(&QueryKind::ALL, &kind)][index(&Outcome::ALL, &outcome)]
            .load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let zones = self.zones.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let _ = writeln!(out, "# HELP cautery_serial Serial of each policy zone.");
        let _ = writeln!(out, "# TYPE cautery_serial gauge");
        for z in &zones {
            let _ = writeln!(out, "cautery_serial{{zone=\"{}\"}} {}", z.zone, z.serial);
        }
        let _ = writeln!(out, "# HELP cautery_rules Rules in each policy zone.");
        let _ = writeln!(out, "# TYPE cautery_rules gauge");
        for z in &zones {
            let _ = writeln!(out, "cautery_rules{{zone=\"{}\"}} {}", z.zone, z.rules);
        }
        let _ = writeln!(
            out,
            "# HELP cautery_queries_total DNS requests by query type and outcome."
        );
        let _ = writeln!(out, "# TYPE cautery_queries_total counter");
        for (k, kind) in QueryKind::ALL.iter().enumerate() {
            for (o, outcome) in Outcome::ALL.iter().enumerate() {
                let value = self.queries[k][o].load(Ordering::Relaxed);
                if value > 0 {
                    let _ = writeln!(
                        out,
                        "cautery_queries_total{{type=\"{}\",outcome=\"{}\"}} {value}",
                        kind.label(),
                        outcome.label()
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "# HELP cautery_transfers_total Zone transfers started."
        );
        let _ = writeln!(out, "# TYPE cautery_transfers_total counter");
        for (i, kind) in ["axfr", "ixfr"].iter().enumerate() {
            let value = self.transfers[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "cautery_transfers_total{{type=\"{kind}\"}} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP cautery_notifies_total NOTIFY messages sent, by result."
        );
        let _ = writeln!(out, "# TYPE cautery_notifies_total counter");
        for (i, result) in ["answered", "unanswered"].iter().enumerate() {
            let value = self.notifies[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "cautery_notifies_total{{result=\"{result}\"}} {value}");
        }
        let _ = writeln!(out, "# HELP cautery_errors_total Errors by kind.");
        let _ = writeln!(out, "# TYPE cautery_errors_total counter");
        for (i, kind) in ErrorKind::ALL.iter().enumerate() {
            let value = self.errors[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "cautery_errors_total{{kind=\"{}\"}} {value}",
                kind.label()
            );
        }
        let _ = writeln!(
            out,
            "# HELP cautery_plan_recomputations_total Plans computed."
        );
        let _ = writeln!(out, "# TYPE cautery_plan_recomputations_total counter");
        let _ = writeln!(
            out,
            "cautery_plan_recomputations_total {}",
            self.recomputations.load(Ordering::Relaxed)
        );
        out
    }
}

/// Serves `/metrics` on `listener` until `shutdown` turns true.
pub async fn serve_http(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((mut stream, _)) = accepted else {
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
            } else {
                ("404 Not Found", "not found: try /metrics\n".to_string())
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

//! The daemon's metrics registry: its own gauges and counters (serial and
//! rules per zone, plan recomputations, plan errors) and the DNS server's
//! counters, rendered together in the Prometheus text format (names
//! prefixed `cautery_`, low-cardinality labels only). The `http` unit
//! serves it at `/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use cautery_dns::authority::{Outcome, QueryKind};
use cautery_dns::{Counters, ErrorKind};
use chrono::{DateTime, Utc};

/// Per-zone gauges.
#[derive(Debug, Clone, Default)]
struct ZoneGauges {
    zone: String,
    serial: u32,
    rules: u64,
    /// When the zone last changed while this daemon ran.
    changed: Option<DateTime<Utc>>,
    /// When it may change next.
    next_change: Option<DateTime<Utc>>,
}

/// A zone as the HTTP API shows it.
#[derive(Debug, Clone)]
pub struct ZoneStatus {
    /// The zone's name, without the final dot.
    pub zone: String,
    /// Its serial.
    pub serial: u32,
    /// Its rules.
    pub rules: u64,
    /// When it last changed while this daemon ran.
    pub changed: Option<DateTime<Utc>>,
    /// When it may change next.
    pub next_change: Option<DateTime<Utc>>,
}

/// The metrics registry.
#[derive(Debug, Default)]
pub struct Registry {
    /// The DNS server's counters, bumped on the message path.
    pub dns: Arc<Counters>,
    recomputations: AtomicU64,
    plan_errors: AtomicU64,
    events_stored: AtomicU64,
    events_dropped: AtomicU64,
    events_spooled: AtomicU64,
    dnstap_messages: AtomicU64,
    dnstap_malformed: AtomicU64,
    zones: Mutex<Vec<ZoneGauges>>,
    monitor_cycles: AtomicU64,
    monitor_incomplete_cycles: AtomicU64,
    monitor_sources: Mutex<Vec<cautery_monitor::SourceHealth>>,
    /// Set once the first plans are served.
    ready: std::sync::atomic::AtomicBool,
}

impl Registry {
    /// Counts one plan recomputation.
    pub fn recomputed(&self) {
        self.recomputations.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a plan that could not be computed or saved.
    pub fn plan_error(&self) {
        self.plan_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts events written to the store.
    pub fn events_stored(&self, count: u64) {
        self.events_stored.fetch_add(count, Ordering::Relaxed);
    }

    /// Events written to the store since start: moves whenever the store
    /// has new events (the API's victims cache keys on it).
    pub fn events_stored_total(&self) -> u64 {
        self.events_stored.load(Ordering::Relaxed)
    }

    /// Counts events written to spool files while the store was down.
    pub fn events_spooled(&self, count: u64) {
        self.events_spooled.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts events dropped (queue full, or the store failing too long).
    pub fn event_dropped(&self, count: u64) {
        self.events_dropped.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts dnstap data frames read by the collector.
    pub fn dnstap_messages(&self, count: u64) {
        self.dnstap_messages.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts one dnstap data frame that could not be read.
    pub fn dnstap_malformed(&self) {
        self.dnstap_malformed.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks the daemon ready: its first plans are served.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Relaxed);
    }

    /// Whether the first plans are served (`/health`).
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
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
                ..ZoneGauges::default()
            }),
        }
    }

    /// Counts one monitor cycle (whole: every source read) and takes the
    /// health of its sources.
    pub fn set_monitor(&self, whole: bool, sources: &[cautery_monitor::SourceHealth]) {
        self.monitor_cycles.fetch_add(1, Ordering::Relaxed);
        if !whole {
            self.monitor_incomplete_cycles
                .fetch_add(1, Ordering::Relaxed);
        }
        self.set_health(sources);
    }

    /// Takes the health of the monitor's sources (also while a cycle runs).
    pub fn set_health(&self, sources: &[cautery_monitor::SourceHealth]) {
        *self
            .monitor_sources
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = sources.to_vec();
    }

    fn render_monitor(&self, out: &mut String) {
        let sources = self
            .monitor_sources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let _ = writeln!(
            out,
            "# HELP cautery_monitor_cycles_total Registration monitor cycles run."
        );
        let _ = writeln!(out, "# TYPE cautery_monitor_cycles_total counter");
        let _ = writeln!(
            out,
            "cautery_monitor_cycles_total {}",
            self.monitor_cycles.load(Ordering::Relaxed)
        );
        let _ = writeln!(out, "# HELP cautery_monitor_incomplete_cycles_total Monitor cycles in which some source was not read whole.");
        let _ = writeln!(
            out,
            "# TYPE cautery_monitor_incomplete_cycles_total counter"
        );
        let _ = writeln!(
            out,
            "cautery_monitor_incomplete_cycles_total {}",
            self.monitor_incomplete_cycles.load(Ordering::Relaxed)
        );
        let _ = writeln!(out, "# HELP cautery_monitor_last_good_cycle_seconds Unix time of the last cycle that read the source whole (0: never).");
        let _ = writeln!(out, "# TYPE cautery_monitor_last_good_cycle_seconds gauge");
        for source in &sources {
            let at = source.last_ok.map_or(0, |t| t.timestamp());
            let _ = writeln!(
                out,
                "cautery_monitor_last_good_cycle_seconds{{source=\"{}\"}} {at}",
                label(&source.source)
            );
        }
        let _ = writeln!(
            out,
            "# HELP cautery_monitor_source_failures Failures in a row of each monitor source."
        );
        let _ = writeln!(out, "# TYPE cautery_monitor_source_failures gauge");
        for source in &sources {
            let _ = writeln!(
                out,
                "cautery_monitor_source_failures{{source=\"{}\"}} {}",
                label(&source.source),
                source.failures
            );
        }
        let _ = writeln!(out, "# HELP cautery_monitor_source_unhealthy 1 while a monitor source is unhealthy (late, failing or stale).");
        let _ = writeln!(out, "# TYPE cautery_monitor_source_unhealthy gauge");
        for source in &sources {
            let _ = writeln!(
                out,
                "cautery_monitor_source_unhealthy{{source=\"{}\"}} {}",
                label(&source.source),
                u8::from(source.unhealthy)
            );
        }
    }

    /// Records when a zone was published (`changed`: with a new serial)
    /// and when it may change next.
    pub fn set_zone_times(
        &self,
        zone: &str,
        changed: bool,
        now: DateTime<Utc>,
        next_change: DateTime<Utc>,
    ) {
        let mut zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(z) = zones.iter_mut().find(|z| z.zone == zone) {
            if changed || z.changed.is_none() {
                z.changed = Some(now);
            }
            z.next_change = Some(next_change);
        }
    }

    /// Every zone's serial, rules and change instants.
    pub fn zones(&self) -> Vec<ZoneStatus> {
        let zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        zones
            .iter()
            .map(|z| ZoneStatus {
                zone: z.zone.clone(),
                serial: z.serial,
                rules: z.rules,
                changed: z.changed,
                next_change: z.next_change,
            })
            .collect()
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_monitor(&mut out);
        let zones = self.zones.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let _ = writeln!(out, "# HELP cautery_serial Serial of each policy zone.");
        let _ = writeln!(out, "# TYPE cautery_serial gauge");
        for z in &zones {
            let _ = writeln!(out, "cautery_serial{{zone=\"{}.\"}} {}", z.zone, z.serial);
        }
        let _ = writeln!(out, "# HELP cautery_rules Rules in each policy zone.");
        let _ = writeln!(out, "# TYPE cautery_rules gauge");
        for z in &zones {
            let _ = writeln!(out, "cautery_rules{{zone=\"{}.\"}} {}", z.zone, z.rules);
        }
        let _ = writeln!(
            out,
            "# HELP cautery_queries_total DNS requests by query type and outcome."
        );
        let _ = writeln!(out, "# TYPE cautery_queries_total counter");
        for kind in QueryKind::ALL {
            for outcome in Outcome::ALL {
                let value = self.dns.queries(kind, outcome);
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
            "# HELP cautery_sinkhole_hits_total Queries answered from a sinkholed name, by the family of its rule."
        );
        let _ = writeln!(out, "# TYPE cautery_sinkhole_hits_total counter");
        for (family, value) in self.dns.sinkhole_hits() {
            let _ = writeln!(
                out,
                "cautery_sinkhole_hits_total{{family=\"{family}\"}} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP cautery_dnstap_messages_total dnstap data frames read by the collector, and those that could not be read."
        );
        let _ = writeln!(out, "# TYPE cautery_dnstap_messages_total counter");
        for (result, counter) in [
            ("read", &self.dnstap_messages),
            ("malformed", &self.dnstap_malformed),
        ] {
            let _ = writeln!(
                out,
                "cautery_dnstap_messages_total{{result=\"{result}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP cautery_transfers_total Zone transfers started."
        );
        let _ = writeln!(out, "# TYPE cautery_transfers_total counter");
        for (kind, value) in self.dns.transfers() {
            let _ = writeln!(out, "cautery_transfers_total{{type=\"{kind}\"}} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP cautery_notifies_total NOTIFY messages sent, by result."
        );
        let _ = writeln!(out, "# TYPE cautery_notifies_total counter");
        for (result, value) in self.dns.notifies() {
            let _ = writeln!(out, "cautery_notifies_total{{result=\"{result}\"}} {value}");
        }
        let _ = writeln!(out, "# HELP cautery_errors_total Errors by kind.");
        let _ = writeln!(out, "# TYPE cautery_errors_total counter");
        for kind in ErrorKind::ALL {
            let _ = writeln!(
                out,
                "cautery_errors_total{{kind=\"{}\"}} {}",
                kind.label(),
                self.dns.errors(kind)
            );
        }
        let _ = writeln!(
            out,
            "cautery_errors_total{{kind=\"plan\"}} {}",
            self.plan_errors.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP cautery_events_total Sinkhole events, by what became of them."
        );
        let _ = writeln!(out, "# TYPE cautery_events_total counter");
        for (result, counter) in [
            ("stored", &self.events_stored),
            ("dropped", &self.events_dropped),
            ("spooled", &self.events_spooled),
        ] {
            let _ = writeln!(
                out,
                "cautery_events_total{{result=\"{result}\"}} {}",
                counter.load(Ordering::Relaxed)
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

/// A label value in the Prometheus text format: backslash, quote and newline escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_sources_render_their_last_good_cycle_escaped() {
        let registry = Registry::default();
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("instant");
        let source = cautery_monitor::SourceHealth {
            source: "zone-file:/srv/a\"b.zone".into(),
            last_attempt: at,
            last_ok: Some(at),
            failures: 2,
            last_error: String::new(),
            data_time: None,
            unhealthy: true,
        };
        registry.set_monitor(false, &[source]);
        let text = registry.render();
        assert!(text.contains(
            "cautery_monitor_last_good_cycle_seconds{source=\"zone-file:/srv/a\\\"b.zone\"} 1800000000"
        ), "{text}");
        assert!(text.contains("cautery_monitor_cycles_total 1"));
        assert!(text.contains("cautery_monitor_incomplete_cycles_total 1"));
        assert!(text
            .contains("cautery_monitor_source_unhealthy{source=\"zone-file:/srv/a\\\"b.zone\"} 1"));
    }

    #[test]
    fn the_registry_renders_its_own_and_the_dns_counters() {
        let registry = Registry::default();
        registry.set_zone("cautery.rpz", 7, 42);
        registry.recomputed();
        registry.plan_error();
        registry.dns.query(QueryKind::A, Outcome::Answer);
        registry.dns.transfer("ixfr");
        registry.dns.query(QueryKind::Cname, Outcome::Answer);
        registry.dns.sinkhole_hit(Some("necurs"));
        registry.dns.sinkhole_hit(Some("necurs"));
        let text = registry.render();
        for line in [
            "cautery_serial{zone=\"cautery.rpz.\"} 7",
            "cautery_rules{zone=\"cautery.rpz.\"} 42",
            "cautery_queries_total{type=\"A\",outcome=\"answer\"} 1",
            "cautery_transfers_total{type=\"ixfr\"} 1",
            "cautery_queries_total{type=\"CNAME\",outcome=\"answer\"} 1",
            "cautery_sinkhole_hits_total{family=\"necurs\"} 2",
            "cautery_errors_total{kind=\"plan\"} 1",
            "cautery_plan_recomputations_total 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
    }
}

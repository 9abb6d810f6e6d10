//! What a part of a batch adds to the `victims_hourly` table: its events
//! merged into one row per key, as column values, in the table's key order.
//!
//! Both stores add these rows in the transaction that stores the events, so
//! this runs once per stored part and its cost is paid per event. The
//! first version built a [`HourlyRow`](crate::victims::HourlyRow) per event
//! (three owned strings), hashed it with SipHash and sorted the rows
//! cloning both string keys at every comparison, in the addresses' numeric
//! order; the tables keep the address as text, so SQLite's and
//! PostgreSQL's B-trees took the rows in a scattered order. Here the keys
//! borrow from the events, the address is written as text once per row,
//! and the rows are sorted by the columns themselves: for a new hour the
//! inserts append at the end of the primary key.
//!
//! The order is also a lock order: two PostgreSQL writers adding to the
//! same rows take their row locks in the same order and cannot deadlock.
//!
//! Known limitations: the order is the byte order of the text columns,
//! which is the key order of SQLite (BINARY) and of a PostgreSQL database
//! with the `C` or `C.UTF-8` collation; under another collation the rows
//! go in a slower, but still exact and deadlock-free, order.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::net::IpAddr;

use super::columns::{ip_text, micros};
use crate::event::Event;
use crate::victims::hour_of;

/// One row to add to `victims_hourly`, borrowing its text from the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HourlyColumns<'a> {
    /// The start of the hour, microseconds since the epoch.
    pub hour_us: i64,
    /// The family, `""` for none.
    pub family: &'a str,
    /// The source as [`Event::src_ip`] writes it (IPv4-mapped as IPv4).
    pub src_ip: String,
    /// The AS, `-1` for none.
    pub src_asn: i64,
    /// The country, `""` for none.
    pub src_country: &'a str,
    /// The smallest AS name seen, if any.
    pub src_as_name: Option<&'a str>,
    /// Events.
    pub events: i64,
}

impl HourlyColumns<'_> {
    /// The table's key order: the primary key's columns, text as bytes.
    fn key_order(&self, other: &Self) -> Ordering {
        (
            self.hour_us,
            self.family,
            self.src_ip.as_str(),
            self.src_asn,
            self.src_country,
        )
            .cmp(&(
                other.hour_us,
                other.family,
                other.src_ip.as_str(),
                other.src_asn,
                other.src_country,
            ))
    }
}

/// What identifies a row before its address is written as text.
type Key<'a> = (i64, &'a str, IpAddr, i64, &'a str);

/// The rows `events` add, merged by key, in key order.
pub(crate) fn hourly_columns(events: &[Event]) -> Vec<HourlyColumns<'_>> {
    // Keyed by what clients send (their addresses): a hasher with random
    // keys, as the reports use.
    let mut index: HashMap<Key<'_>, usize, ahash::RandomState> =
        HashMap::with_capacity_and_hasher(events.len().min(1 << 16), Default::default());
    let mut rows: Vec<HourlyColumns<'_>> = Vec::new();
    for event in events {
        let family = event
            .attribution
            .as_ref()
            .map_or("", |a| &*a.provenance.family);
        let src_ip = event.src_ip();
        let src_asn = event.src_asn.map_or(-1, i64::from);
        let src_country = event.src_country.as_deref().unwrap_or("");
        let key = (
            micros(hour_of(event.time)),
            family,
            src_ip,
            src_asn,
            src_country,
        );
        let as_name = event.src_as_name.as_deref();
        match index.get(&key) {
            Some(&at) => {
                let row = &mut rows[at];
                row.events += 1;
                // The smallest name, a name before none (victims::smaller_name).
                row.src_as_name = match (row.src_as_name, as_name) {
                    (Some(kept), Some(seen)) => Some(kept.min(seen)),
                    (kept, seen) => kept.or(seen),
                };
            }
            None => {
                index.insert(key, rows.len());
                rows.push(HourlyColumns {
                    hour_us: key.0,
                    family,
                    src_ip: ip_text(src_ip),
                    src_asn,
                    src_country,
                    src_as_name: as_name,
                    events: 1,
                });
            }
        }
    }
    rows.sort_unstable_by(HourlyColumns::key_order);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, dns_event, tcp_event};
    use crate::victims::HourlyRows;

    /// The same rows as the model's own merge (victims::HourlyRows), in
    /// the tables' text order rather than the addresses' numeric one.
    #[test]
    fn rows_agree_with_the_model_and_follow_the_text_key() {
        let mut events = Vec::new();
        for (n, source) in [
            "192.0.2.10:1",
            "192.0.2.9:1",
            "[::ffff:192.0.2.9]:2",
            "[2001:db8::1]:3",
            "192.0.2.10:4",
        ]
        .iter()
        .enumerate()
        {
            let mut event = dns_event(source, "a.com", "A");
            event.time = at(3, n as u32, 0);
            event.src_asn = Some(64500);
            event.src_as_name = Some(["B-NET", "A-NET"][n % 2].to_owned());
            events.push(event);
        }
        let mut unattributed = tcp_event("192.0.2.9:5");
        unattributed.time = at(4, 0, 0);
        unattributed.attribution = None;
        unattributed.src_country = Some(String::new());
        events.push(unattributed);

        let rows = hourly_columns(&events);
        let keys: Vec<(&str, &str, &str, i64)> = rows
            .iter()
            .map(|r| {
                let name = r.src_as_name.unwrap_or("-");
                (r.family, r.src_ip.as_str(), name, r.events)
            })
            .collect();
        assert_eq!(
            keys,
            [
                // "10" sorts before "9" as text.
                ("necurs", "192.0.2.10", "B-NET", 2),
                ("necurs", "192.0.2.9", "A-NET", 2),
                ("necurs", "2001:db8::1", "A-NET", 1),
                ("", "192.0.2.9", "-", 1),
            ]
        );
        let mut ours: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.hour_us,
                    r.family.to_owned(),
                    r.src_ip.clone(),
                    r.src_asn,
                    r.src_country.to_owned(),
                    r.src_as_name.map(str::to_owned),
                    r.events,
                )
            })
            .collect();
        let mut model: Vec<_> = HourlyRows::of_events(&events)
            .into_sorted()
            .iter()
            .map(|row| {
                (
                    micros(row.hour),
                    row.family.clone().unwrap_or_default(),
                    row.src_ip.to_string(),
                    row.src_asn.map_or(-1, i64::from),
                    row.src_country.clone().unwrap_or_default(),
                    row.src_as_name.clone(),
                    row.events as i64,
                )
            })
            .collect();
        ours.sort();
        model.sort();
        assert_eq!(ours, model);
    }

    #[test]
    fn many_events_of_one_key_are_one_row() {
        let events: Vec<Event> = (0..10_000)
            .map(|n| {
                let mut event = dns_event("192.0.2.1:1000", "a.com", "A");
                event.time = at(7, 0, 0) + chrono::Duration::milliseconds(n);
                event
            })
            .collect();
        let rows = hourly_columns(&events);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].events, 10_000);
        assert_eq!(rows[0].hour_us, micros(at(7, 0, 0)));
    }
}

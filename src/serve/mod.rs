//! `cautery serve`: the daemon that publishes policy zones as a DNS primary
//! and answers sinkholed names.
//!
//! - [`config`]: the TOML configuration with embedded defaults.
//! - [`plan`]: a zone's policy at any instant and when it next changes,
//!   from crates/zone's planner and the zone's campaigns.
//! - [`daemon`]: wiring: state, scheduler, signals, sockets, metrics.
//!
//! Only the scheduler reads the clock. For tests, `--clock-file FILE` makes
//! it read the instant (RFC 3339) from a file instead, polled every 100 ms;
//! TSIG times and log timestamps still use the system clock.

pub mod config;
pub mod daemon;
pub mod plan;

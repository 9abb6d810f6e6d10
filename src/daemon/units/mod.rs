//! The daemon's units, each one job run as one task on the center: started
//! in order, reloaded when the center's runtime configuration changes, and
//! stopped together.
//!
//! - [`publisher`]: plans every policy zone and follows its plan over time
//!   (scheduler), swaps the served state, sends NOTIFY, saves the state.
//! - [`dns`]: the DNS sockets (RPZ primary and sinkhole authority).
//! - [`sinkhole`]: the connection sinkhole (HTTP, TLS, raw TCP listeners).
//! - [`events`]: the event store's writer.
//! - [`http`]: the metrics endpoint.
//! - [`collector`]: the dnstap collector (resolver telemetry to events).
//! - [`monitor`]: the registration watch of `[monitor]`, every interval.
//!
//! The coming subsystems (HTTP API)
//! arrive the same way: a crate of pure logic plus a unit here.

pub mod collector;
pub mod dns;
pub mod events;
pub mod http;
pub mod monitor;
pub mod publisher;
pub mod reports;
pub mod sinkhole;

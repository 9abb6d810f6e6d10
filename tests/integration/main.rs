//! The integration tests: one test binary that runs the real `cautery`
//! binary, one module per area, all on the helpers of [`harness`] (which
//! also states the rule for a program a test needs and cannot find). One
//! binary links once instead of five times.

mod harness;

mod api;
mod block;
mod cli;
mod compliance;
mod console;
mod detect;
mod discover;
mod events;
mod lookup;
mod monitor;
mod operator;
mod reports;
mod resolvers;
mod seeds;
mod serve;
mod spool;
mod xot;

//! The integration tests: one test binary that runs the real `cautery`
//! binary, one module per area. One binary links once instead of five times.

mod block;
mod cli;
mod resolvers;
mod seeds;
mod serve;

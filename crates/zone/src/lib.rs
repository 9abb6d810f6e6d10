//! From predictions to policy: campaigns, plans, the allow-list gate and the
//! files resolvers and registries load.
//!
//! A *campaign* ([`Campaign`], read from a versioned TOML file) says which
//! families and seeds to suppress, over which horizon, with which action. The
//! *planner* ([`plan`]) turns a campaign and an instant into a [`Plan`]: every
//! name in use somewhere in the horizon, once, with every family, seed and
//! window that produced it. The *gate* ([`AllowList`], [`Policy`]) keeps
//! allow-listed and known-legitimate names out of the policy and reports each
//! collision. The renderers write the policy as a Response Policy Zone
//! ([`rpz`], draft-vixie-dnsop-dns-rpz, zone file syntax of RFC 1035 §5)
//! with an SOA serial that follows RFC 1982 arithmetic, or as Unbound,
//! dnsmasq, hosts, plain, CSV and per-TLD registry lists ([`formats`]).
//!
//! This crate does no I/O and never reads the clock: the binary reads files
//! and passes their contents, and passes the instant a plan is made for.
//! Renderers write to any [`std::io::Write`].
//!
//! Known limitations: only QNAME triggers are written (no client-IP, IP or
//! NSDNAME triggers); names outside letters, digits, hyphens and underscores
//! are not written but reported as rejected; internationalised names are
//! expected in their A-label (`xn--`) form.

mod allow;
mod campaign;
pub mod formats;
mod names;
mod plan;
pub mod rpz;

pub use allow::{AllowList, AllowMatch, MatchKind};
pub use campaign::{
    Action, AllowConfig, Campaign, CampaignError, Horizon, Resolver, SeedSelection, Soa, Target,
    ZoneConfig,
};
pub use names::{check_name, normalise_name, NameError};
pub use plan::{
    bind_targets, horizon_bounds, plan, plan_between, BoundSeed, Collision, Entry, Origin, Plan,
    PlanError, Policy, Rejected, Source,
};

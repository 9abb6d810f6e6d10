//! From predictions to policy: campaigns, plans, the allow-list gate and the
//! files resolvers and registries load.
//!
//! A *campaign* ([`Campaign`], read from a versioned TOML file) says which
//! families and seeds to suppress, over which horizon, with which action. The
//! *planner* ([`plan`]) turns a campaign and an instant into a [`Plan`]: every
//! name in use somewhere in the horizon, once, with every family, seed and
//! window that produced it. The *gate* ([`AllowList`], [`GatedPlan`]) keeps
//! allow-listed and known-legitimate names out of the policy and reports each
//! collision. The *forecast* ([`forecast`]) plans a stretch of time once and
//! gives the served [`cautery_policy::Policy`] at any instant in it, the next
//! instant it changes, and the parts of a zone split by day; `cautery plan`,
//! `export` and `serve` all go through the same gate. The renderers write the policy as a Response Policy Zone
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
mod error;
pub mod forecast;
pub mod formats;
mod plan;
pub mod rpz;
mod targets;

pub use allow::{AllowList, AllowMatch, MatchKind};
pub use campaign::{AllowConfig, Campaign, InlineCampaign, Resolver, ZoneConfig, VERSION};
pub use cautery_policy::{check_name, normalise_name, Action, NameError, Soa};
pub use error::CampaignError;
pub use forecast::{
    part_names, Apex, CampaignSource, Forecast, ForecastError, ForecastReport, ZonePlanner,
    FORECAST_SPAN, MAX_SPLIT_DAYS,
};
pub use plan::{
    estimate_predictions, horizon_bounds, plan, plan_between, Collision, Entry, GatedPlan, Plan,
    PlanError, Rejected, Source, BYTES_PER_PREDICTION,
};
pub use targets::{
    bind_targets, check_horizon, BoundSeed, Horizon, SeedSelection, Target, MAX_HORIZON_DAYS,
};

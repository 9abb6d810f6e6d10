//! What a campaign targets: families and their seeds, bound to the family
//! library's generators, and the horizon around an instant.

use cautery_dga::{all_families, find_family, suggest_families, Family, Generator};

use crate::error::CampaignError;

/// The longest horizon, back plus ahead, in days: the family library serves
/// at most ten years per request.
pub const MAX_HORIZON_DAYS: u32 = 3650;

/// Which seeds of a family a target covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedSelection {
    /// The family's default seed.
    Default,
    /// Every seed known in public.
    All,
    /// Seeds by name, or raw values in the family's own form.
    Listed(Vec<String>),
}

/// One family (or `all`) and its seeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Family name or alias, or `all` for every deterministic family.
    pub family: String,
    /// Which seeds.
    pub seeds: SeedSelection,
}

/// How far the plan reaches around the instant it is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    /// Whole days before the instant.
    pub days_back: u32,
    /// Whole days after the instant.
    pub days_ahead: u32,
}

/// Checks that a horizon fits the family library's limits.
pub fn check_horizon(horizon: &Horizon) -> Result<(), CampaignError> {
    if horizon.days_back.saturating_add(horizon.days_ahead) > MAX_HORIZON_DAYS {
        return Err(CampaignError::invalid(
            "horizon",
            format!(
                "days-back + days-ahead is {}; at most {MAX_HORIZON_DAYS} days are allowed",
                u64::from(horizon.days_back) + u64::from(horizon.days_ahead)
            ),
        ));
    }
    Ok(())
}

/// A family bound to one seed.
pub struct BoundSeed {
    /// The family.
    pub family: &'static Family,
    /// The seed's name, or its raw value when given by value.
    pub seed: String,
    /// The family bound to the seed.
    pub generator: Box<dyn Generator>,
}

impl std::fmt::Debug for BoundSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.family.name, self.seed)
    }
}

fn unknown_family(key: &str, name: &str) -> CampaignError {
    if let Some(public) = cautery_dga::find_public_data_family(name) {
        let name = public.family.name;
        return CampaignError::invalid(
            key,
            format!(
                "'{name}' is a public-data family: its names come from an input published \
                 later, so only `cautery monitor` plans it (from the seed archive); \
                 `cautery generate {name} --input FILE_OR_HASH` prints its names"
            ),
        );
    }
    let hints = suggest_families(name);
    let problem = if hints.is_empty() {
        format!("unknown family '{name}' (cautery families lists all)")
    } else {
        let hints: Vec<String> = hints.iter().map(|h| format!("'{h}'")).collect();
        format!(
            "unknown family '{name}'; did you mean {}? (cautery families lists all)",
            hints.join(" or ")
        )
    };
    CampaignError::invalid(key, problem)
}

/// Binds every target to its seeds; each family and seed once, in the order
/// given. `all` means every deterministic family; families that draw a
/// random seed at run time are bound only when named with listed seeds.
pub fn bind_targets(targets: &[Target]) -> Result<Vec<BoundSeed>, CampaignError> {
    let mut out: Vec<BoundSeed> = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let key = format!("target[{i}].family");
        let all = target.family.trim().eq_ignore_ascii_case("all");
        let families: Vec<&'static Family> = if all {
            all_families()
                .iter()
                .copied()
                .filter(|f| f.seeding.deterministic)
                .collect()
        } else {
            vec![find_family(&target.family).ok_or_else(|| unknown_family(&key, &target.family))?]
        };
        for family in families {
            let seeds: Vec<(String, &str)> = match &target.seeds {
                SeedSelection::Listed(list) => list
                    .iter()
                    .map(|text| match family.seed_named(text) {
                        Some(seed) => (seed.name.to_owned(), seed.value),
                        None => (text.clone(), text.as_str()),
                    })
                    .collect(),
                _ if !family.seeding.deterministic => {
                    return Err(CampaignError::invalid(
                        format!("target[{i}].seeds"),
                        format!(
                            "{} draws a random seed at run time: list its seeds ({})",
                            family.name, family.seed_form
                        ),
                    ))
                }
                SeedSelection::Default => {
                    let seed = family.default_seed();
                    vec![(seed.name.to_owned(), seed.value)]
                }
                SeedSelection::All => family
                    .seeds
                    .iter()
                    .map(|s| (s.name.to_owned(), s.value))
                    .collect(),
            };
            for (label, value) in seeds {
                if out
                    .iter()
                    .any(|b| std::ptr::eq(b.family, family) && b.seed == label)
                {
                    continue;
                }
                let generator = (family.bind)(value).map_err(|error| {
                    CampaignError::invalid(
                        format!("target[{i}].seeds"),
                        format!(
                            "seed '{value}' does not fit {}: {error} (known seeds: {})",
                            family.name,
                            family
                                .seeds
                                .iter()
                                .map(|s| s.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
                out.push(BoundSeed {
                    family,
                    seed: label,
                    generator,
                });
            }
        }
    }
    Ok(out)
}

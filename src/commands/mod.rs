//! One module per subcommand, plus what they share: turning family and seed
//! arguments into bound generators.

pub mod campaign;
pub mod classify;
pub mod decode;
pub mod detect;
pub mod discover;
pub mod events;
pub mod export;
pub mod families;
pub mod generate;
pub mod handles;
pub mod lookup;
pub mod manual;
pub mod monitor;
pub mod monitor_dns;
pub mod monitor_inputs;
pub mod seed;

use anyhow::{bail, Result};

/// Refuses, saying why and what to do, a campaign or export target that
/// names a family whose names depend on an input published later (bedep,
/// orchard-balance, family files): it cannot be planned ahead, while
/// `cautery families` lists it beside the others.
pub fn refuse_public_data(families: &[String]) -> Result<()> {
    for name in families {
        if name == "all" || find_family(name).is_some() {
            continue;
        }
        let family = match cautery_dga::find_public_data_family(name) {
            Some(public) => Some(public.family.name.to_owned()),
            None if name.ends_with(".toml") => Some(name.clone()),
            None => seed::file_families()
                .iter()
                .find(|f| f.family.name.eq_ignore_ascii_case(name))
                .map(|f| f.family.name.to_owned()),
        };
        if let Some(family) = family {
            bail!(
                "'{family}' is a public-data family: its names come from an input published later, so a campaign or export cannot plan them ahead; \
                 fetch the input with `cautery seed fetch {family}` and print its names with `cautery generate {family} --input HASH --all-seeds`"
            );
        }
    }
    Ok(())
}
use cautery_dga::{all_families, find_family, suggest_families, Family, Generator};

/// A family bound to one seed, with the label that names the seed in output.
pub struct Source {
    /// The family.
    pub family: &'static Family,
    /// The seed's name, or its raw value when given by value.
    pub seed: String,
    /// The family bound to the seed.
    pub generator: Box<dyn Generator>,
}

/// Which seeds to bind.
pub enum SeedChoice<'a> {
    /// The family's default seed.
    Default,
    /// Every seed known in public.
    All,
    /// A seed named, or given by value, on the command line.
    Given(&'a str),
}

/// Resolves a family name, with a hint when it is unknown.
pub fn resolve_family(name: &str) -> Result<&'static Family> {
    if let Some(family) = find_family(name) {
        return Ok(family);
    }
    if name.trim().eq_ignore_ascii_case("miniduke") {
        bail!("miniduke generates Twitter account names, not domains: `cautery handles miniduke --date DAY` prints them");
    }
    if name.trim().eq_ignore_ascii_case("sunburst") {
        bail!("sunburst's names carry a victim's id and AD domain, not a date, so they cannot be generated: block avsvmcloud.com and read the names seen with `cautery decode sunburst NAME...`");
    }
    let hints = suggest_families(name);
    if hints.is_empty() {
        bail!("unknown family '{name}' (cautery families lists all)");
    }
    let hints: Vec<String> = hints.iter().map(|h| format!("'{h}'")).collect();
    bail!(
        "unknown family '{name}'; did you mean {}? (cautery families lists all)",
        hints.join(" or ")
    )
}

/// The families named on the command line, `all` meaning every deterministic
/// family; each once, in the order given.
pub fn resolve_families(names: &[String]) -> Result<Vec<&'static Family>> {
    let mut out: Vec<&'static Family> = Vec::new();
    for name in names {
        let found: Vec<&'static Family> = if name.eq_ignore_ascii_case("all") {
            all_families()
                .iter()
                .copied()
                .filter(|f| f.seeding.deterministic)
                .collect()
        } else {
            vec![resolve_family(name)?]
        };
        for family in found {
            if !out.iter().any(|f| std::ptr::eq(*f, family)) {
                out.push(family);
            }
        }
    }
    Ok(out)
}

/// Binds `family` to the seeds `choice` selects.
pub fn bind(
    family: &'static Family,
    choice: &SeedChoice<'_>,
    explicit_family: bool,
) -> Result<Vec<Source>> {
    let seeds: Vec<(String, &str)> = match choice {
        SeedChoice::Given(text) => match family.seed_named(text) {
            Some(seed) => vec![(seed.name.to_owned(), seed.value)],
            None => vec![(text.to_string(), *text)],
        },
        _ if !family.seeding.deterministic => {
            if !explicit_family {
                return Ok(Vec::new());
            }
            bail!(
                "{} draws a random seed at run time, so it has no default: pass --seed with {}",
                family.name,
                family.seed_form
            );
        }
        SeedChoice::Default => {
            let seed = family.default_seed();
            vec![(seed.name.to_owned(), seed.value)]
        }
        SeedChoice::All => family
            .seeds
            .iter()
            .map(|s| (s.name.to_owned(), s.value))
            .collect(),
    };
    seeds
        .into_iter()
        .map(|(label, value)| match (family.bind)(value) {
            Ok(generator) => Ok(Source {
                family,
                seed: label,
                generator,
            }),
            Err(error) => bail!(
                "seed '{value}' does not fit {}: {error} (known seeds: {})",
                family.name,
                family
                    .seeds
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect()
}

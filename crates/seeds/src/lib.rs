//! Public-data seeds: fetching the inputs that Bedep, Orchard and
//! content-seeded families read, archiving them as evidence, and watching
//! their sources so that new predictions come out the moment an input
//! changes (the race the Rustock takedown ran every day).
//!
//! - [`archive`]: content-addressed (SHA-256) store of inputs and fetch
//!   records; never modifies or deletes, writes atomically.
//! - [`fetch`]: bounded HTTP(S) fetching (timeout, redirects, body size).
//! - [`filefamily`]: content-seeded families described in TOML files.
//! - [`local`]: bounded reading of the local files an operator names.
//! - [`watch`]: polling configured sources with interval, jitter and
//!   backoff; a component a daemon can drive.
//!
//! The DGAs themselves are in `cautery-dga` and take input bytes; this crate
//! does the I/O around them. Known limitation: fetching is blocking (one
//! source at a time); a daemon runs a [`watch::Watcher`] on a blocking
//! thread.

pub mod archive;
pub mod fetch;
pub mod filefamily;
pub mod local;
pub mod watch;

use std::sync::Arc;

use cautery_dga::{predict, Family, Generator, InputError, PublicDataFamily, RangeError, Window};
use chrono::NaiveDate;

pub use archive::{sha256_hex, Archive, ArchiveError, FetchRecord};
pub use fetch::{placeholder_host, FetchError, FetchLimits, Fetcher};
pub use filefamily::{FamilyFileError, FamilyRegistry, FileFamily};
pub use local::{read_bounded, read_bounded_text, FileKind, LocalFileError};

/// A family that reads a public input: built in, or from a family file.
#[derive(Debug, Clone)]
pub enum SeededFamily {
    /// A public-data family of the library.
    Builtin(&'static PublicDataFamily),
    /// A content-seeded family from a TOML file.
    File(Arc<FileFamily>),
}

impl SeededFamily {
    /// The family's metadata.
    pub fn family(&self) -> &'static Family {
        match self {
            SeededFamily::Builtin(f) => &f.family,
            SeededFamily::File(f) => f.family,
        }
    }

    /// The URL the malware reads.
    pub fn url(&self) -> &str {
        match self {
            SeededFamily::Builtin(f) => f.input.url,
            SeededFamily::File(f) => &f.spec.source.url,
        }
    }

    /// Binds a seed (name or value; ignored by file families) and an input.
    pub fn bind(&self, seed: &str, input: &[u8]) -> Result<Box<dyn Generator>, InputError> {
        match self {
            SeededFamily::Builtin(f) => f.bind(seed, input),
            SeededFamily::File(f) => f.bind(input),
        }
    }

    /// The names of every known seed, or of the default one.
    pub fn seed_names(&self, all: bool) -> Vec<&'static str> {
        let seeds = self.family().seeds;
        let take = if all { seeds.len() } else { 1 };
        seeds.iter().take(take).map(|s| s.name).collect()
    }
}

/// One predicted name from an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPrediction {
    /// The domain.
    pub domain: String,
    /// Canonical family name.
    pub family: &'static str,
    /// Seed name.
    pub seed: String,
    /// Where the name is in use.
    pub window: Window,
}

/// A failure to predict from an input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PredictError {
    /// The input cannot be used.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The range of days cannot be served.
    #[error(transparent)]
    Range(#[from] RangeError),
}

/// The names `family` predicts from `input` for `seeds` over the days
/// `[first, last]`, seed by seed.
pub fn predict_from_input(
    family: &SeededFamily,
    seeds: &[String],
    input: &[u8],
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<InputPrediction>, PredictError> {
    let mut out = Vec::new();
    for seed in seeds {
        let generator = family.bind(seed, input)?;
        let meta = family.family();
        predict(meta, generator.as_ref(), first, last, |domain, window| {
            out.push(InputPrediction {
                domain: domain.to_owned(),
                family: meta.name,
                seed: seed.clone(),
                window,
            });
        })?;
    }
    Ok(out)
}

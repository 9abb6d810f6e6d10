//! Families seeded by public data: an input that a third party publishes
//! later (the ECB's exchange rates for Bedep, the balance of a Bitcoin
//! address for Orchard, a trending topic for Torpig's variant), so nobody
//! can compute their names before the input exists.
//!
//! A [`PublicDataFamily`] is an ordinary [`Family`] (metadata, schedule,
//! seeds) plus a description of its input and a constructor that binds it to
//! a seed *and* the bytes of one input. The result is an ordinary
//! [`Generator`], so windows, [`crate::predict`] and output work unchanged.
//! Fetching, archiving and watching the input happen elsewhere (the
//! `cautery-seeds` crate); this module only parses bytes it is given.
//!
//! Public-data families are not in [`crate::all_families`]: they cannot
//! generate without an input, so `generate all` and the reverse index leave
//! them out. [`crate::public_data_families`] lists them, from the registry
//! in [`crate::families`]; this module owns only the types, so that the
//! families depend on it and not the reverse.

use crate::family::{Family, Generator, SeedError};

/// What kind of document an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputFormat {
    /// An XML document.
    Xml,
    /// A JSON document.
    Json,
    /// An HTML page.
    Html,
    /// Plain text.
    Text,
}

impl InputFormat {
    /// The lower-case name used in output and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Xml => "XML",
            InputFormat::Json => "JSON",
            InputFormat::Html => "HTML",
            InputFormat::Text => "text",
        }
    }
}

/// The public input a family reads.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// The document's format.
    pub format: InputFormat,
    /// One sentence: what the input is and who publishes it.
    pub description: &'static str,
    /// Where the malware fetches it.
    pub url: &'static str,
}

/// An input a family cannot use. Every variant says what was wrong; the
/// caller keeps its last good predictions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The seed value does not fit the family.
    #[error("bad seed: {0}")]
    Seed(#[from] SeedError),
    /// The document does not parse (truncated, not the format expected).
    #[error("the input is not a well-formed {format} document: {detail}")]
    Malformed {
        /// Format expected.
        format: &'static str,
        /// What the parser reported.
        detail: String,
    },
    /// The document parses but lacks what the family reads.
    #[error("the input has no {what}; is it the right document?")]
    Missing {
        /// What was looked for.
        what: String,
    },
    /// A value in the document has the wrong form.
    #[error("the input's {what} {value:?} is not {expected}")]
    BadValue {
        /// Which value.
        what: String,
        /// The value found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

impl InputError {
    /// A parse error of a document of `format`.
    pub fn malformed(format: InputFormat, detail: impl std::fmt::Display) -> InputError {
        InputError::Malformed {
            format: format.as_str(),
            detail: detail.to_string(),
        }
    }

    /// The document lacks `what`.
    pub fn missing(what: impl Into<String>) -> InputError {
        InputError::Missing { what: what.into() }
    }
}

/// Binds a public-data family to a raw seed value and the bytes of one
/// input.
pub type BindInput = fn(seed: &str, input: &[u8]) -> Result<Box<dyn Generator>, InputError>;

/// A family seeded by public data.
pub struct PublicDataFamily {
    /// Metadata, seeds and schedule. Its `bind` refuses every seed, since
    /// the family needs an input too: use [`PublicDataFamily::bind`].
    pub family: Family,
    /// The input the family reads.
    pub input: InputSpec,
    /// Binds the family to a raw seed value and the bytes of one input.
    pub bind_input: BindInput,
}

impl PublicDataFamily {
    /// Binds the family to a seed (a known seed's name or a raw value) and
    /// the bytes of one input.
    pub fn bind(&self, seed: &str, input: &[u8]) -> Result<Box<dyn Generator>, InputError> {
        let value = self.family.seed_named(seed).map_or(seed, |s| s.value);
        (self.bind_input)(value, input)
    }
}

impl std::fmt::Debug for PublicDataFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicDataFamily")
            .field("name", &self.family.name)
            .finish_non_exhaustive()
    }
}

/// The `bind` of a public-data family's [`Family`]: always refuses, saying
/// that an input is needed.
pub(crate) fn needs_input(_seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    Err(SeedError::expected(
        "an input as well as a seed: this family is seeded by public data (pass --input)",
    ))
}

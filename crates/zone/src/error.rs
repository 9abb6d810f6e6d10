//! The error of a campaign that cannot be used: a syntax error with its
//! line, or a key whose value is unusable, with what to do.

/// A campaign that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// Not TOML, an unknown key or a value of the wrong type; the message
    /// from the TOML reader names the key and the line.
    #[error("{0}")]
    Syntax(String),
    /// A key whose value is well-formed but unusable.
    #[error("key '{key}': {problem}")]
    Invalid {
        /// Dotted path of the key, e.g. `action.addresses`.
        key: String,
        /// What is wrong and what to do.
        problem: String,
    },
}

impl CampaignError {
    /// An unusable value of `key`, with what is wrong and what to do.
    pub fn invalid(key: impl Into<String>, problem: impl Into<String>) -> CampaignError {
        CampaignError::Invalid {
            key: key.into(),
            problem: problem.into(),
        }
    }
}

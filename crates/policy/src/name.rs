//! Domain names as policy owners: normalisation, the checks that keep a
//! name from breaking the zone file or list it is written into, and
//! [`DomainName`], a name that passed them.
//!
//! Names are host names in the sense of RFC 952 and RFC 1123 §2.1 (letters,
//! digits and hyphens, no hyphen at either end of a label), at most 63
//! octets a label and 253 in all (RFC 1035 §2.3.4). That is stricter than the
//! DNS itself but it is what every target format accepts unescaped, and what
//! BIND's `check-names` wants for the owner of an A record. A name is
//! normalised and checked once, where it enters (a campaign, a config file,
//! the planner's gate, a state file); everything after trusts the type.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a name cannot be written into a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("the name is empty")]
    Empty,
    /// The name is longer than the DNS allows once placed in the zone.
    #[error("the name is {length} octets long; at most {limit} fit")]
    TooLong {
        /// Length in octets (text form, without the final dot).
        length: usize,
        /// The most that fit.
        limit: usize,
    },
    /// A label is empty or longer than 63 octets.
    #[error("label '{label}' must have 1 to 63 octets")]
    BadLabelLength {
        /// The label.
        label: String,
    },
    /// A character outside letters, digits and hyphen.
    #[error("character {character:?} is not a letter, digit or hyphen")]
    BadCharacter {
        /// The character.
        character: char,
    },
    /// A label starts or ends with a hyphen.
    #[error("label '{label}' starts or ends with a hyphen")]
    EdgeHyphen {
        /// The label.
        label: String,
    },
    /// A single label: a TLD, never a DGA name.
    #[error("'{name}' has a single label; a policy never covers a whole TLD")]
    SingleLabel {
        /// The name.
        name: String,
    },
}

/// Lower case, without surrounding blanks or a final dot.
pub fn normalise_name(text: &str) -> String {
    let text = text.trim();
    let text = text.strip_suffix('.').unwrap_or(text);
    text.to_ascii_lowercase()
}

/// Checks a normalised name (see [`normalise_name`]).
pub fn check_name(name: &str) -> Result<(), NameError> {
    check_name_within(name, 253)
}

/// Checks a normalised name that must fit in `limit` octets of text.
pub fn check_name_within(name: &str, limit: usize) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    // One pass over the bytes: this runs for every name of a plan.
    let bytes = name.as_bytes();
    let mut labels = 1;
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'-' => {}
            b'.' => {
                check_label(&name[start..i])?;
                labels += 1;
                start = i + 1;
            }
            _ => {
                return Err(NameError::BadCharacter {
                    character: name[i..].chars().next().unwrap_or('?'),
                })
            }
        }
    }
    check_label(&name[start..])?;
    if name.len() > limit {
        return Err(NameError::TooLong {
            length: name.len(),
            limit,
        });
    }
    if labels < 2 {
        return Err(NameError::SingleLabel {
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn check_label(label: &str) -> Result<(), NameError> {
    if label.is_empty() || label.len() > 63 {
        return Err(NameError::BadLabelLength {
            label: label.to_owned(),
        });
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(NameError::EdgeHyphen {
            label: label.to_owned(),
        });
    }
    Ok(())
}

/// The TLD of a name: its last label.
pub fn tld(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The proper parents of a name, nearest first, down to the TLD.
pub fn parents(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(move |(at, _)| &name[at + 1..])
}

/// A domain name, lower case, without a final dot, checked as a host name
/// (see the module documentation). Single labels (`localhost`) are allowed
/// here; a policy rule's name must have two ([`check_name`]).
///
/// The text is shared: the forecast, the policy in force, the next one and
/// the journal's differences hold the same name, so a policy made at each
/// change instant copies a pointer per rule, not the name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DomainName(std::sync::Arc<str>);

impl DomainName {
    /// Normalises and checks `text`: a host name of one or more labels.
    pub fn new(text: &str) -> Result<DomainName, NameError> {
        let name = normalise_name(text);
        check_host(&name, 253)?;
        Ok(DomainName(name.into()))
    }

    /// A name that will own policy rules: at least two labels, at most
    /// `limit` octets (so that `*.name.zone` fits the zone).
    pub fn for_policy(text: &str, limit: usize) -> Result<DomainName, NameError> {
        let name = normalise_name(text);
        check_name_within(&name, limit)?;
        Ok(DomainName(name.into()))
    }

    /// A name the caller has already normalised and checked with
    /// [`check_name`] or [`check_name_within`] (the planner's gate does, for
    /// every name of a plan); checked again only in debug builds.
    pub fn from_checked(name: &str) -> DomainName {
        debug_assert!(check_host(name, 253).is_ok(), "unchecked name {name:?}");
        DomainName(name.into())
    }

    /// The name as text: lower case, no final dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the name is `zone` or under it.
    pub fn is_at_or_under(&self, zone: &DomainName) -> bool {
        zone.contains_text(self.as_str())
    }

    /// Whether `text` (lower case, no final dot, as the sinkhole's fast
    /// path has it) is this name or below it.
    pub fn contains_text(&self, text: &str) -> bool {
        let zone = self.as_str();
        text.len() >= zone.len()
            && text.ends_with(zone)
            && (text.len() == zone.len() || text.as_bytes()[text.len() - zone.len() - 1] == b'.')
    }

    /// The number of labels.
    pub fn labels(&self) -> usize {
        self.0.bytes().filter(|&b| b == b'.').count() + 1
    }
}

impl std::ops::Deref for DomainName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for DomainName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl PartialEq<str> for DomainName {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for DomainName {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl std::str::FromStr for DomainName {
    type Err = NameError;

    fn from_str(text: &str) -> Result<DomainName, NameError> {
        DomainName::new(text)
    }
}

impl Serialize for DomainName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DomainName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DomainName, D::Error> {
        let text = String::deserialize(deserializer)?;
        DomainName::new(&text).map_err(|e| {
            serde::de::Error::custom(format!("'{text}' is not a usable domain name: {e}"))
        })
    }
}

/// Checks a normalised host name of one or more labels within `limit`
/// octets.
fn check_host(name: &str, limit: usize) -> Result<(), NameError> {
    match check_name_within(name, limit) {
        Err(NameError::SingleLabel { .. }) => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_drops_case_blanks_and_final_dot() {
        assert_eq!(normalise_name(" ExAmple.COM. "), "example.com");
    }

    #[test]
    fn host_names_pass_and_others_are_refused() {
        assert!(check_name("abc-1.example.com").is_ok());
        assert!(matches!(check_name(""), Err(NameError::Empty)));
        assert!(matches!(
            check_name("a_b.com"),
            Err(NameError::BadCharacter { character: '_' })
        ));
        assert!(matches!(
            check_name("a..com"),
            Err(NameError::BadLabelLength { .. })
        ));
        assert!(matches!(
            check_name("-a.com"),
            Err(NameError::EdgeHyphen { .. })
        ));
        assert!(matches!(
            check_name("com"),
            Err(NameError::SingleLabel { .. })
        ));
        let long = format!("{}.com", "a".repeat(64));
        assert!(matches!(
            check_name(&long),
            Err(NameError::BadLabelLength { .. })
        ));
        let many = vec!["a".repeat(60); 5].join(".");
        assert!(matches!(check_name(&many), Err(NameError::TooLong { .. })));
    }

    /// Found by the `names` fuzz target: normalising drops one final dot,
    /// so `a.com..` normalises to `a.com.`, which a second pass would turn
    /// into `a.com`. Callers normalise once, and the check must refuse the
    /// result rather than let a second pass make it valid.
    #[test]
    fn two_final_dots_stay_refused_after_one_normalisation() {
        let once = normalise_name("EcxjestnessBiophysicalohax.com..");
        assert_eq!(once, "ecxjestnessbiophysicalohax.com.");
        assert!(matches!(
            check_name(&once),
            Err(NameError::BadLabelLength { .. })
        ));
    }

    #[test]
    fn parents_run_from_nearest_to_the_tld() {
        let found: Vec<&str> = parents("a.b.example.com").collect();
        assert_eq!(found, vec!["b.example.com", "example.com", "com"]);
        assert_eq!(tld("a.example.com"), "com");
    }
}

#[cfg(test)]
mod domain_name_tests {
    use super::*;

    #[test]
    fn a_domain_name_is_normalised_once_and_checked() {
        let name = DomainName::new(" ExAmple.COM. ").expect("valid");
        assert_eq!(name.as_str(), "example.com");
        assert_eq!(
            DomainName::new("localhost").expect("single label").labels(),
            1
        );
        assert!(matches!(
            DomainName::new("a..com"),
            Err(NameError::BadLabelLength { .. })
        ));
        assert!(matches!(
            DomainName::for_policy("com", 253),
            Err(NameError::SingleLabel { .. })
        ));
        assert!(matches!(
            DomainName::for_policy("abc.example.com", 10),
            Err(NameError::TooLong { .. })
        ));
    }

    #[test]
    fn names_under_a_zone_are_found_by_label() {
        let zone = DomainName::new("rpz.example").expect("zone");
        assert!(DomainName::new("a.rpz.example")
            .expect("n")
            .is_at_or_under(&zone));
        assert!(zone.is_at_or_under(&zone));
        assert!(!DomainName::new("xrpz.example")
            .expect("n")
            .is_at_or_under(&zone));
    }

    #[test]
    fn a_domain_name_round_trips_through_serde_and_refuses_typos() {
        let name: DomainName = serde_json::from_str("\"NS1.Example.NET.\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&name).expect("json"),
            "\"ns1.example.net\""
        );
        let error = serde_json::from_str::<DomainName>("\"ns1..example\"").expect_err("typo");
        assert!(
            error.to_string().contains("not a usable domain name"),
            "{error}"
        );
    }
}

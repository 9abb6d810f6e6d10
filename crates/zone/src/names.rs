//! Domain names as policy owners: normalisation and the checks that keep a
//! name from breaking the zone file or list it is written into.
//!
//! Names are host names in the sense of RFC 952 and RFC 1123 §2.1 (letters,
//! digits and hyphens, no hyphen at either end of a label), at most 63
//! octets a label and 253 in all (RFC 1035 §2.3.4). That is stricter than the
//! DNS itself but it is what every target format accepts unescaped, and what
//! BIND's `check-names` wants for the owner of an A record.

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
pub(crate) fn check_name_within(name: &str, limit: usize) -> Result<(), NameError> {
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
pub(crate) fn tld(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The proper parents of a name, nearest first, down to the TLD.
pub(crate) fn parents(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(move |(at, _)| &name[at + 1..])
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

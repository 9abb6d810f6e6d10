//! The allow-list gate: names that must never be blocked.
//!
//! Three kinds of entry: exact names, suffixes (a name and everything under
//! it, e.g. `gov`) and lists of known-legitimate domains such as the Tranco
//! or Umbrella top-site lists, where a predicted name at or under a listed
//! domain collides. When a policy also covers subdomains (`*.name`), a
//! predicted name that is a parent of an allowed name collides too, since its
//! wildcard rule would block the allowed one. Every match names the list and
//! the entry, for the collision report.
//!
//! Maps are keyed by names from files an operator downloads, so they use a
//! hasher with per-process random keys.

use ahash::AHashMap;

use cautery_policy::name::{check_name, normalise_name, parents};

/// How a name matched the allow-list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchKind {
    /// The name is on the list.
    Exact,
    /// The name is at or under an allowed suffix or legitimate domain.
    Under,
    /// The policy's `*.name` rule would cover an allowed name.
    Covers,
}

impl MatchKind {
    /// A word for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Under => "under",
            MatchKind::Covers => "covers",
        }
    }
}

/// Why a name was kept out of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowMatch {
    /// How it matched.
    pub kind: MatchKind,
    /// The list that matched (a file name, or `allow.names` ...).
    pub list: String,
    /// The entry of that list.
    pub entry: String,
}

/// A line of an allow-list file that is not a domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: '{text}' is not a domain name or suffix (write example.org, or .gov / *.gov for a suffix)")]
pub struct AllowLineError {
    /// Line number, from 1.
    pub line: usize,
    /// The line.
    pub text: String,
}

/// Exact names, suffixes and legitimate-domain lists.
#[derive(Debug, Default)]
pub struct AllowList {
    lists: Vec<String>,
    exact: AHashMap<Box<str>, u32>,
    suffixes: AHashMap<Box<str>, u32>,
    /// Parents of exact and legitimate entries, for [`MatchKind::Covers`].
    ancestors: AHashMap<Box<str>, (u32, Box<str>)>,
}

impl AllowList {
    /// An empty list.
    pub fn new() -> AllowList {
        AllowList::default()
    }

    /// Number of entries of every kind.
    pub fn len(&self) -> usize {
        self.exact.len() + self.suffixes.len()
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn list_id(&mut self, list: &str) -> u32 {
        if let Some(i) = self.lists.iter().position(|l| l == list) {
            return i as u32;
        }
        self.lists.push(list.to_owned());
        (self.lists.len() - 1) as u32
    }

    fn remember_ancestors(&mut self, name: &str, id: u32) {
        for parent in parents(name).filter(|p| p.contains('.')) {
            self.ancestors
                .entry(parent.into())
                .or_insert_with(|| (id, name.into()));
        }
    }

    /// Allows exactly `name`, from the list called `list`.
    pub fn add_name(&mut self, list: &str, name: &str) {
        let id = self.list_id(list);
        let name = normalise_name(name);
        self.remember_ancestors(&name, id);
        self.exact.entry(name.into()).or_insert(id);
    }

    /// Allows `suffix` and every name under it.
    pub fn add_suffix(&mut self, list: &str, suffix: &str) {
        let id = self.list_id(list);
        let suffix = normalise_name(
            suffix
                .trim()
                .trim_start_matches("*.")
                .trim_start_matches('.'),
        );
        self.remember_ancestors(&suffix, id);
        self.suffixes.entry(suffix.into()).or_insert(id);
    }

    /// Reads an allow-list file: one entry a line, `#` starts a comment;
    /// `.gov` or `*.gov` is a suffix, anything else an exact name.
    pub fn add_file(&mut self, list: &str, text: &str) -> Result<usize, AllowLineError> {
        let mut added = 0;
        for (number, line) in text.lines().enumerate() {
            let entry = line.split('#').next().unwrap_or_default().trim();
            if entry.is_empty() {
                continue;
            }
            let is_suffix = entry.starts_with('.') || entry.starts_with("*.");
            let bare = normalise_name(entry.trim_start_matches("*.").trim_start_matches('.'));
            if check_name(&format!("x.{bare}")).is_err() || (!is_suffix && !bare.contains('.')) {
                return Err(AllowLineError {
                    line: number + 1,
                    text: entry.to_owned(),
                });
            }
            if is_suffix {
                self.add_suffix(list, &bare);
            } else {
                self.add_name(list, &bare);
            }
            added += 1;
        }
        Ok(added)
    }

    /// Reads a list of known-legitimate domains: Tranco-style `rank,domain`
    /// CSV or one domain a line. Names at or under a listed domain collide.
    /// Returns the domains added and the lines skipped (headers, blanks,
    /// entries that are not host names).
    pub fn add_legitimate(&mut self, list: &str, text: &str) -> (usize, usize) {
        let mut added = 0;
        let mut skipped = 0;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split(',').map(str::trim);
            let first = fields.next().unwrap_or_default();
            let domain = match fields.next() {
                Some(second) if first.chars().all(|c| c.is_ascii_digit()) => second,
                _ => first,
            };
            let domain = normalise_name(domain);
            if check_name(&domain).is_err() {
                skipped += 1;
                continue;
            }
            self.add_suffix(list, &domain);
            added += 1;
        }
        (added, skipped)
    }

    /// Whether `name` (normalised) collides; `subdomains` says whether the
    /// policy would also block the names under it.
    pub fn check(&self, name: &str, subdomains: bool) -> Option<AllowMatch> {
        let found = |id: u32, kind: MatchKind, entry: &str| AllowMatch {
            kind,
            list: self.lists[id as usize].clone(),
            entry: entry.to_owned(),
        };
        if let Some(&id) = self.exact.get(name) {
            return Some(found(id, MatchKind::Exact, name));
        }
        if let Some(&id) = self.suffixes.get(name) {
            return Some(found(id, MatchKind::Under, name));
        }
        for parent in parents(name) {
            if let Some(&id) = self.suffixes.get(parent) {
                return Some(found(id, MatchKind::Under, parent));
            }
        }
        if subdomains {
            if let Some((id, entry)) = self.ancestors.get(name) {
                return Some(found(*id, MatchKind::Covers, entry));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_suffixes_and_lists_match() {
        let mut allow = AllowList::new();
        allow.add_name("inline", "Safe.Example.com.");
        allow.add_suffix("inline", ".gov");
        let (added, skipped) =
            allow.add_legitimate("tranco.csv", "1,google.com\n2,example.org\nrank,domain\n");
        assert_eq!((added, skipped), (2, 1));
        let kind = |name: &str| allow.check(name, false).map(|m| (m.kind, m.list, m.entry));
        assert_eq!(
            kind("safe.example.com"),
            Some((MatchKind::Exact, "inline".into(), "safe.example.com".into()))
        );
        assert_eq!(kind("x.safe.example.com"), None);
        assert_eq!(
            kind("irs.gov"),
            Some((MatchKind::Under, "inline".into(), "gov".into()))
        );
        assert_eq!(
            kind("mail.google.com"),
            Some((MatchKind::Under, "tranco.csv".into(), "google.com".into()))
        );
        assert_eq!(kind("google.com.evil.net"), None);
        assert_eq!(kind("notgoogle.com"), None);
    }

    #[test]
    fn wildcard_rules_collide_with_allowed_names_beneath() {
        let mut allow = AllowList::new();
        allow.add_name("inline", "www.parked.net");
        assert_eq!(allow.check("parked.net", false), None);
        let found = allow.check("parked.net", true).expect("covers");
        assert_eq!(found.kind, MatchKind::Covers);
        assert_eq!(found.entry, "www.parked.net");
    }

    #[test]
    fn allow_files_take_names_and_suffixes_and_refuse_junk() {
        let mut allow = AllowList::new();
        let added = allow
            .add_file(
                "allow.txt",
                "# ours\nexample.com\n*.mil\n.edu  # schools\n\n",
            )
            .expect("valid");
        assert_eq!(added, 3);
        assert!(allow.check("army.mil", false).is_some());
        assert!(allow.check("mit.edu", false).is_some());
        let error = allow
            .add_file("bad.txt", "ok.com\nnot a name\n")
            .expect_err("junk");
        assert_eq!(error.line, 2);
        assert!(allow.add_file("bad.txt", "localhost\n").is_err());
    }
}

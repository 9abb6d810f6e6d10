//! Content-seeded families described in a TOML file, for malware whose
//! algorithm is not public or was reversed this morning (Rustock read a
//! news page's headlines): the file says where the input comes from, how to
//! extract the seed text (a CSS selector or a regular expression), how to
//! normalise it, which hash to take, and how the digest becomes names. An
//! analyst gets predictions without writing Rust.
//!
//! How names are made, for day D and name number i (0-based): the digest of
//! `seed-text`, the date (per `date-format`, mixed in per `date-mix`) and
//! `i` as decimal, each joined by `|`; then the digest's bytes, re-hashed
//! when more are needed, pick a length in `[min-length, max-length]` (first
//! byte), one character of `alphabet` per further byte, and a TLD from
//! `tlds` (last byte). See `etc/families/rustock-model.toml`.
//!
//! Limitation: one seed per file; the extraction sees the page as served,
//! without running scripts.

use std::sync::Arc;

use cautery_dga::{
    Family, Generator, InputError, InputFormat, Schedule, Scheme, SeedInfo, Seeding,
};
use chrono::NaiveDate;
use serde::Deserialize;

/// A family file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FamilyFileError {
    /// The file does not parse or breaks a rule.
    #[error("family file {path}: {detail}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

/// The file's contents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FamilySpec {
    /// Must be 1.
    pub version: u32,
    /// Lower-case family name, unique among families.
    pub name: String,
    /// One sentence on what this is; say "model" if it is not the real thing.
    pub summary: String,
    /// True for an illustration that is not the malware's real algorithm.
    #[serde(default)]
    pub model: bool,
    /// Where the description comes from.
    #[serde(default)]
    pub references: Vec<String>,
    /// The input.
    pub source: SourceSpec,
    /// Seed-text extraction.
    pub extract: ExtractSpec,
    /// Normalisation of the seed text.
    #[serde(default)]
    pub normalise: NormaliseSpec,
    /// Digest.
    pub hash: HashSpec,
    /// Digest to names.
    pub names: NamesSpec,
}

/// Where the input comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourceSpec {
    /// The URL the malware reads.
    pub url: String,
    /// `html` or `text`.
    #[serde(default = "default_format")]
    pub format: String,
}

fn default_format() -> String {
    "html".to_owned()
}

/// How the seed text is taken from the input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExtractSpec {
    /// CSS selector; the text of the matching elements.
    pub css: Option<String>,
    /// Regular expression; capture group 1 (or the whole match) of each match.
    pub regex: Option<String>,
    /// How many matches to keep, in document order (default 1).
    #[serde(default = "one")]
    pub count: usize,
    /// Joins the kept matches.
    #[serde(default = "newline")]
    pub join: String,
}

fn one() -> usize {
    1
}

fn newline() -> String {
    "\n".to_owned()
}

/// Normalisation steps, applied in this order.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NormaliseSpec {
    /// Collapse runs of white space into one space.
    #[serde(default)]
    pub collapse_whitespace: bool,
    /// Remove leading and trailing white space.
    #[serde(default)]
    pub trim: bool,
    /// Lower-case.
    #[serde(default)]
    pub lowercase: bool,
}

/// The digest and how the date enters it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HashSpec {
    /// md5, sha1, sha256 or crc32.
    pub algorithm: String,
    /// `prepend`, `append` or `none`.
    #[serde(default = "append")]
    pub date_mix: String,
    /// strftime format of the date, e.g. `%Y-%m-%d`.
    #[serde(default = "iso_date")]
    pub date_format: String,
}

fn append() -> String {
    "append".to_owned()
}

fn iso_date() -> String {
    "%Y-%m-%d".to_owned()
}

/// How the digest becomes names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NamesSpec {
    /// Characters names are made of.
    pub alphabet: String,
    /// Shortest label.
    pub min_length: usize,
    /// Longest label.
    pub max_length: usize,
    /// Names per day.
    pub count: usize,
    /// TLDs without the dot.
    pub tlds: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Algorithm {
    Md5,
    Sha1,
    Sha256,
    Crc32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateMix {
    Prepend,
    Append,
    None,
}

/// A loaded family file.
#[derive(Debug)]
pub struct FileFamily {
    /// The parsed file.
    pub spec: FamilySpec,
    /// The family's metadata, for the shared prediction machinery.
    pub family: &'static Family,
    algorithm: Algorithm,
    date_mix: DateMix,
    selector: Option<scraper::Selector>,
    regex: Option<regex::Regex>,
}

fn leak(text: String) -> &'static str {
    // A family file is loaded once per process; its metadata lives as long.
    Box::leak(text.into_boxed_str())
}

impl FileFamily {
    /// Parses and checks a family file's text; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<Arc<FileFamily>, FamilyFileError> {
        let invalid = |detail: String| FamilyFileError::Invalid {
            path: path.to_owned(),
            detail,
        };
        let spec: FamilySpec = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if spec.version != 1 {
            return Err(invalid(format!(
                "version {} is not supported; use 1",
                spec.version
            )));
        }
        let name_ok = !spec.name.is_empty()
            && spec
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(invalid(
                "name must be lower-case letters, digits and '-'".into(),
            ));
        }
        if cautery_dga::find_family(&spec.name).is_some()
            || cautery_dga::find_public_data_family(&spec.name).is_some()
        {
            return Err(invalid(format!(
                "name '{}' is a built-in family's",
                spec.name
            )));
        }
        let algorithm = match spec.hash.algorithm.as_str() {
            "md5" => Algorithm::Md5,
            "sha1" => Algorithm::Sha1,
            "sha256" => Algorithm::Sha256,
            "crc32" => Algorithm::Crc32,
            other => {
                return Err(invalid(format!(
                    "hash algorithm '{other}'; use md5, sha1, sha256 or crc32"
                )))
            }
        };
        let date_mix = match spec.hash.date_mix.as_str() {
            "prepend" => DateMix::Prepend,
            "append" => DateMix::Append,
            "none" => DateMix::None,
            other => {
                return Err(invalid(format!(
                    "date-mix '{other}'; use prepend, append or none"
                )))
            }
        };
        let selector = match &spec.extract.css {
            Some(css) => Some(
                scraper::Selector::parse(css)
                    .map_err(|e| invalid(format!("CSS selector {css:?}: {e}")))?,
            ),
            None => None,
        };
        let regex = match &spec.extract.regex {
            Some(pattern) => {
                Some(regex::Regex::new(pattern).map_err(|e| invalid(format!("regex: {e}")))?)
            }
            None => None,
        };
        if selector.is_some() == regex.is_some() {
            return Err(invalid(
                "give exactly one of extract.css and extract.regex".into(),
            ));
        }
        let names = &spec.names;
        let alphabet_ok = !names.alphabet.is_empty()
            && names.alphabet.len() <= 64
            && names
                .alphabet
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !alphabet_ok {
            return Err(invalid(
                "alphabet must be 1 to 64 of a-z, 0-9 and '-'".into(),
            ));
        }
        if names.min_length == 0 || names.min_length > names.max_length || names.max_length > 63 {
            return Err(invalid(
                "lengths must satisfy 1 <= min-length <= max-length <= 63".into(),
            ));
        }
        if names.count == 0 || names.count > 10_000 || names.tlds.is_empty() {
            return Err(invalid(
                "count must be 1 to 10000 and tlds non-empty".into(),
            ));
        }
        if spec.extract.count == 0 {
            return Err(invalid("extract.count must be at least 1".into()));
        }
        let tlds: Vec<&'static str> = names.tlds.iter().map(|t| leak(t.clone())).collect();
        let references: Vec<&'static str> = if spec.references.is_empty() {
            vec![leak(path.to_owned())]
        } else {
            spec.references.iter().map(|r| leak(r.clone())).collect()
        };
        let family: &'static Family = Box::leak(Box::new(Family {
            name: leak(spec.name.clone()),
            aliases: &[],
            summary: leak(if spec.model {
                format!("MODEL, not the real algorithm: {}", spec.summary)
            } else {
                spec.summary.clone()
            }),
            scheme: Scheme::Hash,
            seeding: if date_mix == DateMix::None {
                Seeding::TID
            } else {
                Seeding::TDD
            },
            seeds: Box::leak(Box::new([SeedInfo {
                name: "file",
                value: "",
                note: "the seed text comes from the input",
            }])),
            seed_form: "none: the seed text comes from the input",
            schedule: if date_mix == DateMix::None {
                Schedule::Static
            } else {
                Schedule::DAILY
            },
            lookback: 0,
            names_per_window: leak(names.count.to_string()),
            tlds: Box::leak(tlds.into_boxed_slice()),
            references: Box::leak(references.into_boxed_slice()),
            bind: |_| Err(cautery_dga::SeedError::expected("an input (pass --input)")),
        }));
        Ok(Arc::new(FileFamily {
            spec,
            family,
            algorithm,
            date_mix,
            selector,
            regex,
        }))
    }

    /// Reads and parses a family file.
    pub fn load(path: &std::path::Path) -> Result<Arc<FileFamily>, FamilyFileError> {
        let text = std::fs::read_to_string(path).map_err(|e| FamilyFileError::Invalid {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        FileFamily::parse(&path.display().to_string(), &text)
    }

    /// The seed text of an input, extracted and normalised.
    pub fn seed_text(&self, input: &[u8]) -> Result<String, InputError> {
        let text = std::str::from_utf8(input)
            .map_err(|e| InputError::malformed(InputFormat::Html, format!("not UTF-8: {e}")))?;
        let mut parts: Vec<String> = Vec::new();
        if let Some(selector) = &self.selector {
            let document = scraper::Html::parse_document(text);
            for element in document.select(selector).take(self.spec.extract.count) {
                parts.push(element.text().collect::<String>());
            }
        } else if let Some(regex) = &self.regex {
            for found in regex.captures_iter(text).take(self.spec.extract.count) {
                let part = found
                    .get(1)
                    .or_else(|| found.get(0))
                    .map_or("", |m| m.as_str());
                parts.push(part.to_owned());
            }
        }
        if parts.is_empty() {
            let what = self
                .spec
                .extract
                .css
                .as_deref()
                .map(|c| format!("element matching CSS selector {c:?}"))
                .or_else(|| {
                    self.spec
                        .extract
                        .regex
                        .as_deref()
                        .map(|r| format!("match of regex {r:?}"))
                })
                .unwrap_or_default();
            return Err(InputError::missing(what));
        }
        let mut seed = parts.join(&self.spec.extract.join);
        let normalise = &self.spec.normalise;
        if normalise.collapse_whitespace {
            seed = seed.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        if normalise.trim {
            seed = seed.trim().to_owned();
        }
        if normalise.lowercase {
            seed = seed.to_lowercase();
        }
        if seed.is_empty() {
            return Err(InputError::missing(
                "non-empty seed text after normalisation",
            ));
        }
        Ok(seed)
    }

    /// Binds the family to an input.
    pub fn bind(self: &Arc<FileFamily>, input: &[u8]) -> Result<Box<dyn Generator>, InputError> {
        let seed_text = self.seed_text(input)?;
        Ok(Box::new(FileGenerator {
            family: Arc::clone(self),
            seed_text,
        }))
    }

    fn digest(&self, data: &[u8]) -> Vec<u8> {
        use md5::Digest as _;
        match self.algorithm {
            Algorithm::Md5 => md5::Md5::digest(data).to_vec(),
            Algorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Algorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Algorithm::Crc32 => crc32fast::hash(data).to_be_bytes().to_vec(),
        }
    }
}

struct FileGenerator {
    family: Arc<FileFamily>,
    seed_text: String,
}

impl Generator for FileGenerator {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let family = &self.family;
        let names = &family.spec.names;
        let date = epoch.format(&family.spec.hash.date_format).to_string();
        let alphabet = names.alphabet.as_bytes();
        let span = names.max_length - names.min_length + 1;
        for i in 0..names.count {
            let message = match family.date_mix {
                DateMix::Prepend => format!("{date}|{}|{i}", self.seed_text),
                DateMix::Append => format!("{}|{date}|{i}", self.seed_text),
                DateMix::None => format!("{}|{i}", self.seed_text),
            };
            let mut stream = family.digest(message.as_bytes());
            let mut bytes: Vec<u8> = stream.clone();
            while bytes.len() < names.max_length + 2 {
                stream = family.digest(&stream);
                bytes.extend_from_slice(&stream);
            }
            let length = names.min_length + usize::from(bytes[0]) % span;
            let mut name: String = bytes[1..=length]
                .iter()
                .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
                .collect();
            let tld = &names.tlds[usize::from(bytes[bytes.len() - 1]) % names.tlds.len()];
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
version = 1
name = "test-headlines"
summary = "test"
model = true
[source]
url = "http://127.0.0.1/"
[extract]
css = "h2.headline"
count = 2
[normalise]
collapse-whitespace = true
lowercase = true
[hash]
algorithm = "md5"
[names]
alphabet = "abcdefghijklmnopqrstuvwxyz"
min-length = 8
max-length = 12
count = 5
tlds = ["com", "net"]
"#;

    #[test]
    fn extracts_normalises_and_names() {
        let family = FileFamily::parse("test.toml", FILE).expect("parses");
        let page = b"<html><h2 class=headline>Big  News</h2><h2 class='headline'>More</h2><h2 class=headline>x</h2></html>";
        assert_eq!(family.seed_text(page).expect("seed"), "big news more");
        let generator = family.bind(page).expect("binds");
        let mut names = Vec::new();
        generator.generate(
            NaiveDate::from_ymd_opt(2026, 1, 1).expect("day"),
            &mut names,
        );
        assert_eq!(names.len(), 5);
        for name in &names {
            let (label, tld) = name.split_once('.').expect("dot");
            assert!((8..=12).contains(&label.len()), "{name}");
            assert!(tld == "com" || tld == "net");
        }
        let mut other = Vec::new();
        generator.generate(
            NaiveDate::from_ymd_opt(2026, 1, 2).expect("day"),
            &mut other,
        );
        assert_ne!(names, other, "the date is mixed in");
    }

    #[test]
    fn a_page_without_the_selector_is_a_clear_error() {
        let family = FileFamily::parse("test.toml", FILE).expect("parses");
        let error = family
            .bind(b"<html><p>redesigned</p></html>")
            .err()
            .expect("error");
        assert!(error.to_string().contains("h2.headline"), "{error}");
    }

    #[test]
    fn bad_files_are_refused() {
        for (from, to) in [
            ("version = 1", "version = 2"),
            ("\"md5\"", "\"md4\""),
            ("min-length = 8", "min-length = 20"),
            ("name = \"test-headlines\"", "name = \"bedep\""),
            ("count = 5", "count = 5\nunknown = 1"),
        ] {
            let text = FILE.replacen(from, to, 1);
            assert!(FileFamily::parse("t.toml", &text).is_err(), "{to}");
        }
    }
}

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
//! Bounds, so that a file or a page cannot make the daemon run out of time
//! or memory: at most [`MAX_EXTRACT_COUNT`] matches of at most
//! [`MAX_JOIN`] bytes of joiner, a seed text of at most [`MAX_SEED_TEXT`]
//! bytes (larger is an input error), a compiled regular expression of at
//! most [`MAX_REGEX_SIZE`] bytes, a date format of at most
//! [`MAX_DATE_FORMAT`] bytes, and names of at most 253 octets. Pages
//! themselves are bounded by the fetcher's body limit, family files by
//! [`MAX_FAMILY_FILE_BYTES`].
//!
//! Memory across reloads: the shared prediction machinery wants a
//! `&'static Family`, so a family's metadata is leaked, but once per
//! distinct definition: a [`FamilyRegistry`] hands the same `&'static
//! Family` to every load of the same metadata, so a daemon that reloads an
//! unchanged file every few minutes for months leaks nothing after the
//! first load. Each *different* definition (a file edited, a new file)
//! stays in memory until exit; one process keeps at most
//! [`MAX_FAMILY_DEFINITIONS`] of them and [`MAX_FAMILY_METADATA_BYTES`] of
//! their metadata, after which loading a new definition fails with an error
//! that asks for a restart (files already seen still load).
//!
//! Limitation: one seed per file; the extraction sees the page as served,
//! without running scripts.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use cautery_dga::{
    Family, Generator, InputError, InputFormat, Schedule, Scheme, SeedInfo, Seeding,
};
use chrono::NaiveDate;
use serde::Deserialize;

/// The most matches `extract.count` may keep.
pub const MAX_EXTRACT_COUNT: usize = 1000;
/// The longest `extract.join`, in bytes.
pub const MAX_JOIN: usize = 64;
/// The longest seed text, in bytes, after extraction and normalisation;
/// each name hashes it once, so this bounds the work per name.
pub const MAX_SEED_TEXT: usize = 64 * 1024;
/// The most text extraction gathers before normalisation, in bytes;
/// collapsing white space can shrink it to [`MAX_SEED_TEXT`].
const MAX_RAW_SEED_TEXT: usize = 4 * MAX_SEED_TEXT;
/// The most memory a compiled `extract.regex` may take, in bytes.
pub const MAX_REGEX_SIZE: usize = 1 << 20;
/// The longest `hash.date-format`, in bytes.
pub const MAX_DATE_FORMAT: usize = 64;
/// The largest family file read, in bytes: these are hand-written TOML of
/// a few KiB (`etc/families/rustock-model.toml` is 1.3 KiB).
pub const MAX_FAMILY_FILE_BYTES: u64 = 1024 * 1024;
/// Family files, for [`crate::local::read_bounded`].
const FAMILY_FILE: crate::local::FileKind = crate::local::FileKind {
    what: "family file",
    limit: MAX_FAMILY_FILE_BYTES,
    advice: "a family file describes one algorithm in a few KiB; is this the right file?",
};
/// The most different family definitions one process keeps (see the
/// module documentation).
pub const MAX_FAMILY_DEFINITIONS: usize = 1024;
/// The most bytes of family metadata one process keeps.
pub const MAX_FAMILY_METADATA_BYTES: usize = 16 * 1024 * 1024;

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
    /// The file cannot be read, is too large or is not text.
    #[error(transparent)]
    Unreadable(#[from] crate::local::LocalFileError),
    /// The file is valid, but the process already keeps as many family
    /// definitions as it may; a restart frees them.
    #[error(
        "family file {path}: this process already keeps {held}; each different \
         definition loaded stays in memory until exit, so restart cautery to load new or \
         changed family files"
    )]
    RegistryFull {
        /// The file.
        path: String,
        /// What is held, e.g. "1024 different family definitions".
        held: String,
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
    /// The family's metadata, for the shared prediction machinery; every
    /// load of the same definition gets the same one ([`FamilyRegistry`]).
    pub family: &'static Family,
    algorithm: Algorithm,
    date_mix: DateMix,
    format: InputFormat,
    selector: Option<scraper::Selector>,
    regex: Option<regex::Regex>,
}

/// The seed list of every file family: the seed text comes from the input.
static FILE_SEEDS: [SeedInfo; 1] = [SeedInfo {
    name: "file",
    value: "",
    note: "the seed text comes from the input",
}];

/// Everything a file family's [`Family`] holds that comes from the file;
/// two loads with equal metadata share one `&'static Family`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Metadata {
    name: String,
    summary: String,
    time_independent: bool,
    names_per_window: String,
    tlds: Vec<String>,
    references: Vec<String>,
}

impl Metadata {
    /// About how many bytes keeping this metadata takes: the leaked family
    /// and the registry's key, a copy of the same strings.
    fn bytes(&self) -> usize {
        let leaked = |list: &[String]| {
            list.iter()
                .map(|s| s.len() + std::mem::size_of::<&str>())
                .sum::<usize>()
        };
        let kept = |list: &[String]| {
            list.iter()
                .map(|s| s.len() + std::mem::size_of::<String>())
                .sum::<usize>()
        };
        let texts = self.name.len() + self.summary.len() + self.names_per_window.len();
        std::mem::size_of::<Family>()
            + std::mem::size_of::<Metadata>()
            + 2 * texts
            + leaked(&self.tlds)
            + leaked(&self.references)
            + kept(&self.tlds)
            + kept(&self.references)
    }

    /// Leaks a [`Family`] holding this metadata.
    fn leak(&self) -> &'static Family {
        fn leak_str(text: &str) -> &'static str {
            Box::leak(text.to_owned().into_boxed_str())
        }
        fn leak_list(list: &[String]) -> &'static [&'static str] {
            let list: Vec<&'static str> = list.iter().map(|s| leak_str(s)).collect();
            Box::leak(list.into_boxed_slice())
        }
        Box::leak(Box::new(Family {
            name: leak_str(&self.name),
            aliases: &[],
            summary: leak_str(&self.summary),
            scheme: Scheme::Hash,
            seeding: if self.time_independent {
                Seeding::TID
            } else {
                Seeding::TDD
            },
            seeds: &FILE_SEEDS,
            seed_form: "none: the seed text comes from the input",
            schedule: if self.time_independent {
                Schedule::Static
            } else {
                Schedule::DAILY
            },
            lookback: 0,
            names_per_window: leak_str(&self.names_per_window),
            tlds: leak_list(&self.tlds),
            references: leak_list(&self.references),
            bind: |_| Err(cautery_dga::SeedError::expected("an input (pass --input)")),
        }))
    }
}

/// The `&'static Family` of every distinct family definition loaded, so
/// that loading one again leaks nothing; bounded in definitions and bytes.
/// What it hands out is never freed, even when the registry is dropped:
/// [`FileFamily::parse`] uses one for the whole process, and a registry of
/// one's own (tests, fuzzing) adds its own bound.
#[derive(Debug)]
pub struct FamilyRegistry {
    inner: Mutex<Registered>,
}

#[derive(Debug)]
struct Registered {
    // A B-tree rather than a hash map: no hasher to seed, and lookups cost
    // a few comparisons of short strings.
    families: BTreeMap<Metadata, &'static Family>,
    bytes: usize,
    max_definitions: usize,
    max_bytes: usize,
}

/// The registry of [`FileFamily::parse`] and [`FileFamily::load`].
static PROCESS_FAMILIES: FamilyRegistry =
    FamilyRegistry::new(MAX_FAMILY_DEFINITIONS, MAX_FAMILY_METADATA_BYTES);

impl FamilyRegistry {
    /// An empty registry that keeps at most `max_definitions` definitions
    /// and `max_bytes` bytes of metadata.
    pub const fn new(max_definitions: usize, max_bytes: usize) -> FamilyRegistry {
        FamilyRegistry {
            inner: Mutex::new(Registered {
                families: BTreeMap::new(),
                bytes: 0,
                max_definitions,
                max_bytes,
            }),
        }
    }

    /// How many different definitions it keeps.
    pub fn len(&self) -> usize {
        self.lock().families.len()
    }

    /// Whether it keeps none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registered> {
        // Nothing panics while the lock is held but an allocation failure;
        // the map is consistent between statements, so go on after one.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The family of `metadata`: the one leaked before, or a new one if
    /// the bounds allow; otherwise the reason, for [`FamilyFileError`].
    fn intern(&self, metadata: Metadata) -> Result<&'static Family, String> {
        let mut registered = self.lock();
        if let Some(family) = registered.families.get(&metadata) {
            return Ok(family);
        }
        if registered.families.len() >= registered.max_definitions {
            return Err(format!(
                "{} different family definitions, the most it may",
                registered.max_definitions
            ));
        }
        let bytes = metadata.bytes();
        if registered.bytes.saturating_add(bytes) > registered.max_bytes {
            return Err(format!(
                "{} bytes of family metadata, and this file's {bytes} more would pass \
                 the limit of {}",
                registered.bytes, registered.max_bytes
            ));
        }
        let family = metadata.leak();
        registered.bytes += bytes;
        registered.families.insert(metadata, family);
        Ok(family)
    }
}

impl FileFamily {
    /// Parses and checks a family file's text; `path` names it in errors.
    /// Its metadata comes from the process's [`FamilyRegistry`]: parsing
    /// the same definition again leaks nothing.
    pub fn parse(path: &str, text: &str) -> Result<Arc<FileFamily>, FamilyFileError> {
        FileFamily::parse_in(&PROCESS_FAMILIES, path, text)
    }

    /// [`FileFamily::parse`] with the metadata kept in `registry` instead of
    /// the process's; what it leaks outlives the registry, so each new
    /// registry adds its own bound (for tests and fuzzing, not daemons).
    pub fn parse_in(
        registry: &FamilyRegistry,
        path: &str,
        text: &str,
    ) -> Result<Arc<FileFamily>, FamilyFileError> {
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
            && spec.name.len() <= 63
            && spec
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(invalid(
                "name must be 1 to 63 lower-case letters, digits and '-'".into(),
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
        let format = match spec.source.format.as_str() {
            "html" => InputFormat::Html,
            "text" => InputFormat::Text,
            other => {
                return Err(invalid(format!(
                    "source.format '{other}'; use html or text"
                )))
            }
        };
        check_date_format(&spec.hash.date_format).map_err(invalid)?;
        let selector = match &spec.extract.css {
            Some(css) => Some(
                scraper::Selector::parse(css)
                    .map_err(|e| invalid(format!("CSS selector {css:?}: {e}")))?,
            ),
            None => None,
        };
        let regex = match &spec.extract.regex {
            Some(pattern) => Some(
                regex::RegexBuilder::new(pattern)
                    .size_limit(MAX_REGEX_SIZE)
                    .build()
                    .map_err(|e| invalid(format!("regex: {e}")))?,
            ),
            None => None,
        };
        if selector.is_some() == regex.is_some() {
            return Err(invalid(
                "give exactly one of extract.css and extract.regex".into(),
            ));
        }
        if selector.is_some() && format != InputFormat::Html {
            return Err(invalid(
                "extract.css needs source.format = \"html\"; use extract.regex for text".into(),
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
        for tld in &names.tlds {
            check_tld(tld, names.max_length).map_err(invalid)?;
        }
        if spec.extract.count == 0 || spec.extract.count > MAX_EXTRACT_COUNT {
            return Err(invalid(format!(
                "extract.count must be 1 to {MAX_EXTRACT_COUNT}"
            )));
        }
        if spec.extract.join.len() > MAX_JOIN {
            return Err(invalid(format!(
                "extract.join is {} bytes; at most {MAX_JOIN}",
                spec.extract.join.len()
            )));
        }
        let metadata = Metadata {
            name: spec.name.clone(),
            summary: if spec.model {
                format!("MODEL, not the real algorithm: {}", spec.summary)
            } else {
                spec.summary.clone()
            },
            time_independent: date_mix == DateMix::None,
            names_per_window: names.count.to_string(),
            tlds: names.tlds.clone(),
            references: if spec.references.is_empty() {
                vec![path.to_owned()]
            } else {
                spec.references.clone()
            },
        };
        let family = registry
            .intern(metadata)
            .map_err(|held| FamilyFileError::RegistryFull {
                path: path.to_owned(),
                held,
            })?;
        Ok(Arc::new(FileFamily {
            spec,
            family,
            algorithm,
            date_mix,
            format,
            selector,
            regex,
        }))
    }

    /// Reads (at most [`MAX_FAMILY_FILE_BYTES`]) and parses a family file.
    pub fn load(path: &Path) -> Result<Arc<FileFamily>, FamilyFileError> {
        let text = crate::local::read_bounded_text(path, &FAMILY_FILE)?;
        FileFamily::parse(&path.display().to_string(), &text)
    }

    /// The seed text of an input, extracted and normalised.
    pub fn seed_text(&self, input: &[u8]) -> Result<String, InputError> {
        let text = std::str::from_utf8(input)
            .map_err(|e| InputError::malformed(self.format, format!("not UTF-8: {e}")))?;
        let mut parts: Vec<String> = Vec::new();
        // Nested matches each hold the text of those inside them, so stop
        // gathering well before the parts outgrow the page many times over.
        let mut gathered = 0usize;
        let mut keep = |part: String, parts: &mut Vec<String>| {
            gathered = gathered.saturating_add(part.len());
            parts.push(part);
            gathered <= MAX_RAW_SEED_TEXT
        };
        if let Some(selector) = &self.selector {
            let document = scraper::Html::parse_document(text);
            for element in document.select(selector).take(self.spec.extract.count) {
                if !keep(element.text().collect::<String>(), &mut parts) {
                    break;
                }
            }
        } else if let Some(regex) = &self.regex {
            for found in regex.captures_iter(text).take(self.spec.extract.count) {
                let part = found
                    .get(1)
                    .or_else(|| found.get(0))
                    .map_or("", |m| m.as_str());
                if !keep(part.to_owned(), &mut parts) {
                    break;
                }
            }
        }
        if gathered > MAX_RAW_SEED_TEXT {
            return Err(InputError::BadValue {
                what: "extracted text".to_owned(),
                value: format!("over {MAX_RAW_SEED_TEXT} bytes"),
                expected: "at most 64 KiB of seed text; make the extraction narrower",
            });
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
        if seed.len() > MAX_SEED_TEXT {
            let mut start = 40;
            while !seed.is_char_boundary(start) {
                start -= 1;
            }
            return Err(InputError::BadValue {
                what: format!("seed text ({} bytes)", seed.len()),
                value: format!("{}...", &seed[..start]),
                expected: "at most 64 KiB long; make the extraction narrower",
            });
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

/// Checks a strftime date format: known fields only, and only fields a
/// date has (no hours or time zones), so that formatting cannot fail later.
fn check_date_format(format: &str) -> Result<(), String> {
    use std::fmt::Write as _;
    if format.len() > MAX_DATE_FORMAT {
        return Err(format!(
            "hash.date-format is {} bytes; at most {MAX_DATE_FORMAT}",
            format.len()
        ));
    }
    let items = chrono::format::StrftimeItems::new(format);
    let mut probe = String::new();
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let usable = !items
        .clone()
        .any(|item| matches!(item, chrono::format::Item::Error))
        && write!(probe, "{}", day.format_with_items(items)).is_ok();
    if usable {
        Ok(())
    } else {
        Err(format!(
            "hash.date-format {format:?} is not a strftime date format (fields such as %Y, %m, %d, %j; no time or zone fields)"
        ))
    }
}

/// Checks a TLD of `names.tlds`: host-name labels (RFC 1123), lower case,
/// leaving room for a label of `max_length` in 253 octets.
fn check_tld(tld: &str, max_length: usize) -> Result<(), String> {
    let labels_ok = tld.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if !labels_ok {
        return Err(format!(
            "TLD {tld:?} must be lower-case host-name labels without the leading dot, e.g. com or co.uk"
        ));
    }
    if max_length + 1 + tld.len() > 253 {
        return Err(format!(
            "TLD {tld:?} with labels of {max_length} characters is longer than 253"
        ));
    }
    Ok(())
}

struct FileGenerator {
    family: Arc<FileFamily>,
    seed_text: String,
}

impl Generator for FileGenerator {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        use std::fmt::Write as _;
        let family = &self.family;
        let names = &family.spec.names;
        // `parse` checked the format against a date, and formatting a date
        // does not depend on its value; still, never panic on it.
        let mut date = String::new();
        if write!(date, "{}", epoch.format(&family.spec.hash.date_format)).is_err() {
            return;
        }
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

    /// Formatting a date with `%H` or an unknown field made `generate`
    /// panic ("a Display implementation returned an error unexpectedly");
    /// such formats are now refused when the file is read.
    #[test]
    fn date_formats_that_cannot_format_a_date_are_refused() {
        for format in [
            "%H:%M",
            "%Q",
            "%",
            "%Y-%m-%d %z",
            "%s",
            "%.3f",
            "%Y%",
            &"%Y".repeat(40),
        ] {
            let text = FILE.replacen(
                "algorithm = \"md5\"",
                &format!("algorithm = \"md5\"\ndate-format = {format:?}"),
                1,
            );
            let error = FileFamily::parse("t.toml", &text).expect_err(format);
            assert!(error.to_string().contains("date-format"), "{error}");
        }
        let text = FILE.replacen(
            "algorithm = \"md5\"",
            "algorithm = \"md5\"\ndate-format = \"%A %e %B %Y, day %j\"",
            1,
        );
        let family = FileFamily::parse("t.toml", &text).expect("a date-only format");
        let generator = family.bind(b"<h2 class=headline>x</h2>").expect("binds");
        let mut names = Vec::new();
        generator.generate(NaiveDate::MAX, &mut names);
        assert_eq!(names.len(), 5);
    }

    /// TLDs were taken as written, so a name could carry blanks, upper case
    /// or an empty label into a zone file, or pass 253 octets.
    #[test]
    fn tlds_that_would_make_bad_names_are_refused() {
        for tlds in [
            "[\"\"]",
            "[\".com\"]",
            "[\"COM\"]",
            "[\"co..uk\"]",
            "[\"a b\"]",
            "[\"-x\"]",
            "[\"com\", \"net\\n\"]",
            &format!("[\"{}\"]", vec!["a".repeat(60); 4].join(".")),
        ] {
            let text = FILE.replacen("tlds = [\"com\", \"net\"]", &format!("tlds = {tlds}"), 1);
            let error = FileFamily::parse("t.toml", &text).expect_err(tlds);
            assert!(error.to_string().contains("TLD"), "{error}");
        }
        let text = FILE.replacen(
            "tlds = [\"com\", \"net\"]",
            "tlds = [\"co.uk\", \"xn--p1ai\"]",
            1,
        );
        assert!(FileFamily::parse("t.toml", &text).is_ok());
    }

    #[test]
    fn extraction_bounds_are_enforced() {
        let many = FILE.replacen(
            "count = 2",
            &format!("count = {}", MAX_EXTRACT_COUNT + 1),
            1,
        );
        assert!(FileFamily::parse("t.toml", &many).is_err());
        let long_join = FILE.replacen(
            "count = 2",
            &format!("count = 2\njoin = {:?}", "x".repeat(MAX_JOIN + 1)),
            1,
        );
        assert!(FileFamily::parse("t.toml", &long_join).is_err());
        let family = FileFamily::parse("t.toml", FILE).expect("parses");
        let page = format!("<h2 class=headline>{}</h2>", "é".repeat(MAX_SEED_TEXT));
        let error = family.bind(page.as_bytes()).err().expect("too long");
        assert!(error.to_string().contains("64 KiB"), "{error}");
        // Nested matches: each div's text holds every div inside it, so the
        // parts would grow with the square of the page.
        let nested = FILE
            .replacen("css = \"h2.headline\"", "css = \"div\"", 1)
            .replacen("count = 2", "count = 1000", 1);
        let family = FileFamily::parse("t.toml", &nested).expect("parses");
        let page = format!("{}{}", "<div>".repeat(900), "x".repeat(1000));
        let error = family
            .seed_text(page.as_bytes())
            .expect_err("too much text");
        assert!(error.to_string().contains("extracted text"), "{error}");
        let huge_regex = FILE.replacen("css = \"h2.headline\"", "regex = '\\w{1000}{1000}'", 1);
        let error = FileFamily::parse("t.toml", &huge_regex).expect_err("regex too big");
        assert!(error.to_string().contains("regex"), "{error}");
    }

    #[test]
    fn source_formats_are_checked() {
        let text = FILE.replacen("[source]", "[source]\nformat = \"pdf\"", 1);
        let error = FileFamily::parse("t.toml", &text).expect_err("pdf");
        assert!(error.to_string().contains("source.format"), "{error}");
        let text = FILE.replacen("[source]", "[source]\nformat = \"text\"", 1);
        let error = FileFamily::parse("t.toml", &text).expect_err("css over text");
        assert!(error.to_string().contains("extract.css"), "{error}");
    }

    /// Each load of a family file leaked a new copy of its metadata, so a
    /// daemon reloading every few minutes grew without bound.
    #[test]
    fn reloading_a_family_file_leaks_nothing_new() {
        let registry = FamilyRegistry::new(8, MAX_FAMILY_METADATA_BYTES);
        let first = FileFamily::parse_in(&registry, "t.toml", FILE).expect("parses");
        for _ in 0..100 {
            let again = FileFamily::parse_in(&registry, "t.toml", FILE).expect("parses");
            assert!(std::ptr::eq(first.family, again.family));
        }
        assert_eq!(registry.len(), 1);
        // A change that the metadata does not hold (the alphabet) shares it
        // too; one it holds (the summary) is a new definition.
        let alphabet = FILE.replacen("abcdefghijklmnopqrstuvwxyz", "abc", 1);
        let other = FileFamily::parse_in(&registry, "t.toml", &alphabet).expect("parses");
        assert!(std::ptr::eq(first.family, other.family));
        assert_eq!(registry.len(), 1);
        let summary = FILE.replacen("summary = \"test\"", "summary = \"edited\"", 1);
        let edited = FileFamily::parse_in(&registry, "t.toml", &summary).expect("parses");
        assert!(!std::ptr::eq(first.family, edited.family));
        assert_eq!(
            edited.family.summary,
            "MODEL, not the real algorithm: edited"
        );
        assert_eq!(registry.len(), 2);
        // A file that does not parse takes no room.
        let bad = FILE.replacen("version = 1", "version = 2", 1);
        assert!(FileFamily::parse_in(&registry, "t.toml", &bad).is_err());
        assert_eq!(registry.len(), 2);
    }

    #[test]
    fn the_process_registry_shares_families_across_loads() {
        let text = FILE.replacen("test-headlines", "test-process-registry", 1);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("family.toml");
        std::fs::write(&path, &text).expect("write");
        let first = FileFamily::load(&path).expect("loads");
        for _ in 0..10 {
            let again = FileFamily::load(&path).expect("loads");
            assert!(std::ptr::eq(first.family, again.family));
        }
        let parsed = FileFamily::parse(&path.display().to_string(), &text).expect("parses");
        assert!(std::ptr::eq(first.family, parsed.family));
    }

    #[test]
    fn a_full_registry_asks_for_a_restart_and_still_loads_what_it_holds() {
        let registry = FamilyRegistry::new(3, MAX_FAMILY_METADATA_BYTES);
        let version =
            |n: usize| FILE.replacen("summary = \"test\"", &format!("summary = \"v{n}\""), 1);
        let kept: Vec<_> = (0..3)
            .map(|n| FileFamily::parse_in(&registry, "t.toml", &version(n)).expect("room"))
            .collect();
        let error = FileFamily::parse_in(&registry, "t.toml", &version(3)).expect_err("full");
        assert!(
            matches!(error, FamilyFileError::RegistryFull { .. }),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("3 different family definitions"),
            "{message}"
        );
        assert!(message.contains("restart"), "{message}");
        assert_eq!(registry.len(), 3);
        let again = FileFamily::parse_in(&registry, "t.toml", &version(1)).expect("seen before");
        assert!(std::ptr::eq(again.family, kept[1].family));

        let probe = FamilyRegistry::new(1, MAX_FAMILY_METADATA_BYTES);
        FileFamily::parse_in(&probe, "t.toml", FILE).expect("parses");
        let one = probe.lock().bytes;
        assert!(one > std::mem::size_of::<Family>(), "{one}");
        let small = FamilyRegistry::new(100, one + 10);
        FileFamily::parse_in(&small, "t.toml", FILE).expect("fits");
        let error = FileFamily::parse_in(&small, "t.toml", &version(0)).expect_err("no bytes left");
        assert!(
            error.to_string().contains("bytes of family metadata"),
            "{error}"
        );
        assert_eq!(small.len(), 1);
    }

    #[test]
    fn an_oversized_family_file_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("huge.toml");
        let padding = "#".repeat(usize::try_from(MAX_FAMILY_FILE_BYTES).expect("fits"));
        std::fs::write(&path, format!("{FILE}{padding}")).expect("write");
        let error = FileFamily::load(&path).expect_err("too large");
        assert!(error.to_string().contains("larger than 1 MiB"), "{error}");
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

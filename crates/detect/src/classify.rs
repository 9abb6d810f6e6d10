//! A small classifier of names no family explains: features of the
//! registrable label (the label left of the public suffix, so that
//! `x7k2q.co.uk` is judged by `x7k2q`, not by `co`), a logistic model over
//! them, trained offline (`scripts/train-classifier.py`) and shipped in
//! `data/classifier.json`.
//!
//! Features, in this order (the model file names them and is refused if it
//! does not match): label length, Shannon entropy of its characters, vowel
//! share of its letters, digit share, longest consonant run over the
//! length, distinct characters over the length, hyphens, digit/letter
//! transitions over the length, the mean and the minimum log-probability of
//! its character bigrams (with start and end marks) under a table learned
//! from benign names and shipped in the model, and the share of its bigrams
//! that table calls rare.
//!
//! The Public Suffix List is the one in `data/public_suffix_list.dat`
//! (publicsuffix.org, MPL-2.0, version in its header), ICANN and private
//! sections alike. Known limitations: a linear model over character
//! statistics does not see word-list DGAs (suppobox, matsnu, nymaim2),
//! whose labels are dictionary words; the evaluation in
//! `scripts/bench-detect.sh` reports how little it catches of them.

use std::sync::OnceLock;

use ahash::AHashMap;
use serde::Deserialize;

/// The feature names, in the order of the model's weights.
pub const FEATURES: [&str; 11] = [
    "length",
    "entropy",
    "vowel_share",
    "digit_share",
    "consonant_run",
    "distinct_share",
    "hyphens",
    "transitions",
    "bigram_mean",
    "bigram_min",
    "rare_bigrams",
];

/// Symbols of the bigram table: `^` start, `$` end, a-z, 0-9, `-`, and
/// `_` for anything else.
const SYMBOLS: usize = 40;

fn symbol(byte: u8) -> usize {
    match byte {
        b'a'..=b'z' => usize::from(byte - b'a'),
        b'0'..=b'9' => 26 + usize::from(byte - b'0'),
        b'-' => 36,
        b'^' => 37,
        b'$' => 38,
        _ => 39,
    }
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Not JSON of the model's shape.
    #[error("not a classifier model: {0}")]
    Json(#[from] serde_json::Error),
    /// Written for other features or another table size.
    #[error("the model is for other features ({0}); retrain it with scripts/train-classifier.py")]
    Mismatch(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    features: Vec<String>,
    /// Log-probabilities, SYMBOLS x SYMBOLS, row = first symbol.
    bigram_logp: Vec<f64>,
    /// Below this a bigram is rare.
    rare_below: f64,
    mean: Vec<f64>,
    scale: Vec<f64>,
    weights: Vec<f64>,
    bias: f64,
    /// Scores at or above this are labelled `dga`.
    threshold: f64,
    /// Free text: how and on what it was trained, and its evaluation.
    #[allow(dead_code)]
    notes: serde_json::Value,
}

/// A trained model.
#[derive(Debug, Clone)]
pub struct Model {
    bigram: Vec<f64>,
    rare_below: f64,
    mean: [f64; FEATURES.len()],
    scale: [f64; FEATURES.len()],
    weights: [f64; FEATURES.len()],
    bias: f64,
    threshold: f64,
}

fn array(values: &[f64], what: &str) -> Result<[f64; FEATURES.len()], ModelError> {
    values
        .try_into()
        .map_err(|_| ModelError::Mismatch(format!("{what} has {} values", values.len())))
}

impl Model {
    /// Reads a model file written by the training script.
    pub fn from_json(text: &str) -> Result<Model, ModelError> {
        let file: ModelFile = serde_json::from_str(text)?;
        if file.features != FEATURES {
            return Err(ModelError::Mismatch(file.features.join(",")));
        }
        if file.bigram_logp.len() != SYMBOLS * SYMBOLS {
            return Err(ModelError::Mismatch(format!(
                "bigram table of {} values",
                file.bigram_logp.len()
            )));
        }
        Ok(Model {
            bigram: file.bigram_logp,
            rare_below: file.rare_below,
            mean: array(&file.mean, "mean")?,
            scale: array(&file.scale, "scale")?,
            weights: array(&file.weights, "weights")?,
            bias: file.bias,
            threshold: file.threshold,
        })
    }

    /// The model shipped in the crate.
    pub fn shipped() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            #[allow(clippy::expect_used)]
            Model::from_json(include_str!("../data/classifier.json"))
                .expect("the shipped model is checked by a unit test")
        })
    }

    /// The score at and above which a name is labelled `dga`.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The features of a registrable label.
    pub fn features(&self, label: &str) -> [f64; FEATURES.len()] {
        let bytes = label.as_bytes();
        #[allow(clippy::cast_precision_loss)]
        let length = bytes.len().max(1) as f64;
        let mut counts = [0u32; SYMBOLS];
        let (mut vowels, mut letters, mut digits, mut hyphens, mut transitions) = (0, 0, 0, 0, 0);
        let (mut run, mut longest_run) = (0, 0);
        let mut previous_digit: Option<bool> = None;
        for &b in bytes {
            counts[symbol(b)] += 1;
            let is_digit = b.is_ascii_digit();
            if b.is_ascii_lowercase() {
                letters += 1;
                if matches!(b, b'a' | b'e' | b'i' | b'o' | b'u') {
                    vowels += 1;
                    run = 0;
                } else {
                    run += 1;
                    longest_run = longest_run.max(run);
                }
            } else {
                run = 0;
            }
            if is_digit {
                digits += 1;
            }
            if b == b'-' {
                hyphens += 1;
            }
            if b.is_ascii_alphanumeric() {
                if previous_digit.is_some_and(|d| d != is_digit) {
                    transitions += 1;
                }
                previous_digit = Some(is_digit);
            }
        }
        let entropy: f64 = counts
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let p = f64::from(c) / length;
                -p * p.log2()
            })
            .sum();
        let distinct = counts.iter().filter(|&&c| c > 0).count();
        let (mut sum, mut min, mut rare, mut pairs) = (0.0, f64::INFINITY, 0u32, 0u32);
        let mut last = symbol(b'^');
        for next in bytes.iter().map(|&b| symbol(b)).chain([symbol(b'$')]) {
            let logp = self.bigram[last * SYMBOLS + next];
            sum += logp;
            min = f64::min(min, logp);
            if logp < self.rare_below {
                rare += 1;
            }
            pairs += 1;
            last = next;
        }
        let pairs = f64::from(pairs);
        #[allow(clippy::cast_precision_loss)]
        [
            length,
            entropy,
            f64::from(vowels) / f64::from(letters.max(1)),
            f64::from(digits) / length,
            f64::from(longest_run) / length,
            distinct as f64 / length,
            f64::from(hyphens),
            f64::from(transitions) / length,
            sum / pairs,
            min,
            f64::from(rare) / pairs,
        ]
    }

    /// The score (0 to 1, higher is more DGA-like) of a registrable label.
    pub fn score_label(&self, label: &str) -> f64 {
        let features = self.features(label);
        let z = self.bias
            + features
                .iter()
                .zip(&self.mean)
                .zip(&self.scale)
                .zip(&self.weights)
                .map(|(((value, mean), scale), weight)| weight * (value - mean) / scale)
                .sum::<f64>();
        1.0 / (1.0 + (-z).exp())
    }
}

/// The Public Suffix List, for the registrable label of a name.
///
/// Every rule and every proper tail of a rule is one entry of a flat map
/// keyed by the tail's text (`uk`, `co.uk`, `compute.amazonaws.com`), so a
/// name is looked up by slicing its own text from the right: one hash probe
/// per label until the first tail no rule extends (two for most names,
/// three under `co.uk`), no allocation, and nothing to share or lock
/// between threads. The answers are those of the `publicsuffix` crate's
/// `List::domain` (a tree of maps), checked against it for every rule of
/// the shipped list; that crate is the test's oracle only, as its lookup
/// (a `BTreeMap` per label without its `std` feature) cost about five times
/// this one.
#[derive(Debug)]
pub struct Suffixes {
    tails: AHashMap<Box<str>, Tail>,
}

/// What the list says about one tail of a name.
#[derive(Debug, Clone, Copy, Default)]
struct Tail {
    /// The tail is a rule (`co.uk`) or an exception (`!www.ck`).
    rule: Option<Rule>,
    /// `*.tail` is a rule (or an exception): any one label before this
    /// tail that has no entry of its own.
    wildcard: Option<Rule>,
    /// A longer rule ends in this tail (more labels may matter).
    extended: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Suffix,
    Exception,
}

/// Why a public suffix list was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SuffixListError {
    /// A rule this lookup does not take (`a..b`, `!com`, `a.*.b`).
    #[error("public suffix rule {rule:?}: {why}")]
    Rule {
        /// The rule as written.
        rule: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// No rule at all (or no `BEGIN ICANN DOMAINS` / `BEGIN PRIVATE
    /// DOMAINS` marker before them).
    #[error("no public suffix rules found")]
    Empty,
}

impl Suffixes {
    /// The list shipped in the crate.
    pub fn shipped() -> &'static Suffixes {
        static LIST: OnceLock<Suffixes> = OnceLock::new();
        LIST.get_or_init(|| {
            #[allow(clippy::expect_used)]
            Suffixes::parse(include_str!("../data/public_suffix_list.dat"))
                .expect("the shipped list is checked by a unit test")
        })
    }

    /// Reads a list in publicsuffix.org's format: rules are the first word
    /// of each line that is not a comment, after the first section marker
    /// (ICANN and private sections alike, as the `publicsuffix` crate
    /// reads them). A wildcard is taken as a rule's first label only,
    /// which is where the list has them.
    pub fn parse(text: &str) -> Result<Suffixes, SuffixListError> {
        let mut tails: AHashMap<Box<str>, Tail> = AHashMap::new();
        let mut in_section = false;
        for line in text.lines() {
            if line.contains("BEGIN ICANN DOMAINS") || line.contains("BEGIN PRIVATE DOMAINS") {
                in_section = true;
                continue;
            }
            if line.starts_with("//") || !in_section {
                continue;
            }
            let Some(written) = line.split_whitespace().next() else {
                continue;
            };
            let refuse = |why| SuffixListError::Rule {
                rule: written.into(),
                why,
            };
            let (rule, kind) = match written.strip_prefix('!') {
                Some(rule) if !rule.contains('.') => {
                    return Err(refuse("an exception needs two labels or more"))
                }
                Some(rule) => (rule, Rule::Exception),
                None => (written, Rule::Suffix),
            };
            if rule.split('.').any(str::is_empty) {
                return Err(refuse("empty label"));
            }
            if rule.split('.').skip(1).any(|label| label.contains('*')) {
                return Err(refuse("a wildcard is taken as the first label only"));
            }
            // Every proper tail is extended by this rule.
            for (dot, _) in rule.match_indices('.') {
                tails.entry(rule[dot + 1..].into()).or_default().extended = true;
            }
            match rule.split_once('.') {
                Some(("*", parent)) => {
                    tails.entry(parent.into()).or_default().wildcard = Some(kind);
                }
                _ => tails.entry(rule.into()).or_default().rule = Some(kind),
            }
        }
        if tails.is_empty() {
            return Err(SuffixListError::Empty);
        }
        Ok(Suffixes { tails })
    }

    /// The label left of the public suffix (`x7k2q` of `www.x7k2q.co.uk`);
    /// the name's first label when the name is itself a suffix. The name is
    /// expected in lower case without a trailing dot.
    pub fn registrable_label<'a>(&self, name: &'a str) -> &'a str {
        let name = name.strip_suffix('.').unwrap_or(name);
        &name[self.registrable_range(name)]
    }

    /// Where [`Suffixes::registrable_label`] is in `name` (without its
    /// trailing dot), as `publicsuffix`'s `List::domain` places it.
    fn registrable_range(&self, name: &str) -> std::ops::Range<usize> {
        let first_label = 0..name.find('.').unwrap_or(name.len());
        // A second trailing dot: the list is asked about the name before it.
        let (body, fqdn) = match name.strip_suffix('.') {
            Some(body) => (body, 1),
            None => (name, 0),
        };
        let suffix = self.suffix_len(body) + fqdn;
        if suffix == 0 || name.len() < suffix + 2 {
            return first_label;
        }
        let end = name.len() - suffix - 1;
        let start = name.as_bytes()[..end]
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(0, |dot| dot + 1);
        if start < end && name.get(start..end).is_some() {
            start..end
        } else {
            first_label
        }
    }

    /// The length of the public suffix of `name`: its last label at least
    /// (an unlisted top-level label is a suffix), or the longest rule that
    /// matches, an exception's less its first label.
    fn suffix_len(&self, name: &str) -> usize {
        let bytes = name.as_bytes();
        let last_dot = |end: usize| memchr::memrchr(b'.', &bytes[..end]);
        // `start` is where the tail matched so far starts.
        let mut start = last_dot(bytes.len()).map_or(0, |dot| dot + 1);
        let mut suffix = bytes.len() - start;
        let Some(mut tail) = self.tails.get(&name[start..]) else {
            return suffix;
        };
        while start > 0 && tail.extended {
            let label = last_dot(start - 1).map_or(0, |dot| dot + 1);
            let (rule, next) = match self.tails.get(&name[label..]) {
                Some(next) => (next.rule, Some(next)),
                None => match tail.wildcard {
                    Some(rule) => (Some(rule), None),
                    None => break,
                },
            };
            match rule {
                Some(Rule::Exception) => return bytes.len() - start,
                Some(Rule::Suffix) => suffix = bytes.len() - label,
                None => {}
            }
            match next {
                Some(next) => tail = next,
                // A wildcard's label: no rule extends it.
                None => break,
            }
            start = label;
        }
        suffix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registrable_label_skips_public_suffixes() {
        let list = Suffixes::shipped();
        assert_eq!(list.registrable_label("www.x7k2q.co.uk"), "x7k2q");
        assert_eq!(list.registrable_label("a.b.example.com"), "example");
        assert_eq!(list.registrable_label("example.com."), "example");
        assert_eq!(list.registrable_label("foo.blogspot.com"), "foo");
        assert_eq!(list.registrable_label("qwrtzp.unknowntld"), "qwrtzp");
        assert_eq!(list.registrable_label("co.uk"), "co");
        assert_eq!(list.registrable_label(""), "");
        for odd in [
            ".",
            "..",
            "a..b",
            ".com",
            "\u{e9}t\u{e9}.fr",
            "a.\u{e9}",
            "x.",
            "-.-",
            "*.ck",
        ] {
            let label = list.registrable_label(odd);
            assert!(odd.contains(label), "{odd}: {label}");
        }
    }

    /// The registrable label as the `publicsuffix` crate places it (what
    /// this module did before it had a lookup of its own).
    fn oracle(list: &publicsuffix::List, name: &str) -> String {
        use publicsuffix::Psl;
        let name = name.strip_suffix('.').unwrap_or(name);
        if let Some(domain) = list.domain(name.as_bytes()) {
            let suffix = domain.suffix().as_bytes().len();
            let registrable = domain.as_bytes().len();
            if registrable > suffix + 1 {
                if let Some(label) = name.get(name.len() - registrable..name.len() - suffix - 1) {
                    return label.into();
                }
            }
        }
        name.split('.').next().unwrap_or_default().into()
    }

    fn oracle_list() -> publicsuffix::List {
        #[allow(clippy::expect_used)]
        include_str!("../data/public_suffix_list.dat")
            .parse()
            .expect("the publicsuffix crate reads the shipped list")
    }

    #[test]
    fn the_lookup_agrees_with_the_publicsuffix_crate_for_every_rule() {
        let list = Suffixes::shipped();
        let reference = oracle_list();
        let text = include_str!("../data/public_suffix_list.dat");
        let rules: Vec<String> = text
            .lines()
            .filter(|line| !line.starts_with("//"))
            .filter_map(|line| line.split_whitespace().next())
            .flat_map(|rule| {
                let rule = rule.trim_start_matches('!');
                // A wildcard's own label, another label there, and the
                // tail the wildcard hangs from.
                [
                    rule.to_owned(),
                    rule.replace('*', "w"),
                    rule.trim_start_matches("*.").to_owned(),
                ]
            })
            .collect();
        assert!(rules.len() > 15_000, "{}", rules.len());
        let mut checked = 0;
        for rule in &rules {
            for prefix in [
                "",
                "x7k2q.",
                "www.x7k2q.",
                "a.b.c.",
                "w.",
                "www.",
                "city.",
                ".",
                "a..b.",
                "*.",
            ] {
                for end in ["", ".", ".."] {
                    let name = format!("{prefix}{rule}{end}");
                    assert_eq!(
                        list.registrable_label(&name),
                        oracle(&reference, &name),
                        "{name}"
                    );
                    checked += 1;
                }
            }
        }
        for name in [
            "",
            ".",
            "..",
            "...",
            "com",
            "a.com",
            "www.a.com",
            "x.",
            "a.b.c.d.e.f.g",
            "unknowntld",
            "q.unknowntld",
            "r.q.unknowntld",
            "www.ck",
            "a.www.ck",
            "foo.ck",
            "a.foo.ck",
            "..ck",
            "a..ck",
            "\u{e9}t\u{e9}.fr",
            "x.\u{e9}t\u{e9}.fr",
            "a.b.compute.amazonaws.com",
            "city.kawasaki.jp",
            "a.city.kawasaki.jp",
            "b.a.kawasaki.jp",
        ] {
            assert_eq!(
                list.registrable_label(name),
                oracle(&reference, name),
                "{name}"
            );
        }
        assert!(checked > 900_000, "{checked}");
    }

    proptest::proptest! {
        /// Names made of the list's own labels, empty labels and labels it
        /// does not know, in any order.
        #[test]
        fn any_name_gets_the_label_the_publicsuffix_crate_gives(
            labels in proptest::collection::vec(
                proptest::sample::select(vec![
                    "com", "uk", "co", "jp", "kawasaki", "city", "ck", "www", "*", "", "x7k2q",
                    "amazonaws", "compute", "s3", "github", "io", "br", "nom", "\u{e9}t\u{e9}",
                    "blogspot", "a",
                ]),
                0..7,
            )
        ) {
            static REFERENCE: OnceLock<publicsuffix::List> = OnceLock::new();
            let reference = REFERENCE.get_or_init(oracle_list);
            let name = labels.join(".");
            proptest::prop_assert_eq!(
                Suffixes::shipped().registrable_label(&name),
                oracle(reference, &name),
                "{}", name
            );
        }
    }

    #[test]
    fn a_list_with_rules_the_lookup_cannot_take_is_refused() {
        let section = "// ===BEGIN ICANN DOMAINS===\n";
        assert!(Suffixes::parse(&format!("{section}com\nco.uk\n*.ck\n!www.ck\n")).is_ok());
        for rule in ["a..b", "!com", "a.*.b", ".com"] {
            let error = Suffixes::parse(&format!("{section}com\n{rule}\n"))
                .err()
                .map(|e| e.to_string());
            assert!(
                error.as_deref().is_some_and(|e| e.contains(rule)),
                "{rule}: {error:?}"
            );
        }
        // Rules before the first section marker are not rules.
        assert!(matches!(
            Suffixes::parse("com\n"),
            Err(SuffixListError::Empty)
        ));
    }

    #[test]
    fn the_shipped_model_loads_and_separates_the_obvious() {
        let model = Model::shipped();
        let random = model.score_label("xjw3qkzv9pthbrq7c");
        let word = model.score_label("weather");
        assert!(random > model.threshold(), "{random}");
        assert!(word < model.threshold(), "{word}");
        assert!((0.0..=1.0).contains(&random) && (0.0..=1.0).contains(&word));
    }

    #[test]
    fn features_of_odd_labels_are_finite() {
        let model = Model::shipped();
        for label in ["", "-", "a", "\u{e9}t\u{e9}", "xn--bcher-kva", "0000"] {
            assert!(
                model.features(label).iter().all(|f| f.is_finite()),
                "{label}"
            );
            assert!(model.score_label(label).is_finite());
        }
    }

    #[test]
    fn a_model_for_other_features_is_refused() {
        let text = include_str!("../data/classifier.json").replace("\"rare_bigrams\"", "\"x\"");
        assert!(matches!(
            Model::from_json(&text),
            Err(ModelError::Mismatch(_))
        ));
        assert!(matches!(Model::from_json("{}"), Err(ModelError::Json(_))));
    }
}

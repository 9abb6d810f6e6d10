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

use ahash::{AHashMap, AHashSet};
use publicsuffix::{List, Psl};
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
pub struct Suffixes {
    list: List,
    /// Every proper tail of a rule (`amazonaws.com` of
    /// `*.compute.amazonaws.com`, `ck` of `!www.ck`): the names a longer
    /// rule may still extend. `None` when a rule has a wildcard that is not
    /// its first label, which these tails cannot follow ([`LabelCache`]
    /// then looks every name up).
    tails: Option<AHashSet<Box<str>>>,
}

impl std::fmt::Debug for Suffixes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Suffixes")
    }
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

    fn parse(text: &str) -> Result<Suffixes, publicsuffix::Error> {
        let list: List = text.parse()?;
        // A superset of the list's inner nodes is enough (it only makes
        // the cache's keys longer): every line's first word, as a rule.
        let mut tails = Some(AHashSet::new());
        for line in text.lines().filter(|line| !line.starts_with("//")) {
            let Some(rule) = line.split_whitespace().next() else {
                continue;
            };
            let rule = rule.strip_prefix('!').unwrap_or(rule);
            let mut dots = rule.match_indices('.').map(|(at, _)| at);
            if let Some(first) = dots.next() {
                if rule[first + 1..].contains('*') {
                    tails = None;
                    break;
                }
            }
            if let Some(tails) = tails.as_mut() {
                for (at, _) in rule.match_indices('.') {
                    tails.insert(rule[at + 1..].into());
                }
            }
        }
        Ok(Suffixes { list, tails })
    }

    /// The label left of the public suffix (`x7k2q` of `www.x7k2q.co.uk`);
    /// the name's first label when the name is itself a suffix. The name is
    /// expected in lower case without a trailing dot.
    pub fn registrable_label<'a>(&self, name: &'a str) -> &'a str {
        let name = name.strip_suffix('.').unwrap_or(name);
        &name[self.registrable_range(name)]
    }

    /// Where [`Suffixes::registrable_label`] is in `name` (without its
    /// trailing dot).
    fn registrable_range(&self, name: &str) -> std::ops::Range<usize> {
        if let Some(domain) = self.list.domain(name.as_bytes()) {
            let suffix = domain.suffix().as_bytes().len();
            let registrable = domain.as_bytes().len();
            if registrable > suffix + 1 {
                let start = name.len() - registrable;
                let end = name.len() - suffix - 1;
                if name.get(start..end).is_some() {
                    return start..end;
                }
            }
        }
        0..name.find('.').unwrap_or(name.len())
    }

    /// A cache of registrable labels, for many names that share their
    /// registrable domains.
    pub fn cache(&self) -> LabelCache<'_> {
        LabelCache {
            suffixes: self,
            known: AHashMap::new(),
        }
    }
}

/// [`Suffixes::registrable_label`] for many names, the list looked up once
/// per distinct tail that decides the answer.
///
/// The list is walked from the last label leftwards and stops at the first
/// tail no rule extends; so when the last `j` labels are not a proper tail
/// of any rule, the suffix lies within them and the registrable label is
/// within the last `j + 1`. Names that share those labels (and whether
/// more labels precede them) share where the label is, counted from the
/// end. Names with empty labels are looked up each time.
#[derive(Debug)]
pub struct LabelCache<'s> {
    suffixes: &'s Suffixes,
    /// Deciding tail (with its leading dot when labels precede it) ->
    /// the label's start and end, counted back from the name's end.
    known: AHashMap<Box<str>, (u16, u16)>,
}

impl LabelCache<'_> {
    /// Tails kept before the cache starts again (bounded memory).
    const MOST: usize = 1 << 20;

    /// As [`Suffixes::registrable_label`].
    pub fn label<'n>(&mut self, name: &'n str) -> &'n str {
        let name = name.strip_suffix('.').unwrap_or(name);
        let Some(tails) = self.suffixes.tails.as_ref() else {
            return &name[self.suffixes.registrable_range(name)];
        };
        let bytes = name.as_bytes();
        let empty_label = bytes.first() == Some(&b'.')
            || bytes.last() == Some(&b'.')
            || bytes
                .windows(2)
                .fold(false, |empty, pair| empty | (pair == b".."));
        if bytes.is_empty() || bytes.len() > usize::from(u16::MAX) || empty_label {
            return &name[self.suffixes.registrable_range(name)];
        }
        let key = deciding_tail(name, tails);
        let len = name.len();
        if let Some(&(start, end)) = self.known.get(key) {
            if let Some(label) = name.get(len - usize::from(start)..len - usize::from(end)) {
                return label;
            }
        }
        let range = self.suffixes.registrable_range(name);
        if let (Ok(start), Ok(end)) = (
            u16::try_from(len - range.start),
            u16::try_from(len - range.end),
        ) {
            if self.known.len() >= Self::MOST {
                self.known.clear();
            }
            self.known.insert(key.into(), (start, end));
        }
        &name[range]
    }
}

/// The last labels of `name` that decide its registrable label: the
/// shortest tail not in `tails` and one label more, with the dot before it
/// when more labels precede; the whole name when it has no more.
fn deciding_tail<'n>(name: &'n str, tails: &AHashSet<Box<str>>) -> &'n str {
    // `cut` is where the tail taken so far starts.
    let mut cut = name.len();
    let mut decided = false;
    loop {
        let end = if cut == name.len() { cut } else { cut - 1 };
        cut = name.as_bytes()[..end]
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(0, |dot| dot + 1);
        if cut == 0 {
            return name;
        }
        if decided {
            return &name[cut - 1..];
        }
        decided = !tails.contains(&name[cut..]);
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

    #[test]
    fn the_label_cache_agrees_with_the_list_for_every_rule() {
        let list = Suffixes::shipped();
        assert!(
            list.tails.is_some(),
            "a wildcard inside a rule turned the cache off"
        );
        let mut cache = list.cache();
        let text = include_str!("../data/public_suffix_list.dat");
        let rules: Vec<String> = text
            .lines()
            .filter(|line| !line.starts_with("//"))
            .filter_map(|line| line.split_whitespace().next())
            .map(|rule| rule.trim_start_matches('!').replace('*', "w"))
            .collect();
        assert!(rules.len() > 5000, "{}", rules.len());
        let mut checked = 0;
        // Twice, so that the second round answers from the cache, and
        // with prefixes that hit the tails of other names.
        for _ in 0..2 {
            for rule in &rules {
                for prefix in [
                    "",
                    "x7k2q.",
                    "www.x7k2q.",
                    "a.b.c.",
                    "w.",
                    "www.",
                    ".",
                    "a..b.",
                ] {
                    let name = format!("{prefix}{rule}");
                    assert_eq!(cache.label(&name), list.registrable_label(&name), "{name}");
                    checked += 1;
                }
            }
        }
        for name in [
            "",
            ".",
            "..",
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
            "\u{e9}t\u{e9}.fr",
            "x.\u{e9}t\u{e9}.fr",
            "a.b.compute.amazonaws.com",
        ] {
            assert_eq!(cache.label(name), list.registrable_label(name), "{name}");
        }
        assert!(checked > 80_000);
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

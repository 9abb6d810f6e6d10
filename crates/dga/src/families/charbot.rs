//! CharBot, a research DGA built to evade DGA classifiers: each name is a
//! benign domain with two characters replaced and a new TLD.
//!
//! Described by Jonathan Peck et al., "CharBot: A Simple and Effective
//! Method for Evading DGA Classifiers" (IEEE Access, 2019,
//! <https://arxiv.org/abs/1905.01078>), and re-implemented by Johannes
//! Bader's repository
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/charbot>),
//! whose example list is the reference here.
//!
//! For each name a domain is drawn at random from a list of popular domains
//! (the Tranco top million in the reference run); if its first label is
//! shorter than six characters, another is drawn. Two random positions of
//! that label get two random characters of `a-z0-9-`, and one of 22 TLDs
//! replaces the original suffix. All draws come from numpy's legacy
//! `RandomState` (MT19937 with masked rejection sampling); a domain is drawn
//! as pandas' `sample(1)` does, as the first element of a random permutation
//! of the whole list.
//!
//! The randomness is chosen by whoever runs it, so the family is
//! non-deterministic and time-independent (TIN): cautery generates only from
//! an explicit seed, a numpy seed and the benign list given by value
//! (`42:example.com,another.org`), 1000 names per seed. As in numpy, each
//! name permutes the whole list, so a list of a million domains costs about
//! a million draws per name. The listed seed only
//! shows the form: the published run used numpy seed 42 over the Tranco list
//! 25259 (2023-07-13, a million domains), which is not embedded.
//!
//! The reference script also dropped every name that resolved in DNS when it
//! ran; which ones it dropped is not recorded. The test rebuilds the run's
//! draws on a million-row list: the rows it picked (found with numpy and
//! pinned in `test-data/charbot/`) hold names whose kept characters are those
//! of the reference names, every other row a short domain. Only the ten
//! names before the first dropped one can be compared (the first ten); see
//! the test data README.

use chrono::NaiveDate;

use super::mt19937::Mt19937;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The CharBot family.
pub static FAMILY: Family = Family {
    name: "charbot",
    aliases: &[],
    summary: "CharBot research DGA: two characters of a popular domain replaced, new TLD",
    scheme: Scheme::Permutation,
    seeding: Seeding::TIN,
    seeds: &[SeedInfo {
        name: "example",
        value: "42:google.com,facebook.com,microsoft.com,wikipedia.org,amazonaws.com",
        note: "shows the form only; the published run used seed 42 over the Tranco list 25259 (1M domains, not embedded)",
    }],
    seed_form: "a numpy seed (0 to 4294967295), a colon and comma-separated benign domains, \
                at least one with a first label of six or more characters, \
                e.g. 42:google.com,facebook.com",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "1000 per seed",
    tlds: &TLDS,
    references: &[
        "https://arxiv.org/abs/1905.01078",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/charbot",
    ],
    bind,
};

/// Names per seed, as in the reference script.
const COUNT: usize = 1000;

/// Shortest first label the script accepts from the list.
const MIN_LABEL: usize = 6;

/// The TLDs the reference script picks from, in its order.
const TLDS: [&str; 22] = [
    "com", "at", "uk", "pl", "be", "biz", "co", "jp", "cz", "de", "eu", "fr", "info", "it", "ru",
    "lv", "me", "name", "net", "nz", "org", "us",
];

/// Replacement characters, in the script's order.
const CHARSET: &[u8; 37] = b"abcdefghijklmnopqrstuvwxyz0123456789-";

struct Charbot {
    seed: u32,
    /// First labels of the benign domains, in list order.
    labels: Vec<Box<[u8]>>,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let refuse = || SeedError::expected(FAMILY.seed_form);
    let (seed, list) = raw.split_once(':').ok_or_else(refuse)?;
    let seed: u32 = seed.trim().parse().map_err(|_| refuse())?;
    let mut labels = Vec::new();
    for domain in list.split(',') {
        let domain = domain.trim();
        if domain.is_empty() || !domain.is_ascii() {
            return Err(refuse());
        }
        let label = domain.split('.').next().unwrap_or_default();
        labels.push(label.as_bytes().to_ascii_lowercase().into_boxed_slice());
    }
    // numpy permutes with 32-bit draws for lists this size; the script would
    // loop for ever if no label were long enough.
    if labels.len() > u32::MAX as usize || !labels.iter().any(|l| l.len() >= MIN_LABEL) {
        return Err(refuse());
    }
    Ok(Box::new(Charbot { seed, labels }))
}

/// A number in `0..=max` as numpy's legacy samplers draw it: 32-bit outputs
/// masked to the bits of `max`, rejected until in range; no draw at all for
/// `max == 0`.
fn at_most(rng: &mut Mt19937, max: u32) -> u32 {
    if max == 0 {
        return 0;
    }
    let mask = u32::MAX >> max.leading_zeros();
    loop {
        let value = rng.next_u32() & mask;
        if value <= max {
            return value;
        }
    }
}

impl Charbot {
    /// The row pandas' `sample(1)` picks: the first element of numpy's
    /// legacy permutation of `0..len` (a Fisher-Yates shuffle from the end).
    fn sample(rng: &mut Mt19937, rows: &mut [u32]) -> usize {
        for (i, row) in rows.iter_mut().enumerate() {
            *row = i as u32;
        }
        for i in (1..rows.len()).rev() {
            let j = at_most(rng, i as u32) as usize;
            rows.swap(i, j);
        }
        rows.first().map_or(0, |&row| row as usize)
    }
}

impl Charbot {
    /// Appends the first `count` names of the run.
    fn push_names(&self, count: usize, out: &mut Vec<String>) {
        let mut rng = Mt19937::new(self.seed);
        let mut rows = vec![0u32; self.labels.len()];
        out.reserve(count);
        for _ in 0..count {
            let label = loop {
                let row = Self::sample(&mut rng, &mut rows);
                match self.labels.get(row) {
                    Some(label) if label.len() >= MIN_LABEL => break label,
                    _ => {}
                }
            };
            let last = u32::try_from(label.len() - 1).unwrap_or(u32::MAX);
            let first_position = at_most(&mut rng, last) as usize;
            let second_position = at_most(&mut rng, last) as usize;
            let first_char = CHARSET[at_most(&mut rng, 36) as usize];
            let second_char = CHARSET[at_most(&mut rng, 36) as usize];
            let tld = TLDS[at_most(&mut rng, 21) as usize];
            let mut name = label.to_vec();
            if let Some(c) = name.get_mut(first_position) {
                *c = first_char;
            }
            if let Some(c) = name.get_mut(second_position) {
                *c = second_char;
            }
            name.push(b'.');
            name.extend_from_slice(tld.as_bytes());
            out.push(String::from_utf8_lossy(&name).into_owned());
        }
    }
}

impl Generator for Charbot {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        self.push_names(COUNT, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::reference;

    /// Rows in the Tranco list the reference run sampled from.
    const TRANCO_ROWS: usize = 1_000_000;

    /// Names of the reference run before the first one its script dropped
    /// (see `test-data/charbot/README.md`).
    const KEPT_PREFIX: usize = 10;

    fn generate(seed: &str) -> Vec<String> {
        let generator = (FAMILY.bind)(seed).expect("seed binds");
        let mut out = Vec::new();
        generator.generate(NaiveDate::MIN, &mut out);
        out
    }

    #[test]
    fn reproduces_the_first_names_of_bader_example_run() {
        let mut expected = reference("charbot/domains_examples.txt");
        // The file is a one-column CSV with a header.
        assert_eq!(expected.first().map(String::as_str), Some("charbot"));
        expected.remove(0);
        expected.truncate(KEPT_PREFIX);

        // A million-row list on which the run draws the same rows: each row
        // it kept holds a domain whose first label is the reference name's
        // (the two replaced characters are overwritten anyway), every other
        // row a label too short to be kept, as the rows it skipped were.
        let mut rows = vec!["short.com".to_owned(); TRANCO_ROWS];
        let picked = reference("charbot/picked_rows.txt");
        assert_eq!(picked.len(), KEPT_PREFIX);
        for (line, name) in picked.iter().zip(&expected) {
            let kept: usize = line
                .split_whitespace()
                .next()
                .and_then(|row| row.parse().ok())
                .expect("row number");
            let label = name.split('.').next().expect("label");
            rows[kept] = format!("{label}.example");
        }
        // Each name permutes the whole list; generate only the names compared.
        let charbot = Charbot {
            seed: 42,
            labels: rows
                .iter()
                .map(|d| d.split('.').next().unwrap_or_default().as_bytes().into())
                .collect(),
        };
        let mut got = Vec::new();
        charbot.push_names(KEPT_PREFIX, &mut got);
        assert_eq!(got, expected);
    }

    #[test]
    fn the_listed_seed_keeps_labels_and_lengths() {
        let got = generate(FAMILY.seeds[0].value);
        assert_eq!(got.len(), COUNT);
        for name in &got {
            let (label, tld) = name.split_once('.').expect("a dot");
            assert!(TLDS.contains(&tld), "{name}");
            assert!(label.len() >= MIN_LABEL, "{name}");
        }
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in [
            "",
            "42",
            "x:google.com",
            "42:",
            "42:a.com,bb.com",
            "42:google.com,,facebook.com",
            "4294967296:google.com",
            "42:gööglé.com",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} accepted");
        }
    }
}

//! Tinba (TinyBanker, Zusy), a small banking trojan seen from 2012.
//!
//! The DGA was described by garage4hackers (2014,
//! <http://garage4hackers.com/entry.php?b=3086>) and by Johannes Bader,
//! "New Top Level Domains for Tinba's DGA" (2015,
//! <http://johannesbader.ch/2015/04/new-top-level-domains-for-tinbas-dga/>).
//! The seed is a 16-character key, a first domain and a TLD list, all in
//! the sample. Each round derives a 12-letter label from the first 13
//! characters of the previous name: a running byte adds the two characters
//! on either side of a position and XORs in the key's byte sum, and the
//! byte sum is bumped until the result is a letter from `b` to `y`. The
//! label is then tried under every TLD of the list. The malware tries the
//! first domain, then the names of its rounds; the names do not depend on
//! the date.
//!
//! Seeds are `key:first-domain:tld,tld,...:rounds`. Four configurations are
//! public (garage4hackers; Bader; Sophos's analysis of Troj/Tinba-EL; a
//! sample Bader added in 2016), collected in Bader's re-implementation.
//! Some samples also carry hard-coded domains, which are not generated and
//! not listed here.
//!
//! Reference outputs: Bader's list for `blackfree` matches exactly. The
//! andrewaeva/DGA list for `ssrgwnrmgrxe` is a random draw from 100000
//! rounds, not the malware's list of 1000, so only membership is checked.

use ahash::{AHashMap, AHashSet};
use chrono::NaiveDate;

use crate::discover::Wanted;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The Tinba family.
pub static FAMILY: Family = Family {
    name: "tinba",
    aliases: &["tinybanker", "zusy"],
    summary: "Tinba banking trojan: 12-letter names chained from a first domain and a key",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "blackfree",
            value: "jc74FlUna852Ji9o:blackfreeqazyio.cc:com,net,in,ru:100",
            note: "Bader (2015), new TLDs",
        },
        SeedInfo {
            name: "ssrgwnrmgrxe",
            value: "oGkS3w3sGGOGG7oc:ssrgwnrmgrxe.com:com:1000",
            note: "garage4hackers (2014)",
        },
        SeedInfo {
            name: "justforyoumybab",
            value: "oGkS3w3sGGOGG7oc:justforyoumybab.com:com:1000",
            note: "360 Netlab, DGA issue 15 (2016), 30 names checked",
        },
        SeedInfo {
            name: "watchthisnow",
            value: "yqokqFC2TPBFfJcG:watchthisnow.xyz:pw,us,xyz,club:100",
            note: "Sophos, Troj/Tinba-EL; Bader's repository (2016)",
        },
        SeedInfo {
            name: "j193hsne720uie8i",
            value: "j193HsnW72Yqns7u:j193hsne720uie8i.cc:com,net,biz,org:100",
            note: "Bader's repository (2016)",
        },
    ],
    seed_form: "key:first-domain:tld,tld,...:rounds, e.g. \
                jc74FlUna852Ji9o:blackfreeqazyio.cc:com,net,in,ru:100 \
                (the first domain needs at least 13 characters)",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "1 + rounds × TLDs (401 or 1001 for the known seeds)",
    tlds: &[
        "com", "net", "in", "ru", "pw", "us", "xyz", "club", "biz", "org", "cc",
    ],
    references: &[
        "http://garage4hackers.com/entry.php?b=3086",
        "http://johannesbader.ch/2015/04/new-top-level-domains-for-tinbas-dga/",
        "https://www.sophos.com/en-us/threat-center/threat-analyses/viruses-and-spyware/Troj~Tinba-EL/detailed-analysis.aspx",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/tinba",
    ],
    bind,
};

/// Letters per generated label.
const LABEL: usize = 12;

/// The most rounds a seed may ask for.
const MAX_ROUNDS: u32 = 100_000;

/// The running byte and the byte sum have 65536 joint states: a position
/// that finds no letter within that many tries never will.
const MAX_TRIES: u32 = 65_536;

struct Tinba {
    /// Byte sum of the key's first 16 bytes.
    key_sum: u32,
    /// The key's 16th byte (0 for shorter keys).
    key_last: u8,
    first: String,
    tlds: Vec<String>,
    rounds: u32,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    Ok(Box::new(parse(seed)?))
}

fn parse(seed: &str) -> Result<Tinba, SeedError> {
    let expected = || SeedError::expected(FAMILY.seed_form);
    let fields: Vec<&str> = seed.trim().split(':').collect();
    let [key, first, tlds, rounds] = fields.as_slice() else {
        return Err(expected());
    };
    let key = key.trim().as_bytes();
    if key.is_empty() || !key.iter().all(u8::is_ascii_graphic) {
        return Err(expected());
    }
    let first = first.trim().to_ascii_lowercase();
    if first.len() < LABEL + 1 || !first.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(expected());
    }
    let tlds: Vec<String> = tlds
        .split(',')
        .map(|tld| tld.trim().trim_start_matches('.').to_ascii_lowercase())
        .collect();
    if tlds
        .iter()
        .any(|tld| tld.is_empty() || !tld.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(expected());
    }
    let rounds: u32 = rounds.trim().parse().map_err(|_| expected())?;
    if rounds > MAX_ROUNDS {
        return Err(SeedError::expected(format!("at most {MAX_ROUNDS} rounds")));
    }
    Ok(Tinba {
        key_sum: key.iter().take(16).map(|&b| u32::from(b)).sum(),
        key_last: key.get(15).copied().unwrap_or(0),
        first,
        tlds,
        rounds,
    })
}

impl Tinba {
    /// The label derived from the first 13 bytes of `previous`, or `None` if
    /// some position never yields a letter (the malware would hang).
    fn next_label(&self, previous: &[u8]) -> Option<[u8; LABEL]> {
        let mut label = [0u8; LABEL];
        let mut sum = self.key_sum;
        let mut running = self.key_last;
        for (i, slot) in label.iter_mut().enumerate() {
            let (left, right) = (*previous.get(i)?, *previous.get(i + 1)?);
            let mut tries = 0;
            loop {
                running = (running.wrapping_add(left) ^ (sum as u8)).wrapping_add(right);
                if running > 0x61 && running < 0x7a {
                    *slot = running;
                    break;
                }
                sum = sum.wrapping_add(1);
                tries += 1;
                if tries == MAX_TRIES {
                    return None;
                }
            }
        }
        Some(label)
    }

    fn generate_rounds(&self, rounds: u32, out: &mut Vec<String>) {
        out.push(self.first.clone());
        let mut previous: Vec<u8> = self.first.as_bytes().to_vec();
        for _ in 0..rounds {
            let Some(label) = self.next_label(&previous) else {
                return;
            };
            let label = String::from_utf8_lossy(&label).into_owned();
            for tld in &self.tlds {
                out.push(format!("{label}.{tld}"));
            }
            // Only the label and the dot after it feed the next round.
            previous.clear();
            previous.extend_from_slice(label.as_bytes());
            previous.push(b'.');
        }
    }
}

/// How many rounds apart two observed names may be for the inversion to
/// link them.
const DERIVE_DEPTH: u32 = 200;

/// Most seeds the inversion hands on to be checked.
const MOST_DERIVED: usize = 64;

/// The key's 16th byte takes part in the names apart from the byte sum:
/// 0 for a key shorter than 16 bytes, else (in every known key) a letter
/// or a digit.
fn key_lasts() -> impl Iterator<Item = u8> {
    std::iter::once(0).chain((b'0'..=b'9').chain(b'A'..=b'Z').chain(b'a'..=b'z'))
}

/// A key of letters whose first 16 bytes sum to `sum` modulo 256 and whose
/// 16th byte is `last` (a 15-byte key when `last` is 0).
fn key_for(sum: u8, last: u8) -> String {
    let mut key = [b'a'; 15];
    let base: u32 = key.iter().map(|&b| u32::from(b)).sum::<u32>() + u32::from(last);
    let mut missing = u32::from(sum).wrapping_sub(base) % 256;
    for byte in &mut key {
        let add = missing.min(25);
        *byte += add as u8;
        missing -= add;
    }
    let mut key = String::from_utf8_lossy(&key).into_owned();
    if last != 0 {
        key.push(char::from(last));
    }
    key
}

/// The seed of search index `index` (byte sum in the low 8 bits, the 16th
/// byte's place in [`key_lasts`] above them), with the first domain and
/// TLDs of the default seed: the search itself takes the first domain from
/// the names.
pub(crate) fn search_value(index: u64) -> String {
    let last = key_lasts().nth((index >> 8) as usize).unwrap_or(0);
    format!(
        "{}:blackfreeqazyio.cc:com,net,in,ru:100",
        key_for(index as u8, last)
    )
}

/// The seed search's inversion (see [`crate::discover::Derive`]). A name
/// depends only on the one before it and on two bytes of the key: its
/// byte sum modulo 256 and its 16th byte. So for each of those pairs (the
/// 16th byte a letter, a digit or none) the chain is followed from every
/// observed name for up to [`DERIVE_DEPTH`] rounds (first for one round:
/// when two observed names are of consecutive rounds, only the pairs that
/// link them are followed further); a pair under which one
/// observed name leads to others gives a seed with a key of that sum and
/// last byte, the earliest such name as its first domain, the TLDs of the
/// names reached and enough rounds (100 or 1000 as in the known samples).
/// The chain does not run backwards, so names before the earliest observed
/// one are not found, and a single name gives nothing.
pub(crate) fn derive(wanted: &Wanted, _epochs: &[NaiveDate], all: bool) -> Vec<String> {
    // Observed labels (the 12 letters a round makes) and the TLDs seen
    // under each.
    let mut labels: AHashMap<[u8; LABEL], Vec<&[u8]>> = AHashMap::new();
    let mut starts: Vec<&[u8]> = Vec::new();
    for name in wanted.names() {
        if name.len() > LABEL && name.is_ascii() {
            starts.push(name);
        }
        if let (Ok(label), Some((&b'.', tld))) = (
            <[u8; LABEL]>::try_from(name.get(..LABEL).unwrap_or_default()),
            name.get(LABEL..).and_then(<[u8]>::split_first),
        ) {
            labels.entry(label).or_default().push(tld);
        }
    }
    starts.sort_unstable();
    // Names reached, byte sum, 16th byte, first name, rounds and TLDs of
    // each link found.
    type Link<'a> = (usize, u8, u8, &'a [u8], u32, AHashSet<&'a [u8]>);
    let walk = |sum: u8, last: u8, depth: u32| {
        let mut links = Vec::new();
        let tinba = Tinba {
            key_sum: u32::from(sum),
            key_last: last,
            first: String::new(),
            tlds: Vec::new(),
            rounds: 0,
        };
        for &start in &starts {
            let mut previous: Vec<u8> = start.get(..=LABEL).unwrap_or_default().to_vec();
            let (mut reached, mut rounds) = (0, 0);
            let mut tlds: AHashSet<&[u8]> = AHashSet::new();
            for round in 1..=depth {
                let Some(label) = tinba.next_label(&previous) else {
                    break;
                };
                if let Some(seen) = labels.get(&label) {
                    reached += 1;
                    rounds = round;
                    tlds.extend(seen.iter().copied());
                }
                previous.clear();
                previous.extend_from_slice(&label);
                previous.push(b'.');
            }
            if reached > 0 {
                links.push((reached, sum, last, start, rounds, tlds));
            }
        }
        links
    };
    // Two observed names of consecutive rounds pin the pair in one round
    // each; only when none are does every pair follow the chains in full.
    let pairs = || key_lasts().flat_map(|last| (0..=255u8).map(move |sum| (sum, last)));
    let linked: AHashSet<(u8, u8)> = pairs()
        .flat_map(|(sum, last)| walk(sum, last, 1))
        .map(|l| (l.1, l.2))
        .collect();
    let mut links: Vec<Link<'_>> = pairs()
        .filter(|pair| linked.is_empty() || linked.contains(pair))
        .flat_map(|(sum, last)| walk(sum, last, DERIVE_DEPTH))
        .collect();
    links.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.3.cmp(b.3)));
    let top = links.first().map_or(0, |l| l.0);
    links
        .into_iter()
        .filter(|l| all || l.0 == top)
        .take(MOST_DERIVED)
        .map(|(_, sum, last, start, rounds, tlds)| {
            let tlds: Vec<&str> = FAMILY
                .tlds
                .iter()
                .copied()
                .filter(|t| tlds.contains(t.as_bytes()))
                .collect();
            let rounds = match rounds {
                0..=100 => 100,
                101..=1000 => 1000,
                more => more,
            };
            format!(
                "{}:{}:{}:{rounds}",
                key_for(sum, last),
                String::from_utf8_lossy(start),
                tlds.join(",")
            )
        })
        .collect()
}

impl Generator for Tinba {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        self.generate_rounds(self.rounds, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_for_blackfree() {
        assert_names(
            &FAMILY,
            "jc74FlUna852Ji9o:blackfreeqazyio.cc:com,net,in,ru:100",
            None,
            &reference("tinba/example_domains.txt"),
        );
    }

    #[test]
    fn andrewaeva_sample_is_drawn_from_the_first_100000_rounds() {
        let tinba = parse("oGkS3w3sGGOGG7oc:ssrgwnrmgrxe.com:com:1000").expect("seed");
        let mut long = Vec::new();
        tinba.generate_rounds(100_000, &mut long);
        let short = names(&FAMILY, "oGkS3w3sGGOGG7oc:ssrgwnrmgrxe.com:com:1000", None);
        assert_eq!(short.len(), 1001);
        assert_eq!(long[..short.len()], short[..]);
        let all: std::collections::HashSet<&str> = long.iter().map(String::as_str).collect();
        let sample = reference("tinba/tinba_1000.txt");
        assert_eq!(sample.len(), 1000);
        for name in &sample {
            assert!(all.contains(name.as_str()), "{name} is not generated");
        }
    }

    #[test]
    fn a_made_key_has_the_sum_and_last_byte_asked_for() {
        for (sum, last) in [(0, 0), (255, b'z'), (17, b'0'), (200, 0)] {
            let key = key_for(sum, last);
            let tinba = parse(&format!("{key}:blackfreeqazyio.cc:com:1")).expect("binds");
            assert_eq!(tinba.key_sum % 256, u32::from(sum), "{key}");
            assert_eq!(tinba.key_last, last, "{key}");
        }
    }

    #[test]
    fn names_are_inverted_to_a_seed_that_makes_them() {
        // A key and first domain no sample has; names of rounds 3, 4 and 40
        // (two TLDs each) and a name of another family.
        let seed = "Zq81LmXnP0vQaT7r:exampleofaname.net:com,net:100";
        let made = names(&FAMILY, seed, None);
        let mut observed = vec![
            made[5].clone(),
            made[7].clone(),
            made[8].clone(),
            made[79].clone(),
        ];
        observed.push("qqqqqqqqqqqq.com".to_owned());
        let seeds = derive(&Wanted::new(&observed), &[], false);
        let first = seeds.first().expect("a seed");
        let derived = names(&FAMILY, first, None);
        for name in &observed[..4] {
            assert!(derived.contains(name), "{first} does not make {name}");
        }
        // One name alone links to nothing.
        assert!(derive(&Wanted::new(&made[5..6]), &[], false).is_empty());
    }

    #[test]
    fn refuses_malformed_seeds() {
        for bad in [
            "",
            "key:short.com:com:10",
            "key:blackfreeqazyio.cc:com",
            "key:blackfreeqazyio.cc::10",
            "key:blackfreeqazyio.cc:com:x",
            "key:blackfreeqazyio.cc:com:100001",
            ":blackfreeqazyio.cc:com:10",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn seed_justforyoumybab_makes_the_names_of_360_netlab_issue_15() {
        let got = names(
            &FAMILY,
            "oGkS3w3sGGOGG7oc:justforyoumybab.com:com:1000",
            None,
        );
        let expected = reference("netlab-issues/tinba_justforyoumybab.txt");
        assert_eq!(expected.len(), 30);
        for name in &expected {
            assert!(got.contains(name), "{name}");
        }
    }
}

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

use chrono::NaiveDate;

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

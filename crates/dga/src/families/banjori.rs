//! Banjori (MultiBanker 2, BankPatch), a banking trojan seen from 2013.
//!
//! Described by Johannes Bader, "The DGA of Banjori" (2015,
//! <https://johannesbader.ch/2015/02/the-dga-of-banjori/>). The seed is a
//! whole domain name embedded in the sample; each next name rewrites only
//! the first four letters of the previous one, each as a lower-case letter
//! derived from sums of the four current letters. The rest of the seed
//! domain, TLD included, is kept. The malware tries the seed itself first,
//! then 999 successors; the names do not depend on the date.
//!
//! Any seed domain works (`--seed somethinglonger.com`); it must start with
//! at least four ASCII letters. Three seeds come from 360 Netlab's DGA issues
//! 25, 28 and 39, each tested against the names posted there (360 Netlab
//! counts 2197, 15373 and 40 names for them; cautery makes 1000 of each).

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per seed.
const COUNT: usize = 1000;

/// The Banjori family.
pub static FAMILY: Family = Family {
    name: "banjori",
    aliases: &["multibanker2", "bankpatch"],
    summary: "Banjori banking trojan: four-letter rewrites of a seed domain",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "earnestnessbiophysicalohax",
            value: "earnestnessbiophysicalohax.com",
            note: "Bader's write-up (2015)",
        },
        SeedInfo {
            name: "adulthoodivettewl",
            value: "adulthoodivettewl.com",
            note: "360 Netlab, DGA issue 25 (2016; 2197 names there)",
        },
        SeedInfo {
            name: "nodomen",
            value: "nodomen.com",
            note: "360 Netlab, DGA issue 28 (2016; 15373 names there)",
        },
        SeedInfo {
            name: "censorshipecmascriptivylv",
            value: "censorshipecmascriptivylv.com",
            note: "360 Netlab, DGA issue 39 (2017; 40 names there)",
        },
    ],
    seed_form:
        "a domain name starting with four ASCII letters, e.g. earnestnessbiophysicalohax.com",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "1000",
    tlds: &["com"],
    references: &["https://johannesbader.ch/2015/02/the-dga-of-banjori/"],
    bind,
};

struct Banjori {
    seed: Vec<u8>,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().trim_end_matches('.').to_ascii_lowercase();
    let letters = seed.bytes().take(4).filter(u8::is_ascii_lowercase).count();
    if letters < 4 || !seed.contains('.') {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    Ok(Box::new(Banjori {
        seed: seed.into_bytes(),
    }))
}

/// Folds any value into `a..=z`, as the malware does with its sums.
fn to_letter(value: u32) -> u8 {
    // The malware computes `'a' + (value - 'a') % 26` with unsigned values
    // that never drop below 'a' here, as every term is at least 'a'.
    b'a' + ((value - u32::from(b'a')) % 26) as u8
}

impl Generator for Banjori {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut name = self.seed.clone();
        for _ in 0..COUNT {
            out.push(String::from_utf8_lossy(&name).into_owned());
            let [a, b, c, d] = [name[0], name[1], name[2], name[3]].map(u32::from);
            let a = to_letter(a + d);
            let b = to_letter(u32::from(a) + 2 * b);
            let c = to_letter(u32::from(a) + c - 1);
            let d = to_letter(u32::from(b) + u32::from(c) + d);
            name[..4].copy_from_slice(&[a, b, c, d]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains() {
        assert_names(
            &FAMILY,
            "earnestnessbiophysicalohax.com",
            None,
            &reference("banjori/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_a_seed_without_four_letters() {
        assert!((FAMILY.bind)("ab1.com").is_err());
        assert!((FAMILY.bind)("abcdef").is_err());
    }

    #[test]
    fn seeds_from_360_netlab_issues_make_the_names_posted_there() {
        for (seed, file) in [
            ("adulthoodivettewl.com", "banjori_adulthoodivettewl.txt"),
            ("nodomen.com", "banjori_nodomen.txt"),
            (
                "censorshipecmascriptivylv.com",
                "banjori_censorshipecmascriptivylv.txt",
            ),
        ] {
            let expected = reference(&format!("netlab-issues/{file}"));
            let got = crate::families::testing::names(&FAMILY, seed, None);
            assert_eq!(&got[..expected.len()], &expected[..], "{seed}");
        }
    }
}

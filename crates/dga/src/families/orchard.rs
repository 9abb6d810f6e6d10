//! Orchard, a botnet reported in 2022 (Bader first called it XMRig_Genesis),
//! DGA version 3: its date-seeded part.
//!
//! Described by Johannes Bader, "The Domain Generation Algorithm of Orchard
//! v3" (2022, <https://bin.re/blog/a-dga-seeded-by-the-bitcoin-genesis-block/>),
//! with a Python re-implementation in
//! <https://github.com/baderj/domain_generation_algorithms/tree/master/orchard>.
//! 360 Netlab's report on the botnet (2022, see
//! <https://malpedia.caad.fkie.fraunhofer.de/details/win.orchard>) also covers
//! two older DGA versions, which are not implemented here.
//!
//! Each day the malware appends a suffix to the date written as
//! `YYYY-MM-DD`, takes the MD5 of that string, cuts the 32 hex digits into
//! four labels of eight and puts each under four TLDs (`com`, `net`, `org`,
//! `duckdns.org`): 16 names a day, valid for that UTC day. The seed is the
//! suffix, `ojena.duckdns.org` in the analysed sample.
//!
//! A second set of 16 names is derived the same way from the balance of the
//! Bitcoin genesis block's address, a public-data seed that changes whenever
//! someone sends coins to it. That part is the public-data family
//! `orchard-balance` (`orchard_balance.rs`).
//!
//! Reference output: the first 16 lines of Bader's `example_domains.txt`
//! (the date part), made for 2022-09-29 (found by search and pinned in the
//! test); its last 16 lines are the Bitcoin part, compared in
//! `orchard_balance.rs`.

use std::fmt::Write as _;

use chrono::NaiveDate;
use md5::{Digest, Md5};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// TLDs each label is tried under, in the malware's order.
const TLDS: [&str; 4] = ["com", "net", "org", "duckdns.org"];

/// The Orchard family.
pub static FAMILY: Family = Family {
    name: "orchard",
    aliases: &["xmrig_genesis"],
    summary: "Orchard botnet, DGA v3: MD5 of the date and a suffix, cut into hex labels",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "v3",
        value: "ojena.duckdns.org",
        note: "Orchard v3 sample MD5 077b6b101cccb3d77a98e2cc02003526, Bader's write-up (2022)",
    }],
    seed_form: "the suffix appended to the date before hashing: printable ASCII \
                without spaces, e.g. ojena.duckdns.org",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "16 (date part only)",
    tlds: &["com", "net", "org", "duckdns.org"],
    references: &[
        "https://bin.re/blog/a-dga-seeded-by-the-bitcoin-genesis-block/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/orchard",
        "https://malpedia.caad.fkie.fraunhofer.de/details/win.orchard",
    ],
    bind,
};

struct Orchard {
    /// Appended to the date before hashing.
    suffix: String,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let suffix = seed.trim();
    let printable = suffix.bytes().all(|b| b.is_ascii_graphic());
    if suffix.is_empty() || suffix.len() > 253 || !printable {
        return Err(SeedError::expected(FAMILY.seed_form));
    }
    Ok(Box::new(Orchard {
        suffix: suffix.to_owned(),
    }))
}

impl Generator for Orchard {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let mut input = String::with_capacity(10 + self.suffix.len());
        // Writing to a String cannot fail.
        let _ = write!(input, "{}", epoch.format("%Y-%m-%d"));
        input.push_str(&self.suffix);
        let digest = Md5::digest(input.as_bytes());
        for chunk in digest.chunks(4) {
            let mut label = String::with_capacity(8);
            for byte in chunk {
                let _ = write!(label, "{byte:02x}");
            }
            for tld in TLDS {
                let mut name = String::with_capacity(label.len() + 1 + tld.len());
                name.push_str(&label);
                name.push('.');
                name.push_str(tld);
                out.push(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, reference};

    #[test]
    fn matches_bader_example_domains_date_part_2022_09_29() {
        let all = reference("orchard/example_domains.txt");
        assert_eq!(all.len(), 32, "16 date names then 16 Bitcoin names");
        assert_names(&FAMILY, "ojena.duckdns.org", Some("2022-09-29"), &all[..16]);
    }

    #[test]
    fn refuses_empty_or_spaced_suffixes() {
        assert!((FAMILY.bind)("").is_err());
        assert!((FAMILY.bind)("has space.org").is_err());
        assert!((FAMILY.bind)("ünïcode").is_err());
    }
}

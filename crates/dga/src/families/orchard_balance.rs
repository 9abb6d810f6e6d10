//! Orchard v3's second set of names: those derived from the balance of the
//! Bitcoin genesis block's address, a public-data seed that changes whenever
//! someone sends coins to it (the date-seeded set is in `orchard.rs`).
//!
//! Described by Johannes Bader, "The Domain Generation Algorithm of Orchard
//! v3" (2022, <https://bin.re/blog/a-dga-seeded-by-the-bitcoin-genesis-block/>),
//! with a Python re-implementation in
//! <https://github.com/baderj/domain_generation_algorithms/tree/master/orchard>.
//!
//! The malware asks blockchain.info for the balance of
//! `1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa` and takes the MD5 of the answer
//! exactly as received, a one-line JSON object
//! `{"1A1z...":{"final_balance":B,"n_tx":N,"total_received":R}}`. The 32 hex
//! digits are cut into four labels of eight, each under `com`, `net`, `org`
//! and `duckdns.org`: 16 names, in use as long as the balance and the
//! transaction count stay the same. The input is the answer's bytes; they
//! are checked to be that JSON object (so an error page is refused rather
//! than hashed) but hashed unchanged, since any reformatting would change
//! the names.
//!
//! The seed is the address whose balance is read; the malware only knows
//! the genesis address.
//!
//! Reference output: the last 16 lines of Bader's `example_domains.txt`,
//! matched bit-exactly. The answer behind them is not recorded with the
//! list; it was recovered by search (see the test-data README): on
//! 2022-09-29 the address held 6855447521 satoshis in 3459 transactions,
//! and Bader's script writes `total_received` equal to `final_balance`
//! (nobody can spend from the genesis address).

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedInfo, Seeding};
use crate::public::{InputError, InputFormat, InputSpec, PublicDataFamily};
use crate::schedule::Schedule;

/// The Orchard balance family.
pub static FAMILY: PublicDataFamily = PublicDataFamily {
    family: Family {
        name: "orchard-balance",
        aliases: &["orchard-btc"],
        summary: "Orchard botnet, DGA v3: MD5 of the Bitcoin genesis address's balance answer",
        scheme: Scheme::Hash,
        seeding: Seeding::TID,
        seeds: &[SeedInfo {
            name: "genesis",
            value: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            note: "the Bitcoin genesis block's address, Bader's write-up (2022)",
        }],
        seed_form: "a Bitcoin address, e.g. 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        schedule: Schedule::Static,
        lookback: 0,
        names_per_window: "16 while the balance holds",
        tlds: &["com", "net", "org", "duckdns.org"],
        references: &[
            "https://bin.re/blog/a-dga-seeded-by-the-bitcoin-genesis-block/",
            "https://github.com/baderj/domain_generation_algorithms/tree/master/orchard",
        ],
        bind: crate::public::needs_input,
    },
    input: InputSpec {
        format: InputFormat::Json,
        description: "blockchain.info's balance answer for the Bitcoin genesis address",
        url: "https://blockchain.info/balance?active=1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    },
    bind_input: bind,
};

/// TLDs each label is tried under, in the malware's order.
const TLDS: [&str; 4] = ["com", "net", "org", "duckdns.org"];

/// The balance figures of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    /// Satoshis held.
    pub final_balance: u64,
    /// Transactions touching the address.
    pub transactions: u64,
}

/// Checks that `input` is a balance answer for `address` and returns its
/// figures.
pub fn parse_balance(address: &str, input: &[u8]) -> Result<Balance, InputError> {
    let value: serde_json::Value =
        serde_json::from_slice(input).map_err(|e| InputError::malformed(InputFormat::Json, e))?;
    let entry = value
        .get(address)
        .ok_or_else(|| InputError::missing(format!("entry for address {address}")))?;
    let number = |field: &str| {
        entry
            .get(field)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| InputError::missing(format!("whole-number {field} for {address}")))
    };
    Ok(Balance {
        final_balance: number("final_balance")?,
        transactions: number("n_tx")?,
    })
}

fn bind(seed: &str, input: &[u8]) -> Result<Box<dyn Generator>, InputError> {
    let address = seed.trim();
    if address.is_empty()
        || address.len() > 100
        || !address.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(crate::SeedError::expected(FAMILY.family.seed_form).into());
    }
    parse_balance(address, input)?;
    Ok(Box::new(OrchardBalance {
        names: names_of(input),
    }))
}

/// The 16 names of an answer's exact bytes.
fn names_of(input: &[u8]) -> Vec<String> {
    use md5::{Digest, Md5};
    let digest = Md5::digest(input);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = Vec::with_capacity(16);
    for label in hex.as_bytes().chunks(8) {
        let label = std::str::from_utf8(label).unwrap_or_default();
        for tld in TLDS {
            out.push(format!("{label}.{tld}"));
        }
    }
    out
}

struct OrchardBalance {
    names: Vec<String>,
}

impl Generator for OrchardBalance {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        out.extend(self.names.iter().cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENESIS: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";

    #[test]
    fn hashes_the_answer_as_received() {
        let answer = br#"{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa":{"final_balance":5000000000,"n_tx":1,"total_received":5000000000}}"#;
        let generator = FAMILY.bind("genesis", answer).expect("binds");
        let mut names = Vec::new();
        generator.generate(NaiveDate::MIN, &mut names);
        assert_eq!(names.len(), 16);
        // MD5 of the answer above, worked out with coreutils md5sum.
        assert_eq!(names[0], "bbeccae4.com");
        assert_eq!(names[15], "7eb896c5.duckdns.org");
        // The same figures laid out differently are another seed.
        let spaced = br#"{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa": {"final_balance":5000000000,"n_tx":1,"total_received":5000000000}}"#;
        let other = FAMILY.bind("genesis", spaced).expect("binds");
        let mut other_names = Vec::new();
        other.generate(NaiveDate::MIN, &mut other_names);
        assert_ne!(names, other_names);
    }

    #[test]
    fn matches_bader_example_domains_balance_part_2022_09_29() {
        let path = format!(
            "{}/../../test-data/orchard/balance-2022-09-29.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let answer = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let balance = parse_balance(GENESIS, &answer).expect("a balance answer");
        assert_eq!(
            balance,
            Balance {
                final_balance: 6_855_447_521,
                transactions: 3459
            }
        );
        let generator = FAMILY.bind("genesis", &answer).expect("binds");
        let mut names = Vec::new();
        generator.generate(NaiveDate::MIN, &mut names);
        let reference = crate::families::testing::reference("orchard/example_domains.txt");
        assert_eq!(reference.len(), 32);
        assert_eq!(names, reference[16..]);
        // One satoshi more is another seed entirely.
        let other = String::from_utf8(answer)
            .expect("ascii")
            .replace("6855447521", "6855447522");
        let mut other_names = Vec::new();
        FAMILY
            .bind("genesis", other.as_bytes())
            .expect("binds")
            .generate(NaiveDate::MIN, &mut other_names);
        assert!(other_names.iter().all(|n| !reference.contains(n)));
    }

    #[test]
    fn refuses_what_is_not_a_balance_answer() {
        for bad in [
            &b"<html>rate limited</html>"[..],
            b"{\"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\":{\"final_balance\":5",
            b"{\"other\":{\"final_balance\":1,\"n_tx\":1}}",
            b"{\"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\":{\"final_balance\":\"x\",\"n_tx\":1}}",
        ] {
            assert!(FAMILY.bind(GENESIS, bad).is_err(), "{bad:?}");
        }
    }
}

//! Shiotob (URLZone, Bebloh), a banking trojan that steals credentials.
//!
//! Described by Johannes Bader, "The DGA of Shiotob" (2015,
//! <https://johannesbader.ch/2015/01/the-dga-of-shiotob/>). The seed is a
//! domain name embedded in the sample; each next name is derived from the
//! previous one: its bytes are mixed with XOR and multiplications by the
//! hostname's length and the byte sum of the name, the new length (10 to
//! 15, or the old length) comes from the mixed bytes, and each character is
//! looked up in a keyboard-ordered table. The TLD alternates between `net`
//! and `com`. The names do not depend on the date; as in Bader's
//! re-implementation and example list, the malware's list is the seed and
//! 2000 successors.
//!
//! The malware assumes a three-letter TLD, so the seed must end in `.com` or
//! `.net`. Two seeds are public: `wtipubctwiekhir.net`, seen in Bader's
//! sandbox run and the source of his example list, and `4ypv1eehphg3a.com`,
//! the example seed of his re-implementation (no output published).

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// The Shiotob family.
pub static FAMILY: Family = Family {
    name: "shiotob",
    aliases: &["urlzone", "bebloh"],
    summary: "Shiotob (URLZone, Bebloh) banking trojan: each name scrambled from the previous",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TID,
    seeds: &[
        SeedInfo {
            name: "wtipubctwiekhir",
            value: "wtipubctwiekhir.net",
            note: "Bader (2015), sandbox run and example list",
        },
        SeedInfo {
            name: "4ypv1eehphg3a",
            value: "4ypv1eehphg3a.com",
            note: "Bader (2015), example seed of his re-implementation",
        },
    ],
    seed_form: "a domain name of ASCII letters and digits ending in .com or .net, \
                e.g. wtipubctwiekhir.net",
    schedule: Schedule::Static,
    lookback: 0,
    names_per_window: "2001",
    tlds: &["com", "net"],
    references: &["https://johannesbader.ch/2015/01/the-dga-of-shiotob/"],
    bind,
};

/// Names per seed, the seed included.
const COUNT: usize = 2001;

/// The malware's character table. Indices are a byte divided by 8, so only
/// the first 32 entries are reachable.
const TABLE: &[u8; 32] = b"qwertyuiopasdfghjklzxcvbnm123945";

/// How many bytes the mixing step touches.
const MIXED: usize = 65;

/// The longest hostname the length rule yields (255 / 16).
const LONGEST: usize = 15;

struct Shiotob {
    seed: Vec<u8>,
}

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim().trim_end_matches('.').to_ascii_lowercase();
    let host = seed
        .strip_suffix(".com")
        .or_else(|| seed.strip_suffix(".net"));
    match host {
        Some(host) if !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Ok(Box::new(Shiotob {
                seed: seed.into_bytes(),
            }))
        }
        _ => Err(SeedError::expected(FAMILY.seed_form)),
    }
}

/// The successor of `name` (hostname, dot and a three-letter TLD), written
/// into `next`; `work` is scratch space.
fn successor(name: &[u8], work: &mut Vec<u8>, next: &mut Vec<u8>) {
    let length = name.len();
    let old_host_length = (length - 4) as u32;
    // The byte sum of everything but the last three characters, dot included.
    // Only its low byte matters.
    let sum = name[..length - 3]
        .iter()
        .fold(0u8, |sum, &b| sum.wrapping_add(b));
    work.clear();
    work.extend_from_slice(name);
    work.resize(length.max(MIXED), 0);
    // The malware mixes bytes 0-64 with the step `work[i + j] ^= ...` for
    // every i and j with i + j < 65, in that order. A byte only ever reads
    // bytes before it, so the bytes the name needs (at most the longer of
    // 15 and the old hostname's length) come out the same when the steps
    // that write later bytes are skipped: a fifteenth of the work.
    let needed = (LONGEST + 1).max(old_host_length as usize).min(MIXED);
    let factor = old_host_length as u8;
    for i in 0..needed {
        for j in 0..needed - i {
            work[i + j] ^= factor.wrapping_mul(work[j]) ^ sum;
        }
    }
    let mixed = (u32::from(work[2]).wrapping_mul(old_host_length) ^ u32::from(work[0])) & 0xff;
    let mut host_length = (mixed / 16) as usize;
    if host_length < 10 {
        host_length = old_host_length as usize;
    }
    next.clear();
    next.extend(
        work[..host_length]
            .iter()
            .map(|&b| TABLE[usize::from(b / 8)]),
    );
    next.extend_from_slice(if name.ends_with(b".net") {
        b".com"
    } else {
        b".net"
    });
}

impl Generator for Shiotob {
    fn generate(&self, _epoch: NaiveDate, out: &mut Vec<String>) {
        let mut name = self.seed.clone();
        let mut work = Vec::with_capacity(name.len().max(MIXED) + 1);
        let mut next = Vec::with_capacity(name.len().max(16));
        for _ in 0..COUNT {
            out.push(String::from_utf8_lossy(&name).into_owned());
            successor(&name, &mut work, &mut next);
            std::mem::swap(&mut name, &mut next);
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
            "wtipubctwiekhir.net",
            None,
            &reference("shiotob/example_domains.txt"),
        );
    }

    #[test]
    fn refuses_seeds_without_com_or_net() {
        for bad in ["", ".com", "abc.org", "abc", "ab-c.com", "abc.comx"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

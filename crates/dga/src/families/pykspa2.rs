//! Pykspa (Pykse, Skyper, SkypeBot), a worm spreading over Skype: its
//! "improved" DGA, the names it really uses (set 1).
//!
//! Described by Johannes Bader, "The DGA of Pykspa" (2015,
//! <https://johannesbader.ch/2015/03/the-dga-of-pykspa/>), with the
//! seeding routine re-implemented in his repository in 2020
//! (<https://github.com/baderj/domain_generation_algorithms/tree/master/pykspa/improved>).
//! The malware interleaves two sets of names: set 1, seeded with the unix
//! time divided by 20 days (this family, DGArchive `pykspa2`), and a noise
//! set seeded with the day (`pykspa2s`). A set's 32-bit seed is derived
//! from the window number: MD6-256 of its four little-endian bytes, as hex
//! text, is stirred through a table of 32-bit LCGs (multiplier 22695477)
//! with rotations and byte feedback, and four hex digits of the digest are
//! encrypted into the seed's four bytes. Names then walk from that seed:
//! 6 to 12 letters, TLD com, net, org or info.
//!
//! The seed carries no sample configuration; the raw seed is `default` or
//! the number of names. The write-ups at hand do not state how many names
//! the malware walks before it starts over, and Bader's script prints 10 by
//! default; this module generates 200 per window by default, which covers
//! the positions seen in captured traffic (0 to 3 for set 1). A window is
//! 20 days, counted from 1970-01-01 (UTC).
//!
//! Bader's script keeps the seed as an unbounded integer while it walks; so
//! does this module (in 64 bits), as no sample is known to wrap.
//!
//! Tested against Bader's example list (10 names, pinned to the window from
//! 2015-08-13) and the four set-1 names of the write-up's traffic capture
//! of February 2015.

use chrono::NaiveDate;

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

/// Names per window unless the raw seed says otherwise.
const DEFAULT_COUNT: u32 = 200;

/// The most names a raw seed may ask for.
const MAX_COUNT: u32 = 100_000;

/// TLDs, indexed by the walking seed's two low bits.
const TLDS: [&str; 4] = ["com", "net", "org", "info"];

/// The Pykspa improved-DGA family, set 1.
pub static FAMILY: Family = Family {
    name: "pykspa2",
    aliases: &["pykspa-improved", "pykspa-v2"],
    summary: "Pykspa Skype worm, improved DGA set 1: MD6-derived seed every 20 days",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "no sample seed; 200 names (count assumed, see module docs)",
    }],
    seed_form: "`default` (200 names) or the number of names to generate, 1 to 100000",
    schedule: Schedule::Days {
        days: 20,
        anchor: 0,
    },
    lookback: 0,
    names_per_window: "200 by default (the malware's count is not documented)",
    tlds: &TLDS,
    references: &[
        "https://johannesbader.ch/2015/03/the-dga-of-pykspa/",
        "https://github.com/baderj/domain_generation_algorithms/tree/master/pykspa/improved",
    ],
    bind,
};

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    Ok(Box::new(Improved {
        days: 20,
        count: parse_count(raw, DEFAULT_COUNT, FAMILY.seed_form)?,
    }))
}

/// Reads a raw seed that is `default` or a count of names.
pub(super) fn parse_count(raw: &str, default: u32, form: &str) -> Result<u32, SeedError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("default") {
        return Ok(default);
    }
    raw.parse::<u32>()
        .ok()
        .filter(|count| (1..=MAX_COUNT).contains(count))
        .ok_or_else(|| SeedError::expected(form))
}

/// The improved DGA for windows of `days` days.
pub(super) struct Improved {
    pub(super) days: i64,
    pub(super) count: u32,
}

impl Generator for Improved {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let window = day_number(epoch).div_euclid(self.days) as u32;
        let mut seed = u64::from(window_seed(window));
        for index in 0..u64::from(self.count) {
            seed += seed % (index + 1) + 1;
            let length = ((seed + index) % 7 + 6) as u32;
            let tld = TLDS.get((seed & 3) as usize).copied().unwrap_or_default();
            let mut name = String::with_capacity(length as usize + 1 + tld.len());
            push_label(&mut name, length, seed);
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }
}

/// Appends a label of `length` letters derived from `seed`.
fn push_label(name: &mut String, length: u32, mut seed: u64) {
    let length64 = u64::from(length);
    let modulo = 541 * length64 + 4;
    let mut a = length64 * length64;
    for i in 0..length64 {
        let factor = (seed % 5) + (seed % 123_456) + i * ((seed & 1) + (seed % 4567));
        let mixed = seed.wrapping_mul(factor) & 0xFFFF_FFFF;
        name.push(char::from(b'a' + ((a + mixed) % 26) as u8));
        a += length64;
        let step = 7_837_632u64.wrapping_mul(seed).wrapping_mul(length64) & 0xFFFF_FFFF;
        seed += (step + 82_344) % modulo;
    }
}

/// Entries in the LCG table.
const TABLE: usize = 128;

/// The table of 32-bit LCGs that stirs the seed, with the running result.
struct Stirrer {
    values: [u32; TABLE],
    result: u32,
}

impl Stirrer {
    /// Advances LCG `index` and folds its output into the result.
    fn step(&mut self, index: usize) {
        let Some(value) = self.values.get_mut(index) else {
            return;
        };
        *value = value.wrapping_mul(22_695_477).wrapping_add(1);
        let bits = (*value >> 16) & 0x7FFF;
        let shift = self.result & 0xF;
        self.result = bits.wrapping_add(self.result).rotate_left(shift);
    }

    /// Advances LCG `i` i + 1 times, for every `i` in order.
    fn warm_up(&mut self) {
        for index in 0..TABLE {
            for _ in 0..=index {
                self.step(index);
            }
        }
    }

    /// One pass over the table, then encrypts `key` with the result's low
    /// byte and feeds the key back into the result and the last LCG.
    fn encrypt(&mut self, key: u8) -> u8 {
        for index in 0..TABLE {
            self.step(index);
        }
        let encrypted = key ^ self.result as u8;
        self.result = self.result.wrapping_add(u32::from(key));
        self.values[TABLE - 1] = self.values[TABLE - 1].wrapping_add(u32::from(key));
        encrypted
    }
}

/// Big-endian 16-bit pairs of `bytes`, as the table's starting values.
fn pairs(bytes: &[u8]) -> [u32; TABLE] {
    let mut values = [0u32; TABLE];
    for (value, pair) in values.iter_mut().zip(bytes.chunks(2)) {
        let high = u32::from(pair.first().copied().unwrap_or(0));
        let low = u32::from(pair.get(1).copied().unwrap_or(0));
        *value = (high << 8) | low;
    }
    values
}

/// The 32-bit seed of window number `window`.
pub(super) fn window_seed(window: u32) -> u32 {
    let digest = md6::md6_256(&window.to_le_bytes());
    let mut hex = [0u8; 64];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xF)];
    }

    let mut stirrer = Stirrer {
        values: pairs(&hex),
        result: 0,
    };
    stirrer.warm_up();

    // The hex text, zero-padded to 256 bytes, is rewritten in place: each
    // byte becomes the low byte of the result before it is encrypted.
    let mut padded = [0u8; 256];
    padded[..64].copy_from_slice(&hex);
    let mut position = 0;
    for _ in 0..padded.len() {
        let key = padded[position];
        let encrypted = stirrer.encrypt(key);
        padded[position] = encrypted ^ key;
        position = (position + 1) % padded.len();
    }
    position = padded.len() - 1;
    for _ in 0..(padded.len() + 1) * 10 {
        let key = padded[position];
        let encrypted = stirrer.encrypt(key);
        padded[position] = encrypted ^ key;
        position = (position + 1) % padded.len();
    }

    let mut stirrer = Stirrer {
        values: pairs(&padded),
        result: 0,
    };
    stirrer.warm_up();
    let offset = (window % 50) as usize;
    let mut seed = 0u32;
    for (i, &key) in hex.iter().skip(offset).take(4).enumerate() {
        seed |= u32::from(stirrer.encrypt(key)) << (8 * i);
    }
    seed
}

const HEX: [u8; 16] = *b"0123456789abcdef";

/// MD6 (Rivest et al., 2008) with the default parameters of a 256-bit
/// digest and no key, for messages of one 512-byte block, which is all the
/// seeding needs. Follows the MD6 specification
/// (<https://groups.csail.mit.edu/cis/md6/>).
mod md6 {
    /// Words of the compression input: Q, key, U, V and the data block.
    const N: usize = 89;
    /// Words of output per compression.
    const C: usize = 16;
    /// Data words per block.
    const BLOCK: usize = 64;
    /// Rounds for d = 256 without a key: 40 + d / 4.
    const ROUNDS: usize = 104;
    /// Digest bits.
    const DIGEST_BITS: u64 = 256;
    /// Mode parameter L (the default, fully hierarchical).
    const LEVELS: u64 = 64;

    /// The fractional part of √6, the first 15 words of every input.
    const Q: [u64; 15] = [
        0x7311c2812425cfa0,
        0x6432286434aac8e7,
        0xb60450e9ef68b7c1,
        0xe8fb23908d9f06f1,
        0xdd2e76cba691e5bf,
        0x0cd0d63b2c30bc41,
        0x1f8ccf6823058f8a,
        0x54e5ed5b88e3775d,
        0x4ad12aae0a6d6031,
        0x3e7f16bb88222e0d,
        0x8af8671d3fb50c2c,
        0x995ad1178bd25c31,
        0xc878c1dd04c4b633,
        0x3b72066c7a1552ac,
        0x0d6f3522631effcb,
    ];
    /// Feedback tap positions t1..t5 (t0 is N).
    const TAPS: [usize; 5] = [17, 18, 21, 31, 67];
    const RIGHT: [u32; 16] = [10, 5, 13, 10, 11, 12, 2, 7, 14, 15, 7, 13, 11, 7, 6, 12];
    const LEFT: [u32; 16] = [11, 24, 9, 16, 15, 9, 27, 15, 6, 2, 29, 8, 15, 5, 31, 9];
    const S0: u64 = 0x0123456789abcdef;
    const S_STAR: u64 = 0x7311c2812425cfa0;

    /// MD6-256 of a message of at most 512 bytes (longer input is cut).
    pub(super) fn md6_256(message: &[u8]) -> [u8; 32] {
        let message = message.get(..BLOCK * 8).unwrap_or(message);
        let mut block = [0u8; BLOCK * 8];
        block[..message.len()].copy_from_slice(message);
        let padding_bits = (BLOCK * 8 - message.len()) as u64 * 8;

        let mut a = vec![0u64; N + ROUNDS * C];
        a[..15].copy_from_slice(&Q);
        // Words 15..23 are the (empty) key.
        let level = 1u64;
        a[23] = level << 56; // U: level 1, node 0
        let last_node = 1u64;
        a[24] = ((ROUNDS as u64) << 48)
            | (LEVELS << 40)
            | (last_node << 36)
            | (padding_bits << 20)
            | DIGEST_BITS;
        for (word, bytes) in a[25..N].iter_mut().zip(block.chunks_exact(8)) {
            let mut be = [0u8; 8];
            be.copy_from_slice(bytes);
            *word = u64::from_be_bytes(be);
        }

        let mut s = S0;
        for round in 0..ROUNDS {
            for step in 0..C {
                let i = N + round * C + step;
                let mut x = s ^ a[i - N] ^ a[i - TAPS[0]];
                x ^= (a[i - TAPS[1]] & a[i - TAPS[2]]) ^ (a[i - TAPS[3]] & a[i - TAPS[4]]);
                x ^= x >> RIGHT[step];
                a[i] = x ^ (x << LEFT[step]);
            }
            s = s.rotate_left(1) ^ (s & S_STAR);
        }

        let mut digest = [0u8; 32];
        let tail = &a[a.len() - 4..];
        for (bytes, word) in digest.chunks_exact_mut(8).zip(tail) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        digest
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
            "10",
            Some("2015-08-13"),
            &reference("pykspa2/example_domains.txt"),
        );
    }

    #[test]
    fn matches_the_write_ups_captured_set_one_names() {
        // Traffic of 2015-02-16 in Bader's write-up, marked (4) there.
        let expected: Vec<String> = [
            "ejtuxsflbknn.net",
            "wrthooba.info",
            "asgwkyaioy.com",
            "nazihzsljevt.net",
        ]
        .map(String::from)
        .to_vec();
        assert_names(&FAMILY, "4", Some("2015-02-16"), &expected);
    }

    #[test]
    fn md6_256_matches_the_specification_example() {
        // MD6 specification, appendix: MD6-256("abc").
        let digest = md6::md6_256(b"abc");
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "230637d4e6845cf0d092b558e87625f03881dd53a7439da34cf3b94ed0d8b2c5"
        );
    }

    #[test]
    fn default_is_two_hundred_names() {
        let generator = (FAMILY.bind)("default").unwrap();
        let mut out = Vec::new();
        generator.generate("2015-08-13".parse().unwrap(), &mut out);
        assert_eq!(out.len(), 200);
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in ["0", "-1", "100001", "many", "0x10"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

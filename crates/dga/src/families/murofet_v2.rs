//! Murofet (LICAT), a ZeuS offshoot from 2010: variant 2 of its DGA.
//!
//! Described by Johannes Bader in "Three Variants of Murofet's DGA" (2015,
//! <https://johannesbader.ch/2015/09/three-variants-of-murofets-dga/>).
//! It MD5-hashes eight bytes: `year + 0x30`, month, the exact day, a zero
//! byte and the name index rounded down to an even number (little-endian),
//! each byte XORed with the matching little-endian byte of a 32-bit key. Each
//! digest byte gives the letter `a + low nibble + high nibble` unless that
//! passes `z`. The index runs modulo 1020 from `minute * 17`, 800 names a
//! run, so a day uses every index 0..1020; as indices 2k and 2k+1 share a
//! hash, each name appears with two TLDs: `.biz` if the index is divisible
//! by 5, else `.info` by 4, `.org` by 3, `.net` by 2, else `.com`.
//!
//! It is a separate family from `murofet` (variants 1 and 3) because its
//! names change daily rather than every seventh of a month. The seed is the
//! key as 8 hex digits; `0` means no key (XOR with zero). Bader lists the
//! keys D6D7A4BE, DEADC2DE and D6D7A4B1 seen in samples.
//!
//! Tested against Bader's `example_domains.txt` (no key; the date is not
//! recorded and was found to be 2015-09-03) and against the 57 names 360
//! Netlab saw in 2016 from samples keyed `8811EEA2` (DGA issues 11 and 26;
//! 36 of 2016-09-07, which the issue labels September 9, and 21 of
//! 2016-09-26), and the 56 names of keys `78E4A3C0`, `ED79A19C` and
//! `A4D7EE01` in issues 43 and 30.
//! Bader's three keys have no public reference output.
//!
//! For seed discovery the key space (2^32) is sieved ([`sieve`]): the
//! eight hashed bytes are the words `key ^ day` and `key ^ index`, so
//! each name costs one MD5 block whatever is known; the sieve runs that
//! block for 64 keys side by side in vector lanes (compiled for AVX-512
//! and AVX2 too), stops after step 61 of 64, where the first digest word
//! (the first four letters or fewer) is final, and spells a name in full
//! only when those letters start an observed label.

use std::ops::Range;

use ahash::AHashSet;
use chrono::{Datelike, NaiveDate};
use md5::{Digest, Md5};

use super::seed_text::parse_hex_u32;
use crate::discover::{Sieve, Wanted};
use crate::families::murofet::tld_for;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Indices per day: the malware counts modulo 60 * 17.
const COUNT: u32 = 1020;

const TLDS: &[&str] = &["biz", "info", "org", "net", "com"];

/// The Murofet variant 2 family.
pub static FAMILY: Family = Family {
    name: "murofet-v2",
    aliases: &["licat-v2"],
    summary: "Murofet (LICAT) ZeuS offshoot, DGA variant 2: keyed MD5 of the day and an index",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "nokey",
            value: "0",
            note: "no key; Bader's example domains",
        },
        SeedInfo {
            name: "d6d7a4be",
            value: "D6D7A4BE",
            note: "key seen in a sample (Bader's dga.py)",
        },
        SeedInfo {
            name: "deadc2de",
            value: "DEADC2DE",
            note: "key seen in a sample (Bader's dga.py)",
        },
        SeedInfo {
            name: "d6d7a4b1",
            value: "D6D7A4B1",
            note: "key seen in a sample (Bader's dga.py)",
        },
        SeedInfo {
            name: "78e4a3c0",
            value: "78E4A3C0",
            note: "360 Netlab, DGA issue 43 (2018)",
        },
        SeedInfo {
            name: "ed79a19c",
            value: "ED79A19C",
            note: "sample 5df9dc5fb4886a28133656b8c55fd65b (360 Netlab, DGA issue 43, 2018)",
        },
        SeedInfo {
            name: "a4d7ee01",
            value: "A4D7EE01",
            note: "sample 6f8ba741c1968083265346bff7e9533b (360 Netlab, DGA issue 30, 2016)",
        },
        SeedInfo {
            name: "8811eea2",
            value: "8811EEA2",
            note: "samples 6d0f3196e91f8ae640791d5bb0d466b7, 3e3970e3cee006e85be1256f710571fc \
                   (360 Netlab, DGA issues 11 and 26, 2016)",
        },
    ],
    seed_form: "a 32-bit XOR key in hex (up to 8 digits, optional 0x), 0 for none, e.g. D6D7A4BE",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "1020 (510 second-level names, each with two TLDs)",
    tlds: TLDS,
    references: &["https://johannesbader.ch/2015/09/three-variants-of-murofets-dga/"],
    bind,
};

struct MurofetV2 {
    key: u32,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let key = parse_hex_u32(raw, 8).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(MurofetV2 { key }))
}

impl Generator for MurofetV2 {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let (key, day) = (self.key, day_word(epoch));
        for pair in (0..COUNT).step_by(2) {
            let mut label = [0u8; 16];
            let length = spell(key, day, pair, &mut label);
            let label = String::from_utf8_lossy(&label[..length]);
            for index in [pair, pair + 1] {
                out.push(format!("{label}.{}", tld_for(index, TLDS)));
            }
        }
    }
}

/// The first four hashed bytes before the key: `year + 0x30`, month, day
/// and a zero byte, as a little-endian word.
fn day_word(day: NaiveDate) -> u32 {
    let year = (day.year() as u8).wrapping_add(0x30);
    u32::from_le_bytes([year, day.month() as u8, day.day() as u8, 0])
}

/// The letter a digest byte gives, if any: `a` plus the sum of its
/// nibbles, or nothing when that passes `z`.
#[inline(always)]
fn letter(byte: u8) -> Option<u8> {
    let sum = (byte & 0x0F) + (byte >> 4);
    (sum <= 25).then_some(b'a' + sum)
}

/// Spells into `label` the label of the pair of indices starting at the
/// even `pair` for `key` on the day of `day` ([`day_word`]); returns its
/// length (at most 16).
fn spell(key: u32, day: u32, pair: u32, label: &mut [u8; 16]) -> usize {
    let mut input = [0u8; 8];
    input[..4].copy_from_slice(&(day ^ key).to_le_bytes());
    input[4..].copy_from_slice(&(pair ^ key).to_le_bytes());
    let digest = Md5::digest(input);
    let mut length = 0;
    for c in digest.iter().filter_map(|&byte| letter(byte)) {
        label[length] = c;
        length += 1;
    }
    length
}

/// Keys side by side in the sieve's vectors: four AVX-512 registers (or
/// eight AVX2 ones), so four chains of MD5 steps overlap.
const LANES: usize = 64;

type Lanes = [u32; LANES];

/// MD5's constants (RFC 1321, section 3.4: `floor(abs(sin(i + 1)) * 2^32)`).
const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

/// MD5's rotation per step (RFC 1321).
const S: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
    21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

/// The message word each step adds (RFC 1321).
const fn word_of(step: usize) -> usize {
    match step / 16 {
        0 => step,
        1 => (5 * step + 1) % 16,
        2 => (3 * step + 5) % 16,
        _ => (7 * step) % 16,
    }
}

/// Each step's constant plus its message word where that word is the same
/// for every key: the padding (byte 8 is 0x80, the length 64 bits) and
/// zeros. Words 0 and 1 (`key ^ day`, `key ^ index`) are added per lane.
const KW: [u32; 64] = {
    let mut kw = [0u32; 64];
    let mut step = 0;
    while step < 64 {
        let word = match word_of(step) {
            2 => 0x80,
            14 => 64,
            _ => 0,
        };
        kw[step] = K[step].wrapping_add(word);
        step += 1;
    }
    kw
};

#[inline(always)]
fn f(b: u32, c: u32, d: u32) -> u32 {
    d ^ (b & (c ^ d))
}

#[inline(always)]
fn g(b: u32, c: u32, d: u32) -> u32 {
    c ^ (d & (b ^ c))
}

#[inline(always)]
fn h(b: u32, c: u32, d: u32) -> u32 {
    b ^ c ^ d
}

#[inline(always)]
fn i(b: u32, c: u32, d: u32) -> u32 {
    c ^ (b | !d)
}

/// One MD5 step on every lane: `a = b + (a + fn(b, c, d) + K + W) <<< s`;
/// the word is a lane's own when `word_of(step)` is 0 or 1.
macro_rules! step {
    ($step:literal, $fn:ident, $a:ident, $b:ident, $c:ident, $d:ident, $w0:ident, $w1:ident) => {
        for l in 0..LANES {
            let word = match word_of($step) {
                0 => $w0[l],
                1 => $w1[l],
                _ => 0,
            };
            let sum = $a[l]
                .wrapping_add($fn($b[l], $c[l], $d[l]))
                .wrapping_add(KW[$step])
                .wrapping_add(word);
            $a[l] = $b[l].wrapping_add(sum.rotate_left(S[$step]));
        }
    };
}

/// Four steps, rotating the registers.
macro_rules! four {
    ($s0:literal, $s1:literal, $s2:literal, $s3:literal, $fn:ident, $a:ident, $b:ident, $c:ident, $d:ident, $w0:ident, $w1:ident) => {
        step!($s0, $fn, $a, $b, $c, $d, $w0, $w1);
        step!($s1, $fn, $d, $a, $b, $c, $w0, $w1);
        step!($s2, $fn, $c, $d, $a, $b, $w0, $w1);
        step!($s3, $fn, $b, $c, $d, $a, $w0, $w1);
    };
}

/// MD5's start state (RFC 1321).
const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// Register `a` after MD5's first step, which adds only the word `w0`.
fn first_step(w0: &Lanes) -> Lanes {
    let start = IV[0]
        .wrapping_add(f(IV[1], IV[2], IV[3]))
        .wrapping_add(KW[0]);
    w0.map(|w0| IV[1].wrapping_add(start.wrapping_add(w0).rotate_left(S[0])))
}

/// Bits of [`MurofetV2Sieve::starts`], as 32-bit words.
const STARTS: usize = (1 << 20) / 32;

/// The sums of the nibbles of each byte of `word`, five bits each
/// (`byte 0 | byte 1 << 5 | ...`): for the first digest word, the letters
/// of the first four bytes, 26-30 where a byte gives none.
#[inline(always)]
fn nibble_sums(word: u32) -> u32 {
    let sums = (word & 0x0F0F_0F0F) + ((word >> 4) & 0x0F0F_0F0F);
    (sums & 0x1F)
        | ((sums >> 3) & (0x1F << 5))
        | ((sums >> 6) & (0x1F << 10))
        | ((sums >> 9) & (0x1F << 15))
}

/// The first digest word of MD5 over the eight bytes `w0`, `w1` (little
/// endian) of every lane, as [`nibble_sums`] into `out`; `hits` gets the
/// bit of `starts` it picks, and the result says whether any is set. MD5
/// sets that word in step 61 of 64, so the last three are left out; step
/// 1, which only `w0` changes, is done by [`first_step`] once per key.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
#[allow(clippy::needless_range_loop)] // the lanes of four registers move together
fn first_letters(
    after_first: &Lanes,
    w0: &Lanes,
    w1: &Lanes,
    starts: &[u32; STARTS],
    out: &mut Lanes,
    hits: &mut Lanes,
) -> bool {
    let mut a = *after_first;
    let mut b = [IV[1]; LANES];
    let mut c = [IV[2]; LANES];
    let mut d = [IV[3]; LANES];
    step!(1, f, d, a, b, c, w0, w1);
    step!(2, f, c, d, a, b, w0, w1);
    step!(3, f, b, c, d, a, w0, w1);
    four!(4, 5, 6, 7, f, a, b, c, d, w0, w1);
    four!(8, 9, 10, 11, f, a, b, c, d, w0, w1);
    four!(12, 13, 14, 15, f, a, b, c, d, w0, w1);
    four!(16, 17, 18, 19, g, a, b, c, d, w0, w1);
    four!(20, 21, 22, 23, g, a, b, c, d, w0, w1);
    four!(24, 25, 26, 27, g, a, b, c, d, w0, w1);
    four!(28, 29, 30, 31, g, a, b, c, d, w0, w1);
    four!(32, 33, 34, 35, h, a, b, c, d, w0, w1);
    four!(36, 37, 38, 39, h, a, b, c, d, w0, w1);
    four!(40, 41, 42, 43, h, a, b, c, d, w0, w1);
    four!(44, 45, 46, 47, h, a, b, c, d, w0, w1);
    four!(48, 49, 50, 51, i, a, b, c, d, w0, w1);
    four!(52, 53, 54, 55, i, a, b, c, d, w0, w1);
    four!(56, 57, 58, 59, i, a, b, c, d, w0, w1);
    step!(60, i, a, b, c, d, w0, w1);
    for l in 0..LANES {
        out[l] = nibble_sums(a[l].wrapping_add(IV[0]));
        hits[l] = starts[(out[l] >> 5) as usize % STARTS] >> (out[l] & 31) & 1;
    }
    hits.iter().fold(0, |any, &hit| any | hit) != 0
}

/// Murofet v2's cheap test of keys for the seed search (see
/// [`crate::discover::Sieve`]): per day and index pair that could make one
/// of the observed names (by its TLD), the first digest word of 64 keys at
/// once; a key whose first letters start an observed label gets that
/// label spelt in full and looked up with its two TLDs.
struct MurofetV2Sieve {
    /// The day words ([`day_word`]) of the epochs.
    days: Vec<u32>,
    /// The even indices whose two TLDs include one of the observed names'.
    pairs: Vec<u32>,
    /// Bit [`nibble_sums`] of the first digest word is set where the
    /// letters of those four bytes (without the bytes that give none)
    /// start an observed label.
    starts: Box<[u32; STARTS]>,
    wanted: Wanted,
}

/// Builds Murofet v2's sieve.
pub(crate) fn sieve(wanted: &Wanted, epochs: &[NaiveDate]) -> Box<dyn Sieve> {
    let mut prefixes: AHashSet<Vec<u8>> = AHashSet::new();
    let mut tlds: AHashSet<&[u8]> = AHashSet::new();
    for name in wanted.names() {
        let mut parts = name.splitn(2, |&b| b == b'.');
        let label = parts.next().unwrap_or_default();
        if let Some(tld) = parts.next() {
            tlds.insert(tld);
        }
        for length in 0..=label.len().min(4) {
            prefixes.insert(label[..length].to_vec());
        }
    }
    let mut starts = Box::new([0u32; STARTS]);
    for (index, word) in starts.iter_mut().enumerate() {
        for bit in 0..32 {
            let sums = index * 32 + bit;
            let prefix: Vec<u8> = (0..4)
                .map(|byte| (sums >> (5 * byte)) & 0x1F)
                .filter(|&sum| sum <= 25)
                .map(|sum| b'a' + sum as u8)
                .collect();
            if prefixes.contains(&prefix) {
                *word |= 1 << bit;
            }
        }
    }
    let pairs = (0..COUNT)
        .step_by(2)
        .filter(|&pair| {
            [pair, pair + 1]
                .iter()
                .any(|&index| tlds.contains(tld_for(index, TLDS).as_bytes()))
        })
        .collect();
    Box::new(MurofetV2Sieve {
        days: epochs.iter().map(|&day| day_word(day)).collect(),
        pairs,
        starts,
        wanted: wanted.clone(),
    })
}

impl MurofetV2Sieve {
    /// Whether `key` makes an observed name from the pair at `pair`.
    fn confirm(&self, key: u32, day: u32, pair: u32) -> bool {
        let mut label = [0u8; 16];
        let length = spell(key, day, pair, &mut label);
        [pair, pair + 1].iter().any(|&index| {
            let tld = tld_for(index, TLDS).as_bytes();
            let mut name = [0u8; 32];
            name[..length].copy_from_slice(&label[..length]);
            name[length] = b'.';
            name[length + 1..length + 1 + tld.len()].copy_from_slice(tld);
            self.wanted.contains(&name[..length + 1 + tld.len()])
        })
    }
}

impl Sieve for MurofetV2Sieve {
    fn sift(&self, indices: Range<u64>, keep: &mut Vec<u64>) {
        let mut start = indices.start;
        while start < indices.end {
            let end = indices.end.min(start + LANES as u64);
            let mut keys = [0u32; LANES];
            for (lane, key) in keys.iter_mut().enumerate() {
                // Lanes past `end` repeat the last key and are ignored.
                *key = (start + lane as u64).min(end - 1) as u32;
            }
            let mut hit = [false; LANES];
            for &day in &self.days {
                let w0 = keys.map(|key| key ^ day);
                let after_first = first_step(&w0);
                for &pair in &self.pairs {
                    let w1 = keys.map(|key| key ^ pair);
                    let (mut sums, mut starts) = ([0u32; LANES], [0u32; LANES]);
                    if !first_letters(&after_first, &w0, &w1, &self.starts, &mut sums, &mut starts)
                    {
                        continue;
                    }
                    for ((&start, &key), hit) in starts.iter().zip(&keys).zip(hit.iter_mut()) {
                        if start != 0 && !*hit && self.confirm(key, day, pair) {
                            *hit = true;
                        }
                    }
                }
            }
            keep.extend(
                hit.iter()
                    .zip(start..end)
                    .filter(|(&hit, _)| hit)
                    .map(|(_, index)| index),
            );
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_example_domains() {
        // The file does not record its date; it is 2015-09-03, without key.
        assert_names(
            &FAMILY,
            "0",
            Some("2015-09-03"),
            &reference("murofet/v2_example_domains.txt"),
        );
    }

    #[test]
    fn key_8811eea2_makes_the_names_360_netlab_saw() {
        let lines = reference("murofet/netlab_issue11_8811eea2.txt");
        assert_eq!(lines.len(), 57);
        for line in &lines {
            let (day, name) = line.split_once(' ').expect("DAY NAME");
            assert!(
                names(&FAMILY, "8811EEA2", Some(day)).contains(&name.to_owned()),
                "{line}"
            );
        }
    }

    #[test]
    fn keys_of_360_netlab_issues_30_and_43_make_the_names_posted_there() {
        let lines = reference("murofet/netlab_issues_30_43.txt");
        assert_eq!(lines.len(), 56);
        for line in &lines {
            let fields: Vec<&str> = line.split(' ').collect();
            let [key, day, name] = fields[..] else {
                panic!("bad line {line:?}");
            };
            assert!(
                names(&FAMILY, key, Some(day)).contains(&name.to_owned()),
                "{line}"
            );
        }
    }

    #[test]
    fn keys_change_the_names() {
        let plain = names(&FAMILY, "0", Some("2015-09-03"));
        let keyed = names(&FAMILY, "0xD6D7A4BE", Some("2015-09-03"));
        assert_eq!(keyed.len(), 1020);
        assert_ne!(plain, keyed);
    }

    #[test]
    fn the_sieve_lanes_give_the_first_digest_word_of_md5() {
        let day = day_word("2016-09-07".parse().expect("date"));
        let keys: Lanes =
            std::array::from_fn(|lane| 0x8811_EEA2_u32.wrapping_add(lane as u32 * 0x0101_0107));
        for pair in [0, 2, 500, 1018] {
            let w0 = keys.map(|key| key ^ day);
            let w1 = keys.map(|key| key ^ pair);
            let (mut sums, mut hits) = ([0u32; LANES], [0u32; LANES]);
            first_letters(
                &first_step(&w0),
                &w0,
                &w1,
                &[0; STARTS],
                &mut sums,
                &mut hits,
            );
            for (lane, &key) in keys.iter().enumerate() {
                let mut input = [0u8; 8];
                input[..4].copy_from_slice(&w0[lane].to_le_bytes());
                input[4..].copy_from_slice(&w1[lane].to_le_bytes());
                let digest = Md5::digest(input);
                let want = (0..4).fold(0, |acc, byte| {
                    let b = digest[byte];
                    acc | u32::from((b & 0x0F) + (b >> 4)) << (5 * byte)
                });
                assert_eq!(sums[lane], want, "key {key:08X}, pair {pair}");
            }
        }
    }

    #[test]
    fn the_sieve_keeps_the_keys_that_make_a_name_and_drops_others() {
        let day: NaiveDate = "2016-09-26".parse().expect("date");
        let made = names(&FAMILY, "5EED1234", Some("2016-09-26"));
        let wanted = Wanted::new(&[made[333].clone(), made[1001].clone()]);
        let built = sieve(&wanted, &[day]);
        let mut keep = Vec::new();
        built.sift(0x5EED_1200..0x5EED_1300, &mut keep);
        assert_eq!(keep, vec![0x5EED_1234]);
        // A name with another TLD than the index gives is not this key's.
        let (label, _) = made[333].split_once('.').expect("a dot");
        let other = Wanted::new(&[format!("{label}.xyz"), format!("{label}.com")]);
        let tld_333 = made[333].rsplit('.').next().expect("tld");
        let tld_332 = made[332].rsplit('.').next().expect("tld");
        let mut keep = Vec::new();
        sieve(&other, &[day]).sift(0x5EED_1200..0x5EED_1300, &mut keep);
        let com = [tld_332, tld_333].contains(&"com");
        assert_eq!(keep.is_empty(), !com, "{made:?}");
    }

    #[test]
    fn refuses_keys_that_are_not_32_bit_hex() {
        for bad in ["", "0x", "xyz", "123456789", "-1"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }
}

//! Bedep, the ad-fraud and exploit-kit backdoor of 2014-2015, whose DGA is
//! seeded by the European Central Bank's foreign-exchange reference rates.
//!
//! Described by Dennis Schwarz (Arbor Networks ASERT), "Bedep's DGA: Trading
//! Foreign Exchange for Malware Domains" (April 2015,
//! <https://www.arbornetworks.com/blog/asert/bedeps-dga-trading-foreign-exchange-for-malware-domains/>),
//! with run logs, per-config tables and a Python re-implementation in
//! <https://github.com/arbor/bedep_dga>. This module is written from that
//! description; the tables in `bedep_tables.rs` are data taken from the
//! malware by Arbor.
//!
//! The input is the ECB's 90-day history, `eurofxref-hist-90d.xml`: one
//! `Cube time="YYYY-MM-DD"` per working day, newest first, each holding one
//! `Cube currency rate` per currency. On day D the malware:
//!
//! 1. numbers days from year 0 (day number = proleptic Gregorian ordinal +
//!    365) and takes the cutoff D - 2;
//! 2. walks the file's dates newest first and keeps the first one at or
//!    before the cutoff that is a Tuesday (`(n + 5) % 7 == 1`). When no date
//!    qualifies it falls back on the last date it looked at, the oldest in
//!    the file;
//! 3. reads at most 48 (first configs) or 36 (later configs) currencies of
//!    that date, in document order, parsing each rate with its own `atof`:
//!    integer part plus fraction digits divided by ten to their count, in
//!    double precision, which can differ from a correct parse in the last
//!    bit ([`malware_atof`]);
//! 4. mixes the day number and the first currency into a selector, which
//!    picks one (prime p, small prime q) pair out of the 102 encoded entries
//!    of the config's table, where q (23 to 29) divides p - 1;
//! 5. takes h = g^((p-1)/q) mod p for the first primitive root g it finds
//!    (with the malware's quirk of sharing one trial budget between
//!    candidates), an element of order q; the day's q - 1 seeds are the
//!    powers h^e, e = 1..q-1;
//! 6. turns each seed into a `.com` name of 12 to 18 characters, stepping
//!    through the currencies by a fixed stride and mixing in each one's
//!    name and rate (the last two characters may be digits).
//!
//! The malware starts the walk through the seeds at a random power and
//! steps by a random exponent, so one run tries the seeds in an order that
//! cannot be predicted; the set is fixed. This module lists the q - 1 names
//! in the order of the exponent e, and the tests compare sets with Arbor's
//! logs.
//!
//! Seeds: the seven configs Arbor published (`config0` to `config6`), each a
//! key triple, a table and a currency cap. Window: one UTC day; the name set
//! changes only when the chosen rate date does (weekly), but the input can
//! change any day, so each day is computed on its own.
//!
//! Known limitations: the malware learns the date from a web time service in
//! UTC; a bot with a wrong clock would pick another rate date. A chosen date
//! whose cube lists no currency gives no names (the malware would fail); the
//! ECB's files always list them, the rebuilt test files do not for the
//! dates the logs never chose.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::bedep_tables::{TABLE_1, TABLE_2, TABLE_3, TABLE_4, TABLE_5, TABLE_6, TABLE_7};
use crate::family::{Family, Generator, Scheme, SeedInfo, Seeding};
use crate::public::{InputError, InputFormat, InputSpec, PublicDataFamily};
use crate::schedule::Schedule;

/// The ECB namespace of the rate cubes.
const ECB_NAMESPACE: &str = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref";

/// The Bedep family.
pub static FAMILY: PublicDataFamily = PublicDataFamily {
    family: Family {
        name: "bedep",
        aliases: &[],
        summary: "Bedep backdoor: names from the ECB's exchange rates of a recent Tuesday",
        scheme: Scheme::Arithmetic,
        seeding: Seeding::TDD,
        seeds: &[
            SeedInfo {
                name: "config0",
                value: "config0",
                note: "Arbor AML-18141460, table 1, 48 currencies",
            },
            SeedInfo {
                name: "config1",
                value: "config1",
                note: "Arbor AML-19646835, table 2, 48 currencies",
            },
            SeedInfo {
                name: "config2",
                value: "config2",
                note: "Arbor AML-20382547, table 3, 36 currencies",
            },
            SeedInfo {
                name: "config3",
                value: "config3",
                note: "Arbor AML-20846035, table 4, 36 currencies",
            },
            SeedInfo {
                name: "config4",
                value: "config4",
                note: "Arbor AML-27555089, sample d2a977fa29acda0a7a272670f0706508, table 5",
            },
            SeedInfo {
                name: "config5",
                value: "config5",
                note: "Arbor AML-27580367, sample 9aad1b163fa550f7979d822b6f5078c9, table 6",
            },
            SeedInfo {
                name: "config6",
                value: "config6",
                note: "Arbor AML-28101739, sample 3aa5d612889aeab6295752cdf95b5db0, table 7",
            },
        ],
        seed_form: "a config name, config0 to config6",
        schedule: Schedule::DAILY,
        lookback: 0,
        names_per_window: "22 or 28",
        tlds: &["com"],
        references: &[
            "https://www.arbornetworks.com/blog/asert/bedeps-dga-trading-foreign-exchange-for-malware-domains/",
            "https://github.com/arbor/bedep_dga",
        ],
        bind: crate::public::needs_input,
    },
    input: InputSpec {
        format: InputFormat::Xml,
        description: "the ECB's euro foreign-exchange reference rates of the last 90 days",
        url: "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml",
    },
    bind_input: bind,
};

/// One config: keys, table and currency cap.
struct Config {
    /// Mixed into the selector and every character.
    key: u32,
    /// Unmasks the counts and factors of the table.
    count_key: u32,
    /// Unmasks the primes of the table.
    prime_key: u32,
    /// 102 entries of `width` words.
    table: &'static [u32],
    width: usize,
    max_currencies: usize,
}

const CONFIGS: [Config; 7] = [
    Config {
        key: 0x9be6_851a,
        count_key: 0xd666_e1f3,
        prime_key: 0x2666_ca48,
        table: &TABLE_1,
        width: 8,
        max_currencies: 48,
    },
    Config {
        key: 0x36a6_4c8a,
        count_key: 0x7cd0_2d69,
        prime_key: 0x8cd0_06d2,
        table: &TABLE_2,
        width: 7,
        max_currencies: 48,
    },
    Config {
        key: 0x4cdf_f15c,
        count_key: 0x1bba_e2d4,
        prime_key: 0xebba_c96f,
        table: &TABLE_3,
        width: 7,
        max_currencies: 36,
    },
    Config {
        key: 0x52eb_3676,
        count_key: 0x7952_538d,
        prime_key: 0x8952_7836,
        table: &TABLE_4,
        width: 7,
        max_currencies: 36,
    },
    Config {
        key: 0x8af8_b34d,
        count_key: 0x2be8_c4b0,
        prime_key: 0xdbe8_ef0b,
        table: &TABLE_5,
        width: 7,
        max_currencies: 36,
    },
    Config {
        key: 0xa28e_afd8,
        count_key: 0x2edf_db46,
        prime_key: 0xdedf_f0fd,
        table: &TABLE_6,
        width: 7,
        max_currencies: 36,
    },
    Config {
        key: 0xda9c_e3f7,
        count_key: 0xd1ce_cf92,
        prime_key: 0x21ce_e429,
        table: &TABLE_7,
        width: 7,
        max_currencies: 36,
    },
];

/// Shortest name, without the TLD.
const MIN_LENGTH: u32 = 12;
/// Longest name, without the TLD.
const MAX_LENGTH: u32 = 18;
/// The subgroup orders a table entry may offer.
const ORDERS: std::ops::RangeInclusive<u32> = 0x17..=0x1d;
/// The most (entry, order) candidates the malware collects.
const MAX_CANDIDATES: usize = 0xa8;

/// One currency of the chosen date, as the malware holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Currency {
    /// ISO code as in the file, e.g. `USD`.
    pub code: String,
    /// The code's bytes and a NUL read as a little-endian word.
    code_word: u32,
    /// The rate as the malware parsed it.
    pub rate: f64,
}

impl Currency {
    fn rate_bits(&self) -> u64 {
        self.rate.to_bits()
    }
}

/// One day of the ECB file.
#[derive(Debug, Clone, PartialEq)]
pub struct RateDay {
    /// The day the rates are for.
    pub date: NaiveDate,
    /// Its currencies in document order.
    pub currencies: Vec<Currency>,
}

/// The parsed ECB file: its days in document order (newest first).
#[derive(Debug, Clone, PartialEq)]
pub struct RateHistory {
    /// Days in document order.
    pub days: Vec<RateDay>,
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.rate)
    }
}

/// Bedep's day number: days since the year 0 of the proleptic Gregorian
/// calendar, as the malware counts them.
pub fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce()) + 365
}

/// The malware's `atof`: the integer part plus the digits after the point
/// divided by ten to the number of those digits, each step in double
/// precision. Refuses anything but `digits[.digits]`.
pub fn malware_atof(text: &str) -> Option<f64> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, "0"),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || fraction.len() > 300 {
        return None;
    }
    let whole: f64 = whole.parse().ok()?;
    let numerator: f64 = fraction.parse().ok()?;
    let scale: f64 = format!("1e{}", fraction.len()).parse().ok()?;
    Some(numerator / scale + whole)
}

/// Parses the ECB's 90-day file.
pub fn parse_rates(input: &[u8]) -> Result<RateHistory, InputError> {
    let text = std::str::from_utf8(input)
        .map_err(|e| InputError::malformed(InputFormat::Xml, format!("not UTF-8: {e}")))?;
    let document =
        roxmltree::Document::parse(text).map_err(|e| InputError::malformed(InputFormat::Xml, e))?;
    let is_cube = |node: &roxmltree::Node<'_, '_>| {
        node.is_element() && node.has_tag_name((ECB_NAMESPACE, "Cube"))
    };
    let outer = document
        .root_element()
        .children()
        .find(is_cube)
        .ok_or_else(|| InputError::missing("ECB rate cube (eurofxref Cube element)"))?;
    let mut days = Vec::new();
    for dated in outer.children().filter(is_cube) {
        let time = dated
            .attribute("time")
            .ok_or_else(|| InputError::missing("time attribute on a dated Cube"))?;
        let date =
            NaiveDate::parse_from_str(time, "%Y-%m-%d").map_err(|_| InputError::BadValue {
                what: "Cube time".to_owned(),
                value: time.to_owned(),
                expected: "a date YYYY-MM-DD",
            })?;
        let mut currencies = Vec::new();
        for cube in dated.children().filter(|n| n.is_element()) {
            let (Some(code), Some(rate)) = (cube.attribute("currency"), cube.attribute("rate"))
            else {
                return Err(InputError::missing(format!(
                    "currency and rate attributes in the cube of {date}"
                )));
            };
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(InputError::BadValue {
                    what: format!("currency code of {date}"),
                    value: code.to_owned(),
                    expected: "three letters such as USD",
                });
            }
            let rate_value = malware_atof(rate).ok_or_else(|| InputError::BadValue {
                what: format!("{code} rate of {date}"),
                value: rate.to_owned(),
                expected: "a decimal number such as 1.0847",
            })?;
            let b = code.as_bytes();
            currencies.push(Currency {
                code: code.to_owned(),
                code_word: u32::from_le_bytes([b[0], b[1], b[2], 0]),
                rate: rate_value,
            });
        }
        days.push(RateDay { date, currencies });
    }
    if days.is_empty() {
        return Err(InputError::missing("dated rate cube"));
    }
    Ok(RateHistory { days })
}

impl RateHistory {
    /// The day whose rates the malware uses on `day`: the first Tuesday at or
    /// before `day - 2`, walking the file newest first; the file's last day
    /// when none qualifies.
    pub fn rate_day(&self, day: NaiveDate) -> &RateDay {
        let cutoff = day_number(day) - 2;
        self.days
            .iter()
            .find(|d| {
                let n = day_number(d.date);
                n <= cutoff && (n + 5) % 7 == 1
            })
            .or(self.days.last())
            .expect("parse_rates refuses an empty history")
    }
}

fn bind(seed: &str, input: &[u8]) -> Result<Box<dyn Generator>, InputError> {
    let index = seed
        .trim()
        .strip_prefix("config")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < CONFIGS.len())
        .ok_or_else(|| crate::SeedError::expected(FAMILY.family.seed_form))?;
    let history = parse_rates(input)?;
    if history.days.iter().all(|d| d.currencies.is_empty()) {
        return Err(InputError::missing("currency rates on any day"));
    }
    Ok(Box::new(Bedep {
        config: &CONFIGS[index],
        history,
    }))
}

struct Bedep {
    config: &'static Config,
    history: RateHistory,
}

impl Generator for Bedep {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let rate_day = self.history.rate_day(epoch);
        let cap = self.config.max_currencies.min(rate_day.currencies.len());
        let currencies = &rate_day.currencies[..cap];
        if currencies.is_empty() {
            return;
        }
        let days = day_number(rate_day.date) as u32;
        let Some((prime, order, generator)) = self.subgroup(days, currencies) else {
            return;
        };
        let base = pow_mod(generator, (prime - 1) / order, prime);
        let namer = Namer::new(self.config.key, days, currencies);
        let mut seed = 1u32;
        for _ in 1..order {
            seed = mul_mod(seed, base, prime);
            out.push(namer.name(seed));
        }
    }
}

impl Bedep {
    /// The prime, the subgroup order and the primitive root the day's
    /// selector picks from the config's table.
    fn subgroup(&self, days: u32, currencies: &[Currency]) -> Option<(u32, u32, u32)> {
        let config = self.config;
        let first = &currencies[0];
        let low = first.rate_bits() as u32;
        let mixer = (days ^ low).wrapping_add(0x1c ^ first.code_word);
        let mut selector = 0x16u32.wrapping_add(config.key ^ days);
        for _ in currencies {
            selector = config.key ^ mixer.wrapping_add(0x1a43_ba27u32.wrapping_mul(selector));
        }
        let candidates = self.candidates();
        if candidates.is_empty() {
            return None;
        }
        let (entry, order) = candidates[selector as usize % candidates.len()];
        let table = config.table;
        let prime =
            0x0066_3d81u32.wrapping_mul(*table.get(entry * config.width)?) ^ config.prime_key;
        let count = self.count(entry)?;
        let factors: Vec<u32> = self.decoded(entry).take(count as usize).collect();
        if prime < 3 || factors.len() < count as usize {
            return None;
        }
        let generator = primitive_root(prime, count, &factors)?;
        Some((prime, order, generator))
    }

    /// The number of factors entry `entry` lists.
    fn count(&self, entry: usize) -> Option<u32> {
        let word = self.config.table.get(entry * self.config.width + 1)?;
        Some(0x281u32.wrapping_mul(*word) ^ self.config.count_key)
    }

    /// The factors of entry `entry`, decoded; they may run on into the next
    /// entries, as in the malware.
    fn decoded(&self, entry: usize) -> impl Iterator<Item = u32> + '_ {
        let config = self.config;
        config.table[(entry * config.width + 2).min(config.table.len())..]
            .iter()
            .map(move |w| {
                (0x0066_3d81u32.wrapping_mul(*w) ^ config.count_key).wrapping_sub(entry as u32)
            })
    }

    /// Every (entry, small prime factor of 23 to 29) pair in the table, in
    /// table order, at most [`MAX_CANDIDATES`].
    fn candidates(&self) -> Vec<(usize, u32)> {
        let entries = self.config.table.len() / self.config.width;
        let mut out = Vec::new();
        for entry in 0..entries {
            let Some(count) = self.count(entry) else {
                break;
            };
            for factor in self.decoded(entry).take(count as usize) {
                if ORDERS.contains(&factor) {
                    if out.len() >= MAX_CANDIDATES {
                        break;
                    }
                    out.push((entry, factor));
                }
            }
        }
        out
    }
}

/// The malware's primitive-root search: the smallest g from 2 with
/// g^((p-1)/2) != 1 and g^((p-1)/f) != 1 for the listed factors f. Its quirk:
/// one budget of `count` factor trials is shared by every candidate g, and
/// running out of it accepts the current candidate.
fn primitive_root(prime: u32, count: u32, factors: &[u32]) -> Option<u32> {
    let half = prime >> 1;
    let mut budget = i64::from(count);
    let mut candidate = 2u32;
    while half >= 2 && candidate <= half {
        let mut power = pow_mod(candidate, (prime - 1) >> 1, prime);
        let mut next_factor = factors.iter();
        while power != 1 {
            budget -= 1;
            if budget < 0 {
                return Some(candidate);
            }
            let factor = *next_factor.next()?;
            if factor == 0 {
                return None;
            }
            power = pow_mod(candidate, (prime - 1) / factor, prime);
        }
        candidate += 1;
    }
    None
}

fn mul_mod(a: u32, b: u32, m: u32) -> u32 {
    (u64::from(a) * u64::from(b) % u64::from(m)) as u32
}

fn pow_mod(base: u32, mut exponent: u32, modulus: u32) -> u32 {
    let mut result = 1 % modulus;
    let mut base = base % modulus;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = mul_mod(result, base, modulus);
        }
        base = mul_mod(base, base, modulus);
        exponent >>= 1;
    }
    result
}

/// Turns seeds into names for one day's currencies.
struct Namer<'a> {
    key: u32,
    currencies: &'a [Currency],
    /// Fixed per day: the stride through the currencies and the length mixer.
    stride: u32,
    /// Fixed per day: mixed into every character.
    day_mix: u64,
}

impl<'a> Namer<'a> {
    fn new(key: u32, days: u32, currencies: &'a [Currency]) -> Namer<'a> {
        let first = &currencies[0];
        let bits = first.rate_bits();
        let offset = (key ^ first.code_word).wrapping_sub((bits >> 32) as u32);
        let spread = MIN_LENGTH.wrapping_add(days.wrapping_mul(bits as u32));
        let mut stride = MAX_LENGTH.wrapping_mul(days);
        for _ in currencies {
            stride = spread ^ offset.wrapping_add(0x19d65u32.wrapping_mul(key ^ stride));
        }
        Namer {
            key,
            currencies,
            stride,
            day_mix: 0x283u64.wrapping_mul(u64::from(days)),
        }
    }

    fn name(&self, seed: u32) -> String {
        let length = MIN_LENGTH + (seed ^ self.stride) % (MAX_LENGTH - MIN_LENGTH + 1);
        let mut name = String::with_capacity(length as usize + 4);
        let mut state = seed;
        let mut current = 0usize;
        for remaining in (0..length).rev() {
            let currency = &self.currencies[current];
            let name_mix = 0x6e93_d938_959d_4fd8u64.wrapping_mul(
                u64::from(self.key)
                    .wrapping_add(u64::from(MIN_LENGTH) * u64::from(currency.code_word)),
            );
            let mixed = 0x17a8_7709_884e_d9f3u64
                .wrapping_mul(u64::from(MAX_LENGTH).wrapping_add(currency.rate_bits()))
                .wrapping_add(name_mix);
            let value = (self.day_mix ^ (mixed >> 17).wrapping_sub(u64::from(state))) as u32;
            // The last two characters may be digits too.
            let alphabet = if remaining <= 1 { 36 } else { 26 };
            let index = (value % alphabet) as u8;
            name.push(if index < 26 {
                char::from(b'a' + index)
            } else {
                char::from(b'0' + index - 26)
            });
            // The malware finds the current currency by its code, so a code
            // listed twice restarts from its first place.
            let position = self
                .currencies
                .iter()
                .position(|c| c.code == currency.code)
                .unwrap_or(current);
            current = ((position as u64 + u64::from(self.stride)) % self.currencies.len() as u64)
                as usize;
            state = remaining ^ state.rotate_right(7);
        }
        name.push_str(".com");
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One config's block of an Arbor run log: the day the malware ran (the
    /// logged cutoff plus two) and the names it listed.
    struct LoggedRun {
        config: String,
        day: NaiveDate,
        names: Vec<String>,
    }

    fn read_log(name: &str) -> Vec<LoggedRun> {
        let path = format!(
            "{}/../../test-data/bedep/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut runs: Vec<LoggedRun> = Vec::new();
        let mut listing = false;
        for line in text.lines() {
            if line.starts_with("config") {
                runs.push(LoggedRun {
                    config: line.trim().to_owned(),
                    day: NaiveDate::MIN,
                    names: Vec::new(),
                });
                listing = false;
            } else if let Some(rest) = line.trim().strip_prefix("three days ago: ") {
                let number: i64 = rest
                    .split(['(', ')'])
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .expect("day number");
                let run = runs.last_mut().expect("config line first");
                let ordinal = i32::try_from(number + 2 - 365).expect("ordinal");
                run.day = NaiveDate::from_num_days_from_ce_opt(ordinal).expect("day");
            } else if line.starts_with('\t') && line.trim().ends_with("domains:") {
                listing = true;
            } else if listing && line.starts_with("\t\t") {
                let run = runs.last_mut().expect("config line first");
                run.names.push(line.trim().to_owned());
            }
        }
        runs
    }

    fn input(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../test-data/bedep/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn check_log(stem: &str, configs: usize) {
        let runs = read_log(&format!("{stem}.output"));
        assert_eq!(runs.len(), configs, "{stem}: configs in the log");
        let xml = input(&format!("{stem}.xml"));
        for run in runs {
            let generator = FAMILY.bind(&run.config, &xml).expect("binds");
            let mut got = Vec::new();
            generator.generate(run.day, &mut got);
            let mut expected = run.names.clone();
            assert!(
                expected.len() == 22 || expected.len() == 28,
                "{stem} {}",
                run.config
            );
            expected.sort();
            let mut sorted = got.clone();
            sorted.sort();
            assert_eq!(sorted, expected, "{stem} {} on {}", run.config, run.day);
        }
    }

    #[test]
    fn matches_arbor_log_2015_04_07_configs_0_1() {
        check_log("2015_4_7", 2);
    }

    #[test]
    fn matches_arbor_log_2015_04_24_configs_0_to_2() {
        check_log("2015_4_24", 3);
    }

    #[test]
    fn matches_arbor_log_2015_10_26_configs_0_to_5() {
        check_log("2015_10_26", 6);
    }

    #[test]
    fn matches_arbor_log_2015_11_18_configs_0_to_6() {
        check_log("2015_11_18", 7);
    }

    /// An ECB file with the given dates, each with `currencies` made-up
    /// currencies whose rates are `base + k / 100`.
    fn synthetic(dates: &[&str], currencies: usize, base: u32) -> Vec<u8> {
        let mut xml = String::from(
            "<gesmes:Envelope xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\" \
             xmlns=\"http://www.ecb.int/vocabulary/2002-08-01/eurofxref\"><Cube>",
        );
        for date in dates {
            xml.push_str(&format!("<Cube time=\"{date}\">"));
            for k in 0..currencies {
                let code = format!(
                    "{}{}{}",
                    (b'A' + (k / 26) as u8) as char,
                    (b'A' + (k % 26) as u8) as char,
                    'X'
                );
                xml.push_str(&format!(
                    "<Cube currency=\"{code}\" rate=\"{base}.{k:02}\"/>"
                ));
            }
            xml.push_str("</Cube>");
        }
        xml.push_str("</Cube></gesmes:Envelope>");
        xml.into_bytes()
    }

    fn names(config: &str, xml: &[u8], day: &str) -> Vec<String> {
        let generator = FAMILY.bind(config, xml).expect("binds");
        let mut out = Vec::new();
        generator.generate(day.parse().expect("day"), &mut out);
        out
    }

    #[test]
    fn currencies_past_the_cap_are_ignored() {
        // 40 currencies against 50: config2 reads at most 36 and sees the
        // same list in both; config0 reads up to 48 and does not.
        let short = synthetic(&["2015-04-07"], 40, 1);
        let long = synthetic(&["2015-04-07"], 50, 1);
        assert_eq!(
            names("config2", &short, "2015-04-10"),
            names("config2", &long, "2015-04-10")
        );
        assert_ne!(
            names("config0", &short, "2015-04-10"),
            names("config0", &long, "2015-04-10")
        );
        assert_ne!(
            names("config0", &long, "2015-04-10"),
            names("config1", &long, "2015-04-10")
        );
    }

    #[test]
    fn the_rate_date_is_the_last_tuesday_two_days_back_or_the_oldest() {
        let xml = synthetic(
            &[
                "2015-04-15",
                "2015-04-14",
                "2015-04-08",
                "2015-04-07",
                "2015-04-06",
            ],
            3,
            1,
        );
        let history = parse_rates(&xml).expect("parses");
        let day = |s: &str| s.parse::<NaiveDate>().expect("day");
        // 2015-04-16: cutoff 04-14, a Tuesday.
        assert_eq!(history.rate_day(day("2015-04-16")).date, day("2015-04-14"));
        // 2015-04-15: cutoff 04-13; the Tuesday before is 04-07.
        assert_eq!(history.rate_day(day("2015-04-15")).date, day("2015-04-07"));
        // Before any Tuesday in the file: the malware ends on the oldest date.
        assert_eq!(history.rate_day(day("2015-04-01")).date, day("2015-04-06"));
    }

    #[test]
    fn malformed_files_are_refused_with_a_reason() {
        let good = synthetic(&["2015-04-07"], 3, 1);
        let cut = &good[..good.len() / 2];
        for (bad, expected) in [
            (cut.to_vec(), "not a well-formed XML"),
            (
                b"<html><p>maintenance</p></html>".to_vec(),
                "no ECB rate cube",
            ),
            (
                String::from_utf8(good.clone())
                    .expect("utf-8")
                    .replace("1.01", "1,01")
                    .into_bytes(),
                "not a decimal number",
            ),
            (
                String::from_utf8(good.clone())
                    .expect("utf-8")
                    .replace("2015-04-07", "07/04/2015")
                    .into_bytes(),
                "not a date",
            ),
        ] {
            let error = FAMILY.bind("config0", &bad).err().expect("refused");
            assert!(error.to_string().contains(expected), "{error}");
        }
        assert!(FAMILY.bind("config7", &good).is_err());
    }

    #[test]
    fn day_numbers_match_arbor_logs() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(day_number(d("2015-04-07")), 736_060);
        assert_eq!(day_number(d("2015-10-20")), 736_256);
        assert_eq!(day_number(d("2015-04-21")), 736_074);
    }

    #[test]
    fn atof_is_the_malware_s_not_rust_s() {
        assert_eq!(malware_atof("1.0847"), Some(847.0 / 10000.0 + 1.0));
        assert_eq!(malware_atof("130.33"), Some(33.0 / 100.0 + 130.0));
        assert_eq!(malware_atof("7"), Some(7.0));
        // Rates of Arbor's logs where the two-step sum is one bit off the
        // correctly rounded value; the names depend on that bit.
        for (text, bits) in [
            ("1.4788", 0x3ff7_a92a_3055_3262),
            ("1.6664", 0x3ffa_a993_0be0_ded2),
        ] {
            let parsed = malware_atof(text).expect("number");
            assert_ne!(Some(parsed), text.parse::<f64>().ok(), "{text}");
            assert_eq!(parsed.to_bits(), bits, "{text}");
        }
        for bad in ["", "1.", ".5", "1.2.3", "-1.0", "1e5", "NaN", "1,5"] {
            assert_eq!(malware_atof(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn primitive_roots_of_small_primes() {
        // 23 - 1 = 2 * 11: 5 is the smallest primitive root.
        assert_eq!(primitive_root(23, 1, &[11]), Some(5));
        // The budget of one trial runs out on the second candidate.
        assert_eq!(primitive_root(7, 1, &[3]), Some(3));
    }
}

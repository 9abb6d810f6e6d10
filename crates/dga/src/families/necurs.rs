//! Necurs, the rootkit and spam botnet (2012-2020) that also distributed
//! Dridex and Locky.
//!
//! Johannes Bader described its third (C2) DGA in "The DGAs of Necurs" (2015,
//! <https://johannesbader.ch/2015/02/the-dgas-of-necurs/>), building on Peter
//! Ferrie's "The Curse of Necurs". A 64-bit mixing function (repeat
//! `(v & 0x7F) + 21` times: `v += ((7v) ^ (v << 15)) + 8i - (v >> 5)`) is
//! chained over the year, the month (plus 43690), `day >> 2`, the sequence
//! number 0..2048 and a per-build magic number; the result picks the length
//! (7 to 21), then each letter (`a` to `y`) and finally one of 43 TLDs. The
//! date enters as `day >> 2`, so an epoch is days 1-3, 4-7, 8-11, ..., 28-end
//! of a month (UTC; the malware takes its time from NTP).
//!
//! The seed is the magic number (decimal, or hex with `0x`). Public write-ups
//! and reimplementations (Bader; the DGA collections of HPE and others that
//! follow him) show only the magic number 9; no other value has been
//! published with evidence, so 9 is the only seed listed. Any other 64-bit
//! value can be given with `--seed`.
//!
//! Speed: one epoch costs about 5.2 million rounds of the mixing function
//! (about 1.25 s in Bader's Python). The names are generated side by side:
//! before each call of the mixing function the lanes are sorted by their
//! round count, and each round is applied to the prefix of lanes that still
//! need it, a loop over independent values that the compiler vectorises,
//! instead of one long dependency chain per name. The window is also split
//! over up to four threads. Measured on a shared 2-core AMD EPYC with the
//! default (SSE2) target: about 2.4 ms of CPU time per window, so about
//! 1.2 ms of wall time on two idle cores; the < 1 ms goal needs a third
//! core or AVX2 (in a micro-benchmark of the round loop, building for
//! `x86-64-v3` halved its time).
//!
//! Tested against Bader's `example_domains.txt` (magic 9; the date is not
//! recorded there and was found to be the epoch starting 2015-08-28) and
//! against the six names of the example traffic in his write-up (magic 9,
//! found in the epoch starting 2015-02-16, sequence numbers pinned).

use chrono::{Datelike, Months, NaiveDate};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per epoch.
const COUNT: usize = 2048;

/// Longest second-level label: `n % 15 + 7`.
const MAX_LENGTH: usize = 21;

const TLDS: &[&str] = &[
    "tj", "in", "jp", "tw", "ac", "cm", "la", "mn", "so", "sh", "sc", "nu", "nf", "mu", "ms", "mx",
    "ki", "im", "cx", "cc", "tv", "bz", "me", "eu", "de", "ru", "co", "su", "pw", "kz", "sx", "us",
    "ug", "ir", "to", "ga", "com", "net", "org", "biz", "xxx", "pro", "bit",
];

/// The Necurs family.
pub static FAMILY: Family = Family {
    name: "necurs",
    aliases: &[],
    summary: "Necurs botnet: 2048 names every quarter month from a 64-bit mixing function",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "9",
        value: "9",
        note: "magic number of the sample in Bader's write-up (2015)",
    }],
    seed_form: "the magic number, a 64-bit integer in decimal or 0x-prefixed hex, e.g. 9",
    schedule: Schedule::Custom {
        rule: "days 1-3, 4-7, 8-11, 12-15, 16-19, 20-23, 24-27 and 28-end of each month (UTC)",
        epoch: quarter_month,
    },
    lookback: 0,
    names_per_window: "2048",
    tlds: TLDS,
    references: &["https://johannesbader.ch/2015/02/the-dgas-of-necurs/"],
    bind,
};

/// The epoch holding `day`: the days of its month sharing `day >> 2`.
fn quarter_month(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let quarter = day.day() >> 2;
    let start = day.with_day((quarter << 2).max(1)).unwrap_or(day);
    let end = if quarter == 7 {
        day.with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
    } else {
        day.with_day((quarter + 1) << 2)
    };
    (start, end.unwrap_or(start))
}

struct Necurs {
    magic: u64,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let raw = raw.trim();
    let magic = match raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => raw.parse::<u64>(),
    }
    .map_err(|_| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(Necurs { magic }))
}

/// One round of the mixing function.
#[inline(always)]
fn round(value: u64, index: u64) -> u64 {
    let spread = value.wrapping_mul(7) ^ (value << 15);
    value.wrapping_add(
        spread
            .wrapping_add(index.wrapping_mul(8))
            .wrapping_sub(value >> 5),
    )
}

/// How many rounds the mixing function runs for `value`.
#[inline(always)]
fn rounds(value: u64) -> usize {
    (value & 0x7F) as usize + 21
}

/// The mixing function, on one value.
fn mix(mut value: u64) -> u64 {
    for index in 0..rounds(value) as u64 {
        value = round(value, index);
    }
    value
}

/// Most rounds the mixing function can run.
const MAX_ROUNDS: usize = 0x7F + 21;

/// Buffers for [`mix_all`], reused across calls.
#[derive(Default)]
struct Scratch {
    values: Vec<u64>,
    lanes: Vec<u16>,
}

/// Applies the mixing function to every value in `values`; `lanes` says
/// which name each value belongs to and is permuted along with it.
///
/// The values are first sorted by round count, most first (a counting
/// sort); round `i` is then applied to the prefix of values that still need
/// it, a tight loop over contiguous independent values that the compiler
/// vectorises.
fn mix_all(values: &mut Vec<u64>, lanes: &mut Vec<u16>, scratch: &mut Scratch) {
    let mut with_rounds = [0usize; MAX_ROUNDS + 1];
    for &value in values.iter() {
        with_rounds[rounds(value)] += 1;
    }
    // Start of each round count's run in the sorted order (descending).
    let mut starts = [0usize; MAX_ROUNDS + 1];
    let mut total = 0;
    for count in (0..=MAX_ROUNDS).rev() {
        starts[count] = total;
        total += with_rounds[count];
    }
    scratch.values.clear();
    scratch.values.resize(values.len(), 0);
    scratch.lanes.clear();
    scratch.lanes.resize(values.len(), 0);
    for (&value, &lane) in values.iter().zip(lanes.iter()) {
        let slot = &mut starts[rounds(value)];
        scratch.values[*slot] = value;
        scratch.lanes[*slot] = lane;
        *slot += 1;
    }
    std::mem::swap(values, &mut scratch.values);
    std::mem::swap(lanes, &mut scratch.lanes);

    let mut active = values.len();
    for (index, &finished) in with_rounds.iter().enumerate() {
        // Values needing exactly `index` rounds are done before round `index`.
        active -= finished;
        if active == 0 {
            break;
        }
        for value in values[..active].iter_mut() {
            *value = round(*value, index as u64);
        }
    }
}

/// Names below this many per thread are not worth a thread of their own.
const MIN_PER_THREAD: usize = 512;

impl Necurs {
    /// Appends the names with sequence numbers `first..first + count`, whose
    /// chains start from `base` (the date already mixed in).
    // `position` is a letter's place in every name at once, not an index
    // into one sequence.
    #[allow(clippy::needless_range_loop)]
    fn spell(&self, base: u64, first: usize, count: usize, out: &mut Vec<String>) {
        let mut scratch = Scratch::default();
        let mut values: Vec<u64> = (first..first + count)
            .map(|n| base.wrapping_add(n as u64))
            .collect();
        // `lanes[k]` is the name (counted from `first`) whose state is
        // `values[k]`; names leave once spelt.
        let mut lanes: Vec<u16> = (0..count as u16).collect();
        mix_all(&mut values, &mut lanes, &mut scratch);
        for value in values.iter_mut() {
            *value = value.wrapping_add(self.magic);
        }
        mix_all(&mut values, &mut lanes, &mut scratch);

        let mut lengths = vec![0usize; count];
        for (&lane, &value) in lanes.iter().zip(&values) {
            lengths[usize::from(lane)] = (value % 15) as usize + 7;
        }
        let mut letters = vec![[0u8; MAX_LENGTH]; count];
        let mut tld = vec![0usize; count];
        for position in 0..MAX_LENGTH {
            for value in values.iter_mut() {
                *value = value.wrapping_add(position as u64);
            }
            mix_all(&mut values, &mut lanes, &mut scratch);
            for (&lane, value) in lanes.iter().zip(values.iter_mut()) {
                letters[usize::from(lane)][position] = b'a' + (*value % 25) as u8;
                *value = value.wrapping_add(0xAB_BEDF);
            }
            mix_all(&mut values, &mut lanes, &mut scratch);
            // Names of this length are complete: take their TLD and drop
            // them from the lanes.
            let mut kept = 0;
            for k in 0..lanes.len() {
                let (lane, value) = (lanes[k], values[k]);
                if lengths[usize::from(lane)] == position + 1 {
                    tld[usize::from(lane)] = (value % TLDS.len() as u64) as usize;
                } else {
                    lanes[kept] = lane;
                    values[kept] = value;
                    kept += 1;
                }
            }
            lanes.truncate(kept);
            values.truncate(kept);
            if lanes.is_empty() {
                break;
            }
        }

        out.reserve(count);
        for ((name, &length), &tld) in letters.iter().zip(&lengths).zip(&tld) {
            let suffix = TLDS.get(tld).copied().unwrap_or("com");
            let mut domain = String::with_capacity(length + 1 + suffix.len());
            domain.extend(name[..length].iter().map(|&c| char::from(c)));
            domain.push('.');
            domain.push_str(suffix);
            out.push(domain);
        }
    }
}

impl Generator for Necurs {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let year = u64::from(epoch.year().unsigned_abs());
        let mut base = mix(year);
        base = mix(base.wrapping_add(u64::from(epoch.month()) + 43690));
        base = mix(base.wrapping_add(u64::from(epoch.day() >> 2)));

        // The names are independent, so the window is split over the cores:
        // the mixing function leaves nothing else to save.
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, COUNT / MIN_PER_THREAD);
        if threads == 1 {
            self.spell(base, 0, COUNT, out);
            return;
        }
        let share = COUNT.div_ceil(threads);
        let parts: Vec<Vec<String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..COUNT)
                .step_by(share)
                .skip(1)
                .map(|first| {
                    let count = share.min(COUNT - first);
                    let handle = scope.spawn(move || {
                        let mut part = Vec::new();
                        self.spell(base, first, count, &mut part);
                        part
                    });
                    (first, count, handle)
                })
                .collect();
            let mut first_part = Vec::new();
            self.spell(base, 0, share, &mut first_part);
            let mut parts = vec![first_part];
            for (first, count, handle) in handles {
                // A worker cannot panic short of a bug; should one, its share
                // is computed again here rather than lost.
                parts.push(handle.join().unwrap_or_else(|_| {
                    let mut part = Vec::new();
                    self.spell(base, first, count, &mut part);
                    part
                }));
            }
            parts
        });
        out.reserve(COUNT);
        for part in parts {
            out.extend(part);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    /// The algorithm one name at a time, as the malware runs it.
    fn name_one_by_one(epoch: NaiveDate, number: u64, magic: u64) -> String {
        let mut n = mix(u64::from(epoch.year().unsigned_abs()));
        n = mix(n.wrapping_add(u64::from(epoch.month()) + 43690));
        n = mix(n.wrapping_add(u64::from(epoch.day() >> 2)));
        n = mix(n.wrapping_add(number));
        n = mix(n.wrapping_add(magic));
        let length = n % 15 + 7;
        let mut name = String::new();
        for i in 0..length {
            n = mix(n.wrapping_add(i));
            name.push(char::from(b'a' + (n % 25) as u8));
            n = mix(n.wrapping_add(0xAB_BEDF));
        }
        format!("{name}.{}", TLDS[(n % 43) as usize])
    }

    #[test]
    fn matches_bader_example_domains() {
        // The file does not record its date; it is the epoch 2015-08-28..31.
        assert_names(
            &FAMILY,
            "9",
            Some("2015-08-29"),
            &reference("necurs/example_domains.txt"),
        );
    }

    #[test]
    fn matches_the_traffic_in_bader_write_up() {
        // The write-up's capture is undated; its names are those of the
        // epoch 2015-02-16..19 at the pinned sequence numbers.
        let window = names(&FAMILY, "9", Some("2015-02-16"));
        for line in reference("necurs/bader_writeup_traffic.txt") {
            let (number, name) = line.split_once(' ').expect("number and name");
            let number: usize = number.parse().expect("sequence number");
            assert_eq!(window[number], name, "sequence number {number}");
        }
    }

    #[test]
    fn lock_step_agrees_with_one_by_one() {
        for (day, magic) in [
            ("2016-02-01", 9),
            ("2019-12-30", 0),
            ("2024-02-28", 123_456),
        ] {
            let generator = bind(&magic.to_string()).expect("seed");
            let mut got = Vec::new();
            generator.generate(d(day), &mut got);
            let expected: Vec<String> = (0..COUNT as u64)
                .map(|n| name_one_by_one(d(day), n, magic))
                .collect();
            assert_eq!(got, expected, "{day} magic {magic}");
        }
    }

    #[test]
    fn epochs_are_quarter_months() {
        assert_eq!(
            quarter_month(d("2015-08-01")),
            (d("2015-08-01"), d("2015-08-04"))
        );
        assert_eq!(
            quarter_month(d("2015-08-07")),
            (d("2015-08-04"), d("2015-08-08"))
        );
        assert_eq!(
            quarter_month(d("2015-08-31")),
            (d("2015-08-28"), d("2015-09-01"))
        );
        assert_eq!(
            quarter_month(d("2015-02-28")),
            (d("2015-02-28"), d("2015-03-01"))
        );
    }

    #[test]
    fn refuses_magic_numbers_that_are_not_64_bit_integers() {
        for bad in ["", "nine", "0x", "-1", "18446744073709551616"] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn epochs_tile_the_calendar() {
        // Every day lies in its epoch, and the epochs tile the calendar.
        let mut day = d("2015-01-01");
        while day < d("2017-01-01") {
            let (start, end) = quarter_month(day);
            assert!(start <= day && day < end, "{day}: {start}..{end}");
            assert_eq!(quarter_month(start), (start, end), "{day}");
            assert_eq!(quarter_month(end).0, end, "{day}");
            day = day.succ_opt().expect("next day");
        }
    }
}

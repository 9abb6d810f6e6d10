//! QSnatch (Derek), malware of QNAP NAS devices seen from 2014, in its two
//! DGA versions.
//!
//! Described by the Finnish NCSC ("QSnatch – malware designed for QNAP NAS
//! devices", 2019, <https://www.kyberturvallisuuskeskus.fi/en/news/qsnatch-malware-designed-qnap-nas-devices>)
//! and by Johannes Bader, "The DGA of QSnatch" (2019,
//! <https://johannesbader.ch/blog/the-dga-of-qsnatch/>). A name's label is a
//! prefix of the lower-cased base64 of SHA-1(`"{n}{seed}{tld}\n"`), with `+`
//! and `/` mapped to `b` and `c`, where `n` is the unix time divided by an
//! interval and the seed is a string embedded in the script (`IbjGOEgnuD`).
//!
//! - Version A uses six intervals (15 days, 5 days, 1 day, 8, 2 and 1
//!   hours) and for each three label lengths (5, 3, 4; one more for com,
//!   net and org) over 145 TLDs: 2610 names at any instant.
//! - Version B uses the 15-day interval only and labels of 6 to 10
//!   characters over 30 TLDs: 150 names.
//!
//! All intervals are aligned to the unix epoch, so every 15-day interval
//! holds whole 5- and 1-day ones and every day whole 8-, 2- and 1-hour ones.
//!
//! Windows. Version B's epochs are its 15-day intervals (counted from
//! 1970-01-01), and its names change with each. Version A's epochs are
//! hours (UTC): an epoch yields the 2610 names the malware generates during
//! that hour, in its order (interval by interval, longest first; each in
//! the order of lengths and TLDs), so that a name is predicted for exactly
//! the instants it is tried. The names of the longer intervals recur in
//! the epochs of every hour they span; [`Generator::spread_days`] (15, the
//! longest interval) lets the engine join those back-to-back hours into one
//! window, so a name of the 5-day interval, say, is predicted once with a
//! window of those five days.
//!
//! The raw seed is `VERSION:SEED`, e.g. `a:IbjGOEgnuD`. The TLD tables are
//! in `data/qsnatch/`. Version A's table has `.com.bn` with a leading dot,
//! so its names end in `..com.bn`, which is not a valid DNS name; Bader's
//! reference output has them, so they are kept for bit-exactness, but a
//! consumer building zones must expect them.
//!
//! Tested against Bader's two example lists (version A at the instant
//! 2019-11-11 23:00 UTC, version B in the 15-day period from 2019-11-10).
//! Known limitation: a label of one interval may by chance equal one of
//! another interval or length (5-letter labels of different keys, say);
//! such a name is in use whenever either is, and its windows are joined
//! like any other. Exactness to the hour has a cost: the engine sees 2610
//! names for each hour and keeps every joined window of the range until it
//! sorts them, so a year of version A (6.4 million windows) took about 5 s
//! of CPU and 700 MB when measured (release build), against about 1 s for
//! the former day-long epochs.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use sha1::{Digest, Sha1};

use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::{day_number, Schedule};

const TLDS_A: &str = include_str!("../../data/qsnatch/tlds_a.txt");
const TLDS_B: &str = include_str!("../../data/qsnatch/tlds_b.txt");

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Version A's intervals in seconds, in the malware's order.
const INTERVALS_A: [i64; 6] = [15 * DAY, 5 * DAY, DAY, 8 * HOUR, 2 * HOUR, HOUR];

/// Version A's base label lengths, in the malware's order.
const LENGTHS_A: [usize; 3] = [5, 3, 4];

/// The one interval of version B.
const INTERVAL_B: i64 = 15 * DAY;

/// Version A's epochs: its shortest interval, one hour.
const SCHEDULE_A: Schedule = Schedule::Period {
    seconds: HOUR,
    anchor: 0,
};

/// Version B's epochs: its 15-day interval, counted from 1970-01-01.
const SCHEDULE_B: Schedule = Schedule::Days {
    days: 15,
    anchor: 0,
};

/// The QSnatch family.
pub static FAMILY: Family = Family {
    name: "qsnatch",
    aliases: &["derek"],
    summary: "QSnatch QNAP malware: base64 of SHA-1 over time intervals, seed and TLD",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "a",
            value: "a:IbjGOEgnuD",
            note: "version A, NCSC-FI report and Bader's write-up (2019)",
        },
        SeedInfo {
            name: "b",
            value: "b:IbjGOEgnuD",
            note: "version B, Bader's write-up (2019)",
        },
    ],
    seed_form: "VERSION:SEED: version `a` or `b` and the script's seed string \
                (printable ASCII, no colon), e.g. a:IbjGOEgnuD",
    // Version A's; version B's seeds have 15-day epochs.
    schedule: SCHEDULE_A,
    lookback: 0,
    names_per_window: "version A: 2610 an hour (of 6 intervals, 15 days to 1 hour); \
                       version B: 150 per 15 days",
    tlds: &[
        "cf", "tk", "com", "ml", "de", "rocks", "mx", "biz", "net", "cn", "ga", "gq", "org", "top",
        "nl", "men", "ws", "se", "info", "xyz", "today", "ru", "ec", "co", "ee", "rs", "com.sv",
        "com.cy", "co.zw", "kg", "com.ge", "tl", "name", "tw", "lv", "bs", "li", "ng", "ae", "bt",
        "tv", "pe", "uz", "me", "gy", "am", "kr", "by", "fr", "com.uy", "com.lb", "com.br", "vu",
        "hk", "in", "re", "ch", "af", "com.ps", "ug", "dz", "pro", "co.th", "sg", "cd", "so", "mo",
        "co.id", "co.il", "com.do", "ke", "cx", "ro", "id", "pm", "hm", "vg", "az", "com.eg", "bz",
        "su", "com.ar", "gg", "com.lr", "pa", "com.ve", "al", "fm", "to", "mu", "co.ck", "pk",
        "co.rs", "cw", "nr", "gd", "gl", "ac", "lk", "md", "fi", "sx", "lc", "es", "cc", "cm",
        "la", "co.za", "je", "cz", "jp", "ai", "pw", "bg", "nu", "ag", "bm", "eu", "com.my", "sc",
        "ax", "wf", "ly", "qa", "vn", "aq", "mobi", "com.tr", "com.ua", "com.py", "hk.org",
        "south.am", "com.kh", "co.zm", "ru.net", "com.km", "tt", "kn", "co.ls", "co.fk", "uy.com",
        "com.gu", "com.bn", "com.pf", "com.fj",
    ],
    references: &[
        "https://www.kyberturvallisuuskeskus.fi/en/news/qsnatch-malware-designed-qnap-nas-devices",
        "https://johannesbader.ch/blog/the-dga-of-qsnatch/",
    ],
    bind,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    A,
    B,
}

/// One TLD of a table and how many letters longer its labels are.
struct Tld {
    name: &'static str,
    extra: usize,
}

struct Qsnatch {
    version: Version,
    seed: String,
    tlds: Vec<Tld>,
    /// The labels of recently used keys, by interval and number: the hourly
    /// epochs of version A share the keys of their longer intervals.
    recent: Mutex<Vec<(i64, i64, Labels)>>,
}

/// The label prefixes of one key, one per TLD in table order.
type Labels = Arc<[[u8; MAX_LABEL]]>;

/// Keys whose labels are kept for reuse; an instant of version A needs six.
const RECENT_KEYS: usize = 16;

/// Parses a TLD table: one TLD a line, optionally followed by its extra
/// length; `#` starts a comment line.
fn parse_tlds(text: &'static str) -> Vec<Tld> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.split_whitespace();
            let name = fields.next().unwrap_or_default();
            let extra = fields.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            Tld { name, extra }
        })
        .collect()
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    Ok(Box::new(Qsnatch::new(raw)?))
}

/// Base64 with the malware's lower-casing and `+/` mapped to `bc`.
const ALPHABET: &[u8; 64] = b"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789bc";

/// The longest label either version takes from a digest.
const MAX_LABEL: usize = 12;

impl Qsnatch {
    fn new(raw: &str) -> Result<Qsnatch, SeedError> {
        let bad = || SeedError::expected(FAMILY.seed_form);
        let (version, seed) = raw.trim().split_once(':').ok_or_else(bad)?;
        let (version, tlds) = match version {
            "a" | "A" => (Version::A, TLDS_A),
            "b" | "B" => (Version::B, TLDS_B),
            _ => return Err(bad()),
        };
        let printable = seed.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if seed.is_empty() || seed.len() > 64 || !printable {
            return Err(bad());
        }
        Ok(Qsnatch {
            version,
            seed: seed.to_owned(),
            tlds: parse_tlds(tlds),
            recent: Mutex::new(Vec::with_capacity(RECENT_KEYS)),
        })
    }

    /// The first [`MAX_LABEL`] characters of the transformed base64 of the
    /// key for interval number `number` and each TLD, in table order.
    fn labels(&self, number: i64) -> Labels {
        let mut prefix = Sha1::new();
        prefix.update(number.to_string().as_bytes());
        prefix.update(self.seed.as_bytes());
        self.tlds
            .iter()
            .map(|tld| {
                let mut hasher = prefix.clone();
                hasher.update(tld.name.as_bytes());
                hasher.update(b"\n");
                let digest = hasher.finalize();
                let mut label = [0u8; MAX_LABEL];
                for (chunk, out) in digest.chunks_exact(3).zip(label.chunks_exact_mut(4)) {
                    let bits = (u32::from(chunk[0]) << 16)
                        | (u32::from(chunk[1]) << 8)
                        | u32::from(chunk[2]);
                    for (i, slot) in out.iter_mut().enumerate() {
                        let index = (bits >> (18 - 6 * i)) & 0x3F;
                        *slot = ALPHABET.get(index as usize).copied().unwrap_or(b'a');
                    }
                }
                label
            })
            .collect()
    }

    /// [`Qsnatch::labels`], from the cache when the key was used lately.
    fn cached_labels(&self, interval: i64, number: i64) -> Labels {
        // A poisoned lock only means another thread panicked mid-update of
        // a cache whose entries are always complete.
        let cached = {
            let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent
                .iter()
                .find(|(i, n, _)| (*i, *n) == (interval, number))
                .map(|(_, _, labels)| Arc::clone(labels))
        };
        if let Some(labels) = cached {
            return labels;
        }
        let labels = self.labels(number);
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= RECENT_KEYS {
            recent.remove(0);
        }
        recent.push((interval, number, Arc::clone(&labels)));
        labels
    }

    /// Appends the names of number `number` of `interval` in the malware's
    /// order.
    fn push_names(&self, interval: i64, number: i64, out: &mut Vec<String>) {
        let labels = self.cached_labels(interval, number);
        let name = |label: &[u8; MAX_LABEL], length: usize, tld: &str| {
            let mut name = String::with_capacity(length + 1 + tld.len());
            for &letter in label.iter().take(length) {
                name.push(char::from(letter));
            }
            name.push('.');
            name.push_str(tld);
            name
        };
        match self.version {
            Version::A => {
                for base in LENGTHS_A {
                    for (label, tld) in labels.iter().zip(&self.tlds) {
                        out.push(name(label, (base + tld.extra).max(3), tld.name));
                    }
                }
            }
            Version::B => {
                for (label, tld) in labels.iter().zip(&self.tlds) {
                    for length in 6..=10 {
                        out.push(name(label, length, tld.name));
                    }
                }
            }
        }
    }

    /// The names the malware generates at unix time `time`, in its order.
    fn names_at(&self, time: i64, out: &mut Vec<String>) {
        let intervals: &[i64] = match self.version {
            Version::A => &INTERVALS_A,
            Version::B => &[INTERVAL_B],
        };
        for &interval in intervals {
            self.push_names(interval, time.div_euclid(interval), out);
        }
    }
}

impl Generator for Qsnatch {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        self.names_at(day_number(epoch) * DAY, out);
    }

    fn generate_at(&self, at: DateTime<Utc>, out: &mut Vec<String>) {
        self.names_at(at.timestamp(), out);
    }

    fn generate_spans_at(
        &self,
        at: DateTime<Utc>,
        all: bool,
        out: &mut Vec<(String, DateTime<Utc>)>,
    ) -> bool {
        if !matches!(self.version, Version::A) {
            return false;
        }
        // Version A's hour holds the lists of six intervals, the longest
        // first; each list stays the same for its whole interval.
        let time = at.timestamp();
        let mut names = Vec::new();
        for interval in INTERVALS_A {
            if !all && time.rem_euclid(interval) != 0 {
                continue;
            }
            let number = time.div_euclid(interval);
            let end = (number + 1)
                .checked_mul(interval)
                .and_then(|end| DateTime::from_timestamp(end, 0))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            names.clear();
            self.push_names(interval, number, &mut names);
            out.extend(names.drain(..).map(|name| (name, end)));
        }
        true
    }

    fn spread_days(&self) -> u32 {
        match self.version {
            // A name of the 15-day interval is in use for 15 days.
            Version::A => 15,
            Version::B => 0,
        }
    }

    fn schedule(&self) -> Option<Schedule> {
        Some(match self.version {
            Version::A => SCHEDULE_A,
            Version::B => SCHEDULE_B,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};
    use chrono::NaiveDate;

    #[test]
    fn matches_bader_example_domains_a_at_its_instant() {
        // 2019-11-11 23:00 UTC.
        let mut got = Vec::new();
        Qsnatch::new("a:IbjGOEgnuD")
            .unwrap()
            .names_at(1_573_513_200, &mut got);
        assert_eq!(got, reference("qsnatch/example_domains_a.txt"));
    }

    #[test]
    fn matches_bader_example_domains_b() {
        assert_names(
            &FAMILY,
            "b:IbjGOEgnuD",
            Some("2019-11-11"),
            &reference("qsnatch/example_domains_b.txt"),
        );
    }

    #[test]
    fn version_a_epochs_are_hours_with_every_interval_of_that_hour() {
        let generator = Qsnatch::new("a:IbjGOEgnuD").unwrap();
        let start = 1_573_513_200; // 2019-11-11 23:00 UTC
        let at = |time: i64| {
            let mut names = Vec::new();
            generator.generate_at(DateTime::from_timestamp(time, 0).unwrap(), &mut names);
            names
        };
        let hour = at(start);
        assert_eq!(hour.len(), 6 * 3 * 145);
        assert_eq!(hour, at(start + HOUR - 1));
        let next: std::collections::HashSet<String> = at(start + HOUR).into_iter().collect();
        // 2019-11-12 00:00 starts a new day, 8- and 2-hour interval; the 15-
        // and 5-day intervals go on.
        let shared = hour.iter().filter(|n| next.contains(*n)).count();
        assert_eq!(shared, 2 * 3 * 145);
    }

    #[test]
    fn version_a_windows_span_their_interval() {
        let day: NaiveDate = "2019-11-11".parse().unwrap();
        let generator = Qsnatch::new("a:IbjGOEgnuD").unwrap();
        let mut windows: std::collections::HashMap<String, Vec<crate::Window>> =
            std::collections::HashMap::new();
        crate::predict(&FAMILY, &generator, day, day, |name, window| {
            windows.entry(name.to_owned()).or_default().push(window);
        })
        .unwrap();
        // Short labels of different keys collide now and then; such a name
        // gets one window per stretch of use, never two that touch.
        for (name, list) in &windows {
            let mut list = list.clone();
            list.sort();
            for pair in list.windows(2) {
                assert!(pair[0].to < pair[1].from, "{name}: {list:?}");
            }
        }
        let mut first = Vec::new();
        generator.names_at(day_number(day) * DAY, &mut first);
        // The first name of the 15-day, 5-day, 1-day, 8-, 2- and 1-hour
        // intervals at 00:00: each in use for its whole interval.
        for (k, interval) in INTERVALS_A.iter().enumerate() {
            let name = &first[k * 3 * 145];
            let start = crate::midnight(day).timestamp().div_euclid(*interval) * interval;
            let expected = crate::Window {
                from: DateTime::from_timestamp(start, 0),
                to: DateTime::from_timestamp(start + interval, 0),
            };
            assert_eq!(windows[name], [expected], "{name}");
        }
    }

    #[test]
    fn version_b_changes_every_fifteen_days() {
        let period = names(&FAMILY, "b:IbjGOEgnuD", Some("2019-11-10"));
        assert_eq!(period, names(&FAMILY, "b:IbjGOEgnuD", Some("2019-11-24")));
        assert_ne!(period, names(&FAMILY, "b:IbjGOEgnuD", Some("2019-11-25")));
    }

    #[test]
    fn tld_metadata_matches_the_tables() {
        let mut listed: Vec<&str> = FAMILY.tlds.to_vec();
        let mut tables: Vec<&str> = parse_tlds(TLDS_A)
            .iter()
            .chain(&parse_tlds(TLDS_B))
            .map(|t| t.name.trim_start_matches('.'))
            .collect();
        listed.sort_unstable();
        tables.sort_unstable();
        tables.dedup();
        assert_eq!(listed, tables);
        assert_eq!(parse_tlds(TLDS_A).len(), 145);
        assert_eq!(parse_tlds(TLDS_B).len(), 30);
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in [
            "",
            "IbjGOEgnuD",
            "c:IbjGOEgnuD",
            "a:",
            "a:two words",
            "a:x:y",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }

    /// The same seed without its spans, so the engine joins its names hour
    /// by hour.
    struct Hourly(Qsnatch);

    impl Generator for Hourly {
        fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
            self.0.generate(epoch, out);
        }

        fn generate_at(&self, at: DateTime<Utc>, out: &mut Vec<String>) {
            self.0.generate_at(at, out);
        }

        fn spread_days(&self) -> u32 {
            self.0.spread_days()
        }

        fn schedule(&self) -> Option<Schedule> {
            self.0.schedule()
        }
    }

    #[test]
    fn windows_joined_by_span_are_the_windows_joined_hour_by_hour() {
        let day = |s: &str| s.parse::<NaiveDate>().expect("date");
        let predicted = |generator: &dyn Generator| {
            let mut got = Vec::new();
            crate::predict(
                &FAMILY,
                generator,
                day("2019-11-10"),
                day("2019-11-12"),
                |name, window| got.push((name.to_owned(), window)),
            )
            .expect("range");
            got
        };
        let by_span = predicted(&Qsnatch::new("a:IbjGOEgnuD").expect("seed"));
        let hourly = predicted(&Hourly(Qsnatch::new("a:IbjGOEgnuD").expect("seed")));
        // Lists of every interval, the 15-day one spanning the whole range.
        let longest = by_span
            .iter()
            .filter_map(|(_, w)| Some(w.to? - w.from?))
            .max();
        assert_eq!(longest, Some(chrono::TimeDelta::days(15)));
        assert!(by_span.len() > 2610 * 3, "{}", by_span.len());
        assert_eq!(by_span, hourly);
    }
}

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
//! All intervals are aligned to the unix epoch, so every day (UTC) lies in
//! one 15-, 5- and 1-day interval and holds whole 8-, 2- and 1-hour ones.
//! A window is one day: an epoch holds every name the malware generates at
//! some time of that day (version A: 42 keys, 18270 names; names of the
//! longer intervals recur in the epochs of each of their days). Within an
//! epoch, names come interval by interval, each interval's keys in time
//! order, each key in the malware's order of lengths and TLDs, so the names
//! of any one instant are a run of the malware's own sequence.
//!
//! The raw seed is `VERSION:SEED`, e.g. `a:IbjGOEgnuD`. The TLD tables are
//! in `data/qsnatch/`. Version A's table has `.com.bn` with a leading dot,
//! so its names end in `..com.bn`, which is not a valid DNS name; Bader's
//! reference output has them, so they are kept for bit-exactness, but a
//! consumer building zones must expect them.
//!
//! Tested against Bader's two example lists (version A at the instant
//! 2019-11-11 23:00 UTC, version B in the 15-day period from 2019-11-10).

use chrono::NaiveDate;
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
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "version A: 18270 a day (2610 at any instant); version B: 150",
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
}

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
        })
    }

    /// The first [`MAX_LABEL`] characters of the transformed base64 of the
    /// key for interval number `number` and each TLD, in table order.
    fn labels(&self, number: i64) -> Vec<[u8; MAX_LABEL]> {
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

    /// Appends the names of interval number `number` in the malware's order.
    fn push_names(&self, number: i64, out: &mut Vec<String>) {
        let labels = self.labels(number);
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

    /// The names the malware generates at unix time `time`.
    #[cfg(test)]
    fn names_at(&self, time: i64, out: &mut Vec<String>) {
        let intervals: &[i64] = match self.version {
            Version::A => &INTERVALS_A,
            Version::B => &[INTERVAL_B],
        };
        for &interval in intervals {
            self.push_names(time.div_euclid(interval), out);
        }
    }
}

impl Generator for Qsnatch {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let start = day_number(epoch) * DAY;
        let intervals: &[i64] = match self.version {
            Version::A => &INTERVALS_A,
            Version::B => &[INTERVAL_B],
        };
        for &interval in intervals {
            let first = start.div_euclid(interval);
            let last = (start + DAY - 1).div_euclid(interval);
            for number in first..=last {
                self.push_names(number, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

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
    fn a_day_holds_every_instant_of_it() {
        let generator = Qsnatch::new("a:IbjGOEgnuD").unwrap();
        let day = names(&FAMILY, "a:IbjGOEgnuD", Some("2019-11-11"));
        assert_eq!(day.len(), 42 * 3 * 145);
        let day: std::collections::HashSet<String> = day.into_iter().collect();
        let start = 1_573_430_400; // 2019-11-11 00:00 UTC
        for hour in [0, 7, 8, 23] {
            let mut at = Vec::new();
            generator.names_at(start + hour * HOUR + 59 * 60, &mut at);
            assert!(at.iter().all(|n| day.contains(n)), "hour {hour}");
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
}

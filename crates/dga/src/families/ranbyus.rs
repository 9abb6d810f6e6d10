//! Ranbyus, a banking trojan from 2012 onwards, in its two known DGA
//! versions.
//!
//! - `may`: described by Johannes Bader, "The DGA of Ranbyus" (2015,
//!   <https://johannesbader.ch/2015/05/the-dga-of-ranbyus/>). Day, month,
//!   year and a 32-bit seed are each scrambled by shifts and xors, fourteen
//!   times per name, and each letter is `(day ^ month ^ year) % 25`. The
//!   state carries over from one name to the next.
//! - `september`: described in "Ranbyus's DGA, Revisited" (2015,
//!   <https://johannesbader.ch/2015/09/ranbyuss-dga-revisited/>). The state
//!   `(day * month * year) ^ seed` drives a 64-bit LCG whose outputs are
//!   mixed into 16 bytes per call; two calls give the 17 letters of a name.
//!
//! Both generate 40 names a day (UTC), and pick TLDs from a table of nine
//! starting at index `day` and counting up modulo eight, so the table's last
//! entry is never used. The seed is the variant plus the 32-bit sample seed;
//! one September sample (`CE7F8514`) reorders its TLD table, which the raw
//! seed spells out. The variants share DGArchive's one family `ranbyus`.
//!
//! Tested against Bader's two example lists (pinned to 2015-05-14 with
//! `B6354BC3` and 2015-09-25 with `0F0D5BFA`).

use chrono::{Datelike, NaiveDate};

use super::seed_text::parse_hex_u32;
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per day.
const COUNT: usize = 40;

/// The TLD table both variants use unless the sample reorders it.
const TLDS: &str = "in,me,cc,su,tw,net,com,pw,org";

const MAY_NOTE: &str = "Bader, \"The DGA of Ranbyus\" (May 2015)";
const SEPTEMBER_NOTE: &str = "Bader, \"Ranbyus's DGA, Revisited\" (September 2015)";

/// The Ranbyus family.
pub static FAMILY: Family = Family {
    name: "ranbyus",
    aliases: &[],
    summary: "Ranbyus banking trojan: date and seed scrambled into 14 or 17 letters",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: &[
        SeedInfo {
            name: "0F0D5BFA",
            value: "september:0F0D5BFA",
            note: SEPTEMBER_NOTE,
        },
        SeedInfo {
            name: "F2C72B14",
            value: "september:F2C72B14",
            note: SEPTEMBER_NOTE,
        },
        SeedInfo {
            name: "AE8714BE",
            value: "september:AE8714BE",
            note: SEPTEMBER_NOTE,
        },
        SeedInfo {
            name: "CE7F8514",
            value: "september:CE7F8514:in,net,org,com,me,su,tw,cc,pw",
            note: "Bader's September 2015 script; given there as = ~31807AEB, own TLD order",
        },
        SeedInfo {
            name: "572473BB",
            value: "september:572473BB",
            note: "Bader's September 2015 script; given there as = ~A8DB8C44",
        },
        SeedInfo {
            name: "17794CF1",
            value: "september:17794CF1",
            note: "Bader's September 2015 script; given there as = ~E886B30E",
        },
        SeedInfo {
            name: "C0E32524",
            value: "september:C0E32524",
            note: "Bader's September 2015 script; given there as = ~3F1CDADB",
        },
        SeedInfo {
            name: "7CB7966E",
            value: "september:7CB7966E",
            note: "Bader's September 2015 script; given there as = ~83486991",
        },
        SeedInfo {
            name: "9F90C9E7",
            value: "september:9F90C9E7",
            note: "Bader's September 2015 script; given there as = ~606F3618",
        },
        SeedInfo {
            name: "8FB8879B",
            value: "september:8FB8879B",
            note: "Bader's September 2015 script; given there as = ~70477864",
        },
        SeedInfo {
            name: "E981684B",
            value: "september:E981684B",
            note: "Bader's September 2015 script; given there as = ~167E97B4",
        },
        SeedInfo {
            name: "B6354BC3",
            value: "may:B6354BC3",
            note: MAY_NOTE,
        },
        SeedInfo {
            name: "C5F128F3",
            value: "may:C5F128F3",
            note: MAY_NOTE,
        },
        SeedInfo {
            name: "65BA0743",
            value: "may:65BA0743",
            note: MAY_NOTE,
        },
        SeedInfo {
            name: "0478620C",
            value: "may:0478620C",
            note: MAY_NOTE,
        },
    ],
    seed_form: "VARIANT:HEX[:TLD,...]: variant `may` or `september`, a 32-bit hex seed and \
                optionally the sample's table of nine TLDs, e.g. september:0F0D5BFA",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "40",
    tlds: &["in", "me", "cc", "su", "tw", "net", "com", "pw", "org"],
    references: &[
        "https://johannesbader.ch/2015/05/the-dga-of-ranbyus/",
        "https://johannesbader.ch/2015/09/ranbyuss-dga-revisited/",
    ],
    bind,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    May,
    September,
}

struct Ranbyus {
    variant: Variant,
    seed: u32,
    tlds: Vec<String>,
}

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    let bad = || SeedError::expected(FAMILY.seed_form);
    let mut parts = raw.trim().split(':');
    let variant = match parts.next().map(str::to_ascii_lowercase).as_deref() {
        Some("may") => Variant::May,
        Some("september" | "sep") => Variant::September,
        _ => return Err(bad()),
    };
    let seed = parse_hex_u32(parts.next().ok_or_else(bad)?, 8).ok_or_else(bad)?;
    let tlds: Vec<String> = parts
        .next()
        .unwrap_or(TLDS)
        .split(',')
        .map(|tld| tld.trim().trim_start_matches('.').to_ascii_lowercase())
        .collect();
    let valid_tld =
        |tld: &String| !tld.is_empty() && tld.bytes().all(|b| b.is_ascii_alphanumeric());
    if tlds.len() != 9 || !tlds.iter().all(valid_tld) || parts.next().is_some() {
        return Err(bad());
    }
    Ok(Box::new(Ranbyus {
        variant,
        seed,
        tlds,
    }))
}

impl Ranbyus {
    /// The TLD of the `index`-th name of a day: the malware counts modulo
    /// eight in a table of nine.
    fn tld(&self, day: u32, index: usize) -> &str {
        let slot = (day as usize + index) % (self.tlds.len() - 1);
        self.tlds.get(slot).map_or("", String::as_str)
    }

    fn may(&self, date: NaiveDate, out: &mut Vec<String>) {
        let (mut day, mut month, mut year) = (date.day(), date.month(), date.year() as u32);
        let mut seed = self.seed;
        for index in 0..COUNT {
            let tld = self.tld(date.day(), index);
            let mut name = String::with_capacity(15 + tld.len());
            for _ in 0..14 {
                day =
                    (day >> 15) ^ ((day & 0x1FFF) ^ (seed ^ day).wrapping_mul(4)).wrapping_mul(16);
                year = ((year & 0xFFFF_FFF0) << 17) ^ ((year ^ year.wrapping_mul(7)) >> 11);
                month =
                    (month & 0xFFFF_FFFE).wrapping_mul(14) ^ ((month ^ month.wrapping_mul(4)) >> 8);
                seed = (seed >> 6) ^ ((day.wrapping_add(seed.wrapping_mul(8)) << 8) & 0x03FF_FF00);
                name.push(char::from(b'a' + ((day ^ month ^ year) % 25) as u8));
            }
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }

    fn september(&self, date: NaiveDate, out: &mut Vec<String>) {
        // Dates before year 0 are meaningless here but must not panic.
        let product = u64::from(date.day() * date.month()).wrapping_mul(date.year() as u64);
        let mut state = product ^ u64::from(self.seed);
        for index in 0..COUNT {
            let tld = self.tld(date.day(), index);
            let mut name = String::with_capacity(18 + tld.len());
            let first = mix(&mut state);
            let second = mix(&mut state);
            for byte in first.iter().chain(&second[..1]) {
                name.push(char::from(b'a' + byte % 25));
            }
            name.push('.');
            name.push_str(tld);
            out.push(name);
        }
    }
}

/// Three steps of the 64-bit LCG, whose intermediate states are folded into
/// 16 bytes (four little-endian words).
fn mix(state: &mut u64) -> [u8; 16] {
    const MULTIPLIER: u64 = 0x5851_F42D_4C95_7F2D;
    const INCREMENT: u64 = 0x1405_7B7E_F767_814F;
    let step = |x: u64| x.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT);
    let one = step(*state);
    let two = step(one);
    let three = step(two);
    *state = three;
    let low = |x: u64| x as u32;
    let high = |x: u64| (x >> 32) as u32;
    let folded = (low(three >> 24) & 0xFFFF_FF00) | (low(three) >> 24);
    let words = [
        ((folded ^ low(two)) & 0x000F_FFFF) ^ low(two),
        high(two),
        (low(one) & 0xFFF0_0000) | (high(three) >> 12),
        high(one),
    ];
    let mut bytes = [0u8; 16];
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    bytes
}

impl Generator for Ranbyus {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        match self.variant {
            Variant::May => self.may(epoch, out),
            Variant::September => self.september(epoch, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{assert_names, names, reference};

    #[test]
    fn matches_bader_may_example_domains() {
        assert_names(
            &FAMILY,
            "may:B6354BC3",
            Some("2015-05-14"),
            &reference("ranbyus/may_example_domains.txt"),
        );
    }

    #[test]
    fn matches_bader_september_example_domains() {
        assert_names(
            &FAMILY,
            "september:0F0D5BFA",
            Some("2015-09-25"),
            &reference("ranbyus/september_example_domains.txt"),
        );
    }

    #[test]
    fn reordered_tld_table_changes_only_tlds() {
        let plain = names(&FAMILY, "september:CE7F8514", Some("2015-09-25"));
        let own = names(
            &FAMILY,
            "september:CE7F8514:in,net,org,com,me,su,tw,cc,pw",
            Some("2015-09-25"),
        );
        let sld = |n: &String| n.split('.').next().map(str::to_owned);
        assert_eq!(
            plain.iter().map(sld).collect::<Vec<_>>(),
            own.iter().map(sld).collect::<Vec<_>>()
        );
        assert!(own[0].ends_with(".net"), "day 25 starts at slot 25 % 8 = 1");
    }

    #[test]
    fn every_listed_seed_binds() {
        for seed in FAMILY.seeds {
            assert!((FAMILY.bind)(seed.value).is_ok(), "{}", seed.name);
        }
    }

    #[test]
    fn refuses_bad_seeds() {
        for bad in [
            "",
            "B6354BC3",
            "june:B6354BC3",
            "may:",
            "may:123456789",
            "may:xyz",
            "may:B6354BC3:com",
            "may:B6354BC3:a,b,c,d,e,f,g,h,",
            "may:B6354BC3:a,b,c,d,e,f,g,h,i:extra",
        ] {
            assert!((FAMILY.bind)(bad).is_err(), "{bad:?}");
        }
    }
}

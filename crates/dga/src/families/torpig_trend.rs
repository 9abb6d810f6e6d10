//! The 2009 Torpig/Mebroot variant that mixes one character of a Twitter
//! trend into its domain, so that nobody can compute the names more than
//! two days ahead.
//!
//! Sources: UCSB's notes on the variant, quoted in PC Tools' "Torpig Botnet
//! Academics" (<http://www.pctools.com/security-news/torpig-botnet-academics/>)
//! and in MIT Technology Review's "Researchers hijack a drive-by botnet"
//! (2009). Published facts: the variant computes the domain from the
//! current date as before; it also fetches
//! `http://search.twitter.com/trends/weekly.json?callback=c&exclude=hashtags`
//! (trends by date), takes the first trend of the day before yesterday and
//! its second character ("TGIF" on 2009-04-25, so `G` on 2009-04-27), and
//! turns that character into a "magic number" used to compute the domain.
//! How the character becomes the magic number, and how the magic number
//! enters the name, were shown only in screenshots that are not public.
//!
//! Model (an assumption, not verified against any sample or name list):
//! the magic number takes the place of the parameter `p` of Torpig's
//! printed `generate_domain(t, p)` (see `torpig.rs`), and it is the
//! character's code (a UTF-16 unit, as JavaScript's `charCodeAt` gives),
//! taken as it is written in the trend (whether the variant lower-cases it
//! is not known; `all` covers both).
//! Since a label depends on `p` only modulo 50, the `all` seed enumerates
//! every branch whatever the character and whatever the character-to-number
//! step: at most 50 labels (150 names) a day. That completeness holds under
//! the first half of the model only; the per-character seeds and the input
//! family need both halves. The TLDs are Torpig's `com`, `net`, `biz`, also
//! an assumption for this variant.
//!
//! Two families:
//! - `torpig-trend` (no input): seed `all` (default) gives every branch;
//!   the per-character seeds (named by the character's code, `0x47` for
//!   `G`; any single character or `0xNNNN` code is accepted) give one
//!   branch each, so every name carries its branch in its seed.
//! - `torpig-twitter` (public data, `--input`): reads the trends document
//!   and gives, for each day, the branch of its actual character. Days
//!   whose trend of two days before is not in the document get no names.
//!
//! Window: one day of the bot's local time, modelled in UTC.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::torpig::{every_parameter, label, push_names};
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::public::{InputError, InputFormat, InputSpec, PublicDataFamily};
use crate::schedule::Schedule;

const REFERENCES: &[&str] = &[
    "http://www.pctools.com/security-news/torpig-botnet-academics/",
    "https://seclab.cs.ucsb.edu/media/uploads/papers/torpig.pdf",
];

/// The trend variant without an input: every branch, or one.
pub static FAMILY: Family = Family {
    name: "torpig-trend",
    aliases: &["sinowal-trend"],
    summary: "Torpig/Mebroot 2009 variant with a Twitter trend character (model): every branch",
    scheme: Scheme::Arithmetic,
    seeding: Seeding::TDD,
    seeds: SEEDS,
    seed_form: "all, one character such as G, or its code such as 0x47",
    schedule: Schedule::DAILY,
    lookback: 0,
    names_per_window: "3 per branch; up to 150 for all",
    tlds: &["com", "net", "biz"],
    references: REFERENCES,
    bind,
};

/// The trend variant fed with Twitter's trends document.
pub static INPUT_FAMILY: PublicDataFamily = PublicDataFamily {
    family: Family {
        name: "torpig-twitter",
        aliases: &[],
        summary:
            "Torpig/Mebroot 2009 variant (model): the branch of the day's actual trend character",
        scheme: Scheme::Arithmetic,
        seeding: Seeding::TDD,
        seeds: &[SeedInfo {
            name: "twitter",
            value: "twitter",
            note: "second character of the first trend of the day before yesterday (UCSB, 2009)",
        }],
        seed_form: "twitter (the only seed)",
        schedule: Schedule::DAILY,
        lookback: 0,
        names_per_window: "3",
        tlds: &["com", "net", "biz"],
        references: REFERENCES,
        bind: crate::public::needs_input,
    },
    input: InputSpec {
        format: InputFormat::Json,
        description:
            "Twitter's weekly trends by date (JSON or JSONP), as the 2009 variant fetched them",
        url: "http://search.twitter.com/trends/weekly.json?callback=c&exclude=hashtags",
    },
    bind_input,
};

/// `all`, then one seed per letter and digit, named by its code so that
/// `G` and `g` stay apart (seed names are matched without case).
static SEEDS: &[SeedInfo] = &[
    SeedInfo {
        name: "all",
        value: "all",
        note: "every branch: each magic number modulo 50",
    },
    SeedInfo {
        name: "0x41",
        value: "0x41",
        note: "branch: the trend's second character is 'A'",
    },
    SeedInfo {
        name: "0x42",
        value: "0x42",
        note: "branch: the trend's second character is 'B'",
    },
    SeedInfo {
        name: "0x43",
        value: "0x43",
        note: "branch: the trend's second character is 'C'",
    },
    SeedInfo {
        name: "0x44",
        value: "0x44",
        note: "branch: the trend's second character is 'D'",
    },
    SeedInfo {
        name: "0x45",
        value: "0x45",
        note: "branch: the trend's second character is 'E'",
    },
    SeedInfo {
        name: "0x46",
        value: "0x46",
        note: "branch: the trend's second character is 'F'",
    },
    SeedInfo {
        name: "0x47",
        value: "0x47",
        note: "branch: the trend's second character is 'G'",
    },
    SeedInfo {
        name: "0x48",
        value: "0x48",
        note: "branch: the trend's second character is 'H'",
    },
    SeedInfo {
        name: "0x49",
        value: "0x49",
        note: "branch: the trend's second character is 'I'",
    },
    SeedInfo {
        name: "0x4a",
        value: "0x4a",
        note: "branch: the trend's second character is 'J'",
    },
    SeedInfo {
        name: "0x4b",
        value: "0x4b",
        note: "branch: the trend's second character is 'K'",
    },
    SeedInfo {
        name: "0x4c",
        value: "0x4c",
        note: "branch: the trend's second character is 'L'",
    },
    SeedInfo {
        name: "0x4d",
        value: "0x4d",
        note: "branch: the trend's second character is 'M'",
    },
    SeedInfo {
        name: "0x4e",
        value: "0x4e",
        note: "branch: the trend's second character is 'N'",
    },
    SeedInfo {
        name: "0x4f",
        value: "0x4f",
        note: "branch: the trend's second character is 'O'",
    },
    SeedInfo {
        name: "0x50",
        value: "0x50",
        note: "branch: the trend's second character is 'P'",
    },
    SeedInfo {
        name: "0x51",
        value: "0x51",
        note: "branch: the trend's second character is 'Q'",
    },
    SeedInfo {
        name: "0x52",
        value: "0x52",
        note: "branch: the trend's second character is 'R'",
    },
    SeedInfo {
        name: "0x53",
        value: "0x53",
        note: "branch: the trend's second character is 'S'",
    },
    SeedInfo {
        name: "0x54",
        value: "0x54",
        note: "branch: the trend's second character is 'T'",
    },
    SeedInfo {
        name: "0x55",
        value: "0x55",
        note: "branch: the trend's second character is 'U'",
    },
    SeedInfo {
        name: "0x56",
        value: "0x56",
        note: "branch: the trend's second character is 'V'",
    },
    SeedInfo {
        name: "0x57",
        value: "0x57",
        note: "branch: the trend's second character is 'W'",
    },
    SeedInfo {
        name: "0x58",
        value: "0x58",
        note: "branch: the trend's second character is 'X'",
    },
    SeedInfo {
        name: "0x59",
        value: "0x59",
        note: "branch: the trend's second character is 'Y'",
    },
    SeedInfo {
        name: "0x5a",
        value: "0x5a",
        note: "branch: the trend's second character is 'Z'",
    },
    SeedInfo {
        name: "0x61",
        value: "0x61",
        note: "branch: the trend's second character is 'a'",
    },
    SeedInfo {
        name: "0x62",
        value: "0x62",
        note: "branch: the trend's second character is 'b'",
    },
    SeedInfo {
        name: "0x63",
        value: "0x63",
        note: "branch: the trend's second character is 'c'",
    },
    SeedInfo {
        name: "0x64",
        value: "0x64",
        note: "branch: the trend's second character is 'd'",
    },
    SeedInfo {
        name: "0x65",
        value: "0x65",
        note: "branch: the trend's second character is 'e'",
    },
    SeedInfo {
        name: "0x66",
        value: "0x66",
        note: "branch: the trend's second character is 'f'",
    },
    SeedInfo {
        name: "0x67",
        value: "0x67",
        note: "branch: the trend's second character is 'g'",
    },
    SeedInfo {
        name: "0x68",
        value: "0x68",
        note: "branch: the trend's second character is 'h'",
    },
    SeedInfo {
        name: "0x69",
        value: "0x69",
        note: "branch: the trend's second character is 'i'",
    },
    SeedInfo {
        name: "0x6a",
        value: "0x6a",
        note: "branch: the trend's second character is 'j'",
    },
    SeedInfo {
        name: "0x6b",
        value: "0x6b",
        note: "branch: the trend's second character is 'k'",
    },
    SeedInfo {
        name: "0x6c",
        value: "0x6c",
        note: "branch: the trend's second character is 'l'",
    },
    SeedInfo {
        name: "0x6d",
        value: "0x6d",
        note: "branch: the trend's second character is 'm'",
    },
    SeedInfo {
        name: "0x6e",
        value: "0x6e",
        note: "branch: the trend's second character is 'n'",
    },
    SeedInfo {
        name: "0x6f",
        value: "0x6f",
        note: "branch: the trend's second character is 'o'",
    },
    SeedInfo {
        name: "0x70",
        value: "0x70",
        note: "branch: the trend's second character is 'p'",
    },
    SeedInfo {
        name: "0x71",
        value: "0x71",
        note: "branch: the trend's second character is 'q'",
    },
    SeedInfo {
        name: "0x72",
        value: "0x72",
        note: "branch: the trend's second character is 'r'",
    },
    SeedInfo {
        name: "0x73",
        value: "0x73",
        note: "branch: the trend's second character is 's'",
    },
    SeedInfo {
        name: "0x74",
        value: "0x74",
        note: "branch: the trend's second character is 't'",
    },
    SeedInfo {
        name: "0x75",
        value: "0x75",
        note: "branch: the trend's second character is 'u'",
    },
    SeedInfo {
        name: "0x76",
        value: "0x76",
        note: "branch: the trend's second character is 'v'",
    },
    SeedInfo {
        name: "0x77",
        value: "0x77",
        note: "branch: the trend's second character is 'w'",
    },
    SeedInfo {
        name: "0x78",
        value: "0x78",
        note: "branch: the trend's second character is 'x'",
    },
    SeedInfo {
        name: "0x79",
        value: "0x79",
        note: "branch: the trend's second character is 'y'",
    },
    SeedInfo {
        name: "0x7a",
        value: "0x7a",
        note: "branch: the trend's second character is 'z'",
    },
    SeedInfo {
        name: "0x30",
        value: "0x30",
        note: "branch: the trend's second character is '0'",
    },
    SeedInfo {
        name: "0x31",
        value: "0x31",
        note: "branch: the trend's second character is '1'",
    },
    SeedInfo {
        name: "0x32",
        value: "0x32",
        note: "branch: the trend's second character is '2'",
    },
    SeedInfo {
        name: "0x33",
        value: "0x33",
        note: "branch: the trend's second character is '3'",
    },
    SeedInfo {
        name: "0x34",
        value: "0x34",
        note: "branch: the trend's second character is '4'",
    },
    SeedInfo {
        name: "0x35",
        value: "0x35",
        note: "branch: the trend's second character is '5'",
    },
    SeedInfo {
        name: "0x36",
        value: "0x36",
        note: "branch: the trend's second character is '6'",
    },
    SeedInfo {
        name: "0x37",
        value: "0x37",
        note: "branch: the trend's second character is '7'",
    },
    SeedInfo {
        name: "0x38",
        value: "0x38",
        note: "branch: the trend's second character is '8'",
    },
    SeedInfo {
        name: "0x39",
        value: "0x39",
        note: "branch: the trend's second character is '9'",
    },
];

/// How far back the trend is read: the day before yesterday.
const TREND_LAG: Days = Days::new(2);

fn bind(seed: &str) -> Result<Box<dyn Generator>, SeedError> {
    let seed = seed.trim();
    if seed.eq_ignore_ascii_case("all") {
        return Ok(Box::new(EveryBranch));
    }
    let code = character_code(seed).ok_or_else(|| SeedError::expected(FAMILY.seed_form))?;
    Ok(Box::new(Branch { code }))
}

/// The code of a seed naming one character: the character itself (one
/// UTF-16 unit) or `0x` and at most four hex digits.
fn character_code(seed: &str) -> Option<u16> {
    if let Some(hex) = seed.strip_prefix("0x").or_else(|| seed.strip_prefix("0X")) {
        if !hex.is_empty() && hex.len() <= 4 {
            return u16::from_str_radix(hex, 16).ok();
        }
        return None;
    }
    let mut units = seed.encode_utf16();
    match (units.next(), units.next()) {
        (Some(code), None) => Some(code),
        _ => None,
    }
}

struct EveryBranch;

impl Generator for EveryBranch {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        for label in every_parameter(epoch) {
            push_names(&label, out);
        }
    }
}

struct Branch {
    code: u16,
}

impl Generator for Branch {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        push_names(&label(epoch, u32::from(self.code)), out);
    }
}

/// Reads the trends document: for each day listed, the second character
/// (UTF-16 unit) of its first trend.
pub fn trend_characters(input: &[u8]) -> Result<BTreeMap<NaiveDate, u16>, InputError> {
    let body = strip_callback(input);
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| InputError::malformed(InputFormat::Json, e))?;
    let days = value
        .get("trends")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| InputError::missing("\"trends\" object of trends by date"))?;
    let mut out = BTreeMap::new();
    for (key, trends) in days {
        let day = NaiveDate::parse_from_str(key, "%Y-%m-%d").map_err(|_| InputError::BadValue {
            what: "trend date".to_owned(),
            value: key.chars().take(40).collect(),
            expected: "a date such as 2009-04-25",
        })?;
        let first = trends
            .as_array()
            .and_then(|list| list.first())
            .and_then(|trend| trend.get("name"))
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| InputError::missing(format!("named first trend for {day}")))?;
        if let Some(code) = first.encode_utf16().nth(1) {
            out.insert(day, code);
        }
    }
    if out.is_empty() {
        return Err(InputError::missing(
            "day whose first trend has a second character",
        ));
    }
    Ok(out)
}

/// The JSON inside a JSONP answer such as `c({...});`, or the input itself.
fn strip_callback(input: &[u8]) -> &[u8] {
    let trimmed = input.trim_ascii();
    let Some(open) = trimmed.iter().position(|&b| b == b'(') else {
        return trimmed;
    };
    let callback = &trimmed[..open];
    let is_name = !callback.is_empty()
        && callback
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'));
    let body = trimmed
        .strip_suffix(b";")
        .unwrap_or(trimmed)
        .trim_ascii_end();
    match (is_name, body.strip_suffix(b")")) {
        (true, Some(body)) => &body[open + 1..],
        _ => trimmed,
    }
}

fn bind_input(seed: &str, input: &[u8]) -> Result<Box<dyn Generator>, InputError> {
    if !seed.trim().eq_ignore_ascii_case("twitter") {
        return Err(SeedError::expected(INPUT_FAMILY.family.seed_form).into());
    }
    Ok(Box::new(FromTrends {
        characters: trend_characters(input)?,
    }))
}

struct FromTrends {
    characters: BTreeMap<NaiveDate, u16>,
}

impl Generator for FromTrends {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        let Some(trend_day) = epoch.checked_sub_days(TREND_LAG) else {
            return;
        };
        if let Some(&code) = self.characters.get(&trend_day) {
            push_names(&label(epoch, u32::from(code)), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::names;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../test-data/torpig/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
    }

    fn from_input(input: &[u8], day: &str) -> Vec<String> {
        let generator = INPUT_FAMILY.bind("twitter", input).expect("binds");
        let mut out = Vec::new();
        generator.generate(day.parse().expect("day"), &mut out);
        out
    }

    #[test]
    fn the_published_example_reads_g_two_days_later() {
        // UCSB: on 2009-04-27 the first trend of 2009-04-25 was "TGIF".
        let input = fixture("trends-weekly-2009-04.jsonp");
        let characters = trend_characters(&input).expect("parses");
        let day: NaiveDate = "2009-04-25".parse().expect("day");
        assert_eq!(characters.get(&day), Some(&u16::from(b'G')));
        let got = from_input(&input, "2009-04-27");
        assert_eq!(got.len(), 3);
        assert_eq!(got, names(&FAMILY, "G", Some("2009-04-27")));
        assert_eq!(got, names(&FAMILY, "0x47", Some("2009-04-27")));
        assert_ne!(got, names(&FAMILY, "g", Some("2009-04-27")));
        // The day after has no trend in the document, so no names.
        assert!(from_input(&input, "2009-04-28").is_empty());
    }

    #[test]
    fn every_character_is_a_branch_of_all() {
        for day in ["2009-04-27", "2009-06-30", "2010-01-01"] {
            let all = names(&FAMILY, "all", Some(day));
            assert!(all.len() <= 150 && all.len() % 3 == 0);
            for code in (0x20u16..0x7f).chain([0xe9, 0x44e, 0xffff]) {
                let seed = format!("0x{code:x}");
                for name in names(&FAMILY, &seed, Some(day)) {
                    assert!(all.contains(&name), "{day} {seed}: {name} missing from all");
                }
            }
        }
    }

    #[test]
    fn listed_seeds_are_their_characters() {
        for seed in FAMILY.seeds.iter().skip(1) {
            let code = character_code(seed.value).expect("code");
            let character = char::from_u32(u32::from(code)).expect("char");
            assert!(
                seed.note.ends_with(&format!("'{character}'")),
                "{}",
                seed.note
            );
        }
        assert_eq!(character_code("é"), Some(0xe9));
        for bad in ["", "GG", "0x", "0x12345", "0xzz", "😀"] {
            assert!(bind(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_json_and_jsonp_read_the_same() {
        let json = br#"{"trends":{"2009-05-01":[{"name":"Swine Flu","query":"Swine+Flu"}]},"as_of":1241136000}"#;
        let jsonp = [&b"c("[..], &json[..], b");\n"].concat();
        assert_eq!(
            trend_characters(json).expect("json"),
            trend_characters(&jsonp).expect("jsonp")
        );
        assert_eq!(
            from_input(json, "2009-05-03"),
            from_input(&jsonp, "2009-05-03")
        );
        assert_eq!(
            from_input(json, "2009-05-03"),
            names(&FAMILY, "w", Some("2009-05-03"))
        );
    }

    #[test]
    fn refuses_what_is_not_a_trends_document() {
        for bad in [
            &b"<html>over capacity</html>"[..],
            b"c({\"trends\":{\"2009-04-25\":[{\"name\":\"TG",
            b"{\"as_of\":1}",
            b"{\"trends\":{\"yesterday\":[{\"name\":\"TGIF\"}]}}",
            b"{\"trends\":{\"2009-04-25\":[]}}",
            b"{\"trends\":{\"2009-04-25\":[{\"name\":\"T\"}]}}",
        ] {
            assert!(INPUT_FAMILY.bind("twitter", bad).is_err(), "{bad:?}");
        }
        let good = br#"{"trends":{"2009-04-25":[{"name":"TGIF"}]}}"#;
        assert!(INPUT_FAMILY.bind("other", good).is_err());
    }
}

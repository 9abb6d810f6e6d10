//! SUNBURST (the trojanized SolarWinds Orion plugin of 2019-2020): a
//! decoder of its DNS beacons, not a generator.
//!
//! SUNBURST asks for `LABEL.appsync-api.REGION.avsvmcloud.com`, where
//! `REGION` is one of `eu-west-1`, `us-west-2`, `us-east-1`, `us-east-2`
//! and `LABEL` (at most 32 characters) carries data, not a date: the
//! victim's 8-byte id (its "GUID", a hash of MAC address, AD domain and
//! MachineGuid), masked with a random byte, and either a fragment of the
//! victim's AD domain or a time stamp with status bits. A name therefore
//! cannot be predicted, only read: defenders block `avsvmcloud.com` itself
//! and decode what their resolvers saw to learn which AD domain leaked and
//! whether the attackers singled the machine out.
//!
//! The encoding, as FireEye ("SUNBURST Additional Technical Details",
//! 2020-12-24), Prevasio (Sergei Shevchenko, "Sunburst Backdoor, Part II:
//! DGA & The List of Victims", 2020-12-17, and "Part III: DGA & Security
//! Software", 2020-12-22), Netresec (Erik Hjelmvik, "Reassembling Victim
//! Domain Fragments from SUNBURST DNS", 2020-12-17, and "Finding Targeted
//! SUNBURST Victims with pDNS", 2021-01-04) and klustic's YASDGAD README
//! describe it:
//!
//! - A base32 with its own alphabet `ph2eifo3n5utg1j8d94qrvbmk0sal76c`,
//!   packing bits little-endian (the first byte's low five bits are the
//!   first character); the last character holds leftover bits padded with
//!   zeros or random bits, so a decoder drops an incomplete last byte.
//! - Domain beacons: 15 characters of base32 of nine bytes (a random key
//!   byte, then the 8-byte GUID XORed with it), one character giving the
//!   fragment number (`0123456789abcdefghijklmnopqrstuvwxyz`, shifted by
//!   the first character's code modulo 36; 35 marks the last fragment),
//!   then at most 16 characters of the encoded AD domain. The domain is
//!   encoded whole, then cut into 16-character fragments: by substitution
//!   when it holds only `a-z 0-9 - _ .` (each letter or digit replaced by
//!   the one four places further in `rq3gsalt6u1iyfzop572d49bnx8cvmkewhj`;
//!   `0 _ - .` written as `0` and a letter whose place modulo 4 says which),
//!   else as `00` and the base32 of its UTF-8 bytes (upper-case letters
//!   send a domain this way). Substitution never writes `00`, so the
//!   marker is unambiguous. A fragment that ends in `0` is sent whole but
//!   the next one starts again at that `0` (so an escape is never cut; the
//!   base32 domains "Sunkistgrowers.com" and "BrokenArrow.Local", which
//!   Netresec named, only come out right with this).
//! - Status beacons: the base32 of a key byte and, XORed with it, the GUID,
//!   three big-endian bytes and, in the longer kind, two bytes of service
//!   states: 20 characters for kind 1, 23 for kind 2. In the three bytes
//!   the top four bits are the kind, the next 19 the time in half-hours
//!   since 2010-01-01 UTC and the lowest the flag Netresec found set once
//!   the attackers move a victim to "stage 2" (it then takes C2 names from
//!   CNAME answers). The GUID is further XORed with the time's two low
//!   bytes: the lowest byte at even places, the middle one at odd places.
//!
//! What was checked, against names and decodings published by others
//! (`test-data/sunburst/README.md` names each source): the six queries of
//! FireEye's IOC list that got a CNAME answer decode to the times and the
//! stage-2 flag Netresec published for them; RedDrip7's example name to
//! its domain `qingmei-inc.co` (the `m` is in the next fragment); Netresec's
//! and Prevasio's example GUIDs; QiAnXin's GUID and domain `bi.corp`;
//! the eight AD domains Netresec named as decoded (`innout.corp` ...
//! `BE.AJINOMOTO-OMNICHEM.AD`) reassemble from Bambenek's list below, and
//! three of FireEye's CNAME queries carry the GUIDs of machines of
//! `central.pima.gov` and `coxnet.cox.com` (Kaspersky's "central.***.gov"
//! and "***net.***.com", stage-2 victims in FireEye's list). On
//! the 1,722 names Bambenek Consulting published from passive DNS, all but
//! one decode (that one is 19 characters with fragment number 30, neither
//! kind) and 306 of 357 kind-1 beacons carry the GUID of a domain beacon
//! in the same list, which would not happen with a wrong mask.
//!
//! Limitations: which bit of the service bytes means which security
//! product is not decoded (the bytes are given as they are); a 20- or
//! 23-character label that is the last fragment of a domain and also reads
//! as a status beacon of the right kind dated 2019-2021 is taken for a
//! status beacon; "complete" means fragments 0 to n and the last were
//! seen, so a domain whose only fragment seen is the last one counts as
//! complete (a short domain has only that one), and a missing middle
//! fragment goes unnoticed when the last fragment's number says nothing of
//! how many came before it.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Duration, TimeZone, Utc};

/// The domain SUNBURST's beacons are under.
pub const DOMAIN: &str = "avsvmcloud.com";

/// The label between the beacon's data and the region.
const SERVICE_LABEL: &str = "appsync-api";

/// The regions SUNBURST picks from.
pub const REGIONS: [&str; 4] = ["eu-west-1", "us-west-2", "us-east-1", "us-east-2"];

/// SUNBURST's base32 alphabet.
const BASE32: &[u8; 32] = b"ph2eifo3n5utg1j8d94qrvbmk0sal76c";

/// The substitution alphabet of domain fragments; a character is written
/// as the one [`SHIFT`] places further on.
const SUBSTITUTION: &[u8; 35] = b"rq3gsalt6u1iyfzop572d49bnx8cvmkewhj";

/// How far the substitution shifts.
const SHIFT: usize = 4;

/// The characters written as `0` and a letter, by the letter's place
/// modulo 4.
const ESCAPED: &[u8; 4] = b"0_-.";

/// The digits of the fragment number.
const FRAGMENT_DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The fragment number of a domain's last fragment.
pub const LAST_FRAGMENT: u8 = 35;

/// Characters of base32 holding the key byte and the GUID.
const GUID_CHARS: usize = 15;

/// Characters of a domain fragment at most.
pub const FRAGMENT_CHARS: usize = 16;

/// The longest label SUNBURST sends.
pub const MAX_LABEL: usize = GUID_CHARS + 1 + FRAGMENT_CHARS;

/// Labels of status beacons: kind 1 (GUID and time) and kind 2 (with
/// service states).
const STATUS_KIND1_CHARS: usize = 20;
const STATUS_KIND2_CHARS: usize = 23;

/// The years SUNBURST ran in, used only to tell a status beacon from a
/// short last fragment of the same length.
const CAMPAIGN_YEARS: std::ops::RangeInclusive<i32> = 2019..=2021;

/// The prefix marking a domain sent as base32.
const BASE32_MARKER: &str = "00";

/// Why a name is not a SUNBURST beacon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Empty input.
    #[error("empty name")]
    Empty,
    /// A name outside `avsvmcloud.com`.
    #[error("'{0}' is not under appsync-api.REGION.avsvmcloud.com (SUNBURST beacons are; give the whole query name or its first label)")]
    WrongDomain(String),
    /// A region SUNBURST does not use.
    #[error("region '{0}' is not one SUNBURST uses (eu-west-1, us-west-2, us-east-1, us-east-2)")]
    WrongRegion(String),
    /// Too short to hold a GUID and a fragment number.
    #[error("label '{0}' has {1} characters; SUNBURST beacons have 16 to 32")]
    TooShort(String, usize),
    /// Longer than SUNBURST writes.
    #[error("label has {0} characters; SUNBURST beacons have at most 32")]
    TooLong(usize),
    /// A character neither alphabet has.
    #[error("label '{label}' has '{character}' at position {position}, which SUNBURST never writes there (its GUID part uses only ph2eifo3n5utg1j8d94qrvbmk0sal76c, its domain part only a-z and 0-9)")]
    BadCharacter {
        /// The label.
        label: String,
        /// The character.
        character: char,
        /// Its place, from 0.
        position: usize,
    },
    /// A fragment number other than 0-34 or 35.
    #[error("label '{0}' is neither a status beacon nor a domain fragment (its 16th character gives no fragment number)")]
    NotABeacon(String),
}

/// A victim's 8-byte id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid(pub [u8; 8]);

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

/// How a domain (or the fragment that starts it) is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The substitution of `a-z 0-9 - _ .`.
    Substitution,
    /// `00` and base32 of the UTF-8 bytes.
    Base32,
}

impl Encoding {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Substitution => "substitution",
            Encoding::Base32 => "base32",
        }
    }
}

/// A beacon carrying a fragment of the victim's AD domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// The victim.
    pub guid: Guid,
    /// The fragment's number: 0, 1, ... or [`LAST_FRAGMENT`].
    pub number: u8,
    /// The encoded fragment, as sent.
    pub encoded: String,
    /// The encoding, read as if this fragment started the domain: a later
    /// fragment of a base32 domain reads as substitution or not at all.
    pub encoding: Encoding,
    /// The fragment decoded on its own (see [`Fragment::encoding`]); `None`
    /// when it is not valid on its own (an escape cut by the fragment's end,
    /// or base32 that cannot be substitution).
    pub text: Option<String>,
}

impl Fragment {
    /// Whether this is the domain's last fragment.
    pub fn is_last(&self) -> bool {
        self.number == LAST_FRAGMENT
    }
}

/// A beacon carrying a time stamp (kind 1) and service states (kind 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The victim.
    pub guid: Guid,
    /// 1 (time only) or 2 (time and service states).
    pub kind: u8,
    /// The victim's clock, to the half-hour (UTC).
    pub time: DateTime<Utc>,
    /// The flag set once the victim is in stage 2 (Netresec).
    pub stage2: bool,
    /// The service-state bytes of kind 2, undecoded.
    pub services: Vec<u8>,
}

/// One decoded query name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beacon {
    /// A fragment of the AD domain.
    Fragment(Fragment),
    /// A time stamp and status.
    Status(Status),
}

impl Beacon {
    /// The victim.
    pub fn guid(&self) -> Guid {
        match self {
            Beacon::Fragment(fragment) => fragment.guid,
            Beacon::Status(status) => status.guid,
        }
    }
}

/// Decodes one query name: `LABEL.appsync-api.REGION.avsvmcloud.com`
/// (any case, with or without the final dot) or `LABEL` alone.
pub fn decode(name: &str) -> Result<Beacon, DecodeError> {
    let label = beacon_label(name)?;
    check_label(&label)?;
    let fragment_number = fragment_number(&label);
    if label.len() == STATUS_KIND1_CHARS || label.len() == STATUS_KIND2_CHARS {
        if let Some(status) = decode_status(&label) {
            // Fragments other than the last fill all 32 characters, so a
            // shorter label with another number can only be a status.
            let status_like = fragment_number != Some(LAST_FRAGMENT)
                || CAMPAIGN_YEARS.contains(&status_year(&status));
            if status_like {
                return Ok(Beacon::Status(status));
            }
        }
    }
    match fragment_number {
        Some(number) if number == LAST_FRAGMENT || label.len() == MAX_LABEL => {
            Ok(Beacon::Fragment(decode_fragment(&label, number)))
        }
        _ => Err(DecodeError::NotABeacon(label)),
    }
}

fn status_year(status: &Status) -> i32 {
    use chrono::Datelike;
    status.time.year()
}

/// The first label of a beacon name, lower-cased, after checking the rest.
fn beacon_label(name: &str) -> Result<String, DecodeError> {
    let name = name.trim();
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(DecodeError::Empty);
    }
    if name.len() > 255 {
        return Err(DecodeError::WrongDomain(format!("{}...", prefix(name, 40))));
    }
    let lower = name.to_ascii_lowercase();
    let Some((label, rest)) = lower.split_once('.') else {
        return Ok(lower);
    };
    let Some(middle) = rest.strip_suffix(DOMAIN) else {
        return Err(DecodeError::WrongDomain(name.to_owned()));
    };
    let Some(region) = middle
        .strip_suffix('.')
        .and_then(|m| m.strip_prefix(SERVICE_LABEL))
        .and_then(|m| m.strip_prefix('.'))
    else {
        return Err(DecodeError::WrongDomain(name.to_owned()));
    };
    if !REGIONS.contains(&region) {
        return Err(DecodeError::WrongRegion(region.to_owned()));
    }
    Ok(label.to_owned())
}

/// The first `chars` characters of `text`.
fn prefix(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn check_label(label: &str) -> Result<(), DecodeError> {
    let length = label.chars().count();
    if length > MAX_LABEL {
        return Err(DecodeError::TooLong(length));
    }
    if length <= GUID_CHARS {
        return Err(DecodeError::TooShort(label.to_owned(), length));
    }
    for (position, character) in label.chars().enumerate() {
        let allowed = if position < GUID_CHARS {
            character.is_ascii() && BASE32.contains(&(character as u8))
        } else {
            character.is_ascii_lowercase() || character.is_ascii_digit()
        };
        if !allowed {
            return Err(DecodeError::BadCharacter {
                label: label.to_owned(),
                character,
                position,
            });
        }
    }
    Ok(())
}

/// The fragment number in the 16th character, if it is one SUNBURST uses
/// (0-34 or 35 for the last: every value is possible, so this is only
/// `None` for characters outside the digits).
fn fragment_number(label: &str) -> Option<u8> {
    let bytes = label.as_bytes();
    let digit = FRAGMENT_DIGITS
        .iter()
        .position(|&d| d == bytes[GUID_CHARS])?;
    let shift = usize::from(bytes[0]) % FRAGMENT_DIGITS.len();
    let number = (digit + FRAGMENT_DIGITS.len() - shift) % FRAGMENT_DIGITS.len();
    u8::try_from(number).ok()
}

/// Base32-decodes `text` (SUNBURST's alphabet, little-endian bits), dropping
/// an incomplete last byte; `None` on a character outside the alphabet.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut bits: u32 = 0;
    let mut count = 0;
    for character in text.bytes() {
        let value = BASE32.iter().position(|&c| c == character)?;
        bits |= (value as u32) << count;
        count += 5;
        if count >= 8 {
            out.push((bits & 0xFF) as u8);
            bits >>= 8;
            count -= 8;
        }
    }
    Some(out)
}

/// Undoes the substitution; `None` when `text` cannot be its output.
pub fn substitution_decode(text: &str) -> Option<String> {
    let place = |c: u8| SUBSTITUTION.iter().position(|&s| s == c);
    let mut out = String::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(character) = bytes.next() {
        if character == b'0' {
            let escaped = place(bytes.next()?)?;
            out.push(char::from(ESCAPED[escaped % ESCAPED.len()]));
        } else {
            let at = place(character)?;
            let original = (at + SUBSTITUTION.len() - SHIFT) % SUBSTITUTION.len();
            out.push(char::from(SUBSTITUTION[original]));
        }
    }
    Some(out)
}

/// The key byte and the unmasked bytes after it.
fn unmask(bytes: &[u8]) -> Option<(u8, Vec<u8>)> {
    let (&key, rest) = bytes.split_first()?;
    Some((key, rest.iter().map(|b| b ^ key).collect()))
}

/// The key byte and GUID in the first 15 characters of a domain beacon's
/// label; `None` when `text` is not 15 characters of SUNBURST's base32.
pub fn decode_guid_part(text: &str) -> Option<(u8, Guid)> {
    if text.len() != GUID_CHARS {
        return None;
    }
    let bytes = base32_decode(text)?;
    let (key, plain) = unmask(&bytes)?;
    let guid: [u8; 8] = plain.get(..8)?.try_into().ok()?;
    Some((key, Guid(guid)))
}

fn decode_guid(label: &str) -> Guid {
    // The label was checked: its first 15 characters are base32.
    decode_guid_part(&label[..GUID_CHARS]).map_or(Guid([0; 8]), |(_, guid)| guid)
}

/// A fragment other than the last that ends in `0` is followed by one that
/// starts with the same `0` (SUNBURST sends 16 characters and moves on by
/// 15, so an escape is never cut): that `0` is dropped here.
fn without_repeated_zero(encoded: &str, number: u8) -> &str {
    if number == LAST_FRAGMENT {
        encoded
    } else {
        encoded.strip_suffix('0').unwrap_or(encoded)
    }
}

fn decode_fragment(label: &str, number: u8) -> Fragment {
    let encoded = label[GUID_CHARS + 1..].to_owned();
    let (encoding, text) = decode_domain_text(without_repeated_zero(&encoded, number));
    Fragment {
        guid: decode_guid(label),
        number,
        encoded,
        encoding,
        text,
    }
}

/// Decodes an encoded domain, or the start of one.
fn decode_domain_text(encoded: &str) -> (Encoding, Option<String>) {
    match encoded.strip_prefix(BASE32_MARKER) {
        Some(base32) => (
            Encoding::Base32,
            base32_decode(base32).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        ),
        None => (Encoding::Substitution, substitution_decode(encoded)),
    }
}

fn decode_status(label: &str) -> Option<Status> {
    let bytes = base32_decode(label)?;
    let (_, plain) = unmask(&bytes)?;
    if plain.len() < 11 {
        return None;
    }
    let stamp = u32::from(plain[8]) << 16 | u32::from(plain[9]) << 8 | u32::from(plain[10]);
    let kind = (stamp >> 20) as u8;
    let expected_kind = if label.len() == STATUS_KIND1_CHARS {
        1
    } else {
        2
    };
    if kind != expected_kind {
        return None;
    }
    let half_hours = (stamp & 0x000F_FFFF) >> 1;
    let epoch = Utc.with_ymd_and_hms(2010, 1, 1, 0, 0, 0).single()?;
    let time = epoch + Duration::minutes(30 * i64::from(half_hours));
    let mut guid = [0; 8];
    for (place, slot) in guid.iter_mut().enumerate() {
        let mask = if place % 2 == 0 { plain[10] } else { plain[9] };
        *slot = plain[place] ^ mask;
    }
    Some(Status {
        guid: Guid(guid),
        kind,
        time,
        stage2: stamp & 1 == 1,
        services: plain[11..].to_vec(),
    })
}

/// What the beacons of one victim say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Victim {
    /// The victim.
    pub guid: Guid,
    /// The AD domain, from the fragments seen (joined in order, each
    /// number once); `None` when no fragment was seen or they do not decode.
    pub domain: Option<String>,
    /// How the domain was encoded.
    pub encoding: Option<Encoding>,
    /// The fragment numbers seen, in order.
    pub fragments: Vec<u8>,
    /// Whether every fragment up to the last was seen.
    pub complete: bool,
    /// The status beacons' times, oldest first, each once.
    pub times: Vec<DateTime<Utc>>,
    /// Whether any status beacon had the stage-2 flag.
    pub stage2: bool,
}

/// Gathers beacons by victim and joins each victim's domain fragments.
#[derive(Debug, Default)]
pub struct Reassembler {
    victims: BTreeMap<Guid, Gathered>,
}

#[derive(Debug, Default)]
struct Gathered {
    fragments: BTreeMap<u8, String>,
    times: std::collections::BTreeSet<DateTime<Utc>>,
    stage2: bool,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new() -> Reassembler {
        Reassembler::default()
    }

    /// Adds a beacon (a fragment number seen twice keeps the first).
    pub fn add(&mut self, beacon: &Beacon) {
        let gathered = self.victims.entry(beacon.guid()).or_default();
        match beacon {
            Beacon::Fragment(fragment) => {
                gathered
                    .fragments
                    .entry(fragment.number)
                    .or_insert_with(|| fragment.encoded.clone());
            }
            Beacon::Status(status) => {
                gathered.times.insert(status.time);
                gathered.stage2 |= status.stage2;
            }
        }
    }

    /// How many victims were seen.
    pub fn len(&self) -> usize {
        self.victims.len()
    }

    /// Whether no beacon was added.
    pub fn is_empty(&self) -> bool {
        self.victims.is_empty()
    }

    /// Every victim, by GUID.
    pub fn victims(&self) -> Vec<Victim> {
        self.victims
            .iter()
            .map(|(guid, gathered)| gathered.victim(*guid))
            .collect()
    }
}

impl Gathered {
    fn victim(&self, guid: Guid) -> Victim {
        let fragments: Vec<u8> = self.fragments.keys().copied().collect();
        let has_last = self.fragments.contains_key(&LAST_FRAGMENT);
        let leading = fragments.iter().filter(|&&n| n != LAST_FRAGMENT).count();
        let contiguous = fragments
            .iter()
            .filter(|&&n| n != LAST_FRAGMENT)
            .enumerate()
            .all(|(expected, &n)| usize::from(n) == expected);
        let (domain, encoding) = if self.fragments.is_empty() {
            (None, None)
        } else {
            let joined: String = self
                .fragments
                .iter()
                .map(|(&number, encoded)| without_repeated_zero(encoded, number))
                .collect();
            let (encoding, text) = decode_domain_text(&joined);
            (text, Some(encoding))
        };
        Victim {
            guid,
            domain,
            encoding,
            fragments,
            complete: has_last && contiguous && (leading == 0 || self.fragments.contains_key(&0)),
            times: self.times.iter().copied().collect(),
            stage2: self.stage2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::reference;

    fn fragment(name: &str) -> Fragment {
        match decode(name) {
            Ok(Beacon::Fragment(fragment)) => fragment,
            other => panic!("{name}: {other:?}"),
        }
    }

    fn status(name: &str) -> Status {
        match decode(name) {
            Ok(Beacon::Status(status)) => status,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn base32_and_substitution_round_trip_known_values() {
        // Prevasio, Part III: the key and GUID bytes of "olc62cocacn7u2q".
        let bytes = base32_decode("olc62cocacn7u2q").unwrap();
        assert_eq!(
            bytes,
            [0x86, 0x7f, 0x2f, 0xbe, 0xf9, 0xfb, 0xa3, 0xae, 0xc4]
        );
        assert_eq!(
            substitution_decode("aovthro0love0oe2").unwrap(),
            "qingmei-inc.co"
        );
        assert_eq!(substitution_decode("abc0"), None);
        assert_eq!(substitution_decode("a0"), None);
    }

    #[test]
    fn reddrip7_example_is_the_first_fragment_of_qingmei_inc() {
        let f = fragment("1fik67gkncg86q6daovthro0love0oe2.appsync-api.us-west-2.avsvmcloud.com");
        assert_eq!(f.number, 0);
        assert!(!f.is_last());
        assert_eq!(f.encoding, Encoding::Substitution);
        assert_eq!(f.text.as_deref(), Some("qingmei-inc.co"));
    }

    #[test]
    fn netresec_and_prevasio_guids() {
        // Netresec's example prefix: key 180, GUID F9A9387F7D252842.
        let (key, guid) = decode_guid_part("r1qshoj05ji05ac").unwrap();
        assert_eq!((key, guid.to_string().as_str()), (180, "F9A9387F7D252842"));
        // Prevasio's, Part III: key 0x86, the same GUID.
        let (key, guid) = decode_guid_part("olc62cocacn7u2q").unwrap();
        assert_eq!((key, guid.to_string().as_str()), (0x86, "F9A9387F7D252842"));
        assert_eq!(decode_guid_part("olc62cocacn7u2"), None);
        assert_eq!(decode_guid_part("wlc62cocacn7u2q"), None);
    }

    #[test]
    fn fireeye_cname_queries_decode_to_netresec_times() {
        let s = status("6a57jk2ba1d9keg15cbg.appsync-api.eu-west-1.avsvmcloud.com");
        assert_eq!(s.kind, 1);
        assert_eq!(s.time.to_rfc3339(), "2020-06-13T09:00:00+00:00");
        assert!(s.stage2);
    }

    #[test]
    fn bad_names_are_errors() {
        assert!(matches!(decode(""), Err(DecodeError::Empty)));
        assert!(matches!(
            decode("6a57jk2ba1d9keg15cbg.example.com"),
            Err(DecodeError::WrongDomain(_))
        ));
        assert!(matches!(
            decode("6a57jk2ba1d9keg15cbg.appsync-api.ap-south-1.avsvmcloud.com"),
            Err(DecodeError::WrongRegion(_))
        ));
        assert!(matches!(decode("abc"), Err(DecodeError::TooShort(_, 3))));
        assert!(matches!(
            decode(&"p".repeat(33)),
            Err(DecodeError::TooLong(33))
        ));
        assert!(matches!(
            decode("wwwwwwwwwwwwwwwwwwww"),
            Err(DecodeError::BadCharacter { position: 0, .. })
        ));
        assert!(matches!(
            decode("1fik67gkncg86q6d-ovthro0love0oe2"),
            Err(DecodeError::BadCharacter { position: 16, .. })
        ));
        assert!(matches!(
            decode("ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ"),
            Err(DecodeError::BadCharacter { position: 0, .. })
        ));
    }

    /// Checks one `key=value` expectation of `published.tsv` against `name`.
    fn check_expectation(name: &str, key: &str, value: &str) {
        if key == "guid" || key == "key" {
            let label = name.split('.').next().unwrap_or(name);
            let (byte, guid) = decode_guid_part(&label[..GUID_CHARS]).expect(name);
            let found = if key == "guid" {
                guid.to_string()
            } else {
                byte.to_string()
            };
            assert_eq!(found, value, "{name}: {key}");
            return;
        }
        let beacon = decode(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let found = match (&beacon, key) {
            (Beacon::Status(_), "kind") => "status".to_owned(),
            (Beacon::Fragment(_), "kind") => "fragment".to_owned(),
            (Beacon::Status(s), "time") => s.time.format("%Y-%m-%dT%H:%M").to_string(),
            (Beacon::Status(s), "stage2") => s.stage2.to_string(),
            (Beacon::Fragment(f), "fragment") if f.is_last() => "last".to_owned(),
            (Beacon::Fragment(f), "fragment") => f.number.to_string(),
            (Beacon::Fragment(f), "encoding") => f.encoding.as_str().to_owned(),
            (Beacon::Fragment(f), "text") => f.text.clone().unwrap_or_default(),
            _ => panic!("{name}: no field {key} in {beacon:?}"),
        };
        assert_eq!(found, value, "{name}: {key}");
    }

    #[test]
    fn published_names_decode_as_published() {
        let lines = reference("sunburst/published.tsv");
        assert_eq!(lines.len(), 10);
        for line in lines {
            let mut columns = line.split('\t');
            let name = columns.next().unwrap();
            let expected = columns.next().expect("expectations column");
            for pair in expected.split(' ') {
                let (key, value) = pair.split_once('=').expect("key=value");
                check_expectation(name, key, value);
            }
        }
    }

    #[test]
    fn bambenek_passive_dns_names_all_decode_and_status_guids_match_domain_guids() {
        let names = reference("sunburst/bambenek-uniq-hostnames.txt");
        assert_eq!(names.len(), 1722);
        let mut domain_guids = std::collections::BTreeSet::new();
        let mut kind1 = Vec::new();
        let mut reassembler = Reassembler::new();
        let mut undecoded = Vec::new();
        for name in &names {
            let beacon = match decode(name) {
                Ok(beacon) => beacon,
                Err(error) => {
                    undecoded.push((name.as_str(), error));
                    continue;
                }
            };
            reassembler.add(&beacon);
            match beacon {
                Beacon::Fragment(f) => {
                    domain_guids.insert(f.guid);
                }
                Beacon::Status(s) if s.kind == 1 => kind1.push(s.guid),
                Beacon::Status(_) => {}
            }
        }
        // 19 characters and fragment number 30: neither a status beacon nor
        // a last fragment (the list may hold names rewritten on the way).
        assert_eq!(undecoded.len(), 1, "{undecoded:?}");
        assert_eq!(
            undecoded[0].0,
            "5btjo4rcbp3tiq8bo6t.appsync-api.us-east-1.avsvmcloud.com"
        );
        assert!(matches!(undecoded[0].1, DecodeError::NotABeacon(_)));
        let matched = kind1.iter().filter(|g| domain_guids.contains(g)).count();
        assert_eq!((matched, kind1.len()), (306, 357));
        let victims = reassembler.victims();
        let domains: std::collections::BTreeSet<&str> =
            victims.iter().filter_map(|v| v.domain.as_deref()).collect();
        // Decoded names Netresec published (the SunburstDomainDecoder post
        // and its updates), the base32 ones among them reassembled from two
        // or three fragments.
        for published in [
            "innout.corp",
            "fa.lcl",
            "bk.local",
            "htwanmgmt.local",
            "Sunkistgrowers.com",
            "BrokenArrow.Local",
            "CIMBMY.CIMBDomain.com",
            "BE.AJINOMOTO-OMNICHEM.AD",
        ] {
            assert!(domains.contains(published), "{published}");
        }
        // Three of FireEye's six CNAME queries carry the GUIDs of machines
        // whose domain beacons are in this list: Kaspersky's
        // "central.***.gov" and "***net.***.com" (Pima County and Cox).
        let domain_of = |name: &str| {
            let guid = decode(name).unwrap().guid();
            victims
                .iter()
                .find(|v| v.guid == guid)
                .and_then(|v| v.domain.clone())
        };
        for (name, domain) in [
            ("7sbvaemscs0mc925tb99", "central.pima.gov"),
            ("gq1h856599gqh538acqn", "central.pima.gov"),
            ("ihvpgv9psvq02ffo77et", "coxnet.cox.com"),
        ] {
            assert_eq!(domain_of(name).as_deref(), Some(domain), "{name}");
        }
        let bi_corp = victims
            .into_iter()
            .find(|v| v.guid.to_string() == "008D8D69C07CBE21")
            .expect("QiAnXin's bi.corp victim");
        assert_eq!(bi_corp.domain.as_deref(), Some("bi.corp"));
    }

    #[test]
    fn a_fragment_ending_in_zero_is_resent_at_the_start_of_the_next() {
        // Bambenek's list: Netresec's "Sunkistgrowers.com" in two fragments,
        // "...jo0" then "071mt...".
        let mut reassembler = Reassembler::new();
        for name in [
            "elqienlbfhrlsrdt00qu7lbvf1qe7jo0",
            "dim24hdrb0dst7pr071mt0im00feaaso",
        ] {
            reassembler.add(&decode(name).unwrap());
        }
        let victims = reassembler.victims();
        assert_eq!(victims[0].domain.as_deref(), Some("Sunkistgrowers.com"));
        assert_eq!(victims[0].encoding, Some(Encoding::Base32));
    }

    #[test]
    fn reassembly_joins_fragments_in_order() {
        let mut reassembler = Reassembler::new();
        // Made with the encoding described above: GUID bytes of
        // "1fik67gkncg86q6", the rest of "qingmei-inc.com" as fragment 35.
        let first = decode("1fik67gkncg86q6daovthro0love0oe2").unwrap();
        let shift = usize::from(b'1') % 36;
        let last_digit = char::from(FRAGMENT_DIGITS[(35 + shift) % 36]);
        let last = decode(&format!("1fik67gkncg86q6{last_digit}h")).unwrap();
        reassembler.add(&last);
        reassembler.add(&first);
        let victims = reassembler.victims();
        assert_eq!(victims.len(), 1);
        assert_eq!(victims[0].domain.as_deref(), Some("qingmei-inc.com"));
        assert_eq!(victims[0].fragments, [0, 35]);
        assert!(victims[0].complete);
    }
}

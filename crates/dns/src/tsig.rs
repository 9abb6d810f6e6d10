//! TSIG (RFC 8945) with HMAC-SHA256: verifying signed requests and signing
//! responses, including every message of a multi-message zone transfer.
//!
//! Written by hand because it works on the exact bytes of a message, which
//! a parsed-and-re-encoded message does not preserve: the request MAC
//! covers the message as received, minus its TSIG record, with the
//! original ID and an additional count one lower.
//!
//! Limitations: only `hmac-sha256.` keys; truncated MACs (RFC 8945 §5.2.2.1)
//! are refused; every message of a transfer is signed (the RFC allows
//! gaps of up to 99 unsigned messages, which this server never makes).

use hickory_proto::rr::Name;
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// TSIG's record type.
pub const TSIG_TYPE: u16 = 250;
/// Class ANY, the class of a TSIG record.
const CLASS_ANY: u16 = 255;
/// Allowed clock skew, seconds.
pub const FUDGE: u16 = 300;
/// TSIG error: bad signature.
pub const BADSIG: u16 = 16;
/// TSIG error: unknown key.
pub const BADKEY: u16 = 17;
/// TSIG error: time outside the fudge.
pub const BADTIME: u16 = 18;

type HmacSha256 = Hmac<Sha256>;

/// A shared secret.
#[derive(Clone)]
pub struct TsigKey {
    /// The key's name, lower case.
    pub name: Name,
    secret: Vec<u8>,
}

impl std::fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsigKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TsigKey {
    /// A key named `name` with the raw secret `secret`.
    pub fn new(name: Name, secret: Vec<u8>) -> TsigKey {
        TsigKey {
            name: name.to_lowercase(),
            secret,
        }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        <HmacSha256 as Mac>::new_from_slice(&self.secret).unwrap_or_else(|_| {
            <HmacSha256 as Mac>::new_from_slice(b"").expect("HMAC accepts an empty key")
        })
    }
}

/// The name of the only algorithm supported.
pub fn algorithm() -> Name {
    Name::from_ascii("hmac-sha256.").unwrap_or_else(|_| Name::root())
}

/// A TSIG record as found at the end of a message.
#[derive(Debug, Clone)]
pub struct TsigRecord {
    /// Offset of the record in the message.
    pub offset: usize,
    /// Key name.
    pub key_name: Name,
    /// Algorithm name.
    pub algorithm: Name,
    /// Time signed, seconds since the epoch (48 bits).
    pub time_signed: u64,
    /// Allowed skew.
    pub fudge: u16,
    /// The MAC.
    pub mac: Vec<u8>,
    /// The message ID when it was signed.
    pub original_id: u16,
}

/// How a request's signature checked out.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// No TSIG record.
    Unsigned,
    /// Signed with a known key and the MAC matches.
    Signed(Signer),
    /// Signed, but wrong: answer NOTAUTH carrying this TSIG error.
    Failed {
        /// The TSIG error code.
        error: u16,
        /// The key name the client used.
        key_name: Name,
        /// The time the client signed, echoed back.
        time_signed: u64,
    },
}

/// What is needed to sign the responses to a verified request.
#[derive(Debug, Clone)]
pub struct Signer {
    key: TsigKey,
    /// MAC of the previous message: the request's, then each response's.
    prior_mac: Vec<u8>,
    first: bool,
}

impl Signer {
    /// The key that signed the request.
    pub fn key_name(&self) -> &Name {
        &self.key.name
    }

    /// Signs one response message in place (appends a TSIG record and
    /// bumps the additional count). Messages must be signed in the order
    /// they are sent.
    pub fn sign(&mut self, message: &mut Vec<u8>, now: u64) {
        if message.len() < 12 {
            return;
        }
        let id = u16::from_be_bytes([message[0], message[1]]);
        let mut mac = self.key.mac();
        mac.update(&(self.prior_mac.len() as u16).to_be_bytes());
        mac.update(&self.prior_mac);
        mac.update(message);
        if self.first {
            mac.update(&variables(&self.key.name, now, FUDGE, 0));
        } else {
            mac.update(&timers(now, FUDGE));
        }
        let digest = mac.finalize().into_bytes().to_vec();
        append_tsig(message, &self.key.name, now, &digest, id, 0);
        self.prior_mac = digest;
        self.first = false;
    }
}

/// Finds the TSIG record of a message, if it is the last additional
/// record. Returns `Err(())` when the message cannot be walked.
#[allow(clippy::result_unit_err)]
pub fn find(message: &[u8]) -> Result<Option<TsigRecord>, ()> {
    if message.len() < 12 {
        return Err(());
    }
    let count = |i: usize| u16::from_be_bytes([message[i], message[i + 1]]) as usize;
    let (qd, an, ns, ar) = (count(4), count(6), count(8), count(10));
    if ar == 0 {
        return Ok(None);
    }
    let mut at = 12;
    for _ in 0..qd {
        at = skip_name(message, at)? + 4;
    }
    let records = an + ns + ar;
    let mut last_start = at;
    let mut last_type = 0;
    for _ in 0..records {
        last_start = at;
        at = skip_name(message, at)?;
        let fixed = message.get(at..at + 10).ok_or(())?;
        last_type = u16::from_be_bytes([fixed[0], fixed[1]]);
        let length = u16::from_be_bytes([fixed[8], fixed[9]]) as usize;
        at += 10 + length;
        if at > message.len() {
            return Err(());
        }
    }
    if last_type != TSIG_TYPE {
        return Ok(None);
    }
    let mut decoder = BinDecoder::new(message);
    decoder.read_slice(last_start).map_err(|_| ())?;
    let key_name = Name::read(&mut decoder).map_err(|_| ())?;
    let rest = message.get(decoder.index() + 10..).ok_or(())?;
    let mut decoder = BinDecoder::new(rest);
    let algorithm = Name::read(&mut decoder).map_err(|_| ())?;
    let fields = &rest[decoder.index()..];
    let field = |from: usize, len: usize| fields.get(from..from + len).ok_or(());
    let time = field(0, 6)?;
    let time_signed = time.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let fudge = u16::from_be_bytes(field(6, 2)?.try_into().map_err(|_| ())?);
    let mac_len = u16::from_be_bytes(field(8, 2)?.try_into().map_err(|_| ())?) as usize;
    let mac = field(10, mac_len)?.to_vec();
    let original_id = u16::from_be_bytes(field(10 + mac_len, 2)?.try_into().map_err(|_| ())?);
    Ok(Some(TsigRecord {
        offset: last_start,
        key_name: key_name.to_lowercase(),
        algorithm: algorithm.to_lowercase(),
        time_signed,
        fudge,
        mac,
        original_id,
    }))
}

fn skip_name(message: &[u8], mut at: usize) -> Result<usize, ()> {
    // At most 128 labels fit in 255 octets; more means a loop of garbage.
    for _ in 0..128 {
        let length = *message.get(at).ok_or(())?;
        match length & 0xC0 {
            0x00 if length == 0 => return Ok(at + 1),
            0x00 => at += 1 + length as usize,
            0xC0 => {
                message.get(at + 1).ok_or(())?;
                return Ok(at + 2);
            }
            _ => return Err(()),
        }
    }
    Err(())
}

/// Checks the signature of `message` against `keys` at time `now`.
pub fn verify(message: &[u8], keys: &[TsigKey], now: u64) -> Verdict {
    let record = match find(message) {
        Ok(Some(record)) => record,
        _ => return Verdict::Unsigned,
    };
    let failed = |error| Verdict::Failed {
        error,
        key_name: record.key_name.clone(),
        time_signed: record.time_signed,
    };
    let Some(key) = keys.iter().find(|k| k.name == record.key_name) else {
        return failed(BADKEY);
    };
    if record.algorithm != algorithm() {
        return failed(BADKEY);
    }
    let mut unsigned = message[..record.offset].to_vec();
    unsigned[0..2].copy_from_slice(&record.original_id.to_be_bytes());
    let additional = u16::from_be_bytes([unsigned[10], unsigned[11]]).saturating_sub(1);
    unsigned[10..12].copy_from_slice(&additional.to_be_bytes());
    let mut mac = key.mac();
    mac.update(&unsigned);
    mac.update(&variables(
        &record.key_name,
        record.time_signed,
        record.fudge,
        0,
    ));
    if record.mac.len() != 32 || mac.verify_slice(&record.mac).is_err() {
        return failed(BADSIG);
    }
    if now.abs_diff(record.time_signed) > u64::from(record.fudge) {
        return failed(BADTIME);
    }
    Verdict::Signed(Signer {
        key: key.clone(),
        prior_mac: record.mac,
        first: true,
    })
}

/// Signs a request (for tests and for NOTIFY); returns the MAC.
pub fn sign_request(message: &mut Vec<u8>, key: &TsigKey, now: u64) -> Vec<u8> {
    let id = u16::from_be_bytes([message[0], message[1]]);
    let mut mac = key.mac();
    mac.update(message);
    mac.update(&variables(&key.name, now, FUDGE, 0));
    let digest = mac.finalize().into_bytes().to_vec();
    append_tsig(message, &key.name, now, &digest, id, 0);
    digest
}

/// Appends an unsigned TSIG record carrying `error` (for NOTAUTH answers).
pub fn append_error(message: &mut Vec<u8>, key_name: &Name, time: u64, error: u16) {
    if message.len() < 12 {
        return;
    }
    let id = u16::from_be_bytes([message[0], message[1]]);
    append_tsig(message, key_name, time, &[], id, error);
}

fn append_tsig(message: &mut Vec<u8>, key: &Name, time: u64, mac: &[u8], id: u16, error: u16) {
    let mut rdata = Vec::with_capacity(64 + mac.len());
    push_name(&mut rdata, &algorithm());
    rdata.extend_from_slice(&time.to_be_bytes()[2..]);
    rdata.extend_from_slice(&FUDGE.to_be_bytes());
    rdata.extend_from_slice(&(mac.len() as u16).to_be_bytes());
    rdata.extend_from_slice(mac);
    rdata.extend_from_slice(&id.to_be_bytes());
    rdata.extend_from_slice(&error.to_be_bytes());
    rdata.extend_from_slice(&0u16.to_be_bytes());
    push_name(message, key);
    message.extend_from_slice(&TSIG_TYPE.to_be_bytes());
    message.extend_from_slice(&CLASS_ANY.to_be_bytes());
    message.extend_from_slice(&0u32.to_be_bytes());
    message.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    message.extend_from_slice(&rdata);
    let additional = u16::from_be_bytes([message[10], message[11]]).saturating_add(1);
    message[10..12].copy_from_slice(&additional.to_be_bytes());
}

fn push_name(out: &mut Vec<u8>, name: &Name) {
    for label in name.iter() {
        out.push(label.len() as u8);
        out.extend(label.iter().map(u8::to_ascii_lowercase));
    }
    out.push(0);
}

fn variables(key: &Name, time: u64, fudge: u16, error: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    push_name(&mut out, key);
    out.extend_from_slice(&CLASS_ANY.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    push_name(&mut out, &algorithm());
    out.extend_from_slice(&time.to_be_bytes()[2..]);
    out.extend_from_slice(&fudge.to_be_bytes());
    out.extend_from_slice(&error.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out
}

fn timers(time: u64, fudge: u16) -> Vec<u8> {
    let mut out = time.to_be_bytes()[2..].to_vec();
    out.extend_from_slice(&fudge.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{Message, Query};
    use hickory_proto::rr::RecordType;

    fn key() -> TsigKey {
        TsigKey::new(
            Name::from_ascii("xfr-key.").unwrap(),
            b"0123456789abcdef".to_vec(),
        )
    }

    fn request() -> Vec<u8> {
        let mut message = Message::new();
        message.set_id(4242);
        message.add_query(Query::query(
            Name::from_ascii("cautery.rpz.").unwrap(),
            RecordType::AXFR,
        ));
        message.to_vec().unwrap()
    }

    #[test]
    fn a_signed_request_verifies_and_a_tampered_one_does_not() {
        let mut message = request();
        sign_request(&mut message, &key(), 1_000_000);
        assert!(matches!(
            verify(&message, &[key()], 1_000_010),
            Verdict::Signed(_)
        ));
        assert!(matches!(
            verify(&message, &[key()], 2_000_000),
            Verdict::Failed { error: BADTIME, .. }
        ));
        let other = TsigKey::new(Name::from_ascii("xfr-key.").unwrap(), b"wrong".to_vec());
        assert!(matches!(
            verify(&message, &[other], 1_000_000),
            Verdict::Failed { error: BADSIG, .. }
        ));
        assert!(matches!(
            verify(&message, &[], 1_000_000),
            Verdict::Failed { error: BADKEY, .. }
        ));
        assert!(matches!(verify(&request(), &[key()], 0), Verdict::Unsigned));
    }

    #[test]
    fn garbage_is_unsigned_not_a_panic() {
        for bytes in [
            &b""[..],
            &[0u8; 12],
            &[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0xC0],
        ] {
            let _ = verify(bytes, &[key()], 0);
        }
    }
}

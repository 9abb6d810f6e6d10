//! TSIG (RFC 8945) with HMAC-SHA256: verifying signed requests and signing
//! responses, including every message of a multi-message zone transfer.
//!
//! Written by hand because it works on the exact bytes of a message, which
//! a parsed-and-re-encoded message does not preserve: the request MAC
//! covers the message as received, minus its TSIG record, with the
//! original ID and an additional count one lower.
//!
//! Errors (RFC 8945 §5.2, §5.3.2): a request with an unknown key (BADKEY)
//! or a MAC that does not verify (BADSIG) gets an unsigned NOTAUTH answer
//! (MAC size 0), since nothing proves the client holds the key; a request
//! with a good MAC but a time outside the fudge (BADTIME) gets a NOTAUTH
//! answer signed with the key, echoing the request's Time Signed and
//! carrying the server's time in Other Data, so the client can trust the
//! answer and learn how far apart the clocks are.
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
    /// Signed, but refused: answer NOTAUTH and finish the answer with
    /// [`Failure::append_to`].
    Failed(Failure),
}

/// Why a signed request was refused, and what its NOTAUTH answer needs.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The TSIG error code: BADKEY, BADSIG or BADTIME.
    pub error: u16,
    /// The key name the client used.
    pub key_name: Name,
    /// The time the client signed, echoed back.
    pub time_signed: u64,
    /// Set for BADTIME only: the request's MAC verified, so the answer is
    /// signed with the key over it (RFC 8945 §5.3.2).
    signer: Option<Signer>,
}

impl Failure {
    /// Appends the TSIG record of the NOTAUTH answer `message`, at the
    /// server's time `now`. BADKEY and BADSIG answers are unsigned (MAC
    /// size 0, RFC 8945 §5.3.2: they must not be signed). A BADTIME answer
    /// is signed over the request's MAC, the answer and the TSIG variables,
    /// with the request's Time Signed and `now` as 6 octets of Other Data
    /// (§5.2.3), so that the client can verify it although its own clock
    /// is off.
    pub fn append_to(self, message: &mut Vec<u8>, now: u64) {
        match self.signer {
            Some(mut signer) => {
                let server_time = &now.to_be_bytes()[2..];
                signer.sign_with(message, self.time_signed, self.error, server_time);
            }
            None => append_error(message, &self.key_name, self.time_signed, self.error),
        }
    }
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

    /// Octets the TSIG record adds to each message this signer signs, so
    /// that a UDP answer can leave exactly that much room.
    pub fn record_len(&self) -> usize {
        // Owner, type, class, TTL and RDLENGTH; then the algorithm, time
        // (6), fudge, MAC size, MAC, original ID, error, other length.
        wire_len(&self.key.name) + 10 + wire_len(&algorithm()) + 6 + 2 + 2 + 32 + 2 + 2 + 2
    }

    /// Signs one response message in place (appends a TSIG record and
    /// bumps the additional count). Messages must be signed in the order
    /// they are sent.
    pub fn sign(&mut self, message: &mut Vec<u8>, now: u64) {
        self.sign_with(message, now, 0, &[]);
    }

    /// Signs with Time Signed `time`, TSIG error `error` and Other Data
    /// `other` (which only the first message's MAC covers).
    fn sign_with(&mut self, message: &mut Vec<u8>, time: u64, error: u16, other: &[u8]) {
        if message.len() < 12 {
            return;
        }
        let id = u16::from_be_bytes([message[0], message[1]]);
        let mut mac = self.key.mac();
        mac.update(&(self.prior_mac.len() as u16).to_be_bytes());
        mac.update(&self.prior_mac);
        mac.update(message);
        if self.first {
            mac.update(&variables(&self.key.name, time, FUDGE, error, other));
        } else {
            mac.update(&timers(time, FUDGE));
        }
        let digest = mac.finalize().into_bytes().to_vec();
        append_tsig(message, &self.key.name, time, &digest, id, error, other);
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
    let failed = |error| {
        Verdict::Failed(Failure {
            error,
            key_name: record.key_name.clone(),
            time_signed: record.time_signed,
            signer: None,
        })
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
        &[],
    ));
    if record.mac.len() != 32 || mac.verify_slice(&record.mac).is_err() {
        return failed(BADSIG);
    }
    let signer = Signer {
        key: key.clone(),
        prior_mac: record.mac,
        first: true,
    };
    if now.abs_diff(record.time_signed) > u64::from(record.fudge) {
        return Verdict::Failed(Failure {
            error: BADTIME,
            key_name: record.key_name,
            time_signed: record.time_signed,
            signer: Some(signer),
        });
    }
    Verdict::Signed(signer)
}

/// Signs a request (for tests and for NOTIFY); returns the MAC, which the
/// response's MAC covers (see [`ResponseVerifier`]). A message shorter than
/// a header is left alone and gets an empty MAC.
pub fn sign_request(message: &mut Vec<u8>, key: &TsigKey, now: u64) -> Vec<u8> {
    if message.len() < 12 {
        return Vec::new();
    }
    let id = u16::from_be_bytes([message[0], message[1]]);
    let mut mac = key.mac();
    mac.update(message);
    mac.update(&variables(&key.name, now, FUDGE, 0, &[]));
    let digest = mac.finalize().into_bytes().to_vec();
    append_tsig(message, &key.name, now, &digest, id, 0, &[]);
    digest
}

/// Why a signed exchange's response was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The response to a signed request carries no TSIG record (RFC 8945
    /// §5.3.2: such a response must be discarded).
    #[error("the response is not signed")]
    Unsigned,
    /// The response cannot be walked to its TSIG record.
    #[error("the response is malformed")]
    Malformed,
    /// Signed by another key or with another algorithm.
    #[error("the response is signed with key {0}, not ours")]
    WrongKey(Name),
    /// The peer reports a TSIG error (BADSIG, BADKEY, BADTIME...): it did not
    /// accept our signature.
    #[error("the peer refused our signature: TSIG error {}", error_name(*.0))]
    PeerError(u16),
    /// The MAC does not match.
    #[error("the response's MAC does not verify (wrong secret or altered message)")]
    BadSignature,
    /// Signed too far from our clock.
    #[error("the response was signed {0} s away from our clock, more than its fudge")]
    BadTime(u64),
    /// The peer refused our request's time (BADTIME) in an answer signed
    /// with our key that gives its clock: the peer's time minus the time
    /// we signed, in seconds.
    #[error(
        "the peer refused the time of our request (TSIG error BADTIME): the clocks differ by \
         {} s, the peer's being {}; synchronise both clocks (NTP)",
        .0.unsigned_abs(),
        if *.0 < 0 { "behind" } else { "ahead" }
    )]
    ClockSkew(i64),
}

/// The name of a TSIG error code, for messages.
pub fn error_name(code: u16) -> String {
    match code {
        BADSIG => "BADSIG".into(),
        BADKEY => "BADKEY".into(),
        BADTIME => "BADTIME".into(),
        other => other.to_string(),
    }
}

/// Verifies the responses to a request this side signed: the first one's
/// MAC covers the request's MAC, each later one (a multi-message transfer,
/// RFC 8945 §5.3.1) covers the MAC of the message before it and only the
/// TSIG timers. Every message must be signed: this client does not accept
/// the unsigned intermediate messages that RFC 8945 allows, which a server
/// that signs every message (as this one does) never sends.
#[derive(Debug, Clone)]
pub struct ResponseVerifier {
    key: TsigKey,
    prior_mac: Vec<u8>,
    first: bool,
}

impl ResponseVerifier {
    /// A verifier for the responses to a request signed with `key` whose
    /// MAC was `request_mac` (what [`sign_request`] returned).
    pub fn new(key: TsigKey, request_mac: Vec<u8>) -> ResponseVerifier {
        ResponseVerifier {
            key,
            prior_mac: request_mac,
            first: true,
        }
    }

    /// Checks the next response message at time `now`.
    pub fn verify(&mut self, message: &[u8], now: u64) -> Result<(), ResponseError> {
        let record = match find(message) {
            Ok(Some(record)) => record,
            Ok(None) => return Err(ResponseError::Unsigned),
            Err(()) => return Err(ResponseError::Malformed),
        };
        if record.key_name != self.key.name || record.algorithm != algorithm() {
            return Err(ResponseError::WrongKey(record.key_name));
        }
        let error = tsig_error(message, record.offset).ok_or(ResponseError::Malformed)?;
        // BADSIG and BADKEY answers carry no MAC (RFC 8945 §5.3.2); nor does
        // a BADTIME answer from a peer that does not follow §5.2.3, which
        // then cannot tell us its clock.
        if error != 0 && (error != BADTIME || record.mac.is_empty()) {
            return Err(ResponseError::PeerError(error));
        }
        let mut unsigned = message[..record.offset].to_vec();
        unsigned[0..2].copy_from_slice(&record.original_id.to_be_bytes());
        let additional = u16::from_be_bytes([unsigned[10], unsigned[11]]).saturating_sub(1);
        unsigned[10..12].copy_from_slice(&additional.to_be_bytes());
        let mut mac = self.key.mac();
        mac.update(&(self.prior_mac.len() as u16).to_be_bytes());
        mac.update(&self.prior_mac);
        mac.update(&unsigned);
        // A BADTIME answer carries the server's time in Other Data, and
        // the MAC covers it.
        let other = other_data(message, record.offset).ok_or(ResponseError::Malformed)?;
        if self.first {
            mac.update(&variables(
                &record.key_name,
                record.time_signed,
                record.fudge,
                error,
                other,
            ));
        } else {
            mac.update(&timers(record.time_signed, record.fudge));
        }
        if record.mac.len() != 32 || mac.verify_slice(&record.mac).is_err() {
            return Err(ResponseError::BadSignature);
        }
        if error == BADTIME {
            // Time Signed echoes our request's time (RFC 8945 §5.2.3).
            return Err(match <[u8; 6]>::try_from(other) {
                Ok(time) => {
                    let peer = time.iter().fold(0i64, |acc, b| (acc << 8) | i64::from(*b));
                    // Both fit 48 bits, so the difference cannot overflow.
                    ResponseError::ClockSkew(peer - record.time_signed as i64)
                }
                Err(_) => ResponseError::PeerError(error),
            });
        }
        let skew = now.abs_diff(record.time_signed);
        if skew > u64::from(record.fudge) {
            return Err(ResponseError::BadTime(skew));
        }
        self.prior_mac = record.mac;
        self.first = false;
        Ok(())
    }
}

/// The TSIG record's RDATA fields after the original ID: error and other
/// data, located from the record's offset.
fn tsig_tail(message: &[u8], offset: usize) -> Option<&[u8]> {
    let owner_end = skip_name(message, offset).ok()?;
    let fixed = message.get(owner_end..owner_end + 10)?;
    let length = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
    let rdata = message.get(owner_end + 10..owner_end + 10 + length)?;
    // Algorithm name (uncompressed in TSIG), 6+2 octets of time and fudge,
    // the MAC with its length, the original ID.
    let algorithm_end = skip_name(rdata, 0).ok()?;
    let mac_length = rdata.get(algorithm_end + 8..algorithm_end + 10)?;
    let mac_length = usize::from(u16::from_be_bytes([mac_length[0], mac_length[1]]));
    rdata.get(algorithm_end + 10 + mac_length + 2..)
}

fn tsig_error(message: &[u8], offset: usize) -> Option<u16> {
    let tail = tsig_tail(message, offset)?;
    Some(u16::from_be_bytes([*tail.first()?, *tail.get(1)?]))
}

fn other_data(message: &[u8], offset: usize) -> Option<&[u8]> {
    let tail = tsig_tail(message, offset)?;
    let length = usize::from(u16::from_be_bytes([*tail.get(2)?, *tail.get(3)?]));
    tail.get(4..4 + length)
}

/// Appends an unsigned TSIG record carrying `error` (for NOTAUTH answers).
pub fn append_error(message: &mut Vec<u8>, key_name: &Name, time: u64, error: u16) {
    if message.len() < 12 {
        return;
    }
    let id = u16::from_be_bytes([message[0], message[1]]);
    append_tsig(message, key_name, time, &[], id, error, &[]);
}

fn append_tsig(
    message: &mut Vec<u8>,
    key: &Name,
    time: u64,
    mac: &[u8],
    id: u16,
    error: u16,
    other: &[u8],
) {
    let mut rdata = Vec::with_capacity(64 + mac.len() + other.len());
    push_name(&mut rdata, &algorithm());
    rdata.extend_from_slice(&time.to_be_bytes()[2..]);
    rdata.extend_from_slice(&FUDGE.to_be_bytes());
    rdata.extend_from_slice(&(mac.len() as u16).to_be_bytes());
    rdata.extend_from_slice(mac);
    rdata.extend_from_slice(&id.to_be_bytes());
    rdata.extend_from_slice(&error.to_be_bytes());
    rdata.extend_from_slice(&(other.len() as u16).to_be_bytes());
    rdata.extend_from_slice(other);
    push_name(message, key);
    message.extend_from_slice(&TSIG_TYPE.to_be_bytes());
    message.extend_from_slice(&CLASS_ANY.to_be_bytes());
    message.extend_from_slice(&0u32.to_be_bytes());
    message.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    message.extend_from_slice(&rdata);
    let additional = u16::from_be_bytes([message[10], message[11]]).saturating_add(1);
    message[10..12].copy_from_slice(&additional.to_be_bytes());
}

/// Length of `name` uncompressed on the wire.
fn wire_len(name: &Name) -> usize {
    name.iter().map(|label| label.len() + 1).sum::<usize>() + 1
}

fn push_name(out: &mut Vec<u8>, name: &Name) {
    for label in name.iter() {
        out.push(label.len() as u8);
        out.extend(label.iter().map(u8::to_ascii_lowercase));
    }
    out.push(0);
}

/// The TSIG variables a first message's MAC covers (RFC 8945 §4.3.3).
fn variables(key: &Name, time: u64, fudge: u16, error: u16, other: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + other.len());
    push_name(&mut out, key);
    out.extend_from_slice(&CLASS_ANY.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    push_name(&mut out, &algorithm());
    out.extend_from_slice(&time.to_be_bytes()[2..]);
    out.extend_from_slice(&fudge.to_be_bytes());
    out.extend_from_slice(&error.to_be_bytes());
    out.extend_from_slice(&(other.len() as u16).to_be_bytes());
    out.extend_from_slice(other);
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
            Verdict::Failed(Failure { error: BADTIME, .. })
        ));
        let other = TsigKey::new(Name::from_ascii("xfr-key.").unwrap(), b"wrong".to_vec());
        assert!(matches!(
            verify(&message, &[other], 1_000_000),
            Verdict::Failed(Failure { error: BADSIG, .. })
        ));
        assert!(matches!(
            verify(&message, &[], 1_000_000),
            Verdict::Failed(Failure { error: BADKEY, .. })
        ));
        assert!(matches!(verify(&request(), &[key()], 0), Verdict::Unsigned));
    }

    fn response(id: u16, n: u8) -> Vec<u8> {
        let mut message = Message::new();
        message.set_id(id);
        message.set_message_type(hickory_proto::op::MessageType::Response);
        message.add_query(Query::query(
            Name::from_ascii(format!("m{n}.cautery.rpz.")).unwrap(),
            RecordType::SOA,
        ));
        message.to_vec().unwrap()
    }

    /// Signs a request, lets the server side verify it and sign `count`
    /// responses in order; returns the client's verifier and the responses.
    fn exchange(count: u8) -> (ResponseVerifier, Vec<Vec<u8>>) {
        let mut message = request();
        let request_mac = sign_request(&mut message, &key(), 1_000_000);
        let Verdict::Signed(mut signer) = verify(&message, &[key()], 1_000_000) else {
            panic!("the request does not verify");
        };
        let responses = (0..count)
            .map(|n| {
                let mut out = response(4242, n);
                signer.sign(&mut out, 1_000_001 + u64::from(n));
                out
            })
            .collect();
        (ResponseVerifier::new(key(), request_mac), responses)
    }

    #[test]
    fn a_signature_adds_exactly_the_announced_length() {
        let long = TsigKey::new(
            Name::from_ascii(format!("{}.keys.example.", "k".repeat(60))).unwrap(),
            b"secret".to_vec(),
        );
        for key in [key(), long] {
            let mut message = request();
            sign_request(&mut message, &key, 1_000_000);
            let Verdict::Signed(mut signer) =
                verify(&message, std::slice::from_ref(&key), 1_000_000)
            else {
                panic!("the request does not verify");
            };
            let mut out = response(4242, 0);
            let before = out.len();
            signer.sign(&mut out, 1_000_000);
            assert_eq!(out.len() - before, signer.record_len(), "{}", key.name);
        }
    }

    #[test]
    fn every_message_of_a_signed_transfer_verifies_in_order() {
        let (mut verifier, responses) = exchange(3);
        for (n, message) in responses.iter().enumerate() {
            assert_eq!(verifier.verify(message, 1_000_002), Ok(()), "message {n}");
        }
    }

    #[test]
    fn a_skipped_reordered_or_altered_transfer_message_fails() {
        // RFC 8945 §5.3.1 chains each MAC to the one before: a message that
        // is left out breaks the chain.
        let (mut verifier, responses) = exchange(3);
        verifier.verify(&responses[0], 1_000_000).unwrap();
        assert_eq!(
            verifier.verify(&responses[2], 1_000_000),
            Err(ResponseError::BadSignature)
        );
        // The first message verifies only against the request's MAC.
        let (mut verifier, responses) = exchange(2);
        assert_eq!(
            verifier.verify(&responses[1], 1_000_000),
            Err(ResponseError::BadSignature)
        );
        let (mut verifier, mut responses) = exchange(1);
        let last = responses[0].len() - 10;
        responses[0][20] ^= 1;
        assert_eq!(
            verifier.verify(&responses[0], 1_000_000),
            Err(ResponseError::BadSignature)
        );
        responses[0][20] ^= 1;
        responses[0][last] ^= 1;
        assert!(verifier.verify(&responses[0], 1_000_000).is_err());
    }

    #[test]
    fn unsigned_error_and_foreign_responses_are_refused() {
        let (mut verifier, _) = exchange(0);
        assert_eq!(
            verifier.verify(&response(4242, 0), 1_000_000),
            Err(ResponseError::Unsigned)
        );
        let mut refused = response(4242, 0);
        append_error(&mut refused, &key().name, 1_000_000, BADSIG);
        assert_eq!(
            verifier.verify(&refused, 1_000_000),
            Err(ResponseError::PeerError(BADSIG))
        );
        let other = TsigKey::new(Name::from_ascii("other.").unwrap(), b"x".to_vec());
        let mut foreign = response(4242, 0);
        append_error(&mut foreign, &other.name, 1_000_000, 0);
        assert!(matches!(
            verifier.verify(&foreign, 1_000_000),
            Err(ResponseError::WrongKey(_))
        ));
        let (mut verifier, responses) = exchange(1);
        assert!(matches!(
            verifier.verify(&responses[0], 5_000_000),
            Err(ResponseError::BadTime(_))
        ));
    }

    /// A request signed at `signed` and checked by the server at `now`:
    /// the NOTAUTH answer the server makes, and the request's MAC.
    fn refused(keys: &[TsigKey], signed: u64, now: u64) -> (u16, Vec<u8>, Vec<u8>) {
        let mut message = request();
        let request_mac = sign_request(&mut message, &key(), signed);
        let Verdict::Failed(failure) = verify(&message, keys, now) else {
            panic!("the request is not refused");
        };
        let error = failure.error;
        let mut answer = response(4242, 0);
        answer[3] = 9; // NOTAUTH
        failure.append_to(&mut answer, now);
        (error, answer, request_mac)
    }

    #[test]
    fn a_badtime_answer_is_signed_and_tells_the_client_how_far_apart_the_clocks_are() {
        // The server's clock 1000 s ahead of the client's, then 1000 behind.
        for (signed, now) in [(1_000_000, 1_001_000), (1_001_000, 1_000_000)] {
            let (error, answer, request_mac) = refused(&[key()], signed, now);
            assert_eq!(error, BADTIME);
            let record = find(&answer).unwrap().unwrap();
            // RFC 8945 §5.2.3: the request's Time Signed, the server's time
            // in 6 octets of Other Data, a MAC.
            assert_eq!(record.time_signed, signed);
            assert_eq!(record.mac.len(), 32);
            assert_eq!(
                other_data(&answer, record.offset),
                Some(&now.to_be_bytes()[2..])
            );
            assert_eq!(tsig_error(&answer, record.offset), Some(BADTIME));
            // The client's clock is the one that is off: the answer verifies
            // whatever it reads.
            let skew = now as i64 - signed as i64;
            for client_now in [signed, now, 5_000_000] {
                let mut verifier = ResponseVerifier::new(key(), request_mac.clone());
                assert_eq!(
                    verifier.verify(&answer, client_now),
                    Err(ResponseError::ClockSkew(skew))
                );
            }
            // Only the request's MAC opens it.
            let mut verifier = ResponseVerifier::new(key(), vec![0; 32]);
            assert_eq!(
                verifier.verify(&answer, signed),
                Err(ResponseError::BadSignature)
            );
        }
    }

    #[test]
    fn an_altered_badtime_answer_does_not_verify() {
        let (_, answer, request_mac) = refused(&[key()], 1_000_000, 1_001_000);
        let record = find(&answer).unwrap().unwrap();
        let server_time = answer.len() - 1;
        let time_signed = answer.len() - 6 - 2 - 2 - 2 - 32 - 2 - 2 - 1;
        assert_eq!(
            answer[time_signed],
            1_000_000u64.to_be_bytes()[7],
            "the last octet of Time Signed"
        );
        let mac = answer.len() - 6 - 2 - 2 - 2 - 1;
        assert_eq!(answer[mac], record.mac[31], "the last octet of the MAC");
        // A question octet, the server's time, the echoed time, the MAC.
        for at in [14, server_time, time_signed, mac] {
            let mut altered = answer.clone();
            altered[at] ^= 1;
            let mut verifier = ResponseVerifier::new(key(), request_mac.clone());
            assert_eq!(
                verifier.verify(&altered, 1_000_000),
                Err(ResponseError::BadSignature),
                "octet {at}"
            );
        }
    }

    #[test]
    fn badsig_and_badkey_answers_stay_unsigned() {
        let wrong = TsigKey::new(key().name, b"wrong".to_vec());
        for (keys, expected) in [(vec![wrong], BADSIG), (Vec::new(), BADKEY)] {
            let (error, answer, request_mac) = refused(&keys, 1_000_000, 1_000_000);
            assert_eq!(error, expected);
            let record = find(&answer).unwrap().unwrap();
            assert!(record.mac.is_empty(), "MAC size 0 (RFC 8945 §5.3.2)");
            assert_eq!(other_data(&answer, record.offset), Some(&[][..]));
            let mut verifier = ResponseVerifier::new(key(), request_mac);
            assert_eq!(
                verifier.verify(&answer, 1_000_000),
                Err(ResponseError::PeerError(expected))
            );
        }
    }

    #[test]
    fn an_unsigned_badtime_answer_is_reported_as_the_peer_error() {
        // From a server that does not sign BADTIME (RFC 2845 allowed it):
        // nothing to verify, so no skew to learn.
        let (mut verifier, _) = exchange(0);
        let mut answer = response(4242, 0);
        append_error(&mut answer, &key().name, 1_000_000, BADTIME);
        assert_eq!(
            verifier.verify(&answer, 1_000_000),
            Err(ResponseError::PeerError(BADTIME))
        );
    }

    #[test]
    fn garbage_is_unsigned_not_a_panic() {
        for bytes in [
            &b""[..],
            &[0u8; 12],
            &[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0xC0],
        ] {
            let _ = verify(bytes, &[key()], 0);
            let mut verifier = ResponseVerifier::new(key(), vec![0; 32]);
            assert!(verifier.verify(bytes, 0).is_err());
        }
    }
}

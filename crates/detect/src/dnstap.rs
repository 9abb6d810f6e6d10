//! dnstap: DNS messages as a resolver saw them, in Frame Streams.
//!
//! - Frame Streams (the `fstrm` protocol, <https://farsightsec.github.io/fstrm/>):
//!   a data frame is a 32-bit big-endian length and that many bytes; a
//!   length of zero escapes a control frame (its own 32-bit length, a
//!   32-bit type, then fields of type, length and value). A file holds
//!   START, data frames, STOP; a socket adds the bidirectional handshake
//!   READY, ACCEPT before START and FINISH after STOP. [`next_frame`]
//!   reads one frame out of a buffer without I/O, so a file reader and the
//!   daemon's collector share it.
//! - The payload is a protobuf `dnstap.Dnstap` (<https://dnstap.info/>,
//!   `dnstap.proto`). Only the fields a finding needs are decoded by hand:
//!   the message type, the query address, the query and response times and
//!   messages. `CLIENT_QUERY` and `CLIENT_RESPONSE` become a
//!   [`Record`]; every other message type (the resolver's own upstream
//!   queries, authoritative traffic) is skipped.
//!
//! Bounded: a data frame is at most [`MAX_DATA_FRAME`] bytes and a control
//! frame at most [`MAX_CONTROL_FRAME`] (fstrm's own limit); anything longer
//! is an error, since a stream cannot be resynchronised after it.
//!
//! Known limitations: the `extra`, `identity` and `policy` fields are
//! ignored; a message with no DNS message bytes (a resolver configured to
//! log only addresses) has no name and is counted as malformed.

use chrono::{DateTime, Utc};

use crate::formats::Malformed;
use crate::record::Record;
use crate::wire;

/// The content type of dnstap data frames.
pub const CONTENT_TYPE: &[u8] = b"protobuf:dnstap.Dnstap";

/// Longest data frame read: two DNS messages of 64 KiB and the fields
/// around them.
pub const MAX_DATA_FRAME: usize = 160 * 1024;

/// Longest control frame (fstrm's `FSTRM_CONTROL_FRAME_LENGTH_MAX`).
pub const MAX_CONTROL_FRAME: usize = 512;

/// The kinds of control frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlKind {
    /// The receiver accepts a content type (bidirectional only).
    Accept,
    /// The data frames begin.
    Start,
    /// The data frames end.
    Stop,
    /// The sender offers content types (bidirectional only).
    Ready,
    /// The receiver saw STOP (bidirectional only).
    Finish,
}

impl ControlKind {
    fn code(self) -> u32 {
        match self {
            ControlKind::Accept => 1,
            ControlKind::Start => 2,
            ControlKind::Stop => 3,
            ControlKind::Ready => 4,
            ControlKind::Finish => 5,
        }
    }

    fn from_code(code: u32) -> Option<ControlKind> {
        Some(match code {
            1 => ControlKind::Accept,
            2 => ControlKind::Start,
            3 => ControlKind::Stop,
            4 => ControlKind::Ready,
            5 => ControlKind::Finish,
            _ => return None,
        })
    }
}

/// One frame of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A data frame's payload.
    Data(&'a [u8]),
    /// A control frame and the content types it names.
    Control {
        /// Which control frame.
        kind: ControlKind,
        /// Whether one of its content-type fields is dnstap's (or it names
        /// none, which fstrm reads as "any").
        dnstap: bool,
    },
}

/// Why a stream could not be read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A data frame longer than [`MAX_DATA_FRAME`].
    #[error("a data frame of {0} bytes, more than the {MAX_DATA_FRAME} read")]
    DataTooLong(usize),
    /// A control frame longer than [`MAX_CONTROL_FRAME`] or shorter than its type.
    #[error("a control frame of {0} bytes (at most {MAX_CONTROL_FRAME}, at least 4)")]
    ControlLength(usize),
    /// A control frame of an unknown type or with fields that overrun it.
    #[error("a control frame that is not one of fstrm's")]
    Control,
    /// The input ended inside a frame.
    #[error("the stream ends inside a frame")]
    Truncated,
    /// The stream's content type is not dnstap's.
    #[error("the stream's content type is not protobuf:dnstap.Dnstap")]
    ContentType,
}

fn be32(bytes: &[u8]) -> usize {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize
}

/// Reads the frame at the start of `buffer`: the frame and the bytes it
/// takes, `None` when `buffer` does not hold all of it yet.
pub fn next_frame(buffer: &[u8]) -> Result<Option<(Frame<'_>, usize)>, FrameError> {
    if buffer.len() < 4 {
        return Ok(None);
    }
    let length = be32(buffer);
    if length > 0 {
        if length > MAX_DATA_FRAME {
            return Err(FrameError::DataTooLong(length));
        }
        return Ok(buffer
            .get(4..4 + length)
            .map(|payload| (Frame::Data(payload), 4 + length)));
    }
    if buffer.len() < 8 {
        return Ok(None);
    }
    let length = be32(&buffer[4..]);
    if !(4..=MAX_CONTROL_FRAME).contains(&length) {
        return Err(FrameError::ControlLength(length));
    }
    let Some(body) = buffer.get(8..8 + length) else {
        return Ok(None);
    };
    let kind = ControlKind::from_code(be32(body) as u32).ok_or(FrameError::Control)?;
    let mut fields = &body[4..];
    let (mut named, mut dnstap) = (false, false);
    while !fields.is_empty() {
        if fields.len() < 8 {
            return Err(FrameError::Control);
        }
        let (field, size) = (be32(fields), be32(&fields[4..]));
        let value = fields.get(8..8 + size).ok_or(FrameError::Control)?;
        // Field type 1 is CONTENT_TYPE, the only one fstrm defines.
        if field == 1 {
            named = true;
            dnstap |= value == CONTENT_TYPE;
        }
        fields = &fields[8 + size..];
    }
    Ok(Some((
        Frame::Control {
            kind,
            dnstap: dnstap || !named,
        },
        8 + length,
    )))
}

/// A control frame in wire form, naming dnstap's content type when asked.
pub fn control_frame(kind: ControlKind, content_type: bool) -> Vec<u8> {
    let mut body = kind.code().to_be_bytes().to_vec();
    if content_type {
        body.extend_from_slice(&1u32.to_be_bytes());
        body.extend_from_slice(&(CONTENT_TYPE.len() as u32).to_be_bytes());
        body.extend_from_slice(CONTENT_TYPE);
    }
    let mut frame = vec![0; 4];
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    frame
}

/// `Message.Type` values read (dnstap.proto).
const CLIENT_QUERY: u64 = 5;
const CLIENT_RESPONSE: u64 = 6;

/// The fields of a `dnstap.Message` this crate reads.
#[derive(Debug, Default)]
struct Message<'a> {
    kind: u64,
    tcp: bool,
    query_address: Option<&'a [u8]>,
    response_address: Option<&'a [u8]>,
    query_port: u16,
    response_port: u16,
    query_time: (u64, u32),
    response_time: Option<(u64, u32)>,
    query_message: Option<&'a [u8]>,
    response_message: Option<&'a [u8]>,
}

/// One protobuf field: its number and its value.
enum Value<'a> {
    Varint(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
    Other,
}

/// Reads protobuf fields out of a buffer (wire types 0, 1, 2 and 5).
struct Fields<'a> {
    rest: &'a [u8],
}

fn varint(bytes: &mut &[u8]) -> Result<u64, Malformed> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first().ok_or(Malformed::Message)?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(Malformed::Message)
}

impl<'a> Fields<'a> {
    fn next_field(&mut self) -> Result<Option<(u64, Value<'a>)>, Malformed> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let key = varint(&mut self.rest)?;
        let value = match key & 7 {
            0 => Value::Varint(varint(&mut self.rest)?),
            1 => {
                self.rest = self.rest.get(8..).ok_or(Malformed::Message)?;
                Value::Other
            }
            2 => {
                let length =
                    usize::try_from(varint(&mut self.rest)?).map_err(|_| Malformed::Message)?;
                if length > self.rest.len() {
                    return Err(Malformed::Message);
                }
                let (bytes, rest) = self.rest.split_at(length);
                self.rest = rest;
                Value::Bytes(bytes)
            }
            5 => {
                let bytes = self.rest.get(..4).ok_or(Malformed::Message)?;
                self.rest = &self.rest[4..];
                Value::Fixed32(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            }
            _ => return Err(Malformed::Message),
        };
        Ok(Some((key >> 3, value)))
    }
}

fn message(bytes: &[u8]) -> Result<Message<'_>, Malformed> {
    let mut message = Message::default();
    let mut fields = Fields { rest: bytes };
    while let Some((number, value)) = fields.next_field()? {
        match (number, value) {
            (1, Value::Varint(kind)) => message.kind = kind,
            // SocketProtocol: UDP 1, TCP 2, DOT 3, DOH 4, DNSCryptUDP 5, DNSCryptTCP 6, DOQ 7.
            (3, Value::Varint(protocol)) => message.tcp = matches!(protocol, 2 | 3 | 4 | 6),
            (4, Value::Bytes(address)) => message.query_address = Some(address),
            (5, Value::Bytes(address)) => message.response_address = Some(address),
            (6, Value::Varint(port)) => message.query_port = u16::try_from(port).unwrap_or(0),
            (7, Value::Varint(port)) => message.response_port = u16::try_from(port).unwrap_or(0),
            (8, Value::Varint(seconds)) => message.query_time.0 = seconds,
            (9, Value::Fixed32(nanos)) => message.query_time.1 = nanos,
            (10, Value::Bytes(dns)) => message.query_message = Some(dns),
            (12, Value::Varint(seconds)) => {
                message.response_time.get_or_insert((0, 0)).0 = seconds;
            }
            (13, Value::Fixed32(nanos)) => message.response_time.get_or_insert((0, 0)).1 = nanos,
            (14, Value::Bytes(dns)) => message.response_message = Some(dns),
            _ => {}
        }
    }
    Ok(message)
}

fn address(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => Some(<[u8; 4]>::try_from(bytes).ok()?.into()),
        16 => Some(<[u8; 16]>::try_from(bytes).ok()?.into()),
        _ => None,
    }
}

fn instant((seconds, nanos): (u64, u32)) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(i64::try_from(seconds).ok()?, nanos)
}

/// A client's query or response as the resolver saw it, with what a
/// sinkhole-style event needs beyond a [`Record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMessage {
    /// When, who, what name, and NXDOMAIN-ness for a response.
    pub record: Record,
    /// A response (`CLIENT_RESPONSE`) rather than a query.
    pub response: bool,
    /// The client's port (0 when the resolver did not say).
    pub client_port: u16,
    /// The resolver's address and port, when the resolver said.
    pub resolver: Option<std::net::SocketAddr>,
    /// The question's type.
    pub qtype: u16,
    /// Over a stream transport (TCP, DoT, DoH) rather than a datagram one.
    pub tcp: bool,
}

/// Reads one data frame's payload: a [`ClientMessage`] for a client's
/// query or response, `None` for any other dnstap message.
pub fn decode_client(payload: &[u8]) -> Result<Option<ClientMessage>, Malformed> {
    let mut fields = Fields { rest: payload };
    let mut inner = None;
    while let Some((number, value)) = fields.next_field()? {
        // Field 14 of `Dnstap` is its `Message`; 15 is its type (1, MESSAGE).
        if let (14, Value::Bytes(bytes)) = (number, value) {
            inner = Some(bytes);
        }
    }
    let Some(inner) = inner else {
        return Ok(None);
    };
    let message = message(inner)?;
    let (dns, time) = match message.kind {
        CLIENT_QUERY => (message.query_message, message.query_time),
        CLIENT_RESPONSE => (
            message.response_message,
            message.response_time.unwrap_or(message.query_time),
        ),
        _ => return Ok(None),
    };
    let client = message
        .query_address
        .and_then(address)
        .ok_or(Malformed::Client)?;
    let time = instant(time).ok_or(Malformed::Timestamp)?;
    let question = wire::question(dns.ok_or(Malformed::Name)?)?;
    Ok(Some(ClientMessage {
        record: Record {
            time,
            client,
            name: question.name,
            nxdomain: question
                .response
                .then_some(question.rcode == wire::NXDOMAIN),
        },
        response: message.kind == CLIENT_RESPONSE,
        client_port: message.query_port,
        resolver: message
            .response_address
            .and_then(address)
            .map(|ip| std::net::SocketAddr::new(ip, message.response_port)),
        qtype: question.qtype,
        tcp: message.tcp,
    }))
}

/// Reads one data frame's payload: a [`Record`] for a client's query or
/// response, `None` for any other dnstap message.
pub fn decode(payload: &[u8]) -> Result<Option<Record>, Malformed> {
    Ok(decode_client(payload)?.map(|message| message.record))
}

/// Whether `start` (the first bytes of an input) looks like a Frame
/// Streams file: an escape and a START control frame.
pub fn looks_like_dnstap(start: &[u8]) -> bool {
    start.len() >= 12 && start[..4] == [0; 4] && start[8..12] == 2u32.to_be_bytes()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::wire::tests::message as dns_message;

    fn key(number: u64, wire: u64, out: &mut Vec<u8>) {
        put_varint((number << 3) | wire, out);
    }

    fn put_varint(mut value: u64, out: &mut Vec<u8>) {
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    fn bytes(number: u64, value: &[u8], out: &mut Vec<u8>) {
        key(number, 2, out);
        put_varint(value.len() as u64, out);
        out.extend_from_slice(value);
    }

    /// A `dnstap.Dnstap` payload as BIND or Unbound write it.
    pub(crate) fn payload(kind: u64, client: [u8; 4], seconds: u64, dns: &[u8]) -> Vec<u8> {
        let mut inner = Vec::new();
        key(1, 0, &mut inner);
        put_varint(kind, &mut inner);
        key(2, 0, &mut inner);
        put_varint(1, &mut inner);
        bytes(4, &client, &mut inner);
        key(6, 0, &mut inner);
        put_varint(53124, &mut inner);
        key(8, 0, &mut inner);
        put_varint(seconds, &mut inner);
        key(9, 5, &mut inner);
        inner.extend_from_slice(&250_000_000u32.to_le_bytes());
        if kind % 2 == 0 {
            key(12, 0, &mut inner);
            put_varint(seconds + 1, &mut inner);
            key(13, 5, &mut inner);
            inner.extend_from_slice(&0u32.to_le_bytes());
            bytes(14, dns, &mut inner);
        } else {
            bytes(10, dns, &mut inner);
        }
        let mut outer = Vec::new();
        bytes(1, b"resolver1", &mut outer);
        bytes(2, b"BIND 9.18", &mut outer);
        key(15, 0, &mut outer);
        put_varint(1, &mut outer);
        bytes(14, &inner, &mut outer);
        outer
    }

    /// A Frame Streams file of `payloads`.
    pub(crate) fn file(payloads: &[Vec<u8>]) -> Vec<u8> {
        let mut out = control_frame(ControlKind::Start, true);
        for payload in payloads {
            out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            out.extend_from_slice(payload);
        }
        out.extend_from_slice(&control_frame(ControlKind::Stop, false));
        out
    }

    #[test]
    fn client_queries_and_responses_become_records() {
        let query = payload(
            CLIENT_QUERY,
            [127, 0, 0, 7],
            1_764_700_000,
            &dns_message("QWERTY.example", false, 0),
        );
        let message = decode_client(&query).unwrap().unwrap();
        assert_eq!(
            (message.client_port, message.qtype, message.response),
            (53124, 1, false)
        );
        let record = message.record;
        assert_eq!(record.client.to_string(), "127.0.0.7");
        assert_eq!(record.name, "qwerty.example");
        assert_eq!(record.nxdomain, None);
        assert_eq!(record.time.timestamp_millis(), 1_764_700_000_250);
        let response = payload(
            CLIENT_RESPONSE,
            [127, 0, 0, 7],
            1_764_700_000,
            &dns_message("qwerty.example", true, 3),
        );
        let record = decode(&response).unwrap().unwrap();
        assert_eq!(record.nxdomain, Some(true));
        assert_eq!(record.time.timestamp(), 1_764_700_001);
        // The resolver's own query upstream is not a client's.
        let upstream = payload(3, [127, 0, 0, 1], 1, &dns_message("a.b", false, 0));
        assert_eq!(decode(&upstream), Ok(None));
    }

    #[test]
    fn a_file_is_read_frame_by_frame() {
        let dns = dns_message("a.example", false, 0);
        let data = file(&[payload(CLIENT_QUERY, [10, 0, 0, 1], 5, &dns)]);
        assert!(looks_like_dnstap(&data));
        let (frame, used) = next_frame(&data).unwrap().unwrap();
        assert_eq!(
            frame,
            Frame::Control {
                kind: ControlKind::Start,
                dnstap: true
            }
        );
        let (frame, used2) = next_frame(&data[used..]).unwrap().unwrap();
        let Frame::Data(payload) = frame else {
            panic!("{frame:?}")
        };
        assert_eq!(decode(payload).unwrap().unwrap().name, "a.example");
        let (frame, _) = next_frame(&data[used + used2..]).unwrap().unwrap();
        assert!(matches!(
            frame,
            Frame::Control {
                kind: ControlKind::Stop,
                ..
            }
        ));
        // Every prefix is "not yet", never an error or a panic.
        for end in 0..used {
            assert_eq!(next_frame(&data[..end]), Ok(None));
        }
    }

    #[test]
    fn hostile_frames_are_errors() {
        assert_eq!(
            next_frame(&[0, 0x10, 0, 0]),
            Err(FrameError::DataTooLong(0x10_0000))
        );
        assert_eq!(
            next_frame(&[0, 0, 0, 0, 0, 0, 2, 1]),
            Err(FrameError::ControlLength(513))
        );
        assert_eq!(
            next_frame(&[0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 9]),
            Err(FrameError::Control)
        );
        // A field that claims more than the frame holds.
        let overrun = [0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 99];
        assert_eq!(next_frame(&overrun), Err(FrameError::Control));
        let other = {
            let mut f = control_frame(ControlKind::Ready, true);
            let at = f.len() - 1;
            f[at] = b'X';
            f
        };
        assert!(matches!(
            next_frame(&other),
            Ok(Some((Frame::Control { dnstap: false, .. }, _)))
        ));
        for junk in [&[0xff; 12][..], &[0x0a], &[0x12, 0x80], &[0x72, 0x05, 0x08]] {
            assert!(decode(junk).is_err(), "{junk:?}");
        }
    }
}

//! DNS queries and responses out of packet captures.
//!
//! Reads classic pcap files (both byte orders, micro- and nanosecond
//! timestamps) and pcapng (section header, interface description and
//! enhanced packet blocks; `if_tsresol` honoured), link types Ethernet
//! (with up to two VLAN tags), Linux cooked v1 and v2, BSD loopback and
//! raw IP. IPv4 and IPv6 (hop-by-hop, routing and destination options
//! skipped); DNS over UDP, and over TCP with each direction of a connection
//! reassembled in sequence order and cut at the two-byte length prefixes
//! (RFC 1035 section 4.2.2).
//!
//! A query sent to the DNS port names its source as the client; a
//! response from the DNS port names its destination, and whether it was
//! NXDOMAIN. [`PacketParser`] is sans I/O: the caller reads the file (see
//! [`Blocks`] for the framing) and hands over each packet.
//!
//! Bounded: a block is at most [`MAX_BLOCK`] bytes; at most
//! [`MAX_FLOWS`] TCP directions are followed at once (the table is
//! emptied when full), each holding at most one message.
//!
//! Known limitations: IP fragments are skipped (a DNS message in
//! fragments is lost); a TCP segment that arrives out of order drops the
//! message in progress; a capture taken on a resolver also holds the
//! resolver's own upstream queries, whose client is the resolver itself
//! (dnstap tells those apart, a capture cannot).

use std::net::IpAddr;

use ahash::AHashMap;
use chrono::DateTime;

use crate::formats::Malformed;
use crate::record::Record;
use crate::wire;

/// Longest block (pcap record or pcapng block) read.
pub const MAX_BLOCK: usize = 256 * 1024;

/// Most TCP directions followed at once.
pub const MAX_FLOWS: usize = 16 * 1024;

/// Whether `start` (the first bytes of an input) is a pcap or pcapng file.
pub fn looks_like_pcap(start: &[u8]) -> bool {
    start.len() >= 4
        && matches!(
            start[..4],
            [0xd4, 0xc3, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0xc3, 0xd4]
                | [0x4d, 0x3c, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0x3c, 0x4d]
                | [0x0a, 0x0d, 0x0d, 0x0a]
        )
}

/// Why a capture cannot be read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// Not a pcap or pcapng file.
    #[error("not a pcap or pcapng file (unknown magic number)")]
    Magic,
    /// A block longer than [`MAX_BLOCK`] or shorter than its header.
    #[error("a capture block of {0} bytes (at most {MAX_BLOCK})")]
    BlockLength(usize),
    /// The file ends inside a block.
    #[error("the capture ends inside a block")]
    Truncated,
}

/// One packet of a capture: when, on which link type, what bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    /// Nanoseconds since the Unix epoch.
    pub nanos: i64,
    /// The link-layer header type (tcpdump.org `LINKTYPE_*`).
    pub link: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Classic pcap: byte order, nanoseconds per timestamp fraction unit, link type.
    Pcap { big: bool, unit: i64, link: u32 },
    /// pcapng: byte order of the current section.
    Pcapng { big: bool },
}

/// Cuts a capture into packets. Feed it the file's bytes from its start
/// ([`Blocks::next_packet`] says how many it used, or that it needs more).
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    layout: Option<Layout>,
    /// Per pcapng interface: link type and timestamp unit as (numerator
    /// nanoseconds, denominator).
    interfaces: Vec<(u32, i64, i64)>,
}

fn u32_at(bytes: &[u8], at: usize, big: bool) -> u32 {
    let four = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    if big {
        u32::from_be_bytes(four)
    } else {
        u32::from_le_bytes(four)
    }
}

fn u16_at(bytes: &[u8], at: usize, big: bool) -> u16 {
    let two = [bytes[at], bytes[at + 1]];
    if big {
        u16::from_be_bytes(two)
    } else {
        u16::from_le_bytes(two)
    }
}

/// What one step of [`Blocks::next_packet`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// More bytes are needed (at least this many from the start of the buffer).
    Need(usize),
    /// A block was used up with no packet in it (headers, statistics).
    Skip(usize),
    /// A packet, and the bytes its block took.
    Packet(Packet<'a>, usize),
}

impl Blocks {
    /// A reader at the start of a file.
    pub fn new() -> Blocks {
        Blocks::default()
    }

    /// Reads the next block out of `buffer` (which starts where the last
    /// step ended).
    pub fn next_packet<'a>(&mut self, buffer: &'a [u8]) -> Result<Step<'a>, CaptureError> {
        match self.layout {
            None => self.file_header(buffer),
            Some(Layout::Pcap { big, unit, link }) => {
                if buffer.len() < 16 {
                    return Ok(Step::Need(16));
                }
                let captured = u32_at(buffer, 8, big) as usize;
                if captured > MAX_BLOCK {
                    return Err(CaptureError::BlockLength(captured));
                }
                let Some(data) = buffer.get(16..16 + captured) else {
                    return Ok(Step::Need(16 + captured));
                };
                let seconds = i64::from(u32_at(buffer, 0, big));
                let fraction = i64::from(u32_at(buffer, 4, big));
                let nanos = seconds * 1_000_000_000 + fraction * unit;
                Ok(Step::Packet(Packet { nanos, link, data }, 16 + captured))
            }
            Some(Layout::Pcapng { big }) => self.pcapng_block(buffer, big),
        }
    }

    fn file_header<'a>(&mut self, buffer: &'a [u8]) -> Result<Step<'a>, CaptureError> {
        if buffer.len() < 4 {
            return Ok(Step::Need(4));
        }
        let (big, unit) = match buffer[..4] {
            [0xd4, 0xc3, 0xb2, 0xa1] => (false, 1000),
            [0xa1, 0xb2, 0xc3, 0xd4] => (true, 1000),
            [0x4d, 0x3c, 0xb2, 0xa1] => (false, 1),
            [0xa1, 0xb2, 0x3c, 0x4d] => (true, 1),
            [0x0a, 0x0d, 0x0d, 0x0a] => return self.pcapng_block(buffer, false),
            _ => return Err(CaptureError::Magic),
        };
        if buffer.len() < 24 {
            return Ok(Step::Need(24));
        }
        // The link type's low 16 bits; the high bits carry FCS flags.
        let link = u32_at(buffer, 20, big) & 0xffff;
        self.layout = Some(Layout::Pcap { big, unit, link });
        Ok(Step::Skip(24))
    }

    fn pcapng_block<'a>(&mut self, buffer: &'a [u8], big: bool) -> Result<Step<'a>, CaptureError> {
        if buffer.len() < 12 {
            return Ok(Step::Need(12));
        }
        let mut big = big;
        if buffer[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
            // A section header: its byte-order magic sets the order of
            // everything up to the next one.
            big = match buffer[8..12] {
                [0x1a, 0x2b, 0x3c, 0x4d] => true,
                [0x4d, 0x3c, 0x2b, 0x1a] => false,
                _ => return Err(CaptureError::Magic),
            };
            self.layout = Some(Layout::Pcapng { big });
            self.interfaces.clear();
        }
        let kind = u32_at(buffer, 0, big);
        let length = u32_at(buffer, 4, big) as usize;
        if !(12..=MAX_BLOCK).contains(&length) || length % 4 != 0 {
            return Err(CaptureError::BlockLength(length));
        }
        let Some(block) = buffer.get(..length) else {
            return Ok(Step::Need(length));
        };
        let body = &block[8..length - 4];
        match kind {
            // Interface description: link type, then options.
            1 if body.len() >= 8 => {
                let link = u32::from(u16_at(body, 0, big));
                let (mut numerator, mut denominator) = (1000, 1);
                let mut options = &body[8..];
                while options.len() >= 4 {
                    let code = u16_at(options, 0, big);
                    let size = usize::from(u16_at(options, 2, big));
                    let Some(value) = options.get(4..4 + size) else {
                        break;
                    };
                    if code == 0 {
                        break;
                    }
                    if code == 9 && size == 1 {
                        (numerator, denominator) = resolution(value[0]);
                    }
                    options = options.get(4 + size.next_multiple_of(4)..).unwrap_or(&[]);
                }
                if self.interfaces.len() < 256 {
                    self.interfaces.push((link, numerator, denominator));
                }
                Ok(Step::Skip(length))
            }
            // Enhanced packet.
            6 if body.len() >= 20 => {
                let interface = u32_at(body, 0, big) as usize;
                let Some(&(link, numerator, denominator)) = self.interfaces.get(interface) else {
                    return Ok(Step::Skip(length));
                };
                let units =
                    (u64::from(u32_at(body, 4, big)) << 32) | u64::from(u32_at(body, 8, big));
                let captured = u32_at(body, 12, big) as usize;
                let Some(data) = body.get(20..20 + captured) else {
                    return Ok(Step::Skip(length));
                };
                let nanos = i128::from(units) * i128::from(numerator) / i128::from(denominator);
                let nanos = i64::try_from(nanos).unwrap_or(i64::MAX);
                Ok(Step::Packet(Packet { nanos, link, data }, length))
            }
            _ => Ok(Step::Skip(length)),
        }
    }
}

/// `if_tsresol`: a power of ten, or of two when the top bit is set, as a
/// fraction of nanoseconds per unit.
fn resolution(value: u8) -> (i64, i64) {
    let exponent = u32::from(value & 0x7f);
    if value & 0x80 == 0 {
        match exponent {
            0..=9 => (10i64.pow(9 - exponent), 1),
            10..=18 => (1, 10i64.pow(exponent - 9)),
            _ => (1, i64::MAX),
        }
    } else if exponent <= 62 {
        (1_000_000_000, 1i64 << exponent)
    } else {
        (1, i64::MAX)
    }
}

/// A TCP direction: source, destination.
type FlowKey = (IpAddr, u16, IpAddr, u16);

#[derive(Debug, Default)]
struct Flow {
    next_sequence: Option<u32>,
    bytes: Vec<u8>,
}

/// Turns packets into records: link, IP, UDP or TCP, DNS.
#[derive(Debug)]
pub struct PacketParser {
    port: u16,
    flows: AHashMap<FlowKey, Flow>,
}

impl Default for PacketParser {
    fn default() -> PacketParser {
        PacketParser::new(53)
    }
}

/// The transport payload of a packet and its addresses.
struct Segment<'a> {
    source: IpAddr,
    destination: IpAddr,
    protocol: u8,
    payload: &'a [u8],
}

impl PacketParser {
    /// A parser of DNS on `port` (53 unless the capture's servers listen elsewhere).
    pub fn new(port: u16) -> PacketParser {
        PacketParser {
            port,
            flows: AHashMap::new(),
        }
    }

    /// Reads one packet; the records it completes go to `out` (none for a
    /// packet that is not DNS, several for a TCP segment that ends
    /// several messages). An error means a DNS packet that could not be
    /// read; packets of other protocols are skipped silently.
    pub fn packet(&mut self, packet: &Packet<'_>, out: &mut Vec<Record>) -> Result<(), Malformed> {
        let Some(ip) = link_payload(packet.link, packet.data) else {
            return Ok(());
        };
        let Some(segment) = ip_payload(ip) else {
            return Ok(());
        };
        match segment.protocol {
            17 => {
                let payload = segment.payload;
                if payload.len() < 8 {
                    return Err(Malformed::Message);
                }
                let (from, to) = ports(payload);
                if from != self.port && to != self.port {
                    return Ok(());
                }
                let length = usize::from(u16::from_be_bytes([payload[4], payload[5]]));
                let end = length.clamp(8, payload.len());
                let record = self.record(packet.nanos, &segment, from, &payload[8..end])?;
                out.extend(record);
                Ok(())
            }
            6 => self.tcp(packet.nanos, &segment, out),
            _ => Ok(()),
        }
    }

    fn record(
        &self,
        nanos: i64,
        segment: &Segment<'_>,
        from: u16,
        dns: &[u8],
    ) -> Result<Option<Record>, Malformed> {
        let question = wire::question(dns)?;
        let client = match (question.response, from == self.port) {
            (false, false) => segment.source,
            (true, true) => segment.destination,
            // A query from the DNS port or a response to it: a server's
            // own traffic, or a mirror; not a client's.
            _ => return Ok(None),
        };
        Ok(Some(Record {
            time: DateTime::from_timestamp_nanos(nanos),
            client,
            name: question.name,
            nxdomain: question
                .response
                .then_some(question.rcode == wire::NXDOMAIN),
        }))
    }

    fn tcp(
        &mut self,
        nanos: i64,
        segment: &Segment<'_>,
        out: &mut Vec<Record>,
    ) -> Result<(), Malformed> {
        let tcp = segment.payload;
        if tcp.len() < 20 {
            return Err(Malformed::Message);
        }
        let (from, to) = ports(tcp);
        if from != self.port && to != self.port {
            return Ok(());
        }
        let sequence = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
        let header = usize::from(tcp[12] >> 4) * 4;
        let flags = tcp[13];
        let payload = tcp.get(header..).ok_or(Malformed::Message)?;
        let key = (segment.source, from, segment.destination, to);
        if flags & 0x04 != 0 {
            self.flows.remove(&key);
            return Ok(());
        }
        if self.flows.len() >= MAX_FLOWS && !self.flows.contains_key(&key) {
            self.flows.clear();
        }
        let flow = self.flows.entry(key).or_default();
        let mut start = sequence;
        if flags & 0x02 != 0 {
            start = sequence.wrapping_add(1);
            flow.bytes.clear();
        }
        let expected = *flow.next_sequence.get_or_insert(start);
        let mut payload = payload;
        // Bytes already seen (a retransmission) are cut; a gap loses the
        // message in progress.
        let behind = expected.wrapping_sub(start) as usize;
        if behind < 1 << 30 {
            payload = payload.get(behind..).unwrap_or(&[]);
        } else if !payload.is_empty() {
            flow.bytes.clear();
        }
        let end = start.wrapping_add(tcp.len().saturating_sub(header) as u32);
        if (end.wrapping_sub(expected) as i32) > 0 {
            flow.next_sequence = Some(end);
        }
        flow.bytes.extend_from_slice(payload);
        let mut result = Ok(());
        let mut used = 0;
        while flow.bytes.len() - used >= 2 {
            let length = usize::from(u16::from_be_bytes([flow.bytes[used], flow.bytes[used + 1]]));
            let Some(message) = flow.bytes.get(used + 2..used + 2 + length) else {
                break;
            };
            used += 2 + length;
            match wire::question(message) {
                Ok(question) => {
                    let client = match (question.response, from == self.port) {
                        (false, false) => segment.source,
                        (true, true) => segment.destination,
                        _ => continue,
                    };
                    out.push(Record {
                        time: DateTime::from_timestamp_nanos(nanos),
                        client,
                        name: question.name,
                        nxdomain: question
                            .response
                            .then_some(question.rcode == wire::NXDOMAIN),
                    });
                }
                Err(error) => result = Err(error),
            }
        }
        flow.bytes.drain(..used);
        if flags & 0x01 != 0 {
            self.flows.remove(&key);
        }
        result
    }
}

fn ports(transport: &[u8]) -> (u16, u16) {
    (
        u16::from_be_bytes([transport[0], transport[1]]),
        u16::from_be_bytes([transport[2], transport[3]]),
    )
}

/// The IP packet inside a link-layer frame, if it carries one.
fn link_payload(link: u32, data: &[u8]) -> Option<&[u8]> {
    match link {
        // Ethernet, with up to two VLAN tags.
        1 => {
            let mut ether_type = u16::from_be_bytes([*data.get(12)?, *data.get(13)?]);
            let mut at = 14;
            for _ in 0..2 {
                if matches!(ether_type, 0x8100 | 0x88a8) {
                    ether_type = u16::from_be_bytes([*data.get(at + 2)?, *data.get(at + 3)?]);
                    at += 4;
                }
            }
            matches!(ether_type, 0x0800 | 0x86dd).then(|| data.get(at..))?
        }
        // BSD loopback: a host-order address family.
        0 => {
            let family = u32::from_le_bytes(data.get(..4)?.try_into().ok()?);
            let swapped = family.swap_bytes();
            (matches!(family, 2 | 24 | 28 | 30) || matches!(swapped, 2 | 24 | 28 | 30))
                .then(|| data.get(4..))?
        }
        // Raw IP, IPv4, IPv6.
        101 | 228 | 229 => Some(data),
        // Linux cooked capture v1: protocol at 14.
        113 => {
            let protocol = u16::from_be_bytes([*data.get(14)?, *data.get(15)?]);
            matches!(protocol, 0x0800 | 0x86dd).then(|| data.get(16..))?
        }
        // Linux cooked capture v2: protocol first.
        276 => {
            let protocol = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
            matches!(protocol, 0x0800 | 0x86dd).then(|| data.get(20..))?
        }
        _ => None,
    }
}

/// The transport payload of an IP packet that is not a fragment.
fn ip_payload(ip: &[u8]) -> Option<Segment<'_>> {
    match ip.first()? >> 4 {
        4 => {
            let header = usize::from(ip[0] & 0x0f) * 4;
            let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
            let fragment = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]);
            if fragment & 0x3fff != 0 || header < 20 {
                return None;
            }
            let source: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let destination: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            let end = total.clamp(header, ip.len());
            Some(Segment {
                source: source.into(),
                destination: destination.into(),
                protocol: ip[9],
                payload: ip.get(header..end)?,
            })
        }
        6 => {
            let source: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let destination: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let length = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
            let mut rest = ip.get(40..(40 + length).min(ip.len()))?;
            let mut next = ip[6];
            for _ in 0..8 {
                if !matches!(next, 0 | 43 | 60) {
                    break;
                }
                let size = (usize::from(*rest.get(1)?) + 1) * 8;
                next = rest[0];
                rest = rest.get(size..)?;
            }
            Some(Segment {
                source: source.into(),
                destination: destination.into(),
                protocol: next,
                payload: rest,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::wire::tests::message;

    fn ipv4(protocol: u8, source: [u8; 4], destination: [u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, protocol, 0, 0];
        let total = (20 + payload.len()) as u16;
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        ip.extend_from_slice(&source);
        ip.extend_from_slice(&destination);
        ip.extend_from_slice(payload);
        ip
    }

    pub(crate) fn udp(from: ([u8; 4], u16), to: ([u8; 4], u16), dns: &[u8]) -> Vec<u8> {
        let mut udp = Vec::new();
        udp.extend_from_slice(&from.1.to_be_bytes());
        udp.extend_from_slice(&to.1.to_be_bytes());
        udp.extend_from_slice(&((8 + dns.len()) as u16).to_be_bytes());
        udp.extend_from_slice(&[0, 0]);
        udp.extend_from_slice(dns);
        let mut frame = vec![0; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        frame.extend_from_slice(&ipv4(17, from.0, to.0, &udp));
        frame
    }

    fn tcp(
        from: ([u8; 4], u16),
        to: ([u8; 4], u16),
        sequence: u32,
        flags: u8,
        data: &[u8],
    ) -> Vec<u8> {
        let mut tcp = Vec::new();
        tcp.extend_from_slice(&from.1.to_be_bytes());
        tcp.extend_from_slice(&to.1.to_be_bytes());
        tcp.extend_from_slice(&sequence.to_be_bytes());
        tcp.extend_from_slice(&[0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        tcp.extend_from_slice(data);
        let mut frame = vec![0; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        frame.extend_from_slice(&ipv4(6, from.0, to.0, &tcp));
        frame
    }

    /// A classic little-endian microsecond pcap of Ethernet `frames`, one a second.
    pub(crate) fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65535u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        for (i, frame) in frames.iter().enumerate() {
            out.extend_from_slice(&(1_764_700_000 + i as u32).to_le_bytes());
            out.extend_from_slice(&500_000u32.to_le_bytes());
            out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            out.extend_from_slice(frame);
        }
        out
    }

    fn read_all(file: &[u8]) -> Result<Vec<Record>, CaptureError> {
        let mut blocks = Blocks::new();
        let mut parser = PacketParser::default();
        let mut records = Vec::new();
        let mut at = 0;
        loop {
            match blocks.next_packet(&file[at..])? {
                Step::Need(_) if at == file.len() => return Ok(records),
                Step::Need(_) => return Err(CaptureError::Truncated),
                Step::Skip(used) => at += used,
                Step::Packet(packet, used) => {
                    let _ = parser.packet(&packet, &mut records);
                    at += used;
                }
            }
        }
    }

    const CLIENT: [u8; 4] = [127, 0, 0, 9];
    const SERVER: [u8; 4] = [127, 0, 0, 1];

    #[test]
    fn udp_queries_and_responses_name_the_client() {
        let file = pcap(&[
            udp(
                (CLIENT, 40000),
                (SERVER, 53),
                &message("Q1.example", false, 0),
            ),
            udp(
                (SERVER, 53),
                (CLIENT, 40000),
                &message("q1.example", true, 3),
            ),
            // Not DNS.
            udp(
                (CLIENT, 40000),
                (SERVER, 123),
                &message("ntp.example", false, 0),
            ),
        ]);
        assert!(looks_like_pcap(&file));
        let records = read_all(&file).unwrap();
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(|r| r.client.to_string() == "127.0.0.9"));
        assert_eq!(records[0].name, "q1.example");
        assert_eq!(records[0].nxdomain, None);
        assert_eq!(records[1].nxdomain, Some(true));
        assert_eq!(records[0].time.timestamp_millis(), 1_764_700_000_500);
        assert_eq!(records[1].time.timestamp(), 1_764_700_001);
    }

    #[test]
    fn tcp_messages_are_reassembled_across_segments() {
        let mut stream = Vec::new();
        for name in ["a.example", "b.example"] {
            let dns = message(name, false, 0);
            stream.extend_from_slice(&(dns.len() as u16).to_be_bytes());
            stream.extend_from_slice(&dns);
        }
        let (first, second) = stream.split_at(7);
        let from = (CLIENT, 40001);
        let to = (SERVER, 53);
        let file = pcap(&[
            tcp(from, to, 999, 0x02, &[]),
            tcp(from, to, 1000, 0x18, first),
            // A retransmission of the first segment adds nothing.
            tcp(from, to, 1000, 0x18, first),
            tcp(from, to, 1007, 0x18, second),
        ]);
        let names: Vec<String> = read_all(&file)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["a.example", "b.example"]);
    }

    #[test]
    fn pcapng_blocks_are_read() {
        let frame = udp(
            (CLIENT, 40000),
            (SERVER, 53),
            &message("ng.example", false, 0),
        );
        let mut file = Vec::new();
        let block = |kind: u32, body: &[u8], file: &mut Vec<u8>| {
            let mut padded = body.to_vec();
            padded.resize(body.len().next_multiple_of(4), 0);
            let length = (12 + padded.len()) as u32;
            file.extend_from_slice(&kind.to_le_bytes());
            file.extend_from_slice(&length.to_le_bytes());
            file.extend_from_slice(&padded);
            file.extend_from_slice(&length.to_le_bytes());
        };
        let section = [
            0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ];
        block(0x0a0d0d0a, &section, &mut file);
        // Ethernet, nanosecond resolution.
        let interface = [1, 0, 0, 0, 0, 0, 4, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0];
        block(1, &interface, &mut file);
        let nanos: u64 = 1_764_700_000_123_456_789;
        let mut packet = 0u32.to_le_bytes().to_vec();
        packet.extend_from_slice(&((nanos >> 32) as u32).to_le_bytes());
        packet.extend_from_slice(&(nanos as u32).to_le_bytes());
        packet.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        packet.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        packet.extend_from_slice(&frame);
        block(6, &packet, &mut file);
        assert!(looks_like_pcap(&file));
        let records = read_all(&file).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].name, "ng.example");
        assert_eq!(records[0].time.timestamp_nanos_opt(), Some(nanos as i64));
    }

    #[test]
    fn hostile_captures_are_errors_not_panics() {
        assert_eq!(
            Blocks::new().next_packet(b"GIF89a"),
            Err(CaptureError::Magic)
        );
        let mut file = pcap(&[udp((CLIENT, 1), (SERVER, 53), &message("x.y", false, 0))]);
        file[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(read_all(&file), Err(CaptureError::BlockLength(_))));
        // Every cut of a good file and every byte flipped: no panic.
        let good = pcap(&[
            udp((CLIENT, 1), (SERVER, 53), &message("x.y", false, 0)),
            tcp((CLIENT, 2), (SERVER, 53), 5, 0x18, &[0, 20, 1, 2, 3]),
        ]);
        for end in 0..good.len() {
            let _ = read_all(&good[..end]);
        }
        for at in 24..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0xff;
            let _ = read_all(&bad);
        }
    }
}

//! The little of a DNS message (RFC 1035 section 4.1) that telemetry in
//! wire form needs: whether it is a response, its RCODE, and the name of
//! its first question, in the canonical form of [`crate::Record`].
//!
//! Bounded and panic-free: the name is read with at most
//! [`MAX_POINTERS`] compression pointers (a question name is rarely
//! compressed at all, but a hostile message may loop).

use crate::formats::Malformed;
use crate::record::{canonical_name, MAX_NAME};

/// Compression pointers followed in one name before giving up.
const MAX_POINTERS: usize = 16;

/// RCODE 3, "Name Error" (RFC 1035 section 4.1.1).
pub(crate) const NXDOMAIN: u8 = 3;

/// The head and first question of a DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Question {
    /// The QR bit: the message is a response.
    pub response: bool,
    /// The RCODE (the low four bits; extended RCODEs live in EDNS).
    pub rcode: u8,
    /// The first question's name, canonical.
    pub name: String,
    /// The first question's type.
    pub qtype: u16,
}

/// Reads the head and the first question's name of `message`.
pub(crate) fn question(message: &[u8]) -> Result<Question, Malformed> {
    if message.len() < 12 {
        return Err(Malformed::Message);
    }
    let qdcount = u16::from_be_bytes([message[4], message[5]]);
    if qdcount == 0 {
        return Err(Malformed::Name);
    }
    let mut name = Vec::with_capacity(64);
    let mut at = 12;
    let mut pointers = 0;
    loop {
        let &length = message.get(at).ok_or(Malformed::Message)?;
        match length & 0xc0 {
            0x00 => {
                if length == 0 {
                    break;
                }
                let label = message
                    .get(at + 1..at + 1 + usize::from(length))
                    .ok_or(Malformed::Message)?;
                // A dot, blank or control byte inside a label has no
                // presentation form this crate keeps.
                if label.iter().any(|&b| b == b'.' || b <= b' ' || b == 0x7f) {
                    return Err(Malformed::Name);
                }
                if !name.is_empty() {
                    name.push(b'.');
                }
                name.extend_from_slice(label);
                if name.len() > MAX_NAME {
                    return Err(Malformed::Name);
                }
                at += 1 + usize::from(length);
            }
            0xc0 => {
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return Err(Malformed::Message);
                }
                let &low = message.get(at + 1).ok_or(Malformed::Message)?;
                at = usize::from(u16::from_be_bytes([length & 0x3f, low]));
            }
            _ => return Err(Malformed::Message),
        }
    }
    if name.is_empty() {
        // The root: nothing a DGA asks for.
        return Err(Malformed::Name);
    }
    // The type follows the name where it ended (after its terminating zero
    // octet or its first pointer); a message cut before it still names
    // what was asked, so a missing type is 0 rather than an error.
    let end = first_end(message);
    let qtype = match (message.get(end), message.get(end + 1)) {
        (Some(&high), Some(&low)) => u16::from_be_bytes([high, low]),
        _ => 0,
    };
    Ok(Question {
        response: message[2] & 0x80 != 0,
        rcode: message[3] & 0x0f,
        name: canonical_name(&name).ok_or(Malformed::Name)?,
        qtype,
    })
}

/// Where the first question's name ends in `message` (read once already,
/// so it is well formed up to its end or first pointer).
fn first_end(message: &[u8]) -> usize {
    let mut at = 12;
    while let Some(&length) = message.get(at) {
        if length == 0 {
            return at + 1;
        }
        if length & 0xc0 == 0xc0 {
            return at + 2;
        }
        at += 1 + usize::from(length);
    }
    at
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A DNS message with one question for `name` (type A, class IN).
    pub(crate) fn message(name: &str, response: bool, rcode: u8) -> Vec<u8> {
        let mut out = vec![0x12, 0x34, 0, rcode, 0, 1, 0, 0, 0, 0, 0, 0];
        if response {
            out[2] = 0x81;
            out[3] |= 0x80;
        } else {
            out[2] = 0x01;
        }
        for label in name.split('.') {
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
        out.extend_from_slice(&[0, 0, 1, 0, 1]);
        out
    }

    #[test]
    fn question_name_and_rcode_are_read() {
        let q = question(&message("Example.COM", true, NXDOMAIN)).unwrap();
        assert_eq!(
            q,
            Question {
                response: true,
                rcode: NXDOMAIN,
                name: "example.com".into(),
                qtype: 1,
            }
        );
        assert!(!question(&message("a.b", false, 0)).unwrap().response);
    }

    #[test]
    fn hostile_names_are_refused() {
        // A pointer to itself.
        let mut looped = vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12];
        assert_eq!(question(&looped), Err(Malformed::Message));
        // A compressed name that reaches a real label first.
        looped.splice(12..12, [1, b'x']);
        assert_eq!(question(&looped), Err(Malformed::Message));
        assert_eq!(question(&[0; 11]), Err(Malformed::Message));
        let mut header = message("a", false, 0);
        header[5] = 0;
        assert_eq!(question(&header), Err(Malformed::Name));
        assert_eq!(
            question(&message("a b.com", false, 0)),
            Err(Malformed::Name)
        );
        let long = vec!["abcdefghij"; 30].join(".");
        assert_eq!(question(&message(&long, false, 0)), Err(Malformed::Name));
        let mut cut = message("example.com", false, 0);
        cut.truncate(16);
        assert_eq!(question(&cut), Err(Malformed::Message));
    }
}

//! Who may transfer policy zones: client address prefixes and the TSIG
//! keys (RFC 8945) accepted. The verification of TSIG itself is in
//! [`crate::tsig`].
//!
//! An IPv4-mapped IPv6 client address is matched as the IPv4 address it
//! carries.

use std::net::IpAddr;

use crate::tsig::TsigKey;

/// A network prefix for ACLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    /// The network address.
    pub address: IpAddr,
    /// Prefix length.
    pub length: u8,
}

impl Prefix {
    /// Parses `ADDRESS` or `ADDRESS/LENGTH`.
    pub fn parse(text: &str) -> Option<Prefix> {
        let (address, length) = match text.split_once('/') {
            Some((a, l)) => (a.parse::<IpAddr>().ok()?, l.parse::<u8>().ok()?),
            None => {
                let a = text.parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        (length <= max).then_some(Prefix { address, length })
    }

    /// Whether `ip` is inside the prefix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.length))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.length))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Who may transfer policy zones.
#[derive(Debug, Clone, Default)]
pub struct TransferAccess {
    /// Client addresses allowed.
    pub allow: Vec<Prefix>,
    /// TSIG keys accepted.
    pub keys: Vec<TsigKey>,
    /// Whether a valid TSIG signature is required on top of the address.
    pub require_key: bool,
}

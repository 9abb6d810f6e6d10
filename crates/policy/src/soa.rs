//! The SOA values of a policy zone apart from its serial (RFC 1035
//! §3.3.13); the serial is the policy's and moves by [`crate::serial`].

use serde::{Deserialize, Serialize};

use crate::name::DomainName;

/// SOA values of a policy zone. Names are checked where they enter, so a
/// typo in `mname` or `rname` is an error at load, never a silent `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Soa {
    /// Primary name server.
    pub mname: DomainName,
    /// Mailbox of the person responsible, as a name
    /// (`hostmaster.example.net`).
    pub rname: DomainName,
    /// Seconds between secondaries' checks.
    pub refresh: u32,
    /// Seconds before a failed check is retried.
    pub retry: u32,
    /// Seconds after which secondaries stop answering without a check.
    pub expire: u32,
    /// Negative-caching TTL (RFC 2308).
    pub minimum: u32,
}

impl Soa {
    /// The default timers (refresh 3600, retry 600, minimum 60) with
    /// `expire` and the two names given.
    pub fn with_names(mname: DomainName, rname: DomainName, expire: u32) -> Soa {
        Soa {
            mname,
            rname,
            refresh: 3600,
            retry: 600,
            expire,
            minimum: 60,
        }
    }

    /// Whether the timers make sense together: retry at most refresh, and
    /// expire longer than refresh; otherwise what to change.
    pub fn check_timers(&self) -> Result<(), String> {
        if self.retry > self.refresh {
            return Err(format!(
                "retry ({}) is longer than refresh ({}); make it shorter",
                self.retry, self.refresh
            ));
        }
        if self.expire <= self.refresh {
            return Err(format!(
                "expire ({}) must be longer than refresh ({})",
                self.expire, self.refresh
            ));
        }
        Ok(())
    }
}

impl Default for Soa {
    /// What `cautery serve` puts in a zone's SOA unless told otherwise.
    fn default() -> Self {
        Soa::with_names(
            DomainName::from_checked("localhost"),
            DomainName::from_checked("hostmaster.localhost"),
            864_000,
        )
    }
}

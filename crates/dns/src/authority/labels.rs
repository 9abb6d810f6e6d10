//! The metric labels of a request: its query type, grouped
//! ([`QueryKind`]), and what happened to it ([`Outcome`]). Both are closed
//! lists so that the metrics keep a low cardinality.

use hickory_proto::rr::RecordType;

/// Query types, grouped for metrics (low cardinality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// A.
    A,
    /// AAAA.
    Aaaa,
    /// SOA.
    Soa,
    /// NS.
    Ns,
    /// AXFR.
    Axfr,
    /// IXFR.
    Ixfr,
    /// ANY.
    Any,
    /// CNAME.
    Cname,
    /// NOTIFY or another opcode.
    Other,
}

impl QueryKind {
    /// Every kind, in metric order.
    pub const ALL: [QueryKind; 9] = [
        QueryKind::A,
        QueryKind::Aaaa,
        QueryKind::Soa,
        QueryKind::Ns,
        QueryKind::Axfr,
        QueryKind::Ixfr,
        QueryKind::Any,
        QueryKind::Cname,
        QueryKind::Other,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            QueryKind::A => "A",
            QueryKind::Aaaa => "AAAA",
            QueryKind::Soa => "SOA",
            QueryKind::Ns => "NS",
            QueryKind::Axfr => "AXFR",
            QueryKind::Ixfr => "IXFR",
            QueryKind::Any => "ANY",
            QueryKind::Cname => "CNAME",
            QueryKind::Other => "other",
        }
    }

    pub(super) fn of(record_type: RecordType) -> QueryKind {
        match record_type {
            RecordType::A => QueryKind::A,
            RecordType::AAAA => QueryKind::Aaaa,
            RecordType::SOA => QueryKind::Soa,
            RecordType::NS => QueryKind::Ns,
            RecordType::AXFR => QueryKind::Axfr,
            RecordType::IXFR => QueryKind::Ixfr,
            RecordType::ANY => QueryKind::Any,
            RecordType::CNAME => QueryKind::Cname,
            _ => QueryKind::Other,
        }
    }
}

/// What happened to a request, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An answer with data (or a transfer).
    Answer,
    /// NXDOMAIN.
    Nxdomain,
    /// NOERROR without data.
    Nodata,
    /// REFUSED.
    Refused,
    /// FORMERR.
    Formerr,
    /// NOTIMP.
    Notimp,
    /// NOTAUTH (TSIG failure).
    Notauth,
    /// Dropped without answer (unparseable, or a response).
    Dropped,
    /// Dropped or truncated by response-rate limiting.
    RateLimited,
}

impl Outcome {
    /// Every outcome, in metric order.
    pub const ALL: [Outcome; 9] = [
        Outcome::Answer,
        Outcome::Nxdomain,
        Outcome::Nodata,
        Outcome::Refused,
        Outcome::Formerr,
        Outcome::Notimp,
        Outcome::Notauth,
        Outcome::Dropped,
        Outcome::RateLimited,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Answer => "answer",
            Outcome::Nxdomain => "nxdomain",
            Outcome::Nodata => "nodata",
            Outcome::Refused => "refused",
            Outcome::Formerr => "formerr",
            Outcome::Notimp => "notimp",
            Outcome::Notauth => "notauth",
            Outcome::Dropped => "dropped",
            Outcome::RateLimited => "rate_limited",
        }
    }
}

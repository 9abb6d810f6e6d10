//! What a family is: its metadata, its seeds and how it is bound to a seed.

use chrono::{DateTime, NaiveDate, Utc};

use crate::schedule::Schedule;

/// How a DGA turns its seed into characters (the DGArchive taxonomy of
/// Plohmann et al., "A Comprehensive Measurement Study of Domain Generating
/// Malware", USENIX Security 2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// Arithmetic on a state yields character indices.
    Arithmetic,
    /// Hex digits or bytes of a hash digest make the name.
    Hash,
    /// Words from a list are concatenated.
    Wordlist,
    /// Names are permutations of a fixed name.
    Permutation,
}

impl Scheme {
    /// The lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Arithmetic => "arithmetic",
            Scheme::Hash => "hash",
            Scheme::Wordlist => "wordlist",
            Scheme::Permutation => "permutation",
        }
    }
}

/// Whether the names change with time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeDependence {
    /// The names depend on the date.
    TimeDependent,
    /// The names are the same every day.
    TimeIndependent,
}

/// How a family is seeded: time dependence and determinism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeding {
    /// Whether the names change with time.
    pub time: TimeDependence,
    /// False for families that draw a random seed at run time (reconyc,
    /// charbot): their names can be generated only from an explicit seed.
    pub deterministic: bool,
}

impl Seeding {
    /// Time-dependent and deterministic.
    pub const TDD: Seeding = Seeding {
        time: TimeDependence::TimeDependent,
        deterministic: true,
    };
    /// Time-independent and deterministic.
    pub const TID: Seeding = Seeding {
        time: TimeDependence::TimeIndependent,
        deterministic: true,
    };
    /// Time-dependent and non-deterministic.
    pub const TDN: Seeding = Seeding {
        time: TimeDependence::TimeDependent,
        deterministic: false,
    };
    /// Time-independent and non-deterministic.
    pub const TIN: Seeding = Seeding {
        time: TimeDependence::TimeIndependent,
        deterministic: false,
    };

    /// The DGArchive abbreviation: TDD, TID, TDN or TIN.
    pub fn as_str(self) -> &'static str {
        match (self.time, self.deterministic) {
            (TimeDependence::TimeDependent, true) => "TDD",
            (TimeDependence::TimeIndependent, true) => "TID",
            (TimeDependence::TimeDependent, false) => "TDN",
            (TimeDependence::TimeIndependent, false) => "TIN",
        }
    }
}

/// One named configuration of a family, with its raw value in the family's
/// own form (hex number, RC4 key, seed domain, ...).
#[derive(Debug, Clone, Copy)]
pub struct SeedInfo {
    /// Short name, unique within the family, e.g. `v2` or `0x3f`.
    pub name: &'static str,
    /// The raw value, as `--seed` accepts it.
    pub value: &'static str,
    /// Where this seed was seen (sample hash, write-up), if known.
    pub note: &'static str,
}

/// A family bound to one seed; produces the names of one epoch.
pub trait Generator: Send + Sync {
    /// Appends to `out`, in the malware's order, the names of the epoch that
    /// holds the day `epoch` (time-independent families ignore it). Any day
    /// of an epoch gives the same names; the callers pass its first day.
    /// Names are lower-case (unless the malware's are not) and carry their
    /// TLD.
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>);

    /// Appends the names of the epoch holding the instant `at`. Families
    /// whose epochs turn within a day ([`Schedule::Period`]) override this;
    /// the others answer with the names of the day holding `at`.
    fn generate_at(&self, at: DateTime<Utc>, out: &mut Vec<String>) {
        self.generate(at.date_naive(), out);
    }

    /// Names this seed uses at all times, beside its dated ones (Mydoom
    /// adds the same names to every day's list); reported once, with an
    /// unbounded window.
    fn static_names(&self, _out: &mut Vec<String>) {}

    /// For seeds whose names recur in consecutive epochs (a day's list that
    /// also holds names of days before and after it): the most days a name
    /// can stay in use. The engine then joins the epochs in which a name
    /// appears back to back into one window, looking this many days beyond
    /// the range asked for, so windows stay exact. 0 (the default) for
    /// families whose epochs never share names.
    fn spread_days(&self) -> u32 {
        0
    }

    /// For seeds whose epoch's names are lists that each stay the same over
    /// several consecutive epochs (QSnatch's lists of 15 days to one hour,
    /// asked for every hour): appends the names of the lists that begin at
    /// the epoch starting `at`, or of every list in use at `at` when `all`,
    /// each with the end of its list's span, in the order of
    /// [`Generator::generate_at`]. The engine then takes each list once, not
    /// once per epoch; the windows are the same. False (the default, `out`
    /// untouched) for seeds without such lists.
    fn generate_spans_at(
        &self,
        _at: DateTime<Utc>,
        _all: bool,
        _out: &mut Vec<(String, DateTime<Utc>)>,
    ) -> bool {
        false
    }

    /// The schedule of this seed when it differs from the family's (some
    /// families change names every 3, 4 or 5 days depending on the seed).
    fn schedule(&self) -> Option<Schedule> {
        None
    }
}

/// A seed value that the family cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}")]
pub struct SeedError {
    /// What a valid value looks like, e.g. "a 32-bit hex number such as 0x3f".
    pub expected: String,
}

impl SeedError {
    /// A seed error saying what a valid value looks like.
    pub fn expected(what: impl Into<String>) -> SeedError {
        SeedError {
            expected: what.into(),
        }
    }
}

/// One DGA: metadata and a constructor binding it to a seed.
pub struct Family {
    /// Canonical lower-case name (DGArchive / 360 Netlab convention).
    pub name: &'static str,
    /// Other names the family is known by, lower case.
    pub aliases: &'static [&'static str],
    /// One sentence: what malware and which variants.
    pub summary: &'static str,
    /// How names are built.
    pub scheme: Scheme,
    /// How the family is seeded.
    pub seeding: Seeding,
    /// Every seed known in public; the first is the default.
    pub seeds: &'static [SeedInfo],
    /// What a raw seed value looks like, for error messages and `families`.
    pub seed_form: &'static str,
    /// How epochs are laid out in time.
    pub schedule: Schedule,
    /// How many earlier epochs the malware also tries, so a name stays in use
    /// for this many epochs after its own; [`crate::FOREVER`] for good.
    pub lookback: u32,
    /// Names per epoch (per seed), as a human-readable figure.
    pub names_per_window: &'static str,
    /// Every TLD the family uses, without the dot.
    pub tlds: &'static [&'static str],
    /// Write-ups the implementation follows.
    pub references: &'static [&'static str],
    /// Binds the family to a raw seed value.
    pub bind: fn(&str) -> Result<Box<dyn Generator>, SeedError>,
}

impl Family {
    /// The default seed: the first in the list.
    pub fn default_seed(&self) -> &'static SeedInfo {
        &self.seeds[0]
    }

    /// The known seed with this name (case-insensitive), if any.
    pub fn seed_named(&self, name: &str) -> Option<&'static SeedInfo> {
        self.seeds
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// Human-readable window rule, e.g. "1 day (UTC), names also tried for
    /// 30 more epochs".
    pub fn window_rule(&self) -> String {
        let base = self.schedule.describe();
        if self.lookback == 0 {
            base
        } else if self.lookback == crate::FOREVER {
            format!("{base}; the names of every earlier epoch are tried too, for good")
        } else {
            format!(
                "{base}; the names of the {} previous epochs are tried too",
                self.lookback
            )
        }
    }
}

impl std::fmt::Debug for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Family")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

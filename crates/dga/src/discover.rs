//! Seed discovery: which seeds of a family produce names seen in the wild.
//!
//! The botnets do not publish their seeds; defenders find them from the
//! names their bots ask for (DGArchive and 360 Netlab's feed do so). For a
//! family whose seed is a number of bounded size (necurs's magic number,
//! locky's 32-bit seed, qadars's 16-bit seed, ...), every candidate is
//! bound, its names over the epochs of a day range are generated, and the
//! candidates that produce some of the observed names are reported with the
//! windows in which they did. [`search_space`] says, per family, which
//! values are tried and how fast; families whose seed is text (an RC4 key,
//! a word list) are not searchable this way.
//!
//! The work is shared over threads by claiming blocks of candidates from
//! one counter, so a thread never waits for another, and stops at the first
//! candidate that explains every name unless asked for all of them. Names
//! whose TLD the family never uses cannot be its names and are set aside
//! first, so mixed input (several families, benign names) is fine.
//!
//! Some families are inverted instead ([`Derive`]): kraken-v1 from its
//! 23-bit start states, kraken-v2 back through its weekly discards, tinba
//! along its chain of names. Known limitations:
//! the other searches are exhaustive: they cost the candidates times the
//! epochs in the range times a family's names per epoch (less where a
//! family's [`Sieve`] rejects most candidates early). Names a seed
//! repeats in neighbouring epochs are reported once per epoch, not in one
//! joined window.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use ahash::AHashSet;
use chrono::NaiveDate;

use crate::family::Family;
use crate::generate::{epochs, RangeError};
use crate::index::normalise;
use crate::schedule::Window;

/// The values of a family's seed that a search tries, in order.
#[derive(Debug, Clone, Copy)]
pub struct SearchSpace {
    /// How many candidates there are.
    pub size: u64,
    /// What they are, for people: "every magic number 0 to 65535".
    pub describe: &'static str,
    /// The candidate with this index (below [`SearchSpace::size`]), as
    /// `--seed` accepts it.
    pub value: fn(u64) -> String,
    /// Candidates tried per second on one core for a range of one epoch:
    /// the basis of the time estimates. A calibration constant, measured by
    /// `scripts/bench-discover.sh` on the shared 2-core development machine
    /// (a release build, one core, names no seed makes).
    pub per_second: f64,
    /// The family's cheap test of candidates, if it has one.
    pub sieve: Option<SieveBuilder>,
    /// The family's inversion, if it has one: the candidates are then not
    /// tried one by one but worked out from the names, and only those are
    /// checked by the generator. `per_second` is then the rate the whole
    /// space would be covered at (its size over the inversion's time).
    pub derive: Option<Derive>,
    /// For families whose seed carries its TLDs: which first labels of
    /// names whose TLD the family's list lacks are searched all the same
    /// (names are then compared by label).
    pub other_tlds: Option<fn(&str) -> bool>,
}

/// Works out from `wanted` the seeds (as `--seed` takes them) that may make
/// some of the names in the epochs starting on `epochs`; each is then
/// checked in full by the family's generator, so it may give too many but
/// must not miss one.
pub type Derive = fn(wanted: &Wanted, epochs: &[NaiveDate], all: bool) -> Vec<String>;

/// A family's cheap test of candidates: it spells only as much of each
/// name as it takes to see that the name is none of the observed ones
/// (usually the length and a letter or two), with the terms that do not
/// depend on the seed worked out once per epoch. Candidates it keeps are
/// then checked in full by the family's own generator, so a sieve may keep
/// too many but must never drop a candidate that makes one of the names.
pub trait Sieve: Send + Sync {
    /// Appends to `keep` the candidates of `indices` that may produce one
    /// of the names in one of the epochs; the others certainly produce none.
    fn sift(&self, indices: std::ops::Range<u64>, keep: &mut Vec<u64>);
}

/// Builds a family's sieve for `wanted` in the epochs starting on `epochs`
/// (the days the family's generator is called with).
pub type SieveBuilder = fn(wanted: &Wanted, epochs: &[NaiveDate]) -> Box<dyn Sieve>;

/// The observed names, in the forms a sieve asks about: whole names, and
/// the length and first one or two bytes of their first label, as bit sets
/// small enough to stay in the first-level cache.
#[derive(Debug, Clone)]
pub struct Wanted {
    names: AHashSet<Vec<u8>>,
    /// Bit `key1(length, first)`.
    first: Vec<u64>,
    /// Bit `key2(length, first, second)`.
    second: Vec<u64>,
}

fn key1(length: usize, first: u8) -> usize {
    (length.min(63) << 5) | usize::from(first & 31)
}

fn key2(length: usize, first: u8, second: u8) -> usize {
    (key1(length, first) << 5) | usize::from(second & 31)
}

impl Wanted {
    /// The wanted names (lower case, no trailing dot).
    pub fn new(names: &[String]) -> Wanted {
        let mut wanted = Wanted {
            names: names.iter().map(|n| n.as_bytes().to_vec()).collect(),
            first: vec![0; (64 << 5) / 64],
            second: vec![0; (64 << 10) / 64],
        };
        for name in names {
            let label = name.split('.').next().unwrap_or("").as_bytes();
            let length = label.len();
            let first = label.first().copied().unwrap_or(0);
            let second = label.get(1).copied().unwrap_or(0);
            let (k1, k2) = (key1(length, first), key2(length, first, second));
            wanted.first[k1 / 64] |= 1 << (k1 % 64);
            wanted.second[k2 / 64] |= 1 << (k2 % 64);
        }
        wanted
    }

    /// Whether a wanted name's first label has `length` bytes and starts
    /// with `first` (compared on the low five bits: a filter, not a match).
    #[inline]
    pub fn may_start(&self, length: usize, first: u8) -> bool {
        let k = key1(length, first);
        self.first[k / 64] >> (k % 64) & 1 != 0
    }

    /// Whether a wanted name's first label has `length` bytes and starts
    /// with `first` and `second` (low five bits each).
    #[inline]
    pub fn may_start2(&self, length: usize, first: u8, second: u8) -> bool {
        let k = key2(length, first, second);
        self.second[k / 64] >> (k % 64) & 1 != 0
    }

    /// The wanted names (lower case, no trailing dot), in no order.
    pub fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.names.iter().map(Vec::as_slice)
    }

    /// Whether `name` (lower case, no trailing dot) is wanted.
    pub fn contains(&self, name: &[u8]) -> bool {
        self.names.contains(name)
    }
}

impl SearchSpace {
    /// Seconds a full search over `epochs` epochs is estimated to take on
    /// `cores` cores of the development machine.
    pub fn estimate_seconds(&self, epochs: u64, cores: u64) -> f64 {
        self.size as f64 * epochs.max(1) as f64 / (self.per_second * cores.max(1) as f64)
    }
}

fn decimal(index: u64) -> String {
    index.to_string()
}

fn hex32(index: u64) -> String {
    format!("0x{index:08x}")
}

fn hex32_bare(index: u64) -> String {
    format!("{index:08X}")
}

fn murofet_variant(index: u64) -> String {
    if index == 0 { "v1" } else { "v3" }.to_owned()
}

fn hex16(index: u64) -> String {
    format!("{index:04X}")
}

/// How the seed space of `family` is searched, if it can be.
pub fn search_space(family: &Family) -> Option<SearchSpace> {
    const U32: u64 = 1 << 32;
    let space = |size, describe, value, per_second| SearchSpace {
        size,
        describe,
        value,
        per_second,
        sieve: None,
        derive: None,
        other_tlds: None,
    };
    // The rates (the last figure of each) are candidates per second of CPU
    // time on one core for one epoch, measured by scripts/bench-discover.sh
    // (release build, 2026-12-03, a shared 2-core AMD EPYC under load).
    Some(match family.name {
        // Bader's magic is 9; the numbers in tadavies/dga (5, 7, 9, 13) and
        // every observed botnet fit in 16 bits, far short of the 64 the
        // function takes.
        "necurs" => SearchSpace {
            sieve: Some(crate::families::necurs::sieve),
            ..space(1 << 16, "every magic number 0 to 65535", decimal, 15_300.0)
        },
        // v2 seeds go at 33.9 million a second, v3 at 9.8 million: over the
        // two halves of the space that is 15.3 million a second.
        "locky" => SearchSpace {
            sieve: Some(crate::families::locky::sieve),
            ..space(
                2 * U32,
                "every 32-bit seed of v2 (default rotation and modulus) and of v3",
                crate::families::locky::search_value,
                15_300_000.0,
            )
        },
        // Names are compared by label, and the TLDs of the seed found are
        // the ones observed, so a sample's own TLDs do not hide it.
        "qadars" => SearchSpace {
            derive: Some(crate::families::qadars::derive),
            other_tlds: Some(crate::families::qadars::label_shape),
            ..space(
                1 << 16,
                "every 16-bit seed, names compared by label (TLDs as observed)",
                hex16,
                // The whole space in 0.3 s of CPU.
                218_000.0,
            )
        },
        "ranbyus" => SearchSpace {
            sieve: Some(crate::families::ranbyus::sieve),
            ..space(
                2 * U32,
                "every 32-bit seed of the may and september variants (names compared by label)",
                crate::families::ranbyus::search_value,
                // May 3.85 million a second, September 6.87 million.
                4_930_000.0,
            )
        },
        // The names use only the low 23 bits of each of the two constants,
        // and the generator is inverted rather than run per candidate.
        "kraken-v1" => SearchSpace {
            derive: Some(crate::families::kraken_v1::derive),
            ..space(
                1 << 46,
                "the low 23 bits of both constants (the others make no difference), by inversion",
                crate::families::kraken_v1::search_value,
                // The inversion takes 0.1 s of CPU whatever the names.
                350_000_000_000_000.0,
            )
        },
        // The seed counts only by its low 23 bits; each number's state is
        // worked back from the names through the week's discards.
        "kraken-v2" => SearchSpace {
            derive: Some(crate::families::kraken_v2::derive),
            ..space(
                1 << 24,
                "the low 23 bits of the seed (the others make no difference) with either listed \
                 TLD set, by inversion",
                crate::families::kraken_v2::search_value,
                // 0.23 s of CPU for 20 names of one week (0.7 s for 100
                // names or a year's range of 20, 7 s for a whole week's).
                73_000_000.0,
            )
        },
        // The key counts only by its byte sum and 16th byte, and names are
        // chained one from the next, so the chain is followed from the
        // observed names rather than searched by key.
        "tinba" => SearchSpace {
            derive: Some(crate::families::tinba::derive),
            ..space(
                63 << 8,
                "the key's byte sum and 16th byte, following the chain from the observed names",
                crate::families::tinba::search_value,
                // 1.4 s of CPU for two names no link joins (every pair
                // followed 200 rounds); 0.03 s when two names link.
                11_000.0,
            )
        },
        "murofet" => space(2, "variants v1 and v3", murofet_variant, 500.0),
        "corebot" => space(U32, "every 32-bit seed", hex32, 238_000.0),
        "dircrypt" => space(U32, "every 32-bit seed", hex32, 227_000.0),
        "mydoom" => space(U32, "every 32-bit seed", hex32, 132_000.0),
        "m0yv" | "pitou" => space(U32, "every 32-bit seed", hex32, 122_000.0),
        "ngioweb" => space(U32, "every 32-bit seed", hex32, 4_600.0),
        "ramdo" => space(U32, "every 32-bit seed", hex32, 110.0),
        "tufik" => space(U32, "every 32-bit seed", hex32, 6_400.0),
        "newgoz" => space(U32, "every 32-bit key", hex32, 3_700.0),
        "murofet-v2" => SearchSpace {
            sieve: Some(crate::families::murofet_v2::sieve),
            ..space(
                U32,
                "every 32-bit XOR key (sieved by the first digest word)",
                hex32_bare,
                // Names of all five TLDs (every index pair tried); .com
                // names alone go at 504 thousand a second. Without the
                // sieve: 4,700.
                267_000.0,
            )
        },
        "ramnit" => space(
            U32,
            "every 32-bit seed with the default count and TLD",
            hex32,
            61_000.0,
        ),
        "dnschanger" => space(U32, "every 32-bit seed", decimal, 2_500_000.0),
        "reconyc" => space(U32, "every 32-bit seed", decimal, 67_000.0),
        _ => return None,
    })
}

/// A seed that produced some of the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The seed, as `--seed` accepts it.
    pub seed: String,
    /// How many of the (family's) names it produced.
    pub explained: usize,
    /// The windows in which it produced them, oldest first, each with the
    /// names it produced there.
    pub windows: Vec<(Window, Vec<String>)>,
}

/// What a search is asked to do.
#[derive(Debug, Clone)]
pub struct Search {
    /// First day of the range (inclusive).
    pub first: NaiveDate,
    /// Last day of the range (inclusive).
    pub last: NaiveDate,
    /// Go through the whole space rather than stop at the first seed that
    /// explains every name.
    pub all: bool,
    /// Threads to use (at least 1).
    pub threads: usize,
    /// Fewest names a seed must produce to be reported.
    pub min_explained: usize,
    /// Try only the first this many candidates (to measure a rate).
    pub limit: Option<u64>,
    /// Skip this many candidates first (to measure a rate in another part
    /// of the space).
    pub skip: u64,
}

/// Candidates a thread claims at a time.
const BLOCK: u64 = 64;

/// The names of `names` that `family` may produce: normalised, each once,
/// in the order given, without those whose TLD the family never uses
/// (unless its search takes other TLDs, [`SearchSpace::other_tlds`], and
/// the first label has the family's shape).
pub fn family_names(family: &Family, names: &[String]) -> Vec<String> {
    let mut seen = AHashSet::new();
    let other_tlds = search_space(family).and_then(|space| space.other_tlds);
    names
        .iter()
        .map(|n| normalise(n))
        .filter(|n| {
            n.rsplit_once('.').is_some_and(|(_, tld)| {
                family
                    .tlds
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(tld) || t.rsplit('.').next() == Some(tld))
            }) || other_tlds
                .is_some_and(|shape| n.split_once('.').is_some_and(|(label, _)| shape(label)))
        })
        .filter(|n| seen.insert(n.clone()))
        .collect()
}

/// Searches `space` of `family` for seeds that produce some of `names`
/// (already filtered by [`family_names`]) in the epochs of the range.
/// `progress` counts the candidates tried; setting `cancel` stops the
/// search early. The seeds are returned most names first, then in the
/// order of the space.
pub fn discover(
    family: &Family,
    space: &SearchSpace,
    names: &[String],
    search: &Search,
    progress: &AtomicU64,
    cancel: &AtomicBool,
) -> Result<Vec<Found>, RangeError> {
    crate::generate::check_range(search.first, search.last)?;
    let wanted: AHashSet<&str> = names.iter().map(String::as_str).collect();
    let next = AtomicU64::new(search.skip.min(space.size));
    let found: Mutex<BTreeMap<u64, Found>> = Mutex::new(BTreeMap::new());
    let done = AtomicBool::new(false);
    let threads = search.threads.max(1);
    let size = search.limit.map_or(space.size, |l| {
        l.saturating_add(search.skip).min(space.size)
    });
    // The epochs do not depend on the seed for the families with a sieve.
    let sieve = space.sieve.and_then(|build| {
        let generator = (family.bind)(family.default_seed().value).ok()?;
        let starts: Vec<NaiveDate> = epochs(family, generator.as_ref(), search.first, search.last)
            .ok()?
            .iter()
            .map(|e| e.start.date_naive())
            .collect();
        Some(build(&Wanted::new(names), &starts))
    });
    if let Some(derive) = space.derive {
        let generator = (family.bind)(family.default_seed().value).ok();
        let starts: Vec<NaiveDate> = generator
            .and_then(|g| epochs(family, g.as_ref(), search.first, search.last).ok())
            .unwrap_or_default()
            .iter()
            .map(|e| e.start.date_naive())
            .collect();
        let mut buffer = Vec::new();
        let mut out: Vec<Found> = Vec::new();
        for seed in derive(&Wanted::new(names), &starts, search.all) {
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            let Some(hit) = try_seed(family, seed, &wanted, search, &mut buffer) else {
                continue;
            };
            if hit.explained >= search.min_explained.max(1)
                && !out.iter().any(|f| f.seed == hit.seed)
            {
                out.push(hit);
            }
        }
        progress.store(space.size, Ordering::Relaxed);
        let mut out = rank(out, wanted.len(), search.all);
        // The inversion saw the whole space: without --all, the seeds that
        // explain the most names answer the question.
        if let (false, Some(best)) = (search.all, out.first().map(|f| f.explained)) {
            out.retain(|f| f.explained == best);
        }
        return Ok(out);
    }
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buffer = Vec::new();
                let mut keep = Vec::new();
                while !done.load(Ordering::Relaxed) && !cancel.load(Ordering::Relaxed) {
                    let start = next.fetch_add(BLOCK, Ordering::Relaxed);
                    if start >= size {
                        break;
                    }
                    let end = (start + BLOCK).min(size);
                    keep.clear();
                    match &sieve {
                        Some(sieve) => sieve.sift(start..end, &mut keep),
                        None => keep.extend(start..end),
                    }
                    for &index in &keep {
                        let Some(hit) =
                            try_candidate(family, space, index, &wanted, search, &mut buffer)
                        else {
                            continue;
                        };
                        if hit.explained < search.min_explained.max(1) {
                            continue;
                        }
                        if hit.explained == wanted.len() && !search.all {
                            done.store(true, Ordering::Relaxed);
                        }
                        if let Ok(mut found) = found.lock() {
                            found.insert(index, hit);
                        }
                    }
                    progress.fetch_add(end - start, Ordering::Relaxed);
                }
            });
        }
    });
    let found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(rank(
        found.into_values().collect(),
        wanted.len(),
        search.all,
    ))
}

/// The seeds to report, most names first (a stable sort keeps the order
/// of the space among equals).
fn rank(found: Vec<Found>, wanted: usize, all: bool) -> Vec<Found> {
    let complete = found.iter().any(|f| f.explained == wanted);
    let mut out: Vec<Found> = found
        .into_iter()
        // Once a seed explains everything, stopping early leaves a partial
        // set of the others: report only what answers the question.
        .filter(|f| all || !complete || f.explained == wanted)
        .collect();
    out.sort_by_key(|f| std::cmp::Reverse(f.explained));
    if complete && !all {
        out.truncate(1);
    }
    out
}

fn try_candidate(
    family: &Family,
    space: &SearchSpace,
    index: u64,
    wanted: &AHashSet<&str>,
    search: &Search,
    buffer: &mut Vec<String>,
) -> Option<Found> {
    try_seed(family, (space.value)(index), wanted, search, buffer)
}

fn try_seed(
    family: &Family,
    seed: String,
    wanted: &AHashSet<&str>,
    search: &Search,
    buffer: &mut Vec<String>,
) -> Option<Found> {
    let generator = (family.bind)(&seed).ok()?;
    let mut windows: Vec<(Window, Vec<String>)> = Vec::new();
    let mut explained: AHashSet<String> = AHashSet::new();
    let mut note = |names: &[String], window: Window| {
        let mut here: Vec<String> = Vec::new();
        for name in names {
            let lower = name.to_ascii_lowercase();
            if wanted.contains(lower.as_str()) && !here.contains(&lower) {
                explained.insert(lower.clone());
                here.push(lower);
            }
        }
        if !here.is_empty() {
            windows.push((window, here));
        }
    };
    buffer.clear();
    generator.static_names(buffer);
    note(buffer, Window::ALWAYS);
    for epoch in epochs(family, generator.as_ref(), search.first, search.last).ok()? {
        buffer.clear();
        generator.generate_at(epoch.start, buffer);
        note(buffer, epoch.window);
    }
    if explained.is_empty() {
        return None;
    }
    Some(Found {
        seed,
        explained: explained.len(),
        windows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{find_family, predict, rfc3339};

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    fn names_of(family: &str, seed: &str, first: &str, last: &str) -> Vec<String> {
        let family = find_family(family).expect("known family");
        let generator = (family.bind)(seed).expect("binds");
        let mut out = Vec::new();
        predict(family, generator.as_ref(), day(first), day(last), |n, _| {
            out.push(n.to_owned())
        })
        .expect("range");
        out
    }

    fn run(family: &str, names: &[String], first: &str, last: &str, all: bool) -> Vec<Found> {
        let family = find_family(family).expect("known family");
        let space = search_space(family).expect("searchable");
        let names = family_names(family, names);
        discover(
            family,
            &space,
            &names,
            &Search {
                first: day(first),
                last: day(last),
                all,
                threads: 2,
                min_explained: 1,
                limit: None,
                skip: 0,
            },
            &AtomicU64::new(0),
            &AtomicBool::new(false),
        )
        .expect("range")
    }

    /// Searches the whole space of `family` over a range, with names of
    /// another family mixed in.
    fn run_range(family: &str, names: &[String], first: &str, last: &str) -> Vec<Found> {
        let mut mixed = names.to_vec();
        mixed.extend(
            names_of("necurs", "9", "2017-07-02", "2017-07-02")
                .into_iter()
                .take(3),
        );
        run(family, &mixed, first, last, false)
    }

    #[test]
    fn a_qadars_seed_is_found_from_three_of_its_names() {
        let names: Vec<String> = names_of("qadars", "1234", "2026-03-05", "2026-03-05")
            .into_iter()
            .step_by(50)
            .take(3)
            .collect();
        let found = run("qadars", &names, "2026-03-05", "2026-03-05", false);
        assert_eq!(found.len(), 1, "{found:?}");
        // Places of the TLD list no name shows keep the default's TLD.
        assert_eq!(found[0].seed, "1234:net,org,top");
        assert_eq!(found[0].explained, 3);
        assert_eq!(found[0].windows.len(), 1);
    }

    #[test]
    fn a_locky_seed_is_found_through_its_sieve() {
        let family = find_family("locky").expect("known family");
        let space = search_space(family).expect("searchable");
        let names: Vec<String> = names_of("locky", "v3:556677", "2017-04-24", "2017-04-27")
            .into_iter()
            .step_by(5)
            .collect();
        let names = family_names(family, &names);
        let found = discover(
            family,
            &space,
            &names,
            &Search {
                first: day("2017-04-24"),
                last: day("2017-04-27"),
                all: true,
                threads: 2,
                min_explained: 1,
                limit: Some(1000),
                skip: (1 << 32) + 556_677 - 500,
            },
            &AtomicU64::new(0),
            &AtomicBool::new(false),
        )
        .expect("range");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].seed, "v3:556677");
        assert_eq!(found[0].explained, names.len());
        assert_eq!(found[0].windows.len(), 2);
    }

    /// Searches `family` over `skip..skip + limit` of its space (the whole
    /// space without a limit), with names of another family mixed in.
    fn run_mixed(
        family: &str,
        names: &[String],
        date: &str,
        skip: u64,
        limit: Option<u64>,
    ) -> Vec<Found> {
        let family = find_family(family).expect("known family");
        let space = search_space(family).expect("searchable");
        let mut mixed = names.to_vec();
        mixed.extend(
            names_of("necurs", "9", "2017-07-02", "2017-07-02")
                .into_iter()
                .take(3),
        );
        mixed.extend(
            names_of("qadars", "89F5", "2016-03-28", "2016-03-28")
                .into_iter()
                .take(3),
        );
        let names = family_names(family, &mixed);
        discover(
            family,
            &space,
            &names,
            &Search {
                first: day(date),
                last: day(date),
                all: false,
                threads: 2,
                min_explained: 1,
                limit,
                skip,
            },
            &AtomicU64::new(0),
            &AtomicBool::new(false),
        )
        .expect("range")
    }

    #[test]
    fn ranbyus_seeds_of_both_variants_are_found_through_the_sieve() {
        for (seed, index) in [
            ("may:5EED0042", 0x5EED_0042_u64),
            ("september:0BADCAFE", (1 << 32) + 0x0BAD_CAFE),
        ] {
            let names: Vec<String> = names_of("ranbyus", seed, "2026-06-11", "2026-06-11")
                .into_iter()
                .skip(7)
                .step_by(11)
                .collect();
            let found = run_mixed("ranbyus", &names, "2026-06-11", index - 2000, Some(4000));
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].seed, seed);
            assert_eq!(found[0].explained, names.len());
            assert_eq!(found[0].windows.len(), 1);
            let window = found[0].windows[0].0;
            assert_eq!(
                window.from.map(rfc3339).as_deref(),
                Some("2026-06-11T00:00:00Z")
            );
            assert_eq!(
                window.to.map(rfc3339).as_deref(),
                Some("2026-06-12T00:00:00Z")
            );
        }
    }

    #[test]
    fn kraken_v1_constants_are_found_by_inversion() {
        let made = names_of("kraken-v1", "7f123456:00abcdef", "2026-06-11", "2026-06-11");
        let names = vec![
            made[4].clone(),
            made[5].clone(),
            made[1200].clone(),
            made[1999].clone(),
        ];
        let found = run_mixed("kraken-v1", &names, "2026-06-11", 0, None);
        assert_eq!(found.len(), 1, "{found:?}");
        // Only the low 23 bits of each constant make a difference.
        assert_eq!(found[0].seed, "00123456:002bcdef");
        assert_eq!(found[0].explained, 4);
        assert_eq!(found[0].windows.len(), 1);
        assert_eq!(found[0].windows[0].0, Window::ALWAYS);
    }

    #[test]
    fn a_kraken_v2_seed_is_found_by_inversion() {
        // Not a listed seed; names of one week: of the first and last
        // numbers whose names never change and of the first and last whose
        // names change weekly. Seeds 108 apart (36 numbers) share all
        // names of the numbers in between, so names of both ends pin it.
        let seed = "5555555:com,net,tv,cc";
        let family = find_family("kraken-v2").expect("known family");
        let generator = (family.bind)(seed).expect("binds");
        let (mut fixed, mut weekly) = (Vec::new(), Vec::new());
        generator.static_names(&mut fixed);
        generator.generate(day("2026-06-11"), &mut weekly);
        let names = vec![
            fixed[0].clone(),
            fixed[221].clone(),
            weekly[0].clone(),
            weekly[weekly.len() - 1].clone(),
            "wikipedia.org".to_owned(),
        ];
        let found = run_mixed("kraken-v2", &names, "2026-06-11", 0, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].seed, seed);
        assert_eq!(found[0].explained, 4);
        let windows: Vec<Window> = found[0].windows.iter().map(|w| w.0).collect();
        let week = Window {
            from: Some("2026-06-08T21:46:40Z".parse().expect("instant")),
            to: Some("2026-06-15T21:46:40Z".parse().expect("instant")),
        };
        assert_eq!(windows, vec![Window::ALWAYS, week]);
    }

    #[test]
    fn a_kraken_v2_seed_is_found_from_names_of_two_weeks() {
        // The dynamic-DNS TLD set; weeks of 2008, before the states settle
        // on the discard map's cycles.
        let seed = "7654321:dyndns.org,yi.org,dynserv.com,mooo.com";
        let family = find_family("kraken-v2").expect("known family");
        let generator = (family.bind)(seed).expect("binds");
        let weekly = |date: &str| {
            let mut out = Vec::new();
            generator.generate(day(date), &mut out);
            out
        };
        let (first, second) = (weekly("2008-04-02"), weekly("2008-04-09"));
        let mut names: Vec<String> = [0, 300, 600, 900, 1200]
            .iter()
            .flat_map(|&i| [first[i].clone(), second[i + 1].clone()])
            .chain([
                first[first.len() - 1].clone(),
                second[second.len() - 2].clone(),
            ])
            .collect();
        // Weekly names alone pin bits 8-22 of the first LCG state of each
        // number (up to carries), so a seed whose multiple by the LCG's
        // multiplier is near the real one's makes them too.
        let found = run_range("kraken-v2", &names, "2008-04-02", "2008-04-09");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].explained, 12);
        let number = |seed: &str| -> u32 {
            seed.split_once(':')
                .and_then(|(n, _)| n.parse().ok())
                .expect("a seed number")
        };
        let apart = number(&found[0].seed)
            .wrapping_sub(7_654_321)
            .wrapping_mul(1_103_515_245)
            & 0x7f_ffff;
        assert!(
            !(1 << 12..=0x7f_ffff - (1 << 12)).contains(&apart),
            "{found:?}"
        );
        // One name of a number whose name never changes pins the seed.
        let mut fixed = Vec::new();
        generator.static_names(&mut fixed);
        names.push(fixed[100].clone());
        let found = run_range("kraken-v2", &names, "2008-04-02", "2008-04-09");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].seed, seed);
        assert_eq!(found[0].explained, 13);
        let windows: Vec<Window> = found[0].windows.iter().map(|w| w.0).collect();
        let week = |from: &str, to: &str| Window {
            from: Some(from.parse().expect("instant")),
            to: Some(to.parse().expect("instant")),
        };
        assert_eq!(
            windows,
            vec![
                Window::ALWAYS,
                week("2008-03-31T21:46:40Z", "2008-04-07T21:46:40Z"),
                week("2008-04-07T21:46:40Z", "2008-04-14T21:46:40Z"),
            ]
        );
    }

    #[test]
    fn a_tinba_chain_is_found_from_its_names() {
        let made = names_of(
            "tinba",
            "Xy12Kq9PzLm0Wn4b:justanothername.com:com,ru:1000",
            "2026-06-11",
            "2026-06-11",
        );
        let names = vec![made[21].clone(), made[23].clone(), made[60].clone()];
        let found = run_mixed("tinba", &names, "2026-06-11", 0, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].explained, 3);
        assert!(
            found[0].seed.contains(&format!(":{}:com,ru:100", names[0])),
            "{found:?}"
        );
    }

    #[test]
    fn murofet_v2_keys_are_found_through_the_sieve() {
        // 360 Netlab's names of key 8811EEA2 on 2016-09-07 (DGA issue 11).
        let netlab: Vec<String> =
            crate::families::testing::reference("murofet/netlab_issue11_8811eea2.txt")
                .iter()
                .filter_map(|line| line.strip_prefix("2016-09-07 ").map(str::to_owned))
                .collect();
        assert_eq!(netlab.len(), 36);
        let found = run_mixed(
            "murofet-v2",
            &netlab,
            "2016-09-07",
            0x8811_EEA2 - 1000,
            Some(2000),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].seed, "8811EEA2");
        assert_eq!(found[0].explained, 36);
        // A key no sample is known to use, from three of its names.
        let made = names_of("murofet-v2", "0BADF00D", "2026-06-11", "2026-06-11");
        let names = vec![made[7].clone(), made[500].clone(), made[1013].clone()];
        let found = run_mixed(
            "murofet-v2",
            &names,
            "2026-06-11",
            0x0BAD_F00D - 3000,
            Some(4000),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].seed, "0BADF00D");
        assert_eq!(found[0].explained, 3);
        let window = found[0].windows[0].0;
        assert_eq!(
            window.from.map(rfc3339).as_deref(),
            Some("2026-06-11T00:00:00Z")
        );
    }

    #[test]
    fn a_murofet_variant_is_found() {
        let names: Vec<String> = names_of("murofet", "v3", "2026-06-08", "2026-06-08")
            .into_iter()
            .step_by(97)
            .collect();
        let found = run_mixed("murofet", &names, "2026-06-08", 0, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].seed, "v3");
        assert_eq!(found[0].explained, names.len());
        let window = found[0].windows[0].0;
        assert_eq!(
            window.from.map(rfc3339).as_deref(),
            Some("2026-06-07T00:00:00Z")
        );
    }

    #[test]
    fn a_qadars_seed_with_other_tlds_is_found_with_them() {
        let made = names_of("qadars", "0C0A:xyz,info,biz", "2026-06-10", "2026-06-10");
        let names: Vec<String> = made.iter().step_by(9).cloned().collect();
        assert!(names.iter().any(|n| n.ends_with(".biz")), "{names:?}");
        let found = run_mixed("qadars", &names, "2026-06-10", 0, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].seed, "0C0A:xyz,info,biz");
        assert_eq!(found[0].explained, names.len());
        let window = found[0].windows[0].0;
        assert_eq!(
            window.from.map(rfc3339).as_deref(),
            Some("2026-06-08T00:00:00Z")
        );
    }

    #[test]
    fn names_of_other_families_are_set_aside() {
        let family = find_family("qadars").expect("known");
        let mixed = vec![
            "Example.XYZ.".to_owned(),
            "ABC.NET.".to_owned(),
            "abc.net".to_owned(),
            "abc.net".to_owned(),
            "x.invalid".to_owned(),
        ];
        assert_eq!(family_names(family, &mixed), vec!["abc.net".to_owned()]);
    }

    #[test]
    fn names_no_seed_makes_give_nothing() {
        let names = vec!["qqqqqqqqqqqq.net".to_owned()];
        assert!(run("qadars", &names, "2026-03-05", "2026-03-05", false).is_empty());
    }

    #[test]
    fn every_search_space_value_binds() {
        for family in crate::all_families() {
            if let Some(space) = search_space(family) {
                for index in [0, 1, space.size / 2, space.size - 1] {
                    let seed = (space.value)(index);
                    assert!(
                        (family.bind)(&seed).is_ok(),
                        "{}: candidate {seed} does not bind",
                        family.name
                    );
                }
            }
        }
    }
}

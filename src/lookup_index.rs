//! The persistent lookup index: every name that the deterministic families
//! and their public seeds produce over a day range, stored once in the data
//! directory and memory-mapped by each `cautery lookup`.
//!
//! An index lives in `DATA/lookup-index/FIRST_LAST-KEY/`, where `KEY` hashes
//! the format version, the binary (version, size and modification time, so a
//! rebuilt `cautery` never reads an index made by other code), the range and
//! the list of families and seeds in order. Anything that changes the answers
//! changes the key, and a new index is built on the next lookup.
//!
//! Files of an index (little-endian integers):
//! - `names.bin`: every name in byte order, each once, as a record: `u8`
//!   length, the lower-case name, `u32` count, then that many
//!   `(u32 source, u32 window)` pairs, oldest added first. Records are
//!   grouped in blocks of about [`BLOCK_BYTES`], a record never split;
//! - `blocks.bin`: per block its `u64` offset in `names.bin` and its first
//!   name (`u8` length, bytes). A lookup reads this small file, finds the one
//!   block that may hold the name by binary search and reads only that
//!   block (positioned reads, no memory mapping: the workspace forbids
//!   `unsafe`, and the page cache keeps the files hot anyway);
//! - `windows.bin`: each window as two `(i64 seconds, u32 nanoseconds)`
//!   ends, `i64::MIN` seconds meaning unbounded;
//! - `meta`: one line, the format, name count, source count and window count.
//!
//! Building never holds the whole range in memory: names are generated in
//! the same order as [`cautery_dga::ReverseIndex`], collected into a chunk of
//! fixed size ([`CHUNK_BYTES`]), sorted and spilled to a run file; the runs are
//! merged into the table. Peak memory is therefore about the chunk size
//! whatever the range (the chunk is estimated from the range's length,
//! [`BYTES_PER_DAY`], up to [`CHUNK_BYTES`]); the chunk is reserved up front, so a machine without
//! that memory gets an error, not an abort. The index is built in a temporary
//! directory and renamed into place, so a crash or a concurrent lookup never
//! sees half an index. Old indexes are pruned, keeping [`KEEP_INDEXES`].
//!
//! Limitation: the files are trusted to be what this module wrote: reads are
//! bounds-checked (a damaged file gives wrong answers or none, never a
//! panic) but not checksummed on every open.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use cautery_dga::{normalise, predict, Hit, Window};
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::commands::Source;

/// Format of the files; part of the key.
const FORMAT: &str = "cautery-lookup-index 1";

/// Size a block of `names.bin` grows to before the next one starts.
pub const BLOCK_BYTES: usize = 16 << 10;

/// Bytes of names and entries held before a chunk is sorted and spilled.
pub const CHUNK_BYTES: usize = 192 << 20;

/// Chunk bytes per day of range: every family and seed makes about 89,000
/// names a day (32.5 million in 2026), some 40 bytes each with its entry.
const BYTES_PER_DAY: usize = 4 << 20;

/// Indexes kept in the data directory (the newest by use).
pub const KEEP_INDEXES: usize = 4;

/// Size of one entry of a chunk, for the budget.
const ENTRY_BYTES: usize = std::mem::size_of::<Entry>();

/// One generated name in a chunk: where its bytes are in the arena, who
/// produced it and when, and its place in generation order.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    len: u32,
    source: u32,
    window: u32,
    seq: u64,
}

/// An index on disk: its block table in memory, its names read on demand.
pub struct PersistentIndex {
    names: File,
    names_len: u64,
    /// `blocks.bin` as read.
    table: Vec<u8>,
    /// Per block: offset in `names.bin`, and where its first name is in `table`.
    blocks: Vec<(u64, std::ops::Range<usize>)>,
    count: usize,
    sources: Vec<(&'static str, String)>,
    /// `windows.bin` as read; a window is decoded when a hit needs it.
    windows: Vec<u8>,
    path: PathBuf,
}

/// How an index was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// It was on disk already.
    Found,
    /// It was built now.
    Built,
}

impl PersistentIndex {
    /// Opens the index of `sources` over `[first, last]` in `data_dir`,
    /// building it first when it is missing.
    pub fn open_or_build(
        data_dir: &Path,
        sources: &[Source],
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<(PersistentIndex, Opened)> {
        // Estimated before anything is allocated: a short range gets a
        // smaller chunk, so that it needs less memory.
        let days = usize::try_from((last - first).num_days() + 1).unwrap_or(usize::MAX);
        let chunk = CHUNK_BYTES.min((16 << 20) + days.saturating_mul(BYTES_PER_DAY));
        Self::open_or_build_with(data_dir, sources, first, last, chunk)
    }

    fn open_or_build_with(
        data_dir: &Path,
        sources: &[Source],
        first: NaiveDate,
        last: NaiveDate,
        chunk_bytes: usize,
    ) -> Result<(PersistentIndex, Opened)> {
        let root = data_dir.join("lookup-index");
        let name = format!("{first}_{last}-{}", key(sources, first, last));
        let path = root.join(&name);
        if path.join("meta").is_file() {
            match PersistentIndex::open(&path, sources) {
                Ok(index) => {
                    touch(&path);
                    return Ok((index, Opened::Found));
                }
                Err(error) => {
                    eprintln!(
                        "cautery: the lookup index {} does not read ({error:#}); building it again",
                        path.display()
                    );
                    fs::remove_dir_all(&path).with_context(|| {
                        format!("removing the unreadable index {}", path.display())
                    })?;
                }
            }
        }
        fs::create_dir_all(&root).with_context(|| {
            format!(
                "creating {} for the lookup index (pass --data-dir or set $CAUTERY_DATA to a writable folder)",
                root.display()
            )
        })?;
        let building = tempfile::Builder::new()
            .prefix(".build-")
            .tempdir_in(&root)
            .with_context(|| format!("creating a build folder in {}", root.display()))?;
        build(building.path(), sources, first, last, chunk_bytes)?;
        let built = building.keep();
        if let Err(error) = fs::rename(&built, &path) {
            // Another lookup may have finished the same index first.
            let _ = fs::remove_dir_all(&built);
            if !path.join("meta").is_file() {
                return Err(error)
                    .with_context(|| format!("moving the new lookup index to {}", path.display()));
            }
        }
        prune(&root, &name);
        let index = PersistentIndex::open(&path, sources)?;
        Ok((index, Opened::Built))
    }

    /// Opens an index written by [`build`] for `sources`.
    fn open(path: &Path, sources: &[Source]) -> Result<PersistentIndex> {
        let meta = fs::read_to_string(path.join("meta")).context("reading meta")?;
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [format_name, format_version, names_count, source_count, window_count] = fields[..]
        else {
            bail!("meta has {} fields, not 5", fields.len());
        };
        if format!("{format_name} {format_version}") != FORMAT {
            bail!("format '{format_name} {format_version}' is not '{FORMAT}'");
        }
        let source_count: usize = source_count.parse().context("source count")?;
        let window_count: usize = window_count.parse().context("window count")?;
        if source_count != sources.len() {
            bail!("{source_count} sources on disk, {} expected", sources.len());
        }
        let windows_bytes = fs::read(path.join("windows.bin")).context("reading windows.bin")?;
        if windows_bytes.len() != window_count * 24 {
            bail!(
                "windows.bin holds {} bytes, not {}",
                windows_bytes.len(),
                window_count * 24
            );
        }
        let names_path = path.join("names.bin");
        let names = File::open(&names_path).context("opening names.bin")?;
        let names_len = names.metadata().context("reading names.bin")?.len();
        let table = fs::read(path.join("blocks.bin")).context("reading blocks.bin")?;
        let mut blocks = Vec::new();
        let mut at = 0;
        while at < table.len() {
            let offset = table
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .context("blocks.bin is cut")?;
            let len = *table.get(at + 8).context("blocks.bin is cut")? as usize;
            let key = at + 9..at + 9 + len;
            if key.end > table.len() || offset > names_len {
                bail!("blocks.bin is damaged at byte {at}");
            }
            blocks.push((offset, key.clone()));
            at = key.end;
        }
        Ok(PersistentIndex {
            names,
            names_len,
            table,
            blocks,
            count: names_count.parse().context("name count")?,
            sources: sources
                .iter()
                .map(|s| (s.family.name, s.seed.clone()))
                .collect(),
            windows: windows_bytes,
            path: path.to_path_buf(),
        })
    }

    /// Every origin of `name`, in the order of [`cautery_dga::ReverseIndex::lookup`];
    /// case, surrounding blanks and a trailing dot do not matter.
    pub fn lookup(&self, name: &str) -> Vec<Hit<'_>> {
        let key = normalise(name);
        let key = key.as_bytes();
        // The last block whose first name is not after the name.
        let block = self
            .blocks
            .partition_point(|(_, first)| &self.table[first.clone()] <= key);
        let Some(block) = block.checked_sub(1) else {
            return Vec::new();
        };
        let start = self.blocks[block].0;
        let end = self
            .blocks
            .get(block + 1)
            .map_or(self.names_len, |(offset, _)| *offset);
        let Some(size) = end.checked_sub(start).and_then(|n| usize::try_from(n).ok()) else {
            return Vec::new();
        };
        let mut bytes = vec![0u8; size];
        if self.names.read_exact_at(&mut bytes, start).is_err() {
            return Vec::new();
        }
        let Some(pairs) = find_record(&bytes, key) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(pairs.len() / 8);
        for pair in pairs.chunks_exact(8) {
            let source = u32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]);
            let window = u32::from_le_bytes([pair[4], pair[5], pair[6], pair[7]]);
            let (Some((family, seed)), Some(span)) = (
                self.sources.get(source as usize),
                self.windows
                    .get(window as usize * 24..window as usize * 24 + 24)
                    .map(decode_window),
            ) else {
                continue;
            };
            out.push(Hit {
                family,
                seed,
                window: span,
                window_id: window,
            });
        }
        out
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Where the index lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The key of an index: what its answers depend on.
fn key(sources: &[Source], first: NaiveDate, last: NaiveDate) -> String {
    let mut hash = Sha256::new();
    hash.update(FORMAT.as_bytes());
    hash.update(b"\n");
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    hash.update(b"\n");
    // The binary's identity, so that changed family code is never answered
    // from an index of the old code.
    let binary = std::env::current_exe()
        .and_then(fs::metadata)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            format!("{} {modified}", m.len())
        })
        .unwrap_or_default();
    hash.update(binary.as_bytes());
    hash.update(format!("\n{first} {last}\n").as_bytes());
    for source in sources {
        hash.update(source.family.name.as_bytes());
        hash.update(b"\t");
        hash.update(source.seed.as_bytes());
        hash.update(b"\n");
    }
    hash.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `(source, window)` pairs of `key`'s record in one block, if there.
fn find_record<'a>(block: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut at = 0;
    while at < block.len() {
        let len = usize::from(*block.get(at)?);
        let name = block.get(at + 1..at + 1 + len)?;
        let count_at = at + 1 + len;
        let count = u32::from_le_bytes(block.get(count_at..count_at + 4)?.try_into().ok()?);
        let pairs_end = count_at + 4 + (count as usize).checked_mul(8)?;
        let pairs = block.get(count_at + 4..pairs_end)?;
        match name.cmp(key) {
            std::cmp::Ordering::Equal => return Some(pairs),
            std::cmp::Ordering::Greater => return None,
            std::cmp::Ordering::Less => at = pairs_end,
        }
    }
    None
}

fn encode_end(out: &mut Vec<u8>, end: Option<DateTime<Utc>>) {
    match end {
        Some(at) => {
            out.extend_from_slice(&at.timestamp().to_le_bytes());
            out.extend_from_slice(&at.timestamp_subsec_nanos().to_le_bytes());
        }
        None => {
            out.extend_from_slice(&i64::MIN.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
        }
    }
}

fn decode_end(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let seconds = i64::from_le_bytes(bytes[..8].try_into().ok()?);
    let nanos = u32::from_le_bytes(bytes[8..12].try_into().ok()?);
    if seconds == i64::MIN {
        return None;
    }
    DateTime::from_timestamp(seconds, nanos)
}

fn decode_window(bytes: &[u8]) -> Window {
    Window {
        from: decode_end(&bytes[..12]),
        to: decode_end(&bytes[12..24]),
    }
}

/// Marks an index as used now, for pruning.
fn touch(path: &Path) {
    if let Ok(file) = File::options().append(true).open(path.join("meta")) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
}

/// Removes all but the [`KEEP_INDEXES`] most recently used indexes (never
/// `current`), and build folders left by a crash more than an hour ago.
fn prune(root: &Path, current: &str) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    let mut indexes = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with(".build-") {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600);
            if old {
                let _ = fs::remove_dir_all(&path);
            }
            continue;
        }
        if name == current {
            continue;
        }
        let used = fs::metadata(path.join("meta"))
            .and_then(|m| m.modified())
            .ok();
        indexes.push((used, path));
    }
    indexes.sort_by_key(|(used, _)| Reverse(*used));
    for (_, path) in indexes.into_iter().skip(KEEP_INDEXES.saturating_sub(1)) {
        let _ = fs::remove_dir_all(path);
    }
}

/// A chunk of generated names, bounded in bytes.
struct Chunk {
    arena: Vec<u8>,
    entries: Vec<Entry>,
}

impl Chunk {
    fn new(budget: usize) -> Result<Chunk> {
        let entry_share = budget / 2;
        let mut arena = Vec::new();
        let mut entries = Vec::new();
        if arena.try_reserve_exact(budget - entry_share).is_err()
            || entries
                .try_reserve_exact(entry_share / ENTRY_BYTES)
                .is_err()
        {
            bail!(
                "not enough memory to build the lookup index: it needs about {} MB; free memory or raise the limit (ulimit -v)",
                budget >> 20
            );
        }
        Ok(Chunk { arena, entries })
    }

    fn full(&self, next_len: usize) -> bool {
        self.arena.len() + next_len > self.arena.capacity()
            || self.entries.len() == self.entries.capacity()
    }

    fn push(&mut self, name: &str, source: u32, window: u32, seq: u64) {
        let start = self.arena.len();
        self.arena
            .extend(name.bytes().map(|b| b.to_ascii_lowercase()));
        self.entries.push(Entry {
            start: start as u32,
            len: name.len() as u32,
            source,
            window,
            seq,
        });
    }

    fn name(&self, entry: &Entry) -> &[u8] {
        &self.arena[entry.start as usize..(entry.start + entry.len) as usize]
    }

    /// Sorts the chunk by name, then generation order, and writes it as a run.
    fn spill(&mut self, path: &Path) -> Result<()> {
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_unstable_by(|a, b| self.name(a).cmp(self.name(b)).then(a.seq.cmp(&b.seq)));
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        for entry in &entries {
            let name = self.name(entry);
            out.write_all(&(name.len() as u16).to_le_bytes())?;
            out.write_all(name)?;
            out.write_all(&entry.source.to_le_bytes())?;
            out.write_all(&entry.window.to_le_bytes())?;
            out.write_all(&entry.seq.to_le_bytes())?;
        }
        out.flush()
            .with_context(|| format!("writing {} (is the disk full?)", path.display()))?;
        entries.clear();
        self.entries = entries;
        self.arena.clear();
        Ok(())
    }
}

/// One record of a run, ordered by name then generation order.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Record {
    name: Vec<u8>,
    seq: u64,
    source: u32,
    window: u32,
}

fn read_record(reader: &mut impl Read) -> Result<Option<Record>> {
    let mut len = [0u8; 2];
    match reader.read_exact(&mut len) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error.into()),
    }
    let mut name = vec![0u8; u16::from_le_bytes(len) as usize];
    reader.read_exact(&mut name)?;
    let mut rest = [0u8; 16];
    reader.read_exact(&mut rest)?;
    Ok(Some(Record {
        name,
        source: u32::from_le_bytes(rest[..4].try_into()?),
        window: u32::from_le_bytes(rest[4..8].try_into()?),
        seq: u64::from_le_bytes(rest[8..].try_into()?),
    }))
}

/// Builds the index files of `sources` over `[first, last]` in `dir`.
fn build(
    dir: &Path,
    sources: &[Source],
    first: NaiveDate,
    last: NaiveDate,
    chunk_bytes: usize,
) -> Result<()> {
    let mut chunk = Chunk::new(chunk_bytes)?;
    let mut runs: Vec<PathBuf> = Vec::new();
    let mut windows: Vec<Window> = Vec::new();
    // Windows are generated here, not read from input: the std hasher is fine.
    let mut window_ids: std::collections::HashMap<Window, u32> = std::collections::HashMap::new();
    let mut seq = 0u64;
    let mut failure: Option<anyhow::Error> = None;
    for (source_id, source) in sources.iter().enumerate() {
        let source_id = u32::try_from(source_id).context("too many seeds")?;
        predict(
            source.family,
            source.generator.as_ref(),
            first,
            last,
            |name, window| {
                if failure.is_some() || name.len() > usize::from(u8::MAX) {
                    return;
                }
                let next = windows.len() as u32;
                let window = *window_ids.entry(window).or_insert_with(|| {
                    windows.push(window);
                    next
                });
                if chunk.full(name.len()) {
                    let run = dir.join(format!("run-{}", runs.len()));
                    if let Err(error) = chunk.spill(&run) {
                        failure = Some(error);
                        return;
                    }
                    runs.push(run);
                }
                chunk.push(name, source_id, window, seq);
                seq += 1;
            },
        )?;
        if let Some(error) = failure.take() {
            return Err(error);
        }
    }
    if !chunk.entries.is_empty() || runs.is_empty() {
        let run = dir.join(format!("run-{}", runs.len()));
        chunk.spill(&run)?;
        runs.push(run);
    }
    drop(chunk);
    let names = merge(dir, &runs)?;
    for run in &runs {
        let _ = fs::remove_file(run);
    }
    let mut encoded = Vec::with_capacity(windows.len() * 24);
    for window in &windows {
        encode_end(&mut encoded, window.from);
        encode_end(&mut encoded, window.to);
    }
    fs::write(dir.join("windows.bin"), &encoded).context("writing windows.bin")?;
    fs::write(
        dir.join("meta"),
        format!("{FORMAT} {names} {} {}\n", sources.len(), windows.len()),
    )
    .context("writing meta")?;
    Ok(())
}

/// Merges the sorted runs into `names.bin` and `blocks.bin`; returns the
/// number of names.
fn merge(dir: &Path, runs: &[PathBuf]) -> Result<u64> {
    let mut readers = Vec::with_capacity(runs.len());
    let mut heap = BinaryHeap::with_capacity(runs.len());
    for (i, run) in runs.iter().enumerate() {
        let mut reader = BufReader::with_capacity(
            1 << 16,
            File::open(run).with_context(|| format!("opening {}", run.display()))?,
        );
        if let Some(record) = read_record(&mut reader)? {
            heap.push(Reverse((record, i)));
        }
        readers.push(reader);
    }
    let mut names_out = BufWriter::with_capacity(1 << 20, File::create(dir.join("names.bin"))?);
    let mut table = BufWriter::with_capacity(1 << 16, File::create(dir.join("blocks.bin"))?);
    let mut offset = 0u64;
    let mut block_start: Option<u64> = None;
    let mut names = 0u64;
    let mut current: Option<Vec<u8>> = None;
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut finish = |name: &[u8], pairs: &mut Vec<(u32, u32)>, offset: &mut u64| -> Result<()> {
        let full = block_start.is_some_and(|start| *offset - start >= BLOCK_BYTES as u64);
        if block_start.is_none() || full {
            block_start = Some(*offset);
            table.write_all(&offset.to_le_bytes())?;
            table.write_all(&[name.len() as u8])?;
            table.write_all(name)?;
        }
        names_out.write_all(&[name.len() as u8])?;
        names_out.write_all(name)?;
        names_out.write_all(&(pairs.len() as u32).to_le_bytes())?;
        for (source, window) in pairs.iter() {
            names_out.write_all(&source.to_le_bytes())?;
            names_out.write_all(&window.to_le_bytes())?;
        }
        *offset += 1 + name.len() as u64 + 4 + 8 * pairs.len() as u64;
        pairs.clear();
        Ok(())
    };
    while let Some(Reverse((record, i))) = heap.pop() {
        if let Some(next) = read_record(&mut readers[i])? {
            heap.push(Reverse((next, i)));
        }
        if current.as_deref() != Some(record.name.as_slice()) {
            if let Some(name) = current.take() {
                finish(&name, &mut pairs, &mut offset)?;
                names += 1;
            }
            current = Some(record.name);
        }
        // The same name from the same seed in the same window counts once,
        // as in the in-memory index.
        if !pairs.contains(&(record.source, record.window)) {
            pairs.push((record.source, record.window));
        }
    }
    if let Some(name) = current.take() {
        finish(&name, &mut pairs, &mut offset)?;
        names += 1;
    }
    for (file, what) in [(names_out, "names.bin"), (table, "blocks.bin")] {
        file.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .with_context(|| format!("writing {what} (is the disk full?)"))?;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{bind, SeedChoice};
    use cautery_dga::{find_family, ReverseIndex};

    fn sources(families: &[&str]) -> Vec<Source> {
        families
            .iter()
            .flat_map(|name| {
                let family = find_family(name).expect("family");
                bind(family, &SeedChoice::All, false).expect("bind")
            })
            .collect()
    }

    /// The persistent index answers exactly as the in-memory index, on every
    /// name of several families of different kinds (daily, hourly epochs
    /// joined, spread over days, time-independent, several seeds), also when
    /// the build spills many runs.
    #[test]
    fn persistent_index_answers_as_the_in_memory_index() {
        let families = [
            "necurs",
            "qsnatch",
            "pushdo",
            "banjori",
            "conficker-c",
            "ramnit",
            "darkcracks",
        ];
        let sources = sources(&families);
        let first: NaiveDate = "2026-03-01".parse().unwrap();
        let last: NaiveDate = "2026-03-03".parse().unwrap();
        let mut memory = ReverseIndex::new();
        let mut names = Vec::new();
        for source in &sources {
            memory
                .add(
                    source.family,
                    &source.seed,
                    source.generator.as_ref(),
                    first,
                    last,
                )
                .unwrap();
            predict(
                source.family,
                source.generator.as_ref(),
                first,
                last,
                |name, _| names.push(name.to_owned()),
            )
            .unwrap();
        }
        assert!(names.len() > 100_000, "{} names", names.len());
        let dir = tempfile::tempdir().unwrap();
        // A small chunk: the build spills dozens of runs and merges them.
        let (disk, opened) =
            PersistentIndex::open_or_build_with(dir.path(), &sources, first, last, 1 << 20)
                .unwrap();
        assert_eq!(opened, Opened::Built);
        assert_eq!(disk.len(), memory.len());
        let mut several = 0;
        for name in &names {
            let expected = memory.lookup(name);
            let got = disk.lookup(name);
            several += usize::from(expected.len() > 1);
            assert_eq!(got, expected, "{name}");
        }
        assert!(several > 0, "some names have several origins");
        assert!(disk.lookup("not-generated.example").is_empty());
        // The second open finds the same files.
        let (again, opened) =
            PersistentIndex::open_or_build_with(dir.path(), &sources, first, last, 1 << 20)
                .unwrap();
        assert_eq!(opened, Opened::Found);
        assert_eq!(again.lookup(&names[0]), memory.lookup(&names[0]));
    }

    #[test]
    fn another_seed_list_or_range_gets_another_index_and_old_ones_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let day: NaiveDate = "2026-03-01".parse().unwrap();
        let necurs = sources(&["necurs"]);
        let both = sources(&["necurs", "banjori"]);
        let (a, _) = PersistentIndex::open_or_build(dir.path(), &necurs, day, day).unwrap();
        let (b, _) = PersistentIndex::open_or_build(dir.path(), &both, day, day).unwrap();
        assert_ne!(a.path(), b.path());
        for offset in 1..=KEEP_INDEXES as u64 + 1 {
            let other = day + chrono::Days::new(offset);
            let (_, opened) =
                PersistentIndex::open_or_build(dir.path(), &necurs, other, other).unwrap();
            assert_eq!(opened, Opened::Built);
        }
        let kept = fs::read_dir(dir.path().join("lookup-index"))
            .unwrap()
            .count();
        assert_eq!(kept, KEEP_INDEXES);
    }

    #[test]
    fn a_damaged_index_is_built_again() {
        let dir = tempfile::tempdir().unwrap();
        let day: NaiveDate = "2026-03-01".parse().unwrap();
        let necurs = sources(&["necurs"]);
        let (index, _) = PersistentIndex::open_or_build(dir.path(), &necurs, day, day).unwrap();
        let path = index.path().to_path_buf();
        drop(index);
        fs::write(path.join("windows.bin"), b"short").unwrap();
        let (_, opened) = PersistentIndex::open_or_build(dir.path(), &necurs, day, day).unwrap();
        assert_eq!(opened, Opened::Built);
    }
}

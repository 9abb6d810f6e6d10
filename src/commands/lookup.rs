//! `cautery lookup`: which family, seed and window produce a name.
//!
//! The reverse index holds every name of every deterministic family and
//! known seed in the range; seeds that are not public (a `ramnit` seed
//! reversed this morning, say) are not searched. It is built once per range
//! and kept in the data directory ([`crate::lookup_index`]), so later lookups
//! of the same range answer at once; empty input opens nothing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cautery_dga::{all_families, normalise, Hit};
use chrono::NaiveDate;

use super::{bind, SeedChoice};
use crate::cli::{LookupArgs, LookupFormat};
use crate::dates::{parse_day, shift, today};
use crate::lookup_index::{Opened, PersistentIndex};
use crate::output::{self, json_string};
use crate::Outcome;

/// Longest line read from stdin; a DNS name has at most 253 characters, so
/// anything longer is reported as not found without being stored.
const MAX_LINE: usize = 1024;

/// Runs `cautery lookup`.
pub fn run(args: &LookupArgs) -> Result<Outcome> {
    let now = today();
    let first = match &args.from {
        Some(day) => parse_day("--from", day)?,
        None => shift(now, -30),
    };
    let last = match &args.to {
        Some(day) => parse_day("--to", day)?,
        None => shift(now, 30),
    };
    cautery_dga::check_range(first, last)?;
    let data_dir = super::seed::data_dir(args.data_dir.as_deref());
    // Opened on the first name, so that empty input costs nothing.
    let mut index: Option<PersistentIndex> = None;
    let mut opened = None;
    let started = Instant::now();
    let mut out = output::stdout();
    let mut missing = 0usize;
    let mut asked = 0usize;
    let mut text = WindowText { cache: Vec::new() };
    let mut answer = |name: &str, out: &mut output::Stdout| -> Result<()> {
        if index.is_none() {
            let started = Instant::now();
            let (found, how) = open_index(&data_dir, first, last)?;
            opened = Some((how, started.elapsed()));
            index = Some(found);
        }
        let Some(index) = &index else {
            return Ok(());
        };
        asked += 1;
        let hits = index.lookup(name);
        if hits.is_empty() {
            missing += 1;
            eprintln!(
                "cautery: no known family generates '{}' between {first} and {last}",
                normalise(name)
            );
        }
        write_hits(out, &normalise(name), &hits, args.format, &mut text)?;
        Ok(())
    };
    if args.names.is_empty() {
        let stdin = std::io::stdin();
        let mut reader = stdin.lock();
        let mut line = Vec::new();
        while read_bounded_line(&mut reader, &mut line).context("reading names from stdin")? {
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                continue;
            }
            answer(&text, &mut out)?;
        }
    } else {
        for name in &args.names {
            answer(name, &mut out)?;
        }
    }
    out.flush()?;
    if args.stats {
        let total = started.elapsed();
        let (size, how, took, kept) = match (&index, opened) {
            (Some(index), Some((how, took))) => {
                (index.len(), how, took, index.path().display().to_string())
            }
            _ => (
                0,
                Opened::Found,
                Duration::ZERO,
                "nowhere, no name asked".to_owned(),
            ),
        };
        let answered = total.saturating_sub(took);
        eprintln!(
            "cautery: index of {size} names ({first} to {last}, in {kept}) {} in {:.3} s; answered {asked} names ({missing} not found) in {:.3} s, {:.0} lookups/s",
            if how == Opened::Built { "built" } else { "opened" },
            took.as_secs_f64(),
            answered.as_secs_f64(),
            asked as f64 / answered.as_secs_f64().max(1e-9)
        );
    }
    Ok(if missing == 0 {
        Outcome::Success
    } else {
        Outcome::NotFound
    })
}

/// The persistent index of every deterministic family and known seed over
/// `[first, last]`, built on first use.
fn open_index(
    data_dir: &Path,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<(PersistentIndex, Opened)> {
    let mut sources = Vec::new();
    for family in all_families().iter().filter(|f| f.seeding.deterministic) {
        sources.extend(bind(family, &SeedChoice::All, false)?);
    }
    let root = data_dir.join("lookup-index");
    if std::io::stderr().is_terminal() && !root.is_dir() {
        eprintln!(
            "cautery: building the lookup index for {first} to {last} in {} (once per range)",
            root.display()
        );
    }
    PersistentIndex::open_or_build(data_dir, &sources, first, last)
}

/// Reads one line into `line` (without its end), keeping at most
/// [`MAX_LINE`] bytes of it; returns false at end of input.
fn read_bounded_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<bool> {
    line.clear();
    let mut read_any = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(read_any);
        }
        read_any = true;
        let (chunk, done) = match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => (&buffer[..end], Some(end + 1)),
            None => (buffer, None),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let consumed = done.unwrap_or(buffer.len());
        reader.consume(consumed);
        if done.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(true);
        }
    }
}

/// RFC 3339 text of each window of the index, made on first use.
struct WindowText {
    cache: Vec<Option<(String, String)>>,
}

impl WindowText {
    fn get(&mut self, hit: &Hit<'_>) -> &(String, String) {
        let id = hit.window_id as usize;
        if id >= self.cache.len() {
            self.cache.resize(id + 1, None);
        }
        self.cache[id].get_or_insert_with(|| (hit.window.from_rfc3339(), hit.window.to_rfc3339()))
    }
}

fn write_hits(
    out: &mut impl Write,
    name: &str,
    hits: &[Hit<'_>],
    format: LookupFormat,
    text: &mut WindowText,
) -> std::io::Result<()> {
    match format {
        LookupFormat::Plain => {
            for hit in hits {
                let (from, to) = text.get(hit);
                out.write_all(name.as_bytes())?;
                out.write_all(b"\t")?;
                out.write_all(hit.family.as_bytes())?;
                out.write_all(b"\t")?;
                out.write_all(hit.seed.as_bytes())?;
                out.write_all(b"\t")?;
                out.write_all(if from.is_empty() {
                    b"-"
                } else {
                    from.as_bytes()
                })?;
                out.write_all(b"\t")?;
                out.write_all(if to.is_empty() { b"-" } else { to.as_bytes() })?;
                out.write_all(b"\n")?;
            }
        }
        LookupFormat::Jsonl => {
            out.write_all(b"{\"name\":")?;
            json_string(out, name)?;
            write!(out, ",\"found\":{},\"origins\":[", !hits.is_empty())?;
            for (i, hit) in hits.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write!(out, "{{\"family\":\"{}\",\"seed\":", hit.family)?;
                json_string(out, hit.seed)?;
                let (from, to) = text.get(hit);
                let quoted = |s: &str| {
                    if s.is_empty() {
                        "null".to_owned()
                    } else {
                        format!("\"{s}\"")
                    }
                };
                write!(
                    out,
                    ",\"valid_from\":{},\"valid_to\":{}}}",
                    quoted(from),
                    quoted(to)
                )?;
            }
            writeln!(out, "]}}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_lines_are_cut_not_stored_whole() {
        let input = format!("{}\nshort.example\r\nlast", "x".repeat(5000));
        let mut reader = std::io::BufReader::with_capacity(64, input.as_bytes());
        let mut line = Vec::new();
        assert!(read_bounded_line(&mut reader, &mut line).unwrap());
        assert_eq!(line.len(), MAX_LINE);
        assert!(read_bounded_line(&mut reader, &mut line).unwrap());
        assert_eq!(line, b"short.example");
        assert!(read_bounded_line(&mut reader, &mut line).unwrap());
        assert_eq!(line, b"last");
        assert!(!read_bounded_line(&mut reader, &mut line).unwrap());
    }
}

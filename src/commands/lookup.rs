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
use cautery_dga::{all_families, extract_names, Hit, ReverseIndex};
use chrono::NaiveDate;

use super::{bind, SeedChoice};
use crate::cli::{LookupArgs, LookupFormat};
use crate::dates::{parse_day, shift, today};
use crate::lookup_index::{Opened, PersistentIndex};
use crate::output::{self, escape_echo, json_string};
use crate::Outcome;

/// Longest line read from stdin; a DNS name has at most 253 characters, so
/// anything longer is reported as not found (its start echoed, escaped, with
/// its length) without being stored.
const MAX_LINE: usize = 1024;

/// Longest line kept with `--extract`: log lines and pasted text are longer
/// than names, but still bounded.
const MAX_EXTRACT_LINE: usize = 64 << 10;

/// An in-memory reverse index of every deterministic family and known seed
/// over `[first, last]`, for commands that attribute many names at their
/// own instants (`detect`, `classify`) rather than look up a few.
pub fn build_index(first: NaiveDate, last: NaiveDate) -> Result<ReverseIndex> {
    let mut index = ReverseIndex::new();
    for family in all_families().iter().filter(|f| f.seeding.deterministic) {
        for source in bind(family, &SeedChoice::All, false)? {
            index.add(
                source.family,
                &source.seed,
                source.generator.as_ref(),
                first,
                last,
            )?;
        }
    }
    Ok(index)
}

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
    // `raw` is one name as given (any bytes; `total` is its whole length when
    // the reader kept only its start); it is echoed escaped, never raw.
    let mut answer = |raw: &[u8], total: usize, out: &mut output::Stdout| -> Result<()> {
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
        let name = normalise_bytes(raw);
        let whole = total <= raw.len();
        let hits = match std::str::from_utf8(&name) {
            Ok(name) if whole => index.lookup(name),
            _ => Vec::new(),
        };
        let shown = escape_echo(&name, if whole { name.len() } else { total });
        if hits.is_empty() {
            missing += 1;
            eprintln!("cautery: no known family generates '{shown}' between {first} and {last}");
            if name.ends_with(b".avsvmcloud.com") {
                eprintln!("cautery: (a SUNBURST beacon carries data, not a date: `cautery decode sunburst NAME` reads it)");
            }
        }
        write_hits(out, &shown, &hits, args.format, &mut text)?;
        Ok(())
    };
    let mut take = |item: &[u8], total: usize, out: &mut output::Stdout| -> Result<()> {
        if args.extract {
            for name in extract_names(item) {
                answer(name.as_bytes(), name.len(), out)?;
            }
            Ok(())
        } else if item.iter().all(u8::is_ascii_whitespace) {
            Ok(())
        } else {
            answer(item, total, out)
        }
    };
    if args.names.is_empty() {
        let stdin = std::io::stdin();
        let mut reader = stdin.lock();
        let mut line = Vec::new();
        let limit = if args.extract {
            MAX_EXTRACT_LINE
        } else {
            MAX_LINE
        };
        while let Some(total) =
            read_bounded_line(&mut reader, &mut line, limit).context("reading names from stdin")?
        {
            take(&line, total, &mut out)?;
        }
    } else {
        for name in &args.names {
            take(name.as_bytes(), name.len(), &mut out)?;
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

/// Bytes without surrounding blanks or a trailing dot, ASCII in lower case:
/// [`normalise`] for input that may not be UTF-8.
fn normalise_bytes(raw: &[u8]) -> Vec<u8> {
    let trimmed = raw.trim_ascii();
    let trimmed = trimmed.strip_suffix(b".").unwrap_or(trimmed);
    trimmed.to_ascii_lowercase()
}

/// Reads one line into `line` (without its end), keeping at most `limit`
/// bytes of it; returns the line's whole length, or `None` at end of input.
fn read_bounded_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Option<usize>> {
    line.clear();
    let mut read_any = false;
    let mut total = 0usize;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(read_any.then_some(total));
        }
        read_any = true;
        let (chunk, done) = match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => (&buffer[..end], Some(end + 1)),
            None => (buffer, None),
        };
        let room = limit.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        total += chunk.len();
        let consumed = done.unwrap_or(buffer.len());
        reader.consume(consumed);
        if done.is_some() {
            if line.last() == Some(&b'\r') && total <= limit {
                line.pop();
                total -= 1;
            }
            return Ok(Some(total));
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
        assert_eq!(
            read_bounded_line(&mut reader, &mut line, MAX_LINE).unwrap(),
            Some(5000)
        );
        assert_eq!(line.len(), MAX_LINE);
        assert_eq!(
            read_bounded_line(&mut reader, &mut line, MAX_LINE).unwrap(),
            Some(13)
        );
        assert_eq!(line, b"short.example");
        assert_eq!(
            read_bounded_line(&mut reader, &mut line, MAX_LINE).unwrap(),
            Some(4)
        );
        assert_eq!(line, b"last");
        assert_eq!(
            read_bounded_line(&mut reader, &mut line, MAX_LINE).unwrap(),
            None
        );
    }
}

//! `cautery lookup`: which family, seed and window produce a name.
//!
//! The reverse index holds every name of every deterministic family and
//! known seed in the range; seeds that are not public (a `ramnit` seed
//! reversed this morning, say) are not searched.

use std::io::{BufRead, Write};
use std::time::Instant;

use anyhow::{Context, Result};
use cautery_dga::{all_families, normalise, Hit, ReverseIndex};
use chrono::NaiveDate;

use super::{bind, SeedChoice};
use crate::cli::{LookupArgs, LookupFormat};
use crate::dates::{parse_day, shift, today};
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
    let started = Instant::now();
    let index = build_index(first, last)?;
    let built = started.elapsed();
    let started = Instant::now();
    let mut out = output::stdout();
    let mut missing = 0usize;
    let mut asked = 0usize;
    let mut text = WindowText { cache: Vec::new() };
    let mut answer = |name: &str, out: &mut output::Stdout| -> Result<()> {
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
        let answered = started.elapsed();
        eprintln!(
            "cautery: indexed {} names ({first} to {last}) in {:.2} s; answered {asked} names ({missing} not found) in {:.2} s, {:.0} lookups/s",
            index.len(),
            built.as_secs_f64(),
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

/// Indexes every deterministic family and known seed over `[first, last]`.
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

//! `cautery decode`: reads what a malware put into the names it asked for.
//! Today only SUNBURST (`cautery_dga::families::sunburst`), whose names
//! carry a victim's GUID and AD domain or a time stamp, not a date: they
//! are decoded, never generated, and stay out of `generate`, policies and
//! `serve` (block `avsvmcloud.com` itself).
//!
//! Names come from the command line or, one a line, from stdin (bounded:
//! lines of at most [`MAX_LINE`] bytes, at most [`MAX_NAMES`] names). A name
//! that is not a beacon is reported on stderr and skipped; the others are
//! still decoded, and the command then exits 2.

use std::io::{BufRead, Read, Write};

use anyhow::{bail, Context, Result};
use cautery_dga::families::sunburst::{self, Beacon, Victim};

use crate::cli::{DecodeArgs, DecodeFormat};
use crate::output::{self, json_string, ECHO_LIMIT};
use crate::Outcome;

/// The longest stdin line read; longer ones are an error.
pub const MAX_LINE: usize = 4096;

/// The most names read from stdin.
pub const MAX_NAMES: usize = 10_000_000;

/// Bad names echoed on stderr before the rest are only counted.
const ERRORS_SHOWN: usize = 20;

/// Runs `cautery decode`.
pub fn run(args: &DecodeArgs) -> Result<Outcome> {
    if !args.malware.trim().eq_ignore_ascii_case("sunburst") {
        bail!(
            "no decoder for '{}': only 'sunburst' has one (DGA families are predicted with `cautery generate`)",
            args.malware
        );
    }
    let mut out = output::stdout();
    let mut reassembler = sunburst::Reassembler::new();
    let mut bad = 0usize;
    let mut seen = 0usize;
    let mut decode_one = |name: &str, out: &mut output::Stdout| -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(());
        }
        seen += 1;
        match sunburst::decode(name) {
            Ok(beacon) => {
                write_beacon(out, args.format, name, &beacon)?;
                reassembler.add(&beacon);
            }
            Err(error) => {
                bad += 1;
                if bad <= ERRORS_SHOWN {
                    eprintln!("cautery: skipped {}: {error}", echo(name));
                }
            }
        }
        Ok(())
    };
    if args.names.is_empty() {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut line = Vec::new();
        let mut count = 0usize;
        loop {
            line.clear();
            let read = (&mut input)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .context("reading names from stdin")?;
            if read == 0 {
                break;
            }
            if line.len() > MAX_LINE && !line.ends_with(b"\n") {
                bail!("a line on stdin is longer than {MAX_LINE} bytes; give one name a line");
            }
            count += 1;
            if count > MAX_NAMES {
                bail!("more than {MAX_NAMES} names on stdin; decode them in parts");
            }
            let text = String::from_utf8_lossy(&line);
            decode_one(&text, &mut out)?;
        }
    } else {
        for name in &args.names {
            decode_one(name, &mut out)?;
        }
    }
    if seen == 0 {
        bail!("no names given: pass them as arguments or one a line on stdin");
    }
    for victim in reassembler.victims() {
        write_victim(&mut out, args.format, &victim)?;
    }
    out.flush()?;
    if bad > 0 {
        bail!("{bad} of {seen} names are not SUNBURST beacons (the first are named above); the others were decoded");
    }
    Ok(Outcome::Success)
}

/// `name` cut to [`ECHO_LIMIT`] bytes for an error message.
fn echo(name: &str) -> String {
    match name.char_indices().nth(ECHO_LIMIT) {
        Some((at, _)) => format!("'{}...'", &name[..at]),
        None => format!("'{name}'"),
    }
}

fn fragment_number(number: u8) -> String {
    if number == sunburst::LAST_FRAGMENT {
        "last".to_owned()
    } else {
        number.to_string()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_beacon(
    out: &mut impl Write,
    format: DecodeFormat,
    name: &str,
    beacon: &Beacon,
) -> Result<()> {
    let time_format = "%Y-%m-%dT%H:%M:%SZ";
    match (format, beacon) {
        (DecodeFormat::Plain, Beacon::Fragment(f)) => writeln!(
            out,
            "fragment\t{name}\t{}\t{}\t{}\t{}",
            f.guid,
            fragment_number(f.number),
            f.encoding.as_str(),
            f.text.as_deref().unwrap_or("-")
        )?,
        (DecodeFormat::Plain, Beacon::Status(s)) => writeln!(
            out,
            "status\t{name}\t{}\t{}\t{}\t{}{}",
            s.guid,
            s.kind,
            s.time.format(time_format),
            if s.stage2 { "stage2" } else { "stage1" },
            if s.services.is_empty() {
                String::new()
            } else {
                format!("\t{}", hex(&s.services))
            }
        )?,
        (DecodeFormat::Jsonl, Beacon::Fragment(f)) => {
            write!(out, "{{\"kind\":\"fragment\",\"name\":")?;
            json_string(out, name)?;
            // No character offset: a fragment ending in 0 moves the next
            // one back by a character, which one name alone cannot show.
            write!(
                out,
                ",\"guid\":\"{}\",\"fragment\":\"{}\",\"encoded\":",
                f.guid,
                fragment_number(f.number)
            )?;
            json_string(out, &f.encoded)?;
            write!(out, ",\"encoding\":\"{}\",\"text\":", f.encoding.as_str())?;
            match &f.text {
                Some(text) => json_string(out, text)?,
                None => write!(out, "null")?,
            }
            writeln!(out, "}}")?;
        }
        (DecodeFormat::Jsonl, Beacon::Status(s)) => {
            write!(out, "{{\"kind\":\"status\",\"name\":")?;
            json_string(out, name)?;
            writeln!(
                out,
                ",\"guid\":\"{}\",\"status_kind\":{},\"time\":\"{}\",\"stage2\":{},\"services\":\"{}\"}}",
                s.guid,
                s.kind,
                s.time.format(time_format),
                s.stage2,
                hex(&s.services)
            )?;
        }
    }
    Ok(())
}

fn write_victim(out: &mut impl Write, format: DecodeFormat, victim: &Victim) -> Result<()> {
    let fragments: Vec<String> = victim
        .fragments
        .iter()
        .map(|&n| fragment_number(n))
        .collect();
    let first = victim.times.first().map(|t| t.format("%Y-%m-%dT%H:%M:%SZ"));
    let last = victim.times.last().map(|t| t.format("%Y-%m-%dT%H:%M:%SZ"));
    match format {
        DecodeFormat::Plain => writeln!(
            out,
            "victim\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            victim.guid,
            victim.domain.as_deref().unwrap_or("-"),
            if victim.complete {
                "complete"
            } else {
                "partial"
            },
            victim.encoding.map_or("-", |e| e.as_str()),
            if fragments.is_empty() {
                "-".to_owned()
            } else {
                fragments.join(",")
            },
            match (&first, &last) {
                (Some(first), Some(last)) => format!("{first}..{last}"),
                _ => "-".to_owned(),
            },
            if victim.stage2 { "stage2" } else { "stage1" }
        )?,
        DecodeFormat::Jsonl => {
            write!(
                out,
                "{{\"kind\":\"victim\",\"guid\":\"{}\",\"domain\":",
                victim.guid
            )?;
            match &victim.domain {
                Some(domain) => json_string(out, domain)?,
                None => write!(out, "null")?,
            }
            let quoted: Vec<String> = fragments.iter().map(|f| format!("\"{f}\"")).collect();
            let time = |t: &Option<_>| match t {
                Some(t) => format!("\"{t}\""),
                None => "null".to_owned(),
            };
            writeln!(
                out,
                ",\"complete\":{},\"encoding\":{},\"fragments\":[{}],\"earliest_time\":{},\"latest_time\":{},\"status_beacons\":{},\"stage2\":{}}}",
                victim.complete,
                victim
                    .encoding
                    .map_or("null".to_owned(), |e| format!("\"{}\"", e.as_str())),
                quoted.join(","),
                time(&first),
                time(&last),
                victim.times.len(),
                victim.stage2
            )?;
        }
    }
    Ok(())
}

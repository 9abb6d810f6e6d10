//! `cautery detect`: which clients of a resolver run which DGA, from its
//! query logs.
//!
//! Every input is read once: its format told from its first lines (or
//! given), each line parsed by `cautery-detect` (malformed lines counted,
//! reported once per input, and skipped), the records kept compactly. Then
//! the reverse index is built over the days the logs cover plus the slack,
//! and every query is attributed at its own instant. Exit 0 when it ran,
//! whatever it found.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use cautery_detect::classify::{Model, Suffixes};
use cautery_detect::formats::read_bounded_line;
use cautery_detect::{
    detect_format, dnstap, pcap, Collection, Finding, InputFormat, LineParser, Record, Settings,
};
use chrono::{Datelike, TimeDelta};

use super::lookup::build_index;
use crate::cli::{DetectArgs, DetectFormat, DetectInput};
use crate::dates::today;
use crate::output::{self, json_string};
use crate::Outcome;

/// Lines read to tell an input's format.
const SAMPLE_LINES: usize = 64;

/// What reading one input gave.
#[derive(Debug, Default)]
struct Counts {
    lines: usize,
    records: usize,
    malformed: usize,
    first_malformed: Option<(usize, cautery_detect::Malformed)>,
}

/// Runs `cautery detect`.
pub fn run(args: &DetectArgs) -> Result<Outcome> {
    let year = args.year.unwrap_or_else(|| today().year());
    let settings = Settings {
        min_names: args.min_names as usize,
        window: TimeDelta::hours(i64::from(args.window_hours)),
        slack: TimeDelta::hours(i64::from(args.slack_hours)),
        unknown_min_names: args.unknown_min_names as usize,
        ..Settings::default()
    };
    let started = Instant::now();
    let mut collection = Collection::new();
    if args.files.is_empty() {
        let stdin = std::io::stdin();
        read_input("stdin", &mut stdin.lock(), args, year, &mut collection)?;
    } else {
        for path in &args.files {
            let file = File::open(path)
                .with_context(|| format!("cannot open {}; check the path", path.display()))?;
            let mut reader = BufReader::with_capacity(1 << 16, file);
            read_input(&label(path), &mut reader, args, year, &mut collection)?;
        }
    }
    let read = started.elapsed();
    let Some((first, last)) = collection.span() else {
        if args.stats {
            eprintln!("cautery: no queries in the input; nothing to attribute");
        }
        return Ok(Outcome::Success);
    };
    let first_day = (first - settings.slack).date_naive();
    let last_day = (last + settings.slack).date_naive();
    cautery_dga::check_range(first_day, last_day).with_context(|| {
        format!("the logs span {first} to {last}; give fewer days of logs at a time")
    })?;
    let started = Instant::now();
    let index = build_index(first_day, last_day)?;
    let built = started.elapsed();
    let started = Instant::now();
    let (model, suffixes) = (Model::shipped(), Suffixes::shipped());
    // Many names share their registrable part: score each part once.
    let scored: std::cell::RefCell<ahash::AHashMap<Box<str>, bool>> = Default::default();
    let is_dga = |name: &str| {
        let label = suffixes.registrable_label(name);
        if let Some(&flagged) = scored.borrow().get(label) {
            return flagged;
        }
        let flagged = model.score_label(label) >= model.threshold();
        scored.borrow_mut().insert(label.into(), flagged);
        flagged
    };
    let findings = collection.findings(&index, &settings, &is_dga);
    let attributed = started.elapsed();
    let mut out = output::stdout();
    write_findings(&mut out, &findings, args.format)?;
    out.flush()?;
    if args.stats {
        eprintln!(
            "cautery: read {} queries ({} distinct names) in {:.2} s; indexed {} names ({first_day} to {last_day}) in {:.2} s; attributed in {:.2} s; {} findings",
            collection.len(),
            collection.distinct_names(),
            read.as_secs_f64(),
            index.len(),
            built.as_secs_f64(),
            attributed.as_secs_f64(),
            findings.len()
        );
    }
    // The process ends next: freeing the records and the index (millions of
    // small allocations) one by one would cost a tenth of the run.
    std::mem::forget(collection);
    std::mem::forget(index);
    std::mem::forget(scored);
    Ok(Outcome::Success)
}

fn label(path: &Path) -> String {
    path.display().to_string()
}

fn chosen_format(input: DetectInput) -> Option<InputFormat> {
    match input {
        DetectInput::Auto => None,
        DetectInput::Bind => Some(InputFormat::Bind),
        DetectInput::Unbound => Some(InputFormat::Unbound),
        DetectInput::Dnsmasq => Some(InputFormat::Dnsmasq),
        DetectInput::ZeekTsv => Some(InputFormat::ZeekTsv),
        DetectInput::ZeekJson => Some(InputFormat::ZeekJson),
        DetectInput::Dnstap | DetectInput::Pcap => None,
    }
}

/// Bytes read to tell a binary input (dnstap, pcap) from a text log.
const MAGIC_BYTES: usize = 12;

/// Which binary format `start` (an input's first bytes) is, if either.
fn binary_format(start: &[u8], chosen: DetectInput) -> Option<DetectInput> {
    match chosen {
        DetectInput::Dnstap | DetectInput::Pcap => Some(chosen),
        DetectInput::Auto if dnstap::looks_like_dnstap(start) => Some(DetectInput::Dnstap),
        DetectInput::Auto if pcap::looks_like_pcap(start) => Some(DetectInput::Pcap),
        _ => None,
    }
}

/// Reads an input: a binary one by its framing, a text log line by line.
fn read_input(
    name: &str,
    reader: &mut impl BufRead,
    args: &DetectArgs,
    year: i32,
    collection: &mut Collection,
) -> Result<()> {
    let mut start = Vec::with_capacity(MAGIC_BYTES);
    while start.len() < MAGIC_BYTES {
        let buffer = reader
            .fill_buf()
            .with_context(|| format!("reading {name}"))?;
        if buffer.is_empty() {
            break;
        }
        let take = buffer.len().min(MAGIC_BYTES - start.len());
        start.extend_from_slice(&buffer[..take]);
        reader.consume(take);
    }
    let mut reader = std::io::Cursor::new(start.clone()).chain(reader);
    let mut counts = Counts::default();
    let format = match binary_format(&start, args.input_format) {
        Some(DetectInput::Dnstap) => {
            read_dnstap(name, &mut reader, collection, &mut counts)?;
            "dnstap"
        }
        Some(_) => {
            read_pcap(name, &mut reader, args.dns_port, collection, &mut counts)?;
            "pcap"
        }
        None => return read_lines(name, &mut reader, args, year, collection),
    };
    report(name, format, &counts, args.stats, "message");
    Ok(())
}

fn report(name: &str, format: &str, counts: &Counts, stats: bool, unit: &str) {
    if let Some((number, error)) = counts.first_malformed {
        eprintln!(
            "cautery: {name}: skipped {} malformed {format} {unit}(s) of {} (first: {unit} {number}, {error})",
            counts.malformed, counts.lines
        );
    }
    if stats {
        eprintln!(
            "cautery: {name}: {} {unit}s as {format}, {} queries",
            counts.lines, counts.records
        );
    }
}

impl Counts {
    fn take_into(
        &mut self,
        result: Result<bool, cautery_detect::Malformed>,
        record: &Record,
        collection: &mut Collection,
    ) -> Result<()> {
        self.lines += 1;
        match result {
            Ok(true) => {
                self.records += 1;
                collection.add(record)?;
            }
            Ok(false) => {}
            Err(error) => {
                self.malformed += 1;
                self.first_malformed.get_or_insert((self.lines, error));
            }
        }
        Ok(())
    }

    fn take(
        &mut self,
        result: Result<Option<Record>, cautery_detect::Malformed>,
        collection: &mut Collection,
    ) -> Result<()> {
        self.lines += 1;
        match result {
            Ok(Some(record)) => {
                self.records += 1;
                collection.add(&record)?;
            }
            Ok(None) => {}
            Err(error) => {
                self.malformed += 1;
                self.first_malformed.get_or_insert((self.lines, error));
            }
        }
        Ok(())
    }
}

/// Reads into `buffer` (keeping its unread tail) until it holds `need` bytes
/// or the input ends; false at the end.
fn fill(reader: &mut impl Read, buffer: &mut Vec<u8>, need: usize) -> std::io::Result<bool> {
    let mut chunk = [0u8; 1 << 16];
    while buffer.len() < need {
        let read = match reader.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        buffer.extend_from_slice(&chunk[..read]);
    }
    Ok(true)
}

fn read_dnstap(
    name: &str,
    reader: &mut impl Read,
    collection: &mut Collection,
    counts: &mut Counts,
) -> Result<()> {
    let mut buffer = Vec::with_capacity(1 << 17);
    let (mut at, mut ended) = (0, false);
    loop {
        match dnstap::next_frame(&buffer[at..]) {
            Ok(Some((frame, used))) => {
                if let dnstap::Frame::Data(payload) = frame {
                    counts.take(dnstap::decode(payload), collection)?;
                } else if let dnstap::Frame::Control { dnstap: false, .. } = frame {
                    bail!("{name}: {}", dnstap::FrameError::ContentType);
                }
                at += used;
            }
            Ok(None) if ended => {
                if at < buffer.len() {
                    eprintln!(
                        "cautery: {name}: {} (the last {} bytes were dropped; was the file still being written?)",
                        dnstap::FrameError::Truncated,
                        buffer.len() - at
                    );
                }
                return Ok(());
            }
            Ok(None) => {
                buffer.drain(..at);
                at = 0;
                let need = buffer.len() + (1 << 16);
                ended = !fill(reader, &mut buffer, need).with_context(|| format!("reading {name}"))?;
            }
            Err(error) => bail!(
                "{name}: {error} after {} frames; is it a dnstap file? (--input-format names the format)",
                counts.lines
            ),
        }
    }
}

fn read_pcap(
    name: &str,
    reader: &mut impl Read,
    port: u16,
    collection: &mut Collection,
    counts: &mut Counts,
) -> Result<()> {
    let mut blocks = pcap::Blocks::new();
    let mut parser = pcap::PacketParser::new(port);
    let mut buffer = Vec::with_capacity(1 << 17);
    let mut records = Vec::new();
    let (mut at, mut ended) = (0, false);
    loop {
        match blocks.next_packet(&buffer[at..]) {
            Ok(pcap::Step::Packet(packet, used)) => {
                at += used;
                records.clear();
                counts.lines += 1;
                match parser.packet(&packet, &mut records) {
                    Ok(()) => {}
                    Err(error) => {
                        counts.malformed += 1;
                        counts.first_malformed.get_or_insert((counts.lines, error));
                    }
                }
                for record in &records {
                    counts.records += 1;
                    collection.add(record)?;
                }
            }
            Ok(pcap::Step::Skip(used)) => at += used,
            Ok(pcap::Step::Need(_)) if ended => {
                if at < buffer.len() {
                    eprintln!(
                        "cautery: {name}: {} (the last {} bytes were dropped)",
                        pcap::CaptureError::Truncated,
                        buffer.len() - at
                    );
                }
                return Ok(());
            }
            Ok(pcap::Step::Need(need)) => {
                buffer.drain(..at);
                at = 0;
                let need = need.max(buffer.len() + (1 << 16));
                ended =
                    !fill(reader, &mut buffer, need).with_context(|| format!("reading {name}"))?;
            }
            Err(error) => bail!("{name}: {error} after {} packets", counts.lines),
        }
    }
}

fn read_lines(
    name: &str,
    reader: &mut impl BufRead,
    args: &DetectArgs,
    year: i32,
    collection: &mut Collection,
) -> Result<()> {
    let mut sample = Vec::new();
    let mut line = Vec::new();
    let mut ended = false;
    while sample.len() < SAMPLE_LINES {
        if !read_bounded_line(reader, &mut line).with_context(|| format!("reading {name}"))? {
            ended = true;
            break;
        }
        sample.push(line.clone());
    }
    if sample.iter().all(|l| l.iter().all(u8::is_ascii_whitespace)) {
        return Ok(());
    }
    let format = match chosen_format(args.input_format) {
        Some(format) => format,
        None => match detect_format(&sample, year) {
            Some(format) => format,
            None => bail!(
                "cannot tell the format of {name} from its first {} lines (no query line of BIND, Unbound, dnsmasq or Zeek, nor a dnstap or pcap file); name it with --input-format",
                sample.len()
            ),
        },
    };
    let mut parser = LineParser::new(format, year);
    let mut counts = Counts::default();
    // One record parsed into again and again: no allocation per line.
    let mut record = Record::empty();
    for bytes in &sample {
        counts.take_into(parser.parse_into(bytes, &mut record), &record, collection)?;
    }
    if !ended {
        while read_bounded_line(reader, &mut line).with_context(|| format!("reading {name}"))? {
            counts.take_into(parser.parse_into(&line, &mut record), &record, collection)?;
        }
    }
    report(name, format.name(), &counts, args.stats, "line");
    Ok(())
}

fn share(finding: &Finding) -> String {
    finding
        .nxdomain_share
        .map_or_else(String::new, |share| format!("{share:.3}"))
}

fn write_findings(out: &mut impl Write, findings: &[Finding], format: DetectFormat) -> Result<()> {
    if format == DetectFormat::Csv {
        writeln!(
            out,
            "client,family,seeds,first_seen,last_seen,names,lines,nxdomain_share,samples"
        )?;
    }
    for finding in findings {
        let first = cautery_dga::rfc3339(finding.first_seen);
        let last = cautery_dga::rfc3339(finding.last_seen);
        match format {
            DetectFormat::Plain => writeln!(
                out,
                "{}\t{}\t{first}\t{last}\t{}\t{}\t{}",
                finding.client,
                finding.family,
                finding.names,
                if finding.nxdomain_share.is_some() {
                    share(finding)
                } else {
                    "-".to_owned()
                },
                finding.samples.join(",")
            )?,
            DetectFormat::Csv => writeln!(
                out,
                "{},{},{},{first},{last},{},{},{},{}",
                finding.client,
                finding.family,
                csv_field(&finding.seeds.join(" ")),
                finding.names,
                finding.lines,
                share(finding),
                csv_field(&finding.samples.join(" "))
            )?,
            DetectFormat::Jsonl => {
                write!(
                    out,
                    "{{\"client\":\"{}\",\"family\":\"{}\",\"seeds\":[",
                    finding.client, finding.family
                )?;
                for (i, seed) in finding.seeds.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    json_string(out, seed)?;
                }
                write!(
                    out,
                    "],\"first_seen\":\"{first}\",\"last_seen\":\"{last}\",\"names\":{},\"lines\":{},\"nxdomain_share\":{},\"samples\":[",
                    finding.names,
                    finding.lines,
                    finding
                        .nxdomain_share
                        .map_or_else(|| "null".to_owned(), |s| format!("{s:.3}"))
                )?;
                for (i, sample) in finding.samples.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    json_string(out, sample)?;
                }
                writeln!(out, "]}}")?;
            }
        }
    }
    Ok(())
}

/// A CSV field, quoted when it holds a comma, quote or line end (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(share: Option<f64>) -> Finding {
        let at = chrono::DateTime::from_timestamp(1_764_676_800, 0).unwrap();
        Finding {
            client: "127.0.0.2".parse().unwrap(),
            family: cautery_detect::UNKNOWN_DGA,
            seeds: Vec::new(),
            first_seen: at,
            last_seen: at,
            names: 10,
            lines: 12,
            nxdomain_share: share,
            samples: vec!["xq0vbnrtk.com".into(), "xq1vbnrtk.com".into()],
        }
    }

    fn written(share: Option<f64>, format: DetectFormat) -> String {
        let mut out = Vec::new();
        write_findings(&mut out, &[finding(share)], format).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_nxdomain_share_is_printed_with_three_decimals_in_every_format() {
        let plain = written(Some(2.0 / 3.0), DetectFormat::Plain);
        assert_eq!(plain.split('\t').nth(5), Some("0.667"), "{plain}");
        let csv = written(Some(2.0 / 3.0), DetectFormat::Csv);
        let row = csv.lines().nth(1).unwrap();
        assert_eq!(row.split(',').nth(7), Some("0.667"), "{csv}");
        let jsonl = written(Some(1.0), DetectFormat::Jsonl);
        let value: serde_json::Value = serde_json::from_str(jsonl.trim_end()).unwrap();
        assert_eq!(value["nxdomain_share"], serde_json::json!(1.0));
        assert_eq!(value["family"], "unknown-dga");
        let jsonl = written(Some(0.0), DetectFormat::Jsonl);
        assert!(jsonl.contains("\"nxdomain_share\":0.000,"), "{jsonl}");
    }

    #[test]
    fn no_answer_code_is_no_share_not_zero() {
        // Query-only logs (BIND queries, dnsmasq without extra): unknown.
        let plain = written(None, DetectFormat::Plain);
        assert_eq!(plain.split('\t').nth(5), Some("-"), "{plain}");
        let csv = written(None, DetectFormat::Csv);
        let row = csv.lines().nth(1).unwrap();
        assert_eq!(row.split(',').nth(7), Some(""), "{csv}");
        let jsonl = written(None, DetectFormat::Jsonl);
        let value: serde_json::Value = serde_json::from_str(jsonl.trim_end()).unwrap();
        assert!(value["nxdomain_share"].is_null(), "{jsonl}");
    }
}

//! Zeek's `dns.log`, as the ASCII writer writes it (tab-separated, with
//! `#separator` and `#fields` headers naming the columns) and as JSON
//! (`LogAscii::use_json`, `ts` as epoch seconds or ISO 8601).
//!
//! (`<TAB>` stands for a tab.)
//!
//! ```text
//! #separator \x09
//! #fields<TAB>ts<TAB>uid<TAB>id.orig_h<TAB>id.orig_p<TAB>id.resp_h<TAB>id.resp_p<TAB>proto<TAB>trans_id<TAB>rtt<TAB>query<TAB>...<TAB>rcode_name<TAB>...
//! 1796238288.123456<TAB>CHhAvVGS1DHFjwGM9<TAB>127.0.0.2<TAB>53211<TAB>127.0.0.1<TAB>53<TAB>udp<TAB>1234<TAB>0.000123<TAB>www.example.com<TAB>...<TAB>NXDOMAIN<TAB>...
//! {"ts":1796238288.123456,"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":"127.0.0.2","query":"www.example.com","rcode_name":"NXDOMAIN"}
//! ```
//!
//! Source: Zeek's `base/protocols/dns/main.zeek` (the `DNS::Info` record)
//! and the ASCII log writer's header lines. Only `ts`, `id.orig_h`, `query`
//! and `rcode_name` are used; columns are found by name, so any field
//! selection or order that has them is read.

use std::borrow::Cow;

use serde::Deserialize;

use super::{address, Malformed};
use crate::record::{canonical_name, Record};
use crate::time::{epoch_seconds, iso_instant};

/// The positions of the columns used, from the last `#fields` header.
#[derive(Debug, Clone, Default)]
pub(super) struct Columns {
    separator: Option<u8>,
    ts: Option<usize>,
    client: Option<usize>,
    query: Option<usize>,
    rcode: Option<usize>,
    known: bool,
}

impl Columns {
    pub(super) fn parse(&mut self, line: &[u8]) -> Result<Option<Record>, Malformed> {
        let separator = self.separator.unwrap_or(b'\t');
        if let Some(header) = line.strip_prefix(b"#") {
            if let Some(value) = header.strip_prefix(b"separator ") {
                self.separator = Some(unescape_separator(value).ok_or(Malformed::Shape)?);
            } else if let Some(fields) = header.strip_prefix(b"fields") {
                let fields = fields.strip_prefix(&[separator]).ok_or(Malformed::Shape)?;
                let position =
                    |name: &[u8]| fields.split(|&b| b == separator).position(|f| f == name);
                self.ts = position(b"ts");
                self.client = position(b"id.orig_h");
                self.query = position(b"query");
                self.rcode = position(b"rcode_name");
                self.known = true;
                if self.ts.is_none() || self.client.is_none() || self.query.is_none() {
                    return Err(Malformed::Shape);
                }
            }
            return Ok(None);
        }
        if !self.known {
            return Err(Malformed::NoHeader);
        }
        let (Some(ts), Some(client), Some(query)) = (self.ts, self.client, self.query) else {
            return Err(Malformed::NoHeader);
        };
        let mut values: [&[u8]; 4] = [b""; 4];
        let wanted = [Some(ts), Some(client), Some(query), self.rcode];
        for (i, field) in line.split(|&b| b == separator).enumerate() {
            for (slot, want) in wanted.iter().enumerate() {
                if *want == Some(i) {
                    values[slot] = field;
                }
            }
        }
        let time = epoch_seconds(values[0]).ok_or(Malformed::Timestamp)?;
        let client = address(values[1]).ok_or(Malformed::Client)?;
        if values[2] == b"-" || values[2] == b"(empty)" {
            return Ok(None);
        }
        let name = canonical_name(values[2]).ok_or(Malformed::Name)?;
        let nxdomain = match values[3] {
            b"" | b"-" => None,
            rcode => Some(rcode == b"NXDOMAIN"),
        };
        Ok(Some(Record {
            time,
            client,
            name,
            nxdomain,
        }))
    }
}

/// `\x09` (as Zeek writes it) or a single literal byte.
fn unescape_separator(value: &[u8]) -> Option<u8> {
    if let Some(hex) = value.strip_prefix(b"\\x") {
        let text = std::str::from_utf8(hex).ok()?;
        return u8::from_str_radix(text, 16).ok();
    }
    match value {
        [byte] => Some(*byte),
        _ => None,
    }
}

#[derive(Deserialize)]
struct JsonLine<'a> {
    ts: Option<JsonTime<'a>>,
    #[serde(rename = "id.orig_h", borrow)]
    client: Option<Cow<'a, str>>,
    #[serde(borrow)]
    query: Option<Cow<'a, str>>,
    #[serde(borrow)]
    rcode_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum JsonTime<'a> {
    Seconds(f64),
    #[serde(borrow)]
    Text(Cow<'a, str>),
}

pub(super) fn parse_json(line: &[u8]) -> Result<Option<Record>, Malformed> {
    let parsed: JsonLine<'_> = serde_json::from_slice(line).map_err(|_| Malformed::Shape)?;
    let time = match parsed.ts.ok_or(Malformed::Timestamp)? {
        JsonTime::Seconds(seconds) => {
            if !seconds.is_finite() || !(0.0..1e12).contains(&seconds) {
                return Err(Malformed::Timestamp);
            }
            // Whole seconds and microseconds, as Zeek's `time` holds.
            let whole = seconds.trunc();
            let micros = ((seconds - whole) * 1e6).round().clamp(0.0, 999_999.0);
            #[allow(clippy::cast_possible_truncation)]
            chrono::DateTime::from_timestamp(whole as i64, (micros as u32) * 1000)
                .ok_or(Malformed::Timestamp)?
        }
        JsonTime::Text(text) => iso_instant(text.as_bytes()).ok_or(Malformed::Timestamp)?,
    };
    let client =
        address(parsed.client.ok_or(Malformed::Client)?.as_bytes()).ok_or(Malformed::Client)?;
    let Some(query) = parsed.query else {
        return Ok(None);
    };
    let name = canonical_name(query.as_bytes()).ok_or(Malformed::Name)?;
    Ok(Some(Record {
        time,
        client,
        name,
        nxdomain: parsed.rcode_name.map(|rcode| rcode == "NXDOMAIN"),
    }))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::formats::{InputFormat, LineParser};

    pub(crate) const TSV: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tdns
#open\t2026-12-02-19-04-48
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool
1796238288.123456\tCHhAvVGS1DHFjwGM9\t127.0.0.2\t53211\t127.0.0.1\t53\tudp\t1234\t0.000123\twww.Example.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t93.184.216.34\t86400.000000\tF
1796238289.000001\tCHhAvVGS1DHFjwGM8\t::1\t53212\t::1\t53\tudp\t1235\t-\tqx.example\t1\tC_INTERNET\t1\tA\t3\tNXDOMAIN\tF\tF\tT\tT\t0\t-\t-\tF
#close\t2026-12-02-20-00-00";

    pub(crate) const JSON: &str = r#"{"ts":1796238288.123456,"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":"127.0.0.2","id.orig_p":53211,"id.resp_h":"127.0.0.1","id.resp_p":53,"proto":"udp","trans_id":1234,"rtt":0.000123,"query":"www.Example.com","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["93.184.216.34"],"TTLs":[86400.0],"rejected":false}
{"ts":"2026-12-02T19:04:49.000001Z","uid":"C2","id.orig_h":"::1","query":"qx.example","rcode_name":"NXDOMAIN"}"#;

    fn all(format: InputFormat, text: &str) -> Vec<Record> {
        let mut parser = LineParser::new(format, 2026);
        text.lines()
            .filter_map(|line| parser.parse(line.as_bytes()).unwrap())
            .collect()
    }

    #[test]
    fn tsv_and_json_give_the_same_records() {
        for format in [InputFormat::ZeekTsv, InputFormat::ZeekJson] {
            let text = if format == InputFormat::ZeekTsv {
                TSV
            } else {
                JSON
            };
            let records = all(format, text);
            assert_eq!(records.len(), 2, "{format:?}");
            assert_eq!(records[0].name, "www.example.com");
            assert_eq!(records[0].client.to_string(), "127.0.0.2");
            assert_eq!(
                records[0].time.to_rfc3339(),
                "2026-12-02T19:04:48.123456+00:00"
            );
            assert_eq!(records[0].nxdomain, Some(false));
            assert_eq!(records[1].client.to_string(), "::1");
            assert_eq!(records[1].nxdomain, Some(true));
            assert_eq!(
                records[1].time.to_rfc3339(),
                "2026-12-02T19:04:49.000001+00:00"
            );
        }
    }

    #[test]
    fn columns_are_found_by_name_and_data_before_a_header_is_refused() {
        let mut parser = LineParser::new(InputFormat::ZeekTsv, 2026);
        assert_eq!(parser.parse(b"1.0\tx\t127.0.0.1"), Err(Malformed::NoHeader));
        parser.parse(b"#fields\tquery\tid.orig_h\tts").unwrap();
        let record = parser
            .parse(b"a.example\t10.0.0.9\t1796238288")
            .unwrap()
            .unwrap();
        assert_eq!(
            (record.name.as_str(), record.client.to_string()),
            ("a.example", "10.0.0.9".into())
        );
        assert_eq!(record.nxdomain, None);
        assert_eq!(parser.parse(b"-\t10.0.0.9\t1796238288"), Ok(None));
        assert_eq!(
            parser.parse(b"a.example\t10.0.0.9\tsoon"),
            Err(Malformed::Timestamp)
        );
        assert_eq!(parser.parse(b"#fields\tuid"), Err(Malformed::Shape));
    }

    #[test]
    fn broken_json_is_reported() {
        assert_eq!(parse_json(b"{"), Err(Malformed::Shape));
        assert_eq!(
            parse_json(br#"{"ts":-5,"id.orig_h":"::1","query":"a"}"#),
            Err(Malformed::Timestamp)
        );
        assert_eq!(
            parse_json(br#"{"ts":5,"id.orig_h":"x","query":"a"}"#),
            Err(Malformed::Client)
        );
        assert_eq!(parse_json(br#"{"ts":5,"id.orig_h":"::1"}"#), Ok(None));
    }
}

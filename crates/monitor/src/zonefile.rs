//! A streaming reader of registry zone files: one [`Delegation`] per `NS`
//! record, everything else skipped.
//!
//! The syntax is the master file format of RFC 1035 §5.1: one entry a line,
//! `;` comments, parentheses that continue an entry over lines, quoted
//! strings, `\` escapes, an owner left blank for "the previous owner", `@`
//! for the origin, names without a final dot relative to `$ORIGIN`, TTL and
//! class in either order before the type. ICANN's CZDS files (a TLD's
//! delegations, gzip) are the intended input: about 160 million `NS` lines
//! for `.com`, so the reader allocates nothing per line; it reuses one
//! buffer and hands out borrowed names.
//!
//! Every line is bounded ([`MAX_LINE`]), a file that ends inside
//! parentheses is reported as truncated, and a gzip stream that ends early
//! fails with the decoder's error: a truncated download is never taken for a
//! zone with fewer delegations. Names are lower-cased and given without the
//! final dot.
//!
//! Known limitations: `$INCLUDE` is refused (a registry file is one file);
//! `$GENERATE` (a BIND extension) is refused; escaped bytes in names are
//! kept as written.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;

/// The longest entry (a line, or the lines of one parenthesised entry)
/// accepted, in bytes. Registry lines are under 300 bytes; the bound keeps a
/// file that is not a zone file (or a corrupt one) from filling memory.
pub const MAX_LINE: usize = 64 * 1024;

/// The longest name in text form, without the final dot (RFC 1035 §2.3.4:
/// 255 octets on the wire).
const MAX_NAME: usize = 253;

/// One delegation: an `NS` record of the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delegation<'a> {
    /// The delegated name, lower case, absolute, without the final dot.
    pub owner: &'a str,
    /// The name server, lower case, absolute, without the final dot.
    pub ns: &'a str,
    /// The line the record starts on (1-based).
    pub line: u64,
}

/// Why a zone file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneFileError {
    /// An entry longer than [`MAX_LINE`].
    #[error(
        "line {line}: longer than {MAX_LINE} bytes; this is not an RFC 1035 zone file, or it is corrupt"
    )]
    LineTooLong {
        /// The line.
        line: u64,
    },
    /// An entry that does not parse.
    #[error("line {line}: {message}")]
    Syntax {
        /// The line.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file ends inside parentheses.
    #[error(
        "the file ends inside the parentheses opened on line {line}: it is truncated; download it again"
    )]
    Truncated {
        /// The line the unclosed entry starts on.
        line: u64,
    },
    /// Reading (or decompressing) failed.
    #[error("read failed after line {line} (a truncated or corrupt gzip file fails this way; download it again)")]
    Io {
        /// The last line read.
        line: u64,
        /// The reader's error.
        source: io::Error,
    },
}

/// Reads `input` as a zone file, decompressing it when it starts with the
/// gzip magic bytes (concatenated gzip members are read as one stream).
pub fn open_stream<'a, R: BufRead + 'a>(mut input: R) -> io::Result<Box<dyn BufRead + 'a>> {
    let head = input.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 20,
            MultiGzDecoder::new(input),
        )))
    } else {
        Ok(Box::new(input))
    }
}

/// A zone file read entry by entry; [`ZoneReader::next_delegation`] gives
/// the next `NS` record.
#[derive(Debug)]
pub struct ZoneReader<R> {
    input: R,
    /// The current entry's bytes (one line, or several joined).
    entry: Vec<u8>,
    /// Token spans in `entry`.
    tokens: Vec<(usize, usize)>,
    /// The origin: lower case, without the final dot, empty for the root.
    origin: Vec<u8>,
    /// The last owner written, resolved.
    owner: Vec<u8>,
    /// The current record's name server, resolved.
    ns: Vec<u8>,
    scratch: Vec<u8>,
    line: u64,
    has_owner: bool,
    /// The owner of the first `SOA` record: the zone the file is.
    apex: Option<Vec<u8>>,
}

/// Scanner state carried from one line of an entry to the next.
struct Scan {
    depth: u32,
    in_quotes: bool,
}

impl<R: BufRead> ZoneReader<R> {
    /// A reader whose relative names are relative to the root until a
    /// `$ORIGIN` line says otherwise.
    pub fn new(input: R) -> ZoneReader<R> {
        ZoneReader {
            input,
            entry: Vec::with_capacity(512),
            tokens: Vec::with_capacity(16),
            origin: Vec::new(),
            owner: Vec::new(),
            ns: Vec::new(),
            scratch: Vec::new(),
            line: 0,
            has_owner: false,
            apex: None,
        }
    }

    /// Sets the initial origin (e.g. the TLD of a CZDS file), as `$ORIGIN`
    /// would.
    pub fn with_origin(mut self, origin: &str) -> Result<ZoneReader<R>, ZoneFileError> {
        let mut resolved = Vec::new();
        resolve(origin.as_bytes(), b"", &mut resolved).map_err(|message| {
            ZoneFileError::Syntax {
                line: 0,
                message: format!("origin '{origin}': {message}"),
            }
        })?;
        self.origin = resolved;
        Ok(self)
    }

    /// The zone the file is: the owner of its first `SOA` record, once
    /// read (lower case, without the final dot; `None` before, or in a file
    /// without one). A name just under it that the whole file does not
    /// delegate is not delegated in that zone.
    pub fn apex(&self) -> Option<&str> {
        self.apex
            .as_deref()
            .and_then(|apex| std::str::from_utf8(apex).ok())
    }

    /// Lines read so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// The next delegation, `None` at the end of the file.
    pub fn next_delegation(&mut self) -> Result<Option<Delegation<'_>>, ZoneFileError> {
        loop {
            let Some(first_line) = self.read_entry()? else {
                return Ok(None);
            };
            if self.tokens.is_empty() {
                continue;
            }
            let blank_owner = matches!(self.entry.first(), Some(b' ' | b'\t'));
            let (start, end) = self.tokens[0];
            if !blank_owner && self.entry[start] == b'$' {
                self.directive(first_line)?;
                continue;
            }
            let mut next = 0;
            if !blank_owner {
                let token = &self.entry[start..end];
                resolve(token, &self.origin, &mut self.owner)
                    .map_err(|message| syntax(first_line, format!("owner name: {message}")))?;
                self.has_owner = true;
                next = 1;
            } else if !self.has_owner {
                return Err(syntax(
                    first_line,
                    "a record with a blank owner before any owner was given; start the line with a name"
                        .into(),
                ));
            }
            // TTL and class, in either order, then the type.
            let mut type_index = None;
            for index in next..self.tokens.len().min(next + 3) {
                let (s, e) = self.tokens[index];
                let token = &self.entry[s..e];
                if is_class(token) || token[0].is_ascii_digit() {
                    continue;
                }
                type_index = Some(index);
                break;
            }
            let Some(type_index) = type_index else {
                return Err(syntax(
                    first_line,
                    "no record type; expected OWNER [TTL] [CLASS] TYPE DATA".into(),
                ));
            };
            let (s, e) = self.tokens[type_index];
            if !self.entry[s..e].eq_ignore_ascii_case(b"NS") {
                if self.apex.is_none() && self.entry[s..e].eq_ignore_ascii_case(b"SOA") {
                    self.apex = Some(self.owner.clone());
                }
                continue;
            }
            let Some(&(s, e)) = self.tokens.get(type_index + 1) else {
                return Err(syntax(
                    first_line,
                    "an NS record without a name server".into(),
                ));
            };
            resolve(&self.entry[s..e], &self.origin, &mut self.ns)
                .map_err(|message| syntax(first_line, format!("name server: {message}")))?;
            let owner = std::str::from_utf8(&self.owner)
                .map_err(|_| syntax(first_line, "owner name is not ASCII".into()))?;
            let ns = std::str::from_utf8(&self.ns)
                .map_err(|_| syntax(first_line, "name server is not ASCII".into()))?;
            return Ok(Some(Delegation {
                owner,
                ns,
                line: first_line,
            }));
        }
    }

    fn directive(&mut self, line: u64) -> Result<(), ZoneFileError> {
        let (s, e) = self.tokens[0];
        let name = &self.entry[s..e];
        if name.eq_ignore_ascii_case(b"$ORIGIN") {
            let Some(&(s, e)) = self.tokens.get(1) else {
                return Err(syntax(line, "$ORIGIN without a name".into()));
            };
            let mut origin = std::mem::take(&mut self.scratch);
            resolve(&self.entry[s..e], &self.origin, &mut origin)
                .map_err(|message| syntax(line, format!("$ORIGIN: {message}")))?;
            self.scratch = std::mem::replace(&mut self.origin, origin);
            Ok(())
        } else if name.eq_ignore_ascii_case(b"$TTL") {
            match self.tokens.get(1) {
                Some(&(s, _)) if self.entry[s].is_ascii_digit() => Ok(()),
                _ => Err(syntax(line, "$TTL without a time".into())),
            }
        } else {
            Err(syntax(
                line,
                format!(
                    "directive {} is not supported in a registry zone file (only $ORIGIN and $TTL)",
                    String::from_utf8_lossy(name)
                ),
            ))
        }
    }

    /// Reads one entry into `entry` and its tokens into `tokens`; returns
    /// the line it starts on, `None` at the end.
    fn read_entry(&mut self) -> Result<Option<u64>, ZoneFileError> {
        self.entry.clear();
        self.tokens.clear();
        let mut scan = Scan {
            depth: 0,
            in_quotes: false,
        };
        let mut first_line = None;
        loop {
            let start = self.entry.len();
            if !self.read_line()? {
                return match first_line {
                    None => Ok(None),
                    Some(line) if scan.depth > 0 || scan.in_quotes => {
                        Err(ZoneFileError::Truncated { line })
                    }
                    Some(line) => Ok(Some(line)),
                };
            }
            let line = *first_line.get_or_insert(self.line);
            tokenize(&self.entry, start, &mut self.tokens, &mut scan)
                .map_err(|message| syntax(self.line, message.into()))?;
            if scan.depth == 0 && !scan.in_quotes {
                return Ok(Some(line));
            }
        }
    }

    /// Appends one line to `entry`; false at the end of the input.
    fn read_line(&mut self) -> Result<bool, ZoneFileError> {
        let room = (MAX_LINE + 1).saturating_sub(self.entry.len());
        let before = self.entry.len();
        let read = (&mut self.input)
            .take(room as u64)
            .read_until(b'\n', &mut self.entry)
            .map_err(|source| ZoneFileError::Io {
                line: self.line,
                source,
            })?;
        if read == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.entry.len() > MAX_LINE && self.entry.last() != Some(&b'\n') {
            return Err(ZoneFileError::LineTooLong { line: self.line });
        }
        debug_assert!(self.entry.len() > before);
        Ok(true)
    }
}

fn syntax(line: u64, message: String) -> ZoneFileError {
    ZoneFileError::Syntax { line, message }
}

fn is_class(token: &[u8]) -> bool {
    [b"IN", b"CH", b"HS", b"CS"]
        .iter()
        .any(|class| token.eq_ignore_ascii_case(*class))
}

/// Splits `entry[start..]` into tokens (spans in `entry`), following
/// comments, quotes, escapes and parentheses.
fn tokenize(
    entry: &[u8],
    start: usize,
    tokens: &mut Vec<(usize, usize)>,
    scan: &mut Scan,
) -> Result<(), &'static str> {
    let mut index = start;
    let mut token_start: Option<usize> = None;
    while index < entry.len() {
        let byte = entry[index];
        if scan.in_quotes {
            match byte {
                b'\\' => index += 1,
                b'"' => {
                    scan.in_quotes = false;
                    tokens.push((token_start.take().unwrap_or(index), index + 1));
                }
                _ => {}
            }
            index += 1;
            continue;
        }
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b';' => {
                if let Some(s) = token_start.take() {
                    tokens.push((s, index));
                }
                match byte {
                    b'(' => scan.depth += 1,
                    b')' => {
                        scan.depth = scan
                            .depth
                            .checked_sub(1)
                            .ok_or("')' without '('; check the entry's parentheses")?
                    }
                    b';' => return Ok(()),
                    _ => {}
                }
            }
            b'"' => {
                if let Some(s) = token_start.take() {
                    tokens.push((s, index));
                }
                scan.in_quotes = true;
                token_start = Some(index);
            }
            b'\\' => {
                token_start.get_or_insert(index);
                index += 1;
            }
            _ => {
                token_start.get_or_insert(index);
            }
        }
        index += 1;
    }
    if let Some(s) = token_start {
        tokens.push((s, index.min(entry.len())));
    }
    Ok(())
}

/// Resolves a name token against `origin` into `out`: lower case, absolute,
/// without the final dot.
fn resolve(token: &[u8], origin: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    if token == b"@" {
        out.extend_from_slice(origin);
        return Ok(());
    }
    if token.first() == Some(&b'"') {
        return Err("a quoted string where a name belongs".into());
    }
    let absolute = token.last() == Some(&b'.') && !ends_escaped(token);
    if absolute {
        if token.len() > 1 {
            out.extend_from_slice(&token[..token.len() - 1]);
        }
    } else {
        out.extend_from_slice(token);
        if !origin.is_empty() {
            out.push(b'.');
            out.extend_from_slice(origin);
        }
    }
    if out.len() > MAX_NAME {
        return Err(format!(
            "'{}' is longer than {MAX_NAME} characters",
            String::from_utf8_lossy(token)
        ));
    }
    if !out.is_empty() && has_empty_label(out) {
        return Err(format!(
            "'{}' has an empty label",
            String::from_utf8_lossy(token)
        ));
    }
    out.make_ascii_lowercase();
    Ok(())
}

/// Whether a name (escapes honoured) has an empty label: a leading, final
/// or doubled unescaped dot.
fn has_empty_label(name: &[u8]) -> bool {
    let mut label = 0usize;
    let mut index = 0;
    while index < name.len() {
        match name[index] {
            b'.' if label == 0 => return true,
            b'.' => label = 0,
            b'\\' => {
                label += 1;
                index += 1;
            }
            _ => label += 1,
        }
        index += 1;
    }
    label == 0
}

/// Whether the final byte of `token` is escaped by an odd run of
/// backslashes.
fn ends_escaped(token: &[u8]) -> bool {
    let backslashes = token[..token.len() - 1]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count();
    backslashes % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delegations(text: &str) -> Result<Vec<(String, String, u64)>, ZoneFileError> {
        let mut reader = ZoneReader::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(d) = reader.next_delegation()? {
            out.push((d.owner.to_owned(), d.ns.to_owned(), d.line));
        }
        Ok(out)
    }

    fn pairs(text: &str) -> Vec<(String, String)> {
        delegations(text)
            .expect("parses")
            .into_iter()
            .map(|(o, n, _)| (o, n))
            .collect()
    }

    fn pair(owner: &str, ns: &str) -> (String, String) {
        (owner.to_owned(), ns.to_owned())
    }

    #[test]
    fn czds_style_absolute_lines() {
        let text = "com.\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n\
                    example.com.\t172800\tin\tns\tNS1.Example.NET.\n\
                    example.com.\t172800\tin\tns\tns2.example.net.\n\
                    ns1.example.net.\t172800\tin\ta\t192.0.2.1\n";
        assert_eq!(
            pairs(text),
            vec![
                pair("example.com", "ns1.example.net"),
                pair("example.com", "ns2.example.net")
            ]
        );
    }

    #[test]
    fn relative_names_origin_at_and_blank_owner() {
        let text = "$ORIGIN COM.\n$TTL 86400\n@ IN SOA a. b. (1 2\n 3 4 5)\n\
                    @ NS a.gtld-servers.net.\n\
                    EXAMPLE NS NS1.EXAMPLE\n\
                    \tNS ns2.other.org.\n\
                    ; a comment\n\
                    sub.example 3600 IN NS ns ; trailing comment\n\
                    $ORIGIN net.\n\
                    foo IN 60 NS @\n";
        assert_eq!(
            pairs(text),
            vec![
                pair("com", "a.gtld-servers.net"),
                pair("example.com", "ns1.example.com"),
                pair("example.com", "ns2.other.org"),
                pair("sub.example.com", "ns.com"),
                pair("foo.net", "net"),
            ]
        );
    }

    #[test]
    fn the_apex_is_the_owner_of_the_first_soa() {
        let text = "$ORIGIN Com.\n@ 900 IN SOA a. b. 1 2 3 4 5\nx NS ns.x.com.\n\
                    sub 60 IN SOA c. d. 1 2 3 4 5\n";
        let mut reader = ZoneReader::new(text.as_bytes());
        assert_eq!(reader.apex(), None);
        while reader.next_delegation().expect("parses").is_some() {}
        assert_eq!(reader.apex(), Some("com"));
        let mut reader = ZoneReader::new("x.test. NS ns.test.\n".as_bytes());
        while reader.next_delegation().expect("parses").is_some() {}
        assert_eq!(reader.apex(), None, "no SOA, no zone claimed");
    }

    #[test]
    fn parentheses_span_lines_and_keep_the_first_line_number() {
        let text = "x.test. IN NS (\n  ns.test.\n)\ny.test. NS ns.test.\n";
        let found = delegations(text).expect("parses");
        assert_eq!(found[0], ("x.test".into(), "ns.test".into(), 1));
        assert_eq!(found[1], ("y.test".into(), "ns.test".into(), 4));
    }

    #[test]
    fn quoted_text_with_semicolons_and_parentheses_is_skipped() {
        let text = "a.test. TXT \"v=1; (not a paren\" \"x\"\na.test. NS ns.test.\n";
        assert_eq!(pairs(text), vec![pair("a.test", "ns.test")]);
    }

    #[test]
    fn a_file_ending_inside_parentheses_is_truncated() {
        let error =
            delegations("a.test. NS ns.test.\nb.test. SOA a. b. ( 1 2\n").expect_err("truncated");
        assert!(
            matches!(error, ZoneFileError::Truncated { line: 2 }),
            "{error}"
        );
    }

    #[test]
    fn a_last_line_without_newline_still_counts() {
        assert_eq!(
            pairs("a.test. NS ns.test."),
            vec![pair("a.test", "ns.test")]
        );
    }

    #[test]
    fn include_and_unknown_directives_are_refused_with_the_line() {
        let error = delegations("a.test. NS b.test.\n$INCLUDE other.zone\n").expect_err("refused");
        assert!(
            error.to_string().starts_with("line 2: directive $INCLUDE"),
            "{error}"
        );
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        for (text, expected) in [
            ("\tNS ns.test.\n", "blank owner"),
            ("a.test. NS\n", "without a name server"),
            ("a.test. 300 IN\n", "no record type"),
            ("a.test. NS ns..test.\n", "empty label"),
            ("a.. NS ns.test.\n", "empty label"),
            ("$ORIGIN .test.\n", "empty label"),
            ("a.test. NS ns.test. )\n", "without '('"),
        ] {
            let error = delegations(text).expect_err(text);
            assert!(error.to_string().contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn long_lines_are_refused_without_reading_them_whole() {
        let text = format!("a.test. TXT \"{}\"\n", "x".repeat(MAX_LINE));
        let error = delegations(&text).expect_err("too long");
        assert!(
            matches!(error, ZoneFileError::LineTooLong { line: 1 }),
            "{error}"
        );
    }

    #[test]
    fn escaped_final_dot_is_relative() {
        let text = "$ORIGIN test.\na\\. NS ns\n";
        assert_eq!(pairs(text), vec![pair("a\\..test", "ns.test")]);
    }

    #[test]
    fn gzip_streams_are_detected_and_truncation_fails() {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!("name{i}.test. NS ns{i}.test.\n"));
        }
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(text.as_bytes()).expect("write");
        let gz = encoder.finish().expect("finish");
        let read_all = |bytes: &[u8]| -> Result<usize, ZoneFileError> {
            let stream = open_stream(bytes).expect("open");
            let mut reader = ZoneReader::new(stream);
            let mut count = 0;
            while reader.next_delegation()?.is_some() {
                count += 1;
            }
            Ok(count)
        };
        assert_eq!(read_all(&gz).expect("whole"), 2000);
        let error = read_all(&gz[..gz.len() / 2]).expect_err("truncated gzip");
        assert!(matches!(error, ZoneFileError::Io { .. }), "{error}");
        // Plain text passes through untouched.
        assert_eq!(read_all(text.as_bytes()).expect("plain"), 2000);
    }

    #[test]
    fn mutated_zone_files_never_panic_and_keep_names_well_formed() {
        // A deterministic stand-in for the fuzz target, run on every test:
        // byte flips, insertions and cuts of a small CZDS-like file.
        let seed = b"$ORIGIN com.\n$TTL 86400\n@ IN SOA a. b. (1 2 3 4 5)\nexample NS ns1.example.net.\n\tNS ns2\nb.com. 300 IN NS ns.b.com.\nc TXT \"x;(y\" \\; \n";
        let alphabet = b" \t\n;()\"\\.@$aZ09";
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut bytes = seed.to_vec();
            for _ in 0..(1 + next() % 6) {
                let at = (next() as usize) % (bytes.len() + 1);
                match next() % 3 {
                    0 if at < bytes.len() => {
                        bytes[at] = alphabet[(next() as usize) % alphabet.len()]
                    }
                    1 => bytes.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                    _ => bytes.truncate(at.max(1)),
                }
            }
            let mut reader = ZoneReader::new(bytes.as_slice());
            let mut last = 0;
            while let Ok(Some(d)) = reader.next_delegation() {
                for name in [d.owner, d.ns] {
                    assert!(name.len() <= MAX_NAME, "{name}");
                    assert!(!name.bytes().any(|b| b.is_ascii_uppercase()), "{name}");
                    assert!(
                        !name.starts_with('.'),
                        "{name:?} from {:?}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
                assert!(d.line >= last);
                last = d.line;
            }
        }
    }
}

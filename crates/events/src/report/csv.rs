//! CSV rows the way Shadowserver writes them: every text value in double
//! quotes (a quote inside doubled, RFC 4180), numbers bare, a missing value
//! as nothing at all between the commas, lines ended by `\n`.
//!
//! Values come from bots, so control characters (a CR or LF in a URL would
//! split a row for line-based tools) are written as `\xNN`.

use std::fmt::Write as _;

/// One row being written.
#[derive(Debug, Default)]
pub(crate) struct Row {
    line: String,
    fields: usize,
}

impl Row {
    pub(crate) fn new() -> Row {
        Row::default()
    }

    fn separate(&mut self) {
        if self.fields > 0 {
            self.line.push(',');
        }
        self.fields += 1;
    }

    /// A text value, quoted; `None` or an empty text as an empty field.
    pub(crate) fn text(&mut self, value: Option<&str>) -> &mut Row {
        self.text_parts(value.as_slice())
    }

    /// One text value made of `parts` (`POST`, ` `, `/gate.php`), quoted;
    /// nothing at all (or only empty parts) as an empty field.
    pub(crate) fn text_parts(&mut self, parts: &[&str]) -> &mut Row {
        self.separate();
        if parts.iter().all(|part| part.is_empty()) {
            return self;
        }
        self.line.push('"');
        for part in parts {
            // Most values need no escaping: copy them whole. A C1 control
            // (U+0080..U+009F) starts with the byte 0xC2 in UTF-8.
            if !part
                .bytes()
                .any(|b| b == b'"' || b < 0x20 || b == 0x7f || b == 0xc2)
            {
                self.line.push_str(part);
                continue;
            }
            for c in part.chars() {
                match c {
                    '"' => self.line.push_str("\"\""),
                    c if c.is_control() && (c as u32) < 0x100 => {
                        let _ = write!(self.line, "\\x{:02x}", c as u32);
                    }
                    c => self.line.push(c),
                }
            }
        }
        self.line.push('"');
        self
    }

    /// A value whose text never needs escaping (an address), quoted.
    pub(crate) fn quoted(&mut self, value: impl std::fmt::Display) -> &mut Row {
        self.separate();
        let _ = write!(self.line, "\"{value}\"");
        self
    }

    /// A number, bare; `None` as an empty field.
    pub(crate) fn number(&mut self, value: Option<u64>) -> &mut Row {
        self.separate();
        if let Some(value) = value {
            let _ = write!(self.line, "{value}");
        }
        self
    }

    /// `count` empty fields.
    pub(crate) fn empty(&mut self, count: usize) -> &mut Row {
        for _ in 0..count {
            self.separate();
        }
        self
    }

    /// How many fields so far.
    pub(crate) fn fields(&self) -> usize {
        self.fields
    }

    /// The line, with its `\n`.
    pub(crate) fn finish(&mut self) -> String {
        self.line.push('\n');
        std::mem::take(&mut self.line)
    }

    /// The line, with its `\n`, kept for [`Row::clear`] to reuse: one
    /// buffer for every row of a report.
    pub(crate) fn end(&mut self) -> &str {
        self.line.push('\n');
        &self.line
    }

    /// Empties the row, keeping its buffer.
    pub(crate) fn clear(&mut self) {
        self.line.clear();
        self.fields = 0;
    }
}

/// The header line of `columns`, each name quoted as in Shadowserver's files.
pub(crate) fn header(columns: &[&str]) -> String {
    let mut row = Row::new();
    for column in columns {
        row.text(Some(*column));
    }
    row.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_quoted_numbers_bare_missing_empty() {
        let line = Row::new()
            .text(Some("say \"hi\""))
            .number(Some(443))
            .text(None)
            .number(None)
            .text(Some(""))
            .text(Some("a,b"))
            .finish();
        assert_eq!(line, "\"say \"\"hi\"\"\",443,,,,\"a,b\"\n");
    }

    #[test]
    fn parts_and_quoted_values_and_a_reused_row() {
        let mut row = Row::new();
        row.text_parts(&["POST", " ", "/a\"b"])
            .text_parts(&["", ""])
            .quoted("192.0.2.1".parse::<std::net::IpAddr>().unwrap());
        assert_eq!(row.end(), "\"POST /a\"\"b\",,\"192.0.2.1\"\n");
        row.clear();
        row.number(Some(7));
        assert_eq!(row.end(), "7\n");
        assert_eq!(row.fields(), 1);
    }

    #[test]
    fn control_characters_cannot_split_a_row() {
        let line = Row::new().text(Some("GET /\r\nX: 1\t\u{7f}é")).finish();
        assert_eq!(line, "\"GET /\\x0d\\x0aX: 1\\x09\\x7fé\"\n");
        // U+0085 is a C1 control, escaped; U+00A0 (also 0xC2 first) is not.
        let line = Row::new().text(Some("a\u{85}b\u{a0}c")).finish();
        assert_eq!(line, "\"a\\x85b\u{a0}c\"\n");
    }
}

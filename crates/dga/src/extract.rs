//! Host names pulled out of text that operators paste: URLs
//! (`https://user@host:8443/path`), `name:port`, BIND query-log lines
//! (`client @0x... 192.0.2.1#53210 (example.com): query: example.com IN A`),
//! Unbound log lines (`info: 192.0.2.1 example.com. A IN`) and plain names.
//!
//! The text is cut into words at blanks, quotes, brackets, commas and
//! semicolons. From each word a URL scheme, user information, path, query,
//! fragment and port are removed, then the word is kept if it reads as a
//! host name: at most 253 bytes, two labels or more of 1 to 63 letters,
//! digits, `-` or `_`, no label starting or ending with `-`, and a top-level
//! label of letters (or `xn--` punycode). So IP addresses, times, version
//! numbers and log keywords are left out.
//!
//! Limitation: words that read as host names but are not (`named.conf`) are
//! returned too; a lookup simply does not find them. Names written in
//! Unicode (not punycode) are not recognised.

/// Longest host name (RFC 1035, without the trailing dot).
const MAX_NAME: usize = 253;

/// Longest label (RFC 1035).
const MAX_LABEL: usize = 63;

/// The host names in `text`, in lower case without a trailing dot, each
/// once, in order of appearance. Any bytes are accepted.
pub fn extract_names(text: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|&b| is_separator(b)) {
        if let Some(name) = host_of(word) {
            if !out.iter().any(|seen| seen.as_bytes() == name.as_slice()) {
                // `host_of` keeps only ASCII bytes.
                out.push(name.iter().map(|&b| char::from(b)).collect());
            }
        }
    }
    out
}

fn is_separator(byte: u8) -> bool {
    byte.is_ascii_whitespace()
        || matches!(
            byte,
            b'"' | b'\''
                | b'`'
                | b'<'
                | b'>'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b','
                | b';'
                | b'|'
        )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The host in one word, lower-cased, if the word holds one.
fn host_of(word: &[u8]) -> Option<Vec<u8>> {
    let mut word = word;
    if let Some(scheme) = find(word, b"://") {
        word = &word[scheme + 3..];
    }
    // The host part ends at a path, query or fragment.
    if let Some(end) = word.iter().position(|&b| matches!(b, b'/' | b'?' | b'#')) {
        word = &word[..end];
    }
    // user:password@host
    if let Some(at) = word.iter().rposition(|&b| b == b'@') {
        word = &word[at + 1..];
    }
    // host:port; a word with more colons is an IPv6 address or a time.
    if let Some(colon) = word.iter().position(|&b| b == b':') {
        let port = &word[colon + 1..];
        if port.is_empty() || port.len() > 5 || !port.iter().all(u8::is_ascii_digit) {
            return None;
        }
        word = &word[..colon];
    }
    let word = word.strip_suffix(b".").unwrap_or(word);
    if word.is_empty() || word.len() > MAX_NAME {
        return None;
    }
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in word.split(|&b| b == b'.') {
        let valid = !label.is_empty()
            && label.len() <= MAX_LABEL
            && label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-');
        if !valid {
            return None;
        }
        labels += 1;
        last = label;
    }
    let tld_ok = (last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic))
        || (last.len() > 4 && last[..4].eq_ignore_ascii_case(b"xn--"));
    if labels < 2 || !tld_ok {
        return None;
    }
    Some(word.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        extract_names(text.as_bytes())
    }

    #[test]
    fn urls_ports_and_plain_names() {
        assert_eq!(
            names("see https://user:pw@Evil.Example:8443/a/b?q=x.com#f and http://x.org"),
            ["evil.example", "x.org"]
        );
        assert_eq!(names("kwtoestness.com:443"), ["kwtoestness.com"]);
        assert_eq!(names("  Plain-Name.NET.  "), ["plain-name.net"]);
        assert_eq!(
            names("a.xn--p1ai, b.example; \"c.example\""),
            ["a.xn--p1ai", "b.example", "c.example"]
        );
    }

    #[test]
    fn bind_query_log_line() {
        let line = "02-Dec-2026 10:00:00.123 queries: info: client @0x7f4b8c0a1b2c 127.0.0.1#53210 (Qx7ab.Example.COM): query: Qx7ab.Example.COM IN A +E(0)K (127.0.0.1)";
        assert_eq!(names(line), ["qx7ab.example.com"]);
    }

    #[test]
    fn unbound_log_lines() {
        assert_eq!(
            names("[1764669600] unbound[1234:0] info: 127.0.0.1 abcdefgh.biz. A IN"),
            ["abcdefgh.biz"]
        );
        assert_eq!(
            names("[1764669600] unbound[1234:0] reply: 127.0.0.1 abcdefgh.biz. A IN NXDOMAIN 0.000123 0 45"),
            ["abcdefgh.biz"]
        );
    }

    #[test]
    fn addresses_times_and_words_are_not_names() {
        assert!(
            names("127.0.0.1 [::1]:53 10:00:00.123 1.2.3 query: -bad.com bad-.com a..b x")
                .is_empty()
        );
        assert!(names(&format!("{}.com", "a".repeat(64))).is_empty());
        assert!(extract_names(b"\xff\xfe.com \x1b[31mred.com").contains(&"31mred.com".to_owned()));
    }
}

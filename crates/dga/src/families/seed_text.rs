//! Reading the raw seed values families share a form for.

/// A 32-bit number written in hex, with or without `0x`: surrounding blanks
/// ignored, then only hex digits (no sign), at least one and at most
/// `max_digits` of them.
pub(crate) fn parse_hex_u32(text: &str, max_digits: usize) -> Option<u32> {
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty()
        || digits.len() > max_digits
        || !digits.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_seeds_take_an_optional_prefix_and_nothing_else() {
        assert_eq!(parse_hex_u32(" 0x1DB98930 ", 8), Some(0x1DB9_8930));
        assert_eq!(parse_hex_u32("89f5", 4), Some(0x89F5));
        assert_eq!(parse_hex_u32("000000001", usize::MAX), Some(1));
        assert_eq!(parse_hex_u32("12345", 4), None);
        assert_eq!(parse_hex_u32("+1", 8), None);
        assert_eq!(parse_hex_u32("0x", 8), None);
        assert_eq!(parse_hex_u32("1g", 8), None);
        assert_eq!(
            parse_hex_u32("100000000", usize::MAX),
            None,
            "overflows 32 bits"
        );
    }
}

//! The engine shared by the Conficker families (`conficker-a`,
//! `conficker-b`): the date seed and the floating-point generator, which
//! the variants drive with their own constants.
//!
//! Conficker turns the day's `FILETIME` (100 ns ticks since 1601-01-01, at
//! 00:00 UTC) into a 64-bit state: `state = ft * m / d + a` in wrapping
//! 64-bit arithmetic. Each draw then reads the state as an unsigned integer
//! `x` (as a double) and `y = state * k` (wrapping, as a double), computes
//! `((y + sin x) * x + c) * x + ln x` in double precision, stores the bits
//! of the result as the next state and returns their low 32 bits as a
//! signed number. The constants `m`, `d`, `a`, `k` and `c` differ by
//! variant (SRI's Conficker analyses; Leder and Werner, "Containing
//! Conficker", University of Bonn, 2009).
//!
//! The malware runs on the x87 unit with 53-bit precision, and its `sin`
//! is the `fsin` instruction, which reduces its argument with a 66-bit
//! approximation of pi (Intel SDM, "FSIN"; Bruce Dawson, "Intel
//! Underestimates Error Bounds by 1.3 quintillion", 2014). For the states
//! Conficker produces (`x` near 2^62) that shifts the argument by a few
//! thousandths of a radian, which shows in the names whenever `y` is small
//! enough for `sin x` to change `y + sin x`: about one name a day. This
//! engine reduces modulo twice that 66-bit pi exactly, and so matches the
//! reference tools on every day of 2020 for A and B.

use chrono::NaiveDate;

/// 100 ns ticks per day.
const TICKS_PER_DAY: u64 = 864_000_000_000;

/// Days from 1601-01-01 (the `FILETIME` epoch) to 1970-01-01.
const FILETIME_EPOCH_TO_UNIX_DAYS: i64 = 134_774;

/// The x87 unit's 66-bit pi as an integer scaled by 2^66 (the top 66 bits of
/// pi; the two lowest bits shown here are zero), times two: `fsin` reduces
/// modulo this, and the sign of the sine depends on the half-turn.
const TWO_PI_X87: u128 = 0x000C_90FD_AA22_168C_234C << 1;

/// One variant's constants.
#[derive(Debug, Clone, Copy)]
pub(super) struct Constants {
    /// Multiplier of the date, wrapping in 64 bits.
    pub date_multiplier: u64,
    /// Divisor of the product.
    pub date_divisor: u64,
    /// Added to the quotient.
    pub date_addend: u64,
    /// Multiplier of the state in each draw.
    pub state_multiplier: u64,
    /// Added inside each draw.
    pub draw_addend: f64,
}

/// The generator state for one day.
pub(super) struct Random {
    state: u64,
    constants: Constants,
}

impl Random {
    /// The generator seeded for `day` (00:00 UTC).
    pub fn for_day(constants: Constants, day: NaiveDate) -> Random {
        let days = crate::schedule::day_number(day) + FILETIME_EPOCH_TO_UNIX_DAYS;
        // A FILETIME is unsigned; dates before 1601 wrap as they would in
        // the malware's 64-bit arithmetic.
        let filetime = (days as u64).wrapping_mul(TICKS_PER_DAY);
        let state = (filetime.wrapping_mul(constants.date_multiplier) / constants.date_divisor)
            .wrapping_add(constants.date_addend);
        Random { state, constants }
    }

    /// The next draw, a signed 32-bit number.
    #[inline(always)]
    pub fn draw(&mut self) -> i32 {
        let x = self.state as f64;
        let y = self.state.wrapping_mul(self.constants.state_multiplier) as f64;
        // Once y is 2^53 or more its spacing is at least 2, so adding a sine
        // (never exactly +-1 for a double argument) rounds back to y.
        let sum = if y < TWO_POW_53 { y + x87_sin(x) } else { y };
        let value = (sum * x + self.constants.draw_addend) * x;
        // ln x < 45 for any 64-bit x, less than half the spacing of doubles
        // from 2^60 up, so it cannot change such a value.
        let value = if value.abs() < TWO_POW_60 {
            value + x.ln()
        } else {
            value
        };
        self.state = value.to_bits();
        // The low half of the bits, reinterpreted as signed.
        self.state as u32 as i32
    }
}

const TWO_POW_53: f64 = 9_007_199_254_740_992.0;
const TWO_POW_60: f64 = 1_152_921_504_606_846_976.0;

/// `sin x` as the x87 `fsin` instruction computes it for a non-negative
/// integer-valued `x`: the argument is reduced exactly modulo twice the
/// unit's 66-bit pi, then the sine of the remainder is taken.
fn x87_sin(x: f64) -> f64 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let (mantissa, shift) = if exponent >= 1075 {
        // x = mantissa * 2^shift with the implicit leading bit restored.
        (
            (bits & ((1 << 52) - 1)) | (1 << 52),
            (exponent - 1075) as u32,
        )
    } else {
        // Below 2^53 an integer-valued double is its own integer.
        (x as u64, 0)
    };
    // remainder = mantissa * 2^(shift + 66) mod TWO_PI_X87, in u128 steps
    // small enough not to overflow (remainders stay below 2^69).
    let mut remainder = u128::from(mantissa) % TWO_PI_X87;
    let mut left = shift + 66;
    while left > 0 {
        let step = left.min(58);
        remainder = (remainder << step) % TWO_PI_X87;
        left -= step;
    }
    let angle = remainder as f64 / 73_786_976_294_838_206_464.0; // 2^66
    angle.sin()
}

/// Parses `0x`-prefixed or bare hex into a u64.
pub(super) fn parse_hex(text: &str) -> Option<u64> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// Parses a variant's constants written as
/// `date_multiplier:date_divisor:date_addend:state_multiplier:draw_addend`,
/// the first four in hex, the last a decimal fraction.
pub(super) fn parse_constants(raw: &str) -> Option<Constants> {
    let mut parts = raw.trim().split(':');
    let date_multiplier = parse_hex(parts.next()?.trim())?;
    let date_divisor = parse_hex(parts.next()?.trim()).filter(|&d| d != 0)?;
    let date_addend = parse_hex(parts.next()?.trim())?;
    let state_multiplier = parse_hex(parts.next()?.trim())?;
    let draw_addend: f64 = parts.next()?.trim().parse().ok()?;
    if parts.next().is_some() || !draw_addend.is_finite() {
        return None;
    }
    Some(Constants {
        date_multiplier,
        date_divisor,
        date_addend,
        state_multiplier,
        draw_addend,
    })
}

/// Appends `count` names in the A/B layout: a length of `draw % 4 + 8`
/// letters (C's truncating remainder, so 5 to 11), each letter
/// `|draw| % 26`, then the TLD chosen by `tld(draw)`.
pub(super) fn names_ab(
    random: &mut Random,
    count: usize,
    tld: impl Fn(i32) -> &'static str,
    out: &mut Vec<String>,
) {
    for _ in 0..count {
        let length = (random.draw() % 4 + 8) as usize;
        let mut name = String::with_capacity(length + 6);
        for _ in 0..length {
            // A draw of i32::MIN (one in 2^32) has no absolute value in C;
            // this takes 2^31, and what the malware makes of it is unknown.
            name.push(char::from(b'a' + (random.draw().unsigned_abs() % 26) as u8));
        }
        name.push('.');
        name.push_str(tld(random.draw()));
        out.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x87_sin_agrees_with_sin_for_small_arguments() {
        // Far below 2^63 the 66-bit pi and the true pi reduce alike.
        for x in [0.0, 1.0, 3.0, 1000.0, 123_456.0] {
            assert!((x87_sin(x) - f64::sin(x)).abs() < 1e-12, "{x}");
        }
    }

    #[test]
    fn constants_are_parsed_and_checked() {
        assert!(parse_constants("0x1:0x2:0x3:0x4:0.5").is_some());
        assert!(parse_constants("0x1:0x0:0x3:0x4:0.5").is_none());
        assert!(parse_constants("0x1:0x2:0x3:0x4").is_none());
        assert!(parse_constants("0x1:0x2:0x3:0x4:0.5:6").is_none());
        assert!(parse_constants("0x1:0x2:0x3:0x4:nan").is_none());
        assert!(parse_constants("zz:0x2:0x3:0x4:0.5").is_none());
        assert!(parse_constants("").is_none());
    }
}

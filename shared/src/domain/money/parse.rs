//! The exact decimal-number reader behind every monetary type.
//!
//! The text is split by hand into sign, digit string, fraction length and exponent;
//! the value is then computed exactly with integer arithmetic. Nothing goes through
//! `f64`, and no step allocates or loops in proportion to the exponent, so inputs such
//! as `1e99999999999999999999` or a 10 000-digit number fail fast with a clear error.

use rust_decimal::Decimal;

use super::MAX_FRACTION_DIGITS;

/// Which number grammar to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    /// RFC 8259 JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    Json,
    /// Numbers read back from storage (DynamoDB `N` strings): the JSON grammar, but a
    /// leading `+` and leading zeros in the integer part are tolerated.
    Stored,
}

/// Why a text is not an acceptable decimal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ParseFailure {
    /// The text does not follow the grammar.
    Syntax,
    /// A non-zero digit sits beyond the second decimal place.
    TooManyDecimals,
    /// The magnitude is at least 10^[`MAX_INTEGER_DIGITS`].
    TooLarge,
}

/// Largest number of integer digits the reader materialises. It is a safety guard far
/// above every business limit (amounts stop at 10^9, balances at 10^15) and keeps the
/// scaled mantissa below 10^22, well inside `Decimal`'s 96 bits.
const MAX_INTEGER_DIGITS: i128 = 20;

/// Exponents are saturated at this magnitude while reading; anything this large is
/// rejected anyway, and saturating keeps the arithmetic overflow-free.
const EXPONENT_CAP: i128 = 1_000_000_000_000_000_000_000_000_000;

/// Zero with the canonical scale of 2.
pub(super) const ZERO_CENTS: Decimal = Decimal::from_parts(0, 0, 0, false, MAX_FRACTION_DIGITS);

/// The pieces of a number literal, borrowed from the input.
#[derive(Debug)]
struct Parts<'a> {
    negative: bool,
    integer: &'a [u8],
    fraction: &'a [u8],
    exponent_negative: bool,
    exponent: &'a [u8],
}

/// Reads `text` exactly and returns its value with scale 2 (zero is never negative).
///
/// Checks, in order: grammar, at most 2 significant decimal places, magnitude guard.
/// Trailing zeros are not significant: `1.500` and `100e-2` are accepted.
pub(super) fn parse_decimal(text: &str, syntax: Syntax) -> Result<Decimal, ParseFailure> {
    let parts = split(text.as_bytes(), syntax).ok_or(ParseFailure::Syntax)?;
    let digits = parts.integer.iter().chain(parts.fraction).copied();
    let total = parts.integer.len().saturating_add(parts.fraction.len());
    let leading = digits.clone().take_while(|&d| d == b'0').count();
    if leading == total {
        return Ok(ZERO_CENTS);
    }
    let trailing = digits.clone().rev().take_while(|&d| d == b'0').count();
    let significant = total - leading - trailing;
    // value = significand × 10^exponent, with the significand free of trailing zeros,
    // so its last digit is non-zero and sits at the 10^exponent place.
    let exponent = exponent_value(parts.exponent_negative, parts.exponent)
        .saturating_sub(to_i128(parts.fraction.len()))
        .saturating_add(to_i128(trailing));
    if exponent < -i128::from(MAX_FRACTION_DIGITS) {
        return Err(ParseFailure::TooManyDecimals);
    }
    if to_i128(significant).saturating_add(exponent) > MAX_INTEGER_DIGITS {
        return Err(ParseFailure::TooLarge);
    }
    // Now significant <= 22 and 0 <= shift <= 22: every step below fits in u128.
    let significand = digits
        .skip(leading)
        .take(significant)
        .try_fold(0_u128, |acc, d| {
            acc.checked_mul(10)?.checked_add(u128::from(d - b'0'))
        })
        .ok_or(ParseFailure::TooLarge)?;
    let shift = exponent.saturating_add(i128::from(MAX_FRACTION_DIGITS));
    let cents = u32::try_from(shift)
        .ok()
        .and_then(|shift| 10_u128.checked_pow(shift))
        .and_then(|scale| significand.checked_mul(scale))
        .and_then(|cents| i128::try_from(cents).ok())
        .ok_or(ParseFailure::TooLarge)?;
    let signed = if parts.negative { -cents } else { cents };
    Decimal::try_from_i128_with_scale(signed, MAX_FRACTION_DIGITS)
        .map_err(|_| ParseFailure::TooLarge)
}

/// Splits a literal into its parts, or `None` when it does not follow the grammar.
fn split(bytes: &[u8], syntax: Syntax) -> Option<Parts<'_>> {
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) if syntax == Syntax::Stored => (false, rest),
        _ => (false, bytes),
    };
    let (integer, rest) = take_digits(rest);
    let leading_zero_forbidden = syntax == Syntax::Json && integer.len() > 1;
    if integer.is_empty() || (leading_zero_forbidden && integer.first() == Some(&b'0')) {
        return None;
    }
    let (fraction, rest) = match rest.split_first() {
        Some((b'.', after_dot)) => non_empty_digits(after_dot)?,
        _ => (&[][..], rest),
    };
    let (exponent_negative, exponent, rest) = match rest.split_first() {
        Some((b'e' | b'E', after_e)) => {
            let (exponent_negative, unsigned) = match after_e.split_first() {
                Some((b'-', tail)) => (true, tail),
                Some((b'+', tail)) => (false, tail),
                _ => (false, after_e),
            };
            let (exponent, rest) = non_empty_digits(unsigned)?;
            (exponent_negative, exponent, rest)
        }
        _ => (false, &[][..], rest),
    };
    rest.is_empty().then_some(Parts {
        negative,
        integer,
        fraction,
        exponent_negative,
        exponent,
    })
}

/// Splits off the longest run of ASCII digits.
fn take_digits(bytes: &[u8]) -> (&[u8], &[u8]) {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len());
    bytes.split_at(end)
}

/// Like [`take_digits`], but at least one digit is required.
fn non_empty_digits(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (digits, rest) = take_digits(bytes);
    (!digits.is_empty()).then_some((digits, rest))
}

/// The exponent's value, saturated at ±[`EXPONENT_CAP`].
fn exponent_value(negative: bool, digits: &[u8]) -> i128 {
    let magnitude = digits.iter().fold(0_i128, |acc, &d| {
        if acc >= EXPONENT_CAP {
            EXPONENT_CAP
        } else {
            acc * 10 + i128::from(d - b'0')
        }
    });
    if negative { -magnitude } else { magnitude }
}

/// Lossless on every supported platform; saturates rather than panicking otherwise.
fn to_i128(value: usize) -> i128 {
    i128::try_from(value).unwrap_or(i128::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn json(text: &str) -> Result<String, ParseFailure> {
        parse_decimal(text, Syntax::Json).map(|d| d.to_string())
    }

    #[test]
    fn exact_values_are_computed_with_scale_two() {
        for (text, expected) in [
            ("150.75", "150.75"),
            ("1e2", "100.00"),
            ("1.5E+1", "15.00"),
            ("-3", "-3.00"),
            ("12.3e-1", "1.23"),
            ("100e-2", "1.00"),
            ("0.1", "0.10"),
            ("1.500", "1.50"),
            ("0", "0.00"),
            ("-0", "0.00"),
            ("0e99999", "0.00"),
            ("0.000e-400", "0.00"),
            ("99999999999999999999", "99999999999999999999.00"),
        ] {
            assert_eq!(json(text), Ok(expected.to_owned()), "input {text}");
        }
    }

    #[test]
    fn grammar_violations_are_syntax_failures() {
        for text in [
            "", "-", "+1", "01", "-01", ".5", "5.", "1e", "1e+", "1.e2", "0x10", "1,000", " 1",
            "1 ", "NaN", "Infinity", "--1", "1e2.5", "١", "1_000",
        ] {
            assert_eq!(json(text), Err(ParseFailure::Syntax), "input {text:?}");
        }
    }

    #[test]
    fn stored_syntax_tolerates_plus_sign_and_leading_zeros() {
        let stored = |t: &str| parse_decimal(t, Syntax::Stored).map(|d| d.to_string());
        assert_eq!(stored("+1"), Ok("1.00".to_owned()));
        assert_eq!(stored("007.5"), Ok("7.50".to_owned()));
        assert_eq!(stored("1E+2"), Ok("100.00".to_owned()));
        assert_eq!(stored(".5"), Err(ParseFailure::Syntax));
    }

    #[test]
    fn significant_third_decimal_is_too_many_decimals() {
        for text in [
            "0.001",
            "1.005",
            "1e-400",
            "1e-99999999999999999999",
            "12.3456e1",
        ] {
            assert_eq!(
                json(text),
                Err(ParseFailure::TooManyDecimals),
                "input {text}"
            );
        }
        assert_eq!(json("12.345e1"), Ok("123.45".to_owned()));
        assert_eq!(json("12.345e2"), Ok("1234.50".to_owned()));
    }

    #[test]
    fn huge_magnitudes_are_too_large_without_materialising_them() {
        let long = format!("1{}", "0".repeat(10_000));
        for text in [
            "1e400",
            "1e99999999999999999999",
            "100000000000000000000",
            &long,
        ] {
            assert_eq!(json(text), Err(ParseFailure::TooLarge), "input {text:.30}");
        }
        let long_fraction = format!("0.{}1", "0".repeat(10_000));
        assert_eq!(json(&long_fraction), Err(ParseFailure::TooManyDecimals));
        let long_zeros = format!("0.{}e5", "0".repeat(10_000));
        assert_eq!(json(&long_zeros), Ok("0.00".to_owned()));
    }
}

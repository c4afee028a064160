//! Exact monetary values: [`Money`], [`SignedAmount`] and [`Balance`].
//!
//! Every value is a `rust_decimal::Decimal` held with scale exactly
//! [`MAX_FRACTION_DIGITS`], so `Display` and serde always produce the canonical
//! two-decimal text (`150.75`, `100.00`, `0.10`) and a value survives any number of
//! text round trips unchanged. Amounts are read from their original text (see
//! [`parse_json_amount`]) and never pass through `f64`.
//!
//! Validation order, shared by every constructor: grammar (text only), then at most two
//! significant decimal places, then magnitude, then the sign rule of the type.

mod balance;
mod parse;

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::domain::serde_str::impl_string_serde;
use parse::{ParseFailure, Syntax, ZERO_CENTS};

pub use balance::{Balance, BalanceError};

/// Largest accepted transaction amount, in currency units: 1 000 000 000.
pub const MAX_AMOUNT: Decimal = whole(1_000_000_000);

/// Number of decimal places every monetary value carries (cents).
pub const MAX_FRACTION_DIGITS: u32 = 2;

/// Largest balance an account may hold: 10^15 currency units.
///
/// This is a ledger guard, not a product limit: it keeps every balance and every
/// intermediate sum far inside `Decimal`'s exact range (about 7.9 × 10^28) and inside
/// the 38 significant digits of a DynamoDB number. A credit that would cross it is
/// rejected with `BALANCE_LIMIT_EXCEEDED` instead of being applied.
pub const MAX_BALANCE: Decimal = whole(1_000_000_000_000_000);

/// A whole number as a `Decimal` with scale 0, usable in constants.
const fn whole(value: u64) -> Decimal {
    // Splitting a u64 into its low and high 32-bit words is lossless.
    Decimal::from_parts(value as u32, (value >> 32) as u32, 0, false, 0)
}

/// Why an amount was refused. Messages name the request field `amount` and are meant
/// to be shown to API clients as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a JSON number, nor a string holding one (`true`, `"abc"`, `"1,000"`, `".5"`).
    #[error("amount must be a number or a decimal string, such as 150.75")]
    NotANumber,
    /// A non-zero digit beyond the second decimal place (`0.001`, `1.005`).
    #[error("amount must have at most 2 decimal places")]
    TooManyDecimals,
    /// Zero or negative where a strictly positive amount is required.
    #[error("amount must be greater than zero")]
    NotPositive,
    /// Zero where a signed, non-zero amount is required (adjustments).
    #[error("amount must not be zero")]
    Zero,
    /// Magnitude above [`MAX_AMOUNT`].
    #[error("amount must be at most 1000000000")]
    TooLarge,
}

impl AmountError {
    /// A stable, machine-readable error code. Every code starts with `AMOUNT_`, so a
    /// client may match on the prefix alone:
    ///
    /// | variant           | code                       |
    /// |-------------------|----------------------------|
    /// | `NotANumber`      | `AMOUNT_NOT_A_NUMBER`      |
    /// | `TooManyDecimals` | `AMOUNT_TOO_MANY_DECIMALS` |
    /// | `NotPositive`     | `AMOUNT_NOT_POSITIVE`      |
    /// | `Zero`            | `AMOUNT_ZERO`              |
    /// | `TooLarge`        | `AMOUNT_TOO_LARGE`         |
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotANumber => "AMOUNT_NOT_A_NUMBER",
            Self::TooManyDecimals => "AMOUNT_TOO_MANY_DECIMALS",
            Self::NotPositive => "AMOUNT_NOT_POSITIVE",
            Self::Zero => "AMOUNT_ZERO",
            Self::TooLarge => "AMOUNT_TOO_LARGE",
        }
    }
}

impl From<ParseFailure> for AmountError {
    fn from(failure: ParseFailure) -> Self {
        match failure {
            ParseFailure::Syntax => Self::NotANumber,
            ParseFailure::TooManyDecimals => Self::TooManyDecimals,
            ParseFailure::TooLarge => Self::TooLarge,
        }
    }
}

/// Reads the raw JSON token of a request's `amount` field exactly.
///
/// `raw` is the token text as it appeared in the request (for instance from
/// `serde_json::value::RawValue::get`): either a JSON number literal (`150.75`, `1e2`,
/// `-3`) or a JSON string literal (`"150.75"`) whose content must itself be a JSON
/// number literal, with no surrounding whitespace. JSON whitespace around the token is
/// ignored. Returns the exact value with scale 2.
///
/// Errors, checked in this order: [`AmountError::NotANumber`] (grammar),
/// [`AmountError::TooManyDecimals`], [`AmountError::TooLarge`] (|value| > [`MAX_AMOUNT`]).
/// Zero and negative values are returned as they are: the sign rule belongs to the
/// target type ([`Money`] or [`SignedAmount`]).
pub fn parse_json_amount(raw: &str) -> Result<Decimal, AmountError> {
    let token = raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    if token.starts_with('"') {
        let content: String = serde_json::from_str(token).map_err(|_| AmountError::NotANumber)?;
        parse_amount_text(&content)
    } else {
        parse_amount_text(token)
    }
}

/// Reads plain amount text (no JSON quotes) with the strict JSON number grammar.
fn parse_amount_text(text: &str) -> Result<Decimal, AmountError> {
    let value = parse::parse_decimal(text, Syntax::Json)?;
    if value.abs() > MAX_AMOUNT {
        return Err(AmountError::TooLarge);
    }
    Ok(value)
}

/// Checks the decimal places and the magnitude of `value` and returns it with scale 2
/// (zero is returned without a sign).
fn canonical(value: Decimal, max: Decimal) -> Result<Decimal, ParseFailure> {
    let normal = value.normalize();
    if normal.scale() > MAX_FRACTION_DIGITS {
        return Err(ParseFailure::TooManyDecimals);
    }
    if normal.abs() > max {
        return Err(ParseFailure::TooLarge);
    }
    if normal.is_zero() {
        return Ok(ZERO_CENTS);
    }
    let mut scaled = normal;
    scaled.rescale(MAX_FRACTION_DIGITS);
    Ok(scaled)
}

/// A strictly positive amount of money: `0 < amount <= MAX_AMOUNT`, at most two
/// decimal places, always held with scale 2. Used by deposits, withdrawals and
/// transfers.
///
/// Serde: serialized as the two-decimal string (`"150.75"`); deserialized only from a
/// string, with the same strict grammar as [`FromStr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money(Decimal);

impl Money {
    /// Validates the raw JSON token of a request's `amount` field (see
    /// [`parse_json_amount`]) as a strictly positive amount.
    pub fn parse_json(raw: &str) -> Result<Self, AmountError> {
        parse_json_amount(raw).and_then(Self::try_from_decimal)
    }

    /// Validates an already exact decimal. Trailing zeros are not significant.
    pub fn try_from_decimal(value: Decimal) -> Result<Self, AmountError> {
        let value = canonical(value, MAX_AMOUNT)?;
        if value <= Decimal::ZERO {
            return Err(AmountError::NotPositive);
        }
        Ok(Self(value))
    }

    /// The exact value, with scale 2.
    pub const fn as_decimal(&self) -> Decimal {
        self.0
    }
}

impl FromStr for Money {
    type Err = AmountError;

    /// Parses plain text (`"150.75"`, `"1e2"`) with the strict JSON number grammar.
    fn from_str(text: &str) -> Result<Self, AmountError> {
        parse_amount_text(text).and_then(Self::try_from_decimal)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = AmountError;

    fn try_from(value: Decimal) -> Result<Self, AmountError> {
        Self::try_from_decimal(value)
    }
}

impl fmt::Display for Money {
    /// Always the exact two-decimal text; width and precision flags are ignored so the
    /// value can never be rounded by formatting.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl_string_serde!(Money, "a positive decimal string such as \"150.75\"");

/// A non-zero signed amount for admin adjustments: `0 < |amount| <= MAX_AMOUNT`, at
/// most two decimal places, always held with scale 2. Negative values debit.
///
/// Serde: the two-decimal string (`"-5.00"`), deserialized only from a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignedAmount(Decimal);

impl SignedAmount {
    /// Validates the raw JSON token of a request's `amount` field (see
    /// [`parse_json_amount`]) as a non-zero signed amount.
    pub fn parse_json(raw: &str) -> Result<Self, AmountError> {
        parse_json_amount(raw).and_then(Self::try_from_decimal)
    }

    /// Validates an already exact decimal. Trailing zeros are not significant.
    pub fn try_from_decimal(value: Decimal) -> Result<Self, AmountError> {
        let value = canonical(value, MAX_AMOUNT)?;
        if value.is_zero() {
            return Err(AmountError::Zero);
        }
        Ok(Self(value))
    }

    /// The exact signed value, with scale 2.
    pub const fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// True when the adjustment takes money out of the account.
    pub const fn is_negative(&self) -> bool {
        self.0.is_sign_negative()
    }

    /// The absolute value, which is always a valid [`Money`].
    pub fn magnitude(&self) -> Money {
        Money(self.0.abs())
    }
}

impl FromStr for SignedAmount {
    type Err = AmountError;

    /// Parses plain text (`"-5"`, `"12.50"`) with the strict JSON number grammar.
    fn from_str(text: &str) -> Result<Self, AmountError> {
        parse_amount_text(text).and_then(Self::try_from_decimal)
    }
}

impl TryFrom<Decimal> for SignedAmount {
    type Error = AmountError;

    fn try_from(value: Decimal) -> Result<Self, AmountError> {
        Self::try_from_decimal(value)
    }
}

impl From<Money> for SignedAmount {
    /// A positive adjustment of the same size.
    fn from(money: Money) -> Self {
        Self(money.0)
    }
}

impl fmt::Display for SignedAmount {
    /// Always the exact two-decimal text, with a leading `-` when negative.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl_string_serde!(SignedAmount, "a non-zero decimal string such as \"-5.00\"");

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;

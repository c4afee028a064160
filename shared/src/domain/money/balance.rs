//! [`Balance`]: the non-negative, bounded amount an account holds.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::parse::{self, ParseFailure, Syntax, ZERO_CENTS};
use super::{MAX_BALANCE, Money, SignedAmount, canonical};
use crate::domain::serde_str::impl_string_serde;

/// Why a value is not a valid balance. These describe stored or computed data, not
/// client input, so they indicate corrupt data or a bug when they surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BalanceError {
    /// The text is not a decimal number.
    #[error("balance must be a decimal number, such as 150.75")]
    NotANumber,
    /// A non-zero digit beyond the second decimal place.
    #[error("balance must have at most 2 decimal places")]
    TooManyDecimals,
    /// Below zero.
    #[error("balance must not be negative")]
    Negative,
    /// Above [`MAX_BALANCE`].
    #[error("balance must be at most 1000000000000000")]
    TooLarge,
}

impl From<ParseFailure> for BalanceError {
    fn from(failure: ParseFailure) -> Self {
        match failure {
            ParseFailure::Syntax => Self::NotANumber,
            ParseFailure::TooManyDecimals => Self::TooManyDecimals,
            ParseFailure::TooLarge => Self::TooLarge,
        }
    }
}

/// An account balance: `0 <= balance <= MAX_BALANCE`, at most two decimal places,
/// always held with scale 2.
///
/// Balances only change through the checked operations below, which refuse (return
/// `None`) rather than go negative or cross [`MAX_BALANCE`].
///
/// Serde: the two-decimal string (`"12345678901234.56"`), deserialized only from a
/// string. To read a DynamoDB `N` attribute, use [`FromStr`] on its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Balance(Decimal);

impl Balance {
    /// The empty balance, `0.00`.
    pub const ZERO: Self = Self(ZERO_CENTS);

    /// Validates an exact decimal as a balance. Trailing zeros are not significant.
    pub fn try_from_decimal(value: Decimal) -> Result<Self, BalanceError> {
        let value = canonical(value, MAX_BALANCE)?;
        if value.is_sign_negative() {
            return Err(BalanceError::Negative);
        }
        Ok(Self(value))
    }

    /// The exact value, with scale 2.
    pub const fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// The balance after receiving `amount`, or `None` when it would exceed
    /// [`MAX_BALANCE`].
    pub fn checked_credit(self, amount: Money) -> Option<Self> {
        let sum = self.0.checked_add(amount.as_decimal())?;
        Self::try_from_decimal(sum).ok()
    }

    /// The balance after paying out `amount`, or `None` when the funds are
    /// insufficient. Paying out the whole balance is allowed and leaves `0.00`.
    pub fn checked_debit(self, amount: Money) -> Option<Self> {
        let rest = self.0.checked_sub(amount.as_decimal())?;
        Self::try_from_decimal(rest).ok()
    }

    /// The balance after a signed adjustment, or `None` when a negative adjustment
    /// exceeds the funds or a positive one would exceed [`MAX_BALANCE`]
    /// ([`SignedAmount::is_negative`] tells which).
    pub fn checked_adjust(self, amount: SignedAmount) -> Option<Self> {
        if amount.is_negative() {
            self.checked_debit(amount.magnitude())
        } else {
            self.checked_credit(amount.magnitude())
        }
    }
}

impl Default for Balance {
    fn default() -> Self {
        Self::ZERO
    }
}

impl FromStr for Balance {
    type Err = BalanceError;

    /// Parses a stored number exactly, such as a DynamoDB `N` string: `"0"`, `"100"`,
    /// `"12345678901234.56"`, `"1E+2"`. The JSON number grammar applies, except that a
    /// leading `+` and leading zeros are tolerated. No `f64` is involved.
    fn from_str(text: &str) -> Result<Self, BalanceError> {
        let value = parse::parse_decimal(text, Syntax::Stored)?;
        Self::try_from_decimal(value)
    }
}

impl TryFrom<Decimal> for Balance {
    type Error = BalanceError;

    fn try_from(value: Decimal) -> Result<Self, BalanceError> {
        Self::try_from_decimal(value)
    }
}

impl fmt::Display for Balance {
    /// Always the exact two-decimal text; formatting flags are ignored.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl_string_serde!(Balance, "a non-negative decimal string such as \"150.75\"");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn balance(text: &str) -> Balance {
        text.parse().unwrap()
    }

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn dynamodb_number_strings_are_read_exactly() {
        for (text, expected) in [
            ("12345678901234.56", "12345678901234.56"),
            ("0", "0.00"),
            ("100", "100.00"),
            ("1E+2", "100.00"),
            ("1e2", "100.00"),
            ("+7.5", "7.50"),
            ("0.1", "0.10"),
            ("-0", "0.00"),
            ("1000000000000000", "1000000000000000.00"),
        ] {
            assert_eq!(balance(text).to_string(), expected, "input {text}");
        }
    }

    #[test]
    fn invalid_balance_texts_are_rejected_with_the_matching_error() {
        let parse = |t: &str| t.parse::<Balance>();
        assert_eq!(parse("abc"), Err(BalanceError::NotANumber));
        assert_eq!(parse(""), Err(BalanceError::NotANumber));
        assert_eq!(parse("-0.01"), Err(BalanceError::Negative));
        assert_eq!(parse("0.001"), Err(BalanceError::TooManyDecimals));
        assert_eq!(parse("1000000000000000.01"), Err(BalanceError::TooLarge));
        assert_eq!(parse("1e400"), Err(BalanceError::TooLarge));
    }

    #[test]
    fn balance_error_messages_are_clear() {
        assert_eq!(
            BalanceError::Negative.to_string(),
            "balance must not be negative"
        );
        assert_eq!(
            BalanceError::TooLarge.to_string(),
            format!("balance must be at most {MAX_BALANCE}")
        );
    }

    #[test]
    fn largest_balance_survives_display_and_serde_round_trips() {
        let original = balance("12345678901234.56");
        assert_eq!(balance(&original.to_string()), original);
        let json = serde_json::to_string(&original).unwrap();
        assert_eq!(json, "\"12345678901234.56\"");
        assert_eq!(serde_json::from_str::<Balance>(&json).unwrap(), original);
        assert!(serde_json::from_str::<Balance>("12.5").is_err());
        assert!(serde_json::from_str::<Balance>("\"-1\"").is_err());
    }

    #[test]
    fn decimals_with_trailing_zeros_become_scale_two() {
        let value = Balance::try_from_decimal(Decimal::new(1_500, 3)).unwrap();
        assert_eq!(value.as_decimal().scale(), 2);
        assert_eq!(value.to_string(), "1.50");
        assert_eq!(Balance::ZERO.to_string(), "0.00");
        assert_eq!(Balance::default(), Balance::ZERO);
    }

    #[test]
    fn exact_balance_debit_leaves_zero() {
        let after = balance("10.25").checked_debit(money("10.25")).unwrap();
        assert_eq!(after, Balance::ZERO);
        assert_eq!(after.to_string(), "0.00");
    }

    #[test]
    fn debit_beyond_funds_is_refused() {
        assert_eq!(balance("10.25").checked_debit(money("10.26")), None);
    }

    #[test]
    fn credit_up_to_the_limit_is_allowed_and_beyond_is_refused() {
        let almost = Balance::try_from_decimal(MAX_BALANCE - Decimal::ONE).unwrap();
        let full = almost.checked_credit(money("1")).unwrap();
        assert_eq!(full.as_decimal(), MAX_BALANCE);
        assert_eq!(full.checked_credit(money("0.01")), None);
    }

    #[test]
    fn adjustments_debit_or_credit_by_sign() {
        let start = balance("5");
        let minus = |t: &str| t.parse::<SignedAmount>().unwrap();
        assert_eq!(start.checked_adjust(minus("-5")), Some(Balance::ZERO));
        assert_eq!(start.checked_adjust(minus("-5.01")), None);
        assert_eq!(start.checked_adjust(minus("2.5")), Some(balance("7.5")));
    }
}

//! [`Currency`]: an ISO-4217-style currency code.

use std::fmt;
use std::str::FromStr;

use crate::domain::serde_str::impl_string_serde;

/// The currency of accounts opened without an explicit one: `USD`.
pub const DEFAULT_CURRENCY: Currency = Currency(*b"USD");

/// Why a currency code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("currency must be a 3-letter ISO 4217 code, such as USD")]
pub struct CurrencyError;

/// A currency code of exactly three ASCII letters, held in upper case (`usd` reads as
/// `USD`). The code's shape is checked, not its membership in the ISO 4217 list; every
/// currency is handled with two decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a code of exactly three ASCII letters, in any letter case.
    pub fn parse(text: &str) -> Result<Self, CurrencyError> {
        match text.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_alphabetic) => Ok(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(CurrencyError),
        }
    }

    /// The upper-case code, e.g. `USD`.
    pub fn as_str(&self) -> &str {
        // Construction guarantees three ASCII letters, which are valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl Default for Currency {
    fn default() -> Self {
        DEFAULT_CURRENCY
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;

    fn from_str(text: &str) -> Result<Self, CurrencyError> {
        Self::parse(text)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl_string_serde!(Currency, "a 3-letter currency code string");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn currency_codes_are_normalised_to_upper_case() {
        for text in ["usd", "USD", "Usd"] {
            assert_eq!(Currency::parse(text).unwrap().to_string(), "USD");
        }
        assert_eq!(Currency::parse("eur").unwrap().as_str(), "EUR");
        assert_eq!(DEFAULT_CURRENCY.as_str(), "USD");
        assert_eq!(Currency::default(), DEFAULT_CURRENCY);
    }

    #[test]
    fn malformed_currency_codes_are_rejected() {
        for text in ["", "US", "USDT", "U$D", "12A", " USD", "ÜSD", "ŪS"] {
            assert_eq!(Currency::parse(text), Err(CurrencyError), "{text}");
        }
        assert_eq!(
            CurrencyError.to_string(),
            "currency must be a 3-letter ISO 4217 code, such as USD"
        );
    }

    #[test]
    fn currency_serializes_as_its_code() {
        let eur = Currency::parse("eur").unwrap();
        assert_eq!(serde_json::to_string(&eur).unwrap(), "\"EUR\"");
        assert_eq!(serde_json::from_str::<Currency>("\"eur\"").unwrap(), eur);
        assert!(serde_json::from_str::<Currency>("\"euro\"").is_err());
    }
}

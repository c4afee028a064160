#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;

/// The canonical text of a whole number of cents.
fn canonical_text(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Checks the invariants every successfully parsed `Money` must satisfy.
fn assert_valid(money: Money) -> Result<(), TestCaseError> {
    let value = money.as_decimal();
    prop_assert!(value > Decimal::ZERO);
    prop_assert!(value <= MAX_AMOUNT);
    prop_assert_eq!(value.scale(), MAX_FRACTION_DIGITS);
    prop_assert_eq!(money.to_string().parse::<Money>().unwrap(), money);
    Ok(())
}

proptest! {
    #[test]
    fn every_whole_number_of_cents_parses_exactly_in_every_form(cents in 1_u64..=100_000_000_000) {
        let canonical = canonical_text(cents);
        let expected = Decimal::new(i64::try_from(cents).unwrap(), 2);
        for raw in [
            canonical.clone(),
            format!("\"{canonical}\""),
            format!("{cents}e-2"),
            format!("\"{cents}E-2\""),
            format!("{cents}000e-5"),
            format!("{canonical}000"),
        ] {
            let money = Money::parse_json(&raw).unwrap();
            prop_assert_eq!(money.as_decimal(), expected, "input {}", raw);
            prop_assert_eq!(money.to_string(), canonical.clone(), "input {}", raw);
        }
        prop_assert_eq!(canonical.parse::<Money>().unwrap().to_string(), canonical.clone());
        let negative = format!("-{canonical}");
        prop_assert_eq!(SignedAmount::parse_json(&negative).unwrap().to_string(), negative);
        let json = serde_json::to_string(&Money::parse_json(&canonical).unwrap()).unwrap();
        prop_assert_eq!(json, format!("\"{canonical}\""));
    }

    #[test]
    fn a_non_zero_third_decimal_is_always_rejected(
        units in 0_u64..=2_000_000_000,
        first_two in 0_u32..100,
        third in 1_u32..=9,
        tail in "[0-9]{0,5}",
        negative in any::<bool>(),
    ) {
        let sign = if negative { "-" } else { "" };
        let scaled = format!("{sign}{units}{first_two:02}{third}e-3");
        for raw in [format!("{sign}{units}.{first_two:02}{third}{tail}"), scaled] {
            let too_many = Some(AmountError::TooManyDecimals);
            prop_assert_eq!(Money::parse_json(&raw).err(), too_many, "input {}", &raw);
            prop_assert_eq!(SignedAmount::parse_json(&raw).err(), too_many, "input {}", &raw);
            let balance_error = Some(BalanceError::TooManyDecimals);
            prop_assert_eq!(raw.parse::<Balance>().err(), balance_error, "input {}", &raw);
        }
    }

    #[test]
    fn parse_json_never_panics_on_arbitrary_text(text in any::<String>()) {
        if let Ok(money) = Money::parse_json(&text) {
            assert_valid(money)?;
        }
        if let Ok(money) = Money::parse_json(&format!("\"{text}\"")) {
            assert_valid(money)?;
        }
        let _ = SignedAmount::parse_json(&text);
        let _ = text.parse::<Balance>();
    }

    #[test]
    fn parse_json_never_panics_on_number_like_text(text in "[-+0-9.eE]{0,40}") {
        for raw in [text.clone(), format!("\"{text}\"")] {
            if let Ok(money) = Money::parse_json(&raw) {
                assert_valid(money)?;
            }
            if let Ok(amount) = SignedAmount::parse_json(&raw) {
                prop_assert!(!amount.as_decimal().is_zero());
                prop_assert!(amount.as_decimal().abs() <= MAX_AMOUNT);
                prop_assert_eq!(amount.as_decimal().scale(), MAX_FRACTION_DIGITS);
            }
            if let Ok(balance) = raw.parse::<Balance>() {
                prop_assert!(balance.as_decimal() >= Decimal::ZERO);
                prop_assert!(balance.as_decimal() <= MAX_BALANCE);
            }
        }
    }

    #[test]
    fn balances_round_trip_through_text_and_serde(cents in 0_i64..=100_000_000_000_000_000) {
        let balance = Balance::try_from_decimal(Decimal::new(cents, 2)).unwrap();
        let text = balance.to_string();
        prop_assert_eq!(text.parse::<Balance>().unwrap(), balance);
        prop_assert_eq!(&text, &canonical_text(cents.unsigned_abs()));
        let json = serde_json::to_string(&balance).unwrap();
        prop_assert_eq!(serde_json::from_str::<Balance>(&json).unwrap(), balance);
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rust_decimal::Decimal;
use serde_json::value::RawValue;

use super::*;

fn money_json(raw: &str) -> Result<String, AmountError> {
    Money::parse_json(raw).map(|m| m.to_string())
}

#[test]
fn json_number_and_string_amounts_are_accepted_exactly() {
    for (raw, expected) in [
        ("150.75", "150.75"),
        ("\"150.75\"", "150.75"),
        ("1e2", "100.00"),
        ("\"1e2\"", "100.00"),
        ("1.5E+1", "15.00"),
        ("1.50", "1.50"),
        ("1.500", "1.50"),
        ("0.1", "0.10"),
        ("12.3e-1", "1.23"),
        ("100e-2", "1.00"),
        ("0.01", "0.01"),
        ("1000000000", "1000000000.00"),
        ("1e9", "1000000000.00"),
        (" 150.75\n", "150.75"),
        ("\"\\u0031\"", "1.00"),
    ] {
        assert_eq!(money_json(raw), Ok(expected.to_owned()), "input {raw}");
    }
}

#[test]
fn non_numbers_are_rejected_as_not_a_number() {
    for raw in [
        "true",
        "null",
        "{}",
        "[]",
        "\"abc\"",
        "\"NaN\"",
        "\"Infinity\"",
        "NaN",
        "\"1,000\"",
        "\" 1\"",
        "\"1 \"",
        "\"+1\"",
        "+1",
        "\"0x10\"",
        "\".5\"",
        ".5",
        "\"5.\"",
        "5.",
        "\"\"",
        "",
        "\"1.5",
        "01",
        "\"01\"",
        "1.5 2",
        "\"\\\"1\\\"\"",
    ] {
        assert_eq!(
            Money::parse_json(raw),
            Err(AmountError::NotANumber),
            "input {raw}"
        );
    }
}

#[test]
fn amount_with_three_decimals_is_rejected() {
    for raw in ["0.001", "1.005", "\"1.005\"", "1e-400", "0.0001e1"] {
        assert_eq!(
            Money::parse_json(raw),
            Err(AmountError::TooManyDecimals),
            "input {raw}"
        );
    }
}

#[test]
fn amounts_above_the_maximum_are_too_large() {
    let ten_thousand_digits = "9".repeat(10_000);
    for raw in [
        "1000000000.01",
        "1e400",
        "1e99999999999999999999",
        "\"1E400\"",
        ten_thousand_digits.as_str(),
    ] {
        assert_eq!(
            Money::parse_json(raw),
            Err(AmountError::TooLarge),
            "input {raw:.20}"
        );
    }
}

#[test]
fn zero_and_negative_amounts_are_not_positive() {
    for raw in ["0", "0.00", "-0", "0e99999", "-3", "\"-0.01\""] {
        assert_eq!(
            Money::parse_json(raw),
            Err(AmountError::NotPositive),
            "input {raw}"
        );
    }
}

#[test]
fn parse_json_amount_keeps_sign_and_zero_for_the_caller() {
    assert_eq!(parse_json_amount("-3").unwrap().to_string(), "-3.00");
    assert_eq!(parse_json_amount("0e99999").unwrap(), Decimal::ZERO);
    assert_eq!(
        parse_json_amount("-1000000000.01"),
        Err(AmountError::TooLarge)
    );
}

#[test]
fn amount_error_messages_name_the_field() {
    assert_eq!(
        AmountError::NotANumber.to_string(),
        "amount must be a number or a decimal string, such as 150.75"
    );
    assert_eq!(
        AmountError::TooManyDecimals.to_string(),
        "amount must have at most 2 decimal places"
    );
    assert_eq!(
        AmountError::NotPositive.to_string(),
        "amount must be greater than zero"
    );
    assert_eq!(AmountError::Zero.to_string(), "amount must not be zero");
    assert_eq!(
        AmountError::TooLarge.to_string(),
        format!("amount must be at most {MAX_AMOUNT}")
    );
}

#[test]
fn every_amount_error_code_is_prefixed_and_distinct() {
    let all = [
        AmountError::NotANumber,
        AmountError::TooManyDecimals,
        AmountError::NotPositive,
        AmountError::Zero,
        AmountError::TooLarge,
    ];
    let codes: std::collections::HashSet<_> = all.iter().map(AmountError::code).collect();
    assert_eq!(codes.len(), all.len());
    assert!(codes.iter().all(|code| code.starts_with("AMOUNT_")));
}

#[test]
fn from_str_reads_plain_text_only() {
    assert_eq!("150.75".parse::<Money>().unwrap().to_string(), "150.75");
    assert_eq!("\"150.75\"".parse::<Money>(), Err(AmountError::NotANumber));
    assert_eq!(" 1".parse::<Money>(), Err(AmountError::NotANumber));
}

#[test]
fn money_is_always_held_with_scale_two() {
    for raw in ["100", "0.1", "1.500", "1e2", "12.3e-1"] {
        assert_eq!(
            Money::parse_json(raw).unwrap().as_decimal().scale(),
            2,
            "input {raw}"
        );
    }
    let from_decimal = Money::try_from_decimal(Decimal::new(1_500, 3)).unwrap();
    assert_eq!(from_decimal.to_string(), "1.50");
    assert_eq!(from_decimal.as_decimal().scale(), 2);
}

#[test]
fn try_from_decimal_applies_the_same_rules() {
    let money = |m: i64, s: u32| Money::try_from_decimal(Decimal::new(m, s));
    assert_eq!(money(1_005, 3), Err(AmountError::TooManyDecimals));
    assert_eq!(money(0, 0), Err(AmountError::NotPositive));
    assert_eq!(money(-1, 2), Err(AmountError::NotPositive));
    assert_eq!(money(100_000_000_001, 2), Err(AmountError::TooLarge));
    assert_eq!(money(1, 2).unwrap().to_string(), "0.01");
    assert_eq!(
        Money::try_from(MAX_AMOUNT).unwrap().as_decimal(),
        MAX_AMOUNT
    );
}

#[test]
fn display_ignores_formatting_flags() {
    let money: Money = "150.75".parse().unwrap();
    assert_eq!(format!("{money:.0}"), "150.75");
    assert_eq!(format!("{money:>10}"), "150.75");
}

#[test]
fn money_serde_round_trips_as_an_exact_string() {
    let money: Money = "150.75".parse().unwrap();
    let json = serde_json::to_string(&money).unwrap();
    assert_eq!(json, "\"150.75\"");
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
    assert_eq!(
        serde_json::to_string(&Money::parse_json("1e2").unwrap()).unwrap(),
        "\"100.00\""
    );
}

#[test]
fn money_deserialization_refuses_numbers_and_explains_bad_strings() {
    assert!(serde_json::from_str::<Money>("150.75").is_err());
    let error = serde_json::from_str::<Money>("\"0.001\"").unwrap_err();
    assert!(
        error.to_string().contains("at most 2 decimal places"),
        "{error}"
    );
}

#[test]
fn signed_amounts_accept_negatives_and_reject_zero() {
    let debit = SignedAmount::parse_json("-5").unwrap();
    assert_eq!(debit.to_string(), "-5.00");
    assert!(debit.is_negative());
    assert_eq!(debit.magnitude().to_string(), "5.00");
    assert_eq!(
        SignedAmount::parse_json("\"12.5\"").unwrap().to_string(),
        "12.50"
    );
    assert_eq!(
        SignedAmount::parse_json("-1000000000").unwrap().to_string(),
        "-1000000000.00"
    );
    assert_eq!(SignedAmount::parse_json("0"), Err(AmountError::Zero));
    assert_eq!(SignedAmount::parse_json("-0.00"), Err(AmountError::Zero));
    assert_eq!(
        SignedAmount::parse_json("-1000000000.01"),
        Err(AmountError::TooLarge)
    );
    assert_eq!(
        SignedAmount::parse_json("-0.001"),
        Err(AmountError::TooManyDecimals)
    );
    assert_eq!(
        SignedAmount::parse_json("\"-\""),
        Err(AmountError::NotANumber)
    );
}

#[test]
fn signed_amount_serde_and_display_round_trip() {
    let value: SignedAmount = "-5".parse().unwrap();
    let json = serde_json::to_string(&value).unwrap();
    assert_eq!(json, "\"-5.00\"");
    assert_eq!(serde_json::from_str::<SignedAmount>(&json).unwrap(), value);
    assert_eq!(value.to_string().parse::<SignedAmount>().unwrap(), value);
    let credit = SignedAmount::from("3.25".parse::<Money>().unwrap());
    assert_eq!(credit.to_string(), "3.25");
}

#[derive(Debug, serde::Deserialize)]
struct Request {
    amount: Box<RawValue>,
}

#[test]
fn raw_json_value_tokens_parse_as_they_appear_in_the_request() {
    for (body, expected) in [
        (r#"{"amount": 150.75}"#, Ok("150.75")),
        (r#"{"amount":"150.75"}"#, Ok("150.75")),
        (r#"{"amount": 12345678.9}"#, Ok("12345678.90")),
        (
            r#"{"amount": 0.30000000000000004}"#,
            Err(AmountError::TooManyDecimals),
        ),
        (r#"{"amount": true}"#, Err(AmountError::NotANumber)),
        (r#"{"amount": [1]}"#, Err(AmountError::NotANumber)),
    ] {
        let request: Request = serde_json::from_str(body).unwrap();
        let parsed = Money::parse_json(request.amount.get()).map(|m| m.to_string());
        assert_eq!(parsed, expected.map(str::to_owned), "body {body}");
    }
}

#[test]
fn constants_have_their_documented_values() {
    assert_eq!(MAX_AMOUNT.to_string(), "1000000000");
    assert_eq!(MAX_BALANCE.to_string(), "1000000000000000");
    assert_eq!(MAX_FRACTION_DIGITS, 2);
}

//! Properties of the request parsing and validation path: arbitrary bytes and arbitrary
//! JSON never panic, and an accepted request never carries an invalid amount.

#![allow(clippy::unwrap_used)]

use lambda_http::{Body, Request};
use proptest::prelude::*;
use request_transaction::parse_request;
use rust_decimal::Decimal;
use shared::domain::{MAX_AMOUNT, TransactionKind};

fn request(body: Vec<u8>) -> Request {
    let mut request = Request::new(Body::Binary(body));
    request
        .headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    request
}

fn amount_is_valid(kind: &TransactionKind) -> bool {
    let (value, signed) = match kind {
        TransactionKind::Deposit { amount }
        | TransactionKind::Withdrawal { amount }
        | TransactionKind::Transfer { amount, .. } => (amount.as_decimal(), false),
        TransactionKind::Adjustment { amount } => (amount.as_decimal(), true),
        TransactionKind::Hold { amount }
        | TransactionKind::Capture { amount, .. }
        | TransactionKind::Void { amount, .. }
        | TransactionKind::Expiry { amount, .. }
        | TransactionKind::Reversal { amount, .. } => (amount.as_decimal(), false),
    };
    let in_range = value.abs() <= MAX_AMOUNT && value.normalize().scale() <= 2;
    in_range
        && if signed {
            !value.is_zero()
        } else {
            value > Decimal::ZERO
        }
}

/// JSON values of any shape, including numbers written in every JSON form.
fn json_value() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        "-?[0-9]{1,20}(\\.[0-9]{1,8})?([eE][+-]?[0-9]{1,4})?",
    ];
    let leaf = prop_oneof![
        number.clone(),
        number.prop_map(|n| format!("\"{n}\"")),
        Just("null".to_owned()),
        Just("true".to_owned()),
        "\"[a-zA-Z0-9 .,-]{0,12}\"",
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-zA-Z]{1,12}", inner), 0..4).prop_map(|fields| {
                let body: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_request(&request(body));
    }

    #[test]
    fn arbitrary_json_never_panics_and_never_accepts_an_invalid_amount(value in json_value()) {
        if let Ok(parsed) = parse_request(&request(value.into_bytes())) {
            prop_assert!(amount_is_valid(&parsed.kind));
        }
    }

    #[test]
    fn well_formed_requests_with_any_amount_text_accept_only_valid_amounts(
        amount in prop_oneof![
            "-?[0-9]{1,12}(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,3})?",
            "\"-?[0-9]{1,12}(\\.[0-9]{1,4})?\"",
            any::<f64>().prop_map(|f| f.to_string()),
        ],
        kind in prop_oneof![Just("DEPOSIT"), Just("WITHDRAWAL"), Just("ADJUSTMENT"), Just("adjustment")],
    ) {
        let body = format!(
            r#"{{"accountId":"0b7a6b1c-2f3e-4d5a-8b9c-0d1e2f3a4b5c","amount":{amount},"type":"{kind}"}}"#
        );
        match parse_request(&request(body.into_bytes())) {
            Ok(parsed) => prop_assert!(amount_is_valid(&parsed.kind), "{amount} accepted"),
            Err(error) => prop_assert_eq!(error.status().as_u16(), 400),
        }
    }
}

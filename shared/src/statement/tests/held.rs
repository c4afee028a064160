//! The amount on hold at the closing (v2): made only when it adds up, signed, and
//! checked, so that changing any of it is detected.

use proptest::prelude::*;

use super::tamper::{Case, SIGNATURE, check};
use super::*;
use crate::domain::Money;

fn cent_more(value: Balance) -> Balance {
    plus_cent(value)
}

#[test]
fn holds_more_than_the_closing_balance_or_badly_dated_are_never_made() {
    let over = make_holding(&["10.00"], vec![hold(1, "100.00", 2), hold(2, "10.01", 3)]);
    assert_eq!(
        over.map(|_| ()).map_err(|e| e.to_string()),
        Err("closingHeld is 110.01, more than closingBalance (110.00)".to_owned())
    );
    let all = make_holding(&["10.00"], vec![hold(1, "110.00", 2)]).unwrap();
    assert_eq!(all.closing_available, Some(Balance::ZERO));
    let mut undated = hold(7, "1.00", 2);
    undated.expires_at = "next week\nclosingHeld=0.00".to_owned();
    let made = make_holding(&[], vec![undated]);
    assert_eq!(
        made.map(|_| ()).map_err(|e| e.to_string()),
        Err("hold 1 (00000000-0000-0000-0000-000000000007): expiresAt \"next week\\nclosingHeld=0.00\" is not an RFC 3339 date-time".to_owned())
    );
    let none = make(&["1.00"]).unwrap();
    assert_eq!(
        (none.closing_held, none.closing_available, none.holds),
        (Some(Balance::ZERO), Some(balance("101.00")), Some(vec![]))
    );
    let json = serde_json::to_string(&genuine().0).unwrap();
    assert!(
        json.contains(r#""closingHeld":"25.50","closingAvailable":"114.00","holds":[{"transactionId":"00000000-0000-0000-0000-0000000000c9","amount":"20.00","expiresAt":"2026-12-05T10:00:00.000000Z"}"#),
        "{json}"
    );
}

#[test]
fn the_held_figures_are_signed_and_checked_so_changing_them_breaks_both() {
    check(&[
        Case {
            what: "closingHeld, one cent more",
            change: |s| s.closing_held = s.closing_held.map(cent_more),
            signed: true,
            problems: &[
                "closingHeld is 25.51, but the holds sum to 25.50",
                "closingAvailable is 114.00, but closingBalance minus closingHeld is 113.99",
            ],
        },
        Case {
            what: "closingHeld and closingAvailable moved together",
            change: |s| {
                s.closing_held = Some(balance("20.00"));
                s.closing_available = Some(balance("119.50"));
            },
            signed: true,
            problems: &["closingHeld is 20.00, but the holds sum to 25.50"],
        },
        Case {
            what: "closingHeld over the balance",
            change: |s| s.closing_held = Some(balance("150.00")),
            signed: true,
            problems: &[
                "closingHeld is 150.00, but the holds sum to 25.50",
                "closingHeld is 150.00, more than closingBalance (139.50)",
                "closingAvailable is 114.00, but closingBalance minus closingHeld is -10.50",
            ],
        },
        Case {
            what: "closingAvailable, one cent more",
            change: |s| s.closing_available = s.closing_available.map(cent_more),
            signed: true,
            problems: &[
                "closingAvailable is 114.01, but closingBalance minus closingHeld is 114.00",
            ],
        },
        Case {
            what: "closingHeld missing",
            change: |s| s.closing_held = None,
            signed: true,
            problems: &["closingHeld is missing (a bank-statement/v2 statement states it)"],
        },
        Case {
            what: "holds missing",
            change: |s| s.holds = None,
            signed: true,
            problems: &["holds is missing (a bank-statement/v2 statement states it)"],
        },
    ]);
}

#[test]
fn every_hold_is_signed_and_summed_so_changing_one_breaks_the_signature() {
    check(&[
        Case {
            what: "a hold's amount",
            change: |s| hold_mut(s, 0).amount = "20.01".parse().unwrap(),
            signed: true,
            problems: &["closingHeld is 25.50, but the holds sum to 25.51"],
        },
        Case {
            what: "a hold dropped",
            change: |s| drop(s.holds.as_mut().map(|h| h.remove(1))),
            signed: true,
            problems: &["closingHeld is 25.50, but the holds sum to 20.00"],
        },
        Case {
            what: "holds swapped",
            change: |s| s.holds.as_mut().unwrap().swap(0, 1),
            signed: true,
            problems: &[],
        },
        Case {
            what: "a hold's id",
            change: |s| hold_mut(s, 1).transaction_id = uuid::Uuid::from_u128(5).into(),
            signed: true,
            problems: &[],
        },
        Case {
            what: "a hold's expiresAt, one microsecond later",
            change: |s| hold_mut(s, 0).expires_at = "2026-12-05T10:00:00.000001Z".to_owned(),
            signed: true,
            problems: &[],
        },
        Case {
            what: "a hold's expiresAt, not a date",
            change: |s| hold_mut(s, 1).expires_at = "soon".to_owned(),
            signed: true,
            problems: &[
                "hold 2 (00000000-0000-0000-0000-0000000000ca): expiresAt \"soon\" is not an RFC 3339 date-time",
            ],
        },
    ]);
}

fn hold_mut(statement: &mut Statement, index: usize) -> &mut StatementHold {
    &mut statement.holds.as_mut().unwrap()[index]
}

/// `value` one cent up (or down, at the top of the range).
fn nudge(value: rust_decimal::Decimal, up: bool) -> rust_decimal::Decimal {
    let cent = rust_decimal::Decimal::new(if up { 1 } else { -1 }, 2);
    if value + cent > rust_decimal::Decimal::ZERO {
        value + cent
    } else {
        value - cent
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_change_to_the_held_figures_or_a_hold_is_detected(
        cents in prop::collection::vec(1i64..=2_000, 1..5),
        field in 0usize..7,
        pick in any::<prop::sample::Index>(),
        up in any::<bool>(),
    ) {
        let holds: Vec<StatementHold> = cents
            .iter()
            .enumerate()
            .map(|(i, c)| hold(300 + i as u128, &format!("{}.{:02}", c / 100, c % 100), 1 + i as u32))
            .collect();
        let mut statement = make_holding(&["500.00"], holds).unwrap();
        let bank = key(7);
        sign(&mut statement, &bank);
        let index = pick.index(cents.len());
        let list = statement.holds.as_mut().unwrap();
        let sums = match field {
            0 => {
                let held = statement.closing_held.unwrap().as_decimal();
                statement.closing_held = Some(Balance::try_from_decimal(nudge(held, up)).unwrap());
                true
            }
            1 => {
                let left = statement.closing_available.unwrap().as_decimal();
                statement.closing_available = Some(Balance::try_from_decimal(nudge(left, up)).unwrap());
                true
            }
            2 => {
                let amount = list[index].amount.as_decimal();
                list[index].amount = Money::try_from_decimal(nudge(amount, up)).unwrap();
                true
            }
            3 => {
                list[index].expires_at = format!("2026-12-{:02}T10:00:00.000001Z", 1 + index);
                false
            }
            4 => {
                list[index].transaction_id = uuid::Uuid::from_u128(9_999).into();
                false
            }
            5 => {
                list.remove(index);
                true
            }
            _ => {
                let copy = list[index].clone();
                list.push(copy);
                true
            }
        };
        let verification = verify(&statement, &public_der(&bank));
        prop_assert!(!verification.signature_valid);
        prop_assert_eq!(verification.problems.first().map(String::as_str), Some(SIGNATURE));
        prop_assert_eq!(verification.chain_valid, !sums, "{:?}", verification.problems);
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn signed(text: &str) -> SignedAmount {
    text.parse().unwrap()
}

#[test]
fn transfer_to_the_same_account_is_refused() {
    let account = AccountId::new_random();
    let error = TransactionKind::transfer(&account, account, money("1")).unwrap_err();
    assert_eq!(error, KindError::SameAccount);
    assert_eq!(error.to_string(), "toAccountId must differ from accountId");
}

#[test]
fn transfer_between_distinct_accounts_is_built() {
    let (from, to) = (AccountId::new_random(), AccountId::new_random());
    let kind = TransactionKind::transfer(&from, to, money("2.5")).unwrap();
    assert_eq!(
        kind,
        TransactionKind::Transfer {
            amount: money("2.50"),
            to
        }
    );
    assert_eq!(kind.transaction_type(), TransactionType::Transfer);
    assert_eq!(kind.destination(), Some(to));
    assert_eq!(kind.amount_text(), "2.50");
}

#[test]
fn request_parts_build_the_matching_kind() {
    let (from, to) = (AccountId::new_random(), AccountId::new_random());
    let build = |t, raw, to| TransactionKind::from_request(t, raw, &from, to);
    assert_eq!(
        build(TransactionType::Deposit, "\"150.75\"", None),
        Ok(TransactionKind::Deposit {
            amount: money("150.75")
        })
    );
    assert_eq!(
        build(TransactionType::Withdrawal, "1e2", None),
        Ok(TransactionKind::Withdrawal {
            amount: money("100")
        })
    );
    assert_eq!(
        build(TransactionType::Adjustment, "-5", None),
        Ok(TransactionKind::Adjustment {
            amount: signed("-5")
        })
    );
    assert_eq!(
        build(TransactionType::Transfer, "3", Some(to)),
        Ok(TransactionKind::Transfer {
            amount: money("3"),
            to
        })
    );
}

#[test]
fn request_parts_with_wrong_destination_or_amount_are_refused() {
    let from = AccountId::new_random();
    let other = AccountId::new_random();
    let build = |t, raw, to| TransactionKind::from_request(t, raw, &from, to);
    assert_eq!(
        build(TransactionType::Transfer, "3", None),
        Err(KindError::MissingDestination)
    );
    assert_eq!(
        build(TransactionType::Deposit, "3", Some(other)),
        Err(KindError::UnexpectedDestination)
    );
    assert_eq!(
        build(TransactionType::Transfer, "3", Some(from)),
        Err(KindError::SameAccount)
    );
    assert_eq!(
        build(TransactionType::Deposit, "-3", None),
        Err(KindError::Amount(AmountError::NotPositive))
    );
    assert_eq!(
        build(TransactionType::Adjustment, "0", None),
        Err(KindError::Amount(AmountError::Zero))
    );
    let error = build(TransactionType::Withdrawal, "1.005", None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "amount must have at most 2 decimal places"
    );
    assert_eq!(
        KindError::MissingDestination.to_string(),
        "toAccountId is required for TRANSFER"
    );
}

#[test]
fn amount_text_is_exact_for_every_kind() {
    assert_eq!(
        TransactionKind::Deposit {
            amount: money("0.1")
        }
        .amount_text(),
        "0.10"
    );
    assert_eq!(
        TransactionKind::Withdrawal {
            amount: money("100")
        }
        .amount_text(),
        "100.00"
    );
    assert_eq!(
        TransactionKind::Adjustment {
            amount: signed("-5")
        }
        .amount_text(),
        "-5.00"
    );
}

#[test]
fn signed_effects_follow_the_direction_of_each_kind() {
    let to = AccountId::new_random();
    let a = money("10.25");
    let cases = [
        (TransactionKind::Deposit { amount: a }, "10.25", "0"),
        (TransactionKind::Withdrawal { amount: a }, "-10.25", "0"),
        (
            TransactionKind::Transfer { amount: a, to },
            "-10.25",
            "10.25",
        ),
        (
            TransactionKind::Adjustment {
                amount: signed("-3.5"),
            },
            "-3.50",
            "0",
        ),
        (
            TransactionKind::Adjustment {
                amount: signed("3.5"),
            },
            "3.50",
            "0",
        ),
    ];
    for (kind, source, destination) in cases {
        let expect = |t: &str| t.parse::<Decimal>().unwrap();
        assert_eq!(
            signed_effect(&kind, Role::Source),
            expect(source),
            "{kind:?}"
        );
        assert_eq!(
            signed_effect(&kind, Role::Destination),
            expect(destination),
            "{kind:?}"
        );
    }
}

#[test]
fn transfer_effects_cancel_out() {
    let kind = TransactionKind::Transfer {
        amount: money("999999999.99"),
        to: AccountId::new_random(),
    };
    let total = signed_effect(&kind, Role::Source) + signed_effect(&kind, Role::Destination);
    assert_eq!(total, Decimal::ZERO);
}

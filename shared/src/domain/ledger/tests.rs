#![allow(clippy::unwrap_used, clippy::expect_used)]

use rust_decimal::Decimal;

use super::*;
use crate::domain::ids::AccountId;
use crate::domain::money::{MAX_BALANCE, SignedAmount};
use crate::domain::transaction::DEFAULT_CURRENCY;

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn balance(text: &str) -> Balance {
    text.parse().unwrap()
}

fn account(status: AccountStatus, currency: &str, amount: &str) -> AccountState {
    AccountState {
        status,
        currency: Currency::parse(currency).unwrap(),
        balance: balance(amount),
        held: Balance::ZERO,
    }
}

fn open(amount: &str) -> AccountState {
    account(AccountStatus::Open, "USD", amount)
}

fn usd() -> Currency {
    DEFAULT_CURRENCY
}

fn deposit(amount: &str) -> TransactionKind {
    TransactionKind::Deposit {
        amount: money(amount),
    }
}

fn withdrawal(amount: &str) -> TransactionKind {
    TransactionKind::Withdrawal {
        amount: money(amount),
    }
}

fn adjustment(amount: &str) -> TransactionKind {
    TransactionKind::Adjustment {
        amount: amount.parse::<SignedAmount>().unwrap(),
    }
}

fn transfer(amount: &str) -> TransactionKind {
    TransactionKind::Transfer {
        amount: money(amount),
        to: AccountId::new_random(),
    }
}

fn single(source_after: &str) -> Outcome {
    Outcome::Applied {
        source_after: balance(source_after),
        held_after: Balance::ZERO,
        destination_after: None,
    }
}

fn rejected(reason: RejectionReason) -> Outcome {
    Outcome::Rejected(reason)
}

fn near_limit() -> AccountState {
    AccountState {
        balance: Balance::try_from_decimal(MAX_BALANCE - Decimal::ONE).unwrap(),
        ..open("0")
    }
}

#[test]
fn deposit_credits_the_source() {
    assert_eq!(
        apply(&deposit("150.75"), &usd(), Some(&open("0.25")), None),
        single("151.00")
    );
}

#[test]
fn missing_source_is_account_not_found() {
    for kind in [
        deposit("1"),
        withdrawal("1"),
        adjustment("1"),
        transfer("1"),
    ] {
        let outcome = apply(&kind, &usd(), None, Some(&open("0")));
        assert_eq!(
            outcome,
            rejected(RejectionReason::AccountNotFound),
            "{kind:?}"
        );
    }
}

#[test]
fn frozen_or_closed_source_is_account_not_open() {
    for status in [AccountStatus::Frozen, AccountStatus::Closed] {
        let source = account(status, "USD", "100");
        for kind in [
            deposit("1"),
            withdrawal("1"),
            adjustment("-1"),
            transfer("1"),
        ] {
            let outcome = apply(&kind, &usd(), Some(&source), Some(&open("0")));
            assert_eq!(
                outcome,
                rejected(RejectionReason::AccountNotOpen),
                "{kind:?}"
            );
        }
    }
}

#[test]
fn source_in_another_currency_is_currency_mismatch() {
    let source = account(AccountStatus::Open, "EUR", "100");
    let outcome = apply(&deposit("1"), &usd(), Some(&source), None);
    assert_eq!(outcome, rejected(RejectionReason::CurrencyMismatch));
}

#[test]
fn exact_balance_withdrawal_leaves_zero() {
    let outcome = apply(&withdrawal("10.25"), &usd(), Some(&open("10.25")), None);
    assert_eq!(outcome, single("0"));
    let Outcome::Applied { source_after, .. } = outcome else {
        panic!("not applied")
    };
    assert_eq!(source_after.to_string(), "0.00");
}

#[test]
fn withdrawal_above_the_balance_is_insufficient_funds() {
    let outcome = apply(&withdrawal("10.26"), &usd(), Some(&open("10.25")), None);
    assert_eq!(outcome, rejected(RejectionReason::InsufficientFunds));
}

#[test]
fn adjustment_below_zero_is_rejected() {
    let outcome = apply(&adjustment("-10.26"), &usd(), Some(&open("10.25")), None);
    assert_eq!(outcome, rejected(RejectionReason::InsufficientFunds));
}

#[test]
fn adjustments_apply_their_signed_value() {
    assert_eq!(
        apply(&adjustment("-10.25"), &usd(), Some(&open("10.25")), None),
        single("0")
    );
    assert_eq!(
        apply(&adjustment("2.5"), &usd(), Some(&open("1")), None),
        single("3.50")
    );
}

#[test]
fn credits_beyond_the_maximum_balance_are_rejected() {
    let full = near_limit();
    for kind in [deposit("1.01"), adjustment("1.01")] {
        let outcome = apply(&kind, &usd(), Some(&full), None);
        assert_eq!(
            outcome,
            rejected(RejectionReason::BalanceLimitExceeded),
            "{kind:?}"
        );
    }
    let to_the_limit = apply(&deposit("1"), &usd(), Some(&full), None);
    assert_eq!(
        to_the_limit,
        Outcome::Applied {
            source_after: Balance::try_from_decimal(MAX_BALANCE).unwrap(),
            held_after: Balance::ZERO,
            destination_after: None,
        }
    );
}

#[test]
fn transfer_moves_the_amount_between_both_accounts() {
    let outcome = apply(
        &transfer("40.10"),
        &usd(),
        Some(&open("100")),
        Some(&open("0.90")),
    );
    assert_eq!(
        outcome,
        Outcome::Applied {
            source_after: balance("59.90"),
            held_after: Balance::ZERO,
            destination_after: Some(balance("41.00")),
        }
    );
    assert_eq!(outcome.status(), TransactionStatus::Completed);
    assert_eq!(outcome.rejection(), None);
}

#[test]
fn transfer_to_an_unusable_destination_applies_nothing() {
    let cases = [
        (None, RejectionReason::AccountNotFound),
        (
            Some(account(AccountStatus::Frozen, "USD", "0")),
            RejectionReason::AccountNotOpen,
        ),
        (
            Some(account(AccountStatus::Closed, "USD", "0")),
            RejectionReason::AccountNotOpen,
        ),
        (
            Some(account(AccountStatus::Open, "EUR", "0")),
            RejectionReason::CurrencyMismatch,
        ),
        (Some(near_limit()), RejectionReason::BalanceLimitExceeded),
    ];
    for (destination, reason) in cases {
        let outcome = apply(
            &transfer("50"),
            &usd(),
            Some(&open("100")),
            destination.as_ref(),
        );
        assert_eq!(outcome, rejected(reason), "{destination:?}");
        assert_eq!(outcome.status(), TransactionStatus::Rejected);
    }
}

#[test]
fn transfer_above_the_source_balance_is_insufficient_funds() {
    let outcome = apply(
        &transfer("100.01"),
        &usd(),
        Some(&open("100")),
        Some(&open("0")),
    );
    assert_eq!(outcome, rejected(RejectionReason::InsufficientFunds));
}

#[test]
fn account_checks_come_before_funds_checks() {
    let frozen = account(AccountStatus::Frozen, "USD", "0");
    let other = account(AccountStatus::Open, "EUR", "0");
    let source_first = apply(&transfer("500"), &usd(), Some(&other), None);
    assert_eq!(source_first, rejected(RejectionReason::CurrencyMismatch));
    let destination_before_funds = apply(&transfer("500"), &usd(), Some(&open("1")), Some(&frozen));
    assert_eq!(
        destination_before_funds,
        rejected(RejectionReason::AccountNotOpen)
    );
    let status_before_currency = apply(
        &deposit("1"),
        &usd(),
        Some(&account(AccountStatus::Closed, "EUR", "0")),
        None,
    );
    assert_eq!(
        status_before_currency,
        rejected(RejectionReason::AccountNotOpen)
    );
}

#[test]
fn non_transfers_ignore_the_destination() {
    let frozen = account(AccountStatus::Frozen, "EUR", "0");
    let outcome = apply(&deposit("1"), &usd(), Some(&open("0")), Some(&frozen));
    assert_eq!(outcome, single("1"));
}

#[test]
fn transactions_in_another_currency_than_usd_work_alike() {
    let eur = Currency::parse("EUR").unwrap();
    let source = account(AccountStatus::Open, "eur", "10");
    let destination = account(AccountStatus::Open, "EUR", "0");
    let outcome = apply(&transfer("10"), &eur, Some(&source), Some(&destination));
    assert_eq!(
        outcome,
        Outcome::Applied {
            source_after: Balance::ZERO,
            held_after: Balance::ZERO,
            destination_after: Some(balance("10")),
        }
    );
    let usd_destination = apply(&transfer("1"), &eur, Some(&source), Some(&open("0")));
    assert_eq!(usd_destination, rejected(RejectionReason::CurrencyMismatch));
}

#[test]
fn funds_are_checked_before_the_destination_limit() {
    let outcome = apply(
        &transfer("2"),
        &usd(),
        Some(&open("1")),
        Some(&near_limit()),
    );
    assert_eq!(outcome, rejected(RejectionReason::InsufficientFunds));
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Planning holds, captures, voids, expiries and reversals: decided against the
//! transaction each acts on as read with the chunk, never two on one transaction in a
//! chunk.

use std::collections::HashMap;

use super::*;
use crate::domain::{Direction, Money, RejectionReason, TransactionId, TransactionStatus};
use crate::settle::testing::pending;

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn now() -> Timestamp {
    Timestamp::parse("2026-11-25T09:21:00.000000Z").unwrap()
}

fn account(balance: &str, held: &str) -> Account {
    let mut account = Account::open(
        &crate::domain::UserId::new("owner"),
        "Test",
        crate::domain::DEFAULT_CURRENCY,
        &Timestamp::parse("2026-11-01T00:00:00.000000Z").unwrap(),
    );
    account.balance = balance.parse().unwrap();
    account.held = held.parse().unwrap();
    account.version = 3;
    account
}

/// A hold of `amount` on `account`, in `status`, expiring at `expires`.
fn hold(
    account: AccountId,
    amount: &str,
    status: TransactionStatus,
    expires: &str,
) -> TransactionRecord {
    let mut hold = pending(
        account,
        TransactionKind::Hold {
            amount: money(amount),
        },
        "2026-11-20T00:00:00Z",
    );
    hold.status = status;
    hold.expires_at = Some(Timestamp::parse(expires).unwrap());
    hold
}

fn acting(account: AccountId, kind: TransactionKind, on: &TransactionRecord) -> TransactionRecord {
    let mut record = pending(account, kind, "2026-11-25T09:00:00Z");
    record.link_key = Some(on.table_key());
    record
}

fn linked(records: &[&TransactionRecord]) -> HashMap<TransactionId, TransactionRecord> {
    records
        .iter()
        .map(|r| (r.transaction_id, (*r).clone()))
        .collect()
}

#[test]
fn a_capture_debits_its_amount_releases_the_whole_hold_and_ends_it() {
    let a = account("100.00", "60.00");
    let held = hold(
        a.account_id,
        "60.00",
        TransactionStatus::Active,
        "2026-12-01T00:00:00Z",
    );
    let capture = acting(
        a.account_id,
        TransactionKind::Capture {
            amount: money("25.50"),
            hold: held.transaction_id,
        },
        &held,
    );
    let accounts = HashMap::from([(a.account_id, a.clone())]);
    let plan = plan_linked(&[&capture], &accounts, &linked(&[&held]), &now());
    assert_eq!(
        plan.outcomes[0],
        Outcome::Applied {
            source_after: "74.50".parse().unwrap(),
            held_after: Balance::ZERO,
            destination_after: None,
        }
    );
    assert_eq!(plan.held_after.get(&a.account_id), Some(&Balance::ZERO));
    assert_eq!(
        plan.links[0],
        Some(LinkWrite::EndHold {
            key: held.table_key(),
            status: TransactionStatus::Captured,
            by: capture.transaction_id,
            captured: Some(money("25.50")),
        })
    );
    assert_eq!(plan.held[0], [Some(Balance::ZERO), None]);
    assert!(plan.entries[0].source.is_some(), "a capture posts an entry");
}

#[test]
fn a_hold_that_ended_or_expired_or_is_missing_rejects_and_writes_nothing_on_it() {
    let a = account("100.00", "60.00");
    let ended = hold(
        a.account_id,
        "60.00",
        TransactionStatus::Voided,
        "2026-12-01T00:00:00Z",
    );
    let expired = hold(
        a.account_id,
        "60.00",
        TransactionStatus::Active,
        "2026-11-25T09:20:59Z",
    );
    let capture = |on: &TransactionRecord| {
        acting(
            a.account_id,
            TransactionKind::Capture {
                amount: money("1.00"),
                hold: on.transaction_id,
            },
            on,
        )
    };
    let accounts = HashMap::from([(a.account_id, a.clone())]);
    let cases = [
        (capture(&ended), RejectionReason::HoldNotActive),
        (capture(&expired), RejectionReason::HoldExpired),
    ];
    for (record, reason) in cases {
        let plan = plan_linked(&[&record], &accounts, &linked(&[&ended, &expired]), &now());
        assert_eq!(plan.outcomes[0], Outcome::Rejected(reason));
        assert_eq!(plan.links[0], None);
        assert!(plan.written.is_empty());
    }
    let unknown = capture(&hold(
        a.account_id,
        "1.00",
        TransactionStatus::Active,
        "2026-12-01T00:00:00Z",
    ));
    let plan = plan_linked(&[&unknown], &accounts, &HashMap::new(), &now());
    assert_eq!(
        plan.outcomes[0],
        Outcome::Rejected(RejectionReason::HoldNotActive)
    );
    // Another account's hold is not this account's to capture.
    let b = account("100.00", "0.00");
    let theirs = hold(
        b.account_id,
        "5.00",
        TransactionStatus::Active,
        "2026-12-01T00:00:00Z",
    );
    let stolen = capture(&theirs);
    let plan = plan_linked(&[&stolen], &accounts, &linked(&[&theirs]), &now());
    assert_eq!(
        plan.outcomes[0],
        Outcome::Rejected(RejectionReason::HoldNotActive)
    );
}

#[test]
fn an_expiry_releases_only_after_expires_at_and_a_void_any_time_even_frozen() {
    let mut a = account("10.00", "10.00");
    a.status = crate::domain::AccountStatus::Frozen;
    let due = hold(
        a.account_id,
        "10.00",
        TransactionStatus::Active,
        "2026-11-25T09:20:00Z",
    );
    let later = hold(
        a.account_id,
        "10.00",
        TransactionStatus::Active,
        "2026-11-26T00:00:00Z",
    );
    let accounts = HashMap::from([(a.account_id, a.clone())]);
    let expiry = |on: &TransactionRecord| {
        acting(
            a.account_id,
            TransactionKind::Expiry {
                amount: money("10.00"),
                hold: on.transaction_id,
            },
            on,
        )
    };
    let all = linked(&[&due, &later]);
    let plan = plan_linked(&[&expiry(&later)], &accounts, &all, &now());
    assert_eq!(
        plan.outcomes[0],
        Outcome::Rejected(RejectionReason::HoldNotExpired)
    );
    let plan = plan_linked(&[&expiry(&due)], &accounts, &all, &now());
    assert!(
        matches!(plan.outcomes[0], Outcome::Applied { held_after, .. } if held_after == Balance::ZERO)
    );
    assert_eq!(plan.entries[0].source, None, "releasing posts nothing");
    assert_eq!(
        plan.versions[0].source,
        Some(4),
        "but it is a change of the account"
    );
    let void = acting(
        a.account_id,
        TransactionKind::Void {
            amount: money("10.00"),
            hold: later.transaction_id,
        },
        &later,
    );
    let plan = plan_linked(&[&void], &accounts, &all, &now());
    assert!(
        matches!(plan.outcomes[0], Outcome::Applied { .. }),
        "{:?}",
        plan.outcomes
    );
    // A frozen account pays nothing out: a capture is refused.
    let capture = acting(
        a.account_id,
        TransactionKind::Capture {
            amount: money("1.00"),
            hold: later.transaction_id,
        },
        &later,
    );
    let plan = plan_linked(&[&capture], &accounts, &all, &now());
    assert_eq!(
        plan.outcomes[0],
        Outcome::Rejected(RejectionReason::AccountNotOpen)
    );
}

#[test]
fn reversals_count_against_what_is_left_of_the_original() {
    let a = account("100.00", "0.00");
    let mut deposit = pending(
        a.account_id,
        TransactionKind::Deposit {
            amount: money("50.00"),
        },
        "2026-11-20T00:00:00Z",
    );
    deposit.status = TransactionStatus::Completed;
    deposit.reversed_amount = Some(money("30.00"));
    let reversal = |amount: &str| {
        acting(
            a.account_id,
            TransactionKind::Reversal {
                amount: money(amount),
                of: deposit.transaction_id,
                direction: Direction::Debit,
            },
            &deposit,
        )
    };
    let accounts = HashMap::from([(a.account_id, a.clone())]);
    let originals = linked(&[&deposit]);
    let plan = plan_linked(&[&reversal("20.01")], &accounts, &originals, &now());
    assert_eq!(
        plan.outcomes[0],
        Outcome::Rejected(RejectionReason::ReversalExceedsOriginal)
    );
    let plan = plan_linked(&[&reversal("20.00")], &accounts, &originals, &now());
    assert_eq!(plan.written, vec![(a.account_id, "80.00".parse().unwrap())]);
    assert_eq!(
        plan.links[0],
        Some(LinkWrite::Reversed {
            key: deposit.table_key(),
            before: Some(money("30.00")),
            after: money("50.00"),
        })
    );
    // Only a COMPLETED original can be reversed.
    let mut pending_original = deposit.clone();
    pending_original.status = TransactionStatus::Pending;
    let plan = plan_linked(
        &[&reversal("1.00")],
        &accounts,
        &linked(&[&pending_original]),
        &now(),
    );
    assert_eq!(
        plan.outcomes[0],
        Outcome::Rejected(RejectionReason::ReversalExceedsOriginal)
    );
}

#[test]
fn a_chunk_never_holds_a_transaction_and_one_acting_on_it_nor_two_acting_on_one() {
    let a = account("100.00", "0.00");
    let held = pending(
        a.account_id,
        TransactionKind::Hold {
            amount: money("10.00"),
        },
        "2026-11-25T08:00:00Z",
    );
    let capture = acting(
        a.account_id,
        TransactionKind::Capture {
            amount: money("10.00"),
            hold: held.transaction_id,
        },
        &held,
    );
    let void = acting(
        a.account_id,
        TransactionKind::Void {
            amount: money("10.00"),
            hold: held.transaction_id,
        },
        &held,
    );
    let deposit = pending(
        a.account_id,
        TransactionKind::Deposit {
            amount: money("1.00"),
        },
        "2026-11-25T10:00:00Z",
    );
    let records = [&held, &capture, &void, &deposit];
    assert_eq!(chunk_end(&records, 0), 1, "the hold, then what acts on it");
    assert_eq!(chunk_end(&records, 1), 2, "one capture or void per chunk");
    assert_eq!(
        chunk_end(&records, 2),
        4,
        "the void and an unrelated deposit"
    );
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::domain::RejectionReason;
use crate::domain::{Money, TransactionKind};

fn deposit(account: AccountId, created_at: &str) -> TransactionRecord {
    let amount: Money = "1.00".parse().unwrap();
    crate::settle::testing::pending(account, TransactionKind::Deposit { amount }, created_at)
}

#[test]
fn work_is_decided_in_acceptance_order_whatever_the_delivery_order() {
    let account = AccountId::new_random();
    let late = deposit(account, "2026-11-30T10:00:02.000000Z");
    let early = deposit(account, "2026-11-30T10:00:01.000000Z");
    let mut work = Work::new(std::slice::from_ref(&late));
    work.add(vec![early.clone()]);
    let order: Vec<&str> = work
        .open_records()
        .iter()
        .map(|r| r.created_at.as_str())
        .collect();
    assert_eq!(order, [early.created_at.as_str(), late.created_at.as_str()]);
}

#[test]
fn outcomes_come_back_in_input_order_and_predecessors_are_counted_apart() {
    let account = AccountId::new_random();
    let second = deposit(account, "2026-11-30T10:00:02.000000Z");
    let first = deposit(account, "2026-11-30T10:00:01.000000Z");
    let helper = deposit(account, "2026-11-30T10:00:00.000000Z");
    let mut work = Work::new(&[second, first.clone()]);
    work.add(vec![helper, first]);
    assert_eq!(
        work.entries.len(),
        3,
        "a predecessor already in the input is not added twice"
    );
    for (i, entry) in work.entries.iter_mut().enumerate() {
        entry.outcome = Some(if i == 0 {
            Applied::Completed
        } else {
            Applied::Rejected(RejectionReason::InsufficientFunds)
        });
    }
    assert_eq!(work.helped(), 1);
    let outcomes = work.into_outcomes(2);
    assert_eq!(
        outcomes,
        vec![Some(Applied::Rejected(RejectionReason::InsufficientFunds)); 2]
    );
}

#[test]
fn a_delivered_twice_transaction_is_one_entry_answering_both_positions() {
    let record = deposit(AccountId::new_random(), "2026-11-30T10:00:00.000000Z");
    let mut work = Work::new(&[record.clone(), record]);
    assert_eq!(work.entries.len(), 1);
    work.entries[0].outcome = Some(Applied::Completed);
    assert_eq!(work.into_outcomes(2), vec![Some(Applied::Completed); 2]);
}

#[test]
fn transactions_behind_too_many_predecessors_wait() {
    let account = AccountId::new_random();
    let other = AccountId::new_random();
    let early = deposit(account, "2026-11-30T10:00:00.000000Z");
    let late = deposit(account, "2026-11-30T10:00:05.000000Z");
    let elsewhere = deposit(other, "2026-11-30T10:00:05.000000Z");
    let mut work = Work::new(&[early, late, elsewhere]);
    work.hold(&HashMap::from([(
        account,
        crate::clock::Timestamp::parse("2026-11-30T10:00:01.000000Z")
            .unwrap_or_else(|e| panic!("{e}")),
    )]));
    let open: Vec<&str> = work
        .open_records()
        .iter()
        .map(|r| r.created_at.as_str())
        .collect();
    assert_eq!(
        open,
        ["2026-11-30T10:00:00.000000Z", "2026-11-30T10:00:05.000000Z"]
    );
    assert!(
        work.open_records()
            .iter()
            .all(|r| r.account_id != account || r.created_at.starts_with("2026-11-30T10:00:00"))
    );
}

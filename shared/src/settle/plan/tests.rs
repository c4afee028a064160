#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::domain::{
    AccountStatus, DEFAULT_CURRENCY, Money, RejectionReason, SignedAmount, TransactionKind,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;

fn account(balance: &str) -> Account {
    let mut account = Account::open(
        &crate::domain::UserId::new("owner"),
        "test",
        DEFAULT_CURRENCY,
        &crate::clock::Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or_else(|e| panic!("{e}")),
    );
    account.balance = balance.parse().unwrap();
    account.version = 7;
    account
}

fn record(account: AccountId, kind: TransactionKind) -> TransactionRecord {
    crate::settle::testing::pending(account, kind, "2026-01-01T00:00:00Z")
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn deposit(account: AccountId, amount: &str) -> TransactionRecord {
    record(
        account,
        TransactionKind::Deposit {
            amount: money(amount),
        },
    )
}

fn withdrawal(account: AccountId, amount: &str) -> TransactionRecord {
    record(
        account,
        TransactionKind::Withdrawal {
            amount: money(amount),
        },
    )
}

fn transfer(from: AccountId, to: AccountId, amount: &str) -> TransactionRecord {
    record(
        from,
        TransactionKind::transfer(&from, to, money(amount)).unwrap(),
    )
}

fn now() -> crate::clock::Timestamp {
    crate::clock::Timestamp::parse("2026-02-01T00:00:00.000000Z").unwrap()
}

fn map(accounts: &[&Account]) -> HashMap<AccountId, Account> {
    accounts
        .iter()
        .map(|a| (a.account_id, (*a).clone()))
        .collect()
}

#[test]
fn each_transaction_sees_the_balance_the_earlier_ones_left() {
    let a = account("100.00");
    let chunk = [
        withdrawal(a.account_id, "60"),
        withdrawal(a.account_id, "60"),
        deposit(a.account_id, "30"),
        withdrawal(a.account_id, "60"),
    ];
    let plan = plan(&chunk, &map(&[&a]), &now());
    assert!(matches!(plan.outcomes[0], Outcome::Applied { .. }));
    assert_eq!(
        plan.outcomes[1],
        Outcome::Rejected(RejectionReason::InsufficientFunds)
    );
    assert!(matches!(plan.outcomes[2], Outcome::Applied { .. }));
    assert_eq!(
        plan.outcomes[3],
        Outcome::Applied {
            source_after: "10.00".parse().unwrap(),
            held_after: Balance::ZERO,
            destination_after: None
        }
    );
    assert_eq!(plan.written, vec![(a.account_id, "10.00".parse().unwrap())]);
}

#[test]
fn transfers_move_money_within_the_chunk_and_a_missing_account_rejects() {
    let a = account("50");
    let b = account("0");
    let missing = AccountId::new_random();
    let chunk = [
        transfer(a.account_id, b.account_id, "50"),
        transfer(b.account_id, a.account_id, "20"),
        transfer(a.account_id, missing, "1"),
        deposit(missing, "5"),
    ];
    let plan = plan(&chunk, &map(&[&a, &b]), &now());
    assert_eq!(
        plan.outcomes[2],
        Outcome::Rejected(RejectionReason::AccountNotFound)
    );
    assert_eq!(
        plan.outcomes[3],
        Outcome::Rejected(RejectionReason::AccountNotFound)
    );
    let mut expected = vec![
        (a.account_id, "20".parse().unwrap()),
        (b.account_id, "30".parse().unwrap()),
    ];
    expected.sort_by_key(|(id, _)| id.to_string());
    assert_eq!(plan.written, expected);
}

#[test]
fn each_applied_transaction_takes_the_next_version_of_its_accounts() {
    let (a, b) = (account("10"), account("0"));
    let chunk = [
        deposit(a.account_id, "5"),
        withdrawal(b.account_id, "1"),
        transfer(a.account_id, b.account_id, "3"),
        withdrawal(a.account_id, "2"),
    ];
    let plan = plan(&chunk, &map(&[&a, &b]), &now());
    let versions: Vec<(Option<u64>, Option<u64>)> = plan
        .versions
        .iter()
        .map(|v| (v.source, v.destination))
        .collect();
    // Both start at 7; the rejected withdrawal on b carries the version it saw.
    assert_eq!(
        versions,
        [
            (Some(8), None),
            (Some(7), None),
            (Some(9), Some(8)),
            (Some(10), None)
        ]
    );
    assert_eq!(plan.version_after.get(&a.account_id), Some(&10));
    assert_eq!(plan.version_after.get(&b.account_id), Some(&8));
}

#[test]
fn an_account_only_rejected_on_is_not_written() {
    let a = account("0");
    let plan = plan(&[withdrawal(a.account_id, "1")], &map(&[&a]), &now());
    assert!(plan.written.is_empty());
}

#[test]
fn a_frozen_account_takes_nothing() {
    let mut a = account("10");
    a.status = AccountStatus::Frozen;
    let plan = plan(&[deposit(a.account_id, "1")], &map(&[&a]), &now());
    assert_eq!(
        plan.outcomes,
        vec![Outcome::Rejected(RejectionReason::AccountNotOpen)]
    );
    assert!(plan.written.is_empty());
}

#[test]
fn a_hot_account_fits_ninety_nine_transactions_per_write() {
    let a = account("0");
    let records: Vec<_> = (0..250).map(|_| deposit(a.account_id, "1")).collect();
    assert_eq!(chunk_end(&records, 0), 99);
    assert_eq!(chunk_end(&records, 99), 198);
    assert_eq!(chunk_end(&records, 198), 250);
    assert_eq!(chunk_end(&records, 250), 250);
}

#[test]
fn chunks_count_every_account_and_stop_before_a_repeated_transaction() {
    let accounts: Vec<AccountId> = (0..80).map(|_| AccountId::new_random()).collect();
    // Each transfer between two new accounts takes three items: 33 fit in 100.
    let records: Vec<_> = accounts
        .chunks(2)
        .map(|pair| transfer(pair[0], pair[1], "1"))
        .collect();
    assert_eq!(chunk_end(&records, 0), 33);
    let one = deposit(accounts[0], "1");
    let repeated = vec![one.clone(), deposit(accounts[0], "2"), one];
    assert_eq!(chunk_end(&repeated, 0), 2);
    assert_eq!(chunk_end(&repeated, 2), 3);
}

fn cents(value: u32) -> String {
    format!("{}.{:02}", value / 100, value % 100)
}

fn op(ids: &[AccountId], from: usize, to: usize, kind: u8, amount: u32) -> TransactionRecord {
    let from = ids[from % ids.len()];
    let to = ids[to % ids.len()];
    let amount = cents(amount);
    match kind {
        0 => deposit(from, &amount),
        1 => withdrawal(from, &amount),
        2 if from != to => transfer(from, to, &amount),
        3 => record(
            from,
            TransactionKind::Adjustment {
                amount: format!("-{amount}").parse::<SignedAmount>().unwrap(),
            },
        ),
        _ => record(
            from,
            TransactionKind::Adjustment {
                amount: amount.parse::<SignedAmount>().unwrap(),
            },
        ),
    }
}

fn external_flow(record: &TransactionRecord) -> Decimal {
    match &record.kind {
        TransactionKind::Deposit { amount } => amount.as_decimal(),
        TransactionKind::Withdrawal { amount } => -amount.as_decimal(),
        TransactionKind::Adjustment { amount } => amount.as_decimal(),
        TransactionKind::Transfer { .. } => Decimal::ZERO,
        other => crate::domain::signed_effect(other, crate::domain::Role::Source),
    }
}

fn total(accounts: &HashMap<AccountId, Account>) -> Decimal {
    accounts.values().map(|a| a.balance.as_decimal()).sum()
}

proptest! {
    /// Planning a chunk gives exactly what applying its transactions one at a time
    /// (each against the balances the previous one left) gives, and money is conserved
    /// up to deposits, withdrawals and adjustments: batching changes the number of
    /// writes, never an outcome or a balance.
    #[test]
    fn a_plan_equals_sequential_application(
        balances in proptest::collection::vec(0u32..50_000, 1..5),
        ops in proptest::collection::vec((0usize..5, 0usize..5, 0u8..5, 1u32..20_000), 1..60),
    ) {
        let accounts: Vec<Account> = balances.iter().map(|c| account(&cents(*c))).collect();
        let ids: Vec<AccountId> = accounts.iter().map(|a| a.account_id).collect();
        let chunk: Vec<TransactionRecord> = ops
            .iter()
            .map(|(from, to, kind, amount)| op(&ids, *from, *to, *kind, *amount))
            .collect();
        let initial = map(&accounts.iter().collect::<Vec<_>>());
        let planned = plan(&chunk, &initial, &now());

        let mut state = initial.clone();
        for (record, planned_outcome) in chunk.iter().zip(&planned.outcomes) {
            let one = plan(std::slice::from_ref(record), &state, &now());
            prop_assert_eq!(&one.outcomes[0], planned_outcome);
            prop_assert_eq!(&one.entries[0], &planned.entries[one_index(&chunk, record)]);
            for (id, after) in one.written {
                let account = state.get_mut(&id).unwrap();
                account.balance = after;
                account.version = one.version_after[&id];
                account.chain_head = one.heads[&id].0.clone();
                account.updated_at = one.heads[&id].1.clone();
            }
        }
        for (id, after) in &planned.written {
            prop_assert_eq!(state[id].balance, *after);
            // One group or one at a time: the same chain.
            prop_assert_eq!(&state[id].chain_head, &planned.heads[id].0);
        }
        let external: Decimal = chunk
            .iter()
            .zip(&planned.outcomes)
            .filter(|(_, o)| matches!(o, Outcome::Applied { .. }))
            .map(|(r, _)| external_flow(r))
            .sum();
        prop_assert_eq!(total(&state), total(&initial) + external);
    }
}

fn one_index(chunk: &[TransactionRecord], record: &TransactionRecord) -> usize {
    chunk.iter().position(|r| std::ptr::eq(r, record)).unwrap()
}

#[test]
fn applied_entries_extend_each_account_chain_in_order_and_rejections_make_none() {
    let (a, b) = (account("10.00"), account("0.00"));
    let chunk = [
        deposit(a.account_id, "5"),
        withdrawal(a.account_id, "100"),
        transfer(a.account_id, b.account_id, "3"),
    ];
    let plan = plan(&chunk, &map(&[&a, &b]), &now());
    let first = chunk[0]
        .entry_at(Role::Source, 8, "15.00".parse().unwrap(), &now())
        .unwrap();
    let head_1 = ChainHead::genesis().extend(&first);
    let source = plan.entries[0].source.as_ref().unwrap();
    assert_eq!(source.hash, head_1);
    assert_eq!(
        source.key(8),
        "2026-02-01T00:00:00.000000Z#00000000000000000008"
    );
    assert_eq!(plan.entries[1], Entries::default());
    let debit = chunk[2]
        .entry_at(Role::Source, 9, "12.00".parse().unwrap(), &now())
        .unwrap();
    assert_eq!(debit.amount.to_string(), "-3.00");
    let credit = chunk[2]
        .entry_at(Role::Destination, 8, "3.00".parse().unwrap(), &now())
        .unwrap();
    assert_eq!(credit.account_id, b.account_id);
    assert_eq!(credit.amount.to_string(), "3.00");
    let entries = &plan.entries[2];
    assert_eq!(entries.source.as_ref().unwrap().hash, head_1.extend(&debit));
    assert_eq!(
        entries.destination.as_ref().unwrap().hash,
        ChainHead::genesis().extend(&credit)
    );
    assert_eq!(plan.heads[&a.account_id].0, head_1.extend(&debit));
}

#[test]
fn entries_never_settle_before_the_account_last_changed() {
    let mut a = account("10.00");
    // Another consumer, with a clock ahead, settled on it last.
    let ahead = crate::clock::Timestamp::parse("2026-03-01T00:00:00.000000Z").unwrap();
    a.updated_at = ahead.clone();
    let plan = plan(&[deposit(a.account_id, "1")], &map(&[&a]), &now());
    assert_eq!(plan.entries[0].source.as_ref().unwrap().settled_at, ahead);
    assert_eq!(plan.heads[&a.account_id].1, ahead);
}

#[test]
fn a_rejection_is_checked_against_the_accounts_it_read_unless_they_are_written() {
    let (a, b, c) = (account("0.00"), account("5.00"), account("1.00"));
    let missing = AccountId::new_random();
    let accounts = map(&[&a, &b, &c]);
    // a: only rejected (checked); b: rejected once, then credited (written, not
    // checked); c: the destination of a rejected transfer (checked); missing: none.
    let chunk = [
        withdrawal(a.account_id, "1"),
        withdrawal(b.account_id, "9"),
        deposit(b.account_id, "1"),
        transfer(a.account_id, c.account_id, "3"),
        withdrawal(missing, "1"),
    ];
    let plan = plan(&chunk, &accounts, &now());
    let read = rejections_read(&chunk, &plan, &accounts);
    assert_eq!(read, vec![a.account_id, c.account_id]);

    let applied = [deposit(a.account_id, "1")];
    let plan = super::plan(&applied, &accounts, &now());
    assert!(rejections_read(&applied, &plan, &accounts).is_empty());
}

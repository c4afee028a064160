//! process-transactions applies a batch's transactions on one account together: one
//! account write per chunk of up to 99 transactions, outcomes exactly as if applied one
//! by one in stream order, and redeliveries (sequential or concurrent) change nothing.

use std::sync::Arc;

use aws_lambda_events::event::dynamodb::EventRecord;
use integration_tests::api::Caller;
use integration_tests::pipeline::{PipelineFixture, tx};
use rust_decimal::Decimal;

const TRANSACTIONS: usize = 150;

/// A deterministic mix of deposits and withdrawals, some of them overdrafts.
fn workload() -> Vec<(&'static str, Decimal)> {
    (0..TRANSACTIONS)
        .map(|i| {
            let cents = Decimal::new(i64::try_from(i * 37 % 1000 + 1).unwrap_or(1), 2);
            if i % 3 == 0 {
                ("WITHDRAWAL", cents * Decimal::from(3))
            } else {
                ("DEPOSIT", cents)
            }
        })
        .collect()
}

/// The stream-order model: each transaction's outcome and the final balance.
fn model(workload: &[(&str, Decimal)]) -> (Vec<&'static str>, Decimal) {
    let mut balance = Decimal::ZERO;
    let mut outcomes = Vec::new();
    for (kind, amount) in workload {
        if *kind == "DEPOSIT" {
            balance += amount;
            outcomes.push("COMPLETED");
        } else if *amount <= balance {
            balance -= amount;
            outcomes.push("COMPLETED");
        } else {
            outcomes.push("REJECTED");
        }
    }
    (outcomes, balance)
}

/// Records the workload on a fresh account; returns it, the transaction ids and the
/// INSERT records in stream order.
async fn recorded(p: &mut PipelineFixture) -> (String, Vec<String>, Vec<EventRecord>) {
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let mut ids = Vec::new();
    for (kind, amount) in workload() {
        ids.push(
            p.record(&alice, tx(&account, kind, &amount.to_string()))
                .await,
        );
    }
    let inserts = p.next_records(TRANSACTIONS).await;
    (account, ids, inserts)
}

async fn assert_matches_model(p: &mut PipelineFixture, account: &str, ids: &[String]) {
    let (outcomes, balance) = model(&workload());
    assert!(
        outcomes.contains(&"REJECTED"),
        "the workload has overdrafts"
    );
    assert_eq!(p.balance(account).await.as_decimal(), balance);
    for (id, expected) in ids.iter().zip(outcomes) {
        assert_eq!(p.transaction(id).await.status.as_str(), expected, "{id}");
    }
    let modifies = p.stream.poll(&p.api.stack, TRANSACTIONS).await;
    assert_eq!(
        modifies.len(),
        TRANSACTIONS,
        "exactly one status change per transaction"
    );
}

#[tokio::test]
async fn a_hot_account_is_written_once_per_chunk_and_redeliveries_change_nothing() {
    let mut p = PipelineFixture::new().await;
    let (account, ids, inserts) = recorded(&mut p).await;

    // Like the event source mapping at batch size 100: 100, then 50.
    for batch in inserts.chunks(100) {
        let response = p.deliver(batch).await;
        assert!(response.batch_item_failures.is_empty(), "{response:?}");
    }
    // Chunks of 99 + 1, then 50: one account write each, but the lone transaction
    // writes the account only if it is applied.
    let (outcomes, _) = model(&workload());
    let writes = 2 + u64::from(outcomes[99] == "COMPLETED");
    assert_eq!(p.writes.of(&account), writes);
    let completed = outcomes.iter().filter(|o| **o == "COMPLETED").count();
    assert_eq!(p.account(&account).await.version, completed as u64);
    assert_matches_model(&mut p, &account, &ids).await;

    // The same batches again, twice at once: every transaction is settled already.
    let p = Arc::new(p);
    let mut tasks = Vec::new();
    for _ in 0..2 {
        for batch in inserts.chunks(100) {
            let (p, batch) = (p.clone(), batch.to_vec());
            tasks.push(tokio::spawn(async move { p.deliver(&batch).await }));
        }
    }
    for task in tasks {
        let response = task.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(response.batch_item_failures.is_empty(), "{response:?}");
    }
    let mut p = unshared(p);
    assert_eq!(p.writes.of(&account), writes, "no account write");
    assert_eq!(p.account(&account).await.version, completed as u64);
    let (_, balance) = model(&workload());
    assert_eq!(p.balance(&account).await.as_decimal(), balance);
    // No status changed again: no stream record within a few seconds.
    let again = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        p.stream.poll(&p.api.stack, 1),
    )
    .await;
    assert!(
        again.as_ref().map_or(true, Vec::is_empty),
        "a status changed again: {again:?}"
    );
}

#[tokio::test]
async fn two_concurrent_first_deliveries_settle_each_transaction_once_in_stream_order() {
    let mut p = PipelineFixture::new().await;
    let (account, ids, inserts) = recorded(&mut p).await;

    let p = Arc::new(p);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (p, inserts) = (p.clone(), inserts.clone());
            tokio::spawn(async move { p.deliver(&inserts).await })
        })
        .collect();
    for task in tasks {
        let response = task.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(response.batch_item_failures.is_empty(), "{response:?}");
    }
    assert_matches_model(&mut unshared(p), &account, &ids).await;
}

fn unshared(p: Arc<PipelineFixture>) -> PipelineFixture {
    Arc::try_unwrap(p).unwrap_or_else(|_| panic!("the fixture is still shared"))
}

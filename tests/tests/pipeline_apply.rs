//! process-transactions fed with real stream records from DynamoDB Local.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use integration_tests::api::Caller;
use integration_tests::pipeline::{PipelineFixture, tx};
use rust_decimal::Decimal;
use serde_json::{Value, json};

#[tokio::test]
async fn a_deposit_then_a_withdrawal_complete_with_exact_balances() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let deposit = p.record(&alice, tx(&account, "DEPOSIT", "150.75")).await;
    let withdrawal = p.record(&alice, tx(&account, "WITHDRAWAL", "50.25")).await;
    p.drain(2).await;

    assert_eq!(p.balance(&account).await.to_string(), "100.50");
    let d = p.transaction(&deposit).await;
    assert_eq!(d.status.as_str(), "COMPLETED");
    assert_eq!(
        d.balance_after.map(|b| b.to_string()).as_deref(),
        Some("150.75")
    );
    assert!(d.processed_at.is_some());
    let w = p.transaction(&withdrawal).await;
    assert_eq!(
        w.balance_after.map(|b| b.to_string()).as_deref(),
        Some("100.50")
    );
    // Both applied together: one account write, two changes in its sequence.
    assert_eq!(p.writes.of(&account), 1);
    assert_eq!(p.account(&account).await.version, 2);
    assert_eq!((d.account_version, w.account_version), (Some(1), Some(2)));
}

#[tokio::test]
async fn an_overdraft_is_rejected_and_changes_no_balance() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    p.record(&alice, tx(&account, "DEPOSIT", "10")).await;
    let overdraft = p.record(&alice, tx(&account, "WITHDRAWAL", "10.01")).await;
    p.drain(2).await;

    let rejected = p.transaction(&overdraft).await;
    assert_eq!(rejected.status.as_str(), "REJECTED");
    assert_eq!(
        rejected.rejection_reason.map(|r| r.as_str()),
        Some("INSUFFICIENT_FUNDS")
    );
    assert!(rejected.balance_after.is_none());
    assert_eq!(p.balance(&account).await.to_string(), "10.00");
}

#[tokio::test]
async fn a_transfer_moves_money_between_two_holders_atomically() {
    let mut p = PipelineFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = p.api.open_account(&alice, "USD").await;
    let bobs = p.api.open_account(&bob, "USD").await;
    p.record(&alice, tx(&alices, "DEPOSIT", "100")).await;
    let transfer = p.record(&alice, json!({ "accountId": alices, "toAccountId": bobs, "type": "TRANSFER", "amount": "30.30" }),
    )
    .await;
    p.drain(2).await;

    assert_eq!(p.balance(&alices).await.to_string(), "69.70");
    assert_eq!(p.balance(&bobs).await.to_string(), "30.30");
    let done = p.transaction(&transfer).await;
    assert_eq!(done.status.as_str(), "COMPLETED");
    assert_eq!(
        done.balance_after.map(|b| b.to_string()).as_deref(),
        Some("69.70")
    );
    assert_eq!(
        done.to_balance_after.map(|b| b.to_string()).as_deref(),
        Some("30.30")
    );
    assert_eq!(done.to_user_id.as_deref(), Some(bob.sub.as_str()));

    let messages = p.drain_queue().await;
    let transfer_messages: Vec<&Value> = messages
        .iter()
        .filter(|m| m["transactionId"] == transfer.as_str())
        .collect();
    assert_eq!(transfer_messages.len(), 2, "one per holder: {messages:?}");
    let by_role: HashMap<&str, &Value> = transfer_messages
        .iter()
        .map(|m| (m["role"].as_str().unwrap_or(""), *m))
        .collect();
    assert_eq!(by_role["SOURCE"]["holderId"], alice.sub.as_str());
    assert_eq!(by_role["SOURCE"]["balanceAfter"], "69.70");
    assert_eq!(by_role["DESTINATION"]["holderId"], bob.sub.as_str());
    assert_eq!(by_role["DESTINATION"]["balanceAfter"], "30.30");
    assert_eq!(by_role["DESTINATION"]["accountId"], bobs.as_str());
}

#[tokio::test]
async fn transfers_to_a_missing_frozen_or_foreign_currency_account_are_rejected_without_moving_money()
 {
    let mut p = PipelineFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = p.api.open_account(&alice, "USD").await;
    let frozen = p.api.open_account(&bob, "USD").await;
    let euros = p.api.open_account(&bob, "EUR").await;
    p.api
        .stack
        .dynamodb
        .update_item()
        .table_name(&p.api.tables.accounts)
        .key(
            "accountId",
            aws_sdk_dynamodb::types::AttributeValue::S(frozen.clone()),
        )
        .update_expression("SET #s = :f")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(
            ":f",
            aws_sdk_dynamodb::types::AttributeValue::S("FROZEN".to_owned()),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    p.record(&alice, tx(&alices, "DEPOSIT", "100")).await;
    let missing = uuid::Uuid::new_v4().to_string();
    let mut ids = Vec::new();
    for to in [&missing, &frozen, &euros] {
        ids.push(p.record(&alice, json!({ "accountId": alices, "toAccountId": to, "type": "TRANSFER", "amount": "10" })).await);
    }
    p.drain(4).await;

    let reasons: Vec<Option<&str>> = {
        let mut reasons = Vec::new();
        for id in &ids {
            reasons.push(p.transaction(id).await.rejection_reason.map(|r| r.as_str()));
        }
        reasons
    };
    assert_eq!(
        reasons,
        vec![
            Some("ACCOUNT_NOT_FOUND"),
            Some("ACCOUNT_NOT_OPEN"),
            Some("CURRENCY_MISMATCH")
        ]
    );
    assert_eq!(p.balance(&alices).await.to_string(), "100.00");
    assert_eq!(p.balance(&frozen).await.to_string(), "0.00");
    assert_eq!(p.balance(&euros).await.to_string(), "0.00");
}

#[tokio::test]
async fn the_same_batch_delivered_three_times_changes_balances_once() {
    let mut p = PipelineFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = p.api.open_account(&alice, "USD").await;
    let bobs = p.api.open_account(&bob, "USD").await;
    p.record(&alice, tx(&alices, "DEPOSIT", "80")).await;
    p.record(&alice, tx(&alices, "WITHDRAWAL", "5")).await;
    p.record(
        &alice,
        json!({ "accountId": alices, "toAccountId": bobs, "type": "TRANSFER", "amount": "25" }),
    )
    .await;
    let inserts = p.next_records(3).await;

    for delivery in 0..3 {
        let response = p.deliver(&inserts).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "delivery {delivery}: {response:?}"
        );
        assert_eq!(
            p.balance(&alices).await.to_string(),
            "50.00",
            "after delivery {delivery}"
        );
        assert_eq!(
            p.balance(&bobs).await.to_string(),
            "25.00",
            "after delivery {delivery}"
        );
    }
    // The MODIFYs, redelivered too, enqueue one notification per holder per delivery:
    // notify de-duplicates them (tested there). The ledger changed once.
    let modifies = p.stream.poll(&p.api.stack, 3).await;
    assert_eq!(
        modifies.len(),
        3,
        "exactly one status change per transaction"
    );
    // Applied together in the first delivery (one account write); the redeliveries
    // wrote no account.
    assert_eq!(p.writes.of(&alices), 1);
    assert_eq!(p.account(&alices).await.version, 3);
}

#[tokio::test]
async fn fifty_concurrent_invocations_on_one_account_keep_every_invariant() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let mut expected_max = Decimal::ZERO;
    for i in 0..50u32 {
        let (kind, amount) = if i % 2 == 0 {
            ("DEPOSIT", format!("{}.{:02}", 5 + i % 7, i))
        } else {
            ("WITHDRAWAL", format!("{}.00", 3 + i % 11))
        };
        if kind == "DEPOSIT" {
            expected_max += amount.parse::<Decimal>().unwrap_or_default();
        }
        p.record(&alice, tx(&account, kind, &amount)).await;
    }
    let inserts = p.next_records(50).await;
    let p = Arc::new(p);

    // Sample the balance while 50 single-record invocations (each record delivered
    // twice, concurrently) race on the account.
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (p, done, account) = (p.clone(), done.clone(), account.clone());
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while !done.load(Ordering::Relaxed) {
                samples.push(p.balance(&account).await.as_decimal());
            }
            samples
        })
    };
    let mut tasks = Vec::new();
    for record in inserts.iter().chain(inserts.iter()) {
        let (p, record) = (p.clone(), record.clone());
        // Like the event source mapping: a reported failure is delivered again.
        tasks.push(tokio::spawn(async move {
            for _ in 0..20 {
                if p.deliver(std::slice::from_ref(&record))
                    .await
                    .batch_item_failures
                    .is_empty()
                {
                    return true;
                }
            }
            false
        }));
    }
    for task in tasks {
        assert!(
            task.await.unwrap_or_else(|e| panic!("{e}")),
            "a record never succeeded"
        );
    }
    done.store(true, Ordering::Relaxed);
    let samples = sampler.await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        samples.iter().all(|b| *b >= Decimal::ZERO),
        "a balance was negative"
    );

    let table = shared::store::TransactionsTable::new(
        p.api.stack.dynamodb.clone(),
        &p.api.tables.transactions,
    );
    let mut completed_sum = Decimal::ZERO;
    let mut token = None;
    let mut seen = 0;
    loop {
        let page = table
            .list_by_account(&account, 100, token.as_ref())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for t in &page.items {
            seen += 1;
            assert_ne!(t.status.as_str(), "PENDING", "nothing left pending");
            if t.status.as_str() == "COMPLETED" {
                completed_sum +=
                    shared::domain::signed_effect(&t.kind, shared::domain::Role::Source);
            }
        }
        match page.next {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, 50);
    let balance = p.balance(&account).await.as_decimal();
    assert_eq!(
        balance, completed_sum,
        "balance equals the sum of COMPLETED amounts"
    );
    assert!(balance <= expected_max);
}

#[tokio::test]
async fn a_malformed_record_is_reported_with_its_sequence_number_after_the_good_ones() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    p.record(&alice, tx(&account, "DEPOSIT", "10")).await;
    p.record(&alice, tx(&account, "DEPOSIT", "20")).await;
    let mut records = p.next_records(2).await;
    records[1].change.new_image.insert(
        "amount".to_owned(),
        serde_dynamo::AttributeValue::S("ten".to_owned()),
    );

    let response = p.deliver(&records).await;

    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(
        response.batch_item_failures[0].item_identifier,
        records[1].change.sequence_number
    );
    assert_eq!(
        p.balance(&account).await.to_string(),
        "10.00",
        "the record before it was applied"
    );
}

#[tokio::test]
async fn the_sample_stream_event_is_a_valid_lambda_event_that_the_consumer_handles() {
    let p = PipelineFixture::new().await;
    let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(
        integration_tests::api::sample_event("process-transactions-stream.json"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(event.records.len(), 2);
    // Its account does not exist here: the INSERT cannot be applied (the item is not in
    // this table either, so nothing is written) and the MODIFY enqueues the deposit's
    // notification.
    let response = p.processor.handle(event).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let messages = p.drain_queue().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["balanceAfter"], "150.75");
    assert_eq!(messages[0]["role"], "SOURCE");
}

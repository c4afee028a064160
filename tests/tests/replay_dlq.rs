//! The processing DLQ is replayable: a batch that failed for a reason since removed is
//! read back from the stream and applied by `local_runtime::replay` (the code behind
//! `bank-replay`), exactly once; a batch that can never succeed stays in the queue.

use std::time::Duration;

use integration_tests::api::Caller;
use integration_tests::chaos::observe::{queue_depth, resource};
use integration_tests::faults::{FaultInjector, Kind, Rule};
use integration_tests::local::{LocalStack, put_poison};
use integration_tests::pipeline::{PipelineFixture, tx};
use process_transactions::{App, RetryPolicy};
use serde_json::json;
use shared::store::TableNames;

async fn wait_for_depth(s: &LocalStack, queue: &str, expected: u64) {
    for _ in 0..600 {
        if queue_depth(s, queue).await >= expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the on-failure queue never held {expected} message(s)");
}

#[tokio::test]
async fn a_batch_failed_by_a_removed_fault_is_replayed_once_and_a_poison_batch_stays() {
    let injector = FaultInjector::new(7);
    let s = LocalStack::start_with({
        let injector = injector.clone();
        move |config| config.with_interceptor(injector)
    })
    .await;
    let dlq = resource(&s, "queues", "ProcessingDLQ");
    let transactions = resource(&s, "tables", "TransactionsTable");
    let (token, account) = s.demo_login().await;
    // A batch that can never succeed reaches the DLQ first.
    s.put_poison(&transactions, "replay").await;
    wait_for_depth(&s, &dlq, 1).await;

    // Every balance write fails while a deposit is recorded: its batch exhausts the
    // mapping's retries and reaches the DLQ too.
    injector.set_rules(vec![Rule::random(
        "DynamoDB",
        &["TransactWriteItems"],
        Kind::Fail,
        10_000,
    )]);
    injector.set_enabled(true);
    let before = balance(&s, &token, &account).await;
    let body = json!({ "accountId": account, "type": "DEPOSIT", "amount": "7.25" });
    let key = uuid::Uuid::new_v4().to_string();
    let answer = s
        .call(
            "POST",
            "/transactions",
            Some(&token),
            Some(&body),
            Some(&key),
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    let id = answer.body["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    wait_for_depth(&s, &dlq, 2).await;
    let pending = s
        .call(
            "GET",
            &format!("/transactions/{id}"),
            Some(&token),
            None,
            None,
        )
        .await;
    assert_eq!(pending.body["status"], "PENDING");
    let bodies = peek(&s, &dlq).await;
    assert_eq!(bodies.len(), 2, "{bodies:?}");

    // The fault is gone: replay.
    injector.set_enabled(false);
    let tables = TableNames {
        accounts: resource(&s, "tables", "AccountsTable"),
        transactions,
    };
    let app = App::new(
        &s.stack.config,
        &tables,
        &resource(&s, "queues", "NotificationsQueue"),
        RetryPolicy::default(),
    );
    let streams = aws_sdk_dynamodbstreams::Client::new(s.stack.config.sdk());
    let report = local_runtime::replay::replay_queue(&s.stack.sqs, &streams, &app, &dlq)
        .await
        .unwrap_or_else(|e| panic!("replay: {e}"));

    assert_eq!((report.replayed, report.records), (1, 1), "{report:?}");
    assert_eq!(report.failed.len(), 1, "the poison batch stays: {report:?}");
    assert!(report.failed[0].1.contains("failed again"), "{report:?}");
    assert_eq!(s.settled(&token, &id).await["status"], "COMPLETED");
    let after = balance(&s, &token, &account).await;
    let cents = |v: &serde_json::Value| {
        let text = v.as_str().unwrap_or_default();
        rust_decimal::Decimal::from_str_exact(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    };
    assert_eq!(
        cents(&after) - cents(&before),
        rust_decimal::Decimal::new(725, 2),
        "applied exactly once"
    );
    assert_eq!(
        queue_depth(&s, &dlq).await,
        1,
        "only the poison batch is left"
    );

    // Replaying the same batches again changes nothing.
    let mut replayed = 0;
    for body in &bodies {
        if let Ok(records) = local_runtime::replay::replay_message(&streams, &app, body).await {
            replayed += records;
        }
    }
    assert_eq!(replayed, 1);
    let again = balance(&s, &token, &account).await;
    assert_eq!(again, after);
}

#[tokio::test]
async fn a_poison_record_is_reported_and_kept_while_the_good_records_after_it_are_applied() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    put_poison(&p.api.stack.dynamodb, &p.api.tables.transactions, "go-on").await;
    let mut ids = Vec::new();
    for amount in ["1.50", "2.25"] {
        ids.push(p.record(&alice, tx(&account, "DEPOSIT", amount)).await);
    }
    // The three INSERTs, as the mapping would have sent them to the DLQ in one batch.
    let records = p.next_records(3).await;
    let sequence = |i: usize| {
        records[i]
            .change
            .sequence_number
            .clone()
            .unwrap_or_default()
    };
    let body = json!({
        "requestContext": { "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6 },
        "DDBStreamBatchInfo": {
            "streamArn": records[0].event_source_arn,
            "startSequenceNumber": sequence(0),
            "endSequenceNumber": sequence(2),
            "batchSize": 3,
        },
        "records": records,
    });
    let (dlq, _) = p.api.stack.create_queue("replay-dlq").await;
    p.api
        .stack
        .sqs
        .send_message()
        .queue_url(&dlq)
        .message_body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("SendMessage: {e:?}"));

    let streams = aws_sdk_dynamodbstreams::Client::new(p.api.stack.config.sdk());
    let report =
        local_runtime::replay::replay_queue(&p.api.stack.sqs, &streams, &p.processor, &dlq)
            .await
            .unwrap_or_else(|e| panic!("replay: {e}"));

    assert_eq!((report.replayed, report.records), (0, 2), "{report:?}");
    assert_eq!(report.poison.len(), 1, "{report:?}");
    assert_eq!(report.poison[0].1.sequence_number, sequence(0));
    assert!(
        report.poison[0].1.reason.contains("malformed"),
        "{report:?}"
    );
    assert_eq!(report.failed.len(), 1, "the message is kept: {report:?}");
    assert!(report.failed[0].1.contains(&sequence(0)), "{report:?}");
    for id in &ids {
        assert_eq!(p.transaction(id).await.status.as_str(), "COMPLETED", "{id}");
    }
    assert_eq!(
        p.balance(&account).await.as_decimal(),
        rust_decimal::Decimal::new(375, 2)
    );
    let attributes = p
        .api
        .stack
        .sqs
        .get_queue_attributes()
        .queue_url(&dlq)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let count = |name: aws_sdk_sqs::types::QueueAttributeName| {
        attributes
            .attributes()
            .and_then(|a| a.get(&name))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    assert_eq!(
        count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            + count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        1,
        "the message holding the poison record is still in the queue"
    );
}

async fn balance(s: &LocalStack, token: &str, account: &str) -> serde_json::Value {
    let answer = s
        .call(
            "GET",
            &format!("/accounts/{account}"),
            Some(token),
            None,
            None,
        )
        .await;
    answer.body["balance"].clone()
}

/// The bodies of the messages in `queue`, left visible.
async fn peek(s: &LocalStack, queue: &str) -> Vec<String> {
    let received = s
        .stack
        .sqs
        .receive_message()
        .queue_url(queue)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ReceiveMessage: {e:?}"));
    received
        .messages()
        .iter()
        .filter_map(|m| m.body().map(str::to_owned))
        .collect()
}

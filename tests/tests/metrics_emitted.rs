//! The business metrics the functions print (EMF), captured through their metrics sink
//! and read back as CloudWatch extracts them: counts of real runs on DynamoDB Local
//! and moto, one invocation's documents at a time.

use std::sync::Arc;
use std::time::Instant;

use integration_tests::api::{ApiEvent, Caller, Reply};
use integration_tests::fixture::{ApiFixture, new_key};
use integration_tests::notify_fixture::{
    HolderKind, NotifyFixture, body, completed_deposit, failed_ids,
};
use integration_tests::pipeline::{PipelineFixture, tx};
use process_transactions::RetryPolicy;
use serde_json::{Value, json};
use shared::auth::Authenticator;
use shared::metrics::{Collector, Metrics, Summary};
use shared::settle::Deadline;

const ENV: (&str, &str) = ("Environment", "test");

fn capture() -> (Metrics, Arc<Collector>) {
    let collector = Collector::new();
    (
        Metrics::local("test").with_sink(collector.clone()),
        collector,
    )
}

fn summary(collector: &Collector) -> Summary {
    collector
        .summary()
        .unwrap_or_else(|e| panic!("{e}: {:?}", collector.lines()))
}

#[tokio::test]
async fn a_batch_of_three_with_an_overdraft_counts_two_settled_and_one_rejected_for_funds() {
    let mut p = PipelineFixture::new().await;
    let (metrics, collector) = capture();
    p.processor = p.processor.clone().with_metrics(metrics);
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let started = Instant::now();
    p.record(&alice, tx(&account, "DEPOSIT", "10.00")).await;
    p.record(&alice, tx(&account, "WITHDRAWAL", "4.00")).await;
    p.record(&alice, tx(&account, "WITHDRAWAL", "100.00")).await;
    let inserts = p.next_records(3).await;

    let response = p.deliver(&inserts).await;

    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    // One invocation: its documents, not one per record (two types: two documents).
    assert_eq!(collector.lines().len(), 2, "{:?}", collector.lines());
    let s = summary(&collector);
    assert_eq!(s.sum("TransactionsSettled", &[ENV]), 2.0);
    assert_eq!(
        s.sum("TransactionsSettled", &[ENV, ("Type", "DEPOSIT")]),
        1.0
    );
    assert_eq!(
        s.sum("TransactionsSettled", &[ENV, ("Type", "WITHDRAWAL")]),
        1.0
    );
    assert_eq!(s.sum("TransactionsRejected", &[ENV]), 1.0);
    assert_eq!(
        s.sum(
            "TransactionsRejected",
            &[ENV, ("Reason", "INSUFFICIENT_FUNDS")]
        ),
        1.0
    );
    assert_eq!(s.sum("BatchSize", &[ENV]), 3.0);
    assert_eq!(s.sum("CommitRetries", &[ENV]), 0.0);
    assert_eq!(s.sum("ChunksSplit", &[ENV]), 0.0);
    let latency = s
        .get("SettlementLatencyMs", &[ENV])
        .unwrap_or_else(|| panic!("no latency: {:?}", collector.lines()));
    assert_eq!(latency.count(), 3);
    assert!(
        latency.min() >= 0.0 && latency.max() <= elapsed_ms,
        "created → processed within the test's {elapsed_ms} ms: {latency:?}"
    );
    assert_eq!(s.unit("SettlementLatencyMs"), Some("Milliseconds"));

    // The MODIFY records that follow settle nothing and print nothing.
    let modifies = p.stream.poll(&p.api.stack, 3).await;
    assert!(p.deliver(&modifies).await.batch_item_failures.is_empty());
    assert_eq!(collector.lines().len(), 2);
}

#[tokio::test]
async fn commit_conflicts_count_as_retries_and_a_chunk_that_still_fails_as_split() {
    let mut p = PipelineFixture::new().await;
    let (_, config) = p.config_with_commit_conflicts(17, 2);
    let retry = RetryPolicy {
        attempts: 2,
        ..RetryPolicy::default()
    };
    let (metrics, collector) = capture();
    p.processor = process_transactions::App::new(&config, &p.api.tables, &p.queue_url, retry)
        .with_metrics(metrics);
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    p.record(&alice, tx(&account, "DEPOSIT", "1.00")).await;
    p.record(&alice, tx(&account, "DEPOSIT", "2.00")).await;
    let inserts = p.next_records(2).await;

    let response = p.deliver(&inserts).await;

    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(p.balance(&account).await.to_string(), "3.00");
    let s = summary(&collector);
    // The chunk of two: attempt, one retry, both cancelled; then one at a time.
    assert_eq!(s.sum("CommitRetries", &[ENV]), 1.0);
    assert_eq!(s.sum("ChunksSplit", &[ENV]), 1.0);
    assert_eq!(
        s.sum("TransactionsSettled", &[ENV, ("Type", "DEPOSIT")]),
        2.0
    );
    assert!(s.get("TransactionsRejected", &[ENV]).is_none());
}

async fn record(
    app: &request_transaction::App,
    caller: &Caller,
    key: Option<&str>,
    body: &Value,
) -> u16 {
    let event = ApiEvent::from_sample("request-transaction.json")
        .caller(Some(caller))
        .header("Idempotency-Key", key)
        .json_body(body);
    Reply::from(app.handle(event.request()).await).status
}

#[tokio::test]
async fn each_recorded_request_prints_one_document_accepted_by_type_or_replayed() {
    let fixture = ApiFixture::new().await;
    let (metrics, collector) = capture();
    let app = request_transaction::App::new(
        Authenticator::new(None),
        &fixture.stack.config,
        &fixture.tables,
    )
    .with_metrics(metrics);
    let alice = Caller::new_user();
    let account = fixture.open_account(&alice, "USD").await;
    let deposit = json!({ "accountId": account, "type": "DEPOSIT", "amount": "5.00" });
    let withdrawal = json!({ "accountId": account, "type": "WITHDRAWAL", "amount": "1.00" });
    let key = new_key();

    let statuses = [
        record(&app, &alice, Some(&key), &deposit).await,
        record(&app, &alice, Some(&key), &deposit).await,
        record(&app, &alice, Some(&new_key()), &withdrawal).await,
        record(&app, &alice, None, &deposit).await,
    ];

    assert_eq!(statuses, [201, 201, 201, 400]);
    assert_eq!(collector.lines().len(), 3, "{:?}", collector.lines());
    let s = summary(&collector);
    assert_eq!(s.sum("TransactionsAccepted", &[ENV]), 2.0);
    assert_eq!(
        s.sum("TransactionsAccepted", &[ENV, ("Type", "DEPOSIT")]),
        1.0
    );
    assert_eq!(
        s.sum("TransactionsAccepted", &[ENV, ("Type", "WITHDRAWAL")]),
        1.0
    );
    assert_eq!(s.sum("TransactionsReplayed", &[ENV]), 1.0);
}

#[tokio::test]
async fn a_reconciler_run_prints_its_pending_figures_and_what_the_engine_settled_in_one_document() {
    let p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    p.record(&alice, tx(&account, "DEPOSIT", "12.34")).await;
    let (metrics, collector) = capture();
    let reconciler = reconcile_pending::App::new(
        &p.api.stack.config,
        &p.api.tables,
        std::time::Duration::ZERO,
        "test",
    )
    .with_metrics(metrics);

    let report = reconciler
        .run(Deadline::none())
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(report.settled, 1, "{report:?}");
    assert_eq!(collector.lines().len(), 1, "{:?}", collector.lines());
    let s = summary(&collector);
    assert_eq!(s.sum("ReconciledTransactions", &[ENV]), 1.0);
    assert_eq!(s.sum("PendingTransactions", &[ENV]), 1.0);
    assert_eq!(s.unit("OldestPendingAgeSeconds"), Some("Seconds"));
    assert_eq!(
        s.sum("TransactionsSettled", &[ENV, ("Type", "DEPOSIT")]),
        1.0
    );
    assert_eq!(s.sum("BatchSize", &[ENV]), 1.0);
    assert_eq!(
        s.get("SettlementLatencyMs", &[ENV]).map(|d| d.count()),
        Some(1)
    );
}

#[tokio::test]
async fn a_redelivered_notification_counts_as_sent_once_then_deduplicated_per_channel() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let event = fx.deliver(&[body(&completed_deposit(&holder))]).await;
    let (first_metrics, first) = capture();
    let (second_metrics, second) = capture();

    let response = fx
        .app()
        .with_metrics(first_metrics)
        .handle(event.clone())
        .await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let again = fx.redeliver(&event).await;
    let response = fx.app().with_metrics(second_metrics).handle(again).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");

    let (first, second) = (summary(&first), summary(&second));
    for channel in ["email", "sms"] {
        let by = [ENV, ("Channel", channel)];
        assert_eq!(first.sum("NotificationsSent", &by), 1.0, "{channel}");
        assert!(first.get("NotificationsDeduplicated", &by).is_none());
        assert_eq!(
            second.sum("NotificationsDeduplicated", &by),
            1.0,
            "{channel}"
        );
        assert!(second.get("NotificationsSent", &by).is_none());
        assert!(second.get("NotificationsFailed", &by).is_none());
    }
    assert_eq!(first.sum("NotificationsSent", &[ENV]), 2.0);
    // No live events endpoint in this fixture: none published, none failed.
    assert_eq!(first.sum("LiveEventsPublished", &[ENV]), 0.0);
    assert_eq!(first.sum("LiveEventsFailed", &[ENV]), 0.0);
    assert_eq!(fx.emails(&holder).await.len(), 1);
}

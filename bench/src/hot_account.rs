//! One hot account: 2000 deposits and withdrawals on a single account, read from the
//! DynamoDB Local stream and handed to the stream consumer in batches of 100, once
//! with one transaction per `TransactWriteItems` and once with batched application.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use integration_tests::api::Caller;
use integration_tests::fixture::{ApiFixture, new_key};
use integration_tests::streams::StreamReader;
use serde_json::{Value, json};

use crate::counter::Counter;
use crate::pipeline::counts_json;
use crate::progress;
use crate::stats::round3;

const BATCH: usize = 100;
const RECORDING_CONCURRENCY: usize = 16;

fn body(account: &str, amount: u32, kind: &str) -> Value {
    json!({ "accountId": account, "amount": amount, "type": kind })
}

/// Records a large opening deposit, then `n` alternating deposits (10) and
/// withdrawals (5) on one account.
async fn record(fixture: &Arc<ApiFixture>, n: usize) -> Result<(), String> {
    let caller = Caller::new_user();
    let account = fixture.open_account(&caller, "USD").await;
    let opening = fixture
        .record(&caller, &new_key(), &body(&account, 1_000_000, "DEPOSIT"))
        .await;
    if opening.status != 201 {
        return Err(format!("opening deposit answered {}", opening.status));
    }
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..RECORDING_CONCURRENCY {
        let (fixture, next, caller) = (Arc::clone(fixture), Arc::clone(&next), caller.clone());
        let account = account.clone();
        workers.push(tokio::spawn(async move {
            let mut failed = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break failed;
                }
                let tx = if i % 2 == 0 {
                    body(&account, 10, "DEPOSIT")
                } else {
                    body(&account, 5, "WITHDRAWAL")
                };
                failed += usize::from(fixture.record(&caller, &new_key(), &tx).await.status != 201);
            }
        }));
    }
    let mut failed = 0;
    for worker in workers {
        failed += worker.await.unwrap_or(1);
    }
    if failed > 0 {
        return Err(format!("{failed} transactions were not recorded"));
    }
    Ok(())
}

/// Delivers `records` in batches of [`BATCH`], re-delivering from a reported failure
/// like the event source mapping does; returns how many re-deliveries were needed.
async fn deliver(app: &process_transactions::App, records: &[EventRecord]) -> usize {
    let mut retries = 0;
    for chunk in records.chunks(BATCH) {
        let mut rest = chunk.to_vec();
        for _ in 0..10 {
            let mut event = Event::default();
            event.records = rest.clone();
            let response = app.handle(event).await;
            let Some(failed) = response.batch_item_failures.first() else {
                break;
            };
            let at = rest
                .iter()
                .position(|r| r.change.sequence_number == failed.item_identifier)
                .unwrap_or(0);
            rest = rest.split_off(at);
            retries += 1;
        }
    }
    retries
}

/// One run on fresh tables.
async fn once(n: usize) -> Result<Value, String> {
    let fixture = Arc::new(ApiFixture::new().await);
    let (queue_url, _) = fixture.stack.create_queue("bench-notifications").await;
    let counter = Counter::default();
    counter.set_accounts_table(&fixture.tables.accounts);
    let config = fixture
        .stack
        .config
        .clone()
        .with_interceptor(counter.clone());
    let app = process_transactions::App::new(
        &config,
        &fixture.tables,
        &queue_url,
        process_transactions::RetryPolicy::default(),
    );
    record(&fixture, n).await?;
    let mut reader = StreamReader::open(&fixture.stack, &fixture.tables.transactions).await;
    let records: Vec<EventRecord> = reader
        .poll(&fixture.stack, n + 1)
        .await
        .into_iter()
        .filter(|r| r.event_name == "INSERT")
        .collect();
    counter.reset();
    let started = Instant::now();
    let retries = deliver(&app, &records).await;
    let seconds = started.elapsed().as_secs_f64();
    let counts = counter.snapshot();
    let settled = progress::settled(&fixture.stack, &fixture.tables.transactions).await?;
    let applied = settled.completed + settled.rejected;
    let per = |x: u64| round3(x as f64 / applied.max(1) as f64);
    eprintln!(
        "hot-account: {applied} applied in {seconds:.2} s, {} account writes per transaction",
        per(counts.account_writes)
    );
    Ok(json!({
        "records": records.len(),
        "applied": applied,
        "completed": settled.completed,
        "rejected": settled.rejected,
        "rejectionReasons": settled.reasons,
        "pending": settled.pending,
        "seconds": round3(seconds),
        "appliedPerSecond": round3(applied as f64 / seconds.max(1e-9)),
        "redeliveries": retries,
        "accountWritesPerTransaction": per(counts.account_writes),
        "accountWriteRequestsPerTransaction": per(counts.account_write_requests),
        "dynamodbRequestsPerTransaction": per(counts.service_total("dynamodb")),
        "requests": counts_json(&counts),
    }))
}

/// The consumer as built (one write path: each account written once per chunk).
pub async fn run(n: usize) -> Result<Value, String> {
    Ok(json!({
        "transactions": n,
        "batchSize": BATCH,
        "run": once(n).await?,
        "target": { "accountWritesPerTransaction": 0.1 },
    }))
}

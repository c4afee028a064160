//! Holds: DynamoDB requests (and the capacity units the counter measures) per HOLD and
//! per CAPTURE, counted as the pipeline counts them per transaction: the local stack
//! in-process with the request counter on every function's and event source's client.
//! Accounts are funded first (not counted); then `n` holds are placed (counted until
//! each is ACTIVE and its holder notified), then each is captured in part (counted
//! until COMPLETED, the hold CAPTURED and the holder notified).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use integration_tests::TestStack;
use serde_json::{Value, json};

use crate::counter::{Counter, Counts};
use crate::load::{self, User};
use crate::pipeline::{self, by_operation, measured_json, per};
use crate::progress;
use crate::stats::Summary;

/// Holds placed (and captured).
const HOLDS: usize = 200;
const CONCURRENCY: usize = 16;
const USERS: usize = 8;

/// What one phase sent: the transaction ids of its 201s (with the index of their
/// request), and their latencies.
#[derive(Debug, Default)]
struct Sent {
    ids: Vec<(usize, String)>,
    ingest_ms: Vec<f64>,
    failures: Vec<u16>,
}

/// Sends `requests` (path, user, body) from `CONCURRENCY` clients.
async fn send(api: &str, requests: Vec<(String, User, Value)>) -> Sent {
    let http = reqwest::Client::new();
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (http, requests, next, api) = (
            http.clone(),
            Arc::clone(&requests),
            Arc::clone(&next),
            api.to_owned(),
        );
        workers.push(tokio::spawn(async move {
            let mut mine = Sent::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, user, body)) = requests.get(i) else {
                    break;
                };
                let key = uuid::Uuid::new_v4().to_string();
                let url = format!("{api}{path}");
                let sent = Instant::now();
                match load::post(&http, &url, Some(&user.token), body, Some(&key)).await {
                    Ok((201, answer)) => {
                        mine.ingest_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
                        let id = answer["transactionId"].as_str().unwrap_or_default();
                        mine.ids.push((i, id.to_owned()));
                    }
                    Ok((status, _)) => mine.failures.push(status),
                    Err(_) => mine.failures.push(0),
                }
            }
            mine
        }));
    }
    let mut all = Sent::default();
    for worker in workers {
        if let Ok(mine) = worker.await {
            all.ids.extend(mine.ids);
            all.ingest_ms.extend(mine.ingest_ms);
            all.failures.extend(mine.failures);
        }
    }
    all
}

/// Waits until the table's `total` transactions are settled and `notified` more emails
/// and SMS than `base` were sent, then lets the pollers finish deleting.
async fn settle(
    stack: &TestStack,
    table: &str,
    total: usize,
    base: (usize, usize),
    notified: usize,
) -> Result<progress::Settled, String> {
    let (settled, _) =
        progress::wait_settled(stack, table, total, Duration::from_secs(300)).await?;
    progress::wait_sent(stack, base, (notified, notified), Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(settled)
}

/// One phase's figures, per transaction of it, as the pipeline's `perTransaction`.
fn per_transaction(counts: &Counts, sent: &Sent) -> Value {
    let n = sent.ids.len();
    json!({
        "accepted": n,
        "failedStatuses": sent.failures,
        "ingestLatencyMs": Summary::of(&sent.ingest_ms).to_json(),
        "dynamodb": per(counts.service_total("dynamodb") as f64, n),
        "dynamodbAttempts": per(counts.service_attempts("dynamodb") as f64, n),
        "byOperation": by_operation(counts, n),
        "wru": per(counts.wru, n),
        "rru": per(counts.rru, n),
        "measured": measured_json(counts, n),
        "accountWrites": per(counts.account_writes as f64, n),
        "sqs": per(counts.service_total("sqs") as f64, n),
        "requests": pipeline::counts_json(counts),
    })
}

/// Runs the part; its JSON.
pub async fn run(root: &Path, shards: usize) -> Result<Value, String> {
    let counter = Counter::default();
    let (stack, info, tasks) = pipeline::start(root, &counter, shards).await?;
    let table = |id: &str| info["tables"][id].as_str().unwrap_or_default().to_owned();
    counter.set_accounts_table(&table("AccountsTable"));
    if let Some(tables) = info["tables"].as_object() {
        for (logical, physical) in tables {
            counter.name_table(physical.as_str().unwrap_or_default(), logical);
        }
    }
    let transactions = table("TransactionsTable");
    let api = info["apiUrl"].as_str().unwrap_or_default().to_owned();
    let http = reqwest::Client::new();
    let users = load::users(&stack, &info, &http, USERS).await?;

    // Funded accounts (not counted).
    let base = progress::sent(&stack).await;
    let deposits = users
        .iter()
        .map(|u| {
            let body = json!({ "accountId": u.account_id, "amount": "10000.00", "type": "DEPOSIT", "description": "bench" });
            ("/transactions".to_owned(), u.clone(), body)
        })
        .collect();
    let funded = send(&api, deposits).await;
    let mut total = funded.ids.len();
    settle(&stack, &transactions, total, base, total).await?;

    eprintln!("holds: {HOLDS} holds, {CONCURRENCY} in flight, {USERS} users");
    let base = progress::sent(&stack).await;
    counter.reset();
    let holds: Vec<(String, User, Value)> = (0..HOLDS)
        .map(|i| {
            let user = &users[i % users.len()];
            let body = json!({ "accountId": user.account_id, "amount": "5.00", "type": "HOLD", "description": "bench" });
            ("/transactions".to_owned(), user.clone(), body)
        })
        .collect();
    let held = send(&api, holds).await;
    total += held.ids.len();
    let held_settled = settle(&stack, &transactions, total, base, held.ids.len()).await?;
    let hold_counts = counter.snapshot();

    eprintln!("holds: capturing each");
    let base = progress::sent(&stack).await;
    counter.reset();
    // Each hold captured by its holder.
    let captures: Vec<(String, User, Value)> = held
        .ids
        .iter()
        .map(|(i, id)| {
            let user = &users[i % users.len()];
            let body = json!({ "amount": "3.00" });
            (format!("/transactions/{id}/capture"), user.clone(), body)
        })
        .collect();
    let captured = send(&api, captures).await;
    total += captured.ids.len();
    let capture_settled = settle(&stack, &transactions, total, base, captured.ids.len()).await?;
    let capture_counts = counter.snapshot();
    for task in tasks {
        task.abort();
    }
    let outcome = |s: &progress::Settled| json!({ "completed": s.completed, "other": s.rejected, "reasons": s.reasons, "pending": s.pending });
    Ok(json!({
        "holds": HOLDS,
        "concurrency": CONCURRENCY,
        "users": USERS,
        "shards": shards,
        "note": "Each phase counts every AWS request of the local stack from its first request until its transactions are settled and notified (email + SMS each): the API function, the stream consumer, notify and the scheduled reconciler alike.",
        "afterHolds": outcome(&held_settled),
        "afterCaptures": outcome(&capture_settled),
        "perHold": per_transaction(&hold_counts, &held),
        "perCapture": per_transaction(&capture_counts, &captured),
    }))
}

/// The part in one line.
pub fn summary(part: &Value) -> String {
    let line = |name: &str, p: &Value| {
        format!(
            "{name}: {} DynamoDB requests, {} WRU, {} RRU reported",
            p["dynamodb"], p["measured"]["wru"], p["measured"]["rruReported"]
        )
    };
    format!(
        "{}; {}",
        line("per HOLD", &part["perHold"]),
        line("per CAPTURE", &part["perCapture"])
    )
}

//! The local pipeline end to end: the local runtime in-process (with the request
//! counter on every function's and event source's client), `n` transactions over HTTP
//! from concurrent clients, until all are applied and notified.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use integration_tests::TestStack;
use serde_json::{Map, Value, json};

use crate::counter::{Counter, Counts};
use crate::stats::{Summary, round3};
use crate::{load, progress, putrate};

/// Requests sent one at a time after the load, for the idle ingest latency.
const IDLE_REQUESTS: usize = 50;

/// Pipeline parameters.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub transactions: usize,
    pub concurrency: usize,
    pub users: usize,
    /// The local runtime's virtual stream shards (concurrent consumers).
    pub shards: usize,
}

pub(crate) async fn start(
    root: &Path,
    counter: &Counter,
    shards: usize,
) -> Result<(TestStack, Value, Vec<tokio::task::JoinHandle<()>>), String> {
    let stack = TestStack::connect().await;
    let name = integration_tests::unique_name("bench");
    let options = local_runtime::Options {
        template: root.join("template.yml"),
        host: "127.0.0.1".to_owned(),
        port: 0,
        dynamodb_endpoint: std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_default(),
        moto_endpoint: stack.moto_endpoint.clone(),
        stack_name: name.clone(),
        environment: name,
        demo_phone: local_runtime::seed::DEMO_PHONE.to_owned(),
    };
    let config = shared::aws::load_config()
        .await
        .with_interceptor(counter.clone());
    let sources = local_runtime::SourceOptions::default().with_stream_shards(shards);
    let running = local_runtime::start_configured(&options, config, sources)
        .await
        .map_err(|e| format!("local runtime: {e}"))?;
    Ok((stack, running.info, running.tasks))
}

/// Runs the pipeline benchmark; the JSON part of the report.
pub async fn run(root: &Path, params: Params) -> Result<Value, String> {
    let counter = Counter::default();
    let (stack, info, tasks) = start(root, &counter, params.shards).await?;
    let table = |id: &str| info["tables"][id].as_str().unwrap_or_default().to_owned();
    counter.set_accounts_table(&table("AccountsTable"));
    if let Some(tables) = info["tables"].as_object() {
        for (logical, physical) in tables {
            counter.name_table(physical.as_str().unwrap_or_default(), logical);
        }
    }
    let api = info["apiUrl"].as_str().unwrap_or_default().to_owned();
    let http = reqwest::Client::new();
    let users = Arc::new(load::users(&stack, &info, &http, params.users).await?);
    // Let the account-creation records drain, then count only the transactions.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let base = progress::sent(&stack).await;
    counter.reset();

    eprintln!(
        "pipeline: {} transactions, {} in flight, {} users",
        params.transactions, params.concurrency, params.users
    );
    let load = load::run(
        &api,
        Arc::clone(&users),
        params.transactions,
        params.concurrency,
    )
    .await;
    let accepted = load.ingest_ms.len();
    let (settled, _) = progress::wait_settled(
        &stack,
        &table("TransactionsTable"),
        accepted,
        Duration::from_secs(900),
    )
    .await?;
    let (notified, last_sent) =
        progress::wait_sent(&stack, base, (accepted, accepted), Duration::from_secs(60)).await;
    // Let the queue pollers finish deleting what they received.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = counter.snapshot();
    // What Lambda would bill request-transaction: one request at a time on the quiet
    // stack (under load, the latency is this machine's queueing, not the function's).
    eprintln!("pipeline: {IDLE_REQUESTS} requests one at a time (not counted)");
    let idle = load::run(&api, Arc::clone(&users), IDLE_REQUESTS, 1).await;
    for task in tasks {
        task.abort();
    }
    let end_to_end_s = load
        .started
        .map_or(0.0, |s| last_sent.duration_since(s).as_secs_f64());

    eprintln!("pipeline: measuring the emulator's raw conditional PutItem rate");
    let (raw_rate, raw_failed) =
        putrate::measure(&stack, params.transactions, params.concurrency).await;
    let apply_rate = accepted as f64 / settled.span_s.max(1e-9);
    let notifications = notified.0;
    Ok(json!({
        "shards": params.shards,
        "transactions": params.transactions,
        "concurrency": params.concurrency,
        "users": params.users,
        "accepted": accepted,
        "failedStatuses": load.failures,
        "ingest": {
            "seconds": round3(load.elapsed_s),
            "perSecond": round3(accepted as f64 / load.elapsed_s.max(1e-9)),
            "latencyMs": Summary::of(&load.ingest_ms).to_json(),
            "idleLatencyMs": Summary::of(&idle.ingest_ms).to_json(),
        },
        "settled": {
            "completed": settled.completed,
            "rejected": settled.rejected,
            "rejectionReasons": settled.reasons,
            "pending": settled.pending,
            "createdToProcessedMs": Summary::of(&settled.settle_ms).to_json(),
            "firstCreatedToLastProcessedS": round3(settled.span_s),
            "appliedPerSecond": round3(apply_rate),
        },
        "notified": {
            "emails": notified.0,
            "sms": notified.1,
            "firstPostToLastNotificationS": round3(end_to_end_s),
            "endToEndPerSecond": round3(accepted as f64 / end_to_end_s.max(1e-9)),
        },
        "rawConditionalPutItem": {
            "perSecond": round3(raw_rate),
            "failed": raw_failed,
            "pipelineAppliedToRawRatio": round3(apply_rate / raw_rate.max(1e-9)),
        },
        "requests": counts_json(&counts),
        "perTransaction": {
            "dynamodb": per(counts.service_total("dynamodb") as f64, accepted),
            "dynamodbAttempts": per(counts.service_attempts("dynamodb") as f64, accepted),
            "byOperation": by_operation(&counts, accepted),
            "wru": per(counts.wru, accepted),
            "rru": per(counts.rru, accepted),
            "measured": measured_json(&counts, accepted),
            "accountWrites": per(counts.account_writes as f64, accepted),
            "sqs": per(counts.service_total("sqs") as f64, accepted),
            "cognito": per(counts.service_total("cognito") as f64, accepted),
        },
        "perNotification": {
            "notifications": notifications,
            "sqs": per(counts.service_total("sqs") as f64, notifications),
            "cognito": per(counts.service_total("cognito") as f64, notifications),
            "ses": per(counts.service_total("ses") as f64, notifications),
            "sns": per(counts.service_total("sns") as f64, notifications),
        },
    }))
}

/// The raw counts.
pub fn counts_json(counts: &Counts) -> Value {
    json!({
        "operations": counts.operations,
        "attempts": counts.attempts,
        "accountWrites": counts.account_writes,
        "accountWriteRequests": counts.account_write_requests,
        "wru": round3(counts.wru),
        "rru": round3(counts.rru),
    })
}

/// `x` per one of `n` (0 when there are none), to 3 decimals.
pub(crate) fn per(x: f64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { round3(x / n as f64) }
}

/// The capacity DynamoDB reported, per transaction: write units in all (with the
/// estimate for operations that never report), read units reported, and both by table
/// and index.
pub fn measured_json(counts: &Counts, n: usize) -> Value {
    let by: Map<String, Value> = counts
        .measured
        .iter()
        .map(|(name, m)| {
            let value = json!({ "write": per(m.write, n), "read": per(m.read, n) });
            (name.clone(), value)
        })
        .collect();
    json!({
        "wru": per(counts.measured_wru(), n),
        "cancelledTransactionsWru": per(counts.cancelled_wru(), n),
        "rruReported": per(counts.measured_rru(), n),
        "byTableAndIndex": by,
        "writesEstimatedFor": counts.estimated_for(),
    })
}

/// Operations per one of `n`, by `Service.Operation`.
pub(crate) fn by_operation(counts: &Counts, n: usize) -> Value {
    let map: Map<String, Value> = counts
        .operations
        .iter()
        .map(|(k, v)| (k.clone(), json!(round3(*v as f64 / n.max(1) as f64))))
        .collect();
    Value::Object(map)
}

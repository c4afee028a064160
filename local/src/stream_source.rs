//! The DynamoDB stream event source mapping: the stream's records spread over virtual
//! shards by partition key, each consumed concurrently by its own consumer (see
//! [`crate::shard_consumer`]) with batching window, partial batch failures, bounded
//! retries, bisection on error, maximum record age and the on-failure SQS destination
//! (the decisions: [`crate::mapping`]).
//!
//! DynamoDB Local's stream usually has one shard, where AWS has many (and processes up
//! to `ParallelizationFactor` batches of each at once, a partition key's records in
//! order). To behave like AWS, the reader follows every real shard and hands each
//! record, in stream order, to virtual shard `hash(partition key) % (shards × factor)`.
//! One item's records therefore stay in order on one consumer, and different items'
//! records are processed concurrently, as on AWS. Each virtual shard keeps its own
//! buffer, batching window, retry count, bisection state and checkpoint (in memory: a
//! restarted runtime reads the stream again from its start, which the handler's
//! conditions make harmless); a failing shard does not hold the others up.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::mapping::{Rules, partition_key, virtual_shard};
use crate::shard_consumer::Consumer;
use crate::stream_reader::StreamReader;

/// Virtual shards per real shard when nothing says otherwise (`BANK_STREAM_SHARDS`).
pub const DEFAULT_SHARDS: usize = 4;

/// The mapping's settings, read from the template's `DynamoDB` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamMapping {
    pub batch_size: usize,
    /// `MaximumBatchingWindowInSeconds`.
    pub batch_window: Duration,
    /// `-1`: retry until the record expires.
    pub max_retries: i64,
    pub bisect: bool,
    /// `-1`: never too old.
    pub max_record_age_secs: i64,
    pub report_batch_item_failures: bool,
    /// `ParallelizationFactor` (1 to 10): concurrent consumers per shard.
    pub parallelization_factor: usize,
    /// The table's hash key: records are spread over virtual shards by its value.
    pub partition_key: Option<String>,
    pub on_failure_queue_url: Option<String>,
}

impl StreamMapping {
    /// From a resolved `DynamoDB` event's `Properties` (the destination ARN already
    /// mapped to its queue URL by the caller; `partition_key` left to the caller).
    pub fn from_properties(p: &Value, on_failure_queue_url: Option<String>) -> Self {
        let int =
            |field: &str, default: i64| crate::template::integer(&p[field]).unwrap_or(default);
        Self {
            batch_size: usize::try_from(int("BatchSize", 100))
                .unwrap_or(100)
                .clamp(1, 10_000),
            batch_window: Duration::from_secs(
                u64::try_from(int("MaximumBatchingWindowInSeconds", 0))
                    .unwrap_or(0)
                    .min(300),
            ),
            max_retries: int("MaximumRetryAttempts", -1),
            bisect: p["BisectBatchOnFunctionError"].as_bool().unwrap_or(false),
            max_record_age_secs: int("MaximumRecordAgeInSeconds", -1),
            report_batch_item_failures: p["FunctionResponseTypes"]
                .as_array()
                .is_some_and(|t| t.iter().any(|v| v == "ReportBatchItemFailures")),
            parallelization_factor: usize::try_from(int("ParallelizationFactor", 1))
                .unwrap_or(1)
                .clamp(1, 10),
            partition_key: None,
            on_failure_queue_url,
        }
    }

    /// The retry settings the shards' decisions use.
    pub const fn rules(&self) -> Rules {
        Rules {
            batch_size: self.batch_size,
            max_retries: self.max_retries,
            bisect: self.bisect,
            report_batch_item_failures: self.report_batch_item_failures,
        }
    }
}

/// The function a stream mapping invokes (a panic is a function error).
pub type StreamHandler =
    Arc<dyn Fn(Event) -> Pin<Box<dyn Future<Output = DynamoDbEventResponse> + Send>> + Send + Sync>;

/// process-transactions as a [`StreamHandler`].
pub fn process_transactions_handler(app: process_transactions::App) -> StreamHandler {
    let app = Arc::new(app);
    Arc::new(move |event| {
        let app = Arc::clone(&app);
        Box::pin(async move { app.handle(event).await })
    })
}

/// Drives `reader` into `handler` through `shards × ParallelizationFactor` concurrent
/// virtual shard consumers, until the task is aborted (which stops the consumers).
pub async fn run(
    mut reader: StreamReader,
    handler: StreamHandler,
    mapping: StreamMapping,
    sqs: aws_sdk_sqs::Client,
    shards: usize,
) {
    let consumers = shards.max(1) * mapping.parallelization_factor.max(1);
    let mapping = Arc::new(mapping);
    let mut tasks = tokio::task::JoinSet::new();
    let mut senders = Vec::with_capacity(consumers);
    for shard in 0..consumers {
        let (sender, receiver) = mpsc::unbounded_channel();
        senders.push(sender);
        let consumer = Consumer {
            shard,
            arn: reader.arn().to_owned(),
            handler: Arc::clone(&handler),
            mapping: Arc::clone(&mapping),
            sqs: sqs.clone(),
        };
        tasks.spawn(consumer.run(receiver));
    }
    tracing::info!(stream = %reader.arn(), consumers, "stream consumers started");
    loop {
        let records = match reader.poll().await {
            Ok(records) => records,
            Err(e) => {
                tracing::warn!(error = %e, "stream poll failed");
                Vec::new()
            }
        };
        if records.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        for record in records {
            let key = partition_key(&record, mapping.partition_key.as_deref());
            let shard = virtual_shard(&key, consumers);
            if senders[shard].send(record).is_err() {
                tracing::error!(shard, "a stream consumer stopped");
            }
        }
    }
}

/// Sends what AWS sends to an on-failure destination (batch info), plus the records
/// themselves so they can be replayed. A virtual shard's batch is not a contiguous
/// range of the real shard: the records name which of the range's records it holds.
pub(crate) async fn send_on_failure(
    sqs: &aws_sdk_sqs::Client,
    mapping: &StreamMapping,
    arn: &str,
    records: &[EventRecord],
    condition: &str,
    attempts: i64,
) {
    let first = records
        .first()
        .and_then(|r| r.change.sequence_number.clone());
    let last = records
        .last()
        .and_then(|r| r.change.sequence_number.clone());
    tracing::error!(condition, records = records.len(), start = ?first, end = ?last, "records sent to the on-failure destination");
    let Some(url) = &mapping.on_failure_queue_url else {
        return;
    };
    let body = json!({
        "requestContext": { "condition": condition, "approximateInvokeCount": attempts },
        "DDBStreamBatchInfo": {
            "streamArn": arn,
            "startSequenceNumber": first,
            "endSequenceNumber": last,
            "batchSize": records.len(),
        },
        "records": records,
    });
    if let Err(e) = sqs
        .send_message()
        .queue_url(url)
        .message_body(body.to_string())
        .send()
        .await
    {
        tracing::error!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "could not reach the on-failure destination");
    }
}

//! The DynamoDB stream event source mapping: batches in order, partial batch
//! failures (retry from the first failed record), bounded retries, bisection on
//! error, maximum record age, and the on-failure SQS destination.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use serde_json::{Value, json};

use crate::stream_reader::StreamReader;

/// The mapping's settings, read from the template's `DynamoDB` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamMapping {
    pub batch_size: usize,
    /// `-1`: retry until the record expires.
    pub max_retries: i64,
    pub bisect: bool,
    /// `-1`: never too old.
    pub max_record_age_secs: i64,
    pub report_batch_item_failures: bool,
    pub on_failure_queue_url: Option<String>,
}

impl StreamMapping {
    /// From a resolved `DynamoDB` event's `Properties` (the destination ARN already
    /// mapped to its queue URL by the caller).
    pub fn from_properties(p: &Value, on_failure_queue_url: Option<String>) -> Self {
        let int = |field: &str, default: i64| {
            p[field]
                .as_i64()
                .or_else(|| p[field].as_str()?.parse().ok())
                .unwrap_or(default)
        };
        Self {
            batch_size: usize::try_from(int("BatchSize", 100))
                .unwrap_or(100)
                .clamp(1, 10_000),
            max_retries: int("MaximumRetryAttempts", -1),
            bisect: p["BisectBatchOnFunctionError"].as_bool().unwrap_or(false),
            max_record_age_secs: int("MaximumRecordAgeInSeconds", -1),
            report_batch_item_failures: p["FunctionResponseTypes"]
                .as_array()
                .is_some_and(|t| t.iter().any(|v| v == "ReportBatchItemFailures")),
            on_failure_queue_url,
        }
    }
}

/// The function a stream mapping invokes.
pub type StreamHandler = Arc<process_transactions::App>;

/// Drives `reader` into `handler` until the process stops.
pub async fn run(
    mut reader: StreamReader,
    handler: StreamHandler,
    mapping: StreamMapping,
    sqs: aws_sdk_sqs::Client,
) {
    let mut buffer: Vec<EventRecord> = Vec::new();
    let mut attempts: i64 = 0;
    let mut window = mapping.batch_size;
    loop {
        match reader.poll().await {
            Ok(records) => buffer.extend(records),
            Err(e) => tracing::warn!(error = %e, "stream poll failed"),
        }
        if buffer.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        expire_old(&mut buffer, &mapping, &sqs, reader.arn()).await;
        let n = window.min(buffer.len());
        if n == 0 {
            continue;
        }
        let batch: Vec<EventRecord> = buffer[..n].to_vec();
        let failed_at = invoke(&handler, &batch, &mapping).await;
        let Some(failed_at) = failed_at else {
            buffer.drain(..n);
            attempts = 0;
            window = mapping.batch_size;
            continue;
        };
        // Checkpoint what succeeded; the failed record heads the next batch.
        buffer.drain(..failed_at);
        let remaining = n - failed_at;
        if mapping.bisect && remaining > 1 {
            window = remaining.div_ceil(2);
            tracing::info!(
                batch = remaining,
                next = window,
                "bisecting the failed batch"
            );
            continue;
        }
        attempts += 1;
        if mapping.max_retries >= 0 && attempts > mapping.max_retries {
            let dropped: Vec<EventRecord> = buffer.drain(..remaining.min(buffer.len())).collect();
            send_on_failure(
                &sqs,
                &mapping,
                reader.arn(),
                &dropped,
                "RetryAttemptsExhausted",
                attempts,
            )
            .await;
            attempts = 0;
            window = mapping.batch_size;
            continue;
        }
        tokio::time::sleep(Duration::from_millis(
            100 * u64::try_from(attempts).unwrap_or(1).min(20),
        ))
        .await;
    }
}

/// Invokes the handler; `Some(i)`: the batch failed from record `i` on.
async fn invoke(
    handler: &StreamHandler,
    batch: &[EventRecord],
    mapping: &StreamMapping,
) -> Option<usize> {
    let mut event = Event::default();
    event.records = batch.to_vec();
    let handler = Arc::clone(handler);
    let result = tokio::spawn(async move { handler.handle(event).await }).await;
    let response = match result {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(error = %panic, "stream handler crashed: the whole batch is retried");
            return Some(0);
        }
    };
    let Some(failure) = response.batch_item_failures.first() else {
        tracing::info!(records = batch.len(), "stream batch");
        return None;
    };
    if !mapping.report_batch_item_failures {
        return Some(0);
    }
    let position = failure.item_identifier.as_ref().and_then(|id| {
        batch
            .iter()
            .position(|r| r.change.sequence_number.as_ref() == Some(id))
    });
    tracing::info!(batch = batch.len(), failed_at = ?position, "stream batch partially failed");
    Some(position.unwrap_or(0))
}

async fn expire_old(
    buffer: &mut Vec<EventRecord>,
    mapping: &StreamMapping,
    sqs: &aws_sdk_sqs::Client,
    arn: &str,
) {
    if mapping.max_record_age_secs < 0 {
        return;
    }
    let oldest = chrono::Utc::now() - chrono::Duration::seconds(mapping.max_record_age_secs);
    let expired = buffer
        .iter()
        .take_while(|r| {
            r.change.approximate_creation_date_time < oldest
                && r.change.approximate_creation_date_time.timestamp() > 0
        })
        .count();
    if expired > 0 {
        let dropped: Vec<EventRecord> = buffer.drain(..expired).collect();
        send_on_failure(sqs, mapping, arn, &dropped, "RecordAgeExceeded", 0).await;
    }
}

/// Sends what AWS sends to an on-failure destination (batch info), plus the records
/// themselves so they can be replayed.
async fn send_on_failure(
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

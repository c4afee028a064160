//! The SQS event source mapping: long-polls the queue, gathers a batch (up to
//! `BatchSize` messages, or what arrived once `MaximumBatchingWindowInSeconds` has
//! passed since the first message was received, whichever comes first), invokes the
//! function with an `SqsEvent`, deletes what succeeded; failed messages reappear after
//! the visibility timeout and move to the dead-letter queue after `maxReceiveCount`
//! (moto applies the queue's redrive policy).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::Value;
use tokio::time::Instant;

/// A function consuming SQS batches.
pub type SqsHandler =
    Arc<dyn Fn(SqsEvent) -> Pin<Box<dyn Future<Output = SqsBatchResponse> + Send>> + Send + Sync>;

/// The mapping's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsMapping {
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: i32,
    /// `MaximumBatchingWindowInSeconds`.
    pub batch_window: Duration,
    pub report_batch_item_failures: bool,
}

impl SqsMapping {
    /// From a resolved `SQS` event's `Properties`.
    pub fn from_properties(p: &Value, queue_url: String, queue_arn: String) -> Self {
        let int =
            |field: &str, default: i64| crate::template::integer(&p[field]).unwrap_or(default);
        Self {
            queue_url,
            queue_arn,
            batch_size: i32::try_from(int("BatchSize", 10).clamp(1, 10_000)).unwrap_or(10),
            batch_window: Duration::from_secs(
                u64::try_from(int("MaximumBatchingWindowInSeconds", 0).clamp(0, 300)).unwrap_or(0),
            ),
            report_batch_item_failures: p["FunctionResponseTypes"]
                .as_array()
                .is_some_and(|t| t.iter().any(|v| v == "ReportBatchItemFailures")),
        }
    }
}

/// Receives up to `want` messages, waiting at most `wait` (whole seconds, as SQS
/// takes them); `Err` after a failed call (already logged).
async fn receive(
    sqs: &aws_sdk_sqs::Client,
    mapping: &SqsMapping,
    want: i32,
    wait: Duration,
) -> Result<Vec<Message>, ()> {
    let received = sqs
        .receive_message()
        .queue_url(&mapping.queue_url)
        .max_number_of_messages(want.clamp(1, 10))
        .wait_time_seconds(i32::try_from(wait.as_secs().min(20)).unwrap_or(1))
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await;
    received.map(|o| o.messages().to_vec()).map_err(|e| {
        tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "queue poll failed");
    })
}

/// One batch: long-polls for a first message, then gathers until the batch is full or
/// the window (from the first message) has passed.
async fn gather(sqs: &aws_sdk_sqs::Client, mapping: &SqsMapping) -> Vec<Message> {
    let size = usize::try_from(mapping.batch_size.max(1)).unwrap_or(10);
    let mut messages: Vec<Message> = Vec::new();
    let mut deadline: Option<Instant> = None;
    while messages.len() < size {
        let wait = match deadline {
            None => Duration::from_secs(1),
            Some(deadline) if deadline <= Instant::now() => break,
            Some(deadline) => deadline - Instant::now(),
        };
        let want = i32::try_from(size - messages.len()).unwrap_or(10);
        let Ok(received) = receive(sqs, mapping, want, wait).await else {
            if messages.is_empty() {
                tokio::time::sleep(Duration::from_millis(500)).await;
                return messages;
            }
            break;
        };
        if received.is_empty() && deadline.is_none() {
            return messages;
        }
        if received.is_empty() && wait < Duration::from_secs(1) {
            // SQS waits in whole seconds: poll the window's last fraction briefly.
            tokio::time::sleep(wait.min(Duration::from_millis(100))).await;
        }
        if !received.is_empty() && deadline.is_none() {
            deadline = Some(Instant::now() + mapping.batch_window);
        }
        messages.extend(received);
    }
    messages
}

/// Drives the queue into `handler` until the process stops.
pub async fn run(sqs: aws_sdk_sqs::Client, handler: SqsHandler, mapping: SqsMapping) {
    loop {
        let messages = gather(&sqs, &mapping).await;
        if messages.is_empty() {
            continue;
        }
        let event = to_lambda_event(&messages, &mapping.queue_arn, crate::template::REGION);
        let handler = Arc::clone(&handler);
        let failed: Vec<String> = match tokio::spawn(async move { handler(event).await }).await {
            Ok(response) if mapping.report_batch_item_failures => response
                .batch_item_failures
                .iter()
                .map(|f| f.item_identifier.clone())
                .collect(),
            Ok(response) if response.batch_item_failures.is_empty() => Vec::new(),
            _ => messages
                .iter()
                .filter_map(|m| m.message_id().map(str::to_owned))
                .collect(),
        };
        tracing::info!(queue = %mapping.queue_arn, messages = messages.len(), failed = failed.len(), "sqs batch");
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| {
                !m.message_id()
                    .is_some_and(|id| failed.iter().any(|f| f == id))
            })
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .build()
                    .ok()
            })
            .collect();
        if done.is_empty() {
            continue;
        }
        let deleted = sqs
            .delete_message_batch()
            .queue_url(&mapping.queue_url)
            .set_entries(Some(done))
            .send()
            .await;
        if let Err(e) = deleted {
            tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "delete failed: messages will be redelivered");
        }
    }
}

/// SQS messages as Lambda's event source mapping delivers them.
pub fn to_lambda_event(
    messages: &[aws_sdk_sqs::types::Message],
    queue_arn: &str,
    region: &str,
) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .map(|m| to_lambda_message(m, queue_arn, region))
        .collect();
    event
}

fn to_lambda_message(
    message: &aws_sdk_sqs::types::Message,
    queue_arn: &str,
    region: &str,
) -> SqsMessage {
    let mut out = SqsMessage::default();
    out.message_id = message.message_id().map(str::to_owned);
    out.receipt_handle = message.receipt_handle().map(str::to_owned);
    out.body = message.body().map(str::to_owned);
    out.md5_of_body = message.md5_of_body().map(str::to_owned);
    out.attributes = message
        .attributes()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
        .collect();
    out.event_source = Some("aws:sqs".to_owned());
    out.event_source_arn = Some(queue_arn.to_owned());
    out.aws_region = Some(region.to_owned());
    out
}

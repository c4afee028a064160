//! The SQS event source mapping: long-polls the queue, invokes the function with an
//! `SqsEvent`, deletes what succeeded; failed messages reappear after the visibility
//! timeout and move to the dead-letter queue after `maxReceiveCount` (moto applies the
//! queue's redrive policy).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};

/// A function consuming SQS batches.
pub type SqsHandler =
    Arc<dyn Fn(SqsEvent) -> Pin<Box<dyn Future<Output = SqsBatchResponse> + Send>> + Send + Sync>;

/// The mapping's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsMapping {
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: i32,
    pub report_batch_item_failures: bool,
}

/// Drives the queue into `handler` until the process stops.
pub async fn run(sqs: aws_sdk_sqs::Client, handler: SqsHandler, mapping: SqsMapping) {
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&mapping.queue_url)
            .max_number_of_messages(mapping.batch_size.clamp(1, 10))
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await;
        let messages = match received {
            Ok(output) => output.messages().to_vec(),
            Err(e) => {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "queue poll failed");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
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

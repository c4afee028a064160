//! Replays the processing dead-letter queue. Each of its messages is an on-failure
//! record naming a stream batch that process-transactions could not handle after the
//! mapping's retries (`DDBStreamBatchInfo`: stream ARN, shard, first and last sequence
//! numbers); it does not carry the records. They are read back from the stream, which
//! keeps them for 24 hours, handed to process-transactions again, and the message is
//! deleted once its whole batch is handled. A batch that fails again stays in the queue
//! (invisible for the queue's visibility timeout) and is counted as failed.
//!
//! Replaying is safe any number of times and concurrently with the live consumer: a
//! transaction moves out of PENDING only under a condition on PENDING, and
//! notifications are deduplicated by notify.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use serde::Deserialize;
use std::cmp::Ordering;

use crate::stream_reader::{StreamError, error, to_lambda_record};

/// Most `GetRecords` pages read for one batch, and most empty pages in a row (an open
/// shard answers empty pages at its tip).
const MAX_PAGES: usize = 1000;
const MAX_EMPTY_PAGES: usize = 20;

/// The part of an on-failure record that locates the batch.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchInfo {
    pub stream_arn: String,
    /// Absent in records that do not name it: the shard is then found by range.
    #[serde(default)]
    pub shard_id: Option<String>,
    pub start_sequence_number: String,
    pub end_sequence_number: String,
    #[serde(default)]
    pub batch_size: Option<usize>,
}

#[derive(Deserialize)]
struct OnFailure {
    #[serde(rename = "DDBStreamBatchInfo")]
    batch: BatchInfo,
}

/// Why a message could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("not an on-failure record of a stream batch: {0}")]
    NotABatch(String),
    #[error("no shard of the stream holds sequence number {0}")]
    NoShard(String),
    #[error(
        "the stream returned {found} of the batch's {expected} records (older than the stream's 24 hours?)"
    )]
    Incomplete { found: usize, expected: usize },
    #[error(transparent)]
    Aws(#[from] StreamError),
    #[error("process-transactions failed again from sequence number {0}")]
    FailedAgain(String),
}

/// Reads the batch location out of a DLQ message body.
pub fn batch_info(body: &str) -> Result<BatchInfo, ReplayError> {
    serde_json::from_str::<OnFailure>(body)
        .map(|record| record.batch)
        .map_err(|e| ReplayError::NotABatch(e.to_string()))
}

/// Orders stream sequence numbers (decimal text of any length).
fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The shard holding `sequence` (DescribeStream, every page).
async fn find_shard(
    client: &aws_sdk_dynamodbstreams::Client,
    arn: &str,
    sequence: &str,
) -> Result<String, ReplayError> {
    let mut after: Option<String> = None;
    loop {
        let described = client
            .describe_stream()
            .stream_arn(arn)
            .set_exclusive_start_shard_id(after.clone())
            .send()
            .await
            .map_err(|e| error("DescribeStream", e))?;
        let Some(description) = described.stream_description() else {
            return Err(ReplayError::NoShard(sequence.to_owned()));
        };
        for shard in description.shards() {
            let range = shard.sequence_number_range();
            let starts_before = range
                .and_then(|r| r.starting_sequence_number())
                .is_some_and(|first| compare(first, sequence) != Ordering::Greater);
            let ends_after = range
                .and_then(|r| r.ending_sequence_number())
                .is_none_or(|last| compare(last, sequence) != Ordering::Less);
            if let (true, true, Some(id)) = (starts_before, ends_after, shard.shard_id()) {
                return Ok(id.to_owned());
            }
        }
        after = description.last_evaluated_shard_id().map(str::to_owned);
        if after.is_none() {
            return Err(ReplayError::NoShard(sequence.to_owned()));
        }
    }
}

/// The batch's records, read back from its shard, in order.
pub async fn read_batch(
    client: &aws_sdk_dynamodbstreams::Client,
    info: &BatchInfo,
) -> Result<Vec<EventRecord>, ReplayError> {
    let shard = match &info.shard_id {
        Some(shard) => shard.clone(),
        None => find_shard(client, &info.stream_arn, &info.start_sequence_number).await?,
    };
    let mut iterator = client
        .get_shard_iterator()
        .stream_arn(&info.stream_arn)
        .shard_id(&shard)
        .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
        .sequence_number(&info.start_sequence_number)
        .send()
        .await
        .map_err(|e| error("GetShardIterator", e))?
        .shard_iterator()
        .map(str::to_owned);
    let mut records = Vec::new();
    let (mut pages, mut empty) = (0, 0);
    while let Some(current) = iterator.take() {
        pages += 1;
        let page = client
            .get_records()
            .shard_iterator(current)
            .send()
            .await
            .map_err(|e| error("GetRecords", e))?;
        let mut past_end = false;
        for record in page.records() {
            let lambda = to_lambda_record(record, &info.stream_arn);
            let sequence = lambda.change.sequence_number.as_deref().unwrap_or("");
            if compare(sequence, &info.end_sequence_number) == Ordering::Greater {
                past_end = true;
                break;
            }
            if compare(sequence, &info.start_sequence_number) != Ordering::Less {
                records.push(lambda);
            }
        }
        let reached_end = records.last().is_some_and(|r| {
            r.change.sequence_number.as_deref() == Some(info.end_sequence_number.as_str())
        });
        empty = if page.records().is_empty() {
            empty + 1
        } else {
            0
        };
        if past_end || reached_end || pages >= MAX_PAGES || empty >= MAX_EMPTY_PAGES {
            break;
        }
        iterator = page.next_shard_iterator().map(str::to_owned);
    }
    let expected = info.batch_size.unwrap_or(records.len());
    if records.len() != expected || records.is_empty() {
        return Err(ReplayError::Incomplete {
            found: records.len(),
            expected,
        });
    }
    Ok(records)
}

/// Reads one DLQ message's batch back and hands it to process-transactions.
pub async fn replay_message(
    streams: &aws_sdk_dynamodbstreams::Client,
    app: &process_transactions::App,
    body: &str,
) -> Result<usize, ReplayError> {
    let info = batch_info(body)?;
    let records = read_batch(streams, &info).await?;
    let count = records.len();
    let mut event = Event::default();
    event.records = records;
    let response = app.handle(event).await;
    match response.batch_item_failures.first() {
        None => Ok(count),
        Some(failure) => Err(ReplayError::FailedAgain(
            failure.item_identifier.clone().unwrap_or_default(),
        )),
    }
}

/// What a replay did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Messages whose batch was handled, then deleted.
    pub replayed: usize,
    /// Stream records handed to process-transactions in those batches.
    pub records: usize,
    /// Messages left in the queue, with the reason.
    pub failed: Vec<(String, String)>,
}

/// Replays every message now in the processing DLQ at `queue_url`.
pub async fn replay_queue(
    sqs: &aws_sdk_sqs::Client,
    streams: &aws_sdk_dynamodbstreams::Client,
    app: &process_transactions::App,
    queue_url: &str,
) -> Result<Report, ReplayError> {
    let mut report = Report::default();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .map_err(|e| error("ReceiveMessage", e))?;
        if received.messages().is_empty() {
            return Ok(report);
        }
        for message in received.messages() {
            let id = message.message_id().unwrap_or_default().to_owned();
            match replay_message(streams, app, message.body().unwrap_or_default()).await {
                Ok(records) => {
                    sqs.delete_message()
                        .queue_url(queue_url)
                        .receipt_handle(message.receipt_handle().unwrap_or_default())
                        .send()
                        .await
                        .map_err(|e| error("DeleteMessage", e))?;
                    tracing::info!(message_id = %id, records, "stream batch replayed");
                    report.replayed += 1;
                    report.records += records;
                }
                Err(error) => {
                    // Left invisible for the queue's visibility timeout: not received
                    // again by this run.
                    tracing::warn!(message_id = %id, error = %error, "stream batch not replayed");
                    report.failed.push((id, error.to_string()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_order_as_numbers() {
        assert_eq!(compare("9", "10"), Ordering::Less);
        assert_eq!(compare("000123", "123"), Ordering::Equal);
        assert_eq!(
            compare("49600000000000000000000000", "4960000000000000000000000"),
            Ordering::Greater
        );
    }

    #[test]
    fn an_aws_on_failure_record_names_its_batch() {
        let body = r#"{"requestContext":{"requestId":"r","functionArn":"f","condition":"RetryAttemptsExhausted","approximateInvokeCount":6},
            "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
            "version":"1.0","timestamp":"2026-11-25T09:21:00.123Z",
            "DDBStreamBatchInfo":{"shardId":"shardId-000001","startSequenceNumber":"100","endSequenceNumber":"120",
            "approximateArrivalOfFirstRecord":"2026-11-25T09:20:59Z","approximateArrivalOfLastRecord":"2026-11-25T09:20:59Z",
            "batchSize":3,"streamArn":"arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026"}}"#;
        let info = batch_info(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.shard_id.as_deref(), Some("shardId-000001"));
        assert_eq!(
            (
                info.start_sequence_number.as_str(),
                info.end_sequence_number.as_str()
            ),
            ("100", "120")
        );
        assert_eq!(info.batch_size, Some(3));
        assert!(matches!(
            batch_info(r#"{"Records":[]}"#),
            Err(ReplayError::NotABatch(_))
        ));
    }
}

//! Replays the processing dead-letter queue. Each of its messages is an on-failure
//! record naming a stream batch that process-transactions could not handle after the
//! mapping's retries (`DDBStreamBatchInfo`: stream ARN, shard, first and last sequence
//! numbers); it does not carry the records. They are read back from the stream, which
//! keeps them for 24 hours, handed to process-transactions again, and the message is
//! deleted once its whole batch is handled.
//!
//! A record that fails again (a poison record) does not stop the replay: it is reported
//! with its sequence number and reason, and the batch's later records are handed over
//! without it. The message holding it is kept (it is deleted only when every record of
//! its batch was applied; it stays invisible for the queue's visibility timeout), so
//! the poison record can be replayed again once fixed, which re-applies nothing that
//! was applied. The local runtime's messages also carry the batch's records: a virtual
//! shard's batch is not a contiguous range of the real shard, so only the listed
//! sequence numbers of the range are replayed.
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
    /// The batch's own sequence numbers, when the message lists its records (the local
    /// runtime's do); empty: every record of the range.
    #[serde(skip)]
    pub listed: Vec<String>,
}

#[derive(Deserialize)]
struct OnFailure {
    #[serde(rename = "DDBStreamBatchInfo")]
    batch: BatchInfo,
    #[serde(default)]
    records: Vec<serde_json::Value>,
}

/// A record of a replayed batch that failed again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRecord {
    pub sequence_number: String,
    pub reason: String,
}

impl std::fmt::Display for FailedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.sequence_number, self.reason)
    }
}

/// What replaying one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Records handed over and applied (or found already applied).
    pub applied: usize,
    /// Records that failed again, in stream order.
    pub failed: Vec<FailedRecord>,
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
    #[error("process-transactions failed again on {}", list(.0))]
    FailedAgain(Vec<FailedRecord>),
}

fn list(records: &[FailedRecord]) -> String {
    records
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the batch location out of a DLQ message body.
pub fn batch_info(body: &str) -> Result<BatchInfo, ReplayError> {
    let record = serde_json::from_str::<OnFailure>(body)
        .map_err(|e| ReplayError::NotABatch(e.to_string()))?;
    let mut batch = record.batch;
    batch.listed = record
        .records
        .iter()
        .filter_map(|r| r["dynamodb"]["SequenceNumber"].as_str().map(str::to_owned))
        .collect();
    Ok(batch)
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
            let listed = info.listed.is_empty() || info.listed.iter().any(|s| s == sequence);
            if listed && compare(sequence, &info.start_sequence_number) != Ordering::Less {
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
    let expected = if info.listed.is_empty() {
        info.batch_size.unwrap_or(records.len())
    } else {
        info.listed.len()
    };
    if records.len() != expected || records.is_empty() {
        return Err(ReplayError::Incomplete {
            found: records.len(),
            expected,
        });
    }
    Ok(records)
}

/// Reads one DLQ message's batch back and hands it to process-transactions: the
/// number of records applied, or [`ReplayError::FailedAgain`] naming those that failed
/// again (the others were applied all the same).
pub async fn replay_message(
    streams: &aws_sdk_dynamodbstreams::Client,
    app: &process_transactions::App,
    body: &str,
) -> Result<usize, ReplayError> {
    let replayed = replay_batch(streams, app, body).await?;
    if replayed.failed.is_empty() {
        Ok(replayed.applied)
    } else {
        Err(ReplayError::FailedAgain(replayed.failed))
    }
}

/// Reads one DLQ message's batch back and hands it to process-transactions, going on
/// past each record that fails again.
pub async fn replay_batch(
    streams: &aws_sdk_dynamodbstreams::Client,
    app: &process_transactions::App,
    body: &str,
) -> Result<Replayed, ReplayError> {
    let info = batch_info(body)?;
    let records = read_batch(streams, &info).await?;
    Ok(apply_past_failures(app, records).await)
}

/// Hands `records` over in order; each record reported failed is set aside and the
/// ones after it handed over again.
async fn apply_past_failures(
    app: &process_transactions::App,
    mut records: Vec<EventRecord>,
) -> Replayed {
    let mut replayed = Replayed::default();
    while !records.is_empty() {
        let mut event = Event::default();
        event.records = records.clone();
        let response = app.handle(event).await;
        let failed_at = response.batch_item_failures.iter().map(|failure| {
            failure.item_identifier.as_ref().and_then(|id| {
                records
                    .iter()
                    .position(|r| r.change.sequence_number.as_ref() == Some(id))
            })
        });
        // An identifier naming no record: the first record is taken as the failed one.
        let Some(at) = failed_at.map(|p| p.unwrap_or(0)).min() else {
            replayed.applied += records.len();
            break;
        };
        replayed.applied += at;
        let rest = records.split_off(at + 1);
        if let Some(poison) = records.pop() {
            let failed = FailedRecord {
                sequence_number: poison.change.sequence_number.clone().unwrap_or_default(),
                reason: reason(&poison),
            };
            tracing::warn!(sequence_number = %failed.sequence_number, reason = %failed.reason, "record failed again: kept in the queue, replay goes on");
            replayed.failed.push(failed);
        }
        records = rest;
    }
    replayed
}

/// Why process-transactions cannot apply `record`, as far as can be told from here.
fn reason(record: &EventRecord) -> String {
    if record.event_name == "INSERT" {
        let item: shared::store::Item = record.change.new_image.clone().into();
        if let Err(e) = shared::store::TransactionRecord::from_item(&item) {
            return format!("malformed transaction: {e}");
        }
    }
    "process-transactions failed on it again (its log says why)".to_owned()
}

/// What a replay did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Messages whose batch was handled, then deleted.
    pub replayed: usize,
    /// Stream records applied (in every batch, replayed whole or not).
    pub records: usize,
    /// Messages left in the queue, with the reason.
    pub failed: Vec<(String, String)>,
    /// The records that failed again, by the id of the message holding them.
    pub poison: Vec<(String, FailedRecord)>,
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
            let replayed = replay_batch(streams, app, message.body().unwrap_or_default()).await;
            match replayed {
                Ok(replayed) if replayed.failed.is_empty() => {
                    sqs.delete_message()
                        .queue_url(queue_url)
                        .receipt_handle(message.receipt_handle().unwrap_or_default())
                        .send()
                        .await
                        .map_err(|e| error("DeleteMessage", e))?;
                    tracing::info!(message_id = %id, records = replayed.applied, "stream batch replayed");
                    report.replayed += 1;
                    report.records += replayed.applied;
                }
                Ok(replayed) => {
                    report.records += replayed.applied;
                    report
                        .poison
                        .extend(replayed.failed.iter().map(|f| (id.clone(), f.clone())));
                    let error = ReplayError::FailedAgain(replayed.failed);
                    tracing::warn!(message_id = %id, applied = replayed.applied, error = %error, "stream batch partly replayed: kept in the queue");
                    report.failed.push((id, error.to_string()));
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
#[path = "replay_tests.rs"]
mod tests;

//! One virtual shard's consumer: gathers batches (up to `BatchSize` records, or what
//! arrived when `MaximumBatchingWindowInSeconds` has passed since the batch's first
//! record arrived), invokes the handler, and applies the mapping's decision (see
//! [`crate::mapping`]): checkpoint, retry, bisect, or discard to the on-failure
//! destination. Records come in stream order and leave only from the head.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use crate::mapping::{Outcome, ShardState};
use crate::stream_source::{StreamHandler, StreamMapping, send_on_failure};

/// A buffered record and when it reached this shard.
#[derive(Debug, Clone)]
pub struct Arrived {
    pub record: EventRecord,
    pub at: Instant,
}

/// A virtual shard's consumer.
pub(crate) struct Consumer {
    pub shard: usize,
    pub arn: String,
    pub handler: StreamHandler,
    pub mapping: Arc<StreamMapping>,
    pub sqs: aws_sdk_sqs::Client,
}

impl Consumer {
    /// Consumes the shard until its sender is dropped and its buffer is empty.
    pub async fn run(self, mut receiver: UnboundedReceiver<EventRecord>) {
        let rules = self.mapping.rules();
        let mut buffer: VecDeque<Arrived> = VecDeque::new();
        let mut state = ShardState::default();
        loop {
            let want = state.next_len(&rules, usize::MAX);
            let window = if state.retrying() {
                Duration::ZERO
            } else {
                self.mapping.batch_window
            };
            let open = gather(&mut receiver, &mut buffer, want, window).await;
            if buffer.is_empty() {
                if open {
                    continue;
                }
                return;
            }
            let expired = self.expire_old(&mut buffer).await;
            state.expired(expired);
            let len = state.next_len(&rules, buffer.len());
            if len == 0 {
                continue;
            }
            let batch: Vec<EventRecord> =
                buffer.iter().take(len).map(|a| a.record.clone()).collect();
            let outcome = invoke(&self.handler, &batch, self.shard).await;
            let step = state.decide(&rules, len, outcome);
            buffer.drain(..step.checkpoint);
            if step.discard > 0 {
                let dropped: Vec<EventRecord> =
                    buffer.drain(..step.discard).map(|a| a.record).collect();
                send_on_failure(
                    &self.sqs,
                    &self.mapping,
                    &self.arn,
                    &dropped,
                    "RetryAttemptsExhausted",
                    step.attempts,
                )
                .await;
            }
            if step.back_off {
                let attempts = u64::try_from(state.attempts()).unwrap_or(1).clamp(1, 20);
                tokio::time::sleep(Duration::from_millis(100 * attempts)).await;
            }
        }
    }

    /// Sends the head records older than `MaximumRecordAgeInSeconds` to the
    /// destination; how many.
    async fn expire_old(&self, buffer: &mut VecDeque<Arrived>) -> usize {
        if self.mapping.max_record_age_secs < 0 {
            return 0;
        }
        let oldest =
            chrono::Utc::now() - chrono::Duration::seconds(self.mapping.max_record_age_secs);
        let expired = buffer
            .iter()
            .take_while(|a| {
                let at = a.record.change.approximate_creation_date_time;
                at < oldest && at.timestamp() > 0
            })
            .count();
        if expired > 0 {
            let dropped: Vec<EventRecord> = buffer.drain(..expired).map(|a| a.record).collect();
            send_on_failure(
                &self.sqs,
                &self.mapping,
                &self.arn,
                &dropped,
                "RecordAgeExceeded",
                0,
            )
            .await;
        }
        expired
    }
}

/// Fills `buffer` towards `want` records: waits for a first record if it is empty,
/// then until `want` are there or `window` has passed since the head record arrived,
/// whichever comes first (what has already arrived is taken at once). `false`: the
/// sender is gone (nothing more will come).
pub async fn gather(
    receiver: &mut UnboundedReceiver<EventRecord>,
    buffer: &mut VecDeque<Arrived>,
    want: usize,
    window: Duration,
) -> bool {
    if buffer.is_empty() {
        match receiver.recv().await {
            Some(record) => buffer.push_back(Arrived {
                record,
                at: Instant::now(),
            }),
            None => return false,
        }
    }
    while let Ok(record) = receiver.try_recv() {
        buffer.push_back(Arrived {
            record,
            at: Instant::now(),
        });
    }
    let deadline = buffer.front().map_or_else(Instant::now, |a| a.at) + window;
    while buffer.len() < want {
        match tokio::time::timeout_at(deadline, receiver.recv()).await {
            Ok(Some(record)) => buffer.push_back(Arrived {
                record,
                at: Instant::now(),
            }),
            Ok(None) => return false,
            Err(_) => break,
        }
    }
    true
}

/// Invokes the handler on one batch and reads its answer as the mapping does.
async fn invoke(handler: &StreamHandler, batch: &[EventRecord], shard: usize) -> Outcome {
    let mut event = Event::default();
    event.records = batch.to_vec();
    let handler = Arc::clone(handler);
    let response = match tokio::spawn(async move { handler(event).await }).await {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(shard, error = %panic, "stream handler crashed: a function error");
            return Outcome::FunctionError;
        }
    };
    if response.batch_item_failures.is_empty() {
        tracing::info!(shard, records = batch.len(), "stream batch");
        return Outcome::Success;
    }
    // The lowest sequence number counts; one naming no record fails the whole batch.
    let mut first: Option<usize> = None;
    for failure in &response.batch_item_failures {
        let position = failure.item_identifier.as_ref().and_then(|id| {
            batch
                .iter()
                .position(|r| r.change.sequence_number.as_ref() == Some(id))
        });
        let Some(position) = position else {
            tracing::warn!(
                shard,
                batch = batch.len(),
                "item failure names no record of the batch: a function error"
            );
            return Outcome::FunctionError;
        };
        first = Some(first.map_or(position, |f| f.min(position)));
    }
    tracing::info!(shard, batch = batch.len(), failed_at = ?first, "stream batch partially failed");
    first.map_or(Outcome::FunctionError, Outcome::ItemFailure)
}

#[cfg(test)]
#[path = "shard_consumer_tests.rs"]
mod tests;

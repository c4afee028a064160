//! The decisions of a stream event source mapping, without I/O: which virtual shard a
//! record belongs to, how many records the next batch takes, and what a batch's
//! outcome does to the shard (checkpoint, retry, bisect, discard).
//!
//! What AWS documents (Lambda developer guide, "Configuring partial batch response with
//! DynamoDB and Lambda" and the DynamoDB event source mapping parameters):
//! - Lambda checkpoints at a batch's highest sequence number only when the batch fully
//!   succeeds; any other result is a complete failure, retried up to
//!   `MaximumRetryAttempts` (`-1`: until the record expires) and
//!   `MaximumRecordAgeInSeconds`; discarded records go to the on-failure destination.
//! - With `ReportBatchItemFailures`, the function returns the sequence number of the
//!   first failed record (with several, the lowest counts); Lambda checkpoints before it
//!   and retries every record from it. An empty or null `itemIdentifier`, or one that
//!   names no record of the batch, makes the whole batch a failure. Without
//!   `ReportBatchItemFailures` the response is ignored: only a function error fails.
//! - With `BisectBatchOnFunctionError`, a failed invocation (function error) splits the
//!   batch in two, each half retried separately, whatever `ReportBatchItemFailures` says;
//!   a partial failure with both settings splits the batch at the returned sequence
//!   number and only the remaining records are retried.
//! - `ParallelizationFactor` (1 to 10) processes up to that many batches of one shard
//!   at once, records with the same partition key still in order.
//!
//! What is implemented (the documentation does not say whether a bisection counts as
//! a retry, nor how a partial failure that made progress counts):
//! - A bisection is not counted as a retry attempt, so a bad record is isolated before
//!   its batch's retries run out (counting it would send good records of a large batch
//!   to the destination before the bad one is found); a function error on a batch of one
//!   record (or without bisection) counts one attempt.
//! - A partial failure counts one attempt for the records from the failed one; when it
//!   made progress (the failed record is not the first) the count restarts at one, as
//!   the failed record heads a new batch.
//! - When the attempts exceed `MaximumRetryAttempts`, the records retried (the failed
//!   one and those after it in the batch) are discarded to the destination, and the
//!   shard goes on with the next records.

use std::collections::VecDeque;

use aws_lambda_events::event::dynamodb::EventRecord;

/// The retry settings of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub batch_size: usize,
    /// `-1`: retry until the record expires.
    pub max_retries: i64,
    pub bisect: bool,
    pub report_batch_item_failures: bool,
}

/// What one invocation of a batch of `len` records returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No error and no (honoured) item failure.
    Success,
    /// `ReportBatchItemFailures`: the first failed record is at this position.
    ItemFailure(usize),
    /// The invocation failed as a whole (error, crash, or an item failure naming no
    /// record of the batch).
    FunctionError,
}

/// What the shard does after an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Step {
    /// Records at the head of the shard now done (checkpointed).
    pub checkpoint: usize,
    /// Records after those, sent to the on-failure destination.
    pub discard: usize,
    /// The attempts the discarded records had (for the destination's record).
    pub attempts: i64,
    /// Wait before the next invocation (a retry of the same records).
    pub back_off: bool,
}

/// One virtual shard's retry state: the attempts of its head batch and the sizes of
/// the sub-batches planned by bisection (empty: the next batch is a fresh one of up to
/// `batch_size` records).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShardState {
    attempts: i64,
    planned: VecDeque<usize>,
}

impl ShardState {
    /// How many of the `available` buffered records the next batch takes.
    pub fn next_len(&self, rules: &Rules, available: usize) -> usize {
        self.planned
            .front()
            .copied()
            .unwrap_or(rules.batch_size)
            .min(available)
    }

    /// `true` while a failed batch (or one of its halves) is being retried: such a
    /// batch is invoked again without waiting for the batching window.
    pub fn retrying(&self) -> bool {
        !self.planned.is_empty() || self.attempts > 0
    }

    /// The attempts made so far on the head batch.
    pub const fn attempts(&self) -> i64 {
        self.attempts
    }

    /// Applies the outcome of invoking the head batch of `len` records.
    pub fn decide(&mut self, rules: &Rules, len: usize, outcome: Outcome) -> Step {
        match self.planned.front_mut() {
            Some(front) => *front = len,
            None => self.planned.push_back(len),
        }
        let outcome = match outcome {
            Outcome::ItemFailure(_) if !rules.report_batch_item_failures => Outcome::Success,
            Outcome::ItemFailure(i) if i >= len => Outcome::FunctionError,
            other => other,
        };
        match outcome {
            Outcome::Success => {
                self.consume(len);
                self.attempts = 0;
                Step {
                    checkpoint: len,
                    ..Step::default()
                }
            }
            Outcome::ItemFailure(failed) => {
                self.consume(failed);
                self.attempts = if failed > 0 { 1 } else { self.attempts + 1 };
                self.retry_or_discard(rules, failed, len - failed)
            }
            Outcome::FunctionError if rules.bisect && len > 1 => {
                self.planned.pop_front();
                self.planned.push_front(len / 2);
                self.planned.push_front(len.div_ceil(2));
                Step::default()
            }
            Outcome::FunctionError => {
                self.attempts += 1;
                self.retry_or_discard(rules, 0, len)
            }
        }
    }

    fn retry_or_discard(&mut self, rules: &Rules, checkpoint: usize, remaining: usize) -> Step {
        if rules.max_retries >= 0 && self.attempts > rules.max_retries {
            let attempts = self.attempts;
            self.consume(remaining);
            self.attempts = 0;
            return Step {
                checkpoint,
                discard: remaining,
                attempts,
                back_off: false,
            };
        }
        Step {
            checkpoint,
            back_off: true,
            ..Step::default()
        }
    }

    /// `n` records left the head of the shard (done, discarded or expired).
    pub fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.planned.front_mut() else {
                return;
            };
            let taken = n.min(*front);
            *front -= taken;
            n -= taken;
            if *front == 0 {
                self.planned.pop_front();
            }
        }
    }

    /// Records expired at the head: the retry count starts again.
    pub fn expired(&mut self, n: usize) {
        if n > 0 {
            self.consume(n);
            self.attempts = 0;
        }
    }
}

/// A stable 64-bit FNV-1a hash (the same in every process and build).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The partition key of a stream record as text: the value of `hash_key` in the
/// record's keys (all its keys when the name is unknown or absent).
pub fn partition_key(record: &EventRecord, hash_key: Option<&str>) -> String {
    let keys = &record.change.keys;
    let value = hash_key.and_then(|name| keys.get(name));
    match value {
        Some(serde_dynamo::AttributeValue::S(text)) => text.clone(),
        Some(other) => format!("{other:?}"),
        None => {
            let mut all: Vec<String> = keys.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            all.sort();
            all.join("&")
        }
    }
}

/// The virtual shard (of `shards`) that handles a partition key: one key always lands
/// on the same one, so its records stay in order.
pub fn virtual_shard(partition_key: &str, shards: usize) -> usize {
    let shards = u64::try_from(shards.max(1)).unwrap_or(1);
    usize::try_from(mix(stable_hash(partition_key.as_bytes())) % shards).unwrap_or(0)
}

/// MurmurHash3's finalizer: FNV's low bits alone spread similar keys badly (keys
/// differing in their last characters fell on two of four shards).
const fn mix(mut hash: u64) -> u64 {
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;

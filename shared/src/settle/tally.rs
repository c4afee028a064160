//! What one [`super::Engine::settle`] call did, counted where it happens and returned
//! in [`super::Settled`]: the stream consumer and the reconciler print it as their
//! invocation's metrics ([`Tally::add_to`]), so both count the same way.

use std::collections::BTreeMap;

use crate::clock::Timestamp;
use crate::metrics::{Distribution, Invocation, Unit};
use crate::store::TransactionRecord;

use super::Applied;

/// Counts of one settle call (its input and the PENDING predecessors it settled).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Transactions the call was given.
    pub batch_size: usize,
    /// COMPLETED (balances changed), by transaction type (`DEPOSIT`, ...).
    pub settled: BTreeMap<&'static str, u64>,
    /// REJECTED, by reason (`INSUFFICIENT_FUNDS`, ...).
    pub rejected: BTreeMap<&'static str, u64>,
    /// Milliseconds from `createdAt` to `processedAt`, per transaction written.
    pub latency_ms: Distribution,
    /// Read-decide-write rounds run again after a cancelled commit (conflict,
    /// throttling, a concurrently changed account or settled transaction), or after
    /// transactions were found settled elsewhere just before the commit.
    pub commit_retries: u64,
    /// Chunks that could not be written whole and were split into chunks of one.
    pub chunks_split: u64,
}

impl Tally {
    /// Counts `record` written as `applied` at `processed_at`.
    pub(super) fn written(
        &mut self,
        record: &TransactionRecord,
        applied: Applied,
        processed_at: &Timestamp,
    ) {
        match applied {
            Applied::Completed => {
                *self
                    .settled
                    .entry(record.kind.transaction_type().as_str())
                    .or_default() += 1;
            }
            Applied::Rejected(reason) => *self.rejected.entry(reason.as_str()).or_default() += 1,
            Applied::AlreadyProcessed => return,
        }
        let waited = processed_at.instant() - record.created_at.instant();
        #[allow(clippy::cast_precision_loss)]
        self.latency_ms
            .record(waited.num_milliseconds().max(0) as f64);
    }

    /// Transactions written COMPLETED.
    pub fn completed(&self) -> u64 {
        self.settled.values().sum()
    }

    /// Transactions written REJECTED.
    pub fn rejections(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Adds the call's metrics to `invocation`: `BatchSize`, `CommitRetries`,
    /// `ChunksSplit` and `SettlementLatencyMs` (a distribution) under the base
    /// dimensions, `TransactionsSettled` by `Type`, `TransactionsRejected` by `Reason`.
    pub fn add_to(&self, invocation: &mut Invocation) {
        invocation
            .count("BatchSize", self.batch_size)
            .metric("CommitRetries", Unit::Count, as_f64(self.commit_retries))
            .metric("ChunksSplit", Unit::Count, as_f64(self.chunks_split))
            .distribution("SettlementLatencyMs", Unit::Milliseconds, &self.latency_ms);
        for (kind, n) in &self.settled {
            invocation.count_by("TransactionsSettled", "Type", kind, *n);
        }
        for (reason, n) in &self.rejected {
            invocation.count_by("TransactionsRejected", "Reason", reason, *n);
        }
    }
}

#[allow(clippy::cast_precision_loss)]
const fn as_f64(n: u64) -> f64 {
    n as f64
}

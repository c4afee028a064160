//! The settling loop: chunks in acceptance order, each read, decided and committed
//! with bounded retries; a chunk that cannot be written is split into chunks of one.

use std::collections::HashSet;
use std::time::Duration;

use super::incoming::Known;
use super::plan;
use super::work::Work;
use super::{Applied, Deadline, Engine, Unsettled};
use crate::clock::Timestamp;
use crate::domain::{AccountId, Outcome};
use crate::store::{Account, Cancelled, Commit, StoreError, TransactionRecord};

/// Where a pass over the work ended.
pub(super) enum Step {
    Done,
    /// Stopped: this and everything after it stays PENDING.
    Stop(Unsettled),
    /// More predecessors to settle first (or a pause for them to become visible):
    /// look again and decide again.
    Restart(Vec<TransactionRecord>),
}

impl Engine {
    pub(super) async fn run(&self, work: &mut Work, deadline: Deadline, known: &mut Known) -> Step {
        let open = work.open();
        // Chunk boundaries depend only on the transactions, not on their outcomes.
        let mut bounds = Vec::new();
        {
            let records: Vec<&TransactionRecord> =
                open.iter().map(|i| &work.entries[*i].record).collect();
            let mut start = 0;
            while start < records.len() {
                let end = plan::chunk_end(&records, start);
                bounds.push(start..end);
                start = end;
            }
        }
        for bound in bounds {
            let chunk = &open[bound];
            match self.settle_chunk(work, chunk, deadline, known).await {
                Step::Done => {}
                Step::Stop(Unsettled::Store(_)) if chunk.len() > 1 => {
                    // Same path, one transaction at a time.
                    work.tally.chunks_split += 1;
                    for one in chunk {
                        match self.settle_chunk(work, &[*one], deadline, known).await {
                            Step::Done => {}
                            other => return other,
                        }
                    }
                }
                other => return other,
            }
        }
        Step::Done
    }

    /// Reads, decides and commits `chunk` (positions in `work`) until every one of its
    /// transactions is settled or the attempts are used up.
    async fn settle_chunk(
        &self,
        work: &mut Work,
        chunk: &[usize],
        deadline: Deadline,
        known: &mut Known,
    ) -> Step {
        let mut last_error: Option<StoreError> = None;
        let mut pause = false;
        for attempt in 0..self.retry.attempts {
            let open: Vec<usize> = chunk
                .iter()
                .copied()
                .filter(|i| work.entries[*i].outcome.is_none())
                .collect();
            if open.is_empty() {
                return Step::Done;
            }
            let delay = if pause {
                self.retry.delay(attempt.max(1))
            } else {
                Duration::ZERO
            };
            if !deadline.allows(self.round_budget + delay) {
                return Step::Stop(Unsettled::Deadline);
            }
            if attempt > 0 {
                work.tally.commit_retries += 1;
            }
            tokio::time::sleep(delay).await;
            let records: Vec<TransactionRecord> = open
                .iter()
                .map(|i| work.entries[*i].record.clone())
                .collect();
            work.classify(&mut known.settled, &mut known.waiting, &open);
            // Predecessors (or a retry) may be settled by another consumer meanwhile.
            let recheck = attempt > 0 || open.iter().any(|i| work.is_predecessor(*i));
            let round = self.round(&records, recheck, deadline, known).await;
            match round {
                Round::Written(outcomes, processed_at) => {
                    for (i, outcome) in open.iter().zip(outcomes) {
                        work.tally
                            .written(&work.entries[*i].record, outcome, &processed_at);
                        work.entries[*i].outcome = Some(outcome);
                    }
                    return Step::Done;
                }
                Round::Cancelled {
                    no_longer_pending,
                    pause: again,
                    error,
                } => {
                    for position in no_longer_pending {
                        if let Some(i) = open.get(position) {
                            work.entries[*i].outcome = Some(Applied::AlreadyProcessed);
                        }
                    }
                    pause = again;
                    last_error = error.or(last_error);
                }
                Round::Step(step) => return step,
            }
        }
        Step::Stop(Unsettled::Store(last_error.unwrap_or_else(|| {
            StoreError::service(
                "TransactWriteItems",
                "TransactionConflict",
                format!("not written after {} attempts", self.retry.attempts),
            )
        })))
    }

    /// One read-decide-write round. With `recheck`, the transactions are first read
    /// again (eventually consistent: a hint): those another consumer settled since
    /// they were read are left out before anything is written, instead of cancelling
    /// the commit (a cancelled transaction costs every item's write units; this read
    /// half a read unit per item).
    async fn round(
        &self,
        records: &[TransactionRecord],
        recheck: bool,
        deadline: Deadline,
        known: &mut Known,
    ) -> Round {
        if recheck {
            match self.settled_elsewhere(records).await {
                Ok(gone) if gone.is_empty() => {}
                Ok(gone) => {
                    tracing::info!(
                        transactions = records.len(),
                        no_longer_pending = gone.len(),
                        "settled elsewhere before the commit; deciding again without them"
                    );
                    return Round::Cancelled {
                        no_longer_pending: gone,
                        pause: false,
                        error: None,
                    };
                }
                Err(error) => return Round::failed(error),
            }
        }
        let ids: Vec<AccountId> = records
            .iter()
            .flat_map(|r| std::iter::once(r.account_id).chain(r.kind.destination()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let accounts = match self.ledger.read_accounts(&ids).await {
            Ok(accounts) => accounts,
            Err(error) => return Round::failed(error),
        };
        let link_keys: Vec<&str> = records
            .iter()
            .filter(|r| r.kind.link().is_some())
            .filter_map(|r| r.link_key.as_deref())
            .collect();
        let linked = match self.ledger.read_linked(&link_keys).await {
            Ok(linked) => linked,
            Err(error) => return Round::failed(error),
        };
        let processed_at = Timestamp::now();
        let plan = plan::plan_linked(records, &accounts, &linked, &processed_at);
        if let Some(step) = self.before_rejecting(records, &plan, deadline, known).await {
            return Round::Step(step);
        }
        let writes = plan.account_writes(&accounts);
        let settles = plan.settles(records, &accounts);
        let unchanged: Vec<&Account> = plan::rejections_read(records, &plan, &accounts)
            .iter()
            .filter_map(|id| accounts.get(id))
            .collect();
        match self
            .ledger
            .commit(&writes, &settles, &unchanged, processed_at.as_str())
            .await
        {
            Ok(Commit::Written) => Round::Written(
                plan.outcomes
                    .iter()
                    .map(|o| match o {
                        Outcome::Applied { .. } => Applied::Completed,
                        Outcome::Rejected(reason) => Applied::Rejected(*reason),
                    })
                    .collect(),
                processed_at,
            ),
            Ok(Commit::Cancelled(cancelled)) => after_cancel(records.len(), cancelled),
            Err(error) => Round::failed(error),
        }
    }

    /// The positions in `records` of those no longer PENDING.
    async fn settled_elsewhere(
        &self,
        records: &[TransactionRecord],
    ) -> Result<Vec<usize>, StoreError> {
        let keys: Vec<String> = records.iter().map(TransactionRecord::table_key).collect();
        let still = self.ledger.still_pending(&keys).await?;
        Ok((0..keys.len())
            .filter(|i| !still.contains(&keys[*i]))
            .collect())
    }
}

/// What one round did.
enum Round {
    /// Written, at this `processedAt`.
    Written(Vec<Applied>, Timestamp),
    Cancelled {
        no_longer_pending: Vec<usize>,
        pause: bool,
        error: Option<StoreError>,
    },
    Step(Step),
}

impl Round {
    fn failed(error: StoreError) -> Self {
        if error.is_retryable() {
            tracing::warn!(
                code = error.code().unwrap_or(""),
                "retrying after a storage failure"
            );
            Self::Cancelled {
                no_longer_pending: Vec::new(),
                pause: true,
                error: Some(error),
            }
        } else {
            Self::Step(Step::Stop(Unsettled::Store(error)))
        }
    }
}

/// A round whose commit was cancelled: decided again, after a pause when contention
/// or a changed account caused it.
fn after_cancel(transactions: usize, cancelled: Cancelled) -> Round {
    tracing::info!(
        transactions,
        no_longer_pending = cancelled.no_longer_pending.len(),
        account_changed = cancelled.account_changed,
        contention = cancelled.contention,
        "commit cancelled; deciding again"
    );
    Round::Cancelled {
        no_longer_pending: cancelled.no_longer_pending,
        pause: cancelled.contention || cancelled.account_changed,
        error: cancelled.contention.then(|| {
            StoreError::service(
                "TransactWriteItems",
                "TransactionConflict",
                "cancelled by contention",
            )
        }),
    }
}

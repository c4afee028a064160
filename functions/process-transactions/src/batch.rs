//! Applying a batch's transactions together: per chunk of the batch, one consistent
//! read of every account involved, each transaction decided in stream order against
//! the balances the earlier ones left (the pure ledger rule), then one
//! `TransactWriteItems` that writes each account once (conditioned on the version it
//! was read at) and moves each transaction out of PENDING under its own condition.
//!
//! A hot account then costs one account write per chunk (≤ 99 transactions), not one
//! per transaction. A cancelled write wrote nothing: transactions found no longer
//! PENDING (a redelivery) are left out and the rest decided again on a fresh read; an
//! account changed concurrently, a conflict or throttling means a fresh read after a
//! jittered pause. When the attempts are used up, what is left is applied one
//! transaction at a time by [`crate::apply::apply_transaction`].

use std::collections::{HashMap, HashSet};

use shared::clock::now_rfc3339;
use shared::domain::{AccountId, AccountState, Balance, Outcome, apply};
use shared::store::{
    Account, AccountWrite, BatchOutcome, Ledger, MAX_TRANSACTION_ITEMS, Settle, Settlement,
    StoreError, TransactionRecord,
};

use crate::apply::{Applied, apply_transaction};
use crate::retry::RetryPolicy;

/// The first transaction (by position) that could not be applied, and why.
pub type BatchFailure = (usize, StoreError);

/// Applies `records` (PENDING transactions in stream order). Every transaction before
/// the failure's position is settled; none at or after it was attempted one by one.
pub async fn apply_batch(
    ledger: &Ledger,
    records: &[TransactionRecord],
    policy: RetryPolicy,
) -> Result<Vec<Applied>, BatchFailure> {
    let mut applied = Vec::with_capacity(records.len());
    let mut start = 0;
    while start < records.len() {
        let end = chunk_end(records, start);
        let chunk = &records[start..end];
        // A lone transaction takes the one-by-one path directly: same writes, and its
        // retries re-decide on contention.
        let settled = if chunk.len() > 1 {
            settle_chunk(ledger, chunk, policy).await
        } else {
            vec![None]
        };
        for (offset, (record, outcome)) in chunk.iter().zip(settled).enumerate() {
            let outcome = match outcome {
                Some(outcome) => outcome,
                None => apply_transaction(ledger, record, policy)
                    .await
                    .map_err(|e| (start + offset, e))?,
            };
            applied.push(outcome);
        }
        start = end;
    }
    Ok(applied)
}

/// Settles as much of `chunk` together as it can: a transaction found no longer
/// PENDING (an earlier delivery settled it) is left out and the rest decided again on
/// a fresh read; an account changed concurrently, a conflict or throttling means a
/// fresh read after a pause. `None`: left to the one-by-one path (attempts used up).
async fn settle_chunk(
    ledger: &Ledger,
    chunk: &[TransactionRecord],
    policy: RetryPolicy,
) -> Vec<Option<Applied>> {
    let mut settled: Vec<Option<Applied>> = vec![None; chunk.len()];
    for attempt in 0..policy.attempts {
        let open: Vec<usize> = (0..chunk.len()).filter(|i| settled[*i].is_none()).collect();
        if open.is_empty() {
            break;
        }
        if attempt > 0 {
            tokio::time::sleep(policy.delay(attempt)).await;
        }
        let records: Vec<TransactionRecord> = open.iter().map(|i| chunk[*i].clone()).collect();
        match commit_chunk(ledger, &records).await {
            Ok(Committed::Written(outcomes)) => {
                for (i, outcome) in open.iter().zip(outcomes) {
                    settled[*i] = Some(outcome);
                }
            }
            Ok(Committed::AlreadySettled(positions)) => {
                for position in positions {
                    if let Some(i) = open.get(position) {
                        settled[*i] = Some(Applied::AlreadyProcessed);
                    }
                }
            }
            Err(reason) => {
                tracing::info!(transactions = records.len(), attempt, %reason, "batch write not taken; reading again");
            }
        }
    }
    settled
}

/// What one batch write did.
enum Committed {
    /// Everything written: each transaction's outcome.
    Written(Vec<Applied>),
    /// Nothing written: these transactions (positions in the chunk) were no longer
    /// PENDING.
    AlreadySettled(Vec<usize>),
}

/// Reads, decides and writes one chunk. `Err`: nothing was written, for a reason that
/// calls for a fresh read (an account changed, a conflict, an error).
async fn commit_chunk(ledger: &Ledger, chunk: &[TransactionRecord]) -> Result<Committed, String> {
    let ids: Vec<AccountId> = chunk
        .iter()
        .flat_map(|r| std::iter::once(r.account_id).chain(r.kind.destination()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let accounts = ledger
        .read_accounts(&ids)
        .await
        .map_err(|e| e.to_string())?;
    let plan = plan(chunk, &accounts);
    let writes: Vec<AccountWrite<'_>> = plan
        .written
        .iter()
        .filter_map(|(id, after)| {
            accounts.get(id).map(|account| AccountWrite {
                account,
                after: *after,
            })
        })
        .collect();
    let settles: Vec<Settle<'_>> = chunk
        .iter()
        .zip(&plan.outcomes)
        .map(|(record, outcome)| Settle {
            record,
            settlement: settlement(record, outcome, &accounts),
        })
        .collect();
    match ledger.commit_batch(&writes, &settles, &now_rfc3339()).await {
        Ok(BatchOutcome::Written) => Ok(Committed::Written(
            plan.outcomes
                .iter()
                .map(|o| match o {
                    Outcome::Applied { .. } => Applied::Completed,
                    Outcome::Rejected(reason) => Applied::Rejected(*reason),
                })
                .collect(),
        )),
        Ok(BatchOutcome::Cancelled(codes)) => {
            let settled: Vec<usize> = codes
                .iter()
                .skip(writes.len())
                .enumerate()
                .filter(|(_, code)| code.as_str() == "ConditionalCheckFailed")
                .map(|(position, _)| position)
                .collect();
            if settled.is_empty() {
                Err(format!("cancelled: {}", codes.join(",")))
            } else {
                Ok(Committed::AlreadySettled(settled))
            }
        }
        Err(error) => Err(error.to_string()),
    }
}

fn settlement<'a>(
    record: &TransactionRecord,
    outcome: &Outcome,
    accounts: &'a HashMap<AccountId, Account>,
) -> Settlement<'a> {
    match outcome {
        Outcome::Applied {
            source_after,
            destination_after,
        } => Settlement::Completed {
            balance_after: Some(*source_after),
            destination: destination_after.and_then(|after| {
                let owner = record.kind.destination().and_then(|id| accounts.get(&id))?;
                Some((after, owner.owner_id.as_str()))
            }),
        },
        Outcome::Rejected(reason) => Settlement::Rejected(*reason),
    }
}

/// A chunk's decisions: one outcome per transaction, and the final balance of every
/// account an applied transaction changed (sorted by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub outcomes: Vec<Outcome>,
    pub written: Vec<(AccountId, Balance)>,
}

/// Decides `chunk` in order against `accounts`, each transaction seeing the balances
/// the earlier ones left. Pure: the same inputs always give the same plan.
pub fn plan(chunk: &[TransactionRecord], accounts: &HashMap<AccountId, Account>) -> Plan {
    let mut states: HashMap<AccountId, AccountState> = accounts
        .iter()
        .map(|(id, a)| {
            let state = AccountState {
                status: a.status,
                currency: a.currency,
                balance: a.balance,
            };
            (*id, state)
        })
        .collect();
    let mut changed: HashSet<AccountId> = HashSet::new();
    let mut outcomes = Vec::with_capacity(chunk.len());
    for record in chunk {
        let destination = record.kind.destination();
        let source = states.get(&record.account_id).copied();
        let target = destination.and_then(|id| states.get(&id).copied());
        let outcome = apply(
            &record.kind,
            &record.currency,
            source.as_ref(),
            target.as_ref(),
        );
        if let Outcome::Applied {
            source_after,
            destination_after,
        } = outcome
        {
            set_balance(&mut states, &mut changed, record.account_id, source_after);
            if let (Some(id), Some(after)) = (destination, destination_after) {
                set_balance(&mut states, &mut changed, id, after);
            }
        }
        outcomes.push(outcome);
    }
    let mut written: Vec<(AccountId, Balance)> = changed
        .into_iter()
        .filter_map(|id| states.get(&id).map(|s| (id, s.balance)))
        .collect();
    written.sort_by_key(|(id, _)| id.to_string());
    Plan { outcomes, written }
}

fn set_balance(
    states: &mut HashMap<AccountId, AccountState>,
    changed: &mut HashSet<AccountId>,
    id: AccountId,
    balance: Balance,
) {
    if let Some(state) = states.get_mut(&id) {
        state.balance = balance;
        changed.insert(id);
    }
}

/// The end of the chunk starting at `start`: as many transactions as fit in one
/// `TransactWriteItems` with every account they may touch (at least one transaction),
/// stopping before a transaction already in the chunk.
pub fn chunk_end(records: &[TransactionRecord], start: usize) -> usize {
    let mut accounts: HashSet<AccountId> = HashSet::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut end = start;
    for record in &records[start.min(records.len())..] {
        let new_accounts = std::iter::once(record.account_id)
            .chain(record.kind.destination())
            .filter(|id| !accounts.contains(id))
            .count();
        let items = accounts.len() + keys.len() + new_accounts + 1;
        let key = record.table_key();
        if end > start && (items > MAX_TRANSACTION_ITEMS || keys.contains(&key)) {
            break;
        }
        accounts.insert(record.account_id);
        accounts.extend(record.kind.destination());
        keys.insert(key);
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests;

//! Per-account order across stream shards.
//!
//! A transaction's table key is its idempotency key, so one account's transactions are
//! spread over the stream's shards, and Lambda consumes shards in parallel: a deposit
//! accepted before a withdrawal can reach its consumer after it. Whoever settles a
//! transaction on account A therefore first settles every transaction on A accepted
//! before it and still PENDING ("helping"), found in the sparse `PendingIndex`, and
//! decides them all in acceptance (`createdAt`) order. Each settle is conditioned on
//! PENDING, so a predecessor settled at the same moment by its own shard's consumer
//! is settled once: one of the two writes is cancelled and re-decided.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::task::JoinSet;

use crate::clock::Timestamp;
use crate::domain::AccountId;
use crate::store::{Ledger, StoreError, TRANSPORT_ERROR, TransactionRecord};

/// How far ordering looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderPolicy {
    /// A debit that would be rejected for insufficient funds is not rejected before it
    /// is this old (the pending index is eventually consistent: a predecessor written
    /// just before may not be visible yet); it is decided again after the pause.
    pub grace: Duration,
    /// Predecessors settled first, per account and call; past it, the account's later
    /// transactions wait for the next delivery.
    pub max_predecessors: usize,
    /// How far back a debit about to be rejected looks for PENDING transfers *to* its
    /// account (applied first when found).
    pub incoming_lookback: Duration,
    /// How many incoming transfers that look-back reads at most.
    pub incoming_limit: usize,
}

impl Default for OrderPolicy {
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(1),
            max_predecessors: 200,
            incoming_lookback: Duration::from_secs(3600),
            incoming_limit: 200,
        }
    }
}

/// PENDING predecessors of a set of transactions.
#[derive(Debug, Default)]
pub struct Predecessors {
    /// Transactions to settle first (PENDING, not in the set).
    pub helpers: Vec<TransactionRecord>,
    /// Accounts with more predecessors than the policy settles in one call: their
    /// transactions created after this instant wait.
    pub held_after: HashMap<AccountId, Timestamp>,
}

/// Finds the PENDING transactions on the accounts of `records` accepted before them
/// and not among `known` (table keys).
pub async fn predecessors(
    ledger: &Ledger,
    records: &[&TransactionRecord],
    known: &HashSet<String>,
    policy: &OrderPolicy,
) -> Result<Predecessors, StoreError> {
    let mut newest: HashMap<AccountId, Timestamp> = HashMap::new();
    for record in records {
        newest
            .entry(record.account_id)
            .and_modify(|at| {
                if record.created_at > *at {
                    at.clone_from(&record.created_at);
                }
            })
            .or_insert_with(|| record.created_at.clone());
    }
    let mut lookups = JoinSet::new();
    for (account, created_at) in newest {
        let ledger = ledger.clone();
        let limit = policy.max_predecessors;
        lookups.spawn(async move {
            let found = ledger.pending_before(account, &created_at, limit).await;
            (account, found)
        });
    }
    let mut found = Predecessors::default();
    let mut keys = Vec::new();
    while let Some(joined) = lookups.join_next().await {
        let (account, result) =
            joined.map_err(|e| StoreError::service("Query", TRANSPORT_ERROR, e.to_string()))?;
        let (pending, more) = result?;
        if more && let Some(last) = pending.last() {
            found.held_after.insert(account, last.created_at.clone());
        }
        keys.extend(
            pending
                .into_iter()
                .filter(|p| !known.contains(&p.key))
                .map(|p| p.key),
        );
    }
    if !keys.is_empty() {
        found.helpers = ledger.read_pending(&keys).await?;
    }
    Ok(found)
}

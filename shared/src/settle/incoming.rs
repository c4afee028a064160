//! The last look before a debit is rejected for insufficient funds.
//!
//! A transfer *to* an account is PENDING under its source account, so the pending
//! index of the debited account does not show it. Before a debit is rejected, every
//! round (never once per call: what was true a round ago may not be now) asks the
//! incoming-history index for PENDING transfers to the account accepted before the
//! debit, after the round's consistent read of the accounts. A transfer found there
//! is settled first (this call helps it), or, when this call already holds it but
//! cannot settle it now, the debit is left PENDING. A transfer settled between the
//! read and the commit changed the account's version, which the commit's version
//! check turns into a cancellation and a new round.
//!
//! A debit younger than the grace period waits for it first: on AWS the index is
//! eventually consistent, and a transfer written just before may not show yet.

use std::collections::HashSet;
use std::time::Duration;

use super::chunk::Step;
use super::plan::Plan;
use super::{Deadline, Engine, Unsettled};
use crate::clock::format_rfc3339;
use crate::domain::{Outcome, RejectionReason};
use crate::store::TransactionRecord;

/// What a call knows of the transactions an incoming look-up may return.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// In the call's work and settled by it (or found settled by another).
    pub(super) settled: HashSet<String>,
    /// In the call's work, still open, and not in the round deciding now (held back).
    pub(super) waiting: HashSet<String>,
    /// Read with a consistent read and no longer PENDING: the index may still show
    /// them PENDING for a moment; the round's account read already includes them.
    pub(super) settled_elsewhere: HashSet<String>,
}

/// What the look-up found for the round's short debits.
#[derive(Debug, Default, PartialEq, Eq)]
struct Found {
    /// PENDING transfers this call does not hold yet (table keys, no duplicates).
    unknown: Vec<String>,
    /// A transfer the call holds but cannot settle before the debit.
    blocked: bool,
}

impl Known {
    fn sort(&self, keys: Vec<String>, deciding: &HashSet<String>, found: &mut Found) {
        for key in keys {
            if deciding.contains(&key)
                || self.settled.contains(&key)
                || self.settled_elsewhere.contains(&key)
            {
                continue;
            }
            if self.waiting.contains(&key) {
                found.blocked = true;
            } else if !found.unknown.contains(&key) {
                found.unknown.push(key);
            }
        }
    }
}

impl Engine {
    /// `None`: the round's rejections for insufficient funds stand (none is premature).
    /// Otherwise what the call does instead: settle the transfers found first
    /// (`Restart`), wait for a young debit's predecessors to show, or leave the debit
    /// PENDING for a later call.
    pub(super) async fn before_rejecting(
        &self,
        records: &[TransactionRecord],
        plan: &Plan,
        deadline: Deadline,
        known: &mut Known,
    ) -> Option<Step> {
        let suspects: Vec<&TransactionRecord> = records
            .iter()
            .zip(&plan.outcomes)
            .filter(|(_, o)| **o == Outcome::Rejected(RejectionReason::InsufficientFunds))
            .map(|(r, _)| r)
            .collect();
        if suspects.is_empty() {
            return None;
        }
        let deciding: HashSet<String> = records.iter().map(TransactionRecord::table_key).collect();
        let mut found = Found::default();
        let mut wait = Duration::ZERO;
        let now = chrono::Utc::now();
        let lookback = chrono::Duration::from_std(self.order.incoming_lookback)
            .unwrap_or_else(|_| chrono::Duration::hours(1));
        let grace = chrono::Duration::from_std(self.order.grace).unwrap_or_default();
        for record in &suspects {
            let created = record.created_at.instant();
            let since = format_rfc3339(created - lookback);
            match self
                .ledger
                .incoming_pending(
                    record.account_id,
                    &since,
                    &record.created_at,
                    self.order.incoming_limit,
                )
                .await
            {
                Ok(keys) => known.sort(keys, &deciding, &mut found),
                Err(error) => return Some(Step::Stop(Unsettled::Store(error))),
            }
            wait = wait.max((created + grace - now).to_std().unwrap_or(Duration::ZERO));
        }
        if !found.unknown.is_empty() {
            return Some(match self.ledger.read_pending(&found.unknown).await {
                Ok(pending) => {
                    let still: HashSet<String> =
                        pending.iter().map(TransactionRecord::table_key).collect();
                    known
                        .settled_elsewhere
                        .extend(found.unknown.into_iter().filter(|key| !still.contains(key)));
                    // Settled elsewhere only: read the accounts again, decide again.
                    Step::Restart(pending)
                }
                Err(error) => Step::Stop(Unsettled::Store(error)),
            });
        }
        if found.blocked {
            return Some(Step::Stop(Unsettled::Behind));
        }
        if wait > Duration::ZERO {
            if !deadline.allows(wait + self.round_budget) {
                return Some(Step::Stop(Unsettled::Deadline));
            }
            tracing::info!(
                wait_ms = wait.as_millis(),
                "young debit short of funds: waiting for predecessors to show"
            );
            tokio::time::sleep(wait).await;
            return Some(Step::Restart(Vec::new()));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(keys: &[&str]) -> HashSet<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn transfers_the_call_settled_or_decides_now_are_not_looked_at_again() {
        let known = Known {
            settled: set(&["a"]),
            waiting: HashSet::new(),
            settled_elsewhere: set(&["b"]),
        };
        let mut found = Found::default();
        known.sort(keys(&["a", "b", "c"]), &set(&["c"]), &mut found);
        assert_eq!(found, Found::default());
    }

    #[test]
    fn an_unknown_transfer_is_read_once_however_many_debits_find_it() {
        let known = Known::default();
        let mut found = Found::default();
        known.sort(keys(&["t", "u"]), &HashSet::new(), &mut found);
        known.sort(keys(&["t"]), &HashSet::new(), &mut found);
        assert_eq!(found.unknown, keys(&["t", "u"]));
        assert!(!found.blocked);
    }

    #[test]
    fn a_transfer_held_back_in_the_call_blocks_the_rejection() {
        let known = Known {
            waiting: set(&["t"]),
            ..Known::default()
        };
        let mut found = Found::default();
        known.sort(keys(&["t"]), &HashSet::new(), &mut found);
        assert!(found.blocked);
        assert!(found.unknown.is_empty());
    }
}

//! The per-account order guarantee, checked against what the clients saw: when a
//! request was answered 201 before another was sent, the first was accepted earlier.
//!
//! - On one account, a transaction accepted earlier never settles after a later one
//!   (its `processedAt` is not later): balances move in acceptance order.
//! - A debit rejected for insufficient funds was not decided while a transfer to its
//!   account, accepted before it was sent, was still PENDING.

use std::collections::HashMap;

use shared::domain::{RejectionReason, TransactionStatus};
use shared::store::TransactionRecord;

use super::invariants::Facts;
use super::workload::Outcome;

/// Accepted requests with their stored, settled transaction.
fn settled<'a>(f: &'a Facts<'_>) -> Vec<(&'a Outcome, &'a TransactionRecord)> {
    let by_id: HashMap<String, &TransactionRecord> = f
        .transactions
        .iter()
        .map(|t| (t.transaction_id.to_string(), t))
        .collect();
    f.outcomes
        .iter()
        .filter_map(|o| {
            let id = o.transaction_ids.first()?;
            let t = by_id.get(id)?;
            (t.status != TransactionStatus::Pending && t.processed_at.is_some()).then_some((o, *t))
        })
        .collect()
}

fn before(a: &Outcome, b: &Outcome) -> bool {
    a.accepted_at.is_some_and(|at| at < b.sent_at)
}

fn processed(t: &TransactionRecord) -> &str {
    t.processed_at.as_deref().unwrap_or_default()
}

/// Pairs on one account where the one accepted first settled later.
pub fn acceptance_order(f: &Facts<'_>) -> Vec<String> {
    let all = settled(f);
    let mut violations = Vec::new();
    for (a, ta) in &all {
        for (b, tb) in &all {
            if ta.account_id == tb.account_id && before(a, b) && processed(ta) > processed(tb) {
                violations.push(format!(
                    "{}: {} accepted before {} was sent, but settled after it ({} > {})",
                    ta.account_id,
                    ta.transaction_id,
                    tb.transaction_id,
                    processed(ta),
                    processed(tb)
                ));
            }
        }
    }
    violations
}

/// Debits rejected for insufficient funds while an earlier transfer to the account
/// was still PENDING.
pub fn no_premature_rejection(f: &Facts<'_>) -> Vec<String> {
    let all = settled(f);
    let mut violations = Vec::new();
    for (b, tb) in all
        .iter()
        .filter(|(_, t)| t.rejection_reason == Some(RejectionReason::InsufficientFunds))
    {
        for (a, ta) in &all {
            if ta.kind.destination() == Some(tb.account_id)
                && ta.status == TransactionStatus::Completed
                && before(a, b)
                && processed(ta) > processed(tb)
            {
                violations.push(format!(
                    "{}: rejected INSUFFICIENT_FUNDS at {} while transfer {} to it (accepted before) was PENDING until {}",
                    tb.transaction_id,
                    processed(tb),
                    ta.transaction_id,
                    processed(ta)
                ));
            }
        }
    }
    violations
}

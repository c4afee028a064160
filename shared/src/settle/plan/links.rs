//! What the plan needs of, and writes on, the transaction a capture, void, expiry or
//! reversal acts on (its hold, or its original), and the held amounts each
//! transaction leaves.

use std::collections::HashMap;

use crate::clock::Timestamp;
use crate::domain::{
    AccountId, AccountState, Balance, Link, Money, Outcome, TransactionKind, TransactionStatus,
};
use crate::store::{LinkWrite, TransactionRecord};

/// What the ledger rule needs of the transaction `record` acts on (`linked`, read
/// with the chunk's accounts), at `now`: a hold on the same account, or a COMPLETED
/// original. Anything else is no link (the rule rejects).
pub fn link(
    record: &TransactionRecord,
    linked: &TransactionRecord,
    now: &Timestamp,
) -> Option<Link> {
    match (record.kind, linked.kind) {
        (
            TransactionKind::Capture { .. }
            | TransactionKind::Void { .. }
            | TransactionKind::Expiry { .. },
            TransactionKind::Hold { amount },
        ) if linked.account_id == record.account_id => Some(Link::Hold {
            active: linked.status == TransactionStatus::Active,
            amount,
            expired: linked.expires_at.as_ref().is_some_and(|at| at <= now),
        }),
        (TransactionKind::Reversal { .. }, original)
            if linked.status == TransactionStatus::Completed
                && original.reversal(linked.account_id).is_some() =>
        {
            Some(Link::Original {
                remaining: linked.left_to_reverse(),
            })
        }
        _ => None,
    }
}

/// The write that ends a hold or counts a reversal on its original, once `record`
/// (acting on `linked`) is applied.
pub(super) fn link_write(
    record: &TransactionRecord,
    linked: &TransactionRecord,
) -> Option<LinkWrite> {
    let key = record.link_key.clone()?;
    let ended = |status| LinkWrite::EndHold {
        key: key.clone(),
        status,
        by: record.transaction_id,
        captured: None,
    };
    match record.kind {
        TransactionKind::Capture { amount, .. } => Some(LinkWrite::EndHold {
            key: key.clone(),
            status: TransactionStatus::Captured,
            by: record.transaction_id,
            captured: Some(amount),
        }),
        TransactionKind::Void { .. } => Some(ended(TransactionStatus::Voided)),
        TransactionKind::Expiry { .. } => Some(ended(TransactionStatus::Expired)),
        TransactionKind::Reversal { amount, .. } => {
            let before = linked.reversed_amount;
            let after = match before {
                Some(b) => Money::try_from_decimal(b.as_decimal() + amount.as_decimal()).ok()?,
                None => amount,
            };
            Some(LinkWrite::Reversed { key, before, after })
        }
        _ => None,
    }
}

/// The held amounts `record` leaves on its accounts (see [`Plan::held`]).
pub(super) fn held_left(
    record: &TransactionRecord,
    outcome: &Outcome,
    states: &HashMap<AccountId, AccountState>,
) -> [Option<Balance>; 2] {
    if !matches!(outcome, Outcome::Applied { .. }) {
        return [None, None];
    }
    let changes_held = !record.kind.posts()
        || matches!(record.kind, crate::domain::TransactionKind::Capture { .. });
    let held = |id: Option<AccountId>, always: bool| {
        let held = states.get(&id?)?.held;
        (always || held != Balance::ZERO).then_some(held)
    };
    [
        held(Some(record.account_id), changes_held),
        held(record.kind.destination(), false),
    ]
}

//! Test data for the settling code.

use crate::domain::{AccountId, DEFAULT_CURRENCY, IdempotencyKey, TransactionId, TransactionKind};
use crate::store::TransactionRecord;

/// A PENDING transaction of `kind` on `account`, accepted at `created_at`.
pub fn pending(account: AccountId, kind: TransactionKind, created_at: &str) -> TransactionRecord {
    TransactionRecord::new_pending(
        crate::domain::UserId::new("owner"),
        IdempotencyKey::parse(&TransactionId::new_random().to_string())
            .unwrap_or_else(|e| panic!("{e}")),
        (account, kind, DEFAULT_CURRENCY),
        crate::clock::Timestamp::parse(created_at).unwrap_or_else(|e| panic!("{e}")),
    )
}

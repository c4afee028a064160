//! Test data for the settling code.

use crate::domain::{
    AccountId, DEFAULT_CURRENCY, IdempotencyKey, TransactionId, TransactionKind, TransactionStatus,
};
use crate::store::TransactionRecord;

/// A PENDING transaction of `kind` on `account`, accepted at `created_at`.
pub fn pending(account: AccountId, kind: TransactionKind, created_at: &str) -> TransactionRecord {
    TransactionRecord {
        transaction_id: TransactionId::new_random(),
        user_id: crate::domain::UserId::new("owner"),
        idempotency_key: IdempotencyKey::parse(&TransactionId::new_random().to_string())
            .unwrap_or_else(|e| panic!("{e}")),
        account_id: account,
        kind,
        currency: DEFAULT_CURRENCY,
        description: None,
        status: TransactionStatus::Pending,
        rejection_reason: None,
        balance_after: None,
        to_balance_after: None,
        held_after: None,
        to_held_after: None,
        account_version: None,
        to_account_version: None,
        to_user_id: None,
        holder_id: None,
        created_at: crate::clock::Timestamp::parse(created_at).unwrap_or_else(|e| panic!("{e}")),
        processed_at: None,
        request_hash: String::new(),
        response: None,
        trace_id: None,
        entry: None,
        to_entry: None,
        link_key: None,
        expires_at: None,
        ended_by: None,
        ended_at: None,
        captured_amount: None,
        reversed_amount: None,
    }
}

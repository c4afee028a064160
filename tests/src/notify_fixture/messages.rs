//! Notification messages as process-transactions writes them, for the holders of a test.

use shared::domain::{
    Currency, RejectionReason, TransactionId, TransactionStatus, TransactionType,
};
use shared::notification::{HolderRole, NotificationMessage};

use super::Holder;

/// A COMPLETED deposit of 150.75 USD leaving 300.75 USD on `holder`'s account.
pub fn completed_deposit(holder: &Holder) -> NotificationMessage {
    NotificationMessage {
        transaction_id: TransactionId::new_random(),
        account_id: holder.account_id,
        holder_id: shared::domain::UserId::new(holder.sub.as_str()),
        role: HolderRole::Source,
        kind: TransactionType::Deposit,
        amount: "150.75".to_owned(),
        currency: Currency::default(),
        status: TransactionStatus::Completed,
        rejection_reason: None,
        balance_after: Some("300.75".to_owned()),
        held_after: None,
        direction: None,
        counterparty_account_id: None,
        account_version: None,
        created_at: "2026-11-25T09:20:59.812345Z".to_owned(),
        processed_at: "2026-11-25T09:21:00.123456Z".to_owned(),
        trace_id: None,
    }
}

/// A withdrawal of 500.00 USD from `holder`'s account, REJECTED for insufficient funds.
pub fn rejected_withdrawal(holder: &Holder) -> NotificationMessage {
    NotificationMessage {
        kind: TransactionType::Withdrawal,
        amount: "500.00".to_owned(),
        status: TransactionStatus::Rejected,
        rejection_reason: Some(RejectionReason::InsufficientFunds),
        balance_after: None,
        ..completed_deposit(holder)
    }
}

/// The two notifications of a COMPLETED transfer of 25.00 USD from `from` to `to`.
pub fn completed_transfer(from: &Holder, to: &Holder) -> [NotificationMessage; 2] {
    let source = NotificationMessage {
        kind: TransactionType::Transfer,
        amount: "25.00".to_owned(),
        balance_after: Some("275.00".to_owned()),
        counterparty_account_id: Some(to.account_id),
        ..completed_deposit(from)
    };
    let destination = NotificationMessage {
        account_id: to.account_id,
        holder_id: shared::domain::UserId::new(to.sub.as_str()),
        role: HolderRole::Destination,
        balance_after: Some("125.00".to_owned()),
        counterparty_account_id: Some(from.account_id),
        ..source.clone()
    };
    [source, destination]
}

/// The SQS body of `message`, as process-transactions writes it.
pub fn body(message: &NotificationMessage) -> String {
    serde_json::to_string(message).unwrap_or_else(|e| panic!("{e}"))
}

/// One SQS body carrying `messages`, packed as process-transactions packs them.
pub fn packed(messages: &[NotificationMessage]) -> String {
    let batch = shared::notification::NotificationBatch {
        notifications: messages.iter().cloned().map(Into::into).collect(),
    };
    serde_json::to_string(&batch).unwrap_or_else(|e| panic!("{e}"))
}

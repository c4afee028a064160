//! The event a holder receives on their channel when a transaction settles
//! (DESIGN §4): built from the notification the ledger consumer queued for that holder,
//! so it says exactly what the email and SMS say, from the holder's side.

use serde::{Deserialize, Serialize};

use crate::domain::{AccountId, Currency, RejectionReason, TransactionId, TransactionStatus};
use crate::notification::{HolderRole, NotificationMessage};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "transaction.completed")]
    TransactionCompleted,
    #[serde(rename = "transaction.rejected")]
    TransactionRejected,
}

/// One live event: one transaction, one holder's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveEvent {
    /// Stable across redelivery: the same transaction and account always give the same
    /// id, so a client drops a duplicate.
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub transaction_id: TransactionId,
    /// The holder's account the event is about.
    pub account_id: AccountId,
    pub status: TransactionStatus,
    /// Exact decimal text.
    pub amount: String,
    pub currency: Currency,
    /// The account's balance right after the transaction (completed only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    /// The account's held amount right after it (with the balance only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_amount: Option<String>,
    /// The balance less the held amount: what the account can pay out (with the
    /// balance only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_balance: Option<String>,
    /// The account's version after the transaction (the version a rejection was
    /// decided at): a client showing a later version drops this event as stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_version: Option<u64>,
    /// Why it was rejected: told only to the holder who recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<RejectionReason>,
    /// When it settled (RFC 3339).
    pub occurred_at: String,
}

impl LiveEvent {
    /// The event for the holder `message` is addressed to, or `None` when that holder
    /// is told nothing live: a transaction still PENDING, or the receiver of a transfer
    /// that did not complete (the ledger consumer does not queue that one either). A
    /// hold that became ACTIVE is a `transaction.completed` event (status `ACTIVE`): it
    /// settled, reserving money.
    pub fn for_holder(message: &NotificationMessage) -> Option<Self> {
        let kind = match message.status {
            TransactionStatus::Completed | TransactionStatus::Active => {
                EventType::TransactionCompleted
            }
            TransactionStatus::Rejected if message.role == HolderRole::Source => {
                EventType::TransactionRejected
            }
            _ => return None,
        };
        let completed = kind == EventType::TransactionCompleted;
        let balance = message.balance_after.clone().filter(|_| completed);
        let (held_amount, available_balance) = balance
            .as_ref()
            .and_then(|_| message.held_and_available())
            .unzip();
        Some(Self {
            event_id: format!("{}.{}", message.transaction_id, message.account_id),
            kind,
            transaction_id: message.transaction_id,
            account_id: message.account_id,
            status: message.status,
            amount: message.amount.clone(),
            currency: message.currency,
            balance,
            held_amount,
            available_balance,
            account_version: message.account_version,
            rejection_reason: message
                .rejection_reason
                .filter(|_| message.role == HolderRole::Source),
            occurred_at: message.processed_at.clone(),
        })
    }

    /// The JSON text AppSync Events carries (each event is a JSON string).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::domain::{TransactionType, UserId};

    fn message(role: HolderRole, status: TransactionStatus) -> NotificationMessage {
        NotificationMessage {
            transaction_id: TransactionId::new_random(),
            account_id: AccountId::new_random(),
            holder_id: UserId::new("0f8c2f9e-5b7a-4c1d-9e2f-3a4b5c6d7e8f"),
            role,
            kind: TransactionType::Transfer,
            amount: "25.00".to_owned(),
            currency: crate::domain::DEFAULT_CURRENCY,
            status,
            rejection_reason: (status == TransactionStatus::Rejected)
                .then_some(RejectionReason::InsufficientFunds),
            balance_after: (status == TransactionStatus::Completed).then(|| "75.00".to_owned()),
            held_after: None,
            direction: None,
            counterparty_account_id: Some(AccountId::new_random()),
            account_version: Some(4),
            created_at: "2026-12-01T10:00:00.000Z".to_owned(),
            processed_at: "2026-12-01T10:00:00.120Z".to_owned(),
            trace_id: None,
        }
    }

    #[test]
    fn a_completed_transaction_tells_the_balance_and_version_under_a_stable_id() {
        let m = message(HolderRole::Destination, TransactionStatus::Completed);
        let event = LiveEvent::for_holder(&m).unwrap();
        assert_eq!(event, LiveEvent::for_holder(&m).unwrap());
        assert_eq!(
            event.event_id,
            format!("{}.{}", m.transaction_id, m.account_id)
        );
        assert_eq!(event.kind, EventType::TransactionCompleted);
        assert_eq!(event.balance.as_deref(), Some("75.00"));
        assert_eq!(event.held_amount.as_deref(), Some("0.00"));
        assert_eq!(event.available_balance.as_deref(), Some("75.00"));
        assert_eq!(event.account_version, Some(4));
        assert_eq!(event.occurred_at, m.processed_at);
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(json["type"], "transaction.completed");
        assert_eq!(json["accountId"], m.account_id.to_string());
        assert_eq!(json["heldAmount"], "0.00");
        assert_eq!(json["availableBalance"], "75.00");
        assert!(json.get("rejectionReason").is_none());
    }

    #[test]
    fn an_active_hold_is_a_completed_event_with_what_is_held_and_available() {
        let hold = NotificationMessage {
            kind: TransactionType::Hold,
            status: TransactionStatus::Active,
            amount: "60.00".to_owned(),
            balance_after: Some("300.75".to_owned()),
            held_after: Some("60.00".to_owned()),
            counterparty_account_id: None,
            ..message(HolderRole::Source, TransactionStatus::Active)
        };
        let event = LiveEvent::for_holder(&hold).unwrap();
        assert_eq!(event.kind, EventType::TransactionCompleted);
        assert_eq!(event.status, TransactionStatus::Active);
        assert_eq!(event.balance.as_deref(), Some("300.75"));
        assert_eq!(event.held_amount.as_deref(), Some("60.00"));
        assert_eq!(event.available_balance.as_deref(), Some("240.75"));
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(json["status"], "ACTIVE");
        assert_eq!(json["heldAmount"], "60.00");
        assert_eq!(json["availableBalance"], "240.75");
        let back: LiveEvent = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn a_rejection_reaches_only_its_initiator_with_its_reason_and_no_balance() {
        let source = message(HolderRole::Source, TransactionStatus::Rejected);
        let event = LiveEvent::for_holder(&source).unwrap();
        assert_eq!(event.kind, EventType::TransactionRejected);
        assert_eq!(
            event.rejection_reason,
            Some(RejectionReason::InsufficientFunds)
        );
        assert_eq!(event.balance, None);
        assert_eq!(
            (&event.held_amount, &event.available_balance),
            (&None, &None)
        );
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(json["rejectionReason"], "INSUFFICIENT_FUNDS");
        assert!(json.get("heldAmount").is_none() && json.get("availableBalance").is_none());
        let receiver = message(HolderRole::Destination, TransactionStatus::Rejected);
        assert_eq!(LiveEvent::for_holder(&receiver), None);
        let pending = message(HolderRole::Source, TransactionStatus::Pending);
        assert_eq!(LiveEvent::for_holder(&pending), None);
    }

    #[test]
    fn an_event_reads_back_as_written() {
        let event =
            LiveEvent::for_holder(&message(HolderRole::Source, TransactionStatus::Completed))
                .unwrap();
        let back: LiveEvent = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(back, event);
    }
}

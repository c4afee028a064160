//! The message process-transactions puts on the NotificationsQueue for each holder of
//! an account a processed transaction touched, and notify consumes.
//!
//! It carries what the holder is told (never contact details: those are looked up
//! from Cognito, the source of truth, when sending).

use serde::{Deserialize, Serialize};

use crate::domain::{
    AccountId, Currency, RejectionReason, TransactionId, TransactionStatus, TransactionType,
};

/// Which side of the transaction the notified holder is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HolderRole {
    /// Holder of the account the transaction was recorded on.
    Source,
    /// Holder of the account receiving a transfer.
    Destination,
}

/// One notification to one holder about one processed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationMessage {
    pub transaction_id: TransactionId,
    /// The holder's account this notification is about.
    pub account_id: AccountId,
    /// The holder's Cognito `sub`.
    pub holder_id: String,
    pub role: HolderRole,
    #[serde(rename = "type")]
    pub kind: TransactionType,
    /// Exact decimal text, signed for adjustments (`"150.75"`, `"-5.00"`).
    pub amount: String,
    pub currency: Currency,
    pub status: TransactionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<RejectionReason>,
    /// The holder's balance after a COMPLETED transaction (exact decimal text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_after: Option<String>,
    /// The counterparty account of a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_account_id: Option<AccountId>,
    pub created_at: String,
    pub processed_at: String,
}

impl NotificationMessage {
    /// The de-duplication key of this notification (one per transaction and holder
    /// account; the notifier keeps each channel's state under it).
    pub fn dedupe_key(&self) -> String {
        format!("{}#{}", self.transaction_id, self.account_id)
    }
}

/// Most notifications process-transactions packs into one SQS body. About 0.5 KB each:
/// a full `SendMessageBatch` of ten bodies stays far below SQS's 256 KiB limit, and a
/// notify batch of ten bodies is at most 100 notifications.
pub const MAX_PER_BODY: usize = 10;

/// An SQS body carrying several notifications (`{"notifications": [...]}`), in the order
/// their transactions were processed. Packing a stream batch's notifications cuts the
/// SQS requests per notification (send, receive, delete) by up to [`MAX_PER_BODY`].
/// notify also accepts a bare [`NotificationMessage`] as a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationBatch {
    pub notifications: Vec<NotificationMessage>,
}

//! The messages process-transactions puts on the NotificationsQueue and notify
//! consumes: one for each holder of an account a processed transaction touched
//! ([`NotificationMessage`]), and one for the holder of an account whose status changed
//! ([`StatusNotification`]).
//!
//! It carries what the holder is told (never contact details: those are looked up
//! from Cognito, the source of truth, when sending).

use serde::{Deserialize, Serialize};

use crate::domain::{
    AccountId, AccountStatus, Currency, RejectionReason, TransactionId, TransactionStatus,
    TransactionType, UserId,
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
    pub holder_id: UserId,
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
    /// The holder's account version right after the transaction (the version it was
    /// decided at for a rejection): a live client drops events older than what it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_version: Option<u64>,
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

/// Who changed an account's status, as its holder is told: never the operator's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangedBy {
    /// The holder (closing their account).
    Holder,
    /// The bank (an operator freezing or unfreezing it).
    Bank,
}

/// One notification to the holder of an account whose status changed (frozen,
/// unfrozen, closed): the history entry `Ledger::change_status` wrote, told once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusNotification {
    /// The status change's id (`eventId` in the account's history).
    pub event_id: TransactionId,
    pub account_id: AccountId,
    /// The holder's Cognito `sub`.
    pub holder_id: UserId,
    pub from_status: AccountStatus,
    pub to_status: AccountStatus,
    /// Why (an operator's reason; checked for control and bidi characters when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub changed_by: ChangedBy,
    pub changed_at: String,
}

/// Any message notify acts on. Untagged: a transaction's message has the shape it had
/// before status changes were told, so bodies already queued stay readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Notification {
    Transaction(NotificationMessage),
    Status(StatusNotification),
}

impl Notification {
    /// The de-duplication key: one per event (a transaction or a status change) and
    /// holder account. Transaction and event ids are random UUIDs: they never meet.
    pub fn dedupe_key(&self) -> String {
        match self {
            Self::Transaction(message) => message.dedupe_key(),
            Self::Status(change) => format!("{}#{}", change.event_id, change.account_id),
        }
    }

    /// The holder told.
    pub fn holder_id(&self) -> &UserId {
        match self {
            Self::Transaction(message) => &message.holder_id,
            Self::Status(change) => &change.holder_id,
        }
    }

    /// The holder's account it is about.
    pub fn account_id(&self) -> AccountId {
        match self {
            Self::Transaction(message) => message.account_id,
            Self::Status(change) => change.account_id,
        }
    }

    /// The transaction or status change it is about (logged).
    pub fn event_id(&self) -> TransactionId {
        match self {
            Self::Transaction(message) => message.transaction_id,
            Self::Status(change) => change.event_id,
        }
    }
}

impl From<NotificationMessage> for Notification {
    fn from(message: NotificationMessage) -> Self {
        Self::Transaction(message)
    }
}

impl From<StatusNotification> for Notification {
    fn from(change: StatusNotification) -> Self {
        Self::Status(change)
    }
}

/// Most notifications process-transactions packs into one SQS body. About 0.5 KB each:
/// a full `SendMessageBatch` of ten bodies stays far below SQS's 256 KiB limit, and a
/// notify batch of ten bodies is at most 100 notifications.
pub const MAX_PER_BODY: usize = 10;

/// An SQS body carrying several notifications (`{"notifications": [...]}`), in the order
/// their transactions were processed. Packing a stream batch's notifications cuts the
/// SQS requests per notification (send, receive, delete) by up to [`MAX_PER_BODY`].
/// notify also accepts a bare [`Notification`] as a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationBatch {
    pub notifications: Vec<Notification>,
}

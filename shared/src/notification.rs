//! The messages process-transactions puts on the NotificationsQueue and notify
//! consumes: one for each holder of an account a processed transaction touched
//! ([`NotificationMessage`]), and one for the holder of an account whose status changed
//! ([`StatusNotification`]).
//!
//! It carries what the holder is told (never contact details: those are looked up
//! from Cognito, the source of truth, when sending).

use serde::{Deserialize, Serialize};

use crate::trace::TraceId;

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
    /// The holder's held amount right after it (exact decimal text), when not zero or
    /// when the transaction changed it (a hold, its capture, void or expiry). Absent:
    /// nothing held (and bodies queued before holds existed read as such).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_after: Option<String>,
    /// Which way a REVERSAL moved the holder's money (reversals only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Flow>,
    /// The counterparty account of a transfer (or of a transfer's reversal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_account_id: Option<AccountId>,
    /// The holder's account version right after the transaction (the version it was
    /// decided at for a rejection): a live client drops events older than what it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_version: Option<u64>,
    pub created_at: String,
    pub processed_at: String,
    /// The X-Ray trace root of the request that recorded the transaction (notify logs
    /// it as `trace_id`). In the body as well as in the SQS message's `AWSTraceHeader`:
    /// a body packs several transactions' notifications, one header names one trace.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_trace"
    )]
    pub trace_id: Option<TraceId>,
}

/// A trace root that is not one is dropped, never a reason to refuse the notification:
/// it is for the logs only.
fn lenient_trace<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<TraceId>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(value.as_str().and_then(TraceId::parse))
}

/// Which way money moved on the notified holder's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Flow {
    /// Paid in (a reversal giving money back to the holder).
    Credit,
    /// Taken out (a reversal taking money back from the holder).
    Debit,
}

impl NotificationMessage {
    /// The holder's (held amount, available balance) right after it, as exact decimal
    /// text, when its balance after is known: held is `held_after` (`0.00` when
    /// absent), available the balance less it.
    pub fn held_and_available(&self) -> Option<(String, String)> {
        let balance: rust_decimal::Decimal = self.balance_after.as_deref()?.parse().ok()?;
        let held: rust_decimal::Decimal = match self.held_after.as_deref() {
            Some(held) => held.parse().ok()?,
            None => rust_decimal::Decimal::new(0, 2),
        };
        let available = (balance - held).round_dp(2);
        Some((format!("{held:.2}"), format!("{available:.2}")))
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_trace(trace: &str) -> String {
        format!(
            r#"{{"transactionId":"0b7a6b1c-2f3e-4d5a-8b9c-0d1e2f3a4b5c","accountId":"1b7a6b1c-2f3e-4d5a-8b9c-0d1e2f3a4b5c","holderId":"h","role":"SOURCE","type":"DEPOSIT","amount":"1.00","currency":"USD","status":"COMPLETED","createdAt":"a","processedAt":"b"{trace}}}"#
        )
    }

    #[test]
    fn a_trace_root_is_read_and_anything_else_in_its_place_is_dropped_not_refused() {
        let read = |json: String| serde_json::from_str::<NotificationMessage>(&json);
        let root = "1-6758a3c1-0123456789abcdef01234567";
        let traced = read(with_trace(&format!(r#","traceId":"{root}""#)));
        assert_eq!(
            traced.ok().and_then(|m| m.trace_id).map(String::from),
            Some(root.to_owned())
        );
        for bad in [
            r#","traceId":"Root=x""#,
            r#","traceId":7"#,
            r#","traceId":null"#,
            "",
        ] {
            let message = read(with_trace(bad));
            assert!(
                matches!(message, Ok(NotificationMessage { trace_id: None, .. })),
                "{bad}"
            );
        }
        let untraced = read(with_trace("")).map(|m| serde_json::to_string(&m).unwrap_or_default());
        assert!(untraced.is_ok_and(|text| !text.contains("traceId")));
    }

    #[test]
    fn a_body_without_the_held_amount_reads_as_nothing_held_and_one_with_it_round_trips() {
        let old = serde_json::from_str::<NotificationMessage>(&with_trace(""))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((old.held_after.as_deref(), old.direction), (None, None));
        assert_eq!(old.held_and_available(), None, "no balance after: unknown");
        let with_balance = NotificationMessage {
            balance_after: Some("300.75".to_owned()),
            ..old.clone()
        };
        assert_eq!(
            with_balance.held_and_available(),
            Some(("0.00".to_owned(), "300.75".to_owned()))
        );
        let held = NotificationMessage {
            held_after: Some("60.00".to_owned()),
            direction: Some(Flow::Credit),
            ..with_balance
        };
        assert_eq!(
            held.held_and_available(),
            Some(("60.00".to_owned(), "240.75".to_owned()))
        );
        let text = serde_json::to_string(&held).unwrap_or_default();
        assert!(text.contains(r#""heldAfter":"60.00""#), "{text}");
        assert!(text.contains(r#""direction":"CREDIT""#), "{text}");
        let back: NotificationMessage =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, held);
        let plain = serde_json::to_string(&old).unwrap_or_default();
        assert!(
            !plain.contains("heldAfter") && !plain.contains("direction"),
            "{plain}"
        );
    }
}

//! The stream record is the outbox: a transaction's move out of PENDING becomes one
//! notification per affected holder, and an account's status change one to its holder,
//! sent to the NotificationsQueue packed several to an SQS body ([`NotificationBatch`])
//! and several bodies to a request.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    MessageSystemAttributeNameForSends, MessageSystemAttributeValue, SendMessageBatchRequestEntry,
};
use shared::domain::{TransactionStatus, TransactionType};
use shared::notification::{
    ChangedBy, HolderRole, MAX_PER_BODY, Notification, NotificationBatch, NotificationMessage,
    StatusNotification,
};
use shared::store::{StatusChange, TransactionRecord};
use shared::trace::TraceId;

/// Largest SendMessageBatch.
const SQS_BATCH: usize = 10;

/// The notifications a processed transaction owes: its recorder (the source holder)
/// always; a completed transfer's receiving holder too.
pub fn notifications_for(record: &TransactionRecord) -> Vec<NotificationMessage> {
    let Some(processed_at) = record.processed_at.clone() else {
        return Vec::new();
    };
    if record.status == TransactionStatus::Pending {
        return Vec::new();
    }
    let base = NotificationMessage {
        transaction_id: record.transaction_id,
        account_id: record.account_id,
        holder_id: record.holder().to_owned(),
        role: HolderRole::Source,
        kind: record.kind.transaction_type(),
        amount: record.kind.amount_text(),
        currency: record.currency,
        status: record.status,
        rejection_reason: record.rejection_reason,
        balance_after: record.balance_after.map(|b| b.to_string()),
        counterparty_account_id: record.kind.destination(),
        account_version: record.account_version,
        created_at: record.created_at.to_string(),
        processed_at: processed_at.to_string(),
        trace_id: record.trace_id.clone(),
    };
    let mut messages = vec![base.clone()];
    let completed_transfer = record.status == TransactionStatus::Completed
        && record.kind.transaction_type() == TransactionType::Transfer;
    if let (true, Some(to), Some(holder)) = (
        completed_transfer,
        record.kind.destination(),
        &record.to_user_id,
    ) {
        messages.push(NotificationMessage {
            account_id: to,
            holder_id: holder.clone(),
            role: HolderRole::Destination,
            balance_after: record.to_balance_after.map(|b| b.to_string()),
            counterparty_account_id: Some(record.account_id),
            account_version: record.to_account_version,
            ..base
        });
    }
    messages
}

/// The notification an account's status change owes its holder. The holder learns
/// whether they or the bank made the change, never which operator.
pub fn status_notification(change: &StatusChange) -> StatusNotification {
    StatusNotification {
        event_id: change.event_id,
        account_id: change.account_id,
        holder_id: change.holder_id.clone(),
        from_status: change.from,
        to_status: change.to,
        reason: change.reason.clone(),
        changed_by: if change.initiated_by == change.holder_id {
            ChangedBy::Holder
        } else {
            ChangedBy::Bank
        },
        changed_at: change.created_at.to_string(),
    }
}

/// One SQS body: up to [`MAX_PER_BODY`] notifications of consecutive records, tagged
/// with the first (smallest) index of the stream records they came from.
struct Body {
    first_index: usize,
    text: String,
    /// The trace root of its first traced notification: the message's `AWSTraceHeader`
    /// (X-Ray links one trace per message; each notification carries its own in the
    /// body for the logs).
    trace: Option<TraceId>,
}

/// The trace root a notification carries (a transaction's: its request's).
fn trace_of(notification: &Notification) -> Option<&TraceId> {
    match notification {
        Notification::Transaction(message) => message.trace_id.as_ref(),
        Notification::Status(_) => None,
    }
}

/// Packs `messages` (in record order) into bodies of at most [`MAX_PER_BODY`].
fn pack(messages: &[(usize, Notification)]) -> Result<Vec<Body>, usize> {
    messages
        .chunks(MAX_PER_BODY)
        .filter_map(|chunk| {
            let first_index = chunk.iter().map(|(i, _)| *i).min()?;
            let batch = NotificationBatch {
                notifications: chunk.iter().map(|(_, m)| m.clone()).collect(),
            };
            let trace = chunk.iter().find_map(|(_, m)| trace_of(m)).cloned();
            Some(match serde_json::to_string(&batch) {
                Ok(text) => Ok(Body {
                    first_index,
                    text,
                    trace,
                }),
                Err(_) => Err(first_index),
            })
        })
        .collect()
}

/// Sends `messages` (each tagged with the index of the stream record it came from),
/// packed [`MAX_PER_BODY`] to a body and ten bodies to a `SendMessageBatch`. Returns the
/// smallest record index whose messages were not all accepted.
pub async fn send(
    client: &Client,
    queue_url: &str,
    messages: &[(usize, Notification)],
) -> Option<usize> {
    let bodies = match pack(messages) {
        Ok(bodies) => bodies,
        Err(index) => return Some(index),
    };
    let mut first_failed: Option<usize> = None;
    for chunk in bodies.chunks(SQS_BATCH) {
        let failed = send_chunk(client, queue_url, chunk).await;
        if let Some(index) = failed {
            first_failed = Some(first_failed.map_or(index, |f| f.min(index)));
        }
    }
    first_failed
}

/// `AWSTraceHeader`'s value for `trace`: `Root=<id>`, a String.
fn trace_attribute(trace: &TraceId) -> Option<MessageSystemAttributeValue> {
    MessageSystemAttributeValue::builder()
        .data_type("String")
        .string_value(trace.header())
        .build()
        .ok()
}

async fn send_chunk(client: &Client, queue_url: &str, chunk: &[Body]) -> Option<usize> {
    let first = chunk.iter().map(|body| body.first_index).min();
    let mut request = client.send_message_batch().queue_url(queue_url);
    for (position, body) in chunk.iter().enumerate() {
        let mut entry = SendMessageBatchRequestEntry::builder()
            .id(position.to_string())
            .message_body(body.text.clone());
        if let Some(header) = body.trace.as_ref().and_then(trace_attribute) {
            entry = entry.message_system_attributes(
                MessageSystemAttributeNameForSends::AwsTraceHeader,
                header,
            );
        }
        match entry.build() {
            Ok(entry) => request = request.entries(entry),
            Err(_) => return first,
        }
    }
    match request.send().await {
        Ok(output) => {
            for entry in output.failed() {
                tracing::warn!(
                    code = entry.code(),
                    sender_fault = entry.sender_fault(),
                    "notifications not enqueued"
                );
            }
            output
                .failed()
                .iter()
                .filter_map(|f| f.id().parse::<usize>().ok())
                .filter_map(|position| chunk.get(position).map(|body| body.first_index))
                .min()
        }
        Err(error) => {
            let error = aws_sdk_sqs::error::DisplayErrorContext(&error);
            tracing::warn!(error = %error, "SendMessageBatch failed");
            first
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::{AccountId, AccountStatus, DEFAULT_CURRENCY, TransactionId, UserId};

    fn message(n: u128) -> NotificationMessage {
        NotificationMessage {
            transaction_id: TransactionId::from(uuid::Uuid::from_u128(n)),
            account_id: AccountId::from(uuid::Uuid::from_u128(1000 + n)),
            holder_id: UserId::new(uuid::Uuid::from_u128(2000 + n).to_string()),
            role: HolderRole::Source,
            kind: TransactionType::Deposit,
            amount: format!("{n}.00"),
            currency: DEFAULT_CURRENCY,
            status: TransactionStatus::Completed,
            rejection_reason: None,
            balance_after: Some(format!("{n}.00")),
            counterparty_account_id: None,
            account_version: None,
            created_at: "2026-11-25T09:20:59.000000Z".to_owned(),
            processed_at: "2026-11-25T09:21:00.000000Z".to_owned(),
            trace_id: None,
        }
    }

    fn change(holder: &str, by: &str) -> StatusChange {
        StatusChange {
            event_id: TransactionId::from(uuid::Uuid::from_u128(7)),
            account_id: AccountId::from(uuid::Uuid::from_u128(8)),
            holder_id: UserId::new(holder),
            from: AccountStatus::Open,
            to: AccountStatus::Frozen,
            reason: Some("Card reported stolen".to_owned()),
            initiated_by: UserId::new(by),
            created_at: shared::clock::Timestamp::parse("2026-11-25T09:21:00.000000Z")
                .unwrap_or_else(|e| panic!("{e}")),
        }
    }

    #[test]
    fn a_status_change_tells_its_holder_who_made_it_without_naming_the_operator() {
        let holder = uuid::Uuid::from_u128(9).to_string();
        let operator = uuid::Uuid::from_u128(10).to_string();
        let by_bank = status_notification(&change(&holder, &operator));
        assert_eq!(by_bank.changed_by, ChangedBy::Bank);
        assert_eq!(by_bank.holder_id, holder.as_str());
        assert_eq!(by_bank.to_status, AccountStatus::Frozen);
        assert_eq!(by_bank.reason.as_deref(), Some("Card reported stolen"));
        let body =
            serde_json::to_string(&Notification::from(by_bank)).unwrap_or_else(|e| panic!("{e}"));
        assert!(!body.contains(&operator), "{body}");
        let by_holder = status_notification(&change(&holder, &holder));
        assert_eq!(by_holder.changed_by, ChangedBy::Holder);
    }

    #[test]
    fn messages_are_packed_in_order_and_each_body_names_its_first_record() {
        // 23 messages from records 0..=11 (two per record, one for the last), every
        // fifth a status change: both kinds share the bodies.
        let holder = uuid::Uuid::from_u128(9).to_string();
        let messages: Vec<(usize, Notification)> = (0..23u128)
            .map(|n| {
                let notification = if n % 5 == 4 {
                    status_notification(&change(&holder, &holder)).into()
                } else {
                    message(n).into()
                };
                (n as usize / 2, notification)
            })
            .collect();
        let bodies = pack(&messages).unwrap_or_else(|i| panic!("record {i} not packed"));
        assert_eq!(
            bodies.iter().map(|b| b.first_index).collect::<Vec<_>>(),
            [0, 5, 10]
        );
        let mut unpacked = Vec::new();
        for body in &bodies {
            let batch: NotificationBatch =
                serde_json::from_str(&body.text).unwrap_or_else(|e| panic!("{e}"));
            assert!(batch.notifications.len() <= MAX_PER_BODY);
            unpacked.extend(batch.notifications);
        }
        let sent: Vec<Notification> = messages.into_iter().map(|(_, m)| m).collect();
        assert_eq!(unpacked, sent);
        assert!(pack(&[]).is_ok_and(|bodies| bodies.is_empty()));
    }

    #[test]
    fn each_notification_carries_its_trace_and_a_body_is_sent_under_its_first() {
        let holder = uuid::Uuid::from_u128(9).to_string();
        let traced = |n: u128, root: &str| {
            let mut m = message(n);
            m.trace_id = TraceId::parse(root);
            (n as usize, Notification::from(m))
        };
        let first = "1-6758a3c1-0123456789abcdef01234567";
        let second = "1-6758a3c2-0123456789abcdef01234567";
        let status = status_notification(&change(&holder, &holder)).into();
        let messages = vec![(0, status), traced(1, first), traced(2, second)];
        let bodies = pack(&messages).unwrap_or_else(|i| panic!("record {i} not packed"));
        assert_eq!(bodies.len(), 1);
        assert_eq!(bodies[0].trace.as_ref().map(TraceId::as_str), Some(first));
        assert!(bodies[0].text.contains(first) && bodies[0].text.contains(second));
        let header = bodies[0].trace.as_ref().and_then(trace_attribute);
        assert_eq!(
            header.as_ref().and_then(|h| h.string_value()),
            Some(format!("Root={first}").as_str())
        );
        let untraced = pack(&[(0, message(3).into())]).unwrap_or_else(|_| panic!("not packed"));
        assert!(untraced[0].trace.is_none());
    }
}

//! The stream record is the outbox: a transaction's move out of PENDING becomes one
//! notification per affected holder, and an account's status change one to its holder,
//! sent to the NotificationsQueue packed several to an SQS body ([`NotificationBatch`])
//! and several bodies to a request.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    MessageSystemAttributeNameForSends, MessageSystemAttributeValue, SendMessageBatchRequestEntry,
};
use shared::domain::{Direction, TransactionKind, TransactionStatus, TransactionType};
use shared::notification::{
    ChangedBy, Flow, HolderRole, MAX_PER_BODY, Notification, NotificationBatch,
    NotificationMessage, StatusNotification,
};
use shared::store::{StatusChange, TransactionRecord};
use shared::trace::TraceId;

/// Largest SendMessageBatch.
const SQS_BATCH: usize = 10;

/// The notifications a processed transaction owes: its source holder always (an
/// EXPIRY's hold holder, an operator's ADJUSTMENT's or REVERSAL's account holder) but
/// for a REJECTED EXPIRY (the ledger's own attempt at a hold that already ended: no
/// one asked, nothing changed); the holder of a completed transaction's destination
/// (a transfer's receiver, the sender a transfer's reversal credits) too.
pub fn notifications_for(record: &TransactionRecord) -> Vec<NotificationMessage> {
    let Some(processed_at) = record.processed_at.clone() else {
        return Vec::new();
    };
    match (record.status, record.kind.transaction_type()) {
        (TransactionStatus::Pending, _)
        | (TransactionStatus::Rejected, TransactionType::Expiry) => return Vec::new(),
        _ => {}
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
        held_after: record.held_after.map(|h| h.to_string()),
        direction: source_flow(&record.kind),
        counterparty_account_id: record.kind.destination(),
        account_version: record.account_version,
        created_at: record.created_at.to_string(),
        processed_at: processed_at.to_string(),
        trace_id: record.trace_id.clone(),
    };
    let mut messages = vec![base.clone()];
    let completed = record.status == TransactionStatus::Completed;
    if let (true, Some(to), Some(holder)) =
        (completed, record.kind.destination(), &record.to_user_id)
    {
        messages.push(NotificationMessage {
            account_id: to,
            holder_id: holder.clone(),
            role: HolderRole::Destination,
            balance_after: record.to_balance_after.map(|b| b.to_string()),
            held_after: record.to_held_after.map(|h| h.to_string()),
            // A transfer's reversal credits its destination, the original sender.
            direction: base.direction.map(|_| Flow::Credit),
            counterparty_account_id: Some(record.account_id),
            account_version: record.to_account_version,
            ..base
        });
    }
    messages
}

/// Which way a REVERSAL moves the money of the account it is recorded on: a credit
/// when it gives a debit back, a debit when it takes a credit back or moves a
/// transfer back (from its receiver); `None` for every other type.
const fn source_flow(kind: &TransactionKind) -> Option<Flow> {
    match kind {
        TransactionKind::Reversal {
            direction: Direction::Credit,
            ..
        } => Some(Flow::Credit),
        TransactionKind::Reversal { .. } => Some(Flow::Debit),
        _ => None,
    }
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
mod tests;

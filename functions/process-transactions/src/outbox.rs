//! The stream record is the outbox: a transaction's move out of PENDING becomes one
//! notification per affected holder, sent to the NotificationsQueue in batches.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use shared::domain::{TransactionStatus, TransactionType};
use shared::notification::{HolderRole, NotificationMessage};
use shared::store::TransactionRecord;

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
        holder_id: record.user_id.clone(),
        role: HolderRole::Source,
        kind: record.kind.transaction_type(),
        amount: record.kind.amount_text(),
        currency: record.currency,
        status: record.status,
        rejection_reason: record.rejection_reason,
        balance_after: record.balance_after.map(|b| b.to_string()),
        counterparty_account_id: record.kind.destination(),
        created_at: record.created_at.clone(),
        processed_at,
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
            ..base
        });
    }
    messages
}

/// Sends `messages` (each tagged with the index of the stream record it came from).
/// Returns the smallest record index whose messages were not all accepted.
pub async fn send(
    client: &Client,
    queue_url: &str,
    messages: &[(usize, NotificationMessage)],
) -> Option<usize> {
    let mut first_failed: Option<usize> = None;
    for chunk in messages.chunks(SQS_BATCH) {
        let failed = send_chunk(client, queue_url, chunk).await;
        if let Some(index) = failed {
            first_failed = Some(first_failed.map_or(index, |f| f.min(index)));
        }
    }
    first_failed
}

async fn send_chunk(
    client: &Client,
    queue_url: &str,
    chunk: &[(usize, NotificationMessage)],
) -> Option<usize> {
    let mut request = client.send_message_batch().queue_url(queue_url);
    for (position, (_, message)) in chunk.iter().enumerate() {
        let body = serde_json::to_string(message).unwrap_or_default();
        match SendMessageBatchRequestEntry::builder()
            .id(position.to_string())
            .message_body(body)
            .build()
        {
            Ok(entry) => request = request.entries(entry),
            Err(_) => return chunk.first().map(|(i, _)| *i),
        }
    }
    match request.send().await {
        Ok(output) => {
            let failed: Vec<usize> = output
                .failed()
                .iter()
                .filter_map(|f| f.id().parse::<usize>().ok())
                .filter_map(|position| chunk.get(position).map(|(i, _)| *i))
                .collect();
            for entry in output.failed() {
                tracing::warn!(
                    code = entry.code(),
                    sender_fault = entry.sender_fault(),
                    "notification not enqueued"
                );
            }
            failed.into_iter().min()
        }
        Err(error) => {
            let error = aws_sdk_sqs::error::DisplayErrorContext(&error);
            tracing::warn!(error = %error, "SendMessageBatch failed");
            chunk.iter().map(|(i, _)| *i).min()
        }
    }
}

//! Waiting for the pipeline to drain, replaying what landed in a dead-letter queue,
//! and delivering the whole transactions stream a second time.

use std::time::{Duration, Instant};

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use process_transactions::RetryPolicy;
use serde_json::Value;
use shared::domain::{Role, TransactionStatus, TransactionType};
use shared::store::{TableNames, TransactionRecord};

use super::observe::{queue_depth, resource, sent, transactions};
use super::workload::User;
use crate::local::LocalStack;

/// The holders a transaction notifies once settled: the source holder's (but for a
/// REJECTED EXPIRY: the ledger's own attempt at a hold that had already ended), and a
/// completed transaction's destination holder's (a transfer's receiver, the sender
/// a transfer's reversal credits).
pub fn notified_sides(t: &TransactionRecord) -> Vec<Role> {
    match (t.status, t.kind.transaction_type()) {
        (TransactionStatus::Pending, _)
        | (TransactionStatus::Rejected, TransactionType::Expiry) => Vec::new(),
        (TransactionStatus::Completed, _) if t.kind.destination().is_some() => {
            vec![Role::Source, Role::Destination]
        }
        _ => vec![Role::Source],
    }
}

/// Notifications (per channel) the processed transactions owe.
pub fn owed_notifications(transactions: &[TransactionRecord]) -> usize {
    transactions.iter().map(|t| notified_sides(t).len()).sum()
}

/// How draining went.
#[derive(Debug, Clone, Default)]
pub struct Drained {
    pub waited: Duration,
    pub settled: bool,
    /// Messages replayed from ProcessingDLQ / NotificationsDLQ.
    pub processing_replayed: usize,
    pub notifications_replayed: usize,
    pub last_state: String,
}

/// Waits (at most `timeout`) until nothing is PENDING, the notifications queue is
/// empty and every owed email and SMS was sent; replays dead-letter queues meanwhile.
pub async fn drain(s: &LocalStack, users: &[User], timeout: Duration) -> Drained {
    let started = Instant::now();
    let queue = resource(s, "queues", "NotificationsQueue");
    let processing_dlq = resource(s, "queues", "ProcessingDLQ");
    let notifications_dlq = resource(s, "queues", "NotificationsDLQ");
    let mut drained = Drained::default();
    while started.elapsed() < timeout {
        let all = transactions(s).await;
        let pending = all
            .iter()
            .filter(|t| t.status == TransactionStatus::Pending)
            .count();
        let owed = owed_notifications(&all);
        let depth = queue_depth(s, &queue).await;
        drained.last_state =
            format!("{pending} pending, {depth} queued, {owed} notifications owed");
        // moto's whole state is costly to read (and slows notify down): only at the end.
        if pending == 0 && depth == 0 {
            let sent = sent(s, users).await;
            drained.last_state = format!(
                "0 pending, 0 queued, emails {}/{owed}, sms {}/{owed}",
                sent.emails.len(),
                sent.sms.len()
            );
            if sent.emails.len() >= owed && sent.sms.len() >= owed {
                drained.settled = true;
                break;
            }
        }
        if queue_depth(s, &processing_dlq).await > 0 {
            drained.processing_replayed += replay_processing(s).await;
        }
        if depth == 0 && queue_depth(s, &notifications_dlq).await > 0 {
            drained.notifications_replayed += replay_notifications(s).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drained.waited = started.elapsed();
    drained
}

/// The stream consumer, as a separate invocation environment without faults.
fn consumer(s: &LocalStack) -> process_transactions::App {
    let tables = TableNames {
        accounts: resource(s, "tables", "AccountsTable"),
        transactions: resource(s, "tables", "TransactionsTable"),
    };
    process_transactions::App::new(
        &s.stack.config,
        &tables,
        &resource(s, "queues", "NotificationsQueue"),
        RetryPolicy::default(),
    )
}

/// Delivers `records` in batches of 100; returns the batches that reported a failure.
async fn deliver(app: &process_transactions::App, records: &[EventRecord]) -> usize {
    let mut failed = 0;
    for batch in records.chunks(100) {
        let mut event = Event::default();
        event.records = batch.to_vec();
        if !app.handle(event).await.batch_item_failures.is_empty() {
            failed += 1;
        }
    }
    failed
}

/// Receives every message of `url` (deleting each one `keep` accepts).
async fn receive_all(s: &LocalStack, url: &str) -> Vec<aws_sdk_sqs::types::Message> {
    let mut messages = Vec::new();
    for _ in 0..20 {
        let received = s
            .stack
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ReceiveMessage: {e:?}"));
        if received.messages().is_empty() {
            break;
        }
        messages.extend(received.messages().iter().cloned());
    }
    messages
}

async fn delete(s: &LocalStack, url: &str, message: &aws_sdk_sqs::types::Message) {
    s.stack
        .sqs
        .delete_message()
        .queue_url(url)
        .receipt_handle(message.receipt_handle().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteMessage: {e:?}"));
}

/// Replays the stream records the on-failure destination kept; returns messages replayed.
pub async fn replay_processing(s: &LocalStack) -> usize {
    let url = resource(s, "queues", "ProcessingDLQ");
    let app = consumer(s);
    let mut replayed = 0;
    for message in receive_all(s, &url).await {
        let body: Value =
            serde_json::from_str(message.body().unwrap_or("null")).unwrap_or(Value::Null);
        let records: Vec<EventRecord> = serde_json::from_value(body["records"].clone())
            .unwrap_or_else(|e| panic!("ProcessingDLQ message without replayable records: {e}"));
        eprintln!(
            "chaos: replaying {} stream records from ProcessingDLQ ({})",
            records.len(),
            body["requestContext"]["condition"]
        );
        if deliver(&app, &records).await == 0 {
            delete(s, &url, &message).await;
            replayed += 1;
        }
    }
    replayed
}

/// Moves NotificationsDLQ's messages back to NotificationsQueue; returns how many.
pub async fn replay_notifications(s: &LocalStack) -> usize {
    let dlq = resource(s, "queues", "NotificationsDLQ");
    let queue = resource(s, "queues", "NotificationsQueue");
    let mut replayed = 0;
    for message in receive_all(s, &dlq).await {
        s.stack
            .sqs
            .send_message()
            .queue_url(&queue)
            .message_body(message.body().unwrap_or_default())
            .send()
            .await
            .unwrap_or_else(|e| panic!("SendMessage: {e:?}"));
        delete(s, &dlq, &message).await;
        replayed += 1;
    }
    eprintln!("chaos: replayed {replayed} notifications from NotificationsDLQ");
    replayed
}

/// The stream records `transactions` made: an INSERT and a MODIFY (settled) each,
/// one more MODIFY per ended hold, and one on an original per COMPLETED reversal.
pub fn stream_records(transactions: &[TransactionRecord]) -> usize {
    let ended = transactions
        .iter()
        .filter(|t| {
            matches!(
                t.status,
                TransactionStatus::Captured
                    | TransactionStatus::Voided
                    | TransactionStatus::Expired
            )
        })
        .count();
    let reversals = transactions
        .iter()
        .filter(|t| {
            t.status == TransactionStatus::Completed
                && t.kind.transaction_type() == TransactionType::Reversal
        })
        .count();
    2 * transactions.len() + ended + reversals
}

/// Delivers the whole transactions stream again (every INSERT and MODIFY a second
/// time), as a duplicate delivery by the event source mapping would, once `expected`
/// records can be read. Returns (records delivered, batches that reported a failure).
pub async fn redeliver_stream(s: &LocalStack, expected: usize) -> (usize, usize) {
    let table = resource(s, "tables", "TransactionsTable");
    let arn = crate::streams::stream_arn(&s.stack, &table).await;
    let records = crate::streams::read_records(&s.stack, &arn, expected).await;
    let failed = deliver(&consumer(s), &records).await;
    (records.len(), failed)
}

/// Makes failed notification messages come back after `seconds` (the template's
/// 370 s would outlast the test).
pub async fn shorten_visibility(s: &LocalStack, seconds: u32) {
    s.stack
        .sqs
        .set_queue_attributes()
        .queue_url(resource(s, "queues", "NotificationsQueue"))
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            seconds.to_string(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("SetQueueAttributes: {e:?}"));
}

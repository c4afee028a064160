//! process-transactions: the DynamoDB Streams consumer of the transactions table.
//!
//! - INSERT of a PENDING transaction → applied to balances exactly once (see
//!   [`apply`]); a business failure becomes REJECTED with a reason (a result, not an
//!   error).
//! - MODIFY PENDING → COMPLETED/REJECTED → one notification per affected holder on the
//!   NotificationsQueue (the stream record is the outbox), the batch's notifications
//!   packed up to ten to an SQS body and ten bodies to a `SendMessageBatch` (see
//!   [`outbox`]).
//! - INSERT of an account's status change (a history entry `Ledger::change_status`
//!   wrote beside the transactions) → one notification to the account's holder, by
//!   the same outbox.
//!
//! A batch's PENDING transactions are settled by [`shared::settle::Engine`]: with
//! their accounts' PENDING predecessors first, in acceptance order, each account
//! written once per chunk of up to 99 transactions, through the one write path that
//! the reconciler uses too. The first record left unsettled (retries used up, or the
//! invocation's deadline too close to start another write) is reported as the batch
//! item failure (later records are redelivered with it); a malformed record is
//! reported too, so that the mapping's retry limit and bisection route it to the
//! on-failure destination.
//!
//! Each invocation that settles anything prints its metrics (EMF, see
//! [`shared::settle::Tally::add_to`]): transactions settled by type and rejected by
//! reason, settlement latency, batch size, commit retries, chunks split.

pub mod outbox;

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use shared::domain::TransactionStatus;
use shared::metrics::Metrics;
use shared::notification::Notification;
use shared::settle::{Deadline, Engine, Unsettled};
use shared::store::{Ledger, StatusChange, TableNames, TransactionRecord};

pub use shared::settle::{Applied, RetryPolicy};

/// The function's state, built once per execution environment.
#[derive(Debug, Clone)]
pub struct App {
    engine: Engine,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    metrics: Metrics,
}

/// Why a record was not handled.
#[derive(Debug, thiserror::Error)]
enum RecordError {
    #[error("malformed stream record: {0}")]
    Malformed(String),
    #[error(transparent)]
    Unsettled(#[from] Unsettled),
}

impl App {
    /// Tables and queue from the environment (`NOTIFICATIONS_QUEUE_URL`).
    pub fn from_env(config: &shared::aws::SdkConfig) -> Result<Self, String> {
        let tables = TableNames::from_env().map_err(|name| format!("{name} is not set"))?;
        let queue_url = std::env::var("NOTIFICATIONS_QUEUE_URL")
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or("NOTIFICATIONS_QUEUE_URL is not set")?;
        Ok(
            Self::new(config, &tables, &queue_url, RetryPolicy::default())
                .with_metrics(Metrics::from_env()),
        )
    }

    /// An app on explicit tables and queue (tests, local runtime); its metrics go to
    /// the process's installed sink ([`Metrics::local`]).
    pub fn new(
        config: &shared::aws::SdkConfig,
        tables: &TableNames,
        queue_url: &str,
        retry: RetryPolicy,
    ) -> Self {
        let client = shared::aws::dynamodb(config);
        Self {
            engine: Engine::new(
                Ledger::new(client, &tables.accounts, &tables.transactions),
                retry,
            ),
            sqs: shared::aws::sqs(config),
            queue_url: queue_url.to_owned(),
            metrics: Metrics::local("local"),
        }
    }

    /// The same app, its metrics written by `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Handles one stream batch with no deadline (tools, tests).
    pub async fn handle(&self, event: Event) -> DynamoDbEventResponse {
        self.handle_until(event, Deadline::none()).await
    }

    /// Handles one stream batch; reports the first record that could not be handled,
    /// starting no write that `deadline` leaves no time for.
    pub async fn handle_until(&self, event: Event, deadline: Deadline) -> DynamoDbEventResponse {
        let records = event.records;
        let mut pending: Vec<(usize, TransactionRecord)> = Vec::new();
        let mut outbox: Vec<(usize, Notification)> = Vec::new();
        let mut failed_at: Option<usize> = None;
        for (index, record) in records.iter().enumerate() {
            match classify(record) {
                Ok(Action::Apply(transaction)) => pending.push((index, *transaction)),
                Ok(Action::Notify(messages)) => {
                    outbox.extend(messages.into_iter().map(|m| (index, m)));
                }
                Ok(Action::Nothing) => {}
                Err(error) => {
                    log_failure(record, &error);
                    failed_at = Some(index);
                    break;
                }
            }
        }
        if let Some((position, reason)) = self.apply_all(&pending, deadline).await {
            let index = pending.get(position).map_or(0, |(i, _)| *i);
            if let Some(record) = records.get(index) {
                log_failure(record, &RecordError::Unsettled(reason));
            }
            failed_at = Some(failed_at.map_or(index, |f| f.min(index)));
        }
        // Records from the failure on are redelivered: their notifications go then.
        outbox.retain(|(index, _)| failed_at.is_none_or(|f| *index < f));
        if let Some(unsent) = outbox::send(&self.sqs, &self.queue_url, &outbox).await {
            failed_at = Some(failed_at.map_or(unsent, |f| f.min(unsent)));
        }
        let mut response = DynamoDbEventResponse::default();
        if let Some(index) = failed_at {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = records
                .get(index)
                .and_then(|r| r.change.sequence_number.clone());
            response.batch_item_failures.push(failure);
        }
        response
    }

    /// Settles the batch's PENDING transactions; `Some`: the position (in `pending`)
    /// of the first left PENDING, and why.
    async fn apply_all(
        &self,
        pending: &[(usize, TransactionRecord)],
        deadline: Deadline,
    ) -> Option<(usize, Unsettled)> {
        if pending.is_empty() {
            return None;
        }
        let transactions: Vec<TransactionRecord> = pending.iter().map(|(_, t)| t.clone()).collect();
        // Boxed: the SDK's futures nest deeply enough to hit the compiler's layout
        // depth limit in the Lambda's main.
        let settled = Box::pin(self.engine.settle(&transactions, deadline)).await;
        let mut invocation = self.metrics.invocation();
        settled.tally.add_to(&mut invocation);
        self.metrics.emit(&invocation);
        for (transaction, outcome) in transactions.iter().zip(&settled.outcomes) {
            if let Some(outcome) = outcome {
                tracing::info!(
                    transaction_id = %transaction.transaction_id,
                    account_id = %transaction.account_id,
                    outcome = ?outcome,
                    trace_id = transaction.trace_id.as_ref().map(shared::trace::TraceId::as_str),
                    "transaction processed"
                );
            }
        }
        if settled.helped > 0 {
            tracing::info!(
                helped = settled.helped,
                "earlier PENDING transactions settled first"
            );
        }
        let position = settled.first_unsettled()?;
        Some((position, settled.unsettled.unwrap_or(Unsettled::Behind)))
    }
}

/// What a record asks for.
enum Action {
    /// An INSERT of a PENDING transaction: apply it.
    Apply(Box<TransactionRecord>),
    /// A MODIFY PENDING → COMPLETED/REJECTED, or an INSERT of a status change: tell
    /// the holders.
    Notify(Vec<Notification>),
    Nothing,
}

fn classify(record: &EventRecord) -> Result<Action, RecordError> {
    match record.event_name.as_str() {
        "INSERT" => {
            let transaction = match entry(&record.change.new_image)? {
                Entry::Transaction(transaction) => transaction,
                Entry::StatusChange(change) => {
                    return Ok(Action::Notify(vec![
                        outbox::status_notification(&change).into(),
                    ]));
                }
            };
            Ok(if transaction.status == TransactionStatus::Pending {
                Action::Apply(transaction)
            } else {
                Action::Nothing
            })
        }
        "MODIFY" => {
            let (Entry::Transaction(old), Entry::Transaction(new)) = (
                entry(&record.change.old_image)?,
                entry(&record.change.new_image)?,
            ) else {
                return Ok(Action::Nothing);
            };
            Ok(
                if old.status == TransactionStatus::Pending
                    && new.status != TransactionStatus::Pending
                {
                    Action::Notify(
                        outbox::notifications_for(&new)
                            .into_iter()
                            .map(Notification::from)
                            .collect(),
                    )
                } else {
                    Action::Nothing
                },
            )
        }
        _ => Ok(Action::Nothing),
    }
}

/// What an image of the transactions table holds.
enum Entry {
    Transaction(Box<TransactionRecord>),
    /// An account's status change (a history entry, not a transaction).
    StatusChange(StatusChange),
}

/// A stream image read (amounts exactly from their `N` text).
fn entry(image: &serde_dynamo::Item) -> Result<Entry, RecordError> {
    let item: HashMap<String, AttributeValue> = image.clone().into();
    let read = if StatusChange::is_one(&item) {
        StatusChange::from_item(&item).map(Entry::StatusChange)
    } else {
        TransactionRecord::from_item(&item).map(|t| Entry::Transaction(Box::new(t)))
    };
    read.map_err(|e| RecordError::Malformed(e.to_string()))
}

fn log_failure(record: &EventRecord, error: &RecordError) {
    let sequence = record.change.sequence_number.as_deref().unwrap_or("");
    match error {
        RecordError::Malformed(reason) => tracing::error!(
            event_id = %record.event_id,
            sequence_number = sequence,
            event_name = %record.event_name,
            reason = %reason,
            "malformed record: reported for retry, bisection and the on-failure destination"
        ),
        RecordError::Unsettled(reason) => tracing::warn!(
            event_id = %record.event_id,
            sequence_number = sequence,
            reason = %reason,
            "record left PENDING: reported for redelivery"
        ),
    }
}

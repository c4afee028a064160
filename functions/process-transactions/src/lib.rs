//! process-transactions: the DynamoDB Streams consumer of the transactions table.
//!
//! - INSERT of a PENDING transaction → applied to balances exactly once (see
//!   [`apply`]); a business failure becomes REJECTED with a reason (a result, not an
//!   error).
//! - MODIFY PENDING → COMPLETED/REJECTED → one notification per affected holder on the
//!   NotificationsQueue (the stream record is the outbox).
//!
//! Records are handled in stream order. The first record that still fails after
//! bounded retries is reported as the batch item failure (later records are
//! redelivered with it); a malformed record is reported too, so that the mapping's
//! retry limit and bisection route it to the on-failure destination.

pub mod apply;
pub mod outbox;
pub mod retry;

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use shared::domain::TransactionStatus;
use shared::notification::NotificationMessage;
use shared::store::{Ledger, StoreError, TableNames, TransactionRecord};

pub use apply::Applied;
pub use retry::RetryPolicy;

/// The function's state, built once per execution environment.
#[derive(Debug, Clone)]
pub struct App {
    ledger: Ledger,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    retry: RetryPolicy,
}

/// Why a record was not handled.
#[derive(Debug, thiserror::Error)]
enum RecordError {
    #[error("malformed stream record: {0}")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl App {
    /// Tables and queue from the environment (`NOTIFICATIONS_QUEUE_URL`).
    pub fn from_env(config: &shared::aws::SdkConfig) -> Result<Self, String> {
        let tables = TableNames::from_env().map_err(|name| format!("{name} is not set"))?;
        let queue_url = std::env::var("NOTIFICATIONS_QUEUE_URL")
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or("NOTIFICATIONS_QUEUE_URL is not set")?;
        Ok(Self::new(
            config,
            &tables,
            &queue_url,
            RetryPolicy::default(),
        ))
    }

    /// An app on explicit tables and queue (tests, local runtime).
    pub fn new(
        config: &shared::aws::SdkConfig,
        tables: &TableNames,
        queue_url: &str,
        retry: RetryPolicy,
    ) -> Self {
        let client = shared::aws::dynamodb(config);
        Self {
            ledger: Ledger::new(client, &tables.accounts, &tables.transactions),
            sqs: shared::aws::sqs(config),
            queue_url: queue_url.to_owned(),
            retry,
        }
    }

    /// Handles one stream batch; reports the first record that could not be handled.
    pub async fn handle(&self, event: Event) -> DynamoDbEventResponse {
        let records = event.records;
        let mut outbox: Vec<(usize, NotificationMessage)> = Vec::new();
        let mut failed_at: Option<usize> = None;
        for (index, record) in records.iter().enumerate() {
            match self.handle_record(record).await {
                Ok(messages) => outbox.extend(messages.into_iter().map(|m| (index, m))),
                Err(error) => {
                    log_failure(record, &error);
                    failed_at = Some(index);
                    break;
                }
            }
        }
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

    async fn handle_record(
        &self,
        record: &EventRecord,
    ) -> Result<Vec<NotificationMessage>, RecordError> {
        match record.event_name.as_str() {
            "INSERT" => {
                let transaction = image(&record.change.new_image)?;
                if transaction.status == TransactionStatus::Pending {
                    let applied =
                        apply::apply_transaction(&self.ledger, &transaction, self.retry).await?;
                    tracing::info!(
                        transaction_id = %transaction.transaction_id,
                        account_id = %transaction.account_id,
                        outcome = ?applied,
                        "transaction processed"
                    );
                }
                Ok(Vec::new())
            }
            "MODIFY" => {
                let old = image(&record.change.old_image)?;
                let new = image(&record.change.new_image)?;
                if old.status == TransactionStatus::Pending
                    && new.status != TransactionStatus::Pending
                {
                    Ok(outbox::notifications_for(&new))
                } else {
                    Ok(Vec::new())
                }
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// A stream image as a transaction (amounts read exactly from their `N` text).
fn image(image: &serde_dynamo::Item) -> Result<TransactionRecord, RecordError> {
    let item: HashMap<String, AttributeValue> = image.clone().into();
    TransactionRecord::from_item(&item).map_err(|e| RecordError::Malformed(e.to_string()))
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
        RecordError::Store(store) => tracing::error!(
            event_id = %record.event_id,
            sequence_number = sequence,
            error = %store,
            "record failed after retries"
        ),
    }
}

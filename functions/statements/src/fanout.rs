//! A run: one page of the accounts table per run message, fanned out as one account
//! message each, then the next run message carrying where the page ended. A run of
//! millions of accounts is a chain of short invocations, none depending on one
//! Lambda's time limit; a failed page is retried as a whole (account messages are
//! idempotent: a statement is made once per account and period).

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use shared::statement::Period;

use crate::worker::{Job, JobError};

/// SQS's limit of entries per `SendMessageBatch`.
pub const SQS_BATCH: usize = 10;
/// Attempts at sending a batch's failed entries again.
const SEND_ATTEMPTS: u32 = 4;

/// What one run page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPage {
    /// Account messages sent.
    pub accounts: usize,
    /// Where the next run message starts (`None`: the run is complete).
    pub next: Option<String>,
}

/// The fan-out's clients and settings.
#[derive(Debug, Clone)]
pub struct Fanout {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub accounts_table: String,
    pub queue_url: String,
    pub page: i32,
}

impl Fanout {
    /// Scans one page of accounts after `after`, sends one account message per
    /// account, then the next run message when the scan did not reach the end.
    pub async fn run_page(&self, period: Period, after: Option<&str>) -> Result<RunPage, JobError> {
        let output = self
            .dynamodb
            .scan()
            .table_name(&self.accounts_table)
            .projection_expression("#a")
            .expression_attribute_names("#a", "accountId")
            .limit(self.page)
            .set_exclusive_start_key(
                after.map(|id| [("accountId".to_owned(), AttributeValue::S(id.to_owned()))].into()),
            )
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| JobError::aws("Scan", &e))?;
        let ids: Vec<String> = output
            .items()
            .iter()
            .filter_map(|item| item.get("accountId")?.as_s().ok().cloned())
            .collect();
        let jobs: Vec<Job> = ids
            .iter()
            .map(|id| Job::Account {
                period: period.to_string(),
                account_id: id.clone(),
                resend: false,
            })
            .collect();
        for chunk in jobs.chunks(SQS_BATCH) {
            self.send_batch(chunk).await?;
        }
        let next = output
            .last_evaluated_key()
            .and_then(|key| key.get("accountId")?.as_s().ok().cloned());
        if let Some(next) = &next {
            let job = Job::Run {
                period: Some(period.to_string()),
                after: Some(next.clone()),
            };
            self.send_batch(std::slice::from_ref(&job)).await?;
        }
        tracing::info!(%period, accounts = ids.len(), more = next.is_some(), "run page fanned out");
        Ok(RunPage {
            accounts: ids.len(),
            next,
        })
    }

    /// Sends up to ten jobs in one `SendMessageBatch`, sending the entries SQS
    /// refused again (with a short pause) until none is left or the attempts run out.
    pub async fn send_batch(&self, jobs: &[Job]) -> Result<(), JobError> {
        let mut pending: Vec<SendMessageBatchRequestEntry> = jobs
            .iter()
            .enumerate()
            .map(|(i, job)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(job.to_body())
                    .build()
                    .map_err(|e| JobError::Malformed(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        for attempt in 0..SEND_ATTEMPTS {
            if pending.is_empty() {
                return Ok(());
            }
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
            let output = self
                .sqs
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(pending.clone()))
                .send()
                .await
                .map_err(|e| JobError::aws("SendMessageBatch", &e))?;
            let failed: Vec<&str> = output.failed().iter().map(|f| f.id()).collect();
            for entry in output.failed() {
                tracing::warn!(
                    code = entry.code(),
                    sender_fault = entry.sender_fault(),
                    "SendMessageBatch entry refused"
                );
            }
            pending.retain(|entry| failed.contains(&entry.id()));
        }
        if pending.is_empty() {
            Ok(())
        } else {
            Err(JobError::Service {
                operation: "SendMessageBatch",
                code: "EntriesFailed".to_owned(),
                message: format!("{} entries still refused", pending.len()),
            })
        }
    }
}

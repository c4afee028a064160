//! The StatementsQueue consumer: run pages (fan-out) and per-account statements, each
//! message on its own; a failed message is reported as a batch item failure (retried
//! by SQS, then moved to StatementsDLQ).
//!
//! Messages: [`Job`] (`shared::statement::job`, the contract the schedule, the API and
//! `make statements` send).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use shared::aws::SdkConfig;
use shared::clock::format_rfc3339;
use shared::domain::AccountId;
pub use shared::statement::Job;
use shared::statement::{BuildError, Period};
use shared::store::{
    Account, AccountsTable, SdkFailure, StatementRecord, StatementsTable, StoreError,
    TransactionsTable,
};

use crate::config::WorkerConfig;
use crate::email::{Emailed, Mailer};
use crate::fanout::Fanout;
use crate::generate::{Generated, Generator};

/// How long one attempt holds a statement's email: longer than the worker's timeout,
/// shorter than StatementsQueue's visibility timeout (so a retry finds it expired).
pub const EMAIL_LEASE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Why a message was not handled.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{operation} failed: {code}: {message}")]
    Service {
        operation: &'static str,
        code: String,
        message: String,
    },
    #[error("the statement does not add up: {0}")]
    Build(#[from] BuildError),
    #[error("malformed: {0}")]
    Malformed(String),
}

impl JobError {
    /// An AWS SDK failure: its code (or transport failure kind) only. Service
    /// messages are never kept: SES and Cognito may quote the holder's address.
    pub fn aws<E, R>(operation: &'static str, error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let failure = SdkFailure::from_sdk(error, shared::store::classify);
        Self::Service {
            operation,
            code: failure.code.clone(),
            message: failure.to_string(),
        }
    }
}

/// What a message did (for logs and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Run(crate::fanout::RunPage),
    Account(Box<Generated>, Option<Emailed>),
}

/// The worker, built once per execution environment.
#[derive(Debug, Clone)]
pub struct Worker {
    pub fanout: Fanout,
    pub generator: Generator,
    pub mailer: Mailer,
}

impl Worker {
    /// The worker on `config`'s clients and `settings`.
    pub fn new(config: &SdkConfig, settings: &WorkerConfig) -> Self {
        let dynamodb = shared::aws::dynamodb(config);
        let s3 = shared::aws::s3_client(config);
        Self {
            fanout: Fanout {
                dynamodb: dynamodb.clone(),
                sqs: shared::aws::sqs(config),
                accounts_table: settings.accounts_table.clone(),
                queue_url: settings.queue_url.clone(),
                page: settings.fanout_page,
            },
            generator: Generator {
                statements: StatementsTable::new(dynamodb.clone(), &settings.statements_table),
                accounts: AccountsTable::new(dynamodb.clone(), &settings.accounts_table),
                transactions: TransactionsTable::new(dynamodb, &settings.transactions_table),
                kms: shared::aws::kms(config),
                s3: s3.clone(),
                bucket: settings.bucket.clone(),
                key_id: settings.key_id.clone(),
            },
            mailer: Mailer {
                sesv2: shared::aws::sesv2(config),
                cognito: shared::aws::cognito(config),
                s3,
                bucket: settings.bucket.clone(),
                from: settings.sender_email.clone(),
                user_pool_id: settings.user_pool_id.clone(),
                enabled: settings.ses_enabled,
            },
        }
    }

    /// Handles a batch: every message on its own, the failed ones reported.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        let results =
            futures::future::join_all(event.records.iter().map(|m| self.message(m))).await;
        let mut response = SqsBatchResponse::default();
        for (message, result) in event.records.iter().zip(results) {
            if result.is_err() {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message.message_id.clone().unwrap_or_default();
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    async fn message(&self, message: &SqsMessage) -> Result<Done, ()> {
        let id = message.message_id.as_deref().unwrap_or_default();
        let job: Job = match serde_json::from_str(message.body.as_deref().unwrap_or_default()) {
            Ok(job) => job,
            Err(e) => {
                // Never the body: the error's category and position only.
                tracing::error!(message_id = id, error = ?e.classify(), line = e.line(), column = e.column(), "malformed statements message");
                return Err(());
            }
        };
        self.job(&job, chrono::Utc::now()).await.map_err(|e| {
            tracing::error!(message_id = id, error = %e, "statements message failed");
        })
    }

    /// Does one job; `now` decides the default period of a run.
    pub async fn job(
        &self,
        job: &Job,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Done, JobError> {
        match job {
            Job::Run { period, after } => {
                let period = match period {
                    Some(text) => parse_period(text)?,
                    None => Period::previous(now),
                };
                Ok(Done::Run(
                    self.fanout.run_page(period, after.as_deref()).await?,
                ))
            }
            Job::Account {
                period,
                account_id,
                resend,
            } => {
                let period = parse_period(period)?;
                let account_id = AccountId::parse(account_id)
                    .map_err(|e| JobError::Malformed(format!("accountId: {e}")))?;
                self.account(&account_id, period, *resend).await
            }
        }
    }

    async fn account(
        &self,
        id: &AccountId,
        period: Period,
        resend: bool,
    ) -> Result<Done, JobError> {
        let (generated, account) = self.generator.statement(id, period, resend).await?;
        let emailed = match (&generated, &account) {
            (Generated::Made(record) | Generated::Existing(record), Some(account)) => {
                self.email(account, record, resend).await?
            }
            _ => None,
        };
        tracing::info!(account_id = %id, %period, outcome = outcome(&generated), "statement handled");
        Ok(Done::Account(Box::new(generated), emailed))
    }

    /// Emails the holder once per statement (a lease on the record makes a crash
    /// between the record and the email retried, and concurrent runs send once), or
    /// again when `resend`.
    async fn email(
        &self,
        account: &Account,
        record: &StatementRecord,
        resend: bool,
    ) -> Result<Option<Emailed>, JobError> {
        let statements = &self.generator.statements;
        let now = chrono::Utc::now();
        if !resend {
            let until = format_rfc3339(now + EMAIL_LEASE);
            let claimed = statements
                .claim_email(
                    &record.account_id,
                    &record.period,
                    &format_rfc3339(now),
                    &until,
                )
                .await?;
            if !claimed {
                return Ok(None);
            }
        }
        let emailed = self.mailer.send(account, record).await?;
        statements
            .mark_emailed(
                &record.account_id,
                &record.period,
                &format_rfc3339(chrono::Utc::now()),
            )
            .await?;
        Ok(Some(emailed))
    }
}

fn outcome(generated: &Generated) -> &'static str {
    match generated {
        Generated::Existing(_) => "existing",
        Generated::Made(_) => "made",
        Generated::Nothing => "nothing-to-state",
    }
}

fn parse_period(text: &str) -> Result<Period, JobError> {
    Period::parse(text).map_err(|e| JobError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_event_is_an_sqs_batch_of_one_run_message() -> Result<(), serde_json::Error> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../events/statements-sqs-run.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let event: SqsEvent = serde_json::from_str(&text)?;
        let bodies: Vec<Job> = event
            .records
            .iter()
            .filter_map(|r| r.body.as_deref())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()?;
        assert_eq!(
            bodies,
            vec![Job::Run {
                period: Some("2026-10".into()),
                after: None
            }]
        );
        Ok(())
    }
}

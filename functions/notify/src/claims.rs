//! The notification log (dedupe table): one item per (transaction, account, channel),
//! keyed `notificationId` = [`shared::notification::NotificationMessage::dedupe_key`].
//!
//! Powertools-style idempotency with fencing:
//!
//! * **claim** — `PutItem {status: IN_PROGRESS, claimToken, expiresAt: now + in-progress
//!   TTL}` if the item is absent, or is IN_PROGRESS with `expiresAt` passed (a crashed
//!   attempt). On a failed condition the existing item comes back (ALL_OLD) and says
//!   why: COMPLETED or FAILED_PERMANENT (done), or IN_PROGRESS (someone is on it).
//! * **settle** — `UpdateItem` to COMPLETED (`sentAt`, `providerMessageId`) or
//!   FAILED_PERMANENT (`failedAt`, `errorCode`), `expiresAt: now + retention`.
//! * **release** — `DeleteItem`, so a retry can claim at once.
//!
//! Settling and releasing are conditioned on the claim token, so an attempt that
//! outlived its claim never overwrites or deletes the claim of the attempt that took
//! over. `expiresAt` (epoch seconds) is the table's TTL attribute.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use crate::failure::Failure;

/// Hash key (S).
pub const ATTR_ID: &str = "notificationId";
/// `IN_PROGRESS`, `COMPLETED` or `FAILED_PERMANENT` (S).
pub const ATTR_STATUS: &str = "status";
/// TTL attribute, epoch seconds (N).
pub const ATTR_EXPIRES_AT: &str = "expiresAt";
/// Random token of the attempt holding the claim (S).
pub const ATTR_CLAIM_TOKEN: &str = "claimToken";
/// RFC 3339 times (S).
pub const ATTR_CLAIMED_AT: &str = "claimedAt";
pub const ATTR_SENT_AT: &str = "sentAt";
pub const ATTR_FAILED_AT: &str = "failedAt";
/// The SES or SNS message id of the sent notification (S).
pub const ATTR_PROVIDER_MESSAGE_ID: &str = "providerMessageId";
/// Why a notification could not be sent, an error code only (S).
pub const ATTR_ERROR_CODE: &str = "errorCode";

pub const IN_PROGRESS: &str = "IN_PROGRESS";
pub const COMPLETED: &str = "COMPLETED";
pub const FAILED_PERMANENT: &str = "FAILED_PERMANENT";

/// What a claim attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This attempt owns the notification until the in-progress expiry.
    Acquired(ClaimToken),
    /// Already sent.
    Completed,
    /// Already recorded as impossible to send.
    FailedPermanent,
    /// Another attempt holds a live claim (a concurrent duplicate).
    InFlight,
}

/// Proof of ownership of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken(String);

/// A log write failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// DynamoDB answered with an error or could not be reached.
    #[error("{operation} failed: {failure}")]
    Service {
        operation: &'static str,
        failure: Failure,
    },
    /// The claim expired and another attempt took it over.
    #[error("the claim expired and was taken over")]
    ClaimLost,
}

/// The dedupe table.
#[derive(Debug, Clone)]
pub struct NotificationLog {
    client: Client,
    table: String,
    in_progress_ttl: Duration,
    retention: Duration,
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn epoch_after(duration: Duration) -> i64 {
    let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
    chrono::Utc::now().timestamp().saturating_add(seconds)
}

fn service<E>(operation: &'static str, error: &SdkError<E>) -> LogError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    LogError::Service {
        operation,
        failure: Failure::from_sdk(error, |_| false),
    }
}

impl NotificationLog {
    /// The log in `table`.
    pub fn new(
        client: Client,
        table: impl Into<String>,
        in_progress_ttl: Duration,
        retention: Duration,
    ) -> Self {
        Self {
            client,
            table: table.into(),
            in_progress_ttl,
            retention,
        }
    }

    /// Claims `key` for this attempt (one conditional `PutItem`).
    pub async fn claim(&self, key: &str) -> Result<Claim, LogError> {
        let token = uuid::Uuid::new_v4().to_string();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(ATTR_ID, s(key))
            .item(ATTR_STATUS, s(IN_PROGRESS))
            .item(ATTR_CLAIM_TOKEN, s(&token))
            .item(ATTR_EXPIRES_AT, n(epoch_after(self.in_progress_ttl)))
            .item(ATTR_CLAIMED_AT, s(&shared::clock::now_rfc3339()))
            .condition_expression(
                "attribute_not_exists(#id) OR (#status = :in_progress AND #expires < :now)",
            )
            .expression_attribute_names("#id", ATTR_ID)
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_names("#expires", ATTR_EXPIRES_AT)
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":now", n(epoch_after(Duration::ZERO)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let error = match result {
            Ok(_) => return Ok(Claim::Acquired(ClaimToken(token))),
            Err(error) => error,
        };
        if let SdkError::ServiceError(failure) = &error
            && let PutItemError::ConditionalCheckFailedException(conflict) = failure.err()
        {
            let status = conflict
                .item()
                .and_then(|item| item.get(ATTR_STATUS))
                .and_then(|v| v.as_s().ok());
            return Ok(match status.map(String::as_str) {
                Some(COMPLETED) => Claim::Completed,
                Some(FAILED_PERMANENT) => Claim::FailedPermanent,
                _ => Claim::InFlight,
            });
        }
        Err(service("PutItem", &error))
    }

    /// Records `key` as sent (one conditional `UpdateItem`).
    pub async fn complete(
        &self,
        key: &str,
        token: &ClaimToken,
        provider_message_id: Option<&str>,
    ) -> Result<(), LogError> {
        let mut extra = vec![(ATTR_SENT_AT, s(&shared::clock::now_rfc3339()))];
        if let Some(id) = provider_message_id {
            extra.push((ATTR_PROVIDER_MESSAGE_ID, s(id)));
        }
        self.settle(key, token, COMPLETED, extra).await
    }

    /// Records `key` as impossible to send, with the error code only.
    pub async fn fail(&self, key: &str, token: &ClaimToken, code: &str) -> Result<(), LogError> {
        let extra = vec![
            (ATTR_FAILED_AT, s(&shared::clock::now_rfc3339())),
            (ATTR_ERROR_CODE, s(code)),
        ];
        self.settle(key, token, FAILED_PERMANENT, extra).await
    }

    /// Gives the claim up so that a retry can claim at once (one conditional `DeleteItem`).
    pub async fn release(&self, key: &str, token: &ClaimToken) -> Result<(), LogError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(ATTR_ID, s(key))
            .condition_expression("#token = :token")
            .expression_attribute_names("#token", ATTR_CLAIM_TOKEN)
            .expression_attribute_values(":token", s(&token.0))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(LogError::ClaimLost)
            }
            Err(error) => Err(service("DeleteItem", &error)),
        }
    }

    async fn settle(
        &self,
        key: &str,
        token: &ClaimToken,
        status: &str,
        extra: Vec<(&'static str, AttributeValue)>,
    ) -> Result<(), LogError> {
        let mut set = vec!["#status = :status", "#expires = :expires"];
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ATTR_ID, s(key))
            .condition_expression("#token = :token")
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_names("#expires", ATTR_EXPIRES_AT)
            .expression_attribute_names("#token", ATTR_CLAIM_TOKEN)
            .expression_attribute_values(":status", s(status))
            .expression_attribute_values(":expires", n(epoch_after(self.retention)))
            .expression_attribute_values(":token", s(&token.0));
        // Attribute names are this module's constants: safe as placeholders.
        let placeholders: Vec<String> = extra
            .iter()
            .map(|(name, _)| format!("{name} = :{name}"))
            .collect();
        set.extend(placeholders.iter().map(String::as_str));
        for (name, value) in extra {
            request = request.expression_attribute_values(format!(":{name}"), value);
        }
        let result = request
            .update_expression(format!("SET {}", set.join(", ")))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(LogError::ClaimLost)
            }
            Err(error) => Err(service("UpdateItem", &error)),
        }
    }
}

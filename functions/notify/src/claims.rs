//! The notification log (dedupe table): one item per notification message, that is per
//! (transaction, account), keyed `notificationId` = [`key`] =
//! `<transactionId>#<accountId>`, holding the message's status and every channel's state.
//!
//! Powertools-style idempotency with fencing, two writes per message on the happy path
//! whatever the number of channels, and two *requests* per batch of messages (see
//! [`batch`]: a Lambda invocation claims all its messages in one request and settles
//! them in another):
//!
//! * **claim** — `{status: IN_PROGRESS, claimToken, claimedAt, expiresAt: now +
//!   in-progress TTL}` (now: before the call; see [`Lease`] for why, and for the
//!   deadline this attempt derives from it). A new message is claimed by a batched
//!   PartiQL `INSERT`; an existing one by one conditional `UpdateItem`
//!   ([`NotificationLog::claim`]) if it is RELEASED (an earlier attempt left a channel
//!   to retry) or IN_PROGRESS with `expiresAt` passed (a crashed attempt). It is an
//!   `UpdateItem` rather than a `PutItem` so that the channel states of a released
//!   item survive the claim; `ReturnValues=ALL_OLD` hands them back with no extra
//!   read. On a failed condition the existing item comes back (ALL_OLD) and says why:
//!   COMPLETED (done) or IN_PROGRESS (someone is on it).
//! * **settle** — a batched PartiQL `UPDATE` conditioned on the claim token, recording
//!   the outcome of every channel handled by this attempt (`email`/`sms`: SENT,
//!   PENDING, FAILED_PERMANENT or SKIPPED, with the provider message id or error code)
//!   and the final status: COMPLETED when no channel is left to retry, else RELEASED so
//!   that the SQS redelivery claims at once and retries only the PENDING channels.
//!   `expiresAt: now + retention` either way.
//!
//! The token condition means an attempt that outlived its claim never overwrites the
//! claim of the attempt that took over. `expiresAt` (epoch seconds) is the table's TTL
//! attribute.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use shared::notification::Notification;
use shared::store::{Item, SdkFailure, UpdateExpression, classify, n, s};

use crate::senders::Channel;

mod batch;
mod lease;
mod update;

pub use batch::{STATEMENTS_PER_REQUEST, Settle};
pub use lease::{Clock, Lease};

/// Hash key (S).
pub const ATTR_ID: &str = "notificationId";
/// `IN_PROGRESS`, `RELEASED` or `COMPLETED` (S).
pub const ATTR_STATUS: &str = "status";
/// TTL attribute, epoch seconds (N).
pub const ATTR_EXPIRES_AT: &str = "expiresAt";
/// Random token of the attempt holding the claim (S).
pub const ATTR_CLAIM_TOKEN: &str = "claimToken";
/// RFC 3339 times (S).
pub const ATTR_CLAIMED_AT: &str = "claimedAt";
pub const ATTR_SETTLED_AT: &str = "settledAt";
/// Per channel, after the channel's name (`emailProviderMessageId`): the SES or SNS
/// message id of the sent notification (S).
pub const SUFFIX_PROVIDER_MESSAGE_ID: &str = "ProviderMessageId";
/// Per channel (`smsErrorCode`): why it could not be sent, an error code only (S).
pub const SUFFIX_ERROR_CODE: &str = "ErrorCode";
/// Per channel (`emailUpdatedAt`): when its state was recorded (S).
pub const SUFFIX_UPDATED_AT: &str = "UpdatedAt";

/// An attempt holds the message.
pub const IN_PROGRESS: &str = "IN_PROGRESS";
/// A channel is left to retry; the next attempt may claim at once.
pub const RELEASED: &str = "RELEASED";
/// No channel is left to retry.
pub const COMPLETED: &str = "COMPLETED";

/// The log key of a message: `<transactionId>#<accountId>` (`<eventId>#<accountId>`
/// for a status change).
pub fn key(message: &Notification) -> String {
    message.dedupe_key()
}

/// The state of one channel, stored under the channel's name (`email`, `sms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelState {
    /// The provider accepted the notification.
    Sent,
    /// A transient failure: to be retried.
    Pending,
    /// Can never be sent (refused recipient, no contact): not retried.
    FailedPermanent,
    /// Nothing to send (SES disabled, no phone number).
    Skipped,
}

impl ChannelState {
    /// The stored value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "SENT",
            Self::Pending => "PENDING",
            Self::FailedPermanent => "FAILED_PERMANENT",
            Self::Skipped => "SKIPPED",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Sent,
            Self::Pending,
            Self::FailedPermanent,
            Self::Skipped,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }

    /// Sent or permanently failed: a later attempt leaves the channel alone.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Sent | Self::FailedPermanent)
    }
}

/// The channel states an item holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    states: Vec<(Channel, ChannelState)>,
}

impl Recorded {
    fn from_item(item: Option<&Item>) -> Self {
        let states = Channel::ALL
            .into_iter()
            .filter_map(|channel| {
                let value = item?.get(channel.name())?.as_s().ok()?;
                Some((channel, ChannelState::parse(value)?))
            })
            .collect();
        Self { states }
    }

    /// The recorded state of `channel`, if any.
    pub fn get(&self, channel: Channel) -> Option<ChannelState> {
        self.states
            .iter()
            .find(|(c, _)| *c == channel)
            .map(|(_, state)| *state)
    }
}

/// What one attempt records about one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRecord {
    pub channel: Channel,
    pub state: ChannelState,
    pub provider_message_id: Option<String>,
    pub error_code: Option<String>,
}

/// What a claim attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This attempt owns the message until the in-progress expiry (`lease`, to be
    /// checked before sending); `recorded` holds what earlier attempts recorded (empty
    /// for a new message).
    Acquired {
        token: ClaimToken,
        recorded: Recorded,
        lease: Lease,
    },
    /// Every channel already handled.
    Completed(Recorded),
    /// Another attempt holds a live claim (a concurrent duplicate).
    InFlight,
}

/// Proof of ownership of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken(String);

/// A log write failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// DynamoDB answered with an error or could not be reached (classified by
    /// [`shared::store::classify`]).
    #[error("{operation} failed: {failure}")]
    Service {
        operation: &'static str,
        failure: SdkFailure,
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
    clock: Clock,
}

fn service<E>(operation: &'static str, error: &SdkError<E>) -> LogError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    LogError::Service {
        operation,
        failure: SdkFailure::from_sdk(error, classify),
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
            clock: Clock::system(),
        }
    }

    /// The same log, reading the time from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Claims the message `key` for this attempt (one conditional `UpdateItem`).
    /// The claim's expiry is fixed before the call, the lease's `acquired_at` read
    /// after it returns (see [`Lease`]).
    pub async fn claim(&self, key: &str) -> Result<Claim, LogError> {
        let token = uuid::Uuid::new_v4().to_string();
        let sent_at = self.clock.now();
        let mut update = UpdateExpression::new();
        update
            .set(ATTR_STATUS, ATTR_STATUS, s(IN_PROGRESS))
            .set(ATTR_CLAIM_TOKEN, ATTR_CLAIM_TOKEN, s(&token))
            .set(
                ATTR_EXPIRES_AT,
                ATTR_EXPIRES_AT,
                n(Lease::stored_expiry(sent_at, self.in_progress_ttl)),
            )
            .set(
                ATTR_CLAIMED_AT,
                ATTR_CLAIMED_AT,
                s(shared::clock::format_rfc3339(sent_at)),
            )
            .name("id", ATTR_ID)
            .value("released", s(RELEASED))
            .value("in_progress", s(IN_PROGRESS))
            .value("now", n(sent_at.timestamp()));
        let (expression, names, values) = update.into_parts();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ATTR_ID, s(key))
            .update_expression(expression)
            .condition_expression(
                "attribute_not_exists(#id) OR #status = :released \
                 OR (#status = :in_progress AND #expiresAt < :now)",
            )
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let error = match result {
            Ok(output) => {
                let recorded = Recorded::from_item(output.attributes());
                let token = ClaimToken(token);
                let lease = Lease::new(sent_at, self.in_progress_ttl, self.clock.now());
                return Ok(Claim::Acquired {
                    token,
                    recorded,
                    lease,
                });
            }
            Err(error) => error,
        };
        if let SdkError::ServiceError(failure) = &error
            && let UpdateItemError::ConditionalCheckFailedException(conflict) = failure.err()
        {
            let status = conflict
                .item()
                .and_then(|item| item.get(ATTR_STATUS))
                .and_then(|v| v.as_s().ok());
            return Ok(match status.map(String::as_str) {
                Some(COMPLETED) => Claim::Completed(Recorded::from_item(conflict.item())),
                _ => Claim::InFlight,
            });
        }
        Err(service("UpdateItem", &error))
    }

    /// Records the outcome of this attempt's channels and gives the message up:
    /// COMPLETED when `completed`, else RELEASED for a retry. Channels absent from
    /// `records` keep their recorded state. [`NotificationLog::settle_many`] for one
    /// message.
    pub async fn settle(
        &self,
        key: &str,
        token: &ClaimToken,
        completed: bool,
        records: &[ChannelRecord],
    ) -> Result<(), LogError> {
        let settle = Settle {
            key,
            token,
            completed,
            records: records.to_vec(),
        };
        self.settle_many(&[settle])
            .await
            .pop()
            .unwrap_or(Err(LogError::ClaimLost))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_states_are_read_back_and_unknown_values_ignored() {
        let item = Item::from([
            ("email".to_owned(), s("SENT")),
            ("sms".to_owned(), s("SOMETHING-ELSE")),
        ]);
        let recorded = Recorded::from_item(Some(&item));
        assert_eq!(recorded.get(Channel::Email), Some(ChannelState::Sent));
        assert_eq!(recorded.get(Channel::Sms), None);
        assert_eq!(Recorded::from_item(None), Recorded::default());
        for state in [ChannelState::Pending, ChannelState::FailedPermanent] {
            assert_eq!(ChannelState::parse(state.as_str()), Some(state));
        }
        assert!(ChannelState::FailedPermanent.is_final() && !ChannelState::Skipped.is_final());
    }
}

//! One notification message: look the holder up, then for each channel claim, send and
//! settle. Channels are independent: a channel already sent is skipped on a retry.

use shared::notification::NotificationMessage;

use crate::claims::{COMPLETED, Claim, ClaimToken, FAILED_PERMANENT, LogError};
use crate::contacts::Contact;
use crate::failure::Failure;
use crate::senders::Channel;
use crate::{Inner, render};

/// A parsed message of the batch.
#[derive(Debug)]
pub(crate) struct Job {
    /// Position in the batch (failures are reported in batch order).
    pub index: usize,
    pub message_id: String,
    pub receive_count: Option<String>,
    pub message: NotificationMessage,
}

/// What happened on one channel. Logged as `outcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Sent {
        provider_message_id: Option<String>,
    },
    /// The log already holds COMPLETED or FAILED_PERMANENT for this channel.
    SkippedDuplicate {
        status: &'static str,
    },
    SkippedDisabled,
    SkippedNoPhone,
    /// Recorded as FAILED_PERMANENT; the message is not retried.
    PermanentFailure {
        failure: Failure,
    },
    /// Transient failure; the claim is released and the message retried.
    Retry {
        failure: Failure,
    },
    /// Another attempt holds a live claim: this message is a concurrent duplicate.
    InFlight,
}

impl Outcome {
    fn name(&self) -> &'static str {
        match self {
            Self::Sent { .. } => "sent",
            Self::SkippedDuplicate { .. } => "skipped-duplicate",
            Self::SkippedDisabled => "skipped-disabled",
            Self::SkippedNoPhone => "skipped-no-phone",
            Self::PermanentFailure { .. } => "permanent-failure",
            Self::Retry { .. } | Self::InFlight => "retry",
        }
    }

    fn summary(&self) -> &'static str {
        match self {
            Self::Sent { .. } => "notification sent",
            Self::SkippedDuplicate { .. } => "notification already handled: skipped",
            Self::SkippedDisabled => "email disabled (SES_ENABLED=false): skipped",
            Self::SkippedNoPhone => "holder has no usable phone number: no SMS",
            Self::PermanentFailure { .. } => "notification cannot be sent: recorded, not retried",
            Self::Retry { .. } => "notification failed transiently: will be retried",
            Self::InFlight => "notification in progress elsewhere: will be retried",
        }
    }
}

/// Where a channel's notification goes, decided before claiming.
enum Route<'a> {
    Send(&'a str),
    /// Claim and record as FAILED_PERMANENT with this code, without calling a provider.
    Record(&'static str),
    Skip(Outcome),
}

fn route(channel: Channel, contact: Option<&Contact>, ses_enabled: bool) -> Route<'_> {
    match (channel, contact) {
        (Channel::Email, _) if !ses_enabled => Route::Skip(Outcome::SkippedDisabled),
        (Channel::Email, None) => Route::Record("HolderNotFound"),
        (Channel::Email, Some(contact)) => contact
            .email()
            .map_or(Route::Record("NoVerifiedEmail"), Route::Send),
        (Channel::Sms, contact) => contact
            .and_then(Contact::phone)
            .map_or(Route::Skip(Outcome::SkippedNoPhone), Route::Send),
    }
}

fn log_failure(error: &LogError) -> Failure {
    match error {
        LogError::Service { failure, .. } => failure.clone(),
        LogError::ClaimLost => Failure::transient("ClaimLost"),
    }
}

impl Inner {
    /// Handles one message; `true` when it must be retried (a batch item failure).
    pub(crate) async fn process(&self, job: &Job) -> bool {
        let contact = match self.directory.contact(&job.message.holder_id).await {
            Ok(contact) => contact,
            Err(failure) => {
                tracing::warn!(
                    message_id = %job.message_id,
                    transaction_id = %job.message.transaction_id,
                    outcome = "retry",
                    error_code = %failure.code,
                    detail = failure.detail.as_deref(),
                    "contact lookup failed: will be retried"
                );
                return true;
            }
        };
        if contact.is_none() {
            tracing::warn!(
                message_id = %job.message_id,
                transaction_id = %job.message.transaction_id,
                "holder not found in the user pool"
            );
        }
        let mut retry = false;
        for channel in Channel::ALL {
            let outcome = self.deliver(job, channel, contact.as_ref()).await;
            log_outcome(job, channel, &outcome);
            match outcome {
                // Whoever holds the claim is handling this notification: stop here.
                Outcome::InFlight => return true,
                Outcome::Retry { .. } => retry = true,
                _ => {}
            }
        }
        retry
    }

    async fn deliver(&self, job: &Job, channel: Channel, contact: Option<&Contact>) -> Outcome {
        let target = match route(channel, contact, self.config.ses_enabled) {
            Route::Skip(outcome) => return outcome,
            Route::Send(address) => Ok(address),
            Route::Record(code) => Err(Failure::permanent(code)),
        };
        let key = job.message.dedupe_key(channel.name());
        let token = match self.log.claim(&key).await {
            Ok(Claim::Acquired(token)) => token,
            Ok(Claim::Completed) => return Outcome::SkippedDuplicate { status: COMPLETED },
            Ok(Claim::FailedPermanent) => {
                return Outcome::SkippedDuplicate {
                    status: FAILED_PERMANENT,
                };
            }
            Ok(Claim::InFlight) => return Outcome::InFlight,
            Err(error) => {
                return Outcome::Retry {
                    failure: log_failure(&error),
                };
            }
        };
        let result = match target {
            Ok(address) => self.send(channel, address, &job.message).await,
            Err(failure) => Err(failure),
        };
        self.settle(job, channel, &key, &token, result).await
    }

    async fn send(
        &self,
        channel: Channel,
        address: &str,
        message: &NotificationMessage,
    ) -> Result<Option<String>, Failure> {
        match channel {
            Channel::Email => self.email.send(address, &render::email(message)).await,
            Channel::Sms => self.sms.send(address, &render::sms(message)).await,
        }
    }

    /// Records the result of a send. A log write that fails after a successful send
    /// is logged, not retried: retrying would send a second time.
    async fn settle(
        &self,
        job: &Job,
        channel: Channel,
        key: &str,
        token: &ClaimToken,
        result: Result<Option<String>, Failure>,
    ) -> Outcome {
        let (written, outcome) = match result {
            Ok(provider_message_id) => {
                let id = provider_message_id.as_deref();
                let written = self.log.complete(key, token, id).await;
                (
                    written,
                    Outcome::Sent {
                        provider_message_id,
                    },
                )
            }
            Err(failure) if failure.permanent => {
                let written = self.log.fail(key, token, &failure.code).await;
                (written, Outcome::PermanentFailure { failure })
            }
            Err(failure) => {
                // If the release fails, the claim still expires after the in-progress
                // TTL, before SQS redelivers the message.
                let written = self.log.release(key, token).await;
                (written, Outcome::Retry { failure })
            }
        };
        if let Err(error) = written {
            tracing::error!(
                message_id = %job.message_id,
                transaction_id = %job.message.transaction_id,
                channel = channel.name(),
                outcome = outcome.name(),
                error = %error,
                "notification log not updated"
            );
        }
        outcome
    }
}

fn log_outcome(job: &Job, channel: Channel, outcome: &Outcome) {
    let (failure, provider_message_id, recorded) = match outcome {
        Outcome::Sent {
            provider_message_id,
        } => (None, provider_message_id.as_deref(), None),
        Outcome::PermanentFailure { failure } | Outcome::Retry { failure } => {
            (Some(failure), None, None)
        }
        Outcome::SkippedDuplicate { status } => (None, None, Some(*status)),
        _ => (None, None, None),
    };
    macro_rules! emit {
        ($level:ident) => {
            tracing::$level!(
                message_id = %job.message_id,
                receive_count = job.receive_count.as_deref(),
                transaction_id = %job.message.transaction_id,
                account_id = %job.message.account_id,
                channel = channel.name(),
                outcome = outcome.name(),
                recorded_status = recorded,
                provider_message_id,
                error_code = failure.map(|f| f.code.as_str()),
                detail = failure.and_then(|f| f.detail.as_deref()),
                "{}",
                outcome.summary()
            )
        };
    }
    match outcome {
        Outcome::PermanentFailure { .. } | Outcome::Retry { .. } | Outcome::InFlight => emit!(warn),
        _ => emit!(info),
    }
}

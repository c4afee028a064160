//! One notification message: look the holder up, claim the message in the log, send the
//! channels not already sent or refused, and settle every channel's outcome in one
//! write. A channel already sent is skipped on a retry.

use shared::notification::Notification;

use crate::claims::{self, ChannelRecord, ChannelState, Claim, ClaimToken, LogError, Recorded};
use crate::contacts::Contact;
use crate::failure::{self, ErrorClass, SdkFailure};
use crate::live::{self, Published};
use crate::senders::Channel;
use crate::{Inner, render};

/// A parsed message of the batch.
#[derive(Debug)]
pub(crate) struct Job {
    /// Position in the batch (failures are reported in batch order).
    pub index: usize,
    pub message_id: String,
    pub receive_count: Option<String>,
    pub message: Notification,
    /// The invocation's counts (its metrics).
    pub counts: std::sync::Arc<crate::tally::Counts>,
}

/// What happened on one channel. Logged as `outcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Sent {
        provider_message_id: Option<String>,
    },
    /// The log already holds SENT or FAILED_PERMANENT (or, for a completed message,
    /// any state) for this channel.
    SkippedDuplicate {
        status: &'static str,
    },
    SkippedDisabled,
    SkippedNoPhone,
    /// Recorded as FAILED_PERMANENT; the message is not retried.
    PermanentFailure {
        failure: SdkFailure,
    },
    /// Transient failure; recorded as PENDING, the claim released and the message
    /// retried.
    Retry {
        failure: SdkFailure,
    },
}

impl Outcome {
    fn name(&self) -> &'static str {
        match self {
            Self::Sent { .. } => "sent",
            Self::SkippedDuplicate { .. } => "skipped-duplicate",
            Self::SkippedDisabled => "skipped-disabled",
            Self::SkippedNoPhone => "skipped-no-phone",
            Self::PermanentFailure { .. } => "permanent-failure",
            Self::Retry { .. } => "retry",
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
        }
    }

    /// What the log records for this outcome; `None` when it records nothing new.
    fn record(&self, channel: Channel) -> Option<ChannelRecord> {
        let (state, provider_message_id, error_code) = match self {
            Self::Sent {
                provider_message_id,
            } => (ChannelState::Sent, provider_message_id.clone(), None),
            Self::SkippedDisabled | Self::SkippedNoPhone => (ChannelState::Skipped, None, None),
            Self::PermanentFailure { failure } => {
                (ChannelState::FailedPermanent, None, Some(&failure.code))
            }
            Self::Retry { failure } => (ChannelState::Pending, None, Some(&failure.code)),
            Self::SkippedDuplicate { .. } => return None,
        };
        Some(ChannelRecord {
            channel,
            state,
            provider_message_id,
            error_code: error_code.cloned(),
        })
    }
}

/// Where a channel's notification goes, decided before claiming.
enum Route<'a> {
    Send(&'a str),
    /// Record as FAILED_PERMANENT with this code, without calling a provider.
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

fn log_failure(error: &LogError) -> SdkFailure {
    match error {
        LogError::Service { failure, .. } => failure.clone(),
        LogError::ClaimLost => SdkFailure::new("ClaimLost", ErrorClass::Contention),
    }
}

impl Inner {
    /// Handles one message; `true` when it must be retried (a batch item failure).
    pub(crate) async fn process(&self, job: &Job) -> bool {
        if live::publish(self.live.as_ref(), job).await == Published::Retry {
            return true;
        }
        let contact = match self.directory.contact(job.message.holder_id()).await {
            Ok(contact) => contact,
            Err(failure) => {
                log_retry(job, &failure, "contact lookup failed: will be retried");
                return true;
            }
        };
        if contact.is_none() {
            tracing::warn!(
                message_id = %job.message_id,
                event_id = %job.message.event_id(),
                "holder not found in the user pool"
            );
        }
        let ses_enabled = self.config.ses_enabled;
        let [email, sms] = Channel::ALL.map(|c| (c, route(c, contact.as_ref(), ses_enabled)));
        if let ((_, Route::Skip(a)), (_, Route::Skip(b))) = (&email, &sms) {
            // Nothing to send or record: no log write at all.
            log_outcome(job, Channel::Email, a);
            log_outcome(job, Channel::Sms, b);
            return false;
        }
        let key = claims::key(&job.message);
        let (token, recorded) = match self.acquire(job, &key).await {
            Ok(claim) => claim,
            Err(retry) => return retry,
        };
        let (email, sms) = tokio::join!(
            self.deliver(job, email, &recorded),
            self.deliver(job, sms, &recorded)
        );
        self.settle(job, &key, &token, [email, sms]).await
    }

    /// Claims the message. `Err(retry)`: nothing to send now, and the message is to
    /// be retried when `retry` (a live claim elsewhere, a log failure, or a claim
    /// acquired too late to send within it, handed back: see [`claims::Lease`]), not
    /// when it is already completed.
    async fn acquire(&self, job: &Job, key: &str) -> Result<(ClaimToken, Recorded), bool> {
        match self.log.claim(key).await {
            Ok(Claim::Acquired {
                token,
                recorded,
                lease,
            }) => {
                if lease.may_start(self.config.after_claim_worst_case()) {
                    return Ok((token, recorded));
                }
                Err(self.hand_back(job, key, &token).await)
            }
            Ok(Claim::Completed(recorded)) => {
                for channel in Channel::ALL {
                    if let Some(state) = recorded.get(channel) {
                        let status = state.as_str();
                        log_outcome(job, channel, &Outcome::SkippedDuplicate { status });
                    }
                }
                Err(false)
            }
            Ok(Claim::InFlight) => {
                let failure = SdkFailure::new("ClaimInFlight", ErrorClass::Contention);
                log_retry(
                    job,
                    &failure,
                    "notification in progress elsewhere: will be retried",
                );
                Err(true)
            }
            Err(error) => {
                // Whatever its class, a log failure is retried: the queue's redrive
                // policy keeps a message that never gets through.
                log_retry(
                    job,
                    &log_failure(&error),
                    "notification log unavailable: will be retried",
                );
                Err(true)
            }
        }
    }

    /// A claim acquired too late to send and settle before it expires: released
    /// without sending (one write), so that the redelivery claims at once.
    async fn hand_back(&self, job: &Job, key: &str, token: &ClaimToken) -> bool {
        let failure = SdkFailure::new("ClaimTooLate", ErrorClass::Transient);
        log_retry(
            job,
            &failure,
            "claim acquired too late to send before it expires: handed back, will be retried",
        );
        if let Err(error) = self.log.settle(key, token, false, &[]).await {
            // The claim then stays IN_PROGRESS until it expires, before SQS redelivers.
            log_retry(job, &log_failure(&error), "claim not released");
        }
        true
    }

    /// One channel: skipped when already final, else routed and sent.
    async fn deliver(
        &self,
        job: &Job,
        (channel, route): (Channel, Route<'_>),
        recorded: &Recorded,
    ) -> (Channel, Outcome) {
        if let Some(state) = recorded.get(channel).filter(|state| state.is_final()) {
            let status = state.as_str();
            return (channel, Outcome::SkippedDuplicate { status });
        }
        let result = match route {
            Route::Skip(outcome) => return (channel, outcome),
            Route::Record(code) => Err(failure::permanent(code)),
            Route::Send(address) => self.send(channel, address, &job.message).await,
        };
        let outcome = match result {
            Ok(provider_message_id) => Outcome::Sent {
                provider_message_id,
            },
            Err(failure) if !failure.is_retryable() => Outcome::PermanentFailure { failure },
            Err(failure) => Outcome::Retry { failure },
        };
        (channel, outcome)
    }

    async fn send(
        &self,
        channel: Channel,
        address: &str,
        message: &Notification,
    ) -> Result<Option<String>, SdkFailure> {
        match channel {
            Channel::Email => self.email.send(address, &render::email(message)).await,
            Channel::Sms => self.sms.send(address, &render::sms(message)).await,
        }
    }

    /// Records every channel's outcome in one write; `true` when the message must be
    /// retried. A log write that fails after a successful send is logged, and the
    /// message retried only if a channel is left to retry: retrying otherwise would
    /// send a second time.
    async fn settle(
        &self,
        job: &Job,
        key: &str,
        token: &ClaimToken,
        outcomes: [(Channel, Outcome); 2],
    ) -> bool {
        let retry = outcomes
            .iter()
            .any(|(_, outcome)| matches!(outcome, Outcome::Retry { .. }));
        let records: Vec<ChannelRecord> = outcomes
            .iter()
            .filter_map(|(channel, outcome)| outcome.record(*channel))
            .collect();
        let written = self.log.settle(key, token, !retry, &records).await;
        for (channel, outcome) in &outcomes {
            log_outcome(job, *channel, outcome);
        }
        let Err(error) = written else {
            return retry;
        };
        let sent = outcomes
            .iter()
            .any(|(_, outcome)| matches!(outcome, Outcome::Sent { .. }));
        // If the claim stays IN_PROGRESS, it expires after the in-progress TTL, before
        // SQS redelivers the message.
        tracing::error!(
            message_id = %job.message_id,
            event_id = %job.message.event_id(),
            error = %error,
            retry = retry || !sent,
            "notification log not updated"
        );
        retry || !sent
    }
}

/// A message-level retry (no channel attempted).
fn log_retry(job: &Job, failure: &SdkFailure, summary: &'static str) {
    tracing::warn!(
        message_id = %job.message_id,
        receive_count = job.receive_count.as_deref(),
        event_id = %job.message.event_id(),
        account_id = %job.message.account_id(),
        outcome = "retry",
        error_code = %failure.code,
        error_class = failure.class.as_str(),
        detail = failure.detail.as_deref(),
        "{summary}"
    );
}

/// Logs a channel's outcome, and counts it in the invocation's metrics.
fn log_outcome(job: &Job, channel: Channel, outcome: &Outcome) {
    job.counts.channel(channel, outcome);
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
                event_id = %job.message.event_id(),
                account_id = %job.message.account_id(),
                channel = channel.name(),
                outcome = outcome.name(),
                recorded_status = recorded,
                provider_message_id,
                error_code = failure.map(|f| f.code.as_str()),
                error_class = failure.map(|f| f.class.as_str()),
                detail = failure.and_then(|f| f.detail.as_deref()),
                "{}",
                outcome.summary()
            )
        };
    }
    match outcome {
        Outcome::PermanentFailure { .. } | Outcome::Retry { .. } => emit!(warn),
        _ => emit!(info),
    }
}

//! What happened to a notification, per channel and per message: the [`Outcome`] the
//! log records and the metrics count, and the structured log lines for both (ids and
//! codes only, never an address or a number).

use crate::claims::{ChannelRecord, ChannelState};
use crate::failure::SdkFailure;
use crate::process::Job;
use crate::senders::Channel;
use shared::trace::TraceId;

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
    pub(crate) fn record(&self, channel: Channel) -> Option<ChannelRecord> {
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

/// A message-level retry (no channel attempted).
pub(crate) fn log_retry(job: &Job, failure: &SdkFailure, summary: &'static str) {
    tracing::warn!(
        message_id = %job.message_id,
        receive_count = job.receive_count.as_deref(),
        event_id = %job.message.event_id(),
        account_id = %job.message.account_id(),
        trace_id = job.trace_id.as_ref().map(TraceId::as_str),
        outcome = "retry",
        error_code = %failure.code,
        error_class = failure.class.as_str(),
        detail = failure.detail.as_deref(),
        "{summary}"
    );
}

/// Logs a channel's outcome, and counts it in the invocation's metrics.
pub(crate) fn log_outcome(job: &Job, channel: Channel, outcome: &Outcome) {
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
                trace_id = job.trace_id.as_ref().map(TraceId::as_str),
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

//! What one invocation did, counted across its concurrent notifications and printed
//! once at its end as EMF: `NotificationsSent`, `NotificationsDeduplicated` and
//! `NotificationsFailed` by `Channel` (`email`, `sms`), `LiveEventsPublished` and
//! `LiveEventsFailed`.

use std::sync::atomic::{AtomicU64, Ordering};

use shared::metrics::{Invocation, Unit};

use crate::outcome::Outcome;
use crate::senders::Channel;

/// The invocation's counts (shared by its tasks).
#[derive(Debug, Default)]
pub(crate) struct Counts {
    /// Per channel, in [`Channel::ALL`] order.
    sent: [AtomicU64; 2],
    deduplicated: [AtomicU64; 2],
    /// Permanent and transient failures (a transient one is counted on each attempt).
    failed: [AtomicU64; 2],
    live_published: AtomicU64,
    live_failed: AtomicU64,
}

impl Counts {
    /// Counts a channel's outcome (skips for a disabled channel or a missing phone
    /// number are not counted).
    pub(crate) fn channel(&self, channel: Channel, outcome: &Outcome) {
        let counter = match outcome {
            Outcome::Sent { .. } => &self.sent,
            Outcome::SkippedDuplicate { .. } => &self.deduplicated,
            Outcome::PermanentFailure { .. } | Outcome::Retry { .. } => &self.failed,
            Outcome::SkippedDisabled | Outcome::SkippedNoPhone => return,
        };
        counter[index(channel)].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a live event published (`true`) or failed.
    pub(crate) fn live(&self, published: bool) {
        let counter = if published {
            &self.live_published
        } else {
            &self.live_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds the counts to `invocation` (zeros of the base metrics included; a channel
    /// with nothing to count adds no document).
    pub(crate) fn add_to(&self, invocation: &mut Invocation) {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        #[allow(clippy::cast_precision_loss)]
        let value = |counter: &AtomicU64| read(counter) as f64;
        invocation
            .metric(
                "LiveEventsPublished",
                Unit::Count,
                value(&self.live_published),
            )
            .metric("LiveEventsFailed", Unit::Count, value(&self.live_failed));
        for channel in Channel::ALL {
            let i = index(channel);
            let name = channel.name();
            invocation
                .count_by("NotificationsSent", "Channel", name, read(&self.sent[i]))
                .count_by(
                    "NotificationsDeduplicated",
                    "Channel",
                    name,
                    read(&self.deduplicated[i]),
                )
                .count_by(
                    "NotificationsFailed",
                    "Channel",
                    name,
                    read(&self.failed[i]),
                );
        }
    }
}

const fn index(channel: Channel) -> usize {
    match channel {
        Channel::Email => 0,
        Channel::Sms => 1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::failure::{ErrorClass, SdkFailure};

    #[test]
    fn outcomes_are_counted_per_channel_and_skips_are_not() {
        let counts = Counts::default();
        let sent = Outcome::Sent {
            provider_message_id: None,
        };
        counts.channel(Channel::Email, &sent);
        counts.channel(Channel::Email, &sent);
        counts.channel(Channel::Sms, &Outcome::SkippedDuplicate { status: "SENT" });
        let failure = SdkFailure::new("Throttling", ErrorClass::Transient);
        counts.channel(Channel::Sms, &Outcome::Retry { failure });
        counts.channel(Channel::Sms, &Outcome::SkippedNoPhone);
        counts.live(true);

        let mut invocation = shared::metrics::Invocation::new(shared::metrics::NAMESPACE, 0)
            .dimension("Environment", "test");
        counts.add_to(&mut invocation);
        let mut summary = shared::metrics::Summary::default();
        for line in invocation.lines() {
            summary.add_line(&line).unwrap();
        }
        let env = ("Environment", "test");
        let by = |metric: &str, channel: &str| summary.sum(metric, &[env, ("Channel", channel)]);
        assert_eq!(by("NotificationsSent", "email"), 2.0);
        assert_eq!(by("NotificationsSent", "sms"), 0.0);
        assert_eq!(by("NotificationsDeduplicated", "sms"), 1.0);
        assert_eq!(by("NotificationsFailed", "sms"), 1.0);
        assert_eq!(summary.sum("LiveEventsPublished", &[env]), 1.0);
        assert_eq!(summary.sum("LiveEventsFailed", &[env]), 0.0);
        assert!(summary.get("LiveEventsFailed", &[env]).is_some());
    }
}

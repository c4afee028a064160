//! Live events: before a holder is emailed and texted about a settled transaction,
//! the event of DESIGN §4 is published on their channel `/users/<sub>` (AppSync
//! Events, SigV4). At least once: a message retried for any reason publishes again
//! under the same `eventId`, and a client drops what it has already shown (by
//! `eventId`, or as stale by `accountVersion`).
//!
//! A publish that can succeed later (throttling, a 5xx, a lost connection) retries
//! the whole message before anything is sent, so no email is delayed behind a
//! failed event for long and no event is lost to a passing outage. A refusal (a 4xx:
//! a misconfigured endpoint or role) is logged as an error and the message goes on:
//! a live event is a convenience, the email and SMS are the record, and retrying
//! cannot fix a refusal.

use shared::events::publish::{PublishError, Publisher};
use shared::events::{LiveEvent, user_channel};
use shared::notification::Notification;

use crate::process::Job;

/// What publishing a message's live event came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Published {
    /// Published, or nothing to publish (live events off, a status change, a
    /// receiver's view of a transfer that did not complete).
    Done,
    /// Refused for good: logged, the message goes on.
    Refused,
    /// Failed for now: the message is to be retried.
    Retry,
}

/// Publishes `job`'s live event, if it has one, through `publisher`.
pub(crate) async fn publish(publisher: Option<&Publisher>, job: &Job) -> Published {
    let (Some(publisher), Notification::Transaction(message)) = (publisher, &job.message) else {
        return Published::Done;
    };
    let Some(event) = LiveEvent::for_holder(message) else {
        return Published::Done;
    };
    let channel = user_channel(message.holder_id.as_str());
    let published = publisher.publish(&channel, &[event.to_json()]).await;
    job.counts.live(published.is_ok());
    match published {
        Ok(()) => {
            tracing::info!(
                message_id = %job.message_id,
                event_id = %event.event_id,
                account_id = %event.account_id,
                account_version = event.account_version,
                outcome = "published",
                "live event published"
            );
            Published::Done
        }
        Err(error) => {
            log_failure(job, &event, &error);
            if error.transient {
                Published::Retry
            } else {
                Published::Refused
            }
        }
    }
}

fn log_failure(job: &Job, event: &LiveEvent, error: &PublishError) {
    if error.transient {
        tracing::warn!(
            message_id = %job.message_id,
            event_id = %event.event_id,
            account_id = %event.account_id,
            outcome = "retry",
            error_code = %error.code,
            "live event not published: the message will be retried"
        );
    } else {
        tracing::error!(
            message_id = %job.message_id,
            event_id = %event.event_id,
            account_id = %event.account_id,
            outcome = "refused",
            error_code = %error.code,
            detail = %error.message,
            "live event refused by the events API: not retried (check EVENTS_HTTP_URL and the role's appsync:EventPublish)"
        );
    }
}

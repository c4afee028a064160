//! Notification messages, a chunk of a batch at a time: look each holder up, claim the
//! messages in the log (one request), send the channels not already sent or refused,
//! and settle every message's channels (one request). A channel already sent is
//! skipped on a retry.

use futures::future::join_all;
use shared::notification::Notification;
use shared::trace::TraceId;

use crate::claims::{self, ChannelRecord, Claim, ClaimToken, LogError, Recorded, Settle};
use crate::contacts::Contact;
use crate::failure::{self, ErrorClass, SdkFailure};
use crate::live::{self, Published};
use crate::outcome::{Outcome, log_outcome, log_retry};
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
    /// The X-Ray trace root of the request behind it (logged as `trace_id`).
    pub trace_id: Option<TraceId>,
    /// The invocation's counts (its metrics).
    pub counts: std::sync::Arc<crate::tally::Counts>,
}

impl Job {
    /// Its position and message id, as a batch item failure names it.
    pub(crate) fn id(&self) -> (usize, String) {
        (self.index, self.message_id.clone())
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

/// A message whose channels are to be claimed: its holder looked up.
struct Ready<'a> {
    job: &'a Job,
    key: String,
    contact: Option<Contact>,
}

/// A claimed message: `send` false when the claim came too late to send within it
/// (it is handed back: released without sending, see [`claims::Lease`]).
struct Held<'a> {
    ready: Ready<'a>,
    token: ClaimToken,
    recorded: Recorded,
    send: bool,
}

/// What preparing a message came to.
enum Prepared<'a> {
    Claim(Ready<'a>),
    /// Nothing to send or record.
    Done,
    Retry,
}

impl Inner {
    /// Handles messages about distinct (transaction, account) pairs together: each
    /// published live and its holder looked up, all claimed in the log in one request,
    /// their channels sent, all settled in one request. Returns the messages to retry
    /// (batch item failures).
    pub(crate) async fn process_many(&self, jobs: &[Job]) -> Vec<(usize, String)> {
        let mut retry = Vec::new();
        let mut ready = Vec::new();
        for (job, prepared) in jobs
            .iter()
            .zip(join_all(jobs.iter().map(|job| self.prepare(job))).await)
        {
            match prepared {
                Prepared::Claim(message) => ready.push(message),
                Prepared::Done => {}
                Prepared::Retry => retry.push(job.id()),
            }
        }
        let keys: Vec<String> = ready.iter().map(|message| message.key.clone()).collect();
        let mut held = Vec::new();
        for (message, claim) in ready.into_iter().zip(self.log.claim_many(&keys).await) {
            match self.acquire(message, claim) {
                Ok(message) => held.push(message),
                Err((job, true)) => retry.push(job.id()),
                Err((_, false)) => {}
            }
        }
        let outcomes = join_all(held.iter().map(|message| self.deliver_all(message))).await;
        let settles: Vec<Settle<'_>> = held
            .iter()
            .zip(&outcomes)
            .map(|(message, outcomes)| Settle {
                key: &message.ready.key,
                token: &message.token,
                completed: outcomes.as_ref().is_some_and(|o| !must_retry(o)),
                records: outcomes.as_ref().map_or_else(Vec::new, records),
            })
            .collect();
        let written = self.log.settle_many(&settles).await;
        for ((message, outcomes), written) in held.iter().zip(outcomes).zip(written) {
            let job = message.ready.job;
            let again = match outcomes {
                Some(outcomes) => settled(job, &outcomes, written),
                None => handed_back(job, written),
            };
            if again {
                retry.push(job.id());
            }
        }
        retry
    }

    /// Publishes the live event and looks the holder up.
    async fn prepare<'a>(&self, job: &'a Job) -> Prepared<'a> {
        if live::publish(self.live.as_ref(), job).await == Published::Retry {
            return Prepared::Retry;
        }
        let contact = match self.directory.contact(job.message.holder_id()).await {
            Ok(contact) => contact,
            Err(failure) => {
                log_retry(job, &failure, "contact lookup failed: will be retried");
                return Prepared::Retry;
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
        let [email, sms] = Channel::ALL.map(|c| route(c, contact.as_ref(), ses_enabled));
        if let (Route::Skip(a), Route::Skip(b)) = (&email, &sms) {
            // Nothing to send or record: no log write at all.
            log_outcome(job, Channel::Email, a);
            log_outcome(job, Channel::Sms, b);
            return Prepared::Done;
        }
        Prepared::Claim(Ready {
            job,
            key: claims::key(&job.message),
            contact,
        })
    }

    /// What a claim attempt means for the message. `Err((job, retry))`: nothing to
    /// send now, and the message is to be retried when `retry` (a live claim
    /// elsewhere, a log failure), not when it is already completed.
    fn acquire<'a>(
        &self,
        message: Ready<'a>,
        claim: Result<Claim, LogError>,
    ) -> Result<Held<'a>, (&'a Job, bool)> {
        let job = message.job;
        match claim {
            Ok(Claim::Acquired {
                token,
                recorded,
                lease,
            }) => Ok(Held {
                ready: message,
                token,
                recorded,
                send: lease.may_start(self.config.after_claim_worst_case()),
            }),
            Ok(Claim::Completed(recorded)) => {
                for channel in Channel::ALL {
                    if let Some(state) = recorded.get(channel) {
                        let status = state.as_str();
                        log_outcome(job, channel, &Outcome::SkippedDuplicate { status });
                    }
                }
                Err((job, false))
            }
            Ok(Claim::InFlight) => {
                let failure = SdkFailure::new("ClaimInFlight", ErrorClass::Contention);
                log_retry(
                    job,
                    &failure,
                    "notification in progress elsewhere: will be retried",
                );
                Err((job, true))
            }
            Err(error) => {
                // Whatever its class, a log failure is retried: the queue's redrive
                // policy keeps a message that never gets through.
                log_retry(
                    job,
                    &log_failure(&error),
                    "notification log unavailable: will be retried",
                );
                Err((job, true))
            }
        }
    }

    /// Both channels of a claimed message, at the same time; `None` when it is handed
    /// back unsent.
    async fn deliver_all(&self, message: &Held<'_>) -> Option<[(Channel, Outcome); 2]> {
        if !message.send {
            return None;
        }
        let contact = message.ready.contact.as_ref();
        let ses_enabled = self.config.ses_enabled;
        let [email, sms] = Channel::ALL.map(|c| (c, route(c, contact, ses_enabled)));
        let job = message.ready.job;
        let (email, sms) = tokio::join!(
            self.deliver(job, email, &message.recorded),
            self.deliver(job, sms, &message.recorded)
        );
        Some([email, sms])
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
}

fn must_retry(outcomes: &[(Channel, Outcome); 2]) -> bool {
    outcomes
        .iter()
        .any(|(_, outcome)| matches!(outcome, Outcome::Retry { .. }))
}

fn records(outcomes: &[(Channel, Outcome); 2]) -> Vec<ChannelRecord> {
    outcomes
        .iter()
        .filter_map(|(channel, outcome)| outcome.record(*channel))
        .collect()
}

/// Logs a sent message's outcomes and its settle; `true` when the message must be
/// retried. A log write that fails after a successful send is logged, and the message
/// retried only if a channel is left to retry: retrying otherwise would send a second
/// time.
fn settled(job: &Job, outcomes: &[(Channel, Outcome); 2], written: Result<(), LogError>) -> bool {
    let retry = must_retry(outcomes);
    for (channel, outcome) in outcomes {
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

/// A claim acquired too late to send and settle before it expires, released without
/// sending so that the redelivery claims at once: always retried.
fn handed_back(job: &Job, written: Result<(), LogError>) -> bool {
    let failure = SdkFailure::new("ClaimTooLate", ErrorClass::Transient);
    log_retry(
        job,
        &failure,
        "claim acquired too late to send before it expires: handed back, will be retried",
    );
    if let Err(error) = written {
        // The claim then stays IN_PROGRESS until it expires, before SQS redelivers.
        log_retry(job, &log_failure(&error), "claim not released");
    }
    true
}

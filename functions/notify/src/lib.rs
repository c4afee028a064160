//! notify: consumes the NotificationsQueue and tells each holder about a processed
//! transaction by email (SES v2, text and HTML) and, when they have a phone number,
//! SMS (SNS), exactly once per (transaction, account, channel).
//!
//! An SQS body carries one notification or several (a
//! [`shared::notification::NotificationBatch`]); each notification is handled on its
//! own, and a body is retried when any of its notifications must be.
//!
//! Per notification: the holder's contact details from Cognito (`ListUsers` by `sub`,
//! cached per execution environment for `CONTACT_CACHE_TTL_SECONDS`), then a conditional
//! claim of the message in the notification log, the sends (email and SMS at once),
//! and a conditional update recording every channel's outcome (see [`claims`]). The
//! messages of a batch are claimed together in one DynamoDB request and settled
//! together in another (up to `max_concurrency` at a time): a happy-path message
//! costs two DynamoDB writes whatever the number of channels, a batch two requests,
//! one send per channel, and Cognito only on a cache miss.
//!
//! Partial batch responses: a notification makes its body fail only when retrying can
//! help (a transient failure, or a concurrent attempt holding the claim); the retry
//! sends only the channels not yet sent or refused. Unknown holders and refused
//! recipients are logged and recorded as FAILED_PERMANENT, never retried. A malformed
//! body is logged (never its content) and reported failed, so that the queue's redrive
//! policy moves it to the dead-letter queue after `maxReceiveCount` receives: kept for
//! inspection and replay, not lost. Notifications run concurrently; those about the
//! same (transaction, account) run one after the other, so a duplicate in the same
//! batch is skipped rather than retried.
//!
//! Exactly once holds except where no one can make it hold: a crash (or a lost log
//! write) between a provider accepting a send and the final update leaves the claim
//! IN_PROGRESS without the channel recorded as SENT, so the attempt that takes the
//! claim over after its expiry sends that channel again; so does a provider that
//! accepted a send whose answer was lost (timeout). The per-channel scheme had the same
//! window. At-least-once is preferred to losing a notification.
//!
//! Each invocation prints its metrics once, at its end (EMF, see [`tally`]).

pub mod claims;
pub mod config;
pub mod contacts;
pub mod failure;
mod live;
pub mod message;
mod outcome;
mod process;
pub mod render;
pub mod senders;
mod tally;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sesv2::config::timeout::TimeoutConfig;
use shared::aws::SdkConfig;
use shared::events::publish::Publisher;
use shared::metrics::Metrics;
use shared::notification::Notification;
use shared::trace::TraceId;

pub use config::{ConfigError, NotifyConfig};
pub use shared::cache::CacheStats;

use claims::{Clock, NotificationLog};
use contacts::Directory;
use process::Job;
use senders::{EmailSender, SmsSender};

/// The SDK clients notify uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sesv2: aws_sdk_sesv2::Client,
    pub sns: aws_sdk_sns::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    /// The live events publisher; `None`: live events off.
    pub live: Option<Publisher>,
}

impl Clients {
    /// Clients for `config` whose calls (SDK retries included) end within `timeout`,
    /// so that an attempt never outlives the claim protecting it.
    pub fn new(config: &SdkConfig, timeout: Duration) -> Self {
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(timeout)
            .operation_attempt_timeout(timeout / 3)
            .build();
        let config = config.with_timeouts(timeouts);
        Self {
            dynamodb: shared::aws::dynamodb(&config),
            sesv2: shared::aws::sesv2(&config),
            sns: shared::aws::sns(&config),
            cognito: shared::aws::cognito(&config),
            live: None,
        }
    }

    /// [`Clients::new`] for `settings`: with the live events publisher when
    /// `settings.events_url` is set, its HTTP calls bounded like every other call.
    pub fn for_settings(config: &SdkConfig, settings: &NotifyConfig) -> Self {
        let mut clients = Self::new(config, settings.send_timeout);
        clients.live = settings.events_url.as_deref().and_then(|url| {
            let http = reqwest::Client::builder()
                .timeout(settings.send_timeout)
                .build()
                .ok()?;
            let publisher = Publisher::new(url, config, http);
            if publisher.is_none() {
                tracing::error!("no AWS credentials to sign live events with: live events off");
            }
            publisher
        });
        clients
    }
}

/// No notification starts later than this many send timeouts before the invocation's
/// deadline (a notification makes up to four bounded calls, usually far quicker).
pub const START_MARGIN: u32 = 2;

/// The invocation's deadline, given in epoch milliseconds by the Lambda runtime, as an
/// instant; `None` when the runtime gave none (0).
pub fn deadline(epoch_millis: u64) -> Option<Instant> {
    if epoch_millis == 0 {
        return None;
    }
    let at = std::time::UNIX_EPOCH.checked_add(Duration::from_millis(epoch_millis))?;
    let remaining = at
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    Some(Instant::now() + remaining)
}

/// State shared by the tasks of a batch.
#[derive(Debug)]
struct Inner {
    config: NotifyConfig,
    directory: Directory,
    log: NotificationLog,
    email: EmailSender,
    sms: SmsSender,
    live: Option<Publisher>,
}

/// The function, built once per execution environment (its contact cache lives as
/// long as the environment).
#[derive(Debug, Clone)]
pub struct App {
    inner: Arc<Inner>,
    metrics: Metrics,
}

impl App {
    /// Settings from the environment (see [`config`]), clients from `config`.
    pub fn from_env(config: &SdkConfig) -> Result<Self, String> {
        let settings = NotifyConfig::from_env().map_err(|e| e.to_string())?;
        Ok(
            Self::new(Clients::for_settings(config, &settings), settings)
                .with_metrics(Metrics::from_env()),
        )
    }

    /// The same app, its metrics written by `metrics` (by default, the process's
    /// installed sink: [`Metrics::local`]).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// An app on explicit clients and settings (tests, local runtime).
    pub fn new(clients: Clients, config: NotifyConfig) -> Self {
        Self::with_clock(clients, config, Clock::system())
    }

    /// As [`App::new`], the notification log reading the time from `clock` (tests:
    /// a claim call that seems to take long, without waiting).
    pub fn with_clock(clients: Clients, config: NotifyConfig, clock: Clock) -> Self {
        let inner = Inner {
            directory: Directory::new(
                clients.cognito,
                &config.user_pool_id,
                config.contact_cache_ttl,
            ),
            log: NotificationLog::new(
                clients.dynamodb,
                &config.log_table,
                config.in_progress_ttl,
                config.retention,
            )
            .with_clock(clock),
            email: EmailSender {
                client: clients.sesv2,
                from: config.sender_email.clone(),
                configuration_set: config.configuration_set.clone(),
            },
            sms: SmsSender {
                client: clients.sns,
            },
            live: clients.live,
            config,
        };
        Self {
            inner: Arc::new(inner),
            metrics: Metrics::local("local"),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &NotifyConfig {
        &self.inner.config
    }

    /// Cognito `ListUsers` calls made by this app so far.
    pub fn cognito_lookups(&self) -> u64 {
        self.inner.directory.lookups()
    }

    /// Contact cache hits and misses so far.
    pub fn contact_cache_stats(&self) -> CacheStats {
        self.inner.directory.cache_stats()
    }

    /// Handles one SQS batch; the response lists the messages to retry.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        self.handle_until(event, None).await
    }

    /// As [`App::handle`], within the invocation's `deadline`: a notification is not
    /// started later than [`START_MARGIN`] send timeouts before it, and its body is
    /// reported failed instead (retried later), so that an invocation that would run
    /// out of time hands its unstarted work back rather than being killed with it.
    pub async fn handle_until(
        &self,
        event: SqsEvent,
        deadline: Option<Instant>,
    ) -> SqsBatchResponse {
        let chunk = self.inner.config.max_concurrency.max(1);
        let margin = self.inner.config.send_timeout * START_MARGIN;
        let too_late = || deadline.is_some_and(|d| Instant::now() + margin > d);
        let counts = Arc::new(tally::Counts::default());
        let (rounds, mut failed) = group_jobs(event.records, &counts);
        let mut deferred = 0;
        for round in rounds {
            let mut jobs = round.into_iter().peekable();
            while jobs.peek().is_some() {
                let jobs: Vec<Job> = jobs.by_ref().take(chunk).collect();
                let ids: Vec<(usize, String)> = jobs.iter().map(Job::id).collect();
                if too_late() {
                    deferred += jobs.len();
                    failed.extend(ids);
                    continue;
                }
                let inner = Arc::clone(&self.inner);
                match tokio::spawn(async move { inner.process_many(&jobs).await }).await {
                    Ok(failures) => failed.extend(failures),
                    Err(error) => {
                        tracing::error!(messages = ids.len(), error = %error, "notification task failed: its messages will be retried");
                        failed.extend(ids);
                    }
                }
            }
        }
        if deferred > 0 {
            tracing::warn!(
                notifications = deferred,
                "invocation deadline near: notifications not started, their messages will be retried"
            );
        }
        let mut invocation = self.metrics.invocation();
        counts.add_to(&mut invocation);
        self.metrics.emit(&invocation);
        // A body carrying several notifications fails once, whichever of them failed.
        failed.sort();
        failed.dedup();
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|(_, message_id)| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message_id;
                failure
            })
            .collect();
        response
    }
}

/// The trace root a notification is logged with: its own (the body carries each
/// transaction's), else the message's `AWSTraceHeader` when the body holds only it (a
/// header names one trace; a packed body's may be another notification's).
fn trace_of(message: &Notification, single: bool, header: Option<&TraceId>) -> Option<TraceId> {
    let own = match message {
        Notification::Transaction(m) => m.trace_id.as_ref(),
        Notification::Status(_) => None,
    };
    own.or(header.filter(|_| single)).cloned()
}

/// Parses the batch into rounds, in batch order: a notification goes to the first round
/// without one about the same (transaction, account), so that a round's notifications
/// are about distinct pairs and may be claimed together, and a duplicate in the same
/// batch is handled after its first copy (and skipped) rather than at the same time
/// (and retried). The notifications of one body share its position and
/// message id: the body is retried when any of them must be (the retry skips those
/// already sent). Malformed bodies are logged and returned apart, to be reported
/// failed: retrying cannot fix them, but the queue's redrive policy then keeps them in
/// the dead-letter queue for inspection and replay instead of losing them.
fn group_jobs(
    records: Vec<SqsMessage>,
    counts: &Arc<tally::Counts>,
) -> (Vec<Vec<Job>>, Vec<(usize, String)>) {
    let mut rounds: Vec<Vec<Job>> = Vec::new();
    let mut malformed_bodies = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, record) in records.into_iter().enumerate() {
        let message_id = record.message_id.unwrap_or_default();
        let receive_count = record.attributes.get("ApproximateReceiveCount").cloned();
        let header_trace = record
            .attributes
            .get(shared::trace::SQS_ATTRIBUTE)
            .and_then(|h| TraceId::from_header(h));
        let messages = match message::parse(record.body.as_deref()) {
            Ok(messages) => messages,
            Err(malformed) => {
                tracing::error!(
                    message_id = %message_id,
                    receive_count = receive_count.as_deref(),
                    outcome = "permanent-failure",
                    reason = %malformed,
                    "malformed notification message: left for the dead-letter queue"
                );
                malformed_bodies.push((index, message_id));
                continue;
            }
        };
        let single = messages.len() == 1;
        for message in messages {
            let key = claims::key(&message);
            let trace_id = trace_of(&message, single, header_trace.as_ref());
            let job = Job {
                index,
                message_id: message_id.clone(),
                receive_count: receive_count.clone(),
                message,
                trace_id,
                counts: Arc::clone(counts),
            };
            let copies = seen.entry(key).or_default();
            match rounds.get_mut(*copies) {
                Some(round) => round.push(job),
                None => rounds.push(vec![job]),
            }
            *copies += 1;
        }
    }
    (rounds, malformed_bodies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_deadline_becomes_an_instant_and_none_stays_none() {
        assert_eq!(deadline(0), None);
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
        let later = deadline(now_ms + 60_000).unwrap_or_else(Instant::now);
        let left = later.saturating_duration_since(Instant::now());
        assert!(left > Duration::from_secs(55) && left <= Duration::from_secs(60));
        let past =
            deadline(now_ms - 1_000).unwrap_or_else(|| Instant::now() + Duration::from_secs(9));
        assert!(past <= Instant::now());
    }
}

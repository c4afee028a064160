//! Schedules. EventBridge `Schedule` events: the template's `rate(...)` expressions
//! invoke their function on that period, as EventBridge does, with a deadline of the
//! function's `Timeout`. EventBridge Scheduler's `AWS::Scheduler::Schedule` with an
//! SQS queue target: at each time its `cron(...)` or `rate(...)` expression names
//! (UTC), the target's `Input` is sent to the queue as the message body.

use std::time::Duration;

use chrono::{DateTime, Utc};
use shared::settle::Deadline;

use crate::cron::Cron;

/// Longest sleep between two looks at the wall clock: a firing time is kept to
/// within this even if the machine slept or its clock was changed meanwhile.
const MAX_NAP: Duration = Duration::from_secs(30);

/// A `rate(N unit)` expression's period; `None` for anything else (a function's
/// `Schedule` event runs on a rate only; [`Expression`] reads cron expressions too).
pub fn rate(expression: &str) -> Option<Duration> {
    let inner = expression.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (count, unit) = inner.trim().split_once(' ')?;
    let count: u64 = count.trim().parse().ok().filter(|n| *n > 0)?;
    let seconds = match unit.trim() {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3_600,
        "day" | "days" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(count.checked_mul(seconds)?))
}

/// Runs the reconciler every `period` until the process stops (EventBridge's first
/// run comes one period after start-up).
pub async fn run_reconciler(app: reconcile_pending::App, period: Duration, timeout: Duration) {
    run_on(&Expression::Rate(period), Utc::now, |_| async {
        let deadline = Deadline::at(std::time::Instant::now() + timeout);
        if let Err(error) = app.run(deadline).await {
            tracing::warn!(error = %error, "reconciler run failed");
        }
    })
    .await;
}

/// Calls `fire` at each firing time of `expression` after now, by `clock` (never at
/// start-up), until the process stops or the expression has no next firing. A firing
/// that comes late (a long earlier one, a machine asleep) happens once, and the next
/// is counted from it.
async fn run_on<F, Fut>(expression: &Expression, clock: impl Fn() -> DateTime<Utc>, mut fire: F)
where
    F: FnMut(DateTime<Utc>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut next = expression.next_after(clock());
    while let Some(at) = next {
        let now = clock();
        if now < at {
            let wait = (at - now).to_std().unwrap_or_default().min(MAX_NAP);
            tokio::time::sleep(wait).await;
            continue;
        }
        fire(at).await;
        next = expression.next_after(now.max(at));
    }
}

/// A schedule expression EventBridge Scheduler accepts and this runtime runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    Cron(Cron),
    Rate(Duration),
}

impl Expression {
    /// `cron(...)` or `rate(...)`; an error says why anything else is not run.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().starts_with("cron(") {
            return Cron::parse(text).map(Self::Cron).map_err(|e| e.to_string());
        }
        rate(text)
            .map(Self::Rate)
            .ok_or_else(|| format!("{text}: only cron(...) and rate(...) are run locally"))
    }

    /// The first firing strictly after `after` (a rate's: one period later).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Cron(cron) => cron.next_after(after),
            Self::Rate(period) => chrono::Duration::from_std(*period)
                .ok()
                .and_then(|p| after.checked_add_signed(p)),
        }
    }
}

/// An `AWS::Scheduler::Schedule` whose target is an SQS queue.
#[derive(Debug, Clone)]
pub struct QueueSchedule {
    /// The schedule's logical id.
    pub id: String,
    pub expression: Expression,
    pub queue_url: String,
    /// The target's `Input`: the body of every message.
    pub input: String,
}

/// Sends `schedule.input` to its queue at each firing time after now, by `clock`
/// (never at start-up), until the process stops or the expression has no next
/// firing. A failed send (after the SDK's retries) is logged and that firing is
/// skipped.
pub async fn run_queue_schedule(
    schedule: QueueSchedule,
    sqs: aws_sdk_sqs::Client,
    clock: impl Fn() -> DateTime<Utc> + Send + 'static,
) {
    let schedule = &schedule;
    let sqs = &sqs;
    run_on(&schedule.expression, clock, |at| async move {
        let sent = sqs
            .send_message()
            .queue_url(&schedule.queue_url)
            .message_body(&schedule.input)
            .send()
            .await;
        match sent {
            Ok(_) => tracing::info!(schedule = %schedule.id, %at, "schedule fired"),
            Err(e) => {
                tracing::warn!(schedule = %schedule.id, %at, error = ?e, "schedule's send failed")
            }
        }
    })
    .await;
    tracing::info!(schedule = %schedule.id, "schedule has no further firing");
}

#[cfg(test)]
#[path = "schedule_source_tests.rs"]
mod queue_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_expressions_read_as_eventbridge_reads_them() {
        assert_eq!(rate("rate(1 minute)"), Some(Duration::from_secs(60)));
        assert_eq!(rate("rate(5 minutes)"), Some(Duration::from_secs(300)));
        assert_eq!(rate("rate(2 hours)"), Some(Duration::from_secs(7_200)));
        assert_eq!(rate("rate(1 day)"), Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn schedule_expressions_are_cron_or_rate_and_nothing_else() {
        let monthly = Expression::parse("cron(0 2 1 * ? *)");
        assert!(matches!(monthly, Ok(Expression::Cron(_))), "{monthly:?}");
        assert_eq!(
            Expression::parse("rate(5 minutes)"),
            Ok(Expression::Rate(Duration::from_secs(300)))
        );
        for text in ["at(2026-12-01T02:00:00)", "cron(0 2 1 * *)", "rate(0 days)"] {
            assert!(Expression::parse(text).is_err(), "{text}");
        }
        let start = DateTime::UNIX_EPOCH;
        assert_eq!(
            Expression::Rate(Duration::from_secs(60)).next_after(start),
            Some(start + chrono::Duration::seconds(60))
        );
    }

    #[test]
    fn rate_events_do_not_read_cron_expressions() {
        for expression in [
            "cron(0 12 * * ? *)",
            "rate(0 minutes)",
            "rate(minutes)",
            "rate(1 fortnight)",
            "1 minute",
        ] {
            assert_eq!(rate(expression), None, "{expression}");
        }
    }
}

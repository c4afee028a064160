//! EventBridge `Schedule` events: the template's `rate(...)` expressions invoke their
//! function on that period, as EventBridge does, with a deadline of the function's
//! `Timeout`.

use std::time::Duration;

use shared::settle::Deadline;

/// A `rate(N unit)` expression's period; `None` for anything else (cron expressions
/// are not run locally).
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

/// Runs the reconciler every `period` until the process stops.
pub async fn run_reconciler(app: reconcile_pending::App, period: Duration, timeout: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate; EventBridge's first run comes one period later.
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let deadline = Deadline::at(std::time::Instant::now() + timeout);
        if let Err(error) = app.run(deadline).await {
            tracing::warn!(error = %error, "reconciler run failed");
        }
    }
}

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
    fn cron_and_malformed_expressions_are_not_run() {
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

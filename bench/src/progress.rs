//! Watching the pipeline finish, with clients that the request counter does not see:
//! the transactions table (status, `createdAt`, `processedAt`) and what moto sent.

use std::time::{Duration, Instant};

use integration_tests::TestStack;
use serde_json::Value;

/// The transactions table now.
#[derive(Debug, Default)]
pub struct Settled {
    pub total: usize,
    pub pending: usize,
    pub completed: usize,
    pub rejected: usize,
    /// Settled-but-not-completed transactions by `rejectionReason`.
    pub reasons: std::collections::BTreeMap<String, usize>,
    /// `processedAt - createdAt` of each settled transaction, in ms.
    pub settle_ms: Vec<f64>,
    /// Seconds from the first `createdAt` to the last `processedAt`.
    pub span_s: f64,
}

fn micros(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// Scans the transactions table.
pub async fn settled(stack: &TestStack, table: &str) -> Result<Settled, String> {
    let mut result = Settled::default();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    let mut start = None;
    loop {
        let page = stack
            .dynamodb
            .scan()
            .table_name(table)
            .projection_expression("#s, createdAt, processedAt, rejectionReason")
            .expression_attribute_names("#s", "status")
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| format!("Scan {table}: {e:?}"))?;
        for item in page.items() {
            let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str);
            result.total += 1;
            match text("status") {
                Some("PENDING") => result.pending += 1,
                Some("COMPLETED") => result.completed += 1,
                _ => {
                    result.rejected += 1;
                    let reason = text("rejectionReason").unwrap_or("none").to_owned();
                    *result.reasons.entry(reason).or_default() += 1;
                }
            }
            let (Some(created), Some(processed)) = (
                text("createdAt").and_then(micros),
                text("processedAt").and_then(micros),
            ) else {
                continue;
            };
            result.settle_ms.push((processed - created) as f64 / 1000.0);
            first = first.min(created);
            last = last.max(processed);
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    result.span_s = if last > first {
        (last - first) as f64 / 1e6
    } else {
        0.0
    };
    Ok(result)
}

/// Emails (SES) and SMS (SNS) moto has recorded.
pub async fn sent(stack: &TestStack) -> (usize, usize) {
    let url = format!("{}/moto-api/data.json", stack.moto_endpoint);
    let Ok(response) = stack.http.get(&url).send().await else {
        return (0, 0);
    };
    let data: Value = response.json().await.unwrap_or(Value::Null);
    let count = |service: &str, kind: &str| data[service][kind].as_array().map_or(0, Vec::len);
    (count("ses", "Message"), count("sns", "SMS"))
}

/// Polls until every one of `n` transactions is settled (or `limit` passed).
pub async fn wait_settled(
    stack: &TestStack,
    table: &str,
    n: usize,
    limit: Duration,
) -> Result<(Settled, f64), String> {
    let started = Instant::now();
    loop {
        let now = settled(stack, table).await?;
        if (now.total >= n && now.pending == 0) || started.elapsed() > limit {
            return Ok((now, started.elapsed().as_secs_f64()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Polls until moto has sent `emails` and `sms` more than `base` (or nothing moved for
/// `stall`); returns what was sent beyond `base` and when the last one was seen.
pub async fn wait_sent(
    stack: &TestStack,
    base: (usize, usize),
    want: (usize, usize),
    stall: Duration,
) -> ((usize, usize), Instant) {
    let mut seen = (0, 0);
    let mut moved = Instant::now();
    loop {
        let (e, s) = sent(stack).await;
        let now = (e.saturating_sub(base.0), s.saturating_sub(base.1));
        if now != seen {
            seen = now;
            moved = Instant::now();
        }
        if (seen.0 >= want.0 && seen.1 >= want.1) || moved.elapsed() > stall {
            return (seen, moved);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

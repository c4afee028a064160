//! The business metrics of the local stack, on demand (`make stats`).
//!
//! The functions the runtime runs in-process print the same EMF documents they print
//! on Lambda; here the process's metrics sink ([`shared::metrics::install`]) is a
//! [`Stats`] that reads each document as CloudWatch would and adds it to a
//! [`Summary`]. `GET /_local/stats` serves the summary as JSON, and
//! `GET /_local/stats?format=text` as the one-screen table `make stats` prints. The
//! figures are the process's since it started (a test process running two stacks sees
//! both).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::Router;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use shared::metrics::{Distribution, Sink, Summary};

/// Where the summary is served.
pub const PATH: &str = "/_local/stats";

/// The metrics the in-process functions emitted, aggregated.
#[derive(Debug)]
pub struct Stats {
    summary: Mutex<Summary>,
    since: String,
}

impl Sink for Stats {
    fn write_lines(&self, lines: &[String]) {
        let mut summary = self.summary.lock().unwrap_or_else(PoisonError::into_inner);
        for line in lines {
            if let Err(error) = summary.add_line(line) {
                tracing::warn!(error = %error, "a function emitted an EMF line CloudWatch would not read");
            }
        }
    }
}

impl Stats {
    /// The summary so far.
    pub fn summary(&self) -> Summary {
        self.summary
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

static STATS: OnceLock<Arc<Stats>> = OnceLock::new();

/// The process's [`Stats`], made and installed as its metrics sink on the first call.
pub fn install() -> Arc<Stats> {
    Arc::clone(STATS.get_or_init(|| {
        let stats = Arc::new(Stats {
            summary: Mutex::new(Summary::default()),
            since: shared::clock::now_rfc3339(),
        });
        shared::metrics::install(stats.clone());
        stats
    }))
}

/// `GET /_local/stats` (JSON) and `GET /_local/stats?format=text` (the table).
pub fn router() -> Router {
    Router::new().route(PATH, get(serve))
}

async fn serve(Query(query): Query<BTreeMap<String, String>>) -> Response {
    let stats = install();
    let summary = stats.summary();
    if query.get("format").map(String::as_str) == Some("text") {
        return render(&summary, &stats.since).into_response();
    }
    let mut body = summary.to_json();
    body["since"] = json!(stats.since);
    let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
    (json, body.to_string()).into_response()
}

/// The one-screen table.
pub fn render(summary: &Summary, since: &str) -> String {
    let mut out = format!(
        "Bank/Ledger metrics since {since} ({} EMF documents)\n\nTransactions\n",
        summary.documents()
    );
    let counts = [
        ("accepted", "TransactionsAccepted", Some("Type")),
        ("replayed", "TransactionsReplayed", None),
        ("settled", "TransactionsSettled", Some("Type")),
        ("rejected", "TransactionsRejected", Some("Reason")),
    ];
    for (label, metric, by) in counts {
        out.push_str(&count_row(summary, label, metric, by));
    }
    let latency = merged(summary, "SettlementLatencyMs");
    out.push_str(&row(
        "settlement latency",
        "",
        &match (latency.percentile(50.0), latency.percentile(99.0)) {
            (Some(p50), Some(p99)) => format!(
                "p50 {p50:.0} ms, p99 {p99:.0} ms, max {:.0} ms ({} transactions)",
                latency.max(),
                latency.count()
            ),
            _ => "-".to_owned(),
        },
    ));
    let batches = merged(summary, "BatchSize");
    out.push_str(&row(
        "batch size",
        "",
        &batches.mean().map_or_else(
            || "-".to_owned(),
            |mean| {
                format!(
                    "mean {mean:.1}, max {:.0} ({} settle calls)",
                    batches.max(),
                    batches.count()
                )
            },
        ),
    ));
    out.push_str(&count_row(summary, "commit retries", "CommitRetries", None));
    out.push_str(&count_row(summary, "chunks split", "ChunksSplit", None));
    out.push_str(&pending_row(summary));
    out.push_str("\nNotifications\n");
    for (label, metric) in [
        ("sent", "NotificationsSent"),
        ("deduplicated", "NotificationsDeduplicated"),
        ("failed", "NotificationsFailed"),
    ] {
        out.push_str(&count_row(summary, label, metric, Some("Channel")));
    }
    out.push_str(&row(
        "live events",
        "",
        &format!(
            "published {}, failed {}",
            total(summary, "LiveEventsPublished"),
            total(summary, "LiveEventsFailed")
        ),
    ));
    out
}

fn row(label: &str, total: &str, detail: &str) -> String {
    format!("  {label:<20}{total:>7}   {detail}\n")
}

fn count_row(summary: &Summary, label: &str, metric: &str, by: Option<&str>) -> String {
    let detail = by.map_or_else(String::new, |by| {
        let parts: Vec<String> = breakdown(summary, metric, by)
            .iter()
            .map(|(value, n)| format!("{value} {n}"))
            .collect();
        parts.join(", ")
    });
    row(label, &total(summary, metric).to_string(), &detail)
}

fn pending_row(summary: &Summary) -> String {
    let age = merged(summary, "OldestPendingAgeSeconds");
    let detail = if age.is_empty() {
        "(the reconciler has not run yet: once a minute)".to_owned()
    } else {
        format!(
            "oldest {:.0} s, {} PENDING at the reconciler's last run; {} reconciled",
            age.last(),
            merged(summary, "PendingTransactions").last(),
            total(summary, "ReconciledTransactions")
        )
    };
    row("pending", "", &detail)
}

/// The sum of `metric` over its series with no dimension but `Environment`.
fn total(summary: &Summary, metric: &str) -> u64 {
    let sum: f64 = summary
        .series()
        .filter(|(s, _)| s.metric == metric && s.dimensions.iter().all(|(n, _)| n == "Environment"))
        .map(|(_, values)| values.sum())
        .sum();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let sum = sum.max(0.0).round() as u64;
    sum
}

/// `metric`'s sums by the values of dimension `by`.
fn breakdown(summary: &Summary, metric: &str, by: &str) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for (series, values) in summary.series().filter(|(s, _)| s.metric == metric) {
        if let Some((_, value)) = series.dimensions.iter().find(|(n, _)| n == by) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let n = values.sum().max(0.0).round() as u64;
            *out.entry(value.clone()).or_default() += n;
        }
    }
    out
}

/// `metric`'s values across its series with no dimension but `Environment`.
fn merged(summary: &Summary, metric: &str) -> Distribution {
    let mut out = Distribution::new();
    for (_, values) in summary
        .series()
        .filter(|(s, _)| s.metric == metric && s.dimensions.iter().all(|(n, _)| n == "Environment"))
    {
        out.merge(values);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use shared::metrics::{Invocation, NAMESPACE, Unit};

    use super::*;

    #[test]
    fn the_table_shows_totals_breakdowns_and_latency_from_the_documents() {
        let mut invocation = Invocation::new(NAMESPACE, 1).dimension("Environment", "local");
        let mut latency = Distribution::new();
        latency.record(120.0);
        latency.record(480.0);
        invocation
            .count("BatchSize", 2)
            .distribution("SettlementLatencyMs", Unit::Milliseconds, &latency)
            .count_by("TransactionsSettled", "Type", "DEPOSIT", 1)
            .count_by("TransactionsRejected", "Reason", "INSUFFICIENT_FUNDS", 1);
        let mut summary = Summary::default();
        for line in invocation.lines() {
            summary.add_line(&line).unwrap();
        }
        let table = render(&summary, "2026-12-01T00:00:00Z");
        let line = |label: &str| {
            table
                .lines()
                .find(|l| l.trim_start().starts_with(label))
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(line("settled"), "settled 1 DEPOSIT 1");
        assert_eq!(line("rejected"), "rejected 1 INSUFFICIENT_FUNDS 1");
        assert_eq!(line("accepted"), "accepted 0");
        assert_eq!(
            line("settlement latency"),
            "settlement latency p50 120 ms, p99 480 ms, max 480 ms (2 transactions)"
        );
        assert!(table.lines().count() <= 24, "one screen:\n{table}");
    }
}

//! The local runtime's `GET /_local/stats` (`make stats`): the business metrics its
//! in-process functions emitted, for transactions made through the API.

use std::time::Duration;

use integration_tests::local::LocalStack;
use serde_json::{Value, json};

/// The sum of `metric` over the series whose dimensions include all of `with`
/// (`Environment` is whatever the stack's functions use).
fn sum(stats: &Value, metric: &str, with: &[(&str, &str)]) -> f64 {
    stats["series"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["metric"] == metric)
        .filter(|s| {
            let dimensions = s["dimensions"].as_object().map_or(0, serde_json::Map::len);
            dimensions == with.len() + 1 && with.iter().all(|(n, v)| s["dimensions"][*n] == *v)
        })
        .map(|s| s["sum"].as_f64().unwrap_or_default())
        .sum()
}

async fn stats(stack: &LocalStack) -> Value {
    let answer = stack.call("GET", "/_local/stats", None, None, None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

#[tokio::test]
async fn the_stats_page_counts_a_deposit_and_a_rejected_withdrawal_made_through_the_api() {
    let stack = LocalStack::start().await;
    let (token, account) = stack.demo_login().await;
    let mut ids = Vec::new();
    for (kind, amount) in [("DEPOSIT", "25.00"), ("WITHDRAWAL", "1000.00")] {
        let body = json!({ "accountId": account, "type": kind, "amount": amount });
        let key = uuid::Uuid::new_v4().to_string();
        let answer = stack
            .call(
                "POST",
                "/transactions",
                Some(&token),
                Some(&body),
                Some(&key),
            )
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        ids.push(
            answer.body["transactionId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let withdrawal = stack.settled(&token, &ids[1]).await;
    assert_eq!(withdrawal["rejectionReason"], "INSUFFICIENT_FUNDS");

    // Notifications follow the settlement asynchronously: wait for both holders' sends.
    let mut figures = stats(&stack).await;
    for _ in 0..300 {
        if sum(&figures, "NotificationsSent", &[("Channel", "email")]) >= 2.0
            && sum(&figures, "LiveEventsPublished", &[]) >= 2.0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        figures = stats(&stack).await;
    }

    let count = |metric: &str, with: &[(&str, &str)]| sum(&figures, metric, with);
    assert_eq!(count("TransactionsAccepted", &[("Type", "DEPOSIT")]), 1.0);
    assert_eq!(
        count("TransactionsAccepted", &[("Type", "WITHDRAWAL")]),
        1.0
    );
    assert_eq!(count("TransactionsSettled", &[]), 1.0, "{figures}");
    assert_eq!(count("TransactionsSettled", &[("Type", "DEPOSIT")]), 1.0);
    assert_eq!(
        count("TransactionsRejected", &[("Reason", "INSUFFICIENT_FUNDS")]),
        1.0
    );
    assert_eq!(count("NotificationsSent", &[("Channel", "email")]), 2.0);
    assert_eq!(count("NotificationsSent", &[("Channel", "sms")]), 2.0);
    assert_eq!(count("LiveEventsPublished", &[]), 2.0);
    let latency = figures["series"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["metric"] == "SettlementLatencyMs")
        .cloned()
        .unwrap_or_default();
    assert_eq!(latency["unit"], "Milliseconds");
    assert_eq!(latency["samples"], 2);

    let table = stack
        .http
        .get(format!("{}/_local/stats?format=text", stack.api))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    let row = |label: &str| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert_eq!(row("settled"), "settled 1 DEPOSIT 1", "{table}");
    assert_eq!(
        row("rejected"),
        "rejected 1 INSUFFICIENT_FUNDS 1",
        "{table}"
    );
    assert_eq!(row("sent"), "sent 4 email 2, sms 2", "{table}");
}

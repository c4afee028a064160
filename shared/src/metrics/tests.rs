#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use super::*;

fn parse(line: &str) -> Value {
    assert!(!line.contains('\n'), "one record is one line");
    serde_json::from_str(line).unwrap()
}

#[test]
fn a_record_declares_its_metrics_and_carries_their_values() {
    let line = Emf::new("Bank/Ledger", 1_795_591_141_000)
        .dimension("Environment", "dev")
        .metric("OldestPendingAgeSeconds", Unit::Seconds, 12.5)
        .metric("PendingTransactions", Unit::Count, 3.0)
        .to_line();
    let value = parse(&line);
    assert_eq!(value["_aws"]["Timestamp"], 1_795_591_141_000_i64);
    let directive = &value["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "Bank/Ledger");
    assert_eq!(directive["Dimensions"], json!([["Environment"]]));
    assert_eq!(
        directive["Metrics"][0],
        json!({"Name": "OldestPendingAgeSeconds", "Unit": "Seconds"})
    );
    assert_eq!(value["Environment"], "dev");
    assert_eq!(value["OldestPendingAgeSeconds"], 12.5);
    assert_eq!(value["PendingTransactions"], 3.0);
}

fn settle_invocation() -> Invocation {
    let mut latency = Distribution::new();
    for ms in [40.0, 55.0, 55.0] {
        latency.record(ms);
    }
    let mut invocation = Invocation::new(NAMESPACE, 7).dimension("Environment", "test");
    invocation
        .count("BatchSize", 3)
        .distribution("SettlementLatencyMs", Unit::Milliseconds, &latency)
        .count_by("TransactionsSettled", "Type", "DEPOSIT", 2)
        .count_by("TransactionsRejected", "Reason", "INSUFFICIENT_FUNDS", 1);
    invocation
}

#[test]
fn one_invocation_with_one_value_per_breakdown_is_one_document_with_a_directive_each() {
    let lines = settle_invocation().lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let doc = parse(&lines[0]);
    let directives = doc["_aws"]["CloudWatchMetrics"].as_array().unwrap();
    assert_eq!(directives.len(), 3);
    assert_eq!(directives[0]["Dimensions"], json!([["Environment"]]));
    assert_eq!(
        directives[0]["Metrics"],
        json!([
            {"Name": "BatchSize", "Unit": "Count"},
            {"Name": "SettlementLatencyMs", "Unit": "Milliseconds"},
        ])
    );
    let by_type = directives
        .iter()
        .find(|d| d["Metrics"][0]["Name"] == "TransactionsSettled")
        .unwrap();
    assert_eq!(
        by_type["Dimensions"],
        json!([["Environment"], ["Environment", "Type"]])
    );
    let by_reason = directives
        .iter()
        .find(|d| d["Metrics"][0]["Name"] == "TransactionsRejected")
        .unwrap();
    assert_eq!(
        by_reason["Dimensions"],
        json!([["Environment"], ["Environment", "Reason"]])
    );
    assert!(directives.iter().all(|d| d["Namespace"] == "Bank/Ledger"));
    assert_eq!(
        (&doc["Type"], &doc["Reason"], &doc["TransactionsSettled"]),
        (&json!("DEPOSIT"), &json!("INSUFFICIENT_FUNDS"), &json!(2.0))
    );
    assert_eq!(
        doc["SettlementLatencyMs"],
        json!({"Values": [40.0, 55.0], "Counts": [1, 2], "Max": 55.0, "Min": 40.0,
               "Count": 3, "Sum": 150.0})
    );
}

#[test]
fn a_second_value_of_a_dimension_goes_in_a_second_document_without_the_invocation_metrics() {
    let mut invocation = settle_invocation();
    invocation
        .count_by("TransactionsSettled", "Type", "WITHDRAWAL", 1)
        .count_by("TransactionsSettled", "Type", "DEPOSIT", 1);
    let docs: Vec<Value> = invocation.lines().iter().map(|l| parse(l)).collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        (&docs[0]["Type"], &docs[0]["TransactionsSettled"]),
        (&json!("DEPOSIT"), &json!(3.0))
    );
    assert_eq!(
        (&docs[1]["Type"], &docs[1]["TransactionsSettled"]),
        (&json!("WITHDRAWAL"), &json!(1.0))
    );
    assert!(docs[1].get("BatchSize").is_none());
    assert_eq!(docs[1]["Environment"], "test");
    assert_eq!(docs[1]["_aws"]["Timestamp"], 7);
}

#[test]
fn a_summary_reads_the_documents_as_cloudwatch_extracts_them() {
    let mut invocation = settle_invocation();
    invocation.count_by("TransactionsSettled", "Type", "WITHDRAWAL", 1);
    let mut summary = Summary::default();
    for line in invocation.lines() {
        summary.add_line(&line).unwrap();
    }
    let env = ("Environment", "test");
    assert_eq!(summary.sum("TransactionsSettled", &[env]), 3.0);
    assert_eq!(
        summary.sum("TransactionsSettled", &[env, ("Type", "DEPOSIT")]),
        2.0
    );
    assert_eq!(
        summary.sum(
            "TransactionsRejected",
            &[("Reason", "INSUFFICIENT_FUNDS"), env]
        ),
        1.0
    );
    let latency = summary.get("SettlementLatencyMs", &[env]).unwrap();
    assert_eq!((latency.count(), latency.max()), (3, 55.0));
    assert_eq!(summary.unit("SettlementLatencyMs"), Some("Milliseconds"));
    assert_eq!(summary.documents(), 2);
}

#[test]
fn a_document_naming_a_dimension_or_metric_it_lacks_is_refused_whole() {
    let mut summary = Summary::default();
    let missing_dimension = json!({"_aws": {"Timestamp": 1, "CloudWatchMetrics": [
        {"Namespace": "Bank/Ledger", "Dimensions": [["Type"]], "Metrics": [{"Name": "A"}]}
    ]}, "A": 1});
    assert!(summary.add_document(&missing_dimension).is_err());
    let missing_metric = json!({"_aws": {"Timestamp": 1, "CloudWatchMetrics": [
        {"Namespace": "Bank/Ledger", "Dimensions": [[]], "Metrics": [{"Name": "B"}]}
    ]}});
    assert!(summary.add_document(&missing_metric).is_err());
    assert!(summary.add_line("not json").is_err());
    assert_eq!(summary.documents(), 0);
}

#[test]
fn nothing_measured_is_no_document_and_zero_counts_by_dimension_add_none() {
    let mut invocation = Invocation::new(NAMESPACE, 1).dimension("Environment", "test");
    invocation.count_by("NotificationsSent", "Channel", "sms", 0);
    assert!(invocation.is_empty());
    assert!(invocation.documents().is_empty());
    let collector = Collector::new();
    Metrics::local("test")
        .with_sink(collector.clone())
        .emit(&invocation);
    assert!(collector.lines().is_empty());
}

#[test]
fn metrics_write_an_invocation_to_their_sink_with_their_environment() {
    let collector = Collector::new();
    let metrics = Metrics::local("staging").with_sink(collector.clone());
    let mut invocation = metrics.invocation();
    invocation.count_by("TransactionsAccepted", "Type", "TRANSFER", 1);
    metrics.emit(&invocation);
    let summary = collector.summary().unwrap();
    assert_eq!(
        summary.sum(
            "TransactionsAccepted",
            &[("Environment", "staging"), ("Type", "TRANSFER")]
        ),
        1.0
    );
    assert_eq!(metrics.environment(), "staging");
}

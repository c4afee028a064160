//! The report: the parts the subcommands wrote (`bench/results/<part>.json`), the cost
//! derived from them and the targets, as `report.json` and `report.md`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::cost::{self, LambdaUse, PRICES, Usage};
use crate::stats::round3;

/// The parts, in report order.
pub const PARTS: [&str; 9] = [
    "cold-start",
    "handler",
    "pipeline",
    "ledger",
    "hot-account",
    "holds",
    "graphql",
    "live-events",
    "statements",
];

/// Writes one part.
pub fn write_part(dir: &Path, part: &str, value: &Value) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{part}.json"));
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_part(dir: &Path, part: &str) -> Value {
    std::fs::read_to_string(dir.join(format!("{part}.json")))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// Cost per million transactions from the pipeline's and the hot account's figures.
fn cost(pipeline: &Value, hot: &Value) -> Value {
    let per_tx = &pipeline["perTransaction"];
    let measured = &per_tx["measured"];
    let estimated: Vec<&str> = measured["writesEstimatedFor"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let estimated = estimated.join(", ");
    let usage = Usage {
        api_requests: 1.0,
        wru: f(&measured["wru"]),
        // DynamoDB Local reports 0 for some index queries, and an estimate from
        // response sizes undercounts BatchGetItem (billed per item, each rounded up to
        // 4 KB): the larger of the two.
        rru: f(&per_tx["rru"]).max(f(&measured["rruReported"])),
        sqs_requests: f(&per_tx["sqs"]),
    };
    let hot_run = &hot["run"];
    let apply_ms_per_tx = 1000.0 / f(&hot_run["appliedPerSecond"]).max(1e-9);
    let lambda = [
        LambdaUse {
            invocations_per_transaction: 1.0,
            // One request at a time on the quiet local stack (older reports: the
            // median under load).
            billed_ms_per_invocation: pipeline["ingest"]["idleLatencyMs"]["median"]
                .as_f64()
                .unwrap_or_else(|| f(&pipeline["ingest"]["latencyMs"]["median"])),
            memory_mb: 128.0,
        },
        LambdaUse {
            invocations_per_transaction: 2.0 / 100.0,
            billed_ms_per_invocation: apply_ms_per_tx * 100.0,
            memory_mb: 128.0,
        },
        LambdaUse {
            invocations_per_transaction: 1.0 / 10.0,
            billed_ms_per_invocation: 100.0,
            memory_mb: 128.0,
        },
    ];
    json!({
        "prices": cost::prices_json(&PRICES),
        "assumptions": [
            "1 API Gateway REST request (POST /transactions) per transaction",
            format!("DynamoDB: WRU measured, tables and indexes apart: every request asks for ReturnConsumedCapacity=INDEXES and the units each response reports are added up. Where DynamoDB Local misreports, they are computed: a TransactWriteItems is counted 2 units per item (items here are far below 1 KB: each measured insert took 1), and 2 per put, update or delete for each index Local reports written; PartiQL (notify's log: {}) reports nothing locally and is counted 1 unit per statement. Cancelled transactions ({:.2} WRU per transaction in this run, if AWS bills them) are left out. RRU: the larger of what DynamoDB Local reported and an estimate from response sizes (Local reports 0 for some index queries; the estimate undercounts a BatchGetItem, billed per item rounded up to 4 KB; the before column is the estimate alone, its reported units were not recorded). Stream reads by Lambda are free", estimated, f(&measured["cancelledTransactionsWru"])),
            "Lambda (128 MB, arm64): request-transaction billed the local median ingest latency of 50 requests sent one at a time after the load (an over-estimate: it includes HTTP and the emulator; under load the median is this machine's queueing, not what Lambda bills, where each request has its own instance); process-transactions 2 records per transaction in batches of 100, billed the hot-account apply time per transaction × 100; notify batches of 10 billed an assumed 100 ms (not measured: moto is no proxy for SES/SNS latency)",
            "SQS: the measured SQS requests per transaction (sends, polls, deletes)",
        ],
        "usagePerTransaction": { "apiRequests": usage.api_requests, "wru": round3(usage.wru), "rru": round3(usage.rru), "sqsRequests": round3(usage.sqs_requests) },
        "dollarsPerMillionTransactions": cost::per_million(&PRICES, &usage, &lambda),
        "cancelledTransactionsWru": round3(f(&measured["cancelledTransactionsWru"])),
        "dollarsPerNotification": cost::per_notification(&PRICES),
    })
}

/// The cost measured before the cost work of 2026-12 (`bench/baseline.json`: the same
/// bench and workload on the commit before it), shown beside this run's.
fn baseline() -> Value {
    serde_json::from_str(include_str!("../baseline.json")).unwrap_or(Value::Null)
}

/// The all-in target: dollars per million transactions, notifications' fees excluded.
pub const COST_TARGET: f64 = 8.0;

fn check(name: &str, value: f64, target: f64, unit: &str) -> Value {
    let met = value <= target;
    json!({
        "target": name,
        "measured": round3(value),
        "limit": target,
        "unit": unit,
        "met": met,
        "by": if met { 0.0 } else { round3(value - target) },
    })
}

fn targets(report: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(functions) = report["coldStart"]["functions"].as_array() {
        for function in functions {
            let name = function["function"].as_str().unwrap_or_default();
            out.push(check(
                &format!("{name}: init median"),
                f(&function["initMs"]["median"]),
                15.0,
                "ms",
            ));
            out.push(check(
                &format!("{name}: first invocation median"),
                f(&function["firstInvocationMs"]["median"]),
                5.0,
                "ms",
            ));
            out.push(check(
                &format!("{name}: peak RSS max"),
                f(&function["peakRssMiB"]["max"]),
                32.0,
                "MiB",
            ));
            out.push(check(
                &format!("{name}: zip"),
                f(&function["zipMB"]),
                5.0,
                "MB",
            ));
        }
    }
    if report["handler"]["meanUs"].is_number() {
        out.push(check(
            "request-transaction handler CPU (criterion mean)",
            f(&report["handler"]["meanUs"]),
            50.0,
            "µs",
        ));
    }
    let pipeline = &report["pipeline"];
    if pipeline.is_object() {
        out.push(check(
            "DynamoDB requests per transaction",
            f(&pipeline["perTransaction"]["dynamodb"]),
            2.0,
            "requests",
        ));
        out.push(check(
            "SQS requests per notification",
            f(&pipeline["perNotification"]["sqs"]),
            0.2,
            "requests",
        ));
        out.push(check(
            "Cognito requests per notification",
            f(&pipeline["perNotification"]["cognito"]),
            0.01,
            "requests",
        ));
    }
    if let Some(total) = report["cost"]["dollarsPerMillionTransactions"]["total"].as_f64() {
        out.push(check(
            "cost per million transactions, all-in (before notifications' fees)",
            total,
            COST_TARGET,
            "USD",
        ));
    }
    let hot = &report["hotAccount"];
    let run = &hot["run"];
    if run.is_object() {
        out.push(check(
            "hot account: account writes per transaction",
            f(&run["accountWritesPerTransaction"]),
            0.1,
            "writes",
        ));
    }
    out
}

/// Merges the parts in `dir` into `report.json` and `report.md`; returns the summary.
pub fn write(dir: &Path) -> Result<String, String> {
    let mut report = json!({
        "generatedAt": shared::clock::now_rfc3339(),
        "coldStart": read_part(dir, "cold-start"),
        "handler": read_part(dir, "handler"),
        "pipeline": read_part(dir, "pipeline"),
        "hotAccount": read_part(dir, "hot-account"),
        "ledger": read_part(dir, "ledger"),
        "holds": read_part(dir, "holds"),
        "graphql": read_part(dir, "graphql"),
        "liveEvents": read_part(dir, "live-events"),
        "statements": read_part(dir, "statements"),
    });
    if report["pipeline"].is_object() {
        report["cost"] = cost(&report["pipeline"], &report["hotAccount"]);
        report["cost"]["before"] = baseline();
    }
    report["targets"] = Value::Array(targets(&report));
    write_part(dir, "report", &report)?;
    let markdown = crate::markdown::render(&report);
    let path = dir.join("report.md");
    std::fs::write(&path, &markdown).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut summary = String::new();
    for t in report["targets"].as_array().into_iter().flatten() {
        let mark = if t["met"] == true { "met   " } else { "MISSED" };
        let _ = writeln!(
            summary,
            "{mark} {}: {} {} (limit {})",
            t["target"].as_str().unwrap_or_default(),
            t["measured"],
            t["unit"].as_str().unwrap_or_default(),
            t["limit"]
        );
    }
    if report["holds"].is_object() {
        let _ = writeln!(
            summary,
            "holds: {}",
            crate::holds::summary(&report["holds"])
        );
    }
    if let Some(total) = report["cost"]["dollarsPerMillionTransactions"]["total"].as_f64() {
        let _ = writeln!(
            summary,
            "cost: ${total:.2} per million transactions (AWS services, before notifications)"
        );
    }
    let _ = writeln!(
        summary,
        "report: {} and {}",
        dir.join("report.md").display(),
        dir.join("report.json").display()
    );
    Ok(summary)
}

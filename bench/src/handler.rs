//! The criterion benchmark of request-transaction's handler
//! (`functions/request-transaction/benches/handler.rs`), read back from criterion's
//! estimates.

use std::path::Path;

use serde_json::{Value, json};

use crate::stats::round3;

/// The benchmark's id (its folder under `target/criterion`).
pub const BENCH_ID: &str = "request_transaction_handle";

/// The benchmarks of the handler's parts, measured alone by the same harness.
pub const PART_IDS: [(&str, &str); 2] = [
    ("event_parse", "lambda_http parsing the REST proxy event"),
    (
        "sdk_put_item",
        "one SDK PutItem of a transaction-sized item (signing, orchestrator, serialisation), answered in-process",
    ),
];

fn estimates_path(target_dir: &Path, id: &str) -> std::path::PathBuf {
    target_dir
        .join("criterion")
        .join(id)
        .join("new")
        .join("estimates.json")
}

/// A part's mean in µs, when measured.
fn part_mean(target_dir: &Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(estimates_path(target_dir, id)).ok()?;
    let estimates: Value = serde_json::from_str(&text).ok()?;
    estimates["mean"]["point_estimate"]
        .as_f64()
        .map(|ns| round3(ns / 1000.0))
}

/// The part of the report: criterion's mean and median, in µs per request, and the
/// means of the parts measured alone (where the time goes).
pub fn read(target_dir: &Path) -> Result<Value, String> {
    let path = estimates_path(target_dir, BENCH_ID);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (run `cargo bench --profile bench-cpu -p request-transaction --bench handler`)",
            path.display()
        )
    })?;
    let estimates: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let us = |name: &str, field: &str| {
        estimates[name][field]
            .as_f64()
            .map(|ns| round3(ns / 1000.0))
    };
    Ok(json!({
        "benchmark": BENCH_ID,
        "source": path.display().to_string(),
        "meanUs": us("mean", "point_estimate"),
        "meanLowerUs": bound(&estimates, "lower_bound"),
        "meanUpperUs": bound(&estimates, "upper_bound"),
        "medianUs": us("median", "point_estimate"),
        "targetUs": 50,
        "parts": PART_IDS
            .iter()
            .map(|(id, what)| json!({ "benchmark": id, "what": what, "meanUs": part_mean(target_dir, id) }))
            .collect::<Vec<_>>(),
    }))
}

fn bound(estimates: &Value, which: &str) -> Option<f64> {
    estimates["mean"]["confidence_interval"][which]
        .as_f64()
        .map(|ns| round3(ns / 1000.0))
}

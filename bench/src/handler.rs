//! The criterion benchmark of request-transaction's handler
//! (`functions/request-transaction/benches/handler.rs`), read back from criterion's
//! estimates.

use std::path::Path;

use serde_json::{Value, json};

use crate::stats::round3;

/// The benchmark's id (its folder under `target/criterion`).
pub const BENCH_ID: &str = "request_transaction_handle";

/// The part of the report: criterion's mean and median, in µs per request.
pub fn read(target_dir: &Path) -> Result<Value, String> {
    let path = target_dir
        .join("criterion")
        .join(BENCH_ID)
        .join("new")
        .join("estimates.json");
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
    }))
}

fn bound(estimates: &Value, which: &str) -> Option<f64> {
    estimates["mean"]["confidence_interval"][which]
        .as_f64()
        .map(|ns| round3(ns / 1000.0))
}

//! The ledger consumer at idle and under load, with one and with several stream
//! shards: applied transactions per second, 201 → COMPLETED (createdAt → processedAt)
//! p50/p99, and DynamoDB requests per transaction. Each run is the pipeline benchmark
//! on a fresh local stack.

use std::path::Path;

use serde_json::{Value, json};

use crate::pipeline::{self, Params};
use crate::stream_shards;

/// One configuration.
struct Run {
    name: &'static str,
    params: Params,
}

fn runs() -> Vec<Run> {
    let several = stream_shards();
    let idle = |shards| Params {
        transactions: 150,
        concurrency: 1,
        users: 2,
        shards,
    };
    let load = |shards| Params {
        transactions: 2000,
        concurrency: 48,
        users: 8,
        shards,
    };
    vec![
        Run {
            name: "idle, 1 shard",
            params: idle(1),
        },
        Run {
            name: "idle, several shards",
            params: idle(several),
        },
        Run {
            name: "load, 1 shard",
            params: load(1),
        },
        Run {
            name: "load, several shards",
            params: load(several),
        },
    ]
}

/// Runs every configuration; the JSON part.
pub async fn run(root: &Path) -> Result<Value, String> {
    let mut rows = Vec::new();
    for run in runs() {
        eprintln!("ledger: {}", run.name);
        let part = pipeline::run(root, run.params).await?;
        rows.push(json!({
            "name": run.name,
            "shards": run.params.shards,
            "transactions": run.params.transactions,
            "concurrency": run.params.concurrency,
            "accepted": part["accepted"],
            "completed": part["settled"]["completed"],
            "rejected": part["settled"]["rejected"],
            "pending": part["settled"]["pending"],
            "appliedPerSecond": part["settled"]["appliedPerSecond"],
            "createdToProcessedMs": part["settled"]["createdToProcessedMs"],
            "dynamodbPerTransaction": part["perTransaction"]["dynamodb"],
            "dynamodbByOperation": part["perTransaction"]["byOperation"],
        }));
    }
    Ok(json!({ "runs": rows }))
}

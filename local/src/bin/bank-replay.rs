//! `bank-replay`: replays the processing dead-letter queue (see
//! `local_runtime::replay`), on AWS or on the local stack.
//!
//! ```text
//! bank-replay <processing-dlq-url>      # tables and queue from the Lambda's variables:
//!                                       # ACCOUNTS_TABLE_NAME, TRANSACTIONS_TABLE_NAME,
//!                                       # NOTIFICATIONS_QUEUE_URL
//! bank-replay --stack .local/stack.json # the local stack `make run` describes
//! ```
//!
//! AWS credentials, region and endpoints come from the usual SDK sources (for the
//! local stack: `source .local/emulators.env`). Exit status 0 when every message was
//! replayed, 1 when some were left in the queue, 2 on a usage or AWS error.

use std::process::ExitCode;

use process_transactions::{App, RetryPolicy};
use shared::store::TableNames;

struct Target {
    dlq_url: String,
    tables: TableNames,
    notifications_url: String,
}

fn from_stack(path: &str) -> Result<Target, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let stack: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
    let field = |group: &str, name: &str| {
        stack[group][name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{path} has no {group}.{name}"))
    };
    Ok(Target {
        dlq_url: field("queues", "ProcessingDLQ")?,
        tables: TableNames {
            accounts: field("tables", "AccountsTable")?,
            transactions: field("tables", "TransactionsTable")?,
        },
        notifications_url: field("queues", "NotificationsQueue")?,
    })
}

fn from_env(dlq_url: &str) -> Result<Target, String> {
    let notifications_url = std::env::var("NOTIFICATIONS_QUEUE_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or("NOTIFICATIONS_QUEUE_URL is not set")?;
    Ok(Target {
        dlq_url: dlq_url.to_owned(),
        tables: TableNames::from_env().map_err(|name| format!("{name} is not set"))?,
        notifications_url,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    shared::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--stack", path] => from_stack(path),
        [url] if !url.starts_with('-') => from_env(url),
        _ => Err(
            "usage: bank-replay <processing-dlq-url> | bank-replay --stack <stack.json>".to_owned(),
        ),
    };
    let target = match target {
        Ok(target) => target,
        Err(message) => {
            eprintln!("bank-replay: {message}");
            return ExitCode::from(2);
        }
    };
    let config = shared::aws::load_config().await;
    let app = App::new(
        &config,
        &target.tables,
        &target.notifications_url,
        RetryPolicy::default(),
    );
    let sqs = shared::aws::sqs(&config);
    let streams = aws_sdk_dynamodbstreams::Client::new(config.sdk());
    match local_runtime::replay::replay_queue(&sqs, &streams, &app, &target.dlq_url).await {
        Ok(report) => {
            eprintln!(
                "bank-replay: {} batch(es) replayed ({} records), {} left in the queue",
                report.replayed,
                report.records,
                report.failed.len()
            );
            for (id, reason) in &report.failed {
                eprintln!("  {id}: {reason}");
            }
            if report.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("bank-replay: {error}");
            ExitCode::from(2)
        }
    }
}

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
//! local stack: `source .local/emulators.env`). A record that fails again is listed
//! (sequence number and reason) and the replay goes on with the rest; its message stays
//! in the queue. Exit status 0 when every message was replayed, 1 when some were left in
//! the queue, 2 on a usage or AWS error.

use std::process::ExitCode;

use process_transactions::{App, RetryPolicy};
use shared::aws::SdkConfig;
use shared::store::TableNames;

/// Where the queue, tables and notifications queue come from.
enum Source {
    /// The stack file `make run` writes.
    Stack(String),
    /// This DLQ URL, and the process-transactions Lambda's variables.
    Env(String),
}

/// The local stack's processing DLQ and the consumer for its tables and queue, from
/// the stack file `make run` writes.
fn from_stack(path: &str, config: &SdkConfig) -> Result<(String, App), String> {
    let stack = local_runtime::stack_file::StackFile::read(path)?;
    let field = |group: &str, name: &str| stack.field(group, name);
    let tables = TableNames {
        accounts: field("tables", "AccountsTable")?,
        transactions: field("tables", "TransactionsTable")?,
    };
    let app = App::new(
        config,
        &tables,
        &field("queues", "NotificationsQueue")?,
        RetryPolicy::default(),
    );
    Ok((field("queues", "ProcessingDLQ")?, app))
}

#[tokio::main]
async fn main() -> ExitCode {
    shared::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Arguments first: a usage error never reaches for credentials.
    let source = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--stack", path] => Source::Stack(path.to_owned()),
        [url] if !url.starts_with('-') => Source::Env(url.to_owned()),
        _ => {
            eprintln!(
                "bank-replay: usage: bank-replay <processing-dlq-url> | bank-replay --stack <stack.json>"
            );
            return ExitCode::from(2);
        }
    };
    let config = shared::aws::load_config().await;
    let target = match source {
        Source::Stack(path) => from_stack(&path, &config),
        // The Lambda's own configuration, from its variables.
        Source::Env(url) => App::from_env(&config).map(|app| (url, app)),
    };
    let (dlq_url, app) = match target {
        Ok(target) => target,
        Err(message) => {
            eprintln!("bank-replay: {message}");
            return ExitCode::from(2);
        }
    };
    let sqs = shared::aws::sqs(&config);
    let streams = aws_sdk_dynamodbstreams::Client::new(config.sdk());
    match local_runtime::replay::replay_queue(&sqs, &streams, &app, &dlq_url).await {
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
            // Each record that failed again, with its message; the others were applied.
            for (id, record) in &report.poison {
                eprintln!(
                    "  record {} (message {id}) not applied: {}",
                    record.sequence_number, record.reason
                );
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

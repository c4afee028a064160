//! `bank-bench`: the benchmarks behind `make bench`.
//!
//! ```text
//! bank-bench cold-start | handler | pipeline | ledger | hot-account | holds | report | all
//!            [--runs N] [--transactions N] [--concurrency N] [--users N] [--shards N] [--out DIR]
//! ```
//!
//! Each measuring subcommand writes its part to `<out>/<part>.json`; `report` (and
//! `all`, after measuring) merges the parts into `<out>/report.json` and
//! `<out>/report.md` and prints a summary. `pipeline` and `hot-account` need the
//! emulators (`scripts/with-emulators.sh`); `cold-start` the release binaries; `handler`
//! reads the criterion benchmark's estimates.

mod capacity;
mod cold_start;
mod cost;
mod counter;
mod functions;
mod graphql;
mod handler;
mod holds;
mod hot_account;
mod ledger;
mod live;
mod load;
mod markdown;
mod markdown_cost;
mod pipeline;
mod progress;
mod putrate;
mod report;
mod runtime_stub;
mod statement;
mod stats;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug)]
struct Args {
    command: String,
    runs: usize,
    transactions: usize,
    concurrency: usize,
    users: usize,
    shards: usize,
    out: PathBuf,
}

fn parse(root: &Path) -> Result<Args, String> {
    let mut args = Args {
        command: String::new(),
        runs: 20,
        transactions: 2000,
        concurrency: 48,
        users: 8,
        shards: local_runtime::stream_source::DEFAULT_SHARDS,
        out: root.join("bench").join("results"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--runs" => args.runs = number("--runs")?,
            "--transactions" => args.transactions = number("--transactions")?,
            "--concurrency" => args.concurrency = number("--concurrency")?,
            "--users" => args.users = number("--users")?,
            "--shards" => args.shards = number("--shards")?,
            "--out" => args.out = it.next().map(PathBuf::from).ok_or("--out needs a folder")?,
            command if args.command.is_empty() && !command.starts_with('-') => {
                command.clone_into(&mut args.command)
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.command.is_empty() {
        return Err("usage: bank-bench cold-start|handler|pipeline|ledger|hot-account|holds|graphql|live-events|report|all [--runs N] [--transactions N] [--concurrency N] [--users N] [--shards N] [--out DIR]".to_owned());
    }
    Ok(args)
}

/// Deposits (and bare publishes) the live-events part makes.
const LIVE_DEPOSITS: usize = 50;

async fn measure(part: &str, args: &Args, root: &Path) -> Result<serde_json::Value, String> {
    let release = cold_start::release_dir(root);
    match part {
        "cold-start" => cold_start::run(root, &release, args.runs).await,
        "handler" => handler::read(release.parent().unwrap_or(root)),
        "pipeline" => {
            let params = pipeline::Params {
                transactions: args.transactions,
                concurrency: args.concurrency,
                users: args.users,
                shards: args.shards,
            };
            pipeline::run(root, params).await
        }
        "ledger" => ledger::run(root).await,
        "holds" => holds::run(root, args.shards).await,
        "hot-account" => hot_account::run(args.transactions).await,
        "graphql" => graphql::run(root).await,
        "live-events" => live::run(LIVE_DEPOSITS).await,
        "statements" => statement::run().await,
        other => Err(format!("unknown subcommand {other}")),
    }
}

/// The "several shards" of the ledger benchmark: `BANK_STREAM_SHARDS`, else the local
/// runtime's default.
fn stream_shards() -> usize {
    local_runtime::SourceOptions::from_env()
        .stream_shards
        .max(2)
}

#[allow(clippy::print_stdout)] // the summary is the command's output
#[tokio::main]
async fn main() -> ExitCode {
    // Logs of the in-process stack only when asked for (RUST_LOG=info,...).
    if std::env::var_os("RUST_LOG").is_some() {
        shared::telemetry::init();
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let args = match parse(&root) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("bank-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let parts: Vec<&str> = match args.command.as_str() {
        "all" => report::PARTS.to_vec(),
        "report" => Vec::new(),
        one => vec![one],
    };
    let mut ok = true;
    for part in parts {
        eprintln!("bank-bench: {part}");
        match measure(part, &args, &root).await {
            Ok(value) => {
                if let Err(e) = report::write_part(&args.out, part, &value) {
                    eprintln!("bank-bench: {e}");
                    ok = false;
                }
            }
            Err(e) => {
                eprintln!("bank-bench: {part} failed: {e}");
                ok = false;
            }
        }
    }
    if matches!(args.command.as_str(), "all" | "report") {
        match report::write(&args.out) {
            Ok(summary) => println!("{summary}"),
            Err(e) => {
                eprintln!("bank-bench: {e}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

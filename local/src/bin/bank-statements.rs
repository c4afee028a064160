//! `bank-statements`: asks the local stack for a statements run now (`make
//! statements`), as its `StatementsSchedule` does on the 1st of each month.
//!
//! ```text
//! bank-statements [--stack .local/stack.json] [--period YYYY-MM]
//! ```
//!
//! Sends `{"kind":"run"}`, or `{"kind":"run","period":"YYYY-MM"}` with `--period`, to
//! the stack's `StatementsQueue` (its URL from the stack file `make run` writes). AWS
//! credentials, region and endpoints come from the usual SDK sources (`source
//! .local/emulators.env`). A malformed period is refused before anything is read or
//! sent. Exit status 0 when sent, 2 on a usage, stack file or AWS error.

use std::process::ExitCode;

use shared::statement::{Job, Period};

const USAGE: &str = "usage: bank-statements [--stack .local/stack.json] [--period YYYY-MM]";

/// What to send, and where the stack file is.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    stack: String,
    period: Option<Period>,
}

/// Reads the arguments; a malformed period is an error naming the expected form.
fn parse_args(args: &[String]) -> Result<Request, String> {
    let mut request = Request {
        stack: ".local/stack.json".to_owned(),
        period: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--stack", Some(path)) => request.stack.clone_from(path),
            ("--period", Some(text)) => {
                let period = Period::parse(text).map_err(|e| {
                    format!("PERIOD `{text}` refused: {e} (YYYY-MM, month 01 to 12)")
                })?;
                request.period = Some(period);
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    Ok(request)
}

/// The message body: what `StatementsSchedule` sends, with the period when given.
fn body(period: Option<Period>) -> String {
    Job::Run {
        period: period.map(|p| p.to_string()),
        after: None,
    }
    .to_body()
}

/// `queues.StatementsQueue` of the stack file at `path`.
fn queue_url(path: &str) -> Result<String, String> {
    local_runtime::stack_file::StackFile::read(path)?.field("queues", "StatementsQueue")
}

/// Sends the run the arguments ask for; what was sent, or why not.
async fn run(args: &[String]) -> Result<String, String> {
    // Arguments first: a malformed period never reaches for the stack or credentials.
    let request = parse_args(args)?;
    let url = queue_url(&request.stack)?;
    let body = body(request.period);
    let sqs = shared::aws::sqs(&shared::aws::load_config().await);
    let sent = sqs
        .send_message()
        .queue_url(&url)
        .message_body(&body)
        .send()
        .await
        .map_err(|e| {
            format!(
                "sending to {url} (is `make run` running, with the emulators' variables \
                 from .local/emulators.env?): {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            )
        })?;
    Ok(format!(
        "sent {body} to {url} (message {})",
        sent.message_id().unwrap_or("?")
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(done) => {
            eprintln!("bank-statements: {done}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bank-statements: {message}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Against moto's SQS (the emulators `make test` starts): the run lands on the
    /// queue the stack file names; a stack file without one is refused.
    #[tokio::test]
    async fn the_run_is_sent_to_the_stacks_statements_queue() {
        assert!(
            std::env::var("AWS_ENDPOINT_URL_SQS").is_ok(),
            "AWS_ENDPOINT_URL_SQS is not set: run under scripts/with-emulators.sh"
        );
        let sqs = shared::aws::sqs(&shared::aws::load_config().await);
        let name = format!("statements-cli-{}", uuid::Uuid::new_v4());
        let url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap_or_default()
            .to_owned();
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        let stack = dir.join("stack.json");
        let path = stack.display().to_string();
        std::fs::write(
            &stack,
            json!({"queues": {"StatementsQueue": url}}).to_string(),
        )
        .unwrap();
        let done = run(&args(&["--stack", &path, "--period", "2026-10"]))
            .await
            .unwrap();
        assert!(
            done.starts_with(r#"sent {"kind":"run","period":"2026-10"}"#),
            "{done}"
        );
        let received = sqs
            .receive_message()
            .queue_url(&url)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        let bodies: Vec<&str> = received
            .messages()
            .iter()
            .filter_map(|m| m.body())
            .collect();
        assert_eq!(bodies, [r#"{"kind":"run","period":"2026-10"}"#]);
        std::fs::write(&stack, "{}").unwrap();
        assert!(run(&args(&["--stack", &path])).await.is_err());
        assert!(
            run(&args(&["--stack", &dir.join("none").display().to_string()]))
                .await
                .is_err()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_a_period_the_run_is_the_schedules_own_message() {
        let request = parse_args(&args(&[])).unwrap();
        assert_eq!(request.stack, ".local/stack.json");
        assert_eq!(body(request.period), r#"{"kind":"run"}"#);
    }

    #[test]
    fn a_period_is_sent_with_the_run() {
        let request = parse_args(&args(&["--stack", "s.json", "--period", "2026-11"])).unwrap();
        assert_eq!(request.stack, "s.json");
        assert_eq!(body(request.period), r#"{"kind":"run","period":"2026-11"}"#);
    }

    #[test]
    fn a_malformed_period_is_refused_with_the_expected_form() {
        for text in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "2026-11-01",
            "",
        ] {
            let error = parse_args(&args(&["--period", text])).unwrap_err();
            assert!(
                error.contains(&format!("PERIOD `{text}` refused")) && error.contains("YYYY-MM"),
                "{text}: {error}"
            );
        }
        let month = parse_args(&args(&["--period", "2026-13"])).unwrap_err();
        assert!(month.contains("01 and 12"), "{month}");
    }

    #[test]
    fn unknown_or_incomplete_arguments_print_the_usage() {
        for list in [&["--period"][..], &["--stack"], &["2026-11"], &["--json"]] {
            assert_eq!(parse_args(&args(list)), Err(USAGE.to_owned()));
        }
    }

    #[test]
    fn the_queue_comes_from_the_stack_file() {
        let dir = std::env::temp_dir().join(format!("bank-statements-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("stack.json");
        std::fs::write(&good, r#"{"queues":{"StatementsQueue":"http://q/1"}}"#).unwrap();
        assert_eq!(queue_url(good.to_str().unwrap()).unwrap(), "http://q/1");
        let old = dir.join("old.json");
        std::fs::write(&old, r#"{"queues":{}}"#).unwrap();
        assert!(
            queue_url(old.to_str().unwrap())
                .unwrap_err()
                .contains("restart")
        );
        assert!(queue_url(dir.join("none.json").to_str().unwrap()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

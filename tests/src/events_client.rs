//! The independent AppSync Events client: `scripts/events-client.sh` (Amplify JS under
//! Node, see `scripts/events_client.mjs`), run as a child process. Its packages are
//! installed first, one test at a time.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// Exit codes of the client.
pub const EXIT_OK: i32 = 0;
pub const EXIT_REFUSED: i32 = 2;
pub const EXIT_PUBLISH_REFUSED: i32 = 5;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The client (installed by [`install`] first).
fn command() -> Command {
    Command::new(root().join("scripts/events-client.sh"))
}

/// Installs the client's packages if needed, one test at a time (tests run in
/// parallel processes: a file lock).
pub async fn install() {
    let root = root();
    let local = root.join(".local");
    std::fs::create_dir_all(&local).unwrap_or_else(|e| panic!("{}: {e}", local.display()));
    let status = Command::new("flock")
        .arg(root.join(".local/events-client.lock"))
        .arg(root.join("scripts/events-client.sh"))
        .stdout(Stdio::null())
        .status()
        .await
        .unwrap_or_else(|e| panic!("scripts/events-client.sh (needs flock, node, npm): {e}"));
    // Without arguments it installs, then exits 1 for the usage.
    assert_eq!(
        status.code(),
        Some(1),
        "installing the events client failed"
    );
}

/// A running client.
#[derive(Debug)]
pub struct EventsClient {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl EventsClient {
    /// Starts `events-client.sh <args>` with `token` (passed in the environment, never
    /// on the command line).
    pub async fn start(args: &[&str], token: &str) -> Self {
        install().await;
        let mut child = command()
            .args(args)
            .env("EVENTS_CLIENT_TOKEN", token)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("events-client.sh: {e}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("the client's stdout"));
        Self {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// A subscriber to `channel` of the Events API at `endpoint` (its HTTP URL),
    /// ending after `count` events or `timeout`.
    pub async fn subscribe(
        endpoint: &str,
        channel: &str,
        token: &str,
        count: usize,
        timeout: Duration,
    ) -> Self {
        let count = count.to_string();
        let timeout = timeout.as_millis().to_string();
        let args = [
            "subscribe",
            "--endpoint",
            endpoint,
            "--channel",
            channel,
            "--count",
            &count,
            "--timeout-ms",
            &timeout,
        ];
        Self::start(&args, token).await
    }

    /// The next JSON line, within `wait` (`None` at the end of the output).
    pub async fn next_line(&mut self, wait: Duration) -> Option<Value> {
        let line = tokio::time::timeout(wait, self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no output from the events client within {wait:?}"))
            .unwrap_or_else(|e| panic!("events client output: {e}"))?;
        Some(serde_json::from_str(&line).unwrap_or(Value::String(line)))
    }

    /// Waits for the client to exit; its exit code and its remaining lines.
    pub async fn finish(mut self, wait: Duration) -> (Option<i32>, Vec<Value>) {
        let mut rest = Vec::new();
        while let Some(line) = self.next_line(wait).await {
            rest.push(line);
        }
        let status = tokio::time::timeout(wait, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("the events client did not exit within {wait:?}"))
            .unwrap_or_else(|e| panic!("events client: {e}"));
        (status.code(), rest)
    }
}

/// Runs the client to its end: exit code and output lines.
pub async fn run(args: &[&str], token: &str, wait: Duration) -> (Option<i32>, Vec<Value>) {
    EventsClient::start(args, token).await.finish(wait).await
}

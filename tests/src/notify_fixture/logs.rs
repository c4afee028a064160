//! Log capture: what notify logs, as an operator would read it.

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use tracing_subscriber::util::SubscriberInitExt;

/// Every log line emitted on this thread while it lives, as JSON objects.
///
/// `#[tokio::test]` runs on one thread, so the tasks the handler spawns log here too.
#[derive(Debug)]
pub struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
    /// Restores the previous subscriber when dropped.
    _guard: Box<dyn std::any::Any>,
}

/// A log writer appending to a shared buffer (for a thread's or a process's
/// subscriber).
#[derive(Debug, Clone)]
pub struct SharedWriter(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Captures `info` and above from every crate, everything from notify.
    pub fn start() -> Self {
        Self::with_filter("info,notify=trace")
    }

    /// Captures what `filter` (an `EnvFilter` directive) lets through.
    pub fn with_filter(filter: &str) -> Self {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = SharedWriter(Arc::clone(&buffer));
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(move || writer.clone())
            .finish();
        Self {
            buffer,
            _guard: Box::new(subscriber.set_default()),
        }
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// The captured lines, parsed.
    pub fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The `fields` of lines whose `outcome` is `outcome`.
    pub fn outcomes(&self, outcome: &str) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter_map(|line| line.get("fields").cloned())
            .filter(|fields| fields.get("outcome").and_then(Value::as_str) == Some(outcome))
            .collect()
    }
}

//! Where EMF lines go: stdout on Lambda (CloudWatch Logs extracts the metrics), a
//! [`Sink`] elsewhere: a [`Collector`] in tests, the local runtime's summary behind
//! `make stats` (installed for the whole process with [`install`]).

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::{Invocation, NAMESPACE, Summary};

/// Receives EMF lines (one JSON document each).
pub trait Sink: Send + Sync + std::fmt::Debug {
    /// Takes the lines of one invocation.
    fn write_lines(&self, lines: &[String]);
}

/// The process's sink for functions built for the local runtime, tests and tools.
static INSTALLED: RwLock<Option<Arc<dyn Sink>>> = RwLock::new(None);

/// Makes `sink` the process's sink: where [`Metrics::local`] writes (the local runtime
/// collects its functions' metrics so).
pub fn install(sink: Arc<dyn Sink>) {
    *INSTALLED.write().unwrap_or_else(PoisonError::into_inner) = Some(sink);
}

fn installed() -> Option<Arc<dyn Sink>> {
    INSTALLED
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Writes `lines` to stdout at once. A failed write loses metrics, never work.
pub(super) fn stdout(lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Where a function's documents go.
#[derive(Debug, Clone)]
enum Target {
    /// Stdout: on Lambda, CloudWatch Logs.
    Stdout,
    /// The installed sink, if any; else nowhere.
    Installed,
    Sink(Arc<dyn Sink>),
}

/// A function's metrics: the `Environment` its documents carry and where they go.
#[derive(Debug, Clone)]
pub struct Metrics {
    environment: Arc<str>,
    target: Target,
}

impl Metrics {
    /// On Lambda: `Environment` from `ENVIRONMENT` (default `dev`), lines to stdout.
    pub fn from_env() -> Self {
        let environment = std::env::var("ENVIRONMENT")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "dev".to_owned());
        Self {
            environment: environment.into(),
            target: Target::Stdout,
        }
    }

    /// For functions built by the local runtime, tests and tools: lines to the
    /// process's [`install`]ed sink, and nowhere when none is (stdout there is a
    /// terminal or a test's output, not CloudWatch).
    pub fn local(environment: &str) -> Self {
        Self {
            environment: environment.into(),
            target: Target::Installed,
        }
    }

    /// The same, with lines to `sink`.
    #[must_use]
    pub fn with_sink(mut self, sink: Arc<dyn Sink>) -> Self {
        self.target = Target::Sink(sink);
        self
    }

    /// The `Environment` dimension's value.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// An empty invocation in [`NAMESPACE`] with the `Environment` dimension, now.
    pub fn invocation(&self) -> Invocation {
        self.invocation_at(chrono::Utc::now().timestamp_millis())
    }

    /// An empty invocation in [`NAMESPACE`] with the `Environment` dimension, stamped
    /// `timestamp_ms` (a run that measured at a known instant).
    pub fn invocation_at(&self, timestamp_ms: i64) -> Invocation {
        Invocation::new(NAMESPACE, timestamp_ms)
            .dimension("Environment", self.environment.to_string())
    }

    /// Writes `invocation`'s documents (nothing when it measured nothing).
    pub fn emit(&self, invocation: &Invocation) {
        if invocation.is_empty() {
            return;
        }
        let sink = match &self.target {
            Target::Stdout => return stdout(&invocation.lines()),
            Target::Installed => installed(),
            Target::Sink(sink) => Some(Arc::clone(sink)),
        };
        // Nowhere to go: not even serialised.
        if let Some(sink) = sink {
            sink.write_lines(&invocation.lines());
        }
    }
}

/// Keeps every line it is given (tests).
#[derive(Debug, Default)]
pub struct Collector {
    lines: Mutex<Vec<String>>,
}

impl Collector {
    /// An empty collector, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The lines so far, parsed as EMF and aggregated; an invalid document is an
    /// error.
    pub fn summary(&self) -> Result<Summary, super::SummaryError> {
        let mut summary = Summary::default();
        for line in self.lines() {
            summary.add_line(&line)?;
        }
        Ok(summary)
    }
}

impl Sink for Collector {
    fn write_lines(&self, lines: &[String]) {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(lines);
    }
}

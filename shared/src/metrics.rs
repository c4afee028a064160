//! CloudWatch metrics as Embedded Metric Format log lines: a function prints JSON lines
//! to stdout and CloudWatch Logs turns them into metrics, with no API call and no
//! extra latency on the request path.
//!
//! - [`Emf`]: one EMF document (one log line): a namespace, base dimensions
//!   (`Environment`), metric values, distributions ([`Distribution`]: `Values` and
//!   `Counts`) and counts broken down by one more dimension (`Type`, `Reason`,
//!   `Channel`), published both under the base dimensions and under them plus the
//!   breakdown.
//! - [`Invocation`]: what one invocation measured, aggregated, packed into as few
//!   documents as EMF allows (one, unless a breakdown dimension has several values:
//!   a document holds one value per dimension).
//! - [`Metrics`]: where a function's documents go (stdout on Lambda, a [`Sink`] in
//!   tests and in the local runtime) and the `Environment` they carry.
//! - [`Summary`]: documents read back and aggregated (the local runtime's `make stats`,
//!   tests).

mod distribution;
mod invocation;
mod sink;
mod summary;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

pub use distribution::{Distribution, MAX_VALUES};
pub use invocation::Invocation;
pub use sink::{Collector, Metrics, Sink, install};
pub use summary::{Series, Summary, SummaryError};

/// The namespace of the bank's metrics.
pub const NAMESPACE: &str = "Bank/Ledger";

/// A metric's unit, as CloudWatch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    Milliseconds,
}

impl Unit {
    /// CloudWatch's name of the unit.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Seconds => "Seconds",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// A metric's value in a document.
#[derive(Debug, Clone, PartialEq)]
enum Reading {
    Value(f64),
    Distribution(Distribution),
}

/// One metric of a document.
#[derive(Debug, Clone, PartialEq)]
struct Metric {
    name: &'static str,
    unit: Unit,
    reading: Reading,
    /// The breakdown dimension it is also published under.
    by: Option<&'static str>,
}

/// One EMF record: a namespace, dimensions and metric values, at `timestamp_ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct Emf {
    namespace: &'static str,
    dimensions: Vec<(&'static str, String)>,
    /// Breakdown dimensions' values (each in its own metric directive only).
    breakdowns: Vec<(&'static str, String)>,
    metrics: Vec<Metric>,
    timestamp_ms: i64,
}

impl Emf {
    /// An empty record in `namespace`.
    pub fn new(namespace: &'static str, timestamp_ms: i64) -> Self {
        Self {
            namespace,
            dimensions: Vec::new(),
            breakdowns: Vec::new(),
            metrics: Vec::new(),
            timestamp_ms,
        }
    }

    /// Adds a base dimension (every metric of the record is published under it).
    #[must_use]
    pub fn dimension(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.dimensions.push((name, value.into()));
        self
    }

    /// Adds a metric value, published under the base dimensions.
    #[must_use]
    pub fn metric(mut self, name: &'static str, unit: Unit, value: f64) -> Self {
        self.push(name, unit, Reading::Value(value), None);
        self
    }

    /// Adds a distribution (`Values` and `Counts`) under the base dimensions; an empty
    /// one adds nothing.
    #[must_use]
    pub fn distribution(mut self, name: &'static str, unit: Unit, values: &Distribution) -> Self {
        if !values.is_empty() {
            self.push(name, unit, Reading::Distribution(values.clone()), None);
        }
        self
    }

    /// Whether `metric_by(name, _, _, dimension, value)` can be added: the record has
    /// no other value for `dimension` and no metric `name` yet.
    fn fits(&self, name: &str, dimension: &str, value: &str) -> bool {
        self.metrics.iter().all(|m| m.name != name)
            && self
                .breakdowns
                .iter()
                .all(|(d, v)| *d != dimension || v == value)
    }

    /// Adds a value published twice: under the base dimensions, and under them plus
    /// `dimension` = `value`. The caller checks [`Emf::fits`] first.
    fn metric_by(
        &mut self,
        (name, unit, amount): (&'static str, Unit, f64),
        dimension: &'static str,
        value: &str,
    ) {
        if !self.breakdowns.iter().any(|(d, _)| *d == dimension) {
            self.breakdowns.push((dimension, value.to_owned()));
        }
        self.push(name, unit, Reading::Value(amount), Some(dimension));
    }

    fn push(&mut self, name: &'static str, unit: Unit, reading: Reading, by: Option<&'static str>) {
        self.metrics.push(Metric {
            name,
            unit,
            reading,
            by,
        });
    }

    /// The JSON line CloudWatch Logs reads.
    pub fn to_line(&self) -> String {
        let base: Vec<&str> = self.dimensions.iter().map(|(n, _)| *n).collect();
        // One directive per breakdown (the base one first), in first-use order.
        let mut groups: Vec<Option<&'static str>> = Vec::new();
        for metric in &self.metrics {
            if !groups.contains(&metric.by) {
                groups.push(metric.by);
            }
        }
        groups.sort_by_key(Option::is_some);
        let directives: Vec<Value> = groups
            .iter()
            .map(|group| {
                let sets = match group {
                    None => json!([base]),
                    Some(by) => {
                        let mut with = base.clone();
                        with.push(by);
                        json!([base, with])
                    }
                };
                let definitions: Vec<Value> = self
                    .metrics
                    .iter()
                    .filter(|m| m.by == *group)
                    .map(|m| json!({"Name": m.name, "Unit": m.unit.as_str()}))
                    .collect();
                json!({"Namespace": self.namespace, "Dimensions": sets, "Metrics": definitions})
            })
            .collect();
        let mut root = Map::new();
        root.insert(
            "_aws".to_owned(),
            json!({"Timestamp": self.timestamp_ms, "CloudWatchMetrics": directives}),
        );
        for (name, value) in self.dimensions.iter().chain(&self.breakdowns) {
            root.insert((*name).to_owned(), json!(value));
        }
        for metric in &self.metrics {
            let value = match &metric.reading {
                Reading::Value(v) => json!(v),
                Reading::Distribution(d) => d.to_emf(),
            };
            root.insert(metric.name.to_owned(), value);
        }
        Value::Object(root).to_string()
    }
}

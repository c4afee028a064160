//! CloudWatch metrics as Embedded Metric Format log lines: a function prints one JSON
//! line to stdout and CloudWatch Logs turns it into metrics, with no API call and no
//! extra latency on the request path.

use serde_json::{Map, Value, json};

/// A metric's unit, as CloudWatch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    Milliseconds,
}

impl Unit {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Seconds => "Seconds",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// One EMF record: a namespace, dimensions and metric values, at `timestamp_ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct Emf {
    namespace: &'static str,
    dimensions: Vec<(&'static str, String)>,
    metrics: Vec<(&'static str, Unit, f64)>,
    timestamp_ms: i64,
}

impl Emf {
    /// An empty record in `namespace`.
    pub fn new(namespace: &'static str, timestamp_ms: i64) -> Self {
        Self {
            namespace,
            dimensions: Vec::new(),
            metrics: Vec::new(),
            timestamp_ms,
        }
    }

    /// Adds a dimension (all metrics of the record share the dimension set).
    #[must_use]
    pub fn dimension(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.dimensions.push((name, value.into()));
        self
    }

    /// Adds a metric value.
    #[must_use]
    pub fn metric(mut self, name: &'static str, unit: Unit, value: f64) -> Self {
        self.metrics.push((name, unit, value));
        self
    }

    /// Writes the record to stdout, where Lambda's log capture hands it to CloudWatch
    /// (which reads EMF lines in either log format). A failed write loses a metric,
    /// never the caller's work.
    pub fn emit(&self) {
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{}", self.to_line());
    }

    /// The JSON line CloudWatch Logs reads.
    pub fn to_line(&self) -> String {
        let mut root = Map::new();
        let names: Vec<&str> = self.dimensions.iter().map(|(n, _)| *n).collect();
        let definitions: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit.as_str()}))
            .collect();
        root.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": self.timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [names],
                    "Metrics": definitions,
                }],
            }),
        );
        for (name, value) in &self.dimensions {
            root.insert((*name).to_owned(), json!(value));
        }
        for (name, _, value) in &self.metrics {
            root.insert((*name).to_owned(), json!(value));
        }
        Value::Object(root).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_declares_its_metrics_and_carries_their_values() {
        let line = Emf::new("Bank/Ledger", 1_795_591_141_000)
            .dimension("Environment", "dev")
            .metric("OldestPendingAgeSeconds", Unit::Seconds, 12.5)
            .metric("PendingTransactions", Unit::Count, 3.0)
            .to_line();
        let value: Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(value["_aws"]["Timestamp"], 1_795_591_141_000_i64);
        let directive = &value["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Bank/Ledger");
        assert_eq!(directive["Dimensions"], json!([["Environment"]]));
        assert_eq!(
            directive["Metrics"][0],
            json!({"Name": "OldestPendingAgeSeconds", "Unit": "Seconds"})
        );
        assert_eq!(value["Environment"], "dev");
        assert_eq!(value["OldestPendingAgeSeconds"], 12.5);
        assert_eq!(value["PendingTransactions"], 3.0);
        assert!(!line.contains('\n'), "one record is one line");
    }
}

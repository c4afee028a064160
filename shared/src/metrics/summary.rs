//! EMF documents read back and aggregated per metric and dimension set, as CloudWatch
//! would extract them: the local runtime's `make stats`, and tests' view of what a
//! function emitted. Reading a document checks what CloudWatch needs of it: every
//! dimension and metric a directive names is a member of the document, with a string
//! or a numeric value.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Distribution;

/// One metric under one set of dimension values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Series {
    pub metric: String,
    /// `(dimension, value)`, sorted by dimension.
    pub dimensions: Vec<(String, String)>,
}

/// A document CloudWatch would not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an EMF document: {0}")]
pub struct SummaryError(String);

/// Every series' values, across the documents added.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    series: BTreeMap<Series, Distribution>,
    units: BTreeMap<String, String>,
    documents: u64,
}

impl Summary {
    /// Adds one JSON line.
    pub fn add_line(&mut self, line: &str) -> Result<(), SummaryError> {
        let document: Value =
            serde_json::from_str(line).map_err(|e| SummaryError(format!("not JSON: {e}")))?;
        self.add_document(&document)
    }

    /// Adds one document (all or nothing).
    pub fn add_document(&mut self, document: &Value) -> Result<(), SummaryError> {
        let error = |what: &str| SummaryError(what.to_owned());
        let directives = document["_aws"]["CloudWatchMetrics"]
            .as_array()
            .ok_or_else(|| error("no _aws.CloudWatchMetrics"))?;
        if !document["_aws"]["Timestamp"].is_i64() {
            return Err(error("no _aws.Timestamp in milliseconds"));
        }
        let mut points = Vec::new();
        for directive in directives {
            let sets = directive["Dimensions"]
                .as_array()
                .ok_or_else(|| error("a directive has no Dimensions"))?;
            let metrics = directive["Metrics"]
                .as_array()
                .ok_or_else(|| error("a directive has no Metrics"))?;
            for set in sets {
                let dimensions = dimension_values(document, set)?;
                for definition in metrics {
                    let name = definition["Name"]
                        .as_str()
                        .ok_or_else(|| error("a metric has no Name"))?;
                    let values = Distribution::from_emf(&document[name])
                        .ok_or_else(|| SummaryError(format!("{name} has no numeric value")))?;
                    let unit = definition["Unit"].as_str().unwrap_or("None").to_owned();
                    let series = Series {
                        metric: name.to_owned(),
                        dimensions: dimensions.clone(),
                    };
                    points.push((series, unit, values));
                }
            }
        }
        for (series, unit, values) in points {
            self.units.insert(series.metric.clone(), unit);
            self.series.entry(series).or_default().merge(&values);
        }
        self.documents += 1;
        Ok(())
    }

    /// Documents added.
    pub const fn documents(&self) -> u64 {
        self.documents
    }

    /// The values of `metric` under exactly these dimensions.
    pub fn get(&self, metric: &str, dimensions: &[(&str, &str)]) -> Option<&Distribution> {
        let mut dimensions: Vec<(String, String)> = dimensions
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        dimensions.sort();
        self.series.get(&Series {
            metric: metric.to_owned(),
            dimensions,
        })
    }

    /// The sum of `metric` under exactly these dimensions (0 when never emitted).
    pub fn sum(&self, metric: &str, dimensions: &[(&str, &str)]) -> f64 {
        self.get(metric, dimensions).map_or(0.0, Distribution::sum)
    }

    /// Every series, in order.
    pub fn series(&self) -> impl Iterator<Item = (&Series, &Distribution)> {
        self.series.iter()
    }

    /// The unit `metric` was declared with.
    pub fn unit(&self, metric: &str) -> Option<&str> {
        self.units.get(metric).map(String::as_str)
    }

    /// The summary as JSON: `{documents, series: [{metric, unit, dimensions, samples,
    /// sum, min, max, last, p50, p99}]}`.
    pub fn to_json(&self) -> Value {
        let series: Vec<Value> = self
            .series
            .iter()
            .map(|(series, values)| {
                let dimensions: serde_json::Map<String, Value> = series
                    .dimensions
                    .iter()
                    .map(|(n, v)| (n.clone(), json!(v)))
                    .collect();
                json!({
                    "metric": series.metric,
                    "unit": self.unit(&series.metric),
                    "dimensions": dimensions,
                    "samples": values.count(),
                    "sum": values.sum(),
                    "min": values.min(),
                    "max": values.max(),
                    "last": values.last(),
                    "p50": values.percentile(50.0),
                    "p99": values.percentile(99.0),
                })
            })
            .collect();
        json!({"documents": self.documents, "series": series})
    }
}

/// A dimension set's `(name, value)` pairs, sorted by name.
fn dimension_values(document: &Value, set: &Value) -> Result<Vec<(String, String)>, SummaryError> {
    let names = set
        .as_array()
        .ok_or_else(|| SummaryError("a dimension set is not an array".to_owned()))?;
    let mut pairs = Vec::with_capacity(names.len());
    for name in names {
        let name = name
            .as_str()
            .ok_or_else(|| SummaryError("a dimension name is not a string".to_owned()))?;
        let value = document[name]
            .as_str()
            .ok_or_else(|| SummaryError(format!("dimension {name} has no string value")))?;
        pairs.push((name.to_owned(), value.to_owned()));
    }
    pairs.sort();
    Ok(pairs)
}

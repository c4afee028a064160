//! What one invocation measured, aggregated (never a document per record), and packed
//! into as few EMF documents as the format allows.
//!
//! A document carries one value per dimension, so counts broken down by a dimension
//! with several values (a batch of deposits and withdrawals: `Type` = `DEPOSIT` and
//! `Type` = `WITHDRAWAL`) cannot all go in one. Each breakdown value goes in the first
//! document that has no other value for its dimension: the invocation's metrics and
//! its first value of each breakdown share one document, and only a second value of
//! one dimension makes a second one. The number of documents is bounded by the
//! dimensions' fixed vocabularies (transaction types, rejection reasons, channels),
//! never by the number of records.

use std::collections::BTreeMap;

use super::{Distribution, Emf, Reading, Unit};

/// The metrics of one invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    namespace: &'static str,
    timestamp_ms: i64,
    dimensions: Vec<(&'static str, String)>,
    base: Emf,
    /// `(dimension, value)` → its metrics' totals.
    breakdowns: BTreeMap<(&'static str, String), Vec<Total>>,
}

/// A broken-down metric's `(name, unit, total)`.
type Total = (&'static str, Unit, f64);

impl Invocation {
    /// Nothing measured yet, in `namespace` at `timestamp_ms`.
    pub fn new(namespace: &'static str, timestamp_ms: i64) -> Self {
        Self {
            namespace,
            timestamp_ms,
            dimensions: Vec::new(),
            base: Emf::new(namespace, timestamp_ms),
            breakdowns: BTreeMap::new(),
        }
    }

    /// Adds a base dimension (`Environment`), carried by every document.
    #[must_use]
    pub fn dimension(mut self, name: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        self.base = self.base.dimension(name, value.clone());
        self.dimensions.push((name, value));
        self
    }

    /// Adds a metric value under the base dimensions.
    pub fn metric(&mut self, name: &'static str, unit: Unit, value: f64) -> &mut Self {
        self.base.push(name, unit, Reading::Value(value), None);
        self
    }

    /// Adds a count (a `usize`) under the base dimensions.
    pub fn count(&mut self, name: &'static str, n: usize) -> &mut Self {
        #[allow(clippy::cast_precision_loss)]
        self.metric(name, Unit::Count, n as f64)
    }

    /// Adds a distribution under the base dimensions (nothing if it is empty).
    pub fn distribution(
        &mut self,
        name: &'static str,
        unit: Unit,
        values: &Distribution,
    ) -> &mut Self {
        if !values.is_empty() {
            let reading = Reading::Distribution(values.clone());
            self.base.push(name, unit, reading, None);
        }
        self
    }

    /// Adds `n` to the count `name` for `dimension` = `value` (published under the base
    /// dimensions too). A zero adds nothing (no document for it).
    pub fn count_by(
        &mut self,
        name: &'static str,
        dimension: &'static str,
        value: &str,
        n: u64,
    ) -> &mut Self {
        if n == 0 {
            return self;
        }
        #[allow(clippy::cast_precision_loss)]
        let n = n as f64;
        let metrics = self
            .breakdowns
            .entry((dimension, value.to_owned()))
            .or_default();
        match metrics.iter_mut().find(|(m, _, _)| *m == name) {
            Some((_, _, total)) => *total += n,
            None => metrics.push((name, Unit::Count, n)),
        }
        self
    }

    /// Nothing was measured.
    pub fn is_empty(&self) -> bool {
        self.base.metrics.is_empty() && self.breakdowns.is_empty()
    }

    /// The documents, as few as EMF allows (none when nothing was measured).
    pub fn documents(&self) -> Vec<Emf> {
        let mut documents: Vec<Emf> = Vec::new();
        if !self.base.metrics.is_empty() {
            documents.push(self.base.clone());
        }
        for ((dimension, value), metrics) in &self.breakdowns {
            let fits = |doc: &Emf| {
                metrics
                    .iter()
                    .all(|(name, _, _)| doc.fits(name, dimension, value))
            };
            let index = match documents.iter().position(fits) {
                Some(index) => index,
                None => {
                    documents.push(self.empty());
                    documents.len() - 1
                }
            };
            if let Some(document) = documents.get_mut(index) {
                for metric in metrics {
                    document.metric_by(*metric, dimension, value);
                }
            }
        }
        documents
    }

    /// The documents as JSON lines.
    pub fn lines(&self) -> Vec<String> {
        self.documents().iter().map(Emf::to_line).collect()
    }

    fn empty(&self) -> Emf {
        self.dimensions.iter().fold(
            Emf::new(self.namespace, self.timestamp_ms),
            |doc, (n, v)| doc.dimension(n, v.clone()),
        )
    }
}

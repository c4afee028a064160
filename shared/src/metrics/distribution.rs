//! A distribution of values (settlement latencies) as EMF carries one: `Values` and
//! `Counts` (at most [`MAX_VALUES`] of each, as CloudWatch accepts), with `Min`, `Max`,
//! `Count` and `Sum` exact. CloudWatch computes percentiles (p50, p99) from it.
//!
//! Up to [`MAX_VALUES`] distinct values are carried exactly; beyond that, neighbouring
//! values are merged into logarithmic buckets (each the count-weighted mean of what it
//! holds), the narrowest that fit: a percentile is then off by at most the bucket's
//! width (a few per cent), never the count, sum, minimum or maximum.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Value, json};

/// The most distinct values one EMF metric may carry.
pub const MAX_VALUES: usize = 100;
/// Distinct values kept in memory before neighbours are merged (a long-lived summary).
const KEEP: usize = 2_000;

/// A value as a map key (finite values only, ordered as numbers).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Values with how often each occurred, and their exact count, sum, extremes and last.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Distribution {
    bins: BTreeMap<Key, u64>,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    last: f64,
}

impl Distribution {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one occurrence of `value` (NaN and infinities, which CloudWatch refuses,
    /// are ignored).
    pub fn record(&mut self, value: f64) {
        self.record_n(value, 1);
    }

    /// Adds `n` occurrences of `value`.
    pub fn record_n(&mut self, value: f64, n: u64) {
        if !value.is_finite() || n == 0 {
            return;
        }
        if self.count == 0 {
            (self.min, self.max) = (value, value);
        } else {
            self.min = self.min.min(value);
            self.max = self.max.max(value);
        }
        self.count += n;
        #[allow(clippy::cast_precision_loss)]
        let weight = n as f64;
        self.sum += value * weight;
        self.last = value;
        *self.bins.entry(Key(value)).or_default() += n;
        if self.bins.len() > KEEP {
            self.bins = merged(&self.bins, KEEP / 2);
        }
    }

    /// Adds everything `other` holds (its last value becomes this one's).
    pub fn merge(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        let last = other.last;
        for (value, n) in &other.bins {
            self.record_n(value.0, *n);
        }
        // Bins may be merged values: the exact figures come from `other`.
        self.sum += other.sum
            - other
                .bins
                .iter()
                .map(|(k, n)| k.0 * as_f64(*n))
                .sum::<f64>();
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.last = last;
    }

    /// How many values.
    pub const fn count(&self) -> u64 {
        self.count
    }

    /// No value recorded.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The sum of the values.
    pub const fn sum(&self) -> f64 {
        self.sum
    }

    /// The smallest value (0 when empty).
    pub const fn min(&self) -> f64 {
        self.min
    }

    /// The largest value (0 when empty).
    pub const fn max(&self) -> f64 {
        self.max
    }

    /// The value recorded last (0 when empty).
    pub const fn last(&self) -> f64 {
        self.last
    }

    /// The mean, if any value was recorded.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / as_f64(self.count))
    }

    /// The nearest-rank `p`-th percentile (`p` in 0..=100), if any value was recorded.
    pub fn percentile(&self, p: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (p.clamp(0.0, 100.0) / 100.0 * as_f64(self.count)).ceil();
        let mut seen = 0.0;
        for (value, n) in &self.bins {
            seen += as_f64(*n);
            if seen >= rank {
                return Some(value.0.clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }

    /// The EMF value: `{"Values", "Counts", "Max", "Min", "Count", "Sum"}`.
    pub fn to_emf(&self) -> Value {
        let bins = merged(&self.bins, MAX_VALUES);
        json!({
            "Values": bins.keys().map(|k| k.0).collect::<Vec<f64>>(),
            "Counts": bins.values().copied().collect::<Vec<u64>>(),
            "Max": self.max,
            "Min": self.min,
            "Count": self.count,
            "Sum": self.sum,
        })
    }

    /// Reads an EMF metric value: a number, an array of numbers, or a
    /// `{"Values", "Counts"}` object (whose `Sum`, `Min` and `Max`, when present, are
    /// taken as exact). `None` for anything else.
    pub fn from_emf(value: &Value) -> Option<Self> {
        let mut out = Self::new();
        match value {
            Value::Number(n) => out.record(n.as_f64()?),
            Value::Array(values) => {
                for v in values {
                    out.record(v.as_f64()?);
                }
            }
            Value::Object(object) => {
                let values = object.get("Values")?.as_array()?;
                let counts = object.get("Counts").and_then(Value::as_array);
                for (i, v) in values.iter().enumerate() {
                    let n = counts.map_or(Some(1), |c| c.get(i).and_then(Value::as_u64))?;
                    out.record_n(v.as_f64()?, n);
                }
                if let Some(sum) = object.get("Sum").and_then(Value::as_f64) {
                    out.sum = sum;
                }
                if let (Some(min), Some(max)) = (
                    object.get("Min").and_then(Value::as_f64),
                    object.get("Max").and_then(Value::as_f64),
                ) {
                    (out.min, out.max) = (min, max);
                }
            }
            _ => return None,
        }
        Some(out)
    }
}

#[allow(clippy::cast_precision_loss)]
const fn as_f64(n: u64) -> f64 {
    n as f64
}

/// `bins` in at most `limit` bins: unchanged if they fit, else merged into the
/// narrowest logarithmic buckets that fit, each at the weighted mean of its values.
fn merged(bins: &BTreeMap<Key, u64>, limit: usize) -> BTreeMap<Key, u64> {
    if bins.len() <= limit.max(1) {
        return bins.clone();
    }
    let mut ratio: f64 = 1.01;
    loop {
        let mut buckets: BTreeMap<i64, (f64, u64)> = BTreeMap::new();
        for (value, n) in bins {
            let slot = buckets.entry(bucket(value.0, ratio)).or_default();
            slot.0 += value.0 * as_f64(*n);
            slot.1 += n;
        }
        if buckets.len() <= limit.max(1) || ratio > 1e6 {
            return buckets
                .into_values()
                .map(|(weighted, n)| (Key(weighted / as_f64(n)), n))
                .collect();
        }
        ratio = ratio * ratio * 1.5;
    }
}

/// The logarithmic bucket of `value` for buckets `ratio` wide (sign kept, 0 alone).
#[allow(clippy::cast_possible_truncation)]
fn bucket(value: f64, ratio: f64) -> i64 {
    if value == 0.0 {
        return 0;
    }
    let index = ((1.0 + value.abs()).ln() / ratio.ln()).floor() as i64 + 1;
    if value < 0.0 { -index } else { index }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn few_values_are_carried_exactly_with_their_counts() {
        let mut d = Distribution::new();
        for v in [120.0, 80.0, 120.0, 95.0] {
            d.record(v);
        }
        let emf = d.to_emf();
        assert_eq!(emf["Values"], json!([80.0, 95.0, 120.0]));
        assert_eq!(emf["Counts"], json!([1, 1, 2]));
        assert_eq!(
            (&emf["Min"], &emf["Max"], &emf["Count"], &emf["Sum"]),
            (&json!(80.0), &json!(120.0), &json!(4), &json!(415.0))
        );
        assert_eq!(d.percentile(50.0), Some(95.0));
        assert_eq!(d.percentile(99.0), Some(120.0));
    }

    #[test]
    fn many_distinct_values_fit_in_a_hundred_bins_with_exact_totals() {
        let mut d = Distribution::new();
        for v in 1..=5_000 {
            d.record(f64::from(v));
        }
        let emf = d.to_emf();
        let values = emf["Values"].as_array().unwrap();
        let counts: u64 = emf["Counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .sum();
        assert!(values.len() <= MAX_VALUES, "{} bins", values.len());
        assert_eq!(counts, 5_000);
        assert_eq!(
            (&emf["Min"], &emf["Max"], &emf["Sum"]),
            (&json!(1.0), &json!(5_000.0), &json!(12_502_500.0))
        );
        let p50 = d.percentile(50.0).unwrap();
        assert!((p50 - 2_500.0).abs() / 2_500.0 < 0.05, "p50 {p50}");
    }

    #[test]
    fn an_emf_value_reads_back_as_the_distribution_it_was() {
        let mut d = Distribution::new();
        for v in [3.0, 3.0, 7.5] {
            d.record(v);
        }
        let back = Distribution::from_emf(&d.to_emf()).unwrap();
        assert_eq!(
            (back.count(), back.sum(), back.min(), back.max()),
            (3, 13.5, 3.0, 7.5)
        );
        let single = Distribution::from_emf(&json!(4)).unwrap();
        assert_eq!((single.count(), single.last()), (1, 4.0));
        let array = Distribution::from_emf(&json!([1, 2])).unwrap();
        assert_eq!(array.sum(), 3.0);
        assert!(Distribution::from_emf(&json!("4")).is_none());
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_later_last_value() {
        let mut a = Distribution::new();
        a.record(10.0);
        let mut b = Distribution::new();
        b.record(2.0);
        b.record(30.0);
        a.merge(&b);
        assert_eq!((a.count(), a.sum(), a.min(), a.max()), (3, 42.0, 2.0, 30.0));
        assert_eq!(a.last(), 30.0);
        assert_eq!(a.mean(), Some(14.0));
    }

    #[test]
    fn values_cloudwatch_refuses_are_not_recorded() {
        let mut d = Distribution::new();
        d.record(f64::NAN);
        d.record(f64::INFINITY);
        assert!(d.is_empty());
        assert_eq!(d.percentile(50.0), None);
    }
}

//! Order statistics of a sample (nearest-rank percentiles).

use serde_json::{Value, json};

/// Median, p90, p99 and max of a sample, in the sample's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub median: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of `sorted` (ascending); 0 when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil();
    // Float to index: the rank is within 1..=len by construction.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let index = (rank.max(1.0) as usize).min(sorted.len()) - 1;
    sorted[index]
}

impl Summary {
    /// The summary of `values` (any order).
    pub fn of(values: &[f64]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Self {
            n: sorted.len(),
            median: percentile(&sorted, 50.0),
            p90: percentile(&sorted, 90.0),
            p99: percentile(&sorted, 99.0),
            max: sorted.last().copied().unwrap_or(0.0),
        }
    }

    /// As JSON, values rounded to 3 decimals.
    pub fn to_json(self) -> Value {
        json!({
            "n": self.n,
            "median": round3(self.median),
            "p90": round3(self.p90),
            "p99": round3(self.p99),
            "max": round3(self.max),
        })
    }
}

/// `x` rounded to 3 decimals (for reports).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = Summary::of(&values);
        assert_eq!(s.median, 5.0);
        assert_eq!(s.p90, 9.0);
        assert_eq!(s.p99, 10.0);
        assert_eq!(s.max, 10.0);
        assert_eq!(s.n, 10);
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(Summary::of(&[]).median, 0.0);
        let one = Summary::of(&[3.5]);
        assert_eq!((one.median, one.p90, one.max), (3.5, 3.5, 3.5));
    }
}

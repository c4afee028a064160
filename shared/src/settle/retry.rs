//! Bounded retries with full-jitter exponential backoff, inside one invocation.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How hard to retry throttling, conflicts and concurrent account changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (the first included).
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 8,
            base: Duration::from_millis(20),
            cap: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `attempt` (1-based): uniform in
    /// `[0, min(cap, base * 2^attempt))`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.cap);
        let millis = u64::try_from(ceiling.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        Duration::from_millis(random_u64() % millis)
    }
}

fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_under_the_growing_ceiling_and_the_cap() {
        let policy = RetryPolicy::default();
        for attempt in 1..20 {
            let ceiling = policy
                .base
                .saturating_mul(1 << attempt.min(16))
                .min(policy.cap);
            assert!(policy.delay(attempt) < ceiling.max(Duration::from_millis(1)));
        }
    }
}

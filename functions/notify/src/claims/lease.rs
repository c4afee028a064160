//! How long an acquired claim protects this attempt, and the clock it is measured by.
//!
//! Two times matter, and they are measured at different moments on purpose:
//!
//! * The **stored expiry** (`expiresAt`) is what every other attempt compares against
//!   to decide whether it may take the message over. It travels in the claim request,
//!   so it can only be computed before the request is sent: `expiresAt = (time before
//!   sending) + in-progress TTL`, in whole seconds rounded down. DynamoDB applies the
//!   write some time after that, so the stored lifetime is at most the TTL, never more:
//!   conservative for the others.
//! * This attempt's **own deadline** only starts to matter once it knows it holds the
//!   claim, when the call returns; whatever time the claim call took is already spent
//!   out of the stored lifetime. So the deadline is derived from the stored expiry, not
//!   from the return time plus the TTL (which would overestimate it by the call's
//!   duration): the attempt may start its sends only if, measured *after* the claim
//!   returned, `now <= expiresAt - (worst case of what follows: the sends and the
//!   settle write)`. Otherwise it sends nothing and hands the message back (released
//!   for the redelivery), rather than sending while another attempt may take over and
//!   send the same notification again.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// Where the log reads the time. [`Clock::system`] in production; tests inject their
/// own to make a claim call look slow without waiting.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::new(Utc::now)
    }

    /// A clock reading `now`.
    pub fn new(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// Epoch seconds `duration` after `at` (rounded down; saturating).
pub fn epoch_after(at: DateTime<Utc>, duration: Duration) -> i64 {
    let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
    at.timestamp().saturating_add(seconds)
}

/// The time an acquired claim gives this attempt (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// The stored `expiresAt`: another attempt may take over after it.
    pub expires_at: DateTime<Utc>,
    /// When the claim call returned.
    pub acquired_at: DateTime<Utc>,
}

impl Lease {
    /// The stored expiry of a claim whose request was built at `sent_at` with `ttl`,
    /// in epoch seconds (the value written to `expiresAt`).
    pub fn stored_expiry(sent_at: DateTime<Utc>, ttl: Duration) -> i64 {
        epoch_after(sent_at, ttl)
    }

    /// The lease of a claim whose request was built at `sent_at` with `ttl` and whose
    /// call returned at `acquired_at`.
    pub fn new(sent_at: DateTime<Utc>, ttl: Duration, acquired_at: DateTime<Utc>) -> Self {
        let expires_at = DateTime::from_timestamp(Self::stored_expiry(sent_at, ttl), 0)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Self {
            expires_at,
            acquired_at,
        }
    }

    /// The latest time at which this attempt may start work that takes up to
    /// `worst_case` and must end before the claim expires.
    pub fn start_by(&self, worst_case: Duration) -> DateTime<Utc> {
        self.expires_at
            .checked_sub_signed(delta(worst_case))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Whether, measured when the claim call returned, work taking up to `worst_case`
    /// still ends before the stored expiry.
    pub fn may_start(&self, worst_case: Duration) -> bool {
        self.acquired_at <= self.start_by(worst_case)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);
    /// The sends and the settle write, 15 s each.
    const AFTER_CLAIM: Duration = Duration::from_secs(30);

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    #[test]
    fn the_stored_expiry_is_measured_from_before_the_claim_call() {
        let lease = Lease::new(at(0), TTL, at(20));
        assert_eq!(lease.expires_at, at(60));
        assert_eq!(Lease::stored_expiry(at(0), TTL), at(60).timestamp());
    }

    #[test]
    fn the_send_deadline_is_the_stored_expiry_minus_the_work_that_follows() {
        let lease = Lease::new(at(0), TTL, at(20));
        assert_eq!(lease.start_by(AFTER_CLAIM), at(30));
    }

    #[test]
    fn a_fast_claim_call_leaves_time_to_send() {
        assert!(Lease::new(at(0), TTL, at(0)).may_start(AFTER_CLAIM));
        assert!(Lease::new(at(0), TTL, at(30)).may_start(AFTER_CLAIM));
    }

    #[test]
    fn a_slow_claim_call_eats_into_the_lease_and_forbids_the_sends() {
        // The claim call took 31 s: measured from its return, 60 s would seem to
        // remain, but the stored expiry leaves 29 s, less than the 30 s needed.
        let lease = Lease::new(at(0), TTL, at(31));
        assert!(!lease.may_start(AFTER_CLAIM));
    }

    #[test]
    fn sub_second_start_times_round_the_stored_expiry_down() {
        let sent = at(0) + TimeDelta::milliseconds(900);
        let lease = Lease::new(sent, TTL, sent);
        assert_eq!(lease.expires_at, at(60));
        assert!(!Lease::new(sent, TTL, at(30) + TimeDelta::milliseconds(1)).may_start(AFTER_CLAIM));
    }

    #[test]
    fn extreme_durations_saturate_instead_of_overflowing() {
        let lease = Lease::new(at(0), Duration::MAX, at(0));
        assert_eq!(lease.expires_at, DateTime::<Utc>::MAX_UTC);
        assert!(!Lease::new(at(0), TTL, at(0)).may_start(Duration::MAX));
    }

    #[test]
    fn an_injected_clock_is_read_on_each_call() {
        let clock = Clock::new(|| at(7));
        assert_eq!(clock.now(), at(7));
        assert_eq!(format!("{clock:?}"), "Clock");
    }
}

//! Settling PENDING transactions: the one path from a PENDING transaction to a
//! COMPLETED or REJECTED one, shared by the stream consumer and the reconciler.
//!
//! [`Engine::settle`] takes transactions (a stream batch's, or those the reconciler
//! found), adds their accounts' PENDING predecessors (see [`order`]), sorts everything
//! in acceptance order and settles it chunk by chunk: one consistent read of the
//! chunk's accounts, each transaction decided by the pure ledger rule against the
//! balances the earlier ones left ([`plan`]), one [`Ledger::commit`]. A chunk holding
//! predecessors (another consumer may be settling them) or tried again is first read
//! again, and what was settled elsewhere meanwhile is left out before the commit. A
//! cancelled commit wrote nothing: transactions no longer PENDING are left out, a
//! changed account is read again, contention and throttling pause with jitter; all are
//! retried within [`RetryPolicy`]. A chunk that still cannot be written is split into
//! chunks of one, through the same path. A lone transaction is a chunk of one.
//!
//! Nothing is started that the deadline does not leave time for; what is left is
//! reported unsettled, for the caller to hand back.

pub mod order;
pub mod plan;
pub mod retry;

mod chunk;
mod incoming;
mod tally;
mod work;

#[cfg(test)]
pub(crate) mod testing;

use std::time::{Duration, Instant};

use crate::domain::RejectionReason;
use crate::store::{Ledger, StoreError, TransactionRecord};

pub use order::OrderPolicy;
pub use retry::RetryPolicy;
pub use tally::Tally;

/// How one transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Completed,
    Rejected(RejectionReason),
    /// Already settled (an earlier delivery, the reconciler or another shard's consumer
    /// did it); nothing changed now.
    AlreadyProcessed,
}

/// Why transactions were left PENDING by a call.
#[derive(Debug, thiserror::Error)]
pub enum Unsettled {
    /// A storage failure that retries did not overcome.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Not enough time left before the invocation's deadline.
    #[error("deadline too close to start another write")]
    Deadline,
    /// The account has more PENDING predecessors than one call settles.
    #[error("waiting for earlier transactions on the account")]
    Behind,
}

/// What [`Engine::settle`] did.
#[derive(Debug)]
pub struct Settled {
    /// Per input transaction, in input order: how it ended; `None`: still PENDING.
    pub outcomes: Vec<Option<Applied>>,
    /// Why the first unsettled input transaction was left, if any was.
    pub unsettled: Option<Unsettled>,
    /// PENDING predecessors settled first that were not in the input.
    pub helped: usize,
    /// What the call wrote, counted (the invocation's metrics).
    pub tally: Tally,
}

impl Settled {
    /// The position of the first input transaction left PENDING.
    pub fn first_unsettled(&self) -> Option<usize> {
        self.outcomes.iter().position(Option::is_none)
    }
}

/// When the caller must have answered (a Lambda invocation's deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No deadline (tools, tests).
    pub const fn none() -> Self {
        Self(None)
    }

    /// Answer by `at`.
    pub const fn at(at: Instant) -> Self {
        Self(Some(at))
    }

    /// Answer by the wall-clock instant `at` (Lambda's context deadline).
    pub fn at_system(at: std::time::SystemTime) -> Self {
        let left = at
            .duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO);
        Self(Some(Instant::now() + left))
    }

    /// At least `needed` is left.
    pub fn allows(&self, needed: Duration) -> bool {
        self.0
            .is_none_or(|at| at.saturating_duration_since(Instant::now()) >= needed)
    }
}

/// The settling engine over one ledger.
#[derive(Debug, Clone)]
pub struct Engine {
    ledger: Ledger,
    retry: RetryPolicy,
    order: OrderPolicy,
    /// The time one read-decide-write round may take (calls and the SDK's own retries);
    /// a round is started only with this much left before the deadline.
    pub round_budget: Duration,
}

/// Default [`Engine::round_budget`].
pub const DEFAULT_ROUND_BUDGET: Duration = Duration::from_secs(3);

impl Engine {
    /// An engine with the default order policy.
    pub fn new(ledger: Ledger, retry: RetryPolicy) -> Self {
        Self {
            ledger,
            retry,
            order: OrderPolicy::default(),
            round_budget: DEFAULT_ROUND_BUDGET,
        }
    }

    /// The ledger it writes.
    pub const fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Settles `records` (PENDING transactions) and their accounts' PENDING
    /// predecessors, in acceptance order, each exactly once.
    pub async fn settle(&self, records: &[TransactionRecord], deadline: Deadline) -> Settled {
        let mut work = work::Work::new(records);
        let mut unsettled = None;
        let mut known = incoming::Known::default();
        let mut rounds = 0;
        loop {
            rounds += 1;
            if let Err(error) = self.add_predecessors(&mut work).await {
                unsettled = Some(error);
                break;
            }
            match self.run(&mut work, deadline, &mut known).await {
                chunk::Step::Done => break,
                chunk::Step::Stop(reason) => {
                    unsettled = Some(reason);
                    break;
                }
                chunk::Step::Restart(found) if rounds < MAX_ROUNDS => work.add(found),
                chunk::Step::Restart(_) => {
                    unsettled = Some(Unsettled::Behind);
                    break;
                }
            }
        }
        let helped = work.helped();
        let tally = std::mem::take(&mut work.tally);
        let outcomes = work.into_outcomes(records.len());
        Settled {
            unsettled: unsettled.filter(|_| outcomes.iter().any(Option::is_none)),
            outcomes,
            helped,
            tally,
        }
    }

    async fn add_predecessors(&self, work: &mut work::Work) -> Result<(), Unsettled> {
        let open = work.open_records();
        if open.is_empty() {
            return Ok(());
        }
        let known = work.keys();
        let found = order::predecessors(&self.ledger, &open, &known, &self.order).await?;
        work.add(found.helpers);
        work.hold(&found.held_after);
        Ok(())
    }
}

/// Rounds of "found more predecessors, decide again" in one call.
const MAX_ROUNDS: usize = 6;

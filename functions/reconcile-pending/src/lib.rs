//! reconcile-pending: on a schedule, settles every transaction still PENDING after a
//! bound, through the stream consumer's own engine ([`shared::settle::Engine`]), and
//! reports the oldest PENDING age as a metric.
//!
//! Each run prints one EMF document (more only when what it settled spans several
//! transaction types or rejection reasons): `OldestPendingAgeSeconds`,
//! `PendingTransactions`, `ReconciledTransactions`, `ReconcilerLeftPending`, and what
//! the engine counted when it settled anything ([`shared::settle::Tally`]).
//!
//! It also ends the ACTIVE holds whose `expiresAt` has passed: each gets one EXPIRY
//! transaction (keyed by the hold, so never two), settled through the same engine at
//! once (the stream consumer would too). The ledger then decides: a hold captured or
//! voided in between is not expired (the EXPIRY is REJECTED `HOLD_NOT_ACTIVE`).
//!
//! The stream is the fast path; this is the guarantee. A record dropped after the
//! mapping's `MaximumRecordAgeInSeconds`, lost with the stream's 24 h retention, or
//! stuck behind a poison record on its shard is still settled, exactly once: every
//! settle is conditioned on PENDING, so the reconciler and a late stream delivery
//! cannot both apply it. The sparse `PendingIndex` holds only what is waiting, so a
//! run reads what is pending, not the ledger.

use std::time::Duration;

use serde::Serialize;
use shared::clock::Timestamp;
use shared::metrics::{Emf, Invocation, Metrics, Unit};
use shared::settle::{Deadline, Engine, RetryPolicy, Tally};
use shared::store::{Inserted, Ledger, StoreError, TableNames, TransactionsTable};

/// Default age past which a PENDING transaction is the reconciler's.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(120);
/// How many pending-index entries one run reads at most.
pub const SCAN_LIMIT: usize = 5_000;
/// How many expired holds one run ends at most.
pub const EXPIRY_LIMIT: usize = 1_000;
/// The metrics' namespace.
pub const NAMESPACE: &str = shared::metrics::NAMESPACE;

/// The function's state, built once per execution environment.
#[derive(Debug, Clone)]
pub struct App {
    engine: Engine,
    transactions: TransactionsTable,
    max_age: Duration,
    metrics: Metrics,
}

/// What a run found and did (the function's response, and its log).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Transactions PENDING when the run looked (as far as it read).
    pub pending: usize,
    /// The oldest one's age, in whole seconds.
    pub oldest_pending_age_seconds: u64,
    /// PENDING past the bound: the run's to settle.
    pub stale: usize,
    /// Settled by this run (its own plus earlier PENDING transactions on the same
    /// accounts settled first).
    pub settled: usize,
    /// Found already settled by the time the run wrote (a stream delivery won).
    pub already_settled: usize,
    /// Left PENDING (retries used up, deadline): the next run tries again.
    pub left: usize,
    /// `false`: more PENDING entries than one run reads.
    pub complete: bool,
    /// ACTIVE holds found past their `expiresAt`.
    pub holds_due: usize,
    /// Holds this run expired.
    pub holds_expired: usize,
}

impl App {
    /// From the environment: `ACCOUNTS_TABLE_NAME`, `TRANSACTIONS_TABLE_NAME`,
    /// `PENDING_MAX_AGE_SECONDS` (default 120), `ENVIRONMENT` (metric dimension).
    pub fn from_env(config: &shared::aws::SdkConfig) -> Result<Self, String> {
        let tables = TableNames::from_env().map_err(|name| format!("{name} is not set"))?;
        let max_age = match std::env::var("PENDING_MAX_AGE_SECONDS") {
            Ok(text) if !text.is_empty() => Duration::from_secs(text.parse().map_err(|_| {
                format!("PENDING_MAX_AGE_SECONDS must be a whole number of seconds, not {text:?}")
            })?),
            _ => DEFAULT_MAX_AGE,
        };
        let metrics = Metrics::from_env();
        Ok(Self::new(config, &tables, max_age, metrics.environment()).with_metrics(metrics))
    }

    /// A reconciler on explicit tables (tests, local runtime); its metrics, with
    /// `Environment` = `environment`, go to the process's installed sink
    /// ([`Metrics::local`]).
    pub fn new(
        config: &shared::aws::SdkConfig,
        tables: &TableNames,
        max_age: Duration,
        environment: &str,
    ) -> Self {
        let client = shared::aws::dynamodb(config);
        let ledger = Ledger::new(client.clone(), &tables.accounts, &tables.transactions);
        Self {
            engine: Engine::new(ledger, RetryPolicy::default()),
            transactions: TransactionsTable::new(client, &tables.transactions),
            max_age,
            metrics: Metrics::local(environment),
        }
    }

    /// The same reconciler, its metrics written by `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// One run: find, settle, report (and print the metrics line).
    pub async fn run(&self, deadline: Deadline) -> Result<Report, StoreError> {
        let now = chrono::Utc::now();
        let age = chrono::Duration::from_std(self.max_age).unwrap_or_default();
        let cutoff = shared::clock::format_rfc3339(now - age);
        let ledger = self.engine.ledger();
        let scan = ledger.scan_pending(&cutoff, SCAN_LIMIT).await?;
        let mut report = Report {
            pending: scan.pending,
            oldest_pending_age_seconds: scan
                .oldest
                .as_deref()
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
                .and_then(|at| (now - at.with_timezone(&chrono::Utc)).to_std().ok())
                .map_or(0, |age| age.as_secs()),
            stale: scan.stale.len(),
            complete: scan.complete,
            ..Report::default()
        };
        let mut tally = None;
        if !scan.stale.is_empty() {
            let keys: Vec<String> = scan.stale.into_iter().map(|p| p.key).collect();
            let records = ledger.read_pending(&keys).await?;
            report.already_settled = keys.len().saturating_sub(records.len());
            let settled = self.engine.settle(&records, deadline).await;
            for outcome in &settled.outcomes {
                match outcome {
                    Some(shared::settle::Applied::AlreadyProcessed) => report.already_settled += 1,
                    Some(_) => report.settled += 1,
                    None => report.left += 1,
                }
            }
            report.settled += settled.helped;
            tally = Some(settled.tally);
            if let Some(reason) = settled.unsettled {
                tracing::warn!(left = report.left, reason = %reason, "transactions left PENDING for the next run");
            }
        }
        self.expire_holds(&mut report, deadline).await?;
        let invocation = self.invocation(&report, tally.as_ref(), now.timestamp_millis());
        self.metrics.emit(&invocation);
        tracing::info!(
            pending = report.pending,
            oldest_pending_age_seconds = report.oldest_pending_age_seconds,
            stale = report.stale,
            settled = report.settled,
            already_settled = report.already_settled,
            left = report.left,
            holds_due = report.holds_due,
            holds_expired = report.holds_expired,
            "reconciled"
        );
        Ok(report)
    }

    /// Records an EXPIRY for every ACTIVE hold past its `expiresAt` and settles them.
    async fn expire_holds(
        &self,
        report: &mut Report,
        deadline: Deadline,
    ) -> Result<(), StoreError> {
        let now = Timestamp::now();
        let ledger = self.engine.ledger();
        let keys = ledger.expired_holds(&now, EXPIRY_LIMIT).await?;
        if keys.is_empty() {
            return Ok(());
        }
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let holds = ledger.read_transactions(&keys).await?;
        let mut expiries = Vec::with_capacity(holds.len());
        for expiry in holds.iter().filter_map(|hold| hold.expiry(&now)) {
            // One per hold: an earlier run's (still PENDING, or settled) is settled
            // or left as it is.
            match self.transactions.insert_new(&expiry).await? {
                Inserted::Created => expiries.push(expiry),
                Inserted::Exists(earlier) => expiries.push(*earlier),
            }
        }
        report.holds_due = expiries.len();
        expiries.retain(|e| e.status == shared::domain::TransactionStatus::Pending);
        let settled = self.engine.settle(&expiries, deadline).await;
        report.holds_expired = settled
            .outcomes
            .iter()
            .filter(|o| matches!(o, Some(shared::settle::Applied::Completed)))
            .count();
        Ok(())
    }

    /// The run's own metrics as one EMF record (without what the engine counted).
    pub fn metrics(&self, report: &Report, timestamp_ms: i64) -> Emf {
        self.invocation(report, None, timestamp_ms)
            .documents()
            .into_iter()
            .next()
            .unwrap_or_else(|| Emf::new(NAMESPACE, timestamp_ms))
    }

    /// The run's metrics, and the engine's when it settled anything.
    fn invocation(&self, report: &Report, tally: Option<&Tally>, timestamp_ms: i64) -> Invocation {
        #[allow(clippy::cast_precision_loss)]
        let seconds = report.oldest_pending_age_seconds as f64;
        let mut invocation = self.metrics.invocation_at(timestamp_ms);
        invocation
            .metric("OldestPendingAgeSeconds", Unit::Seconds, seconds)
            .count("PendingTransactions", report.pending)
            .count("ReconciledTransactions", report.settled)
            .count("ReconcilerLeftPending", report.left)
            .count("HoldsExpired", report.holds_expired);
        if let Some(tally) = tally {
            tally.add_to(&mut invocation);
        }
        invocation
    }
}

//! Applying one PENDING transaction: read the accounts, decide with the pure ledger
//! rule, commit with conditions; on a concurrent change, read again and decide again.

use shared::clock::now_rfc3339;
use shared::domain::{AccountState, Outcome, apply};
use shared::store::{Account, BalanceMove, Ledger, StoreError, TransactionRecord, WriteOutcome};

use crate::retry::RetryPolicy;

/// What applying did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Completed,
    Rejected(shared::domain::RejectionReason),
    /// An earlier delivery already processed it; nothing changed now.
    AlreadyProcessed,
}

fn state(account: &Account) -> AccountState {
    AccountState {
        status: account.status,
        currency: account.currency,
        balance: account.balance,
    }
}

/// Applies `record` exactly once (redeliveries change nothing), retrying contention
/// and throttling within `policy`.
pub async fn apply_transaction(
    ledger: &Ledger,
    record: &TransactionRecord,
    policy: RetryPolicy,
) -> Result<Applied, StoreError> {
    let mut last_error = None;
    for attempt in 0..policy.attempts {
        if attempt > 0 {
            tokio::time::sleep(policy.delay(attempt)).await;
        }
        match attempt_once(ledger, record).await {
            Ok(Some(applied)) => return Ok(applied),
            Ok(None) => {
                tracing::debug!(transaction_id = %record.transaction_id, attempt, "account changed; deciding again");
            }
            Err(error) if error.is_retryable() => {
                tracing::warn!(transaction_id = %record.transaction_id, attempt, code = error.code().unwrap_or(""), "retrying");
                last_error = Some(error);
            }
            Err(error) => return Err(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        StoreError::service(
            "apply",
            "TransactionConflict",
            format!("accounts kept changing for {} attempts", policy.attempts),
        )
    }))
}

/// One read-decide-write round. `Ok(None)`: an account changed under us.
async fn attempt_once(
    ledger: &Ledger,
    record: &TransactionRecord,
) -> Result<Option<Applied>, StoreError> {
    let destination = record.kind.destination();
    let ids: Vec<_> = std::iter::once(record.account_id)
        .chain(destination)
        .collect();
    let accounts = ledger.read_accounts(&ids).await?;
    let source = accounts.get(&record.account_id);
    let target = destination.and_then(|id| accounts.get(&id));
    let outcome = apply(
        &record.kind,
        &record.currency,
        source.map(state).as_ref(),
        target.map(state).as_ref(),
    );
    let now = now_rfc3339();
    let written = match outcome {
        Outcome::Rejected(reason) => {
            return Ok(Some(match ledger.reject(record, reason, &now).await? {
                WriteOutcome::AlreadyProcessed => Applied::AlreadyProcessed,
                _ => Applied::Rejected(reason),
            }));
        }
        Outcome::Applied {
            source_after,
            destination_after,
        } => {
            let (Some(source), true) = (source, destination_after.is_some() == target.is_some())
            else {
                return Err(StoreError::corrupt(
                    "ledger",
                    "applied outcome without its accounts",
                ));
            };
            let mut moves = vec![BalanceMove {
                account: source,
                after: source_after,
            }];
            if let (Some(target), Some(after)) = (target, destination_after) {
                moves.push(BalanceMove {
                    account: target,
                    after,
                });
            }
            ledger.complete(record, &moves, &now).await?
        }
    };
    Ok(match written {
        WriteOutcome::Written => Some(Applied::Completed),
        WriteOutcome::AlreadyProcessed => Some(Applied::AlreadyProcessed),
        WriteOutcome::AccountChanged => None,
    })
}

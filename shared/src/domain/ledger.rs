//! The ledger rule: what applying one transaction does to the balances involved.
//!
//! [`apply`] is a pure function of the transaction intent and the current account
//! states. The stream consumer reads the states, calls `apply`, and writes either the
//! new balances (guarded by conditional writes) or the rejection. Because the rule is
//! pure, replaying a transaction against the same states always gives the same answer.

use crate::domain::money::{Balance, Money};
use crate::domain::transaction::{
    AccountStatus, Currency, RejectionReason, TransactionKind, TransactionStatus,
};

/// What the ledger needs to know about an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountState {
    /// Only `OPEN` accounts take part in transactions.
    pub status: AccountStatus,
    /// The account's currency, fixed when it was opened.
    pub currency: Currency,
    /// The current balance.
    pub balance: Balance,
}

/// The result of applying a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The transaction is valid; these are the balances to write.
    Applied {
        /// The source account's new balance.
        source_after: Balance,
        /// The destination account's new balance; `Some` exactly for transfers.
        destination_after: Option<Balance>,
    },
    /// The transaction must be recorded as rejected; no balance changes.
    Rejected(RejectionReason),
}

impl Outcome {
    /// The status the transaction ends in: `COMPLETED` or `REJECTED`.
    pub const fn status(&self) -> TransactionStatus {
        match self {
            Self::Applied { .. } => TransactionStatus::Completed,
            Self::Rejected(_) => TransactionStatus::Rejected,
        }
    }

    /// The rejection reason, if the transaction was rejected.
    pub const fn rejection(&self) -> Option<RejectionReason> {
        match self {
            Self::Applied { .. } => None,
            Self::Rejected(reason) => Some(*reason),
        }
    }
}

/// Decides what applying `kind` does.
///
/// * `currency` — the transaction's currency (copied from the source account when the
///   transaction was recorded);
/// * `source` — the state of the transaction's account, `None` if it does not exist;
/// * `destination` — for a transfer, the state of the `to` account, `None` if it does
///   not exist. Ignored for every other kind.
///
/// Checks, in this order; the first that fails decides the rejection:
/// 1. source missing → `ACCOUNT_NOT_FOUND`;
/// 2. source not `OPEN` → `ACCOUNT_NOT_OPEN`;
/// 3. source currency ≠ transaction currency → `CURRENCY_MISMATCH`;
/// 4. transfers only: destination missing → `ACCOUNT_NOT_FOUND`, destination not
///    `OPEN` → `ACCOUNT_NOT_OPEN`, destination currency ≠ source currency →
///    `CURRENCY_MISMATCH`;
/// 5. debit: a withdrawal or transfer larger than the source balance, or a negative
///    adjustment larger than it → `INSUFFICIENT_FUNDS` (paying out the exact balance
///    is allowed and leaves `0.00`);
/// 6. credit: a deposit, positive adjustment or transfer that would take the credited
///    balance above [`crate::domain::MAX_BALANCE`] → `BALANCE_LIMIT_EXCEEDED`.
///
/// All arithmetic is checked; no outcome holds a negative or over-limit balance, and a
/// rejection changes nothing (a transfer is applied to both accounts or to neither).
///
/// Precondition: a transfer's destination is not its source. [`TransactionKind::transfer`]
/// guarantees it; a hand-built `Transfer { to: source, .. }` would make the caller
/// write two balances for one account.
pub fn apply(
    kind: &TransactionKind,
    currency: &Currency,
    source: Option<&AccountState>,
    destination: Option<&AccountState>,
) -> Outcome {
    match decide(kind, currency, source, destination) {
        Ok((source_after, destination_after)) => Outcome::Applied {
            source_after,
            destination_after,
        },
        Err(reason) => Outcome::Rejected(reason),
    }
}

/// [`apply`] as a `Result`, so the checks read top to bottom.
fn decide(
    kind: &TransactionKind,
    currency: &Currency,
    source: Option<&AccountState>,
    destination: Option<&AccountState>,
) -> Result<(Balance, Option<Balance>), RejectionReason> {
    let source = usable(source, currency)?;
    match kind {
        TransactionKind::Deposit { amount } => Ok((credit(source.balance, *amount)?, None)),
        TransactionKind::Withdrawal { amount } => Ok((debit(source.balance, *amount)?, None)),
        TransactionKind::Adjustment { amount } => {
            let magnitude = amount.magnitude();
            let after = if amount.is_negative() {
                debit(source.balance, magnitude)?
            } else {
                credit(source.balance, magnitude)?
            };
            Ok((after, None))
        }
        TransactionKind::Transfer { amount, .. } => {
            let destination = usable(destination, &source.currency)?;
            let source_after = debit(source.balance, *amount)?;
            let destination_after = credit(destination.balance, *amount)?;
            Ok((source_after, Some(destination_after)))
        }
    }
}

/// The account, if it exists, is open and holds `currency`.
fn usable<'a>(
    state: Option<&'a AccountState>,
    currency: &Currency,
) -> Result<&'a AccountState, RejectionReason> {
    let state = state.ok_or(RejectionReason::AccountNotFound)?;
    if state.status != AccountStatus::Open {
        return Err(RejectionReason::AccountNotOpen);
    }
    if state.currency != *currency {
        return Err(RejectionReason::CurrencyMismatch);
    }
    Ok(state)
}

fn debit(balance: Balance, amount: Money) -> Result<Balance, RejectionReason> {
    balance
        .checked_debit(amount)
        .ok_or(RejectionReason::InsufficientFunds)
}

fn credit(balance: Balance, amount: Money) -> Result<Balance, RejectionReason> {
    balance
        .checked_credit(amount)
        .ok_or(RejectionReason::BalanceLimitExceeded)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;

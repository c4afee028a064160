//! The ledger rule: what applying one transaction does to the balances involved.
//!
//! [`apply`] is a pure function of the transaction intent and the current account
//! states. The stream consumer reads the states, calls `apply`, and writes either the
//! new balances (guarded by conditional writes) or the rejection. Because the rule is
//! pure, replaying a transaction against the same states always gives the same answer.

use crate::domain::money::{Balance, Money};
use crate::domain::transaction::{
    AccountStatus, Currency, Direction, RejectionReason, TransactionKind, TransactionStatus,
};

/// What the ledger needs to know about an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountState {
    /// Only `OPEN` accounts take part in transactions.
    pub status: AccountStatus,
    /// The account's currency, fixed when it was opened.
    pub currency: Currency,
    /// The current (posted) balance.
    pub balance: Balance,
    /// The sum of its ACTIVE holds, never more than `balance`: the available
    /// balance is `balance - held`.
    pub held: Balance,
}

impl AccountState {
    /// An account with no holds.
    pub const fn new(status: AccountStatus, currency: Currency, balance: Balance) -> Self {
        Self {
            status,
            currency,
            balance,
            held: Balance::ZERO,
        }
    }
}

/// What the ledger needs to know about the transaction a capture, void, expiry or
/// reversal acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Link {
    /// The hold.
    Hold {
        /// ACTIVE: not yet captured, voided or expired.
        active: bool,
        /// Its amount, held on the account.
        amount: Money,
        /// Its `expiresAt` has passed.
        expired: bool,
    },
    /// The original of a reversal.
    Original {
        /// What may still be reversed: its amount less its earlier reversals; `None`
        /// when nothing is left.
        remaining: Option<Money>,
    },
}

/// The result of applying a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The transaction is valid; these are the balances to write.
    Applied {
        /// The source account's new balance.
        source_after: Balance,
        /// The source account's new held amount.
        held_after: Balance,
        /// The destination account's new balance; `Some` exactly for transfers (and
        /// a transfer's reversal).
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
    apply_linked(kind, currency, source, destination, None)
}

/// [`apply`] for every type, with what the ledger knows of the transaction a
/// capture, void, expiry or reversal acts on (`link`; `None` when it was not found,
/// which rejects them).
///
/// Debits (withdrawals, transfers, negative adjustments, captures, reversals of
/// credits) are checked against the *available* balance (`balance - held`), so held
/// money is never paid out twice. Then, by type:
/// * HOLD: `INSUFFICIENT_FUNDS` when the available balance is short; else the
///   amount is added to the held amount.
/// * CAPTURE: the hold must be ACTIVE (`HOLD_NOT_ACTIVE`), not past its `expiresAt`
///   (`HOLD_EXPIRED`), and at least the amount (`CAPTURE_EXCEEDS_HOLD`); the amount
///   is debited and the whole hold released.
/// * VOID, EXPIRY: the hold must be ACTIVE (an expiry also past its `expiresAt`:
///   `HOLD_NOT_EXPIRED`); the whole hold is released. They release money on a
///   frozen account too: they pay nothing out.
/// * REVERSAL: `REVERSAL_EXCEEDS_ORIGINAL` when the original has less than the
///   amount left to reverse; else the money moves back like a deposit, withdrawal or
///   transfer would.
pub fn apply_linked(
    kind: &TransactionKind,
    currency: &Currency,
    source: Option<&AccountState>,
    destination: Option<&AccountState>,
    link: Option<&Link>,
) -> Outcome {
    match decide(kind, currency, source, destination, link) {
        Ok(((source_after, held_after), destination_after)) => Outcome::Applied {
            source_after,
            held_after,
            destination_after,
        },
        Err(reason) => Outcome::Rejected(reason),
    }
}

/// A posted balance and a held amount.
type Posted = (Balance, Balance);

/// [`apply_linked`] as a `Result`, so the checks read top to bottom.
fn decide(
    kind: &TransactionKind,
    currency: &Currency,
    source: Option<&AccountState>,
    destination: Option<&AccountState>,
    link: Option<&Link>,
) -> Result<(Posted, Option<Balance>), RejectionReason> {
    if let TransactionKind::Void { .. } | TransactionKind::Expiry { .. } = kind {
        let source = existing(source, currency)?;
        let held = active_hold(link, matches!(kind, TransactionKind::Expiry { .. }))?;
        return Ok(((source.balance, release(source.held, held)?), None));
    }
    let source = usable(source, currency)?;
    let held = source.held;
    match kind {
        TransactionKind::Deposit { amount } => Ok(((credit(source.balance, *amount)?, held), None)),
        TransactionKind::Withdrawal { amount } => Ok(((debit(source, *amount)?, held), None)),
        TransactionKind::Adjustment { amount } => {
            let magnitude = amount.magnitude();
            let after = if amount.is_negative() {
                debit(source, magnitude)?
            } else {
                credit(source.balance, magnitude)?
            };
            Ok(((after, held), None))
        }
        TransactionKind::Transfer { amount, .. } => transfer(source, destination, *amount),
        TransactionKind::Hold { amount } => {
            debit(source, *amount)?;
            let held = held
                .checked_credit(*amount)
                .ok_or(RejectionReason::InsufficientFunds)?;
            Ok(((source.balance, held), None))
        }
        TransactionKind::Capture { amount, .. } => {
            let hold = match link {
                Some(Link::Hold {
                    expired: true,
                    active: true,
                    ..
                }) => {
                    return Err(RejectionReason::HoldExpired);
                }
                _ => active_hold(link, false)?,
            };
            if amount.as_decimal() > hold.as_decimal() {
                return Err(RejectionReason::CaptureExceedsHold);
            }
            let held = release(held, hold)?;
            let after = source
                .balance
                .checked_debit(*amount)
                .ok_or(RejectionReason::InsufficientFunds)?;
            Ok(((after, held), None))
        }
        TransactionKind::Reversal {
            amount, direction, ..
        } => {
            let remaining = match link {
                Some(Link::Original {
                    remaining: Some(remaining),
                }) => *remaining,
                _ => return Err(RejectionReason::ReversalExceedsOriginal),
            };
            if amount.as_decimal() > remaining.as_decimal() {
                return Err(RejectionReason::ReversalExceedsOriginal);
            }
            match direction {
                Direction::Debit => Ok(((debit(source, *amount)?, held), None)),
                Direction::Credit => Ok(((credit(source.balance, *amount)?, held), None)),
                Direction::Transfer { .. } => transfer(source, destination, *amount),
            }
        }
        TransactionKind::Void { .. } | TransactionKind::Expiry { .. } => {
            Err(RejectionReason::HoldNotActive)
        }
    }
}

fn transfer(
    source: &AccountState,
    destination: Option<&AccountState>,
    amount: Money,
) -> Result<(Posted, Option<Balance>), RejectionReason> {
    let destination = usable(destination, &source.currency)?;
    let source_after = debit(source, amount)?;
    let destination_after = credit(destination.balance, amount)?;
    Ok(((source_after, source.held), Some(destination_after)))
}

/// The amount of the ACTIVE hold `link` (past its `expiresAt` when `expiring`).
fn active_hold(link: Option<&Link>, expiring: bool) -> Result<Money, RejectionReason> {
    match link {
        Some(Link::Hold {
            active: true,
            amount,
            expired,
        }) => {
            if expiring && !expired {
                Err(RejectionReason::HoldNotExpired)
            } else {
                Ok(*amount)
            }
        }
        _ => Err(RejectionReason::HoldNotActive),
    }
}

/// The held amount once `hold` is released.
fn release(held: Balance, hold: Money) -> Result<Balance, RejectionReason> {
    held.checked_debit(hold)
        .ok_or(RejectionReason::HoldNotActive)
}

/// The account exists and holds `currency`, whatever its status.
fn existing<'a>(
    state: Option<&'a AccountState>,
    currency: &Currency,
) -> Result<&'a AccountState, RejectionReason> {
    let state = state.ok_or(RejectionReason::AccountNotFound)?;
    if state.currency != *currency {
        return Err(RejectionReason::CurrencyMismatch);
    }
    Ok(state)
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

/// The posted balance after paying `amount` out of the available balance
/// (`balance - held`).
fn debit(account: &AccountState, amount: Money) -> Result<Balance, RejectionReason> {
    let available = account
        .balance
        .as_decimal()
        .checked_sub(account.held.as_decimal())
        .ok_or(RejectionReason::InsufficientFunds)?;
    if amount.as_decimal() > available {
        return Err(RejectionReason::InsufficientFunds);
    }
    account
        .balance
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

#[cfg(test)]
mod holds_proptests;

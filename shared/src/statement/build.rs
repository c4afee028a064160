//! Making a statement from an account's opening state, the entries of a period and
//! the holds active at its end, and the one walk over the entries that both
//! [`build`] and [`verify`](super::verify) use: a statement that does not add up is
//! never made, and is never accepted.

use std::fmt;

use chrono::DateTime;
use rust_decimal::Decimal;

use super::holds::{closing_figures, sum_holds};
use super::{FORMAT, Period, Statement, StatementAccount, StatementEntry, StatementHold};
use crate::domain::{
    AccountId, Balance, ChainHead, Currency, LedgerEntry, SignedAmount, TransactionId,
};

/// The account as it was at the first instant of the period: after every entry
/// settled before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub balance: Balance,
    /// The chain head after the last entry before the period ([`ChainHead::genesis`]
    /// when none).
    pub head: ChainHead,
    /// The account's version after that entry.
    pub version: u64,
}

/// Where an entry is in a statement: its position (counting from 1) and its version.
/// Displays as `entry 3 (version 17)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryAt {
    pub position: usize,
    pub version: u64,
}

impl fmt::Display for EntryAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {} (version {})", self.position, self.version)
    }
}

/// Why a statement cannot be made (or, from [`verify`](super::verify), why one does
/// not add up). The messages are short sentences naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("{at}: settledAt {settled_at:?} is not an RFC 3339 date-time")]
    SettledAtInvalid { at: EntryAt, settled_at: String },
    #[error("{at}: settled at {settled_at}, outside the period {period}")]
    OutsidePeriod {
        at: EntryAt,
        settled_at: String,
        period: Period,
    },
    #[error("{at}: version does not increase (the version before it is {previous})")]
    VersionNotIncreasing { at: EntryAt, previous: u64 },
    #[error("{at}: amount {amount} cannot apply to the balance before it ({previous})")]
    AmountDoesNotApply {
        at: EntryAt,
        previous: Balance,
        amount: SignedAmount,
    },
    #[error(
        "{at}: balanceAfter is {found}, but the balance before it plus the amount is {expected}"
    )]
    BalanceDoesNotContinue {
        at: EntryAt,
        expected: Balance,
        found: Balance,
    },
    #[error("{at}: hash does not follow the chain")]
    HashDoesNotFollow { at: EntryAt },
    #[error("{field}: the sum of the entries is too large for a balance")]
    TotalTooLarge { field: &'static str },
    #[error("{field} must not contain control characters such as line breaks")]
    ControlCharacter { field: &'static str },
    #[error(
        "hold {position} ({transaction_id}): expiresAt {expires_at:?} is not an RFC 3339 date-time"
    )]
    HoldExpiresAtInvalid {
        position: usize,
        transaction_id: TransactionId,
        expires_at: String,
    },
    #[error("closingHeld is {held}, more than closingBalance ({balance})")]
    HeldOverBalance { held: Decimal, balance: Balance },
}

impl StatementEntry {
    /// The line of a ledger `entry` with the chain head after it (the inverse of
    /// [`StatementEntry::ledger_entry`]).
    pub fn from_ledger(entry: LedgerEntry, hash: ChainHead) -> Self {
        Self {
            transaction_id: entry.transaction_id,
            version: entry.version,
            settled_at: entry.settled_at,
            entry_type: entry.entry_type,
            amount: entry.amount,
            balance_after: entry.balance_after,
            description: entry.description,
            hash,
        }
    }

    /// The ledger entry this line stands for on `account_id` (in `currency`): what the
    /// chain hashes, so `hash` must be the previous head extended by it.
    pub fn ledger_entry(&self, account_id: AccountId, currency: Currency) -> LedgerEntry {
        LedgerEntry {
            account_id,
            version: self.version,
            settled_at: self.settled_at.clone(),
            transaction_id: self.transaction_id,
            entry_type: self.entry_type,
            amount: self.amount,
            balance_after: self.balance_after,
            currency,
            description: self.description.clone(),
        }
    }
}

/// The statement of `account` for `period` (format [`FORMAT`]): `opening` is the
/// account right before the period, `entries` every entry settled in it, in
/// settlement order, `holds` the holds ACTIVE at the period's end (`to`), in the
/// order they were placed. Computes the totals, the closing state and the amount on
/// hold, and refuses (naming the first faulty entry) when an entry is outside the
/// period, out of order, breaks the balance or the chain, or when the holds are more
/// than the closing balance. The statement is unsigned.
pub fn build(
    period: &Period,
    account: StatementAccount,
    currency: Currency,
    opening: Opening,
    entries: Vec<StatementEntry>,
    holds: Vec<StatementHold>,
    generated_at: String,
) -> Result<Statement, BuildError> {
    let walk = walk(
        Some(period),
        account.account_id,
        currency,
        &opening,
        &entries,
    );
    let fields = text_problems(&account.holder_id, &generated_at);
    let held = sum_holds(&holds);
    let mut problems = walk.problems.into_iter().chain(fields).chain(held.problems);
    if let Some(problem) = problems.next() {
        return Err(problem);
    }
    let total_in = total(walk.total_in, "totalIn")?;
    let total_out = total(walk.total_out, "totalOut")?;
    let (closing_held, closing_available) = closing_figures(walk.balance, held.sum)?;
    Ok(Statement {
        format: FORMAT.to_owned(),
        period: period.to_string(),
        from: period.from(),
        to: period.to(),
        account,
        currency,
        opening_balance: opening.balance,
        closing_balance: walk.balance,
        total_in,
        total_out,
        opening_head: opening.head,
        closing_head: walk.head,
        opening_version: opening.version,
        closing_version: walk.version,
        closing_held: Some(closing_held),
        closing_available: Some(closing_available),
        holds: Some(holds),
        entries,
        generated_at,
        signature: None,
    })
}

/// `sum` as a balance, or the error naming `field`.
pub(super) fn total(sum: Decimal, field: &'static str) -> Result<Balance, BuildError> {
    Balance::try_from_decimal(sum).map_err(|_| BuildError::TotalTooLarge { field })
}

/// The header texts that are written raw into the signed text (see
/// [`digest`](super::digest)) and so must not hold a line break.
pub(super) fn text_problems(holder_id: &str, generated_at: &str) -> Vec<BuildError> {
    [
        ("account.holderId", holder_id),
        ("generatedAt", generated_at),
    ]
    .into_iter()
    .filter(|(_, text)| text.chars().any(char::is_control))
    .map(|(field, _)| BuildError::ControlCharacter { field })
    .collect()
}

/// The account's state after walking a statement's entries, and what was wrong on
/// the way. After a faulty entry the walk goes on from what the entry claims (its
/// balance, hash and version), so each fault is reported once, at its entry.
#[derive(Debug, Clone)]
pub(super) struct Walk {
    pub(super) balance: Balance,
    pub(super) head: ChainHead,
    pub(super) version: u64,
    /// The sum of the positive amounts.
    pub(super) total_in: Decimal,
    /// The sum of the negative amounts' magnitudes.
    pub(super) total_out: Decimal,
    pub(super) problems: Vec<BuildError>,
}

/// Walks `entries` from `opening`, checking each against `period` (when known), the
/// versions, the balances and the chain of `account_id` in `currency`.
pub(super) fn walk(
    period: Option<&Period>,
    account_id: AccountId,
    currency: Currency,
    opening: &Opening,
    entries: &[StatementEntry],
) -> Walk {
    let mut walk = Walk {
        balance: opening.balance,
        head: opening.head.clone(),
        version: opening.version,
        total_in: Decimal::ZERO,
        total_out: Decimal::ZERO,
        problems: Vec::new(),
    };
    for (index, entry) in entries.iter().enumerate() {
        let at = EntryAt {
            position: index + 1,
            version: entry.version,
        };
        walk.problems
            .extend(settled_problem(period, at, &entry.settled_at));
        walk.step(at, entry, &entry.ledger_entry(account_id, currency));
    }
    walk
}

impl Walk {
    /// Checks `entry` (whose chained form is `ledger`) against the state so far, then
    /// moves to the state it claims.
    fn step(&mut self, at: EntryAt, entry: &StatementEntry, ledger: &LedgerEntry) {
        if entry.version <= self.version {
            self.problems.push(BuildError::VersionNotIncreasing {
                at,
                previous: self.version,
            });
        }
        match self.balance.checked_adjust(entry.amount) {
            Some(expected) if expected == entry.balance_after => {}
            Some(expected) => self.problems.push(BuildError::BalanceDoesNotContinue {
                at,
                expected,
                found: entry.balance_after,
            }),
            None => self.problems.push(BuildError::AmountDoesNotApply {
                at,
                previous: self.balance,
                amount: entry.amount,
            }),
        }
        if self.head.extend(ledger) != entry.hash {
            self.problems.push(BuildError::HashDoesNotFollow { at });
        }
        let magnitude = entry.amount.magnitude().as_decimal();
        if entry.amount.is_negative() {
            self.total_out = self.total_out.saturating_add(magnitude);
        } else {
            self.total_in = self.total_in.saturating_add(magnitude);
        }
        self.balance = entry.balance_after;
        self.head = entry.hash.clone();
        self.version = entry.version;
    }
}

/// What is wrong with an entry's `settled_at`: not RFC 3339, or outside `period`.
fn settled_problem(period: Option<&Period>, at: EntryAt, settled_at: &str) -> Option<BuildError> {
    let Ok(instant) = DateTime::parse_from_rfc3339(settled_at) else {
        return Some(BuildError::SettledAtInvalid {
            at,
            settled_at: settled_at.to_owned(),
        });
    };
    let period = period?;
    (!period.contains(instant.to_utc())).then(|| BuildError::OutsidePeriod {
        at,
        settled_at: settled_at.to_owned(),
        period: *period,
    })
}

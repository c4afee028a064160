//! The transaction vocabulary and the validated intent of a transaction,
//! [`TransactionKind`], with its effect on balances, [`signed_effect`].

mod codes;
mod currency;

use rust_decimal::Decimal;

use crate::domain::ids::{AccountId, TransactionId};
use crate::domain::money::{AmountError, Money, SignedAmount};

pub use codes::{
    AccountStatus, RejectionReason, TransactionStatus, TransactionType, UnknownValueError,
};
pub use currency::{Currency, CurrencyError, DEFAULT_CURRENCY};

/// Why a transaction intent is not well formed. Messages name the request fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    /// A transfer whose destination is its own source account.
    #[error("toAccountId must differ from accountId")]
    SameAccount,
    /// A transfer without a destination.
    #[error("toAccountId is required for TRANSFER")]
    MissingDestination,
    /// A destination on a transaction that is not a transfer.
    #[error("toAccountId is only allowed for TRANSFER")]
    UnexpectedDestination,
    /// The amount is not valid for the transaction type.
    #[error(transparent)]
    Amount(#[from] AmountError),
    /// A type recorded through its own route (`/transactions/{id}/capture`, ...),
    /// never through `POST /transactions`.
    #[error("type {0} is recorded through its own route, not POST /transactions")]
    OwnRoute(TransactionType),
    /// A stored capture, void, expiry or reversal without the transaction it acts on.
    #[error("{0} needs the transaction it acts on")]
    MissingLink(TransactionType),
}

/// Which way a reversal moves money on the account it is recorded on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Takes back a credit (a deposit): the account is debited.
    Debit,
    /// Gives back a debit (a withdrawal, a capture): the account is credited.
    Credit,
    /// Moves a transfer back: the account (the transfer's receiver) is debited and
    /// `to` (its sender) credited.
    Transfer {
        /// The transfer's sender, credited.
        to: AccountId,
    },
}

/// A validated transaction intent: its type, an amount of the right kind and, for a
/// transfer, a destination distinct from the source.
///
/// Build transfers with [`TransactionKind::transfer`] (or
/// [`TransactionKind::from_request`]), which refuse a transfer to the source account;
/// the ledger relies on that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    /// Pays `amount` into the source account.
    Deposit {
        /// The amount paid in.
        amount: Money,
    },
    /// Pays `amount` out of the source account.
    Withdrawal {
        /// The amount paid out.
        amount: Money,
    },
    /// Moves `amount` from the source account to `to`.
    Transfer {
        /// The amount moved.
        amount: Money,
        /// The destination account, never the source account.
        to: AccountId,
    },
    /// Adds the signed `amount` to the source account (negative values debit).
    Adjustment {
        /// The signed correction.
        amount: SignedAmount,
    },
    /// Reserves `amount` of the source account's available balance; the posted
    /// balance does not change.
    Hold {
        /// The amount reserved.
        amount: Money,
    },
    /// Debits `amount` (at most the hold's) from the source account and ends `hold`,
    /// releasing all of it.
    Capture {
        /// The amount debited.
        amount: Money,
        /// The hold it captures (on the same account).
        hold: TransactionId,
    },
    /// Ends `hold`, releasing all of it, at its holder's request.
    Void {
        /// The hold's amount, released.
        amount: Money,
        /// The hold it voids (on the same account).
        hold: TransactionId,
    },
    /// Ends `hold` once its `expiresAt` has passed (the reconciler records it).
    Expiry {
        /// The hold's amount, released.
        amount: Money,
        /// The hold that expired (on the same account).
        hold: TransactionId,
    },
    /// Moves `amount` of the COMPLETED transaction `of` back.
    Reversal {
        /// The amount moved back (the sum of an original's reversals never exceeds it).
        amount: Money,
        /// The transaction it reverses.
        of: TransactionId,
        /// Which way the money moves.
        direction: Direction,
    },
}

impl TransactionKind {
    /// A transfer from `from` to `to`; refuses `to == from`.
    pub fn transfer(from: &AccountId, to: AccountId, amount: Money) -> Result<Self, KindError> {
        if *from == to {
            return Err(KindError::SameAccount);
        }
        Ok(Self::Transfer { amount, to })
    }

    /// Validates the parts of a create-transaction request: its type, the raw JSON
    /// token of its `amount` (see [`crate::domain::parse_json_amount`]), the source
    /// account and the optional `toAccountId`.
    ///
    /// Checks, in order: destination present exactly for transfers, amount valid for
    /// the type (positive, or non-zero signed for adjustments), destination differs
    /// from the source.
    pub fn from_request(
        kind: TransactionType,
        raw_amount: &str,
        from: &AccountId,
        to: Option<AccountId>,
    ) -> Result<Self, KindError> {
        match (kind, to) {
            (TransactionType::Transfer, None) => Err(KindError::MissingDestination),
            (TransactionType::Transfer, Some(to)) => {
                Self::transfer(from, to, Money::parse_json(raw_amount)?)
            }
            (_, Some(_)) => Err(KindError::UnexpectedDestination),
            (TransactionType::Deposit, None) => Ok(Self::Deposit {
                amount: Money::parse_json(raw_amount)?,
            }),
            (TransactionType::Withdrawal, None) => Ok(Self::Withdrawal {
                amount: Money::parse_json(raw_amount)?,
            }),
            (TransactionType::Adjustment, None) => Ok(Self::Adjustment {
                amount: SignedAmount::parse_json(raw_amount)?,
            }),
            (TransactionType::Hold, None) => Ok(Self::Hold {
                amount: Money::parse_json(raw_amount)?,
            }),
            (
                own @ (TransactionType::Capture
                | TransactionType::Void
                | TransactionType::Expiry
                | TransactionType::Reversal),
                None,
            ) => Err(KindError::OwnRoute(own)),
        }
    }

    /// Reads a stored kind: [`TransactionKind::from_request`]'s types, and the types
    /// that act on another transaction (`link`: the hold or the reversed original).
    /// A reversal's direction is `to` when it moves a transfer back, else `credit`.
    pub fn from_stored(
        kind: TransactionType,
        raw_amount: &str,
        from: &AccountId,
        to: Option<AccountId>,
        link: Option<TransactionId>,
        credit: bool,
    ) -> Result<Self, KindError> {
        let linked = |link: Option<TransactionId>| link.ok_or(KindError::MissingLink(kind));
        match kind {
            TransactionType::Capture => Ok(Self::Capture {
                amount: Money::parse_json(raw_amount)?,
                hold: linked(link)?,
            }),
            TransactionType::Void => Ok(Self::Void {
                amount: Money::parse_json(raw_amount)?,
                hold: linked(link)?,
            }),
            TransactionType::Expiry => Ok(Self::Expiry {
                amount: Money::parse_json(raw_amount)?,
                hold: linked(link)?,
            }),
            TransactionType::Reversal => {
                let direction = match (to, credit) {
                    (Some(to), _) if to == *from => return Err(KindError::SameAccount),
                    (Some(to), _) => Direction::Transfer { to },
                    (None, true) => Direction::Credit,
                    (None, false) => Direction::Debit,
                };
                Ok(Self::Reversal {
                    amount: Money::parse_json(raw_amount)?,
                    of: linked(link)?,
                    direction,
                })
            }
            _ => Self::from_request(kind, raw_amount, from, to),
        }
    }

    /// The type of this intent.
    pub const fn transaction_type(&self) -> TransactionType {
        match self {
            Self::Deposit { .. } => TransactionType::Deposit,
            Self::Withdrawal { .. } => TransactionType::Withdrawal,
            Self::Transfer { .. } => TransactionType::Transfer,
            Self::Adjustment { .. } => TransactionType::Adjustment,
            Self::Hold { .. } => TransactionType::Hold,
            Self::Capture { .. } => TransactionType::Capture,
            Self::Void { .. } => TransactionType::Void,
            Self::Expiry { .. } => TransactionType::Expiry,
            Self::Reversal { .. } => TransactionType::Reversal,
        }
    }

    /// The transaction it acts on: a capture's, void's or expiry's hold, a
    /// reversal's original.
    pub const fn link(&self) -> Option<TransactionId> {
        match self {
            Self::Capture { hold, .. } | Self::Void { hold, .. } | Self::Expiry { hold, .. } => {
                Some(*hold)
            }
            Self::Reversal { of, .. } => Some(*of),
            _ => None,
        }
    }

    /// Whether it changes a posted balance once applied (and so makes ledger
    /// entries): every type but the hold's own life cycle (HOLD, VOID, EXPIRY), which
    /// changes only the held amount.
    pub const fn posts(&self) -> bool {
        !matches!(
            self,
            Self::Hold { .. } | Self::Void { .. } | Self::Expiry { .. }
        )
    }

    /// The amount as its exact two-decimal text (`"150.75"`, `"-5.00"` for a debit
    /// adjustment), as stored and shown.
    pub fn amount_text(&self) -> String {
        match self {
            Self::Deposit { amount }
            | Self::Withdrawal { amount }
            | Self::Transfer { amount, .. }
            | Self::Hold { amount }
            | Self::Capture { amount, .. }
            | Self::Void { amount, .. }
            | Self::Expiry { amount, .. }
            | Self::Reversal { amount, .. } => amount.to_string(),
            Self::Adjustment { amount } => amount.to_string(),
        }
    }

    /// The destination account of a transfer (or of a transfer's reversal: the
    /// original sender), `None` for every other type.
    pub const fn destination(&self) -> Option<AccountId> {
        match self {
            Self::Transfer { to, .. } => Some(*to),
            Self::Reversal { direction, .. } => direction.credited(),
            _ => None,
        }
    }

    /// What reversing this transaction (recorded on `account`) may move back, and
    /// which way: a deposit is taken back (debit), a withdrawal or capture given back
    /// (credit), a transfer moved back to its sender (`account`); `None` for a type
    /// that cannot be reversed.
    pub const fn reversal(&self, account: AccountId) -> Option<(Money, Direction)> {
        match self {
            Self::Deposit { amount } => Some((*amount, Direction::Debit)),
            Self::Withdrawal { amount } | Self::Capture { amount, .. } => {
                Some((*amount, Direction::Credit))
            }
            Self::Transfer { amount, .. } => Some((*amount, Direction::Transfer { to: account })),
            _ => None,
        }
    }
}

impl Direction {
    /// The account a transfer's reversal credits (its sender); `None` otherwise.
    pub const fn credited(&self) -> Option<AccountId> {
        match self {
            Self::Transfer { to } => Some(*to),
            _ => None,
        }
    }
}

/// The part an account plays in a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The account the transaction was made on (`accountId`).
    Source,
    /// The receiving account of a transfer (`toAccountId`).
    Destination,
}

/// How much applying `kind` changes the balance of the account playing `role`:
/// a deposit adds its amount to the source, a withdrawal or a capture subtracts it, a
/// transfer subtracts it from the source and adds it to the destination, an adjustment
/// adds its signed value to the source, a reversal moves its amount the way its
/// [`Direction`] says. A hold, void or expiry changes only the held amount (zero
/// here). Non-transfers do not touch a destination (zero).
///
/// An account's balance always equals the sum of the effects of its completed
/// transactions; invariant checks rely on this.
pub fn signed_effect(kind: &TransactionKind, role: Role) -> Decimal {
    use TransactionKind as K;
    match (kind, role) {
        (K::Deposit { amount }, Role::Source)
        | (
            K::Reversal {
                amount,
                direction: Direction::Credit,
                ..
            },
            Role::Source,
        ) => amount.as_decimal(),
        (K::Withdrawal { amount }, Role::Source)
        | (K::Transfer { amount, .. }, Role::Source)
        | (K::Capture { amount, .. }, Role::Source)
        | (
            K::Reversal {
                amount,
                direction: Direction::Debit | Direction::Transfer { .. },
                ..
            },
            Role::Source,
        ) => -amount.as_decimal(),
        (K::Transfer { amount, .. }, Role::Destination)
        | (
            K::Reversal {
                amount,
                direction: Direction::Transfer { .. },
                ..
            },
            Role::Destination,
        ) => amount.as_decimal(),
        (K::Adjustment { amount }, Role::Source) => amount.as_decimal(),
        (K::Hold { .. } | K::Void { .. } | K::Expiry { .. }, Role::Source)
        | (_, Role::Destination) => Decimal::ZERO,
    }
}

#[cfg(test)]
mod tests;

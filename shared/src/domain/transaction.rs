//! The transaction vocabulary and the validated intent of a transaction,
//! [`TransactionKind`], with its effect on balances, [`signed_effect`].

mod codes;
mod currency;

use rust_decimal::Decimal;

use crate::domain::ids::AccountId;
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
        }
    }

    /// The type of this intent.
    pub const fn transaction_type(&self) -> TransactionType {
        match self {
            Self::Deposit { .. } => TransactionType::Deposit,
            Self::Withdrawal { .. } => TransactionType::Withdrawal,
            Self::Transfer { .. } => TransactionType::Transfer,
            Self::Adjustment { .. } => TransactionType::Adjustment,
        }
    }

    /// The amount as its exact two-decimal text (`"150.75"`, `"-5.00"` for a debit
    /// adjustment), as stored and shown.
    pub fn amount_text(&self) -> String {
        match self {
            Self::Deposit { amount }
            | Self::Withdrawal { amount }
            | Self::Transfer { amount, .. } => amount.to_string(),
            Self::Adjustment { amount } => amount.to_string(),
        }
    }

    /// The destination account of a transfer, `None` for every other type.
    pub const fn destination(&self) -> Option<AccountId> {
        match self {
            Self::Transfer { to, .. } => Some(*to),
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
/// a deposit adds its amount to the source, a withdrawal subtracts it, a transfer
/// subtracts it from the source and adds it to the destination, an adjustment adds its
/// signed value to the source. Non-transfers do not touch a destination (zero).
///
/// An account's balance always equals the sum of the effects of its completed
/// transactions; invariant checks rely on this.
pub fn signed_effect(kind: &TransactionKind, role: Role) -> Decimal {
    match (kind, role) {
        (TransactionKind::Deposit { amount }, Role::Source) => amount.as_decimal(),
        (TransactionKind::Withdrawal { amount }, Role::Source)
        | (TransactionKind::Transfer { amount, .. }, Role::Source) => -amount.as_decimal(),
        (TransactionKind::Transfer { amount, .. }, Role::Destination) => amount.as_decimal(),
        (TransactionKind::Adjustment { amount }, Role::Source) => amount.as_decimal(),
        (_, Role::Destination) => Decimal::ZERO,
    }
}

#[cfg(test)]
mod tests;

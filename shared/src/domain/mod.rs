//! The pure domain core of the bank: money, identifiers, transaction vocabulary and
//! the ledger rule that decides what applying a transaction does.
//!
//! Everything here is synchronous, free of I/O and free of floating point. Values are
//! validated once, at construction, and then carried in types that cannot hold an
//! invalid state:
//!
//! * [`Money`] — a strictly positive amount (deposits, withdrawals, transfers);
//! * [`SignedAmount`] — a non-zero signed amount (admin adjustments);
//! * [`Balance`] — a non-negative account balance, bounded by [`MAX_BALANCE`];
//! * [`AccountId`], [`TransactionId`], [`IdempotencyKey`] — UUID newtypes;
//! * [`TransactionKind`] — the validated intent of a transaction;
//! * [`apply`] — the single rule that turns an intent plus account states into either
//!   new balances or a [`RejectionReason`].
//!
//! All monetary values carry exactly [`MAX_FRACTION_DIGITS`] (2) decimal places and
//! display and serialize as exact decimal strings such as `"150.75"`.
//!
//! ```
//! use shared::domain::{
//!     AccountState, AccountStatus, Balance, DEFAULT_CURRENCY, Money, Outcome, TransactionKind,
//!     apply,
//! };
//!
//! // The raw JSON token of the request's `amount` field, never an f64.
//! let amount = Money::parse_json("150.75")?;
//! let source = AccountState::new(AccountStatus::Open, DEFAULT_CURRENCY, "200".parse()?);
//! let kind = TransactionKind::Withdrawal { amount };
//! let outcome = apply(&kind, &DEFAULT_CURRENCY, Some(&source), None);
//! let expected = Outcome::Applied {
//!     source_after: "49.25".parse()?,
//!     held_after: Balance::ZERO,
//!     destination_after: None,
//! };
//! assert_eq!(outcome, expected);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod chain;
pub mod ids;
pub mod ledger;
pub mod lifecycle;
pub mod money;
pub mod page;
mod serde_str;
pub mod text;
pub mod transaction;
pub mod user;

pub use chain::{ChainHead, LedgerEntry};
pub use ids::{AccountId, EXAMPLE_UUID, IdError, IdempotencyKey, TransactionId};
pub use ledger::{AccountState, Link, Outcome, apply, apply_linked};
pub use money::{
    AmountError, Balance, BalanceError, MAX_AMOUNT, MAX_BALANCE, MAX_FRACTION_DIGITS, Money,
    SignedAmount, parse_json_amount,
};
pub use transaction::{
    AccountStatus, Currency, CurrencyError, DEFAULT_CURRENCY, Direction, KindError,
    RejectionReason, Role, TransactionKind, TransactionStatus, TransactionType, UnknownValueError,
    signed_effect,
};
pub use user::UserId;

//! The closed vocabularies of the domain, each with a fixed upper-case wire text:
//! [`TransactionType`], [`TransactionStatus`], [`RejectionReason`], [`AccountStatus`].

use std::fmt;
use std::str::FromStr;

use crate::domain::serde_str::impl_string_serde;

/// A text that is not one of a vocabulary's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownValueError {
    /// What was being read, e.g. `type`.
    pub what: &'static str,
    /// Every accepted value, in upper case.
    pub allowed: &'static [&'static str],
    /// Whether any letter case is accepted.
    pub case_insensitive: bool,
}

impl fmt::Display for UnknownValueError {
    /// For example: `type must be one of DEPOSIT, WITHDRAWAL, TRANSFER, ADJUSTMENT`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be one of {}",
            self.what,
            self.allowed.join(", ")
        )?;
        if self.case_insensitive {
            f.write_str(" (any letter case)")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownValueError {}

/// Defines a fieldless enum with `ALL`, `as_str`, `Display`, `FromStr` and string serde.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, what = $what:literal, case_insensitive = $ci:literal,
        { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("Wire text `", $text, "`.")] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The upper-case wire text.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValueError;

            fn from_str(text: &str) -> Result<Self, UnknownValueError> {
                let matches = |value: &&Self| {
                    let wire = value.as_str();
                    if $ci { wire.eq_ignore_ascii_case(text) } else { wire == text }
                };
                Self::ALL.iter().find(matches).copied().ok_or(UnknownValueError {
                    what: $what,
                    allowed: &[$($text),+],
                    case_insensitive: $ci,
                })
            }
        }

        impl_string_serde!($name, concat!("a ", $what, " string"));
    };
}

string_enum!(
    /// What a transaction does. Parsing accepts any letter case (`deposit`, `Deposit`,
    /// `DEPOSIT`); the wire text is upper case.
    TransactionType, what = "type", case_insensitive = true, {
        /// Money paid into an account.
        Deposit => "DEPOSIT",
        /// Money paid out of an account.
        Withdrawal => "WITHDRAWAL",
        /// Money moved between two accounts of the same currency.
        Transfer => "TRANSFER",
        /// A signed correction made by an administrator.
        Adjustment => "ADJUSTMENT",
        /// Money reserved on an account, to be captured or released later.
        Hold => "HOLD",
        /// A hold's money paid out (all or part of it); the rest is released.
        Capture => "CAPTURE",
        /// A hold released at its holder's request.
        Void => "VOID",
        /// A hold released because its `expiresAt` passed.
        Expiry => "EXPIRY",
        /// A completed transaction moved back, in whole or in part.
        Reversal => "REVERSAL",
    }
);

string_enum!(
    /// Where a transaction is in its life cycle. Exact upper-case text only.
    TransactionStatus, what = "status", case_insensitive = false, {
        /// Recorded, not yet applied to balances.
        Pending => "PENDING",
        /// Applied to balances exactly once.
        Completed => "COMPLETED",
        /// Refused; balances were not changed.
        Rejected => "REJECTED",
        /// A hold in force: its amount is reserved.
        Active => "ACTIVE",
        /// A hold that was captured.
        Captured => "CAPTURED",
        /// A hold that was voided.
        Voided => "VOIDED",
        /// A hold that expired.
        Expired => "EXPIRED",
    }
);

string_enum!(
    /// Why the ledger refused a transaction. Exact upper-case text only.
    RejectionReason, what = "rejectionReason", case_insensitive = false, {
        /// The debited account holds less than the amount.
        InsufficientFunds => "INSUFFICIENT_FUNDS",
        /// The source or destination account does not exist.
        AccountNotFound => "ACCOUNT_NOT_FOUND",
        /// The source or destination account is frozen or closed.
        AccountNotOpen => "ACCOUNT_NOT_OPEN",
        /// The currencies of the transaction and the accounts differ.
        CurrencyMismatch => "CURRENCY_MISMATCH",
        /// A credit would take a balance above the ledger maximum.
        BalanceLimitExceeded => "BALANCE_LIMIT_EXCEEDED",
        /// The hold was already captured, voided or expired, or never became active.
        HoldNotActive => "HOLD_NOT_ACTIVE",
        /// A capture after the hold's `expiresAt`.
        HoldExpired => "HOLD_EXPIRED",
        /// An expiry before the hold's `expiresAt`.
        HoldNotExpired => "HOLD_NOT_EXPIRED",
        /// A capture larger than its hold.
        CaptureExceedsHold => "CAPTURE_EXCEEDS_HOLD",
        /// The reversals of a transaction would add up to more than it.
        ReversalExceedsOriginal => "REVERSAL_EXCEEDS_ORIGINAL",
    }
);

impl RejectionReason {
    /// A short human sentence fragment for notifications, e.g. "Your transfer was
    /// rejected because {describe}.".
    pub const fn describe(&self) -> &'static str {
        match self {
            Self::InsufficientFunds => "the account does not have enough funds",
            Self::AccountNotFound => "an account involved in the transaction does not exist",
            Self::AccountNotOpen => "an account involved in the transaction is frozen or closed",
            Self::CurrencyMismatch => {
                "the currencies of the accounts involved in the transaction do not match"
            }
            Self::BalanceLimitExceeded => {
                "the resulting balance would exceed the maximum balance an account may hold"
            }
            Self::HoldNotActive => "the hold was already captured, voided or expired",
            Self::HoldExpired => "the hold had expired",
            Self::HoldNotExpired => "the hold had not expired yet",
            Self::CaptureExceedsHold => "the amount is larger than the hold",
            Self::ReversalExceedsOriginal => {
                "the reversals would add up to more than the original transaction"
            }
        }
    }
}

string_enum!(
    /// Whether an account can take part in transactions. Exact upper-case text only.
    AccountStatus, what = "account status", case_insensitive = false, {
        /// Accepts every transaction.
        Open => "OPEN",
        /// Temporarily blocked: every transaction is rejected.
        Frozen => "FROZEN",
        /// Permanently closed: every transaction is rejected.
        Closed => "CLOSED",
    }
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn transaction_type_parses_in_any_letter_case() {
        for text in ["deposit", "Deposit", "DEPOSIT", "dEpOsIt"] {
            assert_eq!(
                text.parse::<TransactionType>(),
                Ok(TransactionType::Deposit)
            );
        }
        assert_eq!("adjustment".parse(), Ok(TransactionType::Adjustment));
        assert_eq!(
            serde_json::from_str::<TransactionType>("\"transfer\"").unwrap(),
            TransactionType::Transfer
        );
    }

    #[test]
    fn unknown_transaction_type_lists_the_allowed_values() {
        for text in ["", "refund", " deposit", "DEPOSITS"] {
            let error = text.parse::<TransactionType>().unwrap_err();
            assert_eq!(
                error.to_string(),
                "type must be one of DEPOSIT, WITHDRAWAL, TRANSFER, ADJUSTMENT, HOLD, CAPTURE, VOID, EXPIRY, REVERSAL (any letter case)"
            );
        }
    }

    #[test]
    fn statuses_and_reasons_require_exact_upper_case() {
        assert_eq!("PENDING".parse(), Ok(TransactionStatus::Pending));
        assert!("pending".parse::<TransactionStatus>().is_err());
        assert_eq!("FROZEN".parse(), Ok(AccountStatus::Frozen));
        assert!("Frozen".parse::<AccountStatus>().is_err());
        assert_eq!(
            "BALANCE_LIMIT_EXCEEDED".parse(),
            Ok(RejectionReason::BalanceLimitExceeded)
        );
        let error = "closed".parse::<AccountStatus>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "account status must be one of OPEN, FROZEN, CLOSED"
        );
    }

    #[test]
    fn every_value_round_trips_through_text_and_serde() {
        fn check<T>(all: &[T])
        where
            T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr + serde::Serialize,
            T: serde::de::DeserializeOwned,
            T::Err: fmt::Debug,
        {
            for value in all {
                let text = value.to_string();
                assert_eq!(text, text.to_ascii_uppercase());
                assert_eq!(text.parse::<T>().unwrap(), *value);
                let json = serde_json::to_string(value).unwrap();
                assert_eq!(json, format!("\"{text}\""));
                assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *value);
            }
        }
        check(TransactionType::ALL);
        check(TransactionStatus::ALL);
        check(RejectionReason::ALL);
        check(AccountStatus::ALL);
    }

    #[test]
    fn wire_texts_are_the_documented_ones() {
        let texts = |all: &[RejectionReason]| all.iter().map(|r| r.as_str()).collect::<Vec<_>>();
        assert_eq!(
            texts(RejectionReason::ALL),
            [
                "INSUFFICIENT_FUNDS",
                "ACCOUNT_NOT_FOUND",
                "ACCOUNT_NOT_OPEN",
                "CURRENCY_MISMATCH",
                "BALANCE_LIMIT_EXCEEDED",
                "HOLD_NOT_ACTIVE",
                "HOLD_EXPIRED",
                "HOLD_NOT_EXPIRED",
                "CAPTURE_EXCEEDS_HOLD",
                "REVERSAL_EXCEEDS_ORIGINAL"
            ]
        );
        assert_eq!(TransactionType::Withdrawal.as_str(), "WITHDRAWAL");
        assert_eq!(TransactionStatus::Completed.as_str(), "COMPLETED");
        assert_eq!(AccountStatus::Closed.as_str(), "CLOSED");
    }

    #[test]
    fn every_rejection_reason_has_a_description() {
        for reason in RejectionReason::ALL {
            let sentence = reason.describe();
            assert!(!sentence.is_empty());
            assert!(sentence.starts_with(char::is_lowercase), "{sentence}");
        }
        assert_eq!(
            RejectionReason::InsufficientFunds.describe(),
            "the account does not have enough funds"
        );
    }
}

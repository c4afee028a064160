//! An account's lifecycle: OPEN ⇄ FROZEN (an operator's hold), OPEN → CLOSED (its
//! owner's, final, only when nothing is left in it or on the way).

use super::AccountStatus;

/// Longest reason for a status change, in characters.
pub const MAX_REASON_CHARS: usize = 256;

/// A requested status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// The owner closes an empty account.
    Close,
    /// An operator stops the account from moving money.
    Freeze,
    /// An operator lets it move money again.
    Unfreeze,
}

/// Why a status change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("the account is {0}, not OPEN")]
    NotOpen(AccountStatus),
    #[error("the account is {0}, not FROZEN")]
    NotFrozen(AccountStatus),
    #[error("the account still holds money (posted or on hold) or has transactions PENDING")]
    NotEmpty,
}

impl Lifecycle {
    /// The status after this change from `current`; `empty`: a zero balance and no
    /// PENDING transaction from or to the account.
    pub fn next(
        self,
        current: AccountStatus,
        empty: bool,
    ) -> Result<AccountStatus, LifecycleError> {
        match (self, current) {
            (Self::Close, AccountStatus::Open) if empty => Ok(AccountStatus::Closed),
            (Self::Close, AccountStatus::Open) => Err(LifecycleError::NotEmpty),
            (Self::Freeze, AccountStatus::Open) => Ok(AccountStatus::Frozen),
            (Self::Close | Self::Freeze, other) => Err(LifecycleError::NotOpen(other)),
            (Self::Unfreeze, AccountStatus::Frozen) => Ok(AccountStatus::Open),
            (Self::Unfreeze, other) => Err(LifecycleError::NotFrozen(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountStatus::{Closed, Frozen, Open};

    #[test]
    fn an_empty_open_account_closes_for_good() {
        assert_eq!(Lifecycle::Close.next(Open, true), Ok(Closed));
        assert_eq!(
            Lifecycle::Close.next(Open, false),
            Err(LifecycleError::NotEmpty)
        );
        for action in [Lifecycle::Close, Lifecycle::Freeze] {
            assert_eq!(
                action.next(Closed, true),
                Err(LifecycleError::NotOpen(Closed))
            );
        }
        assert_eq!(
            Lifecycle::Unfreeze.next(Closed, true),
            Err(LifecycleError::NotFrozen(Closed))
        );
    }

    #[test]
    fn freezing_goes_back_and_forth_between_open_and_frozen() {
        assert_eq!(Lifecycle::Freeze.next(Open, false), Ok(Frozen));
        assert_eq!(Lifecycle::Unfreeze.next(Frozen, false), Ok(Open));
        assert_eq!(
            Lifecycle::Freeze.next(Frozen, false),
            Err(LifecycleError::NotOpen(Frozen))
        );
        assert_eq!(
            Lifecycle::Unfreeze.next(Open, false),
            Err(LifecycleError::NotFrozen(Open))
        );
        // A frozen account is not closed by its owner.
        assert_eq!(
            Lifecycle::Close.next(Frozen, true),
            Err(LifecycleError::NotOpen(Frozen))
        );
    }
}

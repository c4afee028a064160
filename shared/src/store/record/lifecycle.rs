//! The hold and reversal side of a stored transaction: what it acts on, a hold's
//! expiry day, and the EXPIRY the ledger records for a hold itself.

use super::TransactionRecord;
use crate::clock::Timestamp;
use crate::domain::{Direction, IdempotencyKey, TransactionId, TransactionKind, UserId};

/// Who records what the ledger does by itself (a hold's EXPIRY): never a Cognito
/// `sub`, which is a UUID.
pub const SYSTEM_USER: &str = "system";

/// A reversal's [`Direction::Credit`], stored.
pub(super) const CREDIT: &str = "CREDIT";
/// A reversal's [`Direction::Debit`], stored.
const DEBIT: &str = "DEBIT";

/// The `holdDay` of a hold expiring at `at`: its UTC date.
pub fn hold_day(at: &Timestamp) -> String {
    at.instant().format("%Y-%m-%d").to_string()
}

impl TransactionRecord {
    /// The EXPIRY of this ACTIVE hold, recorded at `now` by the ledger itself (user
    /// [`SYSTEM_USER`], the hold's id as its key: one per hold, however often the
    /// sweep finds it); `None` for anything but a hold.
    pub fn expiry(&self, now: &Timestamp) -> Option<Self> {
        let TransactionKind::Hold { amount } = self.kind else {
            return None;
        };
        let key = IdempotencyKey::parse(&self.transaction_id.to_string()).ok()?;
        Some(Self {
            holder_id: Some(self.holder().clone()),
            request_hash: crate::domain::ids::request_fingerprint(
                &serde_json::json!({ "route": "expiry", "holdId": self.transaction_id.to_string() }),
            ),
            link_key: Some(self.table_key()),
            ..Self::new_pending(
                UserId::new(SYSTEM_USER),
                key,
                (
                    self.account_id,
                    TransactionKind::Expiry {
                        amount,
                        hold: self.transaction_id,
                    },
                    self.currency,
                ),
                now.clone(),
            )
        })
    }

    /// What is left to reverse of this transaction: its reversible amount less its
    /// COMPLETED reversals; `None` when nothing is, or it cannot be reversed.
    pub fn left_to_reverse(&self) -> Option<crate::domain::Money> {
        let (amount, _) = self.kind.reversal(self.account_id)?;
        let reversed = self
            .reversed_amount
            .map_or(rust_decimal::Decimal::ZERO, |r| r.as_decimal());
        crate::domain::Money::try_from_decimal(amount.as_decimal() - reversed).ok()
    }

    /// The hold a capture, void or expiry acts on.
    pub const fn hold_id(&self) -> Option<TransactionId> {
        match self.kind {
            TransactionKind::Capture { hold, .. }
            | TransactionKind::Void { hold, .. }
            | TransactionKind::Expiry { hold, .. } => Some(hold),
            _ => None,
        }
    }

    /// The transaction a reversal moves back.
    pub const fn reversal_of(&self) -> Option<TransactionId> {
        match self.kind {
            TransactionKind::Reversal { of, .. } => Some(of),
            _ => None,
        }
    }

    /// `CREDIT` or `DEBIT` for a reversal that does not move a transfer back.
    pub const fn direction_text(&self) -> Option<&'static str> {
        match self.kind {
            TransactionKind::Reversal {
                direction: Direction::Credit,
                ..
            } => Some(CREDIT),
            TransactionKind::Reversal {
                direction: Direction::Debit,
                ..
            } => Some(DEBIT),
            _ => None,
        }
    }
}

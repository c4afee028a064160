//! Captures, voids and reversals: each is a transaction like any other, recorded
//! PENDING under the caller's Idempotency-Key (the same key and request replay the
//! first answer) and applied by the one settling path, which decides against the hold
//! or original as it then is. Only what never changes is checked here (who may act,
//! the type, the amount against the hold's or original's own); whether the hold is
//! still ACTIVE, or the original has enough left to reverse, is the ledger's decision
//! (a REJECTED transaction with its reason), so a retry after the hold ended still
//! replays instead of failing.

use crate::clock::Timestamp;
use crate::domain::{
    Direction, IdempotencyKey, Money, TransactionId, TransactionKind, TransactionStatus,
};
use crate::store::TransactionRecord;
use crate::trace::TraceId;

use super::transactions::{Recorded, pending};
use super::{AppError, Bank, Caller};

/// What a reversal asks: an amount (default: what is left to reverse) and why.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReverseInput<'a> {
    /// The raw JSON text of `amount`, when given.
    pub amount_json: Option<&'a str>,
    pub description: Option<&'a str>,
}

impl Bank {
    /// Records a CAPTURE of hold `hold_id` for `amount_json` (default: all of it).
    /// Only the holder of the hold's account may capture or void it; anyone else gets
    /// `NOT_FOUND`, as for an unknown hold.
    pub async fn capture(
        &self,
        caller: &Caller,
        key: IdempotencyKey,
        hold_id: &str,
        amount_json: Option<&str>,
        trace: Option<TraceId>,
    ) -> Result<Recorded, AppError> {
        let hold = self.hold_of(caller, hold_id).await?;
        let held = hold_amount(&hold)?;
        let amount = match amount_json {
            Some(raw) => super::input::amount(raw)?,
            None => held,
        };
        if amount.as_decimal() > held.as_decimal() {
            return Err(AppError::validation(
                "amount",
                format!("amount must not exceed the hold's {held}."),
            ));
        }
        let fingerprint = crate::domain::ids::request_fingerprint(&serde_json::json!({
            "route": "capture",
            "holdId": hold.transaction_id.to_string(),
            "amount": amount_json.map(|_| amount.to_string()),
        }));
        let kind = TransactionKind::Capture {
            amount,
            hold: hold.transaction_id,
        };
        self.record_linked(caller, key, &hold, kind, fingerprint, trace)
            .await
    }

    /// Records a VOID of hold `hold_id`: all of it is released.
    pub async fn void(
        &self,
        caller: &Caller,
        key: IdempotencyKey,
        hold_id: &str,
        trace: Option<TraceId>,
    ) -> Result<Recorded, AppError> {
        let hold = self.hold_of(caller, hold_id).await?;
        let amount = hold_amount(&hold)?;
        let fingerprint = crate::domain::ids::request_fingerprint(&serde_json::json!({
            "route": "void",
            "holdId": hold.transaction_id.to_string(),
        }));
        let kind = TransactionKind::Void {
            amount,
            hold: hold.transaction_id,
        };
        self.record_linked(caller, key, &hold, kind, fingerprint, trace)
            .await
    }

    /// Records an operator's REVERSAL of the COMPLETED deposit, withdrawal, transfer
    /// or capture `original_id`, with a required description. An operator may not
    /// reverse a transaction on their own accounts (separation of duties).
    pub async fn reverse(
        &self,
        caller: &Caller,
        key: IdempotencyKey,
        original_id: &str,
        input: ReverseInput<'_>,
        trace: Option<TraceId>,
    ) -> Result<Recorded, AppError> {
        if !caller.operator {
            return Err(AppError::forbidden(
                "Only operators (group admin) may reverse transactions.",
            ));
        }
        let description = super::input::required_description(input.description, "REVERSAL")?;
        let (original, _) = self.transaction(caller, original_id).await?;
        let (whole, direction) = reversible(&original)?;
        let account = match direction {
            Direction::Transfer { .. } => original.kind.destination(),
            _ => Some(original.account_id),
        }
        .ok_or_else(AppError::internal)?;
        let holders = [Some(account), direction.credited()];
        let mut holder = None;
        for id in holders.into_iter().flatten() {
            let facts = self
                .facts
                .lookup(&self.accounts, &id)
                .await
                .map_err(|e| AppError::storage("GetItem account", &e))?
                .ok_or_else(|| AppError::not_found("Account"))?;
            if facts.owner_id == caller.user_id {
                return Err(AppError::separation_of_duties(
                    "Operators cannot reverse transactions on their own accounts: another operator must.",
                ));
            }
            holder.get_or_insert(facts.owner_id);
        }
        let amount = match input.amount_json {
            Some(raw) => super::input::amount(raw)?,
            // Nothing left: recorded anyway, so that a retry still replays; the
            // ledger then rejects it (REVERSAL_EXCEEDS_ORIGINAL).
            None => original.left_to_reverse().unwrap_or(whole),
        };
        if amount.as_decimal() > whole.as_decimal() {
            return Err(AppError::validation(
                "amount",
                format!("amount must not exceed the original's {whole}."),
            ));
        }
        let fingerprint = crate::domain::ids::request_fingerprint(&serde_json::json!({
            "route": "reverse",
            "reversalOf": original.transaction_id.to_string(),
            "amount": input.amount_json.map(|_| amount.to_string()),
            "description": description,
        }));
        let kind = TransactionKind::Reversal {
            amount,
            of: original.transaction_id,
            direction,
        };
        let record = TransactionRecord {
            description: Some(description),
            holder_id: holder,
            request_hash: fingerprint,
            link_key: Some(original.table_key()),
            ..pending(
                caller,
                key,
                (account, kind, original.currency),
                Timestamp::now(),
                trace,
            )
        };
        self.insert_recorded(record).await
    }

    /// Hold `hold_id`, if `caller` holds its account.
    async fn hold_of(&self, caller: &Caller, hold_id: &str) -> Result<TransactionRecord, AppError> {
        let not_found = || AppError::not_found("Hold");
        let id = TransactionId::parse(hold_id).map_err(|_| not_found())?;
        let hold = self
            .transactions
            .get_by_id(&id.to_string())
            .await
            .map_err(|e| AppError::storage("Query transaction", &e))?
            .filter(|h| h.holder() == &caller.user_id)
            .ok_or_else(not_found)?;
        if !matches!(hold.kind, TransactionKind::Hold { .. }) {
            return Err(AppError::conflict(
                "NOT_A_HOLD",
                "Only a HOLD can be captured or voided.",
            ));
        }
        Ok(hold)
    }

    /// Records `kind` (acting on `linked`) on `linked`'s account for `caller`.
    async fn record_linked(
        &self,
        caller: &Caller,
        key: IdempotencyKey,
        linked: &TransactionRecord,
        kind: TransactionKind,
        fingerprint: String,
        trace: Option<TraceId>,
    ) -> Result<Recorded, AppError> {
        let record = TransactionRecord {
            request_hash: fingerprint,
            link_key: Some(linked.table_key()),
            ..pending(
                caller,
                key,
                (linked.account_id, kind, linked.currency),
                Timestamp::now(),
                trace,
            )
        };
        self.insert_recorded(record).await
    }
}

/// A hold's amount.
fn hold_amount(hold: &TransactionRecord) -> Result<Money, AppError> {
    match hold.kind {
        TransactionKind::Hold { amount } => Ok(amount),
        _ => Err(AppError::internal()),
    }
}

/// What the original was for, and which way its reversal moves money; refused for a
/// transaction that is not COMPLETED or not a deposit, withdrawal, transfer or
/// capture.
fn reversible(original: &TransactionRecord) -> Result<(Money, Direction), AppError> {
    if original.status != TransactionStatus::Completed {
        return Err(AppError::conflict(
            "NOT_REVERSIBLE",
            "Only a COMPLETED transaction can be reversed.",
        ));
    }
    original.kind.reversal(original.account_id).ok_or_else(|| {
        AppError::conflict(
            "NOT_REVERSIBLE",
            "Only a DEPOSIT, WITHDRAWAL, TRANSFER or CAPTURE can be reversed.",
        )
    })
}

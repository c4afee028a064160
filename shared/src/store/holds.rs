//! The holds of an account that were ACTIVE at a given instant: what a statement
//! shows as on hold at its closing.
//!
//! A hold is ACTIVE at `at` when it became ACTIVE before it (`processedAt < at`) and
//! had not ended by then (still ACTIVE, or `endedAt >= at`). A hold lasts at most
//! 30 days (`app::input::MAX_HOLD_DAYS`) and the expiry sweep looks back
//! [`EXPIRY_LOOKBACK_DAYS`] days, so only the holds placed in the
//! [`EXPIRY_LOOKBACK_DAYS`] days before `at` are read: one query of the account's
//! partition of `AccountHistoryIndex` (`accountId`, `createdAt`; keys and `type`
//! projected), filtered on `type = HOLD`, paged by the SDK's paginator, and the
//! holds found read whole from the table.

use chrono::Duration;

use super::attrs::s;
use super::record::TransactionRecord;
use super::schema::{attr, index};
use super::{EXPIRY_LOOKBACK_DAYS, StoreError, TransactionsTable};
use crate::clock::{Timestamp, format_rfc3339};
use crate::domain::{TransactionKind, TransactionStatus, TransactionType};

impl TransactionsTable {
    /// The holds of `account` ACTIVE at `at`, in the order they were placed
    /// (`createdAt`).
    pub async fn holds_active_at(
        &self,
        account: &str,
        at: &Timestamp,
    ) -> Result<Vec<TransactionRecord>, StoreError> {
        let from = format_rfc3339(at.instant() - Duration::days(EXPIRY_LOOKBACK_DAYS));
        let mut holds = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(index::ACCOUNT_HISTORY)
            .key_condition_expression("#a = :a AND #c BETWEEN :from AND :to")
            .filter_expression("#t = :hold")
            .expression_attribute_names("#a", attr::ACCOUNT_ID)
            .expression_attribute_names("#c", attr::CREATED_AT)
            .expression_attribute_names("#t", attr::TYPE)
            .expression_attribute_values(":a", s(account))
            .expression_attribute_values(":from", s(&from))
            .expression_attribute_values(":to", s(at.as_str()))
            .expression_attribute_values(":hold", s(TransactionType::Hold.as_str()))
            .scan_index_forward(true)
            .into_paginator()
            .send();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| StoreError::sdk("Query", &e))?
        {
            let whole = self.whole(page.items()).await?;
            for item in &whole {
                let record = TransactionRecord::from_item(item)?;
                if record.created_at < *at && active_at(&record, at) {
                    holds.push(record);
                }
            }
        }
        Ok(holds)
    }
}

/// Whether `record` is a hold ACTIVE at `at`: ACTIVE before it, not ended by then.
pub(super) fn active_at(record: &TransactionRecord, at: &Timestamp) -> bool {
    let TransactionKind::Hold { .. } = record.kind else {
        return false;
    };
    let began = record.processed_at.as_ref().is_some_and(|p| p < at);
    let open = match record.status {
        TransactionStatus::Active => true,
        TransactionStatus::Captured | TransactionStatus::Voided | TransactionStatus::Expired => {
            record.ended_at.as_ref().is_none_or(|ended| ended >= at)
        }
        _ => false,
    };
    began && open
}

#[cfg(all(test, feature = "settle"))]
mod tests {
    use super::*;
    use crate::domain::{AccountId, Money, TransactionId};

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn hold(
        status: TransactionStatus,
        processed: Option<&str>,
        ended: Option<&str>,
    ) -> TransactionRecord {
        let amount: Money = "5.00".parse().unwrap_or_else(|_| unreachable!());
        let kind = TransactionKind::Hold { amount };
        let mut record =
            crate::settle::testing::pending(AccountId::new_random(), kind, "2026-10-01T00:00:00Z");
        record.status = status;
        record.processed_at = processed.map(at);
        record.ended_at = ended.map(at);
        record.ended_by = ended.map(|_| TransactionId::new_random());
        record
    }

    #[test]
    fn a_hold_counts_from_when_it_became_active_until_it_ended() {
        use TransactionStatus::{Active, Captured, Expired, Pending, Rejected, Voided};
        let to = at("2026-11-01T00:00:00.000000Z");
        let before = Some("2026-10-20T10:00:00.000000Z");
        let after = Some("2026-11-02T10:00:00.000000Z");
        let cases = [
            (hold(Active, before, None), true),
            (
                hold(Active, Some("2026-11-01T00:00:00.000000Z"), None),
                false,
            ),
            (hold(Active, after, None), false),
            (hold(Captured, before, after), true),
            (
                hold(Voided, before, Some("2026-11-01T00:00:00.000000Z")),
                true,
            ),
            (
                hold(Expired, before, Some("2026-10-31T23:59:59.999999Z")),
                false,
            ),
            (hold(Pending, None, None), false),
            (hold(Rejected, before, None), false),
        ];
        for (index, (record, active)) in cases.iter().enumerate() {
            assert_eq!(active_at(record, &to), *active, "case {index}");
        }
        let mut deposit = hold(Active, before, None);
        deposit.kind = TransactionKind::Deposit {
            amount: "5.00".parse().unwrap_or_else(|_| unreachable!()),
        };
        assert!(!active_at(&deposit, &to));
    }
}

//! An account's status change: written with its history entry in one transaction,
//! conditioned on the status read (and, to close, on a zero balance); and the check
//! that nothing is PENDING from or to an account before it is closed.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use super::Ledger;
use super::commit::decode_cancellation;
use crate::domain::{AccountId, AccountStatus, Balance};
use crate::store::attrs::{n, s};
use crate::store::error::NO_FAILURE;
use crate::store::schema::attr;
use crate::store::update::UpdateExpression;
use crate::store::{Account, StatusChange, StoreError};

impl Ledger {
    /// Writes `change` and the account's new status together, if the account is
    /// still in `change.from` (and, when closing, still at a zero balance); `false`
    /// when it changed in between (nothing was written).
    pub async fn change_status(
        &self,
        account: &Account,
        change: &StatusChange,
    ) -> Result<bool, StoreError> {
        let mut update = UpdateExpression::new();
        update
            .set("s", attr::STATUS, s(change.to.as_str()))
            .set("u", attr::UPDATED_AT, s(&change.created_at))
            .value("from", s(change.from.as_str()));
        let mut condition = "#s = :from".to_owned();
        if change.to == AccountStatus::Closed {
            // Nothing posted, nothing held.
            condition.push_str(" AND #b = :zero AND (attribute_not_exists(#h) OR #h = :zero)");
            update
                .name("b", attr::BALANCE)
                .name("h", attr::HELD_AMOUNT)
                .value("zero", n(Balance::ZERO));
        }
        let (expression, names, values) = update.into_parts();
        let update = Update::builder()
            .table_name(&self.accounts)
            .key(attr::ACCOUNT_ID, s(account.account_id.to_string()))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(|e| StoreError::corrupt("update", e.to_string()))?;
        let put = Put::builder()
            .table_name(&self.transactions)
            .set_item(Some(change.to_item()))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", attr::IDEMPOTENCY_KEY)
            .build()
            .map_err(|e| StoreError::corrupt("put", e.to_string()))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(failure)) => match failure.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    let codes: Vec<&str> = cancelled
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().unwrap_or(NO_FAILURE))
                        .collect();
                    // The account write comes first, then the entry.
                    let decoded = decode_cancellation(&codes, 1, 1)?;
                    if decoded.account_changed {
                        return Ok(false);
                    }
                    // Contention (retryable), or an entry key already taken.
                    let code = if decoded.contention {
                        "TransactionConflict"
                    } else {
                        "ConditionalCheckFailed"
                    };
                    Err(StoreError::service(
                        "TransactWriteItems",
                        code,
                        "status change cancelled",
                    ))
                }
                _ => Err(StoreError::sdk(
                    "TransactWriteItems",
                    &SdkError::ServiceError(failure),
                )),
            },
            Err(other) => Err(StoreError::sdk("TransactWriteItems", &other)),
        }
    }

    /// Whether a transaction from or to `account` is PENDING.
    pub async fn has_pending(&self, account: AccountId) -> Result<bool, StoreError> {
        // Every RFC 3339 instant sorts between these two.
        let (first, last) = ("0", "~");
        let (outgoing, _) = self.pending_before(account, last, 1).await?;
        if !outgoing.is_empty() {
            return Ok(true);
        }
        let incoming = self.incoming_pending(account, first, last, 1).await?;
        Ok(!incoming.is_empty())
    }
}

//! Writing many transactions at once: every account a batch touched is written once,
//! conditioned on the version it was read at, and every transaction item moves out of
//! PENDING under its own condition, all in one `TransactWriteItems`. Any failed
//! condition cancels the whole write; the caller then applies the transactions one by
//! one, which handles redeliveries and concurrent changes exactly.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use super::{Ledger, Settlement};
use crate::domain::Balance;
use crate::store::{Account, StoreError, TransactionRecord};

/// DynamoDB's limit on the items of one `TransactWriteItems`.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// An account's move from the version it was read at to its balance after the batch.
#[derive(Debug, Clone)]
pub struct AccountWrite<'a> {
    pub account: &'a Account,
    pub after: Balance,
}

/// A transaction and how it leaves PENDING.
#[derive(Debug, Clone)]
pub struct Settle<'a> {
    pub record: &'a TransactionRecord,
    pub settlement: Settlement<'a>,
}

/// What a batch write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Every account and transaction was written.
    Written,
    /// Nothing was written; the per-item cancellation codes say why (an account changed,
    /// a transaction was no longer PENDING, a conflict).
    Cancelled(Vec<String>),
}

impl Ledger {
    /// Writes `accounts` and `settles` in one `TransactWriteItems` (at most
    /// [`MAX_TRANSACTION_ITEMS`] items in all, no item twice).
    pub async fn commit_batch(
        &self,
        accounts: &[AccountWrite<'_>],
        settles: &[Settle<'_>],
        now: &str,
    ) -> Result<BatchOutcome, StoreError> {
        let mut request = self.client.transact_write_items();
        for write in accounts {
            request =
                request.transact_items(self.balance_update(write.account, write.after, now)?);
        }
        for settle in settles {
            request =
                request.transact_items(self.settle_item(settle.record, &settle.settlement, now)?);
        }
        match request.send().await {
            Ok(_) => Ok(BatchOutcome::Written),
            Err(SdkError::ServiceError(failure)) => match failure.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    Ok(BatchOutcome::Cancelled(
                        cancelled
                            .cancellation_reasons()
                            .iter()
                            .map(|r| r.code().unwrap_or("None").to_owned())
                            .collect(),
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
}

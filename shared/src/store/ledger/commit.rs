//! The one write that applies transactions, and the one decoding of its answer.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem, Update};

use super::{Ledger, LinkWrite, Settlement, status_change};
use crate::domain::{Balance, ChainHead};
use crate::store::attrs::{n, s};
use crate::store::error::{ErrorClass, NO_FAILURE, classify};
use crate::store::schema::attr;
use crate::store::{Account, EntryStamp, StoreError, TransactionRecord};

/// DynamoDB's limit on the items of one `TransactWriteItems`.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// An account's move from the version it was read at to its balance after the group.
#[derive(Debug, Clone)]
pub struct AccountWrite<'a> {
    pub account: &'a Account,
    pub after: Balance,
    /// Its held amount after the group.
    pub held: Balance,
    /// The version it moves to (one more per transaction applied to it).
    pub version: u64,
    /// Its chain head after the group.
    pub head: &'a ChainHead,
    /// When the group settled on it: its new `updatedAt`.
    pub settled_at: &'a str,
}

/// An account's version counts the changes settled on it, one per applied
/// transaction (and per status change), so each settled transaction has its own place
/// in its account's sequence: the version right after it. A rejection changes nothing
/// and carries the version it was decided at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versions {
    pub source: Option<u64>,
    /// Only for an applied transfer.
    pub destination: Option<u64>,
}

/// A transaction and how it leaves PENDING.
#[derive(Debug, Clone)]
pub struct Settle<'a> {
    pub record: &'a TransactionRecord,
    pub settlement: Settlement<'a>,
    /// The account versions it leaves: recorded on the transaction.
    pub versions: Versions,
    /// Its ledger entries, when it completes.
    pub source_entry: Option<&'a EntryStamp>,
    pub destination_entry: Option<&'a EntryStamp>,
    /// The write on the transaction it acts on, when it is applied.
    pub link: Option<&'a LinkWrite>,
    /// The held amounts it leaves on its source and destination accounts, where
    /// recorded (see [`crate::store::TransactionRecord::held_after`]).
    pub held: [Option<Balance>; 2],
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commit {
    /// Every account and transaction was written.
    Written,
    /// Nothing was written, for the reasons given.
    Cancelled(Cancelled),
}

/// Why a commit wrote nothing. Several reasons can hold at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cancelled {
    /// Transactions (positions in the commit's settles) no longer PENDING: an earlier
    /// delivery, or another consumer, settled them.
    pub no_longer_pending: Vec<usize>,
    /// An account changed (version or status) since it was read: read again, decide
    /// again.
    pub account_changed: bool,
    /// Throttling or a concurrent transaction on one of the items: pause, then retry.
    pub contention: bool,
}

impl Ledger {
    /// Writes `accounts` and `settles` atomically, on condition that the accounts in
    /// `unchanged` (read, not written, and deciding a rejection) are still at the
    /// version they were read at: a rejection is never written against a stale
    /// balance. At most [`MAX_TRANSACTION_ITEMS`] items in all, no item twice. A lone
    /// settle that depends on no account (a rejection for a missing account) is one
    /// conditional `UpdateItem`, which costs half a transactional write.
    pub async fn commit(
        &self,
        accounts: &[AccountWrite<'_>],
        settles: &[Settle<'_>],
        unchanged: &[&Account],
        now: &str,
    ) -> Result<Commit, StoreError> {
        if let ([], [settle], []) = (accounts, settles, unchanged) {
            return self.settle_alone(settle, now).await;
        }
        let mut request = self.client.transact_write_items();
        for write in accounts {
            request = request.transact_items(self.balance_update(write)?);
        }
        for settle in settles {
            request = request.transact_items(
                TransactWriteItem::builder()
                    .update(self.settle_update(settle, now)?)
                    .build(),
            );
        }
        // After the settles: a failed condition here reads as "changed, read again".
        for link in settles.iter().filter_map(|s| s.link) {
            request = request.transact_items(self.link_update(link, now)?);
        }
        for account in unchanged {
            request = request.transact_items(self.version_check(account)?);
        }
        match request.send().await {
            Ok(_) => Ok(Commit::Written),
            Err(SdkError::ServiceError(failure)) => match failure.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    let codes: Vec<&str> = cancelled
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().unwrap_or(NO_FAILURE))
                        .collect();
                    decode_cancellation(&codes, accounts.len(), settles.len())
                        .map(Commit::Cancelled)
                }
                _ => Err(StoreError::sdk(
                    "TransactWriteItems",
                    &SdkError::ServiceError(failure),
                )),
            },
            Err(other) => Err(StoreError::sdk("TransactWriteItems", &other)),
        }
    }

    async fn settle_alone(&self, settle: &Settle<'_>, now: &str) -> Result<Commit, StoreError> {
        let update = self.settle_update(settle, now)?;
        let result = self
            .client
            .update_item()
            .table_name(update.table_name())
            .set_key(Some(update.key().clone()))
            .update_expression(update.update_expression())
            .set_condition_expression(update.condition_expression().map(str::to_owned))
            .set_expression_attribute_names(update.expression_attribute_names().cloned())
            .set_expression_attribute_values(update.expression_attribute_values().cloned())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Commit::Written),
            Err(SdkError::ServiceError(failure))
                if matches!(
                    failure.err(),
                    UpdateItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                Ok(Commit::Cancelled(Cancelled {
                    no_longer_pending: vec![0],
                    ..Cancelled::default()
                }))
            }
            Err(other) => Err(StoreError::sdk("UpdateItem", &other)),
        }
    }

    fn version_check(&self, account: &Account) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.accounts)
            .key(attr::ACCOUNT_ID, s(account.account_id.to_string()))
            .condition_expression("#v = :read")
            .expression_attribute_names("#v", attr::VERSION)
            .expression_attribute_values(":read", n(account.version))
            .build()
            .map_err(|e| StoreError::corrupt("check", e.to_string()))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    fn balance_update(&self, write: &AccountWrite<'_>) -> Result<TransactWriteItem, StoreError> {
        let account = write.account;
        let update = Update::builder()
            .table_name(&self.accounts)
            .key(attr::ACCOUNT_ID, s(account.account_id.to_string()))
            .update_expression("SET #b = :after, #h = :held, #v = :next, #u = :now, #ch = :head")
            .condition_expression("#v = :read AND #s = :status")
            .expression_attribute_names("#b", attr::BALANCE)
            .expression_attribute_names("#v", attr::VERSION)
            .expression_attribute_names("#u", attr::UPDATED_AT)
            .expression_attribute_names("#s", attr::STATUS)
            .expression_attribute_names("#ch", attr::CHAIN_HEAD)
            .expression_attribute_names("#h", attr::HELD_AMOUNT)
            .expression_attribute_values(":after", n(write.after))
            .expression_attribute_values(":held", n(write.held))
            .expression_attribute_values(":head", s(write.head.as_str()))
            .expression_attribute_values(":read", n(account.version))
            .expression_attribute_values(":next", n(write.version))
            .expression_attribute_values(":now", s(write.settled_at))
            // The status it was decided on: the rule pays out of OPEN accounts only,
            // and releases holds on frozen ones too.
            .expression_attribute_values(":status", s(account.status.as_str()))
            .build()
            .map_err(|e| StoreError::corrupt("update", e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The transaction item's move out of PENDING.
    fn settle_update(&self, settle: &Settle<'_>, now: &str) -> Result<Update, StoreError> {
        let (expression, names, values) = status_change(settle, now).into_parts();
        Update::builder()
            .table_name(&self.transactions)
            .key(attr::IDEMPOTENCY_KEY, s(settle.record.table_key()))
            .update_expression(expression)
            .condition_expression("#st = :pending")
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(|e| StoreError::corrupt("update", e.to_string()))
    }
}

/// Reads a cancelled transaction's per-item reason codes (the `accounts` account
/// writes first, then the `settles`, then any account version checks). A code that is
/// neither a failed condition,
/// contention nor "no failure" (a validation error, an item collection too large) is
/// an error: retrying the same write cannot help.
pub(crate) fn decode_cancellation(
    codes: &[&str],
    accounts: usize,
    settles: usize,
) -> Result<Cancelled, StoreError> {
    let mut cancelled = Cancelled::default();
    for (position, code) in codes.iter().enumerate() {
        if *code == NO_FAILURE {
            continue;
        }
        let settle = position.checked_sub(accounts).filter(|i| *i < settles);
        match (classify(code), settle) {
            // An account write's or an account check's condition.
            (ErrorClass::ConditionFailed, None) => cancelled.account_changed = true,
            (ErrorClass::ConditionFailed, Some(settle)) => {
                cancelled.no_longer_pending.push(settle);
            }
            (ErrorClass::Contention | ErrorClass::Transient, _) => cancelled.contention = true,
            (ErrorClass::Permanent, _) => {
                return Err(StoreError::service(
                    "TransactWriteItems",
                    code,
                    format!("transaction cancelled: item {position} failed with {code}"),
                ));
            }
        }
    }
    if cancelled == Cancelled::default() {
        // Cancelled with no reason given: treat as contention, the write is retried.
        cancelled.contention = true;
    }
    Ok(cancelled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_transaction_condition_means_no_longer_pending() {
        let cancelled = decode_cancellation(&["None", "None", "ConditionalCheckFailed"], 1, 2);
        assert_eq!(
            cancelled.ok(),
            Some(Cancelled {
                no_longer_pending: vec![1],
                ..Cancelled::default()
            })
        );
    }

    #[test]
    fn a_failed_account_condition_means_read_again() {
        let cancelled = decode_cancellation(&["None", "ConditionalCheckFailed", "None"], 2, 1);
        assert_eq!(
            cancelled.ok(),
            Some(Cancelled {
                account_changed: true,
                ..Cancelled::default()
            })
        );
    }

    #[test]
    fn conflicts_and_throttling_are_contention_never_a_failure() {
        for codes in [
            ["TransactionConflict", "None"],
            ["None", "ThrottlingError"],
            ["ProvisionedThroughputExceeded", "None"],
        ] {
            let cancelled = decode_cancellation(&codes, 1, 1);
            assert_eq!(
                cancelled.ok(),
                Some(Cancelled {
                    contention: true,
                    ..Cancelled::default()
                }),
                "{codes:?}"
            );
        }
    }

    #[test]
    fn several_reasons_are_all_kept() {
        let cancelled = decode_cancellation(
            &[
                "ConditionalCheckFailed",
                "TransactionConflict",
                "ConditionalCheckFailed",
                "None",
            ],
            2,
            2,
        );
        assert_eq!(
            cancelled.ok(),
            Some(Cancelled {
                no_longer_pending: vec![0],
                account_changed: true,
                contention: true,
            })
        );
    }

    #[test]
    fn a_failed_version_check_after_the_settles_means_read_again() {
        // One account write, one settle, then the check of an account only read.
        let cancelled = decode_cancellation(&["None", "None", "ConditionalCheckFailed"], 1, 1);
        assert_eq!(
            cancelled.ok(),
            Some(Cancelled {
                account_changed: true,
                ..Cancelled::default()
            })
        );
    }

    #[test]
    fn a_validation_error_is_an_error_not_a_retry() {
        let error = decode_cancellation(&["ValidationError", "None"], 1, 1).err();
        assert_eq!(
            error.as_ref().and_then(StoreError::code),
            Some("ValidationError")
        );
        assert!(error.is_some_and(|e| !e.is_retryable()));
    }

    #[test]
    fn a_cancellation_without_reasons_is_retried() {
        let cancelled = decode_cancellation(&[], 1, 1);
        assert!(cancelled.is_ok_and(|c| c.contention));
    }
}

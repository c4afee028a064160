//! The writes that apply a transaction to the ledger: all conditional, so a
//! redelivered or concurrent attempt changes nothing.
//!
//! Completing is one `TransactWriteItems`: each touched account moves from the
//! version it was read at to its new balance (so the in-memory decision holds exactly),
//! and the transaction moves PENDING → COMPLETED. Rejecting is one conditional
//! `UpdateItem` PENDING → REJECTED. [`Ledger::commit_batch`] (in `batch`) writes many
//! transactions decided in memory with each account written once.
//!
//! No `ClientRequestToken` is set: the SDK generates one per call and reuses it across
//! its own retries, so a retry after a lost response is answered as a success; our
//! retries re-read the accounts, and the transaction's PENDING condition then stops a
//! second application.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem, Update};

use super::attrs::{Item, n, s};
use super::schema::attr;
use super::{Account, StoreError, TransactionRecord};
use crate::domain::{AccountId, AccountStatus, Balance, RejectionReason, TransactionStatus};

mod batch;

pub use batch::{AccountWrite, BatchOutcome, MAX_TRANSACTION_ITEMS, Settle};

/// What a ledger write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The transaction was moved out of PENDING by this write.
    Written,
    /// The transaction was no longer PENDING: an earlier delivery processed it.
    AlreadyProcessed,
    /// An account changed since it was read: read again and decide again.
    AccountChanged,
}

/// An account's move from the version it was read at to a new balance.
#[derive(Debug, Clone)]
pub struct BalanceMove<'a> {
    pub account: &'a Account,
    pub after: Balance,
}

/// Ledger writes on the two tables.
#[derive(Debug, Clone)]
pub struct Ledger {
    client: Client,
    accounts: String,
    transactions: String,
}

impl Ledger {
    /// The ledger over the named tables.
    pub fn new(
        client: Client,
        accounts: impl Into<String>,
        transactions: impl Into<String>,
    ) -> Self {
        Self {
            client,
            accounts: accounts.into(),
            transactions: transactions.into(),
        }
    }

    /// Reads accounts by id in one strongly consistent `BatchGetItem` (retrying keys
    /// DynamoDB left unprocessed). Missing accounts are absent from the map.
    pub async fn read_accounts(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, Account>, StoreError> {
        let mut found = HashMap::new();
        let keys: Vec<Item> = ids
            .iter()
            .map(|id| Item::from([(attr::ACCOUNT_ID.to_owned(), s(id.to_string()))]))
            .collect();
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::corrupt("keys", e.to_string()))?,
        );
        for _ in 0..10 {
            let Some(request) = pending.take() else { break };
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.accounts, request)
                .send()
                .await
                .map_err(|e| StoreError::sdk("BatchGetItem", &e))?;
            for item in output
                .responses()
                .and_then(|r| r.get(&self.accounts))
                .into_iter()
                .flatten()
            {
                let account = Account::from_item(item)?;
                found.insert(account.account_id, account);
            }
            pending = output
                .unprocessed_keys()
                .and_then(|u| u.get(&self.accounts))
                .cloned();
        }
        if pending.is_some() {
            return Err(StoreError::service(
                "BatchGetItem",
                super::error::UNPROCESSED_KEYS,
                "keys left unprocessed after retries",
            ));
        }
        Ok(found)
    }

    /// Applies balances and completes `record` in one transaction.
    pub async fn complete(
        &self,
        record: &TransactionRecord,
        moves: &[BalanceMove<'_>],
        now: &str,
    ) -> Result<WriteOutcome, StoreError> {
        let mut request = self.client.transact_write_items();
        for step in moves {
            request = request.transact_items(self.balance_update(step.account, step.after, now)?);
        }
        let settlement = Settlement::Completed {
            balance_after: moves.first().map(|m| m.after),
            destination: moves.get(1).map(|m| (m.after, m.account.owner_id.as_str())),
        };
        request = request.transact_items(self.settle_item(record, &settlement, now)?);
        match request.send().await {
            Ok(_) => Ok(WriteOutcome::Written),
            Err(SdkError::ServiceError(failure)) => match failure.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    let codes: Vec<&str> = cancelled
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().unwrap_or("None"))
                        .collect();
                    classify_cancellation(&codes, moves.len()).map_or_else(
                        || {
                            Err(StoreError::sdk(
                                "TransactWriteItems",
                                &SdkError::ServiceError(failure),
                            ))
                        },
                        Ok,
                    )
                }
                _ => Err(StoreError::sdk(
                    "TransactWriteItems",
                    &SdkError::ServiceError(failure),
                )),
            },
            Err(other) => Err(StoreError::sdk("TransactWriteItems", &other)),
        }
    }

    /// Moves `record` PENDING → REJECTED with `reason`.
    pub async fn reject(
        &self,
        record: &TransactionRecord,
        reason: RejectionReason,
        now: &str,
    ) -> Result<WriteOutcome, StoreError> {
        let change = StatusChange::new(&Settlement::Rejected(reason), now);
        let mut request = self
            .client
            .update_item()
            .table_name(&self.transactions)
            .key(attr::IDEMPOTENCY_KEY, s(record.table_key()))
            .update_expression(&change.expression)
            .condition_expression("#st = :pending");
        for (name, attribute) in change.names {
            request = request.expression_attribute_names(name, attribute);
        }
        for (name, value) in change.values {
            request = request.expression_attribute_values(name, value);
        }
        let result = request.send().await;
        match result {
            Ok(_) => Ok(WriteOutcome::Written),
            Err(SdkError::ServiceError(failure))
                if matches!(
                    failure.err(),
                    UpdateItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                Ok(WriteOutcome::AlreadyProcessed)
            }
            Err(other) => Err(StoreError::sdk("UpdateItem", &other)),
        }
    }

    fn balance_update(
        &self,
        account: &Account,
        after: Balance,
        now: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.accounts)
            .key(attr::ACCOUNT_ID, s(account.account_id.to_string()))
            .update_expression("SET #b = :after, #v = :next, #u = :now")
            .condition_expression("#v = :read AND #s = :open")
            .expression_attribute_names("#b", attr::BALANCE)
            .expression_attribute_names("#v", attr::VERSION)
            .expression_attribute_names("#u", attr::UPDATED_AT)
            .expression_attribute_names("#s", attr::STATUS)
            .expression_attribute_values(":after", n(after))
            .expression_attribute_values(":read", n(account.version))
            .expression_attribute_values(":next", n(account.version.saturating_add(1)))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_values(":open", s(AccountStatus::Open.as_str()))
            .build()
            .map_err(|e| StoreError::corrupt("update", e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The transaction item's move out of PENDING, as one item of a transaction.
    fn settle_item(
        &self,
        record: &TransactionRecord,
        settlement: &Settlement<'_>,
        now: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let change = StatusChange::new(settlement, now);
        let update = Update::builder()
            .table_name(&self.transactions)
            .key(attr::IDEMPOTENCY_KEY, s(record.table_key()))
            .update_expression(change.expression)
            .condition_expression("#st = :pending")
            .set_expression_attribute_names(Some(
                change
                    .names
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            ))
            .set_expression_attribute_values(Some(
                change
                    .values
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ))
            .build()
            .map_err(|e| StoreError::corrupt("update", e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

/// How a transaction item leaves PENDING.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement<'a> {
    /// Applied: the source's balance after and, for a transfer, the destination's
    /// balance after and its owner.
    Completed {
        balance_after: Option<Balance>,
        destination: Option<(Balance, &'a str)>,
    },
    /// Rejected for `reason`; no balance changed.
    Rejected(RejectionReason),
}

/// The update expression and attributes of a settlement (conditioned by the caller on
/// `#st = :pending`).
struct StatusChange {
    expression: String,
    names: Vec<(&'static str, &'static str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

impl StatusChange {
    fn new(settlement: &Settlement<'_>, now: &str) -> Self {
        let mut change = Self {
            expression: "SET #st = :status, #pa = :now".to_owned(),
            names: vec![("#st", attr::STATUS), ("#pa", attr::PROCESSED_AT)],
            values: vec![
                (":pending", s(TransactionStatus::Pending.as_str())),
                (":now", s(now)),
            ],
        };
        match settlement {
            Settlement::Completed {
                balance_after,
                destination,
            } => {
                change.push(":status", s(TransactionStatus::Completed.as_str()));
                if let Some(after) = balance_after {
                    change.set("#ba", attr::BALANCE_AFTER, ":ba", n(after));
                }
                if let Some((after, owner)) = destination {
                    change.set("#tba", attr::TO_BALANCE_AFTER, ":tba", n(after));
                    change.set("#tu", attr::TO_USER_ID, ":tu", s(*owner));
                }
            }
            Settlement::Rejected(reason) => {
                change.push(":status", s(TransactionStatus::Rejected.as_str()));
                change.set("#rr", attr::REJECTION_REASON, ":reason", s(reason.as_str()));
            }
        }
        change
    }

    fn push(&mut self, name: &'static str, value: AttributeValue) {
        self.values.push((name, value));
    }

    fn set(
        &mut self,
        name: &'static str,
        attribute: &'static str,
        value_name: &'static str,
        value: AttributeValue,
    ) {
        self.expression
            .push_str(&format!(", {name} = {value_name}"));
        self.names.push((name, attribute));
        self.values.push((value_name, value));
    }
}

/// Reads a cancelled transaction's per-item reasons (accounts first, the transaction
/// last). `None`: not a condition outcome (conflict, throttling): an error to retry.
fn classify_cancellation(codes: &[&str], accounts: usize) -> Option<WriteOutcome> {
    if codes.get(accounts) == Some(&"ConditionalCheckFailed") {
        return Some(WriteOutcome::AlreadyProcessed);
    }
    if codes[..accounts.min(codes.len())].contains(&"ConditionalCheckFailed") {
        return Some(WriteOutcome::AccountChanged);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_transaction_condition_means_already_processed() {
        assert_eq!(
            classify_cancellation(&["None", "ConditionalCheckFailed"], 1),
            Some(WriteOutcome::AlreadyProcessed)
        );
        assert_eq!(
            classify_cancellation(
                &["ConditionalCheckFailed", "None", "ConditionalCheckFailed"],
                2
            ),
            Some(WriteOutcome::AlreadyProcessed)
        );
    }

    #[test]
    fn a_failed_account_condition_means_read_again() {
        assert_eq!(
            classify_cancellation(&["None", "ConditionalCheckFailed", "None"], 2),
            Some(WriteOutcome::AccountChanged)
        );
    }

    #[test]
    fn conflicts_are_errors_to_retry() {
        assert_eq!(
            classify_cancellation(&["TransactionConflict", "None"], 1),
            None
        );
    }
}

//! An account's status change as an entry of its history: who changed it, when, why.
//!
//! Stored in the transactions table beside the transactions (key `status#<eventId>`,
//! `entryType` STATUS_CHANGE), so the account's history index lists it in time order
//! with its transactions. It has no `id`, `userId` or `pendingAccountId`: no other
//! index sees it, and the stream consumer tells it apart by `entryType`.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use serde_json::{Value, json};

use super::attrs::{Item, opt_s, req_parse, req_s, s};
use super::schema::attr;
use super::{Account, Ledger, StoreError};
use crate::domain::{AccountId, AccountStatus, Balance, TransactionId};

/// `entryType` of a status change.
pub const STATUS_CHANGE: &str = "STATUS_CHANGE";

/// One status change of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub event_id: TransactionId,
    pub account_id: AccountId,
    /// The account's owner (told about it).
    pub holder_id: String,
    pub from: AccountStatus,
    pub to: AccountStatus,
    /// Why (required of operators).
    pub reason: Option<String>,
    /// Who changed it: the owner (close) or an operator.
    pub initiated_by: String,
    pub created_at: String,
}

impl StatusChange {
    /// The table key.
    pub fn table_key(&self) -> String {
        format!("status#{}", self.event_id)
    }

    /// Whether `item` is a status change (not a transaction).
    pub fn is_one(item: &Item) -> bool {
        item.get(attr::ENTRY_TYPE)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
            == Some(STATUS_CHANGE)
    }

    /// The item written.
    pub fn to_item(&self) -> Item {
        let mut item = Item::from([
            (attr::IDEMPOTENCY_KEY.to_owned(), s(self.table_key())),
            (attr::ENTRY_TYPE.to_owned(), s(STATUS_CHANGE)),
            (attr::EVENT_ID.to_owned(), s(self.event_id.to_string())),
            (attr::ACCOUNT_ID.to_owned(), s(self.account_id.to_string())),
            (attr::HOLDER_ID.to_owned(), s(&self.holder_id)),
            (attr::FROM_STATUS.to_owned(), s(self.from.as_str())),
            (attr::TO_STATUS.to_owned(), s(self.to.as_str())),
            (attr::INITIATED_BY.to_owned(), s(&self.initiated_by)),
            (attr::CREATED_AT.to_owned(), s(&self.created_at)),
        ]);
        if let Some(reason) = &self.reason {
            item.insert(attr::REASON.to_owned(), s(reason));
        }
        item
    }

    /// Reads an item.
    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            event_id: req_parse(item, attr::EVENT_ID)?,
            account_id: req_parse(item, attr::ACCOUNT_ID)?,
            holder_id: req_s(item, attr::HOLDER_ID)?.to_owned(),
            from: req_parse(item, attr::FROM_STATUS)?,
            to: req_parse(item, attr::TO_STATUS)?,
            reason: opt_s(item, attr::REASON)?.map(str::to_owned),
            initiated_by: req_s(item, attr::INITIATED_BY)?.to_owned(),
            created_at: req_s(item, attr::CREATED_AT)?.to_owned(),
        })
    }

    /// The API's JSON shape (an entry of the account's history).
    pub fn to_json(&self) -> Value {
        json!({
            "entryType": STATUS_CHANGE,
            "eventId": self.event_id.to_string(),
            "accountId": self.account_id.to_string(),
            "fromStatus": self.from.as_str(),
            "toStatus": self.to.as_str(),
            "reason": self.reason.as_deref().map(crate::domain::text::displayable),
            "initiatedBy": self.initiated_by,
            "createdAt": self.created_at,
        })
    }
}

impl Ledger {
    /// Writes `change` and the account's new status together, if the account is
    /// still in `change.from` (and, when closing, still at a zero balance); `false`
    /// when it changed in between (nothing was written).
    pub async fn change_status(
        &self,
        account: &Account,
        change: &StatusChange,
    ) -> Result<bool, StoreError> {
        let mut condition = "#s = :from".to_owned();
        let mut update = Update::builder()
            .table_name(self.accounts_table())
            .key(attr::ACCOUNT_ID, s(account.account_id.to_string()))
            .update_expression("SET #s = :to, #u = :now")
            .expression_attribute_names("#s", attr::STATUS)
            .expression_attribute_names("#u", attr::UPDATED_AT)
            .expression_attribute_values(":from", s(change.from.as_str()))
            .expression_attribute_values(":to", s(change.to.as_str()))
            .expression_attribute_values(":now", s(&change.created_at));
        if change.to == AccountStatus::Closed {
            condition.push_str(" AND #b = :zero");
            update = update
                .expression_attribute_names("#b", attr::BALANCE)
                .expression_attribute_values(":zero", super::n(Balance::ZERO));
        }
        let update = update
            .condition_expression(condition)
            .build()
            .map_err(|e| StoreError::service("TransactWriteItems", "Build", e.to_string()))?;
        let put = Put::builder()
            .table_name(self.transactions_table())
            .set_item(Some(change.to_item()))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", attr::IDEMPOTENCY_KEY)
            .build()
            .map_err(|e| StoreError::service("TransactWriteItems", "Build", e.to_string()))?;
        let result = self
            .client()
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(failure))
                if matches!(
                    failure.err(),
                    TransactWriteItemsError::TransactionCanceledException(cancelled)
                        if cancelled.cancellation_reasons().first().and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                ) =>
            {
                Ok(false)
            }
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

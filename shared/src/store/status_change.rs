//! An account's status change as an entry of its history: who changed it, when, why.
//!
//! Stored in the transactions table beside the transactions (key `status#<eventId>`,
//! `entryType` STATUS_CHANGE), so the account's history index lists it in time order
//! with its transactions. It has no `id`, `userId` or `pendingAccountId`: no other
//! index sees it, and the stream consumer tells it apart by `entryType`. It is written
//! by `Ledger::change_status`.

use crate::clock::Timestamp;
use crate::domain::UserId;

use super::StoreError;
use super::attrs::{Item, opt_s, req_parse, req_s, s};
use super::schema::attr;
use crate::domain::{AccountId, AccountStatus, TransactionId};

/// `entryType` of a status change.
pub const STATUS_CHANGE: &str = "STATUS_CHANGE";

/// One status change of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub event_id: TransactionId,
    pub account_id: AccountId,
    /// The account's owner (told about it).
    pub holder_id: UserId,
    pub from: AccountStatus,
    pub to: AccountStatus,
    /// Why (required of operators).
    pub reason: Option<String>,
    /// Who changed it: the owner (close) or an operator.
    pub initiated_by: UserId,
    pub created_at: Timestamp,
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
            holder_id: UserId::new(req_s(item, attr::HOLDER_ID)?),
            from: req_parse(item, attr::FROM_STATUS)?,
            to: req_parse(item, attr::TO_STATUS)?,
            reason: opt_s(item, attr::REASON)?.map(str::to_owned),
            initiated_by: UserId::new(req_s(item, attr::INITIATED_BY)?),
            created_at: req_parse(item, attr::CREATED_AT)?,
        })
    }
}

//! The transactions table: the ledger. One item per transaction, never deleted and
//! never overwritten (every write is conditional).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use super::StoreError;
use super::attrs::s;
use super::batch::whole_items;
use super::insert::{PutIfAbsent, put_if_absent};
use super::paging::{Page, PageToken, resumed_query_error};
use super::record::TransactionRecord;
use super::schema::{attr, index};
use crate::domain::UserId;

/// What a conditional insert found.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    /// The item was written.
    Created,
    /// An item with the same (user-scoped) idempotency key exists already.
    Exists(Box<TransactionRecord>),
}

/// Access to the transactions table.
#[derive(Debug, Clone)]
pub struct TransactionsTable {
    pub(super) client: Client,
    pub(super) name: String,
}

impl TransactionsTable {
    /// The table `name` through `client`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// Writes `record` unless its idempotency key is taken; then returns the existing
    /// item (from the failed condition's ALL_OLD: still one request).
    pub async fn insert_new(&self, record: &TransactionRecord) -> Result<Inserted, StoreError> {
        let existing = match put_if_absent(
            &self.client,
            &self.name,
            record.to_item(),
            attr::IDEMPOTENCY_KEY,
        )
        .await?
        {
            PutIfAbsent::Written => return Ok(Inserted::Created),
            PutIfAbsent::Taken(item) => TransactionRecord::from_item(&item)?,
        };
        Ok(Inserted::Exists(Box::new(existing)))
    }

    /// A transaction by id: its table key from the keys-only `TransactionIdIndex`, then
    /// the item itself, strongly consistent (an index entry is written with the item
    /// and never changes, so a settle rewrites no index copy).
    pub async fn get_by_id(&self, id: &str) -> Result<Option<TransactionRecord>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(index::TRANSACTION_ID)
            .key_condition_expression("#id = :id")
            .expression_attribute_names("#id", attr::TRANSACTION_ID)
            .expression_attribute_values(":id", s(id))
            .limit(1)
            .send()
            .await
            .map_err(|e| StoreError::sdk("Query", &e))?;
        let Some(key) = output
            .items()
            .first()
            .and_then(|entry| entry.get(attr::IDEMPOTENCY_KEY))
        else {
            return Ok(None);
        };
        let item = self
            .client
            .get_item()
            .table_name(&self.name)
            .key(attr::IDEMPOTENCY_KEY, key.clone())
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::sdk("GetItem", &e))?;
        item.item().map(TransactionRecord::from_item).transpose()
    }

    /// The transactions a user recorded, newest first.
    pub async fn list_by_user(
        &self,
        user_id: &UserId,
        limit: i32,
        token: Option<&PageToken>,
    ) -> Result<Page<TransactionRecord>, StoreError> {
        self.history(index::USER_HISTORY, attr::USER_ID, user_id, limit, token)
            .await
    }

    /// The transactions recorded on an account, newest first.
    pub async fn list_by_account(
        &self,
        account_id: &str,
        limit: i32,
        token: Option<&PageToken>,
    ) -> Result<Page<TransactionRecord>, StoreError> {
        self.history(
            index::ACCOUNT_HISTORY,
            attr::ACCOUNT_ID,
            account_id,
            limit,
            token,
        )
        .await
    }

    pub(super) async fn history(
        &self,
        index_name: &str,
        key_attr: &'static str,
        key_value: &str,
        limit: i32,
        token: Option<&PageToken>,
    ) -> Result<Page<TransactionRecord>, StoreError> {
        let query = HistoryQuery {
            index_name,
            key_attr,
            key_value,
            limit,
            completed_only: false,
        };
        self.query_history(&query, token, TransactionRecord::from_item)
            .await
    }

    /// A history query, read with `read`: its page of index entries, then their
    /// items whole.
    pub(super) async fn query_history<T>(
        &self,
        query: &HistoryQuery<'_>,
        token: Option<&PageToken>,
        read: fn(&super::attrs::Item) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let entries = self.query_entries(query, token).await?;
        let whole = self.whole(&entries.items).await?;
        Ok(Page {
            items: whole.iter().map(read).collect::<Result<_, _>>()?,
            next: entries.next,
        })
    }

    /// The items behind index `entries`, whole, in their order (one strongly
    /// consistent `BatchGetItem` per 100).
    pub(super) async fn whole(
        &self,
        entries: &[super::attrs::Item],
    ) -> Result<Vec<super::attrs::Item>, StoreError> {
        whole_items(&self.client, &self.name, attr::IDEMPOTENCY_KEY, entries).await
    }

    /// One page of a history index's entries (keys, and what its filters need).
    pub(super) async fn query_entries(
        &self,
        query: &HistoryQuery<'_>,
        token: Option<&PageToken>,
    ) -> Result<Page<super::attrs::Item>, StoreError> {
        let HistoryQuery {
            index_name,
            key_attr,
            key_value,
            limit,
            completed_only,
        } = *query;
        let keys = [attr::IDEMPOTENCY_KEY, key_attr, attr::CREATED_AT];
        let mut request = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(index_name)
            .key_condition_expression("#k = :k")
            .expression_attribute_names("#k", key_attr)
            .expression_attribute_values(":k", AttributeValue::S(key_value.to_owned()));
        if completed_only {
            request = request
                .filter_expression("#st = :completed")
                .expression_attribute_names("#st", attr::STATUS)
                .expression_attribute_values(
                    ":completed",
                    s(crate::domain::TransactionStatus::Completed.as_str()),
                );
        }
        let output = request
            .scan_index_forward(false)
            // One more than asked: a next token only when a next item exists.
            .limit(limit.saturating_add(1))
            .set_exclusive_start_key(
                token
                    .map(|t| t.start_key(&keys, key_attr, key_value))
                    .transpose()?,
            )
            .send()
            .await
            .map_err(|e| resumed_query_error(StoreError::sdk("Query", &e), token.is_some()))?;
        let mut page = Page::from_items(output.items(), limit, &keys, |e| Ok(e.clone()))?;
        if page.next.is_none()
            && let Some(last) = output.last_evaluated_key()
        {
            // Fewer items than evaluated (filtered out): go on from where it stopped.
            page.next = Some(PageToken::from_item_keys(last, &keys));
        }
        Ok(page)
    }
}

/// One page of a history index, newest first.
#[derive(Debug, Clone, Copy)]
pub(super) struct HistoryQuery<'a> {
    pub(super) index_name: &'a str,
    /// The index's partition attribute, equal to `key_value`.
    pub(super) key_attr: &'static str,
    pub(super) key_value: &'a str,
    pub(super) limit: i32,
    /// Leaves out transactions not COMPLETED (a page may then hold fewer items than
    /// asked, with a token to go on).
    pub(super) completed_only: bool,
}

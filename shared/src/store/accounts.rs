//! The accounts table: one item per account, owned by a Cognito user.

use crate::clock::Timestamp;
use crate::domain::UserId;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

use super::StoreError;
use super::attrs::{Item, n, req_n, req_parse, req_s, s};
use super::insert::{PutIfAbsent, put_if_absent};
use super::paging::{Page, PageToken, resumed_query_error};
use super::schema::{attr, index};
use crate::domain::{AccountId, AccountStatus, Balance, ChainHead, Currency};

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub account_id: AccountId,
    /// The owner's Cognito `sub`.
    pub owner_id: UserId,
    pub name: String,
    pub currency: Currency,
    pub balance: Balance,
    /// The sum of its ACTIVE holds (`balance - held` is available).
    pub held: Balance,
    pub status: AccountStatus,
    /// Incremented by every ledger write of the account (one per transaction, or one
    /// per batch of transactions applied together).
    pub version: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// For an account opened with an Idempotency-Key: SHA-256 of what was asked
    /// (name and currency), to tell a retry from a reused key.
    pub request_hash: Option<String>,
    /// The head of its hash chain: the hash of its latest settled entry (genesis
    /// before the first).
    pub chain_head: ChainHead,
}

/// What a conditional account insert found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The account was written.
    Created,
    /// An account with this id exists (the same Idempotency-Key was used before).
    Exists(Box<Account>),
}

impl Account {
    /// A new OPEN account with a zero balance.
    pub fn open(owner_id: &UserId, name: &str, currency: Currency, now: &Timestamp) -> Self {
        Self {
            account_id: AccountId::new_random(),
            owner_id: owner_id.clone(),
            name: name.to_owned(),
            currency,
            balance: Balance::ZERO,
            held: Balance::ZERO,
            status: AccountStatus::Open,
            version: 0,
            created_at: now.clone(),
            updated_at: now.clone(),
            request_hash: None,
            chain_head: ChainHead::genesis(),
        }
    }

    /// A new OPEN account whose id comes from its owner and `key` (see
    /// [`AccountId::for_request`]), remembering what was asked.
    pub fn open_with_key(
        owner_id: &UserId,
        key: &crate::domain::IdempotencyKey,
        name: &str,
        currency: Currency,
        now: &Timestamp,
    ) -> Self {
        Self {
            account_id: AccountId::for_request(owner_id, key),
            request_hash: Some(Self::request_hash(name, currency)),
            ..Self::open(owner_id, name, currency, now)
        }
    }

    /// SHA-256 of an opening request's canonical form.
    pub fn request_hash(name: &str, currency: Currency) -> String {
        crate::domain::ids::request_fingerprint(
            &json!({ "name": name, "currency": currency.as_str() }),
        )
    }

    /// The account as it was when opened (what the first `201` showed): a replay
    /// answers with exactly that.
    pub fn as_opened(&self) -> Self {
        Self {
            balance: Balance::ZERO,
            held: Balance::ZERO,
            status: AccountStatus::Open,
            version: 0,
            updated_at: self.created_at.clone(),
            chain_head: ChainHead::genesis(),
            ..self.clone()
        }
    }

    /// The item written to DynamoDB.
    pub fn to_item(&self) -> Item {
        let mut item = Item::from([
            (attr::ACCOUNT_ID.to_owned(), s(self.account_id.to_string())),
            (attr::OWNER_ID.to_owned(), s(&self.owner_id)),
            (attr::NAME.to_owned(), s(&self.name)),
            (attr::CURRENCY.to_owned(), s(self.currency.as_str())),
            (attr::BALANCE.to_owned(), n(self.balance)),
            (attr::STATUS.to_owned(), s(self.status.as_str())),
            (attr::VERSION.to_owned(), n(self.version)),
            (attr::CREATED_AT.to_owned(), s(&self.created_at)),
            (attr::UPDATED_AT.to_owned(), s(&self.updated_at)),
        ]);
        if let Some(hash) = &self.request_hash {
            item.insert(attr::REQUEST_HASH.to_owned(), s(hash));
        }
        if self.held != Balance::ZERO {
            item.insert(attr::HELD_AMOUNT.to_owned(), n(self.held));
        }
        if self.chain_head.as_str() != ChainHead::GENESIS {
            item.insert(attr::CHAIN_HEAD.to_owned(), s(self.chain_head.as_str()));
        }
        item
    }

    /// Reads an item (balance parsed exactly from its `N` text).
    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            account_id: req_parse(item, attr::ACCOUNT_ID)?,
            owner_id: UserId::new(req_s(item, attr::OWNER_ID)?),
            name: req_s(item, attr::NAME)?.to_owned(),
            currency: req_parse(item, attr::CURRENCY)?,
            balance: req_parse(item, attr::BALANCE)?,
            held: super::attrs::opt_parse(item, attr::HELD_AMOUNT)?.unwrap_or(Balance::ZERO),
            status: req_parse(item, attr::STATUS)?,
            version: req_n(item, attr::VERSION)?
                .parse()
                .map_err(|_| StoreError::corrupt(attr::VERSION, "not a whole number"))?,
            created_at: super::attrs::req_parse(item, attr::CREATED_AT)?,
            updated_at: super::attrs::req_parse(item, attr::UPDATED_AT)?,
            request_hash: super::attrs::opt_s(item, attr::REQUEST_HASH)?.map(str::to_owned),
            chain_head: super::attrs::opt_parse(item, attr::CHAIN_HEAD)?
                .unwrap_or_else(ChainHead::genesis),
        })
    }
}

/// Access to the accounts table.
#[derive(Debug, Clone)]
pub struct AccountsTable {
    client: Client,
    name: String,
}

impl AccountsTable {
    /// The table `name` through `client`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// Writes a new account; never overwrites one. An existing account with the
    /// same id comes back from the failed condition (ALL_OLD: still one request).
    pub async fn create(&self, account: &Account) -> Result<Opened, StoreError> {
        let existing = match put_if_absent(
            &self.client,
            &self.name,
            account.to_item(),
            attr::ACCOUNT_ID,
        )
        .await?
        {
            PutIfAbsent::Written => return Ok(Opened::Created),
            PutIfAbsent::Taken(item) => Account::from_item(&item)?,
        };
        Ok(Opened::Exists(Box::new(existing)))
    }

    /// An account by id (strongly consistent).
    pub async fn get(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .key(attr::ACCOUNT_ID, s(id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::sdk("GetItem", &e))?;
        output.item().map(Account::from_item).transpose()
    }

    /// An account by id if `owner_id` owns it; `None` otherwise (no existence leak).
    pub async fn get_owned(
        &self,
        id: &AccountId,
        owner_id: &UserId,
    ) -> Result<Option<Account>, StoreError> {
        Ok(self.get(id).await?.filter(|a| &a.owner_id == owner_id))
    }

    /// The accounts of `owner_id`, oldest first, a page at a time: the keys from the
    /// keys-only `OwnerIndex`, then the accounts themselves.
    pub async fn list_by_owner(
        &self,
        owner_id: &UserId,
        limit: i32,
        token: Option<&PageToken>,
    ) -> Result<Page<Account>, StoreError> {
        let keys = [attr::ACCOUNT_ID, attr::OWNER_ID, attr::CREATED_AT];
        let output = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(index::OWNER)
            .key_condition_expression("#o = :o")
            .expression_attribute_names("#o", attr::OWNER_ID)
            .expression_attribute_values(":o", AttributeValue::S(owner_id.into()))
            .limit(limit.saturating_add(1))
            .set_exclusive_start_key(
                token
                    .map(|t| t.start_key(&keys, attr::OWNER_ID, owner_id))
                    .transpose()?,
            )
            .send()
            .await
            .map_err(|e| resumed_query_error(StoreError::sdk("Query", &e), token.is_some()))?;
        // Keys only in the index (a balance update rewrites no copy): the page's
        // accounts are read whole, strongly consistent, in the index's order.
        let entries = Page::from_items(output.items(), limit, &keys, |e| Ok(e.clone()))?;
        let whole =
            super::batch::whole_items(&self.client, &self.name, attr::ACCOUNT_ID, &entries.items)
                .await?;
        Ok(Page {
            items: whole
                .iter()
                .map(Account::from_item)
                .collect::<Result<_, _>>()?,
            next: entries.next,
        })
    }
}

//! The statements table: one record per (account, period), written once. The record
//! names the statement's objects in S3 (JSON and PDF, under its digest) and repeats
//! what a listing shows, so listing never reads S3.
//!
//! A record is never overwritten: a second run of a period finds the first run's record
//! and uses it, so a period has one statement whatever the number of runs.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use super::StoreError;
use super::attrs::{Item, n, req_parse, req_s, s};
use super::insert::{PutIfAbsent, put_if_absent};
use super::paging::{Page, PageToken, resumed_query_error};
use crate::domain::{AccountId, Balance, ChainHead, Currency};
use crate::statement::Period;

/// The table's attributes.
mod field {
    pub const ACCOUNT_ID: &str = "accountId";
    pub const PERIOD: &str = "period";
    pub const CURRENCY: &str = "currency";
    pub const OPENING_BALANCE: &str = "openingBalance";
    pub const CLOSING_BALANCE: &str = "closingBalance";
    pub const TOTAL_IN: &str = "totalIn";
    pub const TOTAL_OUT: &str = "totalOut";
    pub const ENTRIES: &str = "entries";
    pub const OPENING_HEAD: &str = "openingHead";
    pub const CLOSING_HEAD: &str = "closingHead";
    pub const DIGEST: &str = "digest";
    pub const JSON_KEY: &str = "jsonKey";
    pub const PDF_KEY: &str = "pdfKey";
    pub const GENERATED_AT: &str = "generatedAt";
    pub const KEY_ID: &str = "keyId";
    /// When the holder's email was sent (absent until then).
    pub const EMAILED_AT: &str = "emailedAt";
    /// Until when an attempt at sending the email holds it (absent when none does).
    pub const EMAIL_LEASE: &str = "emailLeaseUntil";
}

/// The most records one listing call returns.
pub const MAX_STATEMENTS_PAGE: i32 = 100;

/// One statement as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRecord {
    pub account_id: AccountId,
    pub period: Period,
    pub currency: Currency,
    pub opening_balance: Balance,
    pub closing_balance: Balance,
    pub total_in: Balance,
    pub total_out: Balance,
    /// The number of entries.
    pub entries: u64,
    pub opening_head: ChainHead,
    pub closing_head: ChainHead,
    /// The statement's digest (SHA-256 of its canonical text), lower-case hex.
    pub digest_hex: String,
    /// The S3 keys of the signed JSON statement and of its PDF.
    pub json_key: String,
    pub pdf_key: String,
    pub generated_at: String,
    /// The KMS key that signed it.
    pub key_id: String,
}

impl StatementRecord {
    /// The item written.
    pub fn to_item(&self) -> Item {
        let mut item = Item::new();
        let mut put = |k: &str, v: AttributeValue| {
            item.insert(k.to_owned(), v);
        };
        put(field::ACCOUNT_ID, s(self.account_id.to_string()));
        put(field::PERIOD, s(self.period.to_string()));
        put(field::CURRENCY, s(self.currency.as_str()));
        put(field::OPENING_BALANCE, n(self.opening_balance));
        put(field::CLOSING_BALANCE, n(self.closing_balance));
        put(field::TOTAL_IN, n(self.total_in));
        put(field::TOTAL_OUT, n(self.total_out));
        put(field::ENTRIES, n(self.entries));
        put(field::OPENING_HEAD, s(self.opening_head.as_str()));
        put(field::CLOSING_HEAD, s(self.closing_head.as_str()));
        put(field::DIGEST, s(&self.digest_hex));
        put(field::JSON_KEY, s(&self.json_key));
        put(field::PDF_KEY, s(&self.pdf_key));
        put(field::GENERATED_AT, s(&self.generated_at));
        put(field::KEY_ID, s(&self.key_id));
        item
    }

    /// Reads an item written by [`StatementRecord::to_item`]; money parsed exactly.
    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            account_id: req_parse(item, field::ACCOUNT_ID)?,
            period: req_parse(item, field::PERIOD)?,
            currency: req_parse(item, field::CURRENCY)?,
            opening_balance: req_parse(item, field::OPENING_BALANCE)?,
            closing_balance: req_parse(item, field::CLOSING_BALANCE)?,
            total_in: req_parse(item, field::TOTAL_IN)?,
            total_out: req_parse(item, field::TOTAL_OUT)?,
            entries: req_parse(item, field::ENTRIES)?,
            opening_head: req_parse(item, field::OPENING_HEAD)?,
            closing_head: req_parse(item, field::CLOSING_HEAD)?,
            digest_hex: req_s(item, field::DIGEST)?.to_owned(),
            json_key: req_s(item, field::JSON_KEY)?.to_owned(),
            pdf_key: req_s(item, field::PDF_KEY)?.to_owned(),
            generated_at: req_s(item, field::GENERATED_AT)?.to_owned(),
            key_id: req_s(item, field::KEY_ID)?.to_owned(),
        })
    }
}

/// Access to the statements table (hash `accountId`, range `period`).
#[derive(Debug, Clone)]
pub struct StatementsTable {
    client: Client,
    name: String,
}

impl StatementsTable {
    /// The table `name` through `client`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// Writes `record` unless the account already has one for its period; `Some` is
    /// the existing record (the first run's), which then stands.
    pub async fn put_if_absent(
        &self,
        record: &StatementRecord,
    ) -> Result<Option<StatementRecord>, StoreError> {
        match put_if_absent(
            &self.client,
            &self.name,
            record.to_item(),
            field::ACCOUNT_ID,
        )
        .await?
        {
            PutIfAbsent::Written => Ok(None),
            PutIfAbsent::Taken(item) => StatementRecord::from_item(&item).map(Some),
        }
    }

    /// The record of `account` for `period` (strongly consistent).
    pub async fn get(
        &self,
        account: &AccountId,
        period: &Period,
    ) -> Result<Option<StatementRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .key(field::ACCOUNT_ID, s(account.to_string()))
            .key(field::PERIOD, s(period.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::sdk("GetItem", &e))?;
        output.item().map(StatementRecord::from_item).transpose()
    }

    /// Takes the email of `account`'s statement for `period` until `until` (an instant
    /// in the ledger's format): `true` when no email was sent yet and no other attempt
    /// holds an unexpired lease (`now`); the record must exist. A crash between the
    /// record and the email is thus retried once the lease expires, and two runs at
    /// once send one email.
    pub async fn claim_email(
        &self,
        account: &AccountId,
        period: &Period,
        now: &str,
        until: &str,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.name)
            .key(field::ACCOUNT_ID, s(account.to_string()))
            .key(field::PERIOD, s(period.to_string()))
            .update_expression("SET #l = :until")
            .condition_expression(
                "attribute_exists(#a) AND attribute_not_exists(#e) AND \
                 (attribute_not_exists(#l) OR #l < :now)",
            )
            .expression_attribute_names("#a", field::ACCOUNT_ID)
            .expression_attribute_names("#e", field::EMAILED_AT)
            .expression_attribute_names("#l", field::EMAIL_LEASE)
            .expression_attribute_values(":until", s(until))
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => {
                let error = StoreError::sdk("UpdateItem", &e);
                if error.class() == super::ErrorClass::ConditionFailed {
                    Ok(false)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// Records that the holder's email was sent at `at` (and drops the lease).
    pub async fn mark_emailed(
        &self,
        account: &AccountId,
        period: &Period,
        at: &str,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.name)
            .key(field::ACCOUNT_ID, s(account.to_string()))
            .key(field::PERIOD, s(period.to_string()))
            .update_expression("SET #e = :at REMOVE #l")
            .condition_expression("attribute_exists(#a)")
            .expression_attribute_names("#a", field::ACCOUNT_ID)
            .expression_attribute_names("#e", field::EMAILED_AT)
            .expression_attribute_names("#l", field::EMAIL_LEASE)
            .expression_attribute_values(":at", s(at))
            .send()
            .await
            .map_err(|e| StoreError::sdk("UpdateItem", &e))?;
        Ok(())
    }

    /// `account`'s records, newest period first, at most `limit` (capped at
    /// [`MAX_STATEMENTS_PAGE`]) from `token`.
    pub async fn list(
        &self,
        account: &AccountId,
        limit: i32,
        token: Option<&PageToken>,
    ) -> Result<Page<StatementRecord>, StoreError> {
        let keys = [field::ACCOUNT_ID, field::PERIOD];
        let limit = limit.clamp(1, MAX_STATEMENTS_PAGE);
        let account = account.to_string();
        let output = self
            .client
            .query()
            .table_name(&self.name)
            .key_condition_expression("#a = :a")
            .expression_attribute_names("#a", field::ACCOUNT_ID)
            .expression_attribute_values(":a", s(account.as_str()))
            .scan_index_forward(false)
            .limit(limit.saturating_add(1))
            .set_exclusive_start_key(
                token
                    .map(|t| t.start_key(&keys, field::ACCOUNT_ID, &account))
                    .transpose()?,
            )
            .send()
            .await
            .map_err(|e| resumed_query_error(StoreError::sdk("Query", &e), token.is_some()))?;
        Page::from_items(output.items(), limit, &keys, StatementRecord::from_item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Result<StatementRecord, Box<dyn std::error::Error>> {
        Ok(StatementRecord {
            account_id: AccountId::new_random(),
            period: Period::parse("2026-10")?,
            currency: "EUR".parse()?,
            opening_balance: "123456789.07".parse()?,
            closing_balance: "0.10".parse()?,
            total_in: "1.00".parse()?,
            total_out: "123456789.97".parse()?,
            entries: 3,
            opening_head: ChainHead::genesis(),
            closing_head: ChainHead::genesis(),
            digest_hex: "ab".repeat(32),
            json_key: "statements/a/2026-10/x.json".to_owned(),
            pdf_key: "statements/a/2026-10/x.pdf".to_owned(),
            generated_at: "2026-11-01T02:00:00.000000Z".to_owned(),
            key_id: "key".to_owned(),
        })
    }

    #[test]
    fn a_record_reads_back_exactly_as_written() -> Result<(), Box<dyn std::error::Error>> {
        let record = record()?;
        assert_eq!(StatementRecord::from_item(&record.to_item())?, record);
        Ok(())
    }

    #[test]
    fn an_item_without_its_keys_is_corrupt() -> Result<(), Box<dyn std::error::Error>> {
        let mut item = record()?.to_item();
        item.remove(field::PDF_KEY);
        assert!(StatementRecord::from_item(&item).is_err());
        Ok(())
    }
}

//! Finding PENDING transactions without reading the ledger's history.
//!
//! Every transaction is written PENDING with `pendingAccountId` = its account, and the
//! settle removes that attribute, so the sparse `PendingIndex` (`pendingAccountId`,
//! `createdAt`, keys only) holds exactly the transactions still waiting: a lookup
//! costs what is pending, not what was ever recorded.

use std::collections::{HashMap, HashSet};

use super::Ledger;
use crate::domain::{AccountId, TransactionStatus};
use crate::store::StoreError;
use crate::store::attrs::{Item, req_s, s};
use crate::store::schema::{attr, index};

/// A PENDING transaction as the pending index shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingKey {
    /// The transaction's table key.
    pub key: String,
    pub created_at: crate::clock::Timestamp,
}

/// What a scan of every PENDING transaction found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PendingScan {
    /// How many transactions are PENDING (as far as the scan read).
    pub pending: usize,
    /// The oldest `createdAt` among them.
    pub oldest: Option<crate::clock::Timestamp>,
    /// Those created before the cutoff, oldest first (at most the scan's limit).
    pub stale: Vec<PendingKey>,
    /// `false`: the limit stopped the scan before the end of the index.
    pub complete: bool,
}

impl Ledger {
    /// PENDING transactions on `account` created at or before `created_at`, oldest
    /// first, at most `limit`; `true` with them when there are more.
    pub async fn pending_before(
        &self,
        account: AccountId,
        created_at: &str,
        limit: usize,
    ) -> Result<(Vec<PendingKey>, bool), StoreError> {
        let mut found = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.transactions)
            .index_name(index::PENDING)
            .key_condition_expression("#p = :account AND #c <= :created")
            .expression_attribute_names("#p", attr::PENDING_ACCOUNT_ID)
            .expression_attribute_names("#c", attr::CREATED_AT)
            .expression_attribute_values(":account", s(account.to_string()))
            .expression_attribute_values(":created", s(created_at))
            .limit(i32::try_from(limit.saturating_add(1).min(1000)).unwrap_or(1000))
            .into_paginator()
            .send();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| StoreError::sdk("Query", &e))?
        {
            for item in page.items() {
                found.push(pending_key(item)?);
            }
            if found.len() > limit {
                found.truncate(limit);
                return Ok((found, true));
            }
        }
        Ok((found, false))
    }

    /// Table keys of PENDING transfers *to* `account` created in `[since, created_at]`,
    /// reading at most `limit` of the account's incoming transfers (newest first).
    pub async fn incoming_pending(
        &self,
        account: AccountId,
        since: &str,
        created_at: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut read = 0usize;
        let mut pages = self
            .client
            .query()
            .table_name(&self.transactions)
            .index_name(index::INCOMING_HISTORY)
            .key_condition_expression("#to = :account AND #c BETWEEN :since AND :created")
            .filter_expression("#st = :pending")
            .projection_expression("#k")
            .expression_attribute_names("#to", attr::TO_ACCOUNT_ID)
            .expression_attribute_names("#c", attr::CREATED_AT)
            .expression_attribute_names("#st", attr::STATUS)
            .expression_attribute_names("#k", attr::IDEMPOTENCY_KEY)
            .expression_attribute_values(":account", s(account.to_string()))
            .expression_attribute_values(":since", s(since))
            .expression_attribute_values(":created", s(created_at))
            .expression_attribute_values(":pending", s(TransactionStatus::Pending.as_str()))
            .scan_index_forward(false)
            .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000))
            .into_paginator()
            .send();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| StoreError::sdk("Query", &e))?
        {
            read += usize::try_from(page.scanned_count()).unwrap_or(0);
            for item in page.items() {
                keys.push(req_s(item, attr::IDEMPOTENCY_KEY)?.to_owned());
            }
            if read >= limit {
                break;
            }
        }
        Ok(keys)
    }

    /// Which of the transactions with these table keys are still PENDING, read
    /// eventually consistent: a hint (the last moments' settles may not show), for
    /// leaving out of a commit what another consumer already settled; the commit's
    /// conditions decide.
    pub async fn still_pending(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let keys = super::transaction_keys(keys);
        let mut pending = HashSet::new();
        for item in crate::store::batch::get(&self.client, &self.transactions, keys, false).await? {
            if req_s(&item, attr::STATUS)? == TransactionStatus::Pending.as_str() {
                pending.insert(req_s(&item, attr::IDEMPOTENCY_KEY)?.to_owned());
            }
        }
        Ok(pending)
    }

    /// Every PENDING transaction (a scan of the sparse pending index: it holds only
    /// what is waiting), reading at most `limit` entries: their count, the oldest, and
    /// those created before `cutoff`.
    pub async fn scan_pending(
        &self,
        cutoff: &str,
        limit: usize,
    ) -> Result<PendingScan, StoreError> {
        let mut scan = PendingScan::default();
        let mut pages = self
            .client
            .scan()
            .table_name(&self.transactions)
            .index_name(index::PENDING)
            .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000))
            .into_paginator()
            .send();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| StoreError::sdk("Scan", &e))?
        {
            for item in page.items() {
                let found = pending_key(item)?;
                scan.pending += 1;
                if scan.oldest.as_ref().is_none_or(|o| found.created_at < *o) {
                    scan.oldest = Some(found.created_at.clone());
                }
                if found.created_at.as_str() < cutoff {
                    scan.stale.push(found);
                }
            }
            if page.last_evaluated_key().is_none_or(HashMap::is_empty) {
                scan.complete = true;
            } else if scan.pending >= limit {
                break;
            }
        }
        scan.stale.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(scan)
    }
}

fn pending_key(item: &Item) -> Result<PendingKey, StoreError> {
    Ok(PendingKey {
        key: req_s(item, attr::IDEMPOTENCY_KEY)?.to_owned(),
        created_at: super::super::attrs::req_parse(item, attr::CREATED_AT)?,
    })
}

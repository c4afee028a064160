//! Finding the ACTIVE holds whose `expiresAt` has passed.
//!
//! A hold that becomes ACTIVE gets `holdDay` (the UTC date of its `expiresAt`), and
//! the write that ends it removes it, so the sparse `HoldExpiryIndex` (`holdDay`,
//! `expiresAt`, keys only) holds exactly the ACTIVE holds: the sweep reads one
//! partition per day it looks back over, and only what is still held.

use super::Ledger;
use crate::clock::Timestamp;
use crate::store::StoreError;
use crate::store::attrs::{req_s, s};
use crate::store::schema::{attr, index};

/// How many days before today the sweep looks: more than the longest hold, so a
/// hold whose day passed while the sweep was not running is still found.
pub const EXPIRY_LOOKBACK_DAYS: i64 = 40;

impl Ledger {
    /// Table keys of ACTIVE holds whose `expiresAt` is at or before `now`, oldest
    /// day first, at most `limit`.
    pub async fn expired_holds(
        &self,
        now: &Timestamp,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let today = now.instant().date_naive();
        let mut keys = Vec::new();
        for back in (0..=EXPIRY_LOOKBACK_DAYS).rev() {
            let day = (today - chrono::Duration::days(back))
                .format("%Y-%m-%d")
                .to_string();
            let mut pages = self
                .client
                .query()
                .table_name(&self.transactions)
                .index_name(index::HOLD_EXPIRY)
                .key_condition_expression("#d = :day AND #e <= :now")
                .expression_attribute_names("#d", attr::HOLD_DAY)
                .expression_attribute_names("#e", attr::EXPIRES_AT)
                .expression_attribute_values(":day", s(&day))
                .expression_attribute_values(":now", s(now.as_str()))
                .into_paginator()
                .send();
            while let Some(page) = pages
                .try_next()
                .await
                .map_err(|e| StoreError::sdk("Query", &e))?
            {
                for item in page.items() {
                    keys.push(req_s(item, attr::IDEMPOTENCY_KEY)?.to_owned());
                    if keys.len() >= limit {
                        return Ok(keys);
                    }
                }
            }
        }
        Ok(keys)
    }
}

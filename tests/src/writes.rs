//! Counts the account writes DynamoDB accepted, read from the requests themselves:
//! each `Update` of the accounts table inside a `TransactWriteItems` (or a lone
//! `UpdateItem` of it) that was answered 200. An account's `version` counts the
//! changes settled on it, not how often it was written; this counts the writes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde_json::Value;

/// Shared by every client built with it.
#[derive(Debug, Clone)]
pub struct AccountWrites {
    table: String,
    counts: Arc<Mutex<HashMap<String, u64>>>,
}

/// The accounts the current attempt writes, until its answer is read.
#[derive(Debug, Clone)]
struct Writing(Vec<String>);

impl Storable for Writing {
    type Storer = StoreReplace<Self>;
}

impl AccountWrites {
    /// Counts writes to `table` (the accounts table's name).
    pub fn new(table: &str) -> Self {
        Self {
            table: table.to_owned(),
            counts: Arc::default(),
        }
    }

    /// Accepted writes of `account_id` so far.
    pub fn of(&self, account_id: &str) -> u64 {
        self.lock().get(account_id).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn accounts_written(&self, body: &Value) -> Vec<String> {
        let update_of_table = |update: &Value| {
            (update["TableName"] == self.table)
                .then(|| update["Key"]["accountId"]["S"].as_str().map(str::to_owned))
                .flatten()
        };
        match body.get("TransactItems").and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .filter_map(|item| update_of_table(&item["Update"]))
                .collect(),
            // A lone UpdateItem (no ConditionCheck or Put of accounts is a write).
            None if body.get("UpdateExpression").is_some() => {
                update_of_table(body).into_iter().collect()
            }
            None => Vec::new(),
        }
    }
}

impl Intercept for AccountWrites {
    fn name(&self) -> &'static str {
        "AccountWrites"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let written = context
            .request()
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .map(|body| self.accounts_written(&body))
            .unwrap_or_default();
        cfg.interceptor_state().store_put(Writing(written));
        Ok(())
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().status().as_u16() == 200
            && let Some(Writing(accounts)) = cfg.load::<Writing>()
        {
            let mut counts = self.lock();
            for account in accounts {
                *counts.entry(account.clone()).or_default() += 1;
            }
        }
        Ok(())
    }
}

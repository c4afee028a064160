//! An SDK interceptor that counts AWS requests by service and operation (each operation
//! once, and each transmitted attempt), writes to the accounts table, and estimates the
//! DynamoDB capacity units they consume.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::ConfigBag;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use serde_json::Value;

use crate::capacity;

/// What was counted.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Operations started, by `Service.Operation`.
    pub operations: BTreeMap<String, u64>,
    /// Attempts transmitted (retries included), by `Service.Operation`.
    pub attempts: BTreeMap<String, u64>,
    /// Account items written (each `Update`/`Put` of the accounts table, also inside a
    /// `TransactWriteItems`), per attempt.
    pub account_writes: u64,
    /// `TransactWriteItems`/`UpdateItem` requests that wrote the accounts table.
    pub account_write_requests: u64,
    /// Estimated write and read request units (on-demand).
    pub wru: f64,
    pub rru: f64,
}

impl Counts {
    /// Operations of the service whose name contains `service` (any case, e.g.
    /// `dynamodb`, `sqs`, `cognito`), summed.
    pub fn service_total(&self, service: &str) -> u64 {
        sum_of(&self.operations, service)
    }

    /// Attempts of the service whose name contains `service`, summed.
    pub fn service_attempts(&self, service: &str) -> u64 {
        sum_of(&self.attempts, service)
    }
}

fn sum_of(map: &BTreeMap<String, u64>, service: &str) -> u64 {
    let needle = service.to_lowercase();
    map.iter()
        .filter(|(k, _)| {
            k.split('.')
                .next()
                .is_some_and(|s| s.to_lowercase().replace(' ', "").contains(&needle))
        })
        .map(|(_, v)| v)
        .sum()
}

/// The interceptor; clones share their counts.
#[derive(Debug, Clone, Default)]
pub struct Counter {
    counts: Arc<Mutex<Counts>>,
    accounts_table: Arc<Mutex<String>>,
}

impl Counter {
    /// Counts writes to the table named `name` as account writes.
    pub fn set_accounts_table(&self, name: &str) {
        if let Ok(mut table) = self.accounts_table.lock() {
            name.clone_into(&mut table);
        }
    }

    /// The counts so far.
    pub fn snapshot(&self) -> Counts {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Starts again from zero.
    pub fn reset(&self) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts = Counts::default();
        }
    }

    fn update(&self, f: impl FnOnce(&mut Counts)) {
        if let Ok(mut counts) = self.counts.lock() {
            f(&mut counts);
        }
    }

    fn accounts_table(&self) -> String {
        self.accounts_table
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default()
    }
}

fn key(cfg: &ConfigBag) -> (String, String) {
    cfg.load::<Metadata>().map_or_else(
        || ("unknown".to_owned(), "unknown".to_owned()),
        |m| (m.service().to_owned(), m.name().to_owned()),
    )
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "bench request counter"
    }

    // Once per operation; the operation's `Metadata` is in the bag from here on.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = key(cfg);
        self.update(|c| {
            *c.operations
                .entry(format!("{service}.{operation}"))
                .or_default() += 1
        });
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = key(cfg);
        let body: Option<Value> = if service == "DynamoDB" {
            context
                .request()
                .body()
                .bytes()
                .and_then(|b| serde_json::from_slice(b).ok())
        } else {
            None
        };
        let table = self.accounts_table();
        self.update(|c| {
            *c.attempts
                .entry(format!("{service}.{operation}"))
                .or_default() += 1;
            if let Some(body) = &body {
                c.wru += capacity::write_units(&operation, body);
                let writes = capacity::account_writes(&operation, body, &table);
                c.account_writes += writes;
                c.account_write_requests += u64::from(writes > 0);
            }
        });
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = key(cfg);
        if service != "DynamoDB" || !capacity::is_read(&operation) {
            return Ok(());
        }
        let response_len = context.response().body().bytes().map_or(0, <[u8]>::len);
        let units = capacity::read_units(&operation, response_len);
        self.update(|c| c.rru += units);
        Ok(())
    }
}

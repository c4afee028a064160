//! An SDK interceptor that counts AWS requests by service and operation (each operation
//! once, and each transmitted attempt), writes to the accounts table, and the DynamoDB
//! capacity units they consume: estimated from item sizes, and measured — it asks every
//! DynamoDB request for `ReturnConsumedCapacity=INDEXES` and adds up what each response
//! reports, per table and index.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::ConfigBag;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
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
    /// Capacity units DynamoDB reported, by table or `table/index`, tables by their
    /// template name (`TransactionsTable`) when known: written, read.
    pub measured: BTreeMap<String, Measured>,
    /// Operations whose response reported no consumed capacity, by name (DynamoDB Local
    /// reports none for PartiQL).
    pub unreported: BTreeMap<String, u64>,
    /// Estimated write units by operation (to stand in for those never reported).
    pub wru_by_operation: BTreeMap<String, f64>,
}

/// Capacity units one table or index consumed, as DynamoDB reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measured {
    pub write: f64,
    pub read: f64,
}

impl Counts {
    /// Measured write units, every table and index, plus the estimate for operations
    /// whose responses never reported any (see [`Counts::estimated_for`]); cancelled
    /// transactions apart.
    pub fn measured_wru(&self) -> f64 {
        let estimated: f64 = self
            .estimated_for()
            .iter()
            .filter_map(|operation| self.wru_by_operation.get(*operation))
            .sum();
        let written: f64 = self
            .measured
            .iter()
            .filter(|(name, _)| !name.ends_with(capacity::CANCELLED))
            .map(|(_, m)| m.write)
            .sum();
        written + estimated
    }

    /// Write units of cancelled transactions (see [`capacity::CANCELLED`]).
    pub fn cancelled_wru(&self) -> f64 {
        self.measured
            .iter()
            .filter(|(name, _)| name.ends_with(capacity::CANCELLED))
            .map(|(_, m)| m.write)
            .sum()
    }

    /// Write operations no response of which reported consumed capacity: their units
    /// are the estimate's.
    pub fn estimated_for(&self) -> Vec<&str> {
        self.unreported
            .keys()
            .filter(|operation| {
                self.wru_by_operation
                    .get(*operation)
                    .is_some_and(|w| *w > 0.0)
            })
            .map(String::as_str)
            .collect()
    }

    /// Measured read units, every table and index.
    pub fn measured_rru(&self) -> f64 {
        self.measured.values().map(|m| m.read).sum()
    }
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
    /// Physical table name → template name.
    table_names: Arc<Mutex<BTreeMap<String, String>>>,
}

impl Counter {
    /// Counts writes to the table named `name` as account writes.
    pub fn set_accounts_table(&self, name: &str) {
        if let Ok(mut table) = self.accounts_table.lock() {
            name.clone_into(&mut table);
        }
    }

    /// Reports the capacity of the table named `physical` under `logical`.
    pub fn name_table(&self, physical: &str, logical: &str) {
        if let Ok(mut names) = self.table_names.lock() {
            names.insert(physical.to_owned(), logical.to_owned());
        }
    }

    fn logical(&self, name: String) -> String {
        if let Some(table) = name.strip_suffix(&format!(" {}", capacity::CANCELLED)) {
            return format!("{} {}", self.logical(table.to_owned()), capacity::CANCELLED);
        }
        let (table, index) = name.split_once('/').unwrap_or((&name, ""));
        let known = self
            .table_names
            .lock()
            .ok()
            .and_then(|n| n.get(table).cloned());
        match (known, index) {
            (Some(table), "") => table,
            (Some(table), index) => format!("{table}/{index}"),
            (None, _) => name,
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

/// The items of the `TransactWriteItems` being sent, by table (see
/// [`capacity::transaction_items`]).
#[derive(Debug, Clone)]
struct TransactionItems(BTreeMap<String, (f64, f64)>);

impl aws_smithy_types::config_bag::Storable for TransactionItems {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
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
        if operation == "TransactWriteItems"
            && let Some(body) = &body
        {
            cfg.interceptor_state()
                .store_put(TransactionItems(capacity::transaction_items(body)));
        }
        let table = self.accounts_table();
        self.update(|c| {
            *c.attempts
                .entry(format!("{service}.{operation}"))
                .or_default() += 1;
            if let Some(body) = &body {
                let units = capacity::write_units(&operation, body);
                c.wru += units;
                *c.wru_by_operation.entry(operation.clone()).or_default() += units;
                let writes = capacity::account_writes(&operation, body, &table);
                c.account_writes += writes;
                c.account_write_requests += u64::from(writes > 0);
            }
        });
        Ok(())
    }

    // Asks every DynamoDB request that can report it for its consumed capacity, tables
    // and indexes apart. The functions ignore the extra response field.
    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = key(cfg);
        if service != "DynamoDB" || !capacity::reports_capacity(&operation) {
            return Ok(());
        }
        let request = context.request_mut();
        let Some(mut body) = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        else {
            return Ok(());
        };
        let Some(fields) = body.as_object_mut() else {
            return Ok(());
        };
        fields.insert("ReturnConsumedCapacity".to_owned(), "INDEXES".into());
        let bytes = serde_json::to_vec(&body)?;
        request
            .headers_mut()
            .insert("content-length", bytes.len().to_string());
        *request.body_mut() = SdkBody::from(bytes);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = key(cfg);
        if service != "DynamoDB" {
            return Ok(());
        }
        let bytes = context.response().body().bytes().unwrap_or_default();
        let units =
            capacity::is_read(&operation).then(|| capacity::read_units(&operation, bytes.len()));
        let reported = serde_json::from_slice::<Value>(bytes)
            .ok()
            .map(|body| {
                let items = cfg.load::<TransactionItems>().map(|items| &items.0);
                capacity::reported(&body["ConsumedCapacity"], &operation, items)
            })
            .unwrap_or_default()
            .into_iter()
            .map(|(name, units)| (self.logical(name), units))
            .collect::<Vec<_>>();
        let ok = context.response().status().is_success();
        self.update(|c| {
            if let Some(units) = units {
                c.rru += units;
            }
            if reported.is_empty() && ok {
                *c.unreported.entry(operation.clone()).or_default() += 1;
            }
            for (name, units) in reported {
                let entry = c.measured.entry(name).or_default();
                entry.write += units.write;
                entry.read += units.read;
            }
        });
        Ok(())
    }
}

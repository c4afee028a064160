//! Counting the AWS requests a piece of code makes, through the SDK's own interceptor
//! mechanism (`shared::aws::SdkConfig::with_interceptor`): every client built from the
//! config reports each HTTP attempt (SDK retries included) by service and operation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use shared::aws::Intercept;

/// DynamoDB operations that write (and are billed as writes, failed conditions too).
pub const DYNAMODB_WRITES: [&str; 6] = [
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    // PartiQL (the notification log's batched claims and settles: every use here writes).
    "BatchExecuteStatement",
];

/// Requests sent so far, by (service, operation). Clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter {
    counts: Arc<Mutex<HashMap<(String, String), u64>>>,
}

impl RequestCounter {
    /// Requests of `operation` sent to `service` (`DynamoDB`, `Cognito Identity Provider`).
    pub fn count(&self, service: &str, operation: &str) -> u64 {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(service.to_owned(), operation.to_owned()))
            .copied()
            .unwrap_or_default()
    }

    /// Every request sent to `service`, by operation.
    pub fn of(&self, service: &str) -> HashMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|((s, _), _)| s == service)
            .map(|((_, operation), n)| (operation.clone(), *n))
            .collect()
    }

    /// DynamoDB write requests sent so far.
    pub fn dynamodb_writes(&self) -> u64 {
        DYNAMODB_WRITES
            .iter()
            .map(|operation| self.count("DynamoDB", operation))
            .sum()
    }

    /// Cognito `ListUsers` requests sent so far.
    pub fn list_users(&self) -> u64 {
        self.count("Cognito Identity Provider", "ListUsers")
    }

    /// Forgets every count.
    pub fn reset(&self) {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let key = (metadata.service().to_owned(), metadata.name().to_owned());
            *self
                .counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key)
                .or_default() += 1;
        }
        Ok(())
    }
}

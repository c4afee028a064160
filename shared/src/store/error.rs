//! Storage failures. Business outcomes (a key already used, a missing account) are
//! values of the adapters' return types, not errors.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Error codes DynamoDB uses for throttling and contention: retry with backoff.
const RETRYABLE: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TransactionConflictException",
    "InternalServerError",
    "ServiceUnavailable",
];

/// A storage call failed, or an item is not in the expected shape.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The service answered with an error, or could not be reached.
    #[error("{operation} failed: {code}: {message}")]
    Service {
        operation: &'static str,
        code: String,
        message: String,
        retryable: bool,
    },
    /// A stored item lacks an attribute or holds an invalid value.
    #[error("stored item is invalid: {field}: {reason}")]
    Corrupt { field: &'static str, reason: String },
    /// A paging token that this service did not issue for this caller and query.
    #[error("invalid paging token")]
    InvalidPageToken,
}

impl StoreError {
    /// Wraps an SDK error, keeping its code and message (`Display` of SDK errors says
    /// only "service error").
    pub fn sdk<E, R>(operation: &'static str, error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error,
        R: std::fmt::Debug,
    {
        match error {
            SdkError::ServiceError(service) => {
                let err = service.err();
                let code = err.code().unwrap_or("Unknown").to_owned();
                let retryable = RETRYABLE.contains(&code.as_str());
                Self::Service {
                    operation,
                    message: err.message().unwrap_or_default().to_owned(),
                    code,
                    retryable,
                }
            }
            other => Self::Service {
                operation,
                code: "TransportError".to_owned(),
                message: format!("{other:?}"),
                retryable: true,
            },
        }
    }

    /// An item that is not in the shape this code writes.
    pub fn corrupt(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Corrupt {
            field,
            reason: reason.into(),
        }
    }

    /// Worth retrying (throttling, contention, transport).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Service {
                retryable: true,
                ..
            }
        )
    }

    /// The service's error code, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

//! Storage failures, and the one place that knows DynamoDB's error and cancellation
//! codes. Business outcomes (a key already used, a missing account) are values of the
//! adapters' return types, not errors.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// How a failed call, or one item of a cancelled `TransactWriteItems`, is to be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// A condition expression did not hold: an answer about the data, not a fault.
    ConditionFailed,
    /// Throttling or contention (a concurrent transaction on the same item): retry
    /// with backoff, the data is fine.
    Contention,
    /// A server or transport failure that may pass: retry with backoff.
    Transient,
    /// Retrying the same request cannot help (validation, access, unknown codes).
    Permanent,
}

impl ErrorClass {
    /// Contention and transient failures: worth another attempt after a pause.
    pub const fn is_retryable(self) -> bool {
        matches!(self, Self::Contention | Self::Transient)
    }

    /// A stable name for logs: `condition-failed`, `contention`, `transient`,
    /// `permanent`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ConditionFailed => "condition-failed",
            Self::Contention => "contention",
            Self::Transient => "transient",
            Self::Permanent => "permanent",
        }
    }
}

/// Classifies a DynamoDB error code (`ConditionalCheckFailedException`, ...) or a
/// `TransactionCanceledException` cancellation reason code (`ConditionalCheckFailed`,
/// `TransactionConflict`, `ThrottlingError`, ...). `None` (an item that did not fail)
/// and unknown codes are [`ErrorClass::Permanent`].
pub fn classify(code: &str) -> ErrorClass {
    match code {
        "ConditionalCheckFailedException" | "ConditionalCheckFailed" => ErrorClass::ConditionFailed,
        "ProvisionedThroughputExceededException"
        | "ProvisionedThroughputExceeded"
        | "ThrottlingException"
        | "ThrottlingError"
        | "RequestLimitExceeded"
        | "TransactionConflictException"
        | "TransactionConflict"
        | "TransactionInProgressException"
        | UNPROCESSED_KEYS => ErrorClass::Contention,
        "InternalServerError" | "ServiceUnavailable" | TRANSPORT_ERROR => ErrorClass::Transient,
        _ => ErrorClass::Permanent,
    }
}

/// The code given to a storage call that ended without an answer from the service and
/// outside the SDK (a lookup task that died): transient. The SDK's own transport
/// failures keep their kind as code (`Timeout`, `DispatchFailure`, ...; see
/// [`SdkFailure`](super::SdkFailure)).
pub const TRANSPORT_ERROR: &str = "TransportError";

/// The code given to a `BatchGetItem` whose keys DynamoDB kept leaving unprocessed
/// (it does so under throttling): contention.
pub const UNPROCESSED_KEYS: &str = "UnprocessedKeys";

/// The cancellation reason code of an item that did not fail.
pub const NO_FAILURE: &str = "None";

/// A storage call failed, or an item is not in the expected shape.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The service answered with an error, or could not be reached.
    #[error("{operation} failed: {code}: {message}")]
    Service {
        operation: &'static str,
        code: String,
        message: String,
        class: ErrorClass,
    },
    /// A stored item lacks an attribute or holds an invalid value.
    #[error("stored item is invalid: {field}: {reason}")]
    Corrupt { field: &'static str, reason: String },
    /// A paging token that this service did not issue for this caller and query.
    #[error("invalid paging token")]
    InvalidPageToken,
}

impl StoreError {
    /// Wraps an SDK error, classified as every SDK failure is
    /// ([`SdkFailure::from_sdk`](super::SdkFailure::from_sdk) with [`classify`]),
    /// keeping DynamoDB's message (`Display` of SDK errors says only "service error").
    pub fn sdk<E, R>(operation: &'static str, error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let failure = super::SdkFailure::from_sdk(error, classify);
        let message = match error {
            SdkError::ServiceError(service) => {
                service.err().message().unwrap_or_default().to_owned()
            }
            other => format!("{other:?}"),
        };
        Self::Service {
            operation,
            code: failure.code,
            message,
            class: failure.class,
        }
    }

    /// A service failure decided here (not read from an SDK error), classified by `code`.
    pub fn service(operation: &'static str, code: &str, message: impl Into<String>) -> Self {
        Self::Service {
            operation,
            code: code.to_owned(),
            message: message.into(),
            class: classify(code),
        }
    }

    /// An item that is not in the shape this code writes.
    pub fn corrupt(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Corrupt {
            field,
            reason: reason.into(),
        }
    }

    /// How to treat it: corrupt items and invalid tokens are permanent.
    pub const fn class(&self) -> ErrorClass {
        match self {
            Self::Service { class, .. } => *class,
            Self::Corrupt { .. } | Self::InvalidPageToken => ErrorClass::Permanent,
        }
    }

    /// Worth retrying (throttling, contention, transport).
    pub const fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }

    /// The service's error code, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_answers_not_faults() {
        for code in ["ConditionalCheckFailedException", "ConditionalCheckFailed"] {
            assert_eq!(classify(code), ErrorClass::ConditionFailed);
            assert!(!classify(code).is_retryable());
        }
    }

    #[test]
    fn throttling_and_transaction_conflicts_are_contention_to_retry() {
        for code in [
            "TransactionConflict",
            "TransactionConflictException",
            "ThrottlingError",
            "ThrottlingException",
            "ProvisionedThroughputExceeded",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "TransactionInProgressException",
        ] {
            assert_eq!(classify(code), ErrorClass::Contention, "{code}");
            assert!(classify(code).is_retryable());
        }
    }

    #[test]
    fn server_and_transport_failures_are_transient() {
        for code in ["InternalServerError", "ServiceUnavailable", TRANSPORT_ERROR] {
            assert_eq!(classify(code), ErrorClass::Transient, "{code}");
        }
    }

    #[test]
    fn validation_access_and_unknown_codes_are_permanent() {
        for code in [
            "ValidationException",
            "ValidationError",
            "AccessDeniedException",
            "ResourceNotFoundException",
            "ItemCollectionSizeLimitExceeded",
            NO_FAILURE,
            "SomethingNew",
        ] {
            assert_eq!(classify(code), ErrorClass::Permanent, "{code}");
        }
    }

    #[test]
    fn each_class_has_its_own_log_name() {
        let classes = [
            ErrorClass::ConditionFailed,
            ErrorClass::Contention,
            ErrorClass::Transient,
            ErrorClass::Permanent,
        ];
        let names: std::collections::HashSet<_> = classes.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), classes.len());
        assert_eq!(ErrorClass::Contention.as_str(), "contention");
    }

    #[test]
    fn a_built_failure_carries_the_class_of_its_code() {
        let error = StoreError::service("BatchGetItem", "ThrottlingException", "slow down");
        assert!(error.is_retryable());
        assert_eq!(error.code(), Some("ThrottlingException"));
        assert_eq!(
            StoreError::corrupt("balance", "not a number").class(),
            ErrorClass::Permanent
        );
        assert!(!StoreError::InvalidPageToken.is_retryable());
    }
}

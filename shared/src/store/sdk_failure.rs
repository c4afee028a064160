//! A failed AWS SDK call of any service, reduced to what is safe to log and store and
//! to what decides a retry: an error code, an [`ErrorClass`] and, for transport
//! failures only, the connector's description.
//!
//! Service error *messages* are never kept: some services put personal data in them
//! (SES and SNS name the recipient: "... failed the check: alice@example.com").
//! [`StoreError::sdk`](super::StoreError::sdk) keeps DynamoDB's messages; use this type
//! where a message may carry personal data.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::ErrorClass;

/// Why an AWS call failed, without any personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkFailure {
    /// The service's error code (`MessageRejected`, `ThrottlingException`), or the kind
    /// of transport failure (`DispatchFailure`, `Timeout`, `ResponseError`,
    /// `ConstructionFailure`).
    pub code: String,
    /// How to treat it; see [`SdkFailure::is_retryable`].
    pub class: ErrorClass,
    /// For transport failures, the connector's description (no request content).
    pub detail: Option<String>,
}

impl SdkFailure {
    /// A failure decided without calling a service (`HolderNotFound`).
    pub fn new(code: &str, class: ErrorClass) -> Self {
        Self {
            code: code.to_owned(),
            class,
            detail: None,
        }
    }

    /// Classifies an SDK error of any service: a service error by its code, through
    /// `classify_code` (the service's own list, e.g. [`classify`](super::classify)
    /// for DynamoDB); every transport failure (timeout, connection, unreadable
    /// response, a request that could not be built) as [`ErrorClass::Transient`], so
    /// that the work is retried and, if it never succeeds, kept (a dead-letter queue)
    /// rather than dropped.
    pub fn from_sdk<E, R>(
        error: &SdkError<E, R>,
        classify_code: impl FnOnce(&str) -> ErrorClass,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let transport = |code: &str| Self::new(code, ErrorClass::Transient);
        match error {
            SdkError::ServiceError(service) => {
                let code = service.err().code().unwrap_or("Unknown");
                Self::new(code, classify_code(code))
            }
            SdkError::TimeoutError(_) => transport("Timeout"),
            SdkError::DispatchFailure(_) => Self {
                detail: Some(DisplayErrorContext(error).to_string()),
                ..transport("DispatchFailure")
            },
            SdkError::ResponseError(_) => transport("ResponseError"),
            SdkError::ConstructionFailure(_) => transport("ConstructionFailure"),
            _ => transport("Unknown"),
        }
    }

    /// Worth another attempt (contention, transient).
    pub const fn is_retryable(&self) -> bool {
        self.class.is_retryable()
    }
}

impl std::fmt::Display for SdkFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::update_item::UpdateItemError;

    use super::*;
    use crate::store::classify;

    fn service_error(code: &str, message: &str) -> SdkError<UpdateItemError, ()> {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        SdkError::service_error(UpdateItemError::generic(meta), ())
    }

    #[test]
    fn a_service_error_keeps_its_code_and_class_but_never_its_message() {
        let error = service_error("ThrottlingException", "slow down, alice@example.com");
        let failure = SdkFailure::from_sdk(&error, classify);
        assert_eq!(failure.code, "ThrottlingException");
        assert_eq!(failure.class, ErrorClass::Contention);
        assert!(failure.is_retryable());
        assert_eq!(failure.detail, None);
        assert!(!failure.to_string().contains("alice"));
    }

    #[test]
    fn the_caller_s_list_decides_a_service_error_s_class() {
        let error = service_error("MessageRejected", "rejected");
        let failure = SdkFailure::from_sdk(&error, |_| ErrorClass::Permanent);
        assert_eq!(
            failure,
            SdkFailure::new("MessageRejected", ErrorClass::Permanent)
        );
        assert!(!failure.is_retryable());
    }

    #[test]
    fn transport_failures_are_transient_whatever_the_list_says() {
        let error: SdkError<UpdateItemError, ()> = SdkError::timeout_error("operation timeout");
        let failure = SdkFailure::from_sdk(&error, |_| ErrorClass::Permanent);
        assert_eq!(failure, SdkFailure::new("Timeout", ErrorClass::Transient));
        let error: SdkError<UpdateItemError, ()> = SdkError::construction_failure("no region");
        let failure = SdkFailure::from_sdk(&error, classify);
        assert_eq!(failure.class, ErrorClass::Transient);
        assert_eq!(failure.to_string(), "ConstructionFailure");
    }
}

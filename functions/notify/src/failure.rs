//! Failures of AWS calls, reduced to what is safe to log and what decides a retry.
//!
//! Service error *messages* are never kept: SES and SNS put the recipient's address or
//! number in them ("... failed the check: alice@example.com"). Only the error code is
//! logged and stored, plus, for transport failures, the connector's own description.

use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Why an AWS call failed, without any personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The service's error code (`MessageRejected`, `ThrottlingException`), or the kind
    /// of transport failure (`DispatchFailure`, `Timeout`, `ResponseError`).
    pub code: String,
    /// Retrying cannot help: the failure is recorded and the message is not retried.
    pub permanent: bool,
    /// For transport failures, the connector's description (no request content).
    pub detail: Option<String>,
}

impl Failure {
    /// A permanent failure decided without calling a provider (`HolderNotFound`).
    pub fn permanent(code: &str) -> Self {
        Self {
            code: code.to_owned(),
            permanent: true,
            detail: None,
        }
    }

    /// A transient failure decided without calling a provider.
    pub fn transient(code: &str) -> Self {
        Self {
            code: code.to_owned(),
            permanent: false,
            detail: None,
        }
    }

    /// Classifies an SDK error: a service error for which `is_permanent` holds is
    /// permanent; everything else (throttling, 5xx, unknown codes, transport) is
    /// transient, so the message is retried and, after the queue's maximum receive
    /// count, kept in the dead-letter queue rather than lost.
    pub fn from_sdk<E>(error: &SdkError<E>, is_permanent: impl FnOnce(&E) -> bool) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (code, permanent, detail) = match error {
            SdkError::ServiceError(service) => {
                let err = service.err();
                let code = err.code().unwrap_or("Unknown").to_owned();
                (code, is_permanent(err), None)
            }
            SdkError::TimeoutError(_) => ("Timeout".to_owned(), false, None),
            SdkError::DispatchFailure(_) => (
                "DispatchFailure".to_owned(),
                false,
                Some(DisplayErrorContext(error).to_string()),
            ),
            SdkError::ResponseError(_) => ("ResponseError".to_owned(), false, None),
            SdkError::ConstructionFailure(_) => ("ConstructionFailure".to_owned(), false, None),
            _ => ("Unknown".to_owned(), false, None),
        };
        Self {
            code,
            permanent,
            detail,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

//! What went wrong, as every edge reports it: a stable `code` (the REST body's `code`,
//! GraphQL's `errorType`), a sentence for a person, the offending field if any, and a
//! kind each edge maps to its own status (HTTP status, GraphQL error). Storage failures
//! are logged here with their cause and reach clients without internals.

use crate::store::StoreError;

/// The family of an error: what a client can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong (fix it).
    BadInput,
    /// The caller may not do this.
    Forbidden,
    /// Missing, or not the caller's (the two are never told apart).
    NotFound,
    /// The resource's state forbids it now (ACCOUNT_NOT_OPEN, ...).
    Conflict,
    /// Well-formed, but contradicts an earlier request (IDEMPOTENCY_KEY_REUSED).
    Unprocessable,
    /// A dependency is busy: retry later.
    Unavailable,
    /// Nothing the client did; it is safe to retry with the same Idempotency-Key.
    Internal,
}

/// An error of the application, before any edge renders it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    /// The input field at fault.
    pub field: Option<&'static str>,
    /// A finer machine-readable reason (an amount's `AMOUNT_TOO_PRECISE`, ...).
    pub reason: Option<&'static str>,
}

impl AppError {
    /// An error of `kind` with `code` and `message`.
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            field: None,
            reason: None,
        }
    }

    /// `VALIDATION_ERROR` naming `field`.
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            ..Self::new(ErrorKind::BadInput, "VALIDATION_ERROR", message)
        }
    }

    /// The same error with a finer `reason`.
    #[must_use]
    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    /// `NOT_FOUND`: `what` is missing or not the caller's.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "NOT_FOUND",
            format!("{what} not found."),
        )
    }

    /// `FORBIDDEN`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "FORBIDDEN", message)
    }

    /// `SEPARATION_OF_DUTIES`: an operator acting on their own account.
    pub fn separation_of_duties(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "SEPARATION_OF_DUTIES", message)
    }

    /// `IDEMPOTENCY_KEY_REUSED`: the key was used before with another request.
    pub fn idempotency_key_reused(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, "IDEMPOTENCY_KEY_REUSED", message)
    }

    /// A state conflict with its own `code`.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    /// `INVALID_NEXT_TOKEN`: a page token this service did not issue to this caller
    /// for this listing.
    pub fn invalid_next_token() -> Self {
        Self {
            field: Some("nextToken"),
            ..Self::new(
                ErrorKind::BadInput,
                "INVALID_NEXT_TOKEN",
                "nextToken is not valid for this listing; start again without it.",
            )
        }
    }

    /// `SERVICE_UNAVAILABLE`.
    pub fn unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            "SERVICE_UNAVAILABLE",
            "The service is busy; retry later.",
        )
    }

    /// `INTERNAL_ERROR`; log the cause before returning this.
    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "INTERNAL_ERROR",
            "The request could not be completed; it is safe to retry with the same Idempotency-Key.",
        )
    }

    /// A storage failure, logged with its cause: throttling and contention are
    /// `SERVICE_UNAVAILABLE` (retry), an unreadable page token `INVALID_NEXT_TOKEN`,
    /// anything else `INTERNAL_ERROR` with no internals.
    pub fn storage(operation: &'static str, error: &StoreError) -> Self {
        if matches!(error, StoreError::InvalidPageToken) {
            return Self::invalid_next_token();
        }
        tracing::error!(operation, error = %error, retryable = error.is_retryable(), "storage failure");
        if error.is_retryable() {
            Self::unavailable()
        } else {
            Self::internal()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_failures_reach_clients_by_what_they_can_do_without_internals() {
        let throttled = StoreError::service("PutItem", "ThrottlingException", "secret detail");
        let busy = AppError::storage("PutItem", &throttled);
        assert_eq!(
            (busy.kind, busy.code),
            (ErrorKind::Unavailable, "SERVICE_UNAVAILABLE")
        );
        assert!(!busy.message.contains("secret"));
        let broken = AppError::storage("GetItem", &StoreError::corrupt("balance", "not a number"));
        assert_eq!(
            (broken.kind, broken.code),
            (ErrorKind::Internal, "INTERNAL_ERROR")
        );
        assert!(!broken.message.contains("balance"));
        let token = AppError::storage("Query", &StoreError::InvalidPageToken);
        assert_eq!(token, AppError::invalid_next_token());
        assert_eq!(token.field, Some("nextToken"));
    }

    #[test]
    fn a_validation_error_names_its_field_and_may_carry_a_reason() {
        let error = AppError::validation("amount", "Amount has too many decimals.")
            .with_reason("AMOUNT_TOO_PRECISE");
        assert_eq!(error.code, "VALIDATION_ERROR");
        assert_eq!(error.field, Some("amount"));
        assert_eq!(error.reason, Some("AMOUNT_TOO_PRECISE"));
        assert_eq!(
            error.to_string(),
            "VALIDATION_ERROR: Amount has too many decimals."
        );
    }
}

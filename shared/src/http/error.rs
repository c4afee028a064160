//! Client-facing errors: a machine code, a human sentence, and a correct status.
//! 5xx bodies never carry internals: the cause is logged, not returned.

use lambda_http::http::StatusCode;
use serde_json::{Map, Value, json};

/// An error answered to the client as `{"code": ..., "message": ..., ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Map<String, Value>,
}

impl ApiError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    /// Adds a field to the body (e.g. the offending `field`, or an `example`).
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// 400 VALIDATION_ERROR naming the offending field.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message).with("field", field)
    }

    /// 400 for a body that is not valid JSON (or not an object).
    pub fn malformed_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MALFORMED_JSON", message)
    }

    /// 401, the same body whatever the reason (no hint for an attacker).
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Missing or invalid credentials.",
        )
    }

    /// 404 for anything missing *or* not owned by the caller (no existence leak).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{what} not found."),
        )
    }

    /// 413.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("The request body must be at most {limit} bytes."),
        )
        .with("limit", limit)
    }

    /// 415.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Content-Type must be application/json.",
        )
    }

    /// 429.
    pub fn too_many_requests() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "Too many requests; retry later.",
        )
    }

    /// 503 for a dependency that is unavailable or throttling.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "The service is busy; retry later.",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("code".to_owned(), json!(self.code));
        body.insert("message".to_owned(), json!(self.message));
        body.extend(self.details.clone());
        Value::Object(body)
    }

    /// The response for this error.
    pub fn into_response(self) -> lambda_http::Response<lambda_http::Body> {
        super::json(self.status, &self.body())
    }
}

/// As a test failure or a log shows it: `401 UNAUTHORIZED: Missing or invalid credentials.`
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_reads_as_its_status_code_and_message_and_its_body_carries_the_details() {
        let error = ApiError::payload_too_large(1024);
        assert_eq!(
            error.to_string(),
            "413 PAYLOAD_TOO_LARGE: The request body must be at most 1024 bytes."
        );
        assert_eq!(
            error.body(),
            json!({
                "code": "PAYLOAD_TOO_LARGE",
                "message": "The request body must be at most 1024 bytes.",
                "limit": 1024,
            })
        );
    }
}

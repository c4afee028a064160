//! How the application's results reach HTTP clients: its errors as JSON error
//! responses, its listings as `{"items": [...], "nextToken": "..."}` (items rendered by
//! [`crate::views`]). The store and the application never build responses; this is
//! the one place they become them.

use lambda_http::http::StatusCode;
use serde_json::{Value, json};

use super::ApiError;

impl From<crate::app::AppError> for ApiError {
    /// The REST answer of an application error: its kind decides the status; the
    /// code, message, field and reason are the body.
    fn from(error: crate::app::AppError) -> Self {
        use crate::app::ErrorKind;
        let status = match error.kind {
            ErrorKind::BadInput => StatusCode::BAD_REQUEST,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut answer = Self::new(status, error.code, error.message);
        if let Some(field) = error.field {
            answer = answer.with("field", field);
        }
        if let Some(reason) = error.reason {
            answer = answer.with("reason", reason);
        }
        answer
    }
}

/// `{"items": [...], "nextToken": "..."}` of a page the application listed (no
/// `nextToken` on the last page), each item rendered by `render`.
pub fn listed_body<T>(listed: &crate::app::Listed<T>, render: impl Fn(&T) -> Value) -> Value {
    let items: Vec<Value> = listed.items.iter().map(render).collect();
    match &listed.next_token {
        Some(token) => json!({ "items": items, "nextToken": token }),
        None => json!({ "items": items }),
    }
}

//! How storage outcomes reach HTTP clients: listings, paging tokens and failures.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};

use super::{Page, PageToken, StoreError};
use crate::http::{ApiError, query_param};

/// The `?nextToken=` of a listing request: 400 `INVALID_NEXT_TOKEN` when it is not one
/// this service issued.
pub fn page_token(request: &Request) -> Result<Option<PageToken>, ApiError> {
    query_param(request, "nextToken")
        .map(|text| PageToken::decode(&text).map_err(|_| invalid_token()))
        .transpose()
}

fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_NEXT_TOKEN",
        "nextToken is not valid for this listing; start again without it.",
    )
    .with("field", "nextToken")
}

/// `{"items": [...], "nextToken": "..."}` (no `nextToken` on the last page).
pub fn list_body<T>(page: &Page<T>, render: impl Fn(&T) -> Value) -> Value {
    let items: Vec<Value> = page.items.iter().map(render).collect();
    match &page.next {
        Some(token) => json!({ "items": items, "nextToken": token.encode() }),
        None => json!({ "items": items }),
    }
}

/// The client-facing error for a storage failure, logged with its cause. Throttling
/// and contention answer 503 (retry), anything else 500 with no internals.
pub fn api_error(operation: &'static str, error: &StoreError) -> ApiError {
    match error {
        StoreError::InvalidPageToken => invalid_token(),
        _ => {
            tracing::error!(operation, error = %error, retryable = error.is_retryable(), "storage failure");
            if error.is_retryable() {
                ApiError::unavailable()
            } else {
                ApiError::internal()
            }
        }
    }
}

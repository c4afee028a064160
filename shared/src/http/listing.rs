//! How storage outcomes reach HTTP clients: listings (items rendered by
//! [`crate::views`]), paging tokens and failures. The store returns domain results and
//! [`StoreError`]s; this is the one place they become responses.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};

use super::{ApiError, query_param};
use crate::paging::BoundSealer;
use crate::store::{Page, PageToken, StoreError};

/// The `?nextToken=` of a listing request, opened for `pages`' caller and listing:
/// 400 `INVALID_NEXT_TOKEN` when it is not one this service issued to them for it.
pub fn page_token(
    request: &Request,
    pages: &BoundSealer<'_>,
) -> Result<Option<PageToken>, ApiError> {
    query_param(request, "nextToken")
        .map(|text| PageToken::open(&text, pages).map_err(|_| invalid_token()))
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

/// `{"items": [...], "nextToken": "..."}` (no `nextToken` on the last page), the
/// token sealed for `pages`' caller and listing.
pub fn list_body<T>(
    page: &Page<T>,
    pages: &BoundSealer<'_>,
    render: impl Fn(&T) -> Value,
) -> Result<Value, ApiError> {
    let items: Vec<Value> = page.items.iter().map(render).collect();
    Ok(match &page.next {
        Some(token) => {
            let sealed = token.seal(pages).map_err(|e| {
                tracing::error!(error = %e, listing = %pages.listing(), "page token not sealed");
                ApiError::internal()
            })?;
            json!({ "items": items, "nextToken": sealed })
        }
        None => json!({ "items": items }),
    })
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

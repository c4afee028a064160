//! HTTP edge shared by the API functions (API Gateway REST proxy integration through
//! `lambda_http`): JSON error bodies, security and CORS headers, strict body parsing.

#[cfg(feature = "app")]
mod app;
mod error;
mod request;
mod response;

#[cfg(feature = "app")]
pub use app::listed_body;
pub use error::ApiError;
pub use request::{
    DEFAULT_PAGE_SIZE, JSON_CONTENT_TYPE, MAX_BODY_BYTES, MAX_PAGE_SIZE, body_bytes, header,
    idempotency_key, json_body, json_body_up_to, optional_idempotency_key, optional_json_body,
    page_limit, path_param, path_segments, query_param, require_json_content_type,
};
pub use response::{created_headers, json, json_with_headers, raw_json, security_headers};

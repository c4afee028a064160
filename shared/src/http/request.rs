//! Reading a request: content type, size limit, strict JSON with errors that name the
//! offending field, path and query parameters.

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::domain::{EXAMPLE_UUID, IdempotencyKey};
use lambda_http::http::StatusCode;

/// The only accepted request media type.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// Largest accepted request body. A transaction request is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// A request header as text (`None` when absent or not valid UTF-8).
pub fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A path parameter by name (`{accountId}` in the route).
pub fn path_param(request: &Request, name: &str) -> Option<String> {
    request
        .path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_owned)
}

/// A query string parameter by name.
pub fn query_param(request: &Request, name: &str) -> Option<String> {
    request
        .query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::to_owned)
}

/// 415 unless the request says `Content-Type: application/json` (parameters such as
/// `charset=utf-8` allowed).
pub fn require_json_content_type(request: &Request) -> Result<(), ApiError> {
    let media_type = header(request, "content-type")
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if media_type.eq_ignore_ascii_case(JSON_CONTENT_TYPE) {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type())
    }
}

/// The body as bytes, refusing bodies over [`MAX_BODY_BYTES`] (413).
pub fn body_bytes(request: &Request) -> Result<&[u8], ApiError> {
    body_bytes_up_to(request, MAX_BODY_BYTES)
}

/// The body as bytes, refusing bodies over `max` bytes (413).
fn body_bytes_up_to(request: &Request, max: usize) -> Result<&[u8], ApiError> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > max {
        return Err(ApiError::payload_too_large(max));
    }
    Ok(bytes)
}

/// An optional JSON body: none at all (or only white space, no `Content-Type` needed)
/// is `T::default()`; anything else is parsed as by [`json_body`].
pub fn optional_json_body<T: DeserializeOwned + Default>(request: &Request) -> Result<T, ApiError> {
    if body_bytes(request)?.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json_body(request)
    }
}

/// Parses a JSON body strictly into `T`: 415 for another content type, 413 when too
/// large, 400 `MALFORMED_JSON` for invalid JSON, 400 `VALIDATION_ERROR` naming the field
/// for unknown fields, missing fields and wrong types.
pub fn json_body<T: DeserializeOwned>(request: &Request) -> Result<T, ApiError> {
    json_body_up_to(request, MAX_BODY_BYTES)
}

/// As [`json_body`], for a route that takes bodies of up to `max` bytes (a whole
/// statement to verify) instead of [`MAX_BODY_BYTES`].
pub fn json_body_up_to<T: DeserializeOwned>(request: &Request, max: usize) -> Result<T, ApiError> {
    require_json_content_type(request)?;
    let bytes = body_bytes_up_to(request, max)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed_json(
            "The request body is empty; a JSON object is required.",
        ));
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::malformed_json(
            "The request body must be a JSON object.",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(describe)?;
    deserializer.end().map_err(|e| {
        ApiError::malformed_json(format!("The request body is not valid JSON: {e}."))
    })?;
    Ok(value)
}

fn describe(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return ApiError::malformed_json(format!("The request body is not valid JSON: {inner}."));
    }
    let detail = strip_position(&inner.to_string());
    if let Some(field) = unknown_field(&detail) {
        return ApiError::validation(&field, format!("Unknown field `{field}`."));
    }
    if let Some(field) = missing_field(&detail) {
        return ApiError::validation(&field, format!("`{field}` is required."));
    }
    if path == "." || path.is_empty() {
        return ApiError::malformed_json(format!(
            "The request body must be a JSON object: {detail}."
        ));
    }
    ApiError::validation(&path, format!("`{path}`: {detail}."))
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn backticked(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    let rest = rest.strip_prefix('`')?;
    rest.find('`').map(|end| rest[..end].to_owned())
}

fn unknown_field(message: &str) -> Option<String> {
    backticked(message, "unknown field ")
}

fn missing_field(message: &str) -> Option<String> {
    backticked(message, "missing field ")
}

pub use crate::domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// `?limit=`: 1..=100, default 20 ([`crate::domain::page`]); anything else is a 400
/// naming `limit`.
pub fn page_limit(request: &Request) -> Result<i32, ApiError> {
    // Text that is not a whole number is out of range like 0.
    let requested = query_param(request, "limit").map(|text| text.parse::<i64>().unwrap_or(0));
    crate::domain::page::page_size(requested)
        .map_err(|error| ApiError::validation("limit", error.to_string()))
}

/// The request path's segments (`/accounts/42/transactions` → `["accounts", "42",
/// "transactions"]`), for routing. Uses API Gateway's resource template with the
/// path parameters filled in when present (the URI may carry a stage prefix).
pub fn path_segments(request: &Request) -> Vec<String> {
    if let Some(RequestContext::ApiGatewayV1(context)) = request.request_context_ref()
        && let Some(resource) = context.resource_path.as_deref()
    {
        return resource
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|segment| {
                segment
                    .strip_prefix('{')
                    .and_then(|s| s.strip_suffix('}'))
                    .and_then(|name| path_param(request, name.trim_end_matches('+')))
                    .unwrap_or_else(|| segment.to_owned())
            })
            .collect();
    }
    request
        .uri()
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The `Idempotency-Key` header: required, a UUID.
pub fn idempotency_key(request: &Request) -> Result<IdempotencyKey, ApiError> {
    optional_idempotency_key(request)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY_MISSING",
            "The Idempotency-Key header is required: send a new UUID (v4) per transaction.",
        )
        .with("example", EXAMPLE_UUID)
    })
}

/// The `Idempotency-Key` header where it is optional (`POST /accounts`): absent is
/// `None`, present must be a UUID.
pub fn optional_idempotency_key(request: &Request) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(raw) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let text = raw.to_str().unwrap_or_default().trim();
    IdempotencyKey::parse(text).map(Some).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY_INVALID",
            "The Idempotency-Key header must be a UUID.",
        )
        .with("example", EXAMPLE_UUID)
    })
}

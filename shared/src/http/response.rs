//! JSON responses with the security headers of the original service and CORS.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// Headers every response carries: no sniffing, HSTS, no caching of account data,
/// no framing, and CORS for the documented request headers.
pub fn security_headers() -> [(&'static str, &'static str); 8] {
    [
        ("X-Content-Type-Options", "nosniff"),
        (
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains; preload",
        ),
        ("Cache-Control", "no-store"),
        ("X-Frame-Options", "DENY"),
        (
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        ("Access-Control-Allow-Origin", "*"),
        (
            "Access-Control-Allow-Headers",
            "Content-Type,Authorization,Idempotency-Key",
        ),
        ("Access-Control-Allow-Methods", "GET,POST,OPTIONS"),
    ]
}

/// A JSON response with `status` and `body`.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Body> {
    json_with_headers(status, body, &[])
}

/// A JSON response with extra headers (e.g. `Location`, `Idempotent-Replayed`).
pub fn json_with_headers<T: Serialize + ?Sized>(
    status: StatusCode,
    body: &T,
    extra: &[(&'static str, String)],
) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    raw_json(status, text, extra)
}

/// The headers of a `201 Created` at `location`; a replay of an Idempotency-Key's
/// first answer also says `Idempotent-Replayed: true`.
pub fn created_headers(location: String, replayed: bool) -> Vec<(&'static str, String)> {
    let mut headers = vec![("Location", location)];
    if replayed {
        headers.push(("Idempotent-Replayed", "true".to_owned()));
    }
    headers
}

/// A response whose JSON body is already rendered (e.g. a stored idempotent reply).
pub fn raw_json(
    status: StatusCode,
    body: String,
    extra: &[(&'static str, String)],
) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in security_headers() {
        headers.insert(name, HeaderValue::from_static(value));
    }
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(*name, value);
        }
    }
    response
}

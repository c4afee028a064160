//! API Gateway (REST, proxy integration) with the Cognito User Pool authorizer, on
//! 127.0.0.1: routes from the template's `Api` events, a token check before any
//! function runs, REST proxy events in, proxy responses out.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body as AxumBody, to_bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response as AxumResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use lambda_http::RequestExt;
use serde_json::{Map, Value, json};
use shared::auth::{Claims, JwtVerifier};
use shared::trace::TraceId;

use crate::functions::{ApiHandler, FunctionDef, api_routes};

/// Largest body the gateway reads; larger ones are refused (413) before being read.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// One API method.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    /// The resource template, e.g. `/accounts/{accountId}`.
    pub resource: String,
    pub authorized: bool,
    pub handler: ApiHandler,
    pub function: String,
}

/// The gateway's state.
#[derive(Debug)]
pub struct Gateway {
    pub routes: Vec<Route>,
    pub verifier: JwtVerifier,
    pub stage: String,
    /// The template's AppSync GraphQL API, served at `POST /graphql`.
    pub graphql: Option<Arc<crate::appsync::GraphqlApi>>,
}

/// Routes for every `Api` event of `functions`.
pub fn routes(functions: &[FunctionDef], handlers: &[(String, ApiHandler)]) -> Vec<Route> {
    api_routes(functions)
        .into_iter()
        .filter_map(|route| {
            let (_, handler) = handlers.iter().find(|(id, _)| *id == route.function)?;
            Some(Route {
                method: route.method.parse::<Method>().ok()?,
                resource: route.path,
                authorized: route.authorized,
                handler: handler.clone(),
                function: route.function,
            })
        })
        .collect()
}

/// Path parameters if `path` matches the resource template.
fn matches(resource: &str, path: &str) -> Option<Map<String, Value>> {
    let template: Vec<&str> = resource.split('/').filter(|s| !s.is_empty()).collect();
    let actual: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if template.len() != actual.len() {
        return None;
    }
    let mut params = Map::new();
    for (t, a) in template.iter().zip(&actual) {
        match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(name) => {
                params.insert(name.to_owned(), json!(a));
            }
            None if t == a => {}
            None => return None,
        }
    }
    Some(params)
}

fn plain(status: StatusCode, body: &str) -> AxumResponse {
    let mut response = AxumResponse::new(AxumBody::from(body.to_owned()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

/// An AWS JSON answer: `body`, and for a refusal its error type in `x-amzn-errortype`
/// too, as AppSync (GraphQL and Events) names it.
pub(crate) fn aws_json(status: StatusCode, body: &Value, error_type: Option<&str>) -> AxumResponse {
    let mut response = plain(status, &body.to_string());
    if let Some(value) = error_type.and_then(|t| HeaderValue::from_str(t).ok()) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

fn cors(mut response: AxumResponse) -> AxumResponse {
    let headers = response.headers_mut();
    for (name, value) in shared::http::security_headers() {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

impl Gateway {
    /// Serves one HTTP request.
    pub async fn serve(self: Arc<Self>, request: axum::extract::Request) -> AxumResponse {
        let started = Instant::now();
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        let response = self.dispatch(request).await;
        tracing::info!(
            method = %method,
            path = %path,
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "api"
        );
        cors(response)
    }

    async fn dispatch(&self, request: axum::extract::Request) -> AxumResponse {
        let path = request.uri().path().to_owned();
        if path == "/graphql"
            && let Some(api) = &self.graphql
        {
            return self.graphql(api, request).await;
        }
        let candidates: Vec<(&Route, Map<String, Value>)> = self
            .routes
            .iter()
            .filter_map(|r| matches(&r.resource, &path).map(|p| (r, p)))
            .collect();
        if request.method() == Method::OPTIONS && !candidates.is_empty() {
            return plain(StatusCode::OK, "{}");
        }
        let Some((route, params)) = candidates
            .into_iter()
            .find(|(r, _)| r.method == request.method())
        else {
            return plain(
                StatusCode::FORBIDDEN,
                r#"{"message":"Missing Authentication Token"}"#,
            );
        };
        let claims = if route.authorized {
            match self.authorize(request.headers()).await {
                Some(claims) => Some(claims),
                None => return plain(StatusCode::UNAUTHORIZED, r#"{"message":"Unauthorized"}"#),
            }
        } else {
            None
        };
        let too_long = plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            r#"{"message":"Request Too Long"}"#,
        );
        let declared = request
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_REQUEST_BYTES) {
            return too_long;
        }
        let (mut parts, body) = request.into_parts();
        let Ok(body) = to_bytes(body, MAX_REQUEST_BYTES).await else {
            return too_long;
        };
        let trace = trace_header(&mut parts.headers);
        let event = proxy_event(&parts, &body, route, params, claims.as_ref(), &self.stage);
        let Ok(lambda_request) = lambda_http::request::from_str(&event.to_string()) else {
            return plain(
                StatusCode::BAD_GATEWAY,
                r#"{"message":"Internal server error"}"#,
            );
        };
        let mut context = lambda_http::Context::default();
        context.xray_trace_id = Some(trace);
        let lambda_request = lambda_request.with_lambda_context(context);
        into_axum(route.handler.call(lambda_request).await)
    }

    /// `POST /graphql`: the local AppSync endpoint.
    async fn graphql(
        &self,
        api: &Arc<crate::appsync::GraphqlApi>,
        request: axum::extract::Request,
    ) -> AxumResponse {
        if request.method() != Method::POST {
            return plain(
                StatusCode::METHOD_NOT_ALLOWED,
                r#"{"errors":[{"errorType":"MethodNotAllowed","message":"Use POST."}]}"#,
            );
        }
        let (parts, body) = request.into_parts();
        let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"errors":[{"errorType":"BadRequestException","message":"The request is too large."}]}"#,
            );
        };
        let (status, answer) = match self.graphql_requester(api, &parts, &body).await {
            Ok(requester) => api.serve(requester, &parts.headers, &body).await,
            Err(refused) => refused,
        };
        let error_type = answer["errors"][0]["errorType"]
            .as_str()
            .filter(|_| status != 200);
        aws_json(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &answer,
            error_type,
        )
    }

    /// Who sends a GraphQL request, per the API's auth modes: the IAM principal for a
    /// SigV4 `Authorization` (checked over the whole request: its refusal is the
    /// answer), otherwise a Cognito user (`None` without a valid IdToken: the same
    /// check as the REST API's authorizer).
    async fn graphql_requester(
        &self,
        api: &crate::appsync::GraphqlApi,
        parts: &axum::http::request::Parts,
        body: &[u8],
    ) -> Result<Option<crate::appsync::Requester>, (u16, Value)> {
        let signed = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(crate::iam::is_signature);
        if !signed {
            let claims = self.authorize(&parts.headers).await;
            return Ok(claims.map(|c| crate::appsync::Requester::Cognito(Box::new(c))));
        }
        let url = crate::iam::signed_url(&parts.headers, &parts.uri);
        let headers = crate::iam::header_list(&parts.headers);
        let request = crate::iam::SignedRequest {
            method: parts.method.as_str(),
            url: &url,
            headers: &headers,
            body,
        };
        api.authenticate_iam(&request).await.map(Some)
    }

    /// The Cognito authorizer: a valid IdToken in `Authorization` (raw or `Bearer`).
    async fn authorize(&self, headers: &HeaderMap) -> Option<Claims> {
        let value = headers.get("authorization")?.to_str().ok()?.trim();
        let token = value.strip_prefix("Bearer ").unwrap_or(value).trim();
        if token.is_empty() {
            return None;
        }
        match self.verifier.verify(token).await {
            Ok(claims) => Some(claims),
            Err(reason) => {
                tracing::info!(reason = reason.kind(), "authorizer refused the token");
                None
            }
        }
    }
}

/// API Gateway with tracing enabled: the request's X-Ray trace header, under the root
/// of a well-formed incoming `X-Amzn-Trace-Id` or a new one, with a new parent segment
/// (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`). It replaces whatever the
/// client sent in `headers` (the function reads it there, and in the Lambda context);
/// it is not returned to the client.
pub fn trace_header(headers: &mut HeaderMap) -> String {
    let root = headers
        .get(TRACE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(TraceId::from_header)
        .unwrap_or_else(TraceId::new_random);
    let header = root.header_with_new_parent();
    headers.remove(TRACE_HEADER);
    if let Ok(value) = HeaderValue::from_str(&header) {
        headers.insert(TRACE_HEADER, value);
    }
    header
}

/// `X-Amzn-Trace-Id` (header names are lowercase here).
const TRACE_HEADER: &str = "x-amzn-trace-id";

/// The authorizer's claims as API Gateway passes them: strings.
fn claims_json(claims: &Claims) -> Value {
    let mut map = json!({
        "sub": claims.sub,
        "iss": claims.iss,
        "aud": claims.aud,
        "token_use": claims.token_use,
        "exp": claims.exp.to_string(),
        "iat": claims.iat.to_string(),
    });
    if let Some(email) = &claims.email {
        map["email"] = json!(email);
    }
    if let Some(username) = &claims.username {
        map["cognito:username"] = json!(username);
    }
    if !claims.groups.is_empty() {
        map["cognito:groups"] = json!(claims.groups.join(","));
    }
    map
}

fn proxy_event(
    parts: &axum::http::request::Parts,
    body: &[u8],
    route: &Route,
    params: Map<String, Value>,
    claims: Option<&Claims>,
    stage: &str,
) -> Value {
    let mut headers = Map::new();
    let mut multi_headers = Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_owned(), json!(value));
        let entry = multi_headers
            .entry(name.as_str().to_owned())
            .or_insert_with(|| json!([]));
        if let Some(list) = entry.as_array_mut() {
            list.push(json!(value));
        }
    }
    let mut query = Map::new();
    let mut multi_query = Map::new();
    for (k, v) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
        let (k, v) = (k.into_owned(), v.into_owned());
        query.insert(k.clone(), json!(v));
        let entry = multi_query.entry(k).or_insert_with(|| json!([]));
        if let Some(list) = entry.as_array_mut() {
            list.push(json!(v));
        }
    }
    let (body, base64) = match std::str::from_utf8(body) {
        Ok(text) => (json!(text), false),
        Err(_) => (json!(BASE64.encode(body)), true),
    };
    let path = parts.uri.path();
    json!({
        "resource": route.resource,
        "path": path,
        "httpMethod": parts.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query) },
        "multiValueQueryStringParameters": if multi_query.is_empty() { Value::Null } else { Value::Object(multi_query) },
        "pathParameters": if params.is_empty() { Value::Null } else { Value::Object(params) },
        "stageVariables": null,
        "requestContext": {
            "accountId": crate::template::ACCOUNT_ID,
            "apiId": "local",
            "resourcePath": route.resource,
            "httpMethod": parts.method.as_str(),
            "path": format!("/{stage}{path}"),
            "stage": stage,
            "protocol": "HTTP/1.1",
            "requestId": uuid::Uuid::new_v4().to_string(),
            "requestTimeEpoch": chrono::Utc::now().timestamp_millis(),
            "identity": { "sourceIp": "127.0.0.1" },
            "authorizer": claims.map(|c| json!({ "claims": claims_json(c) })),
        },
        "body": body,
        "isBase64Encoded": base64,
    })
}

fn into_axum(response: lambda_http::Response<lambda_http::Body>) -> AxumResponse {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    let mut out = AxumResponse::new(AxumBody::from(bytes));
    *out.status_mut() = parts.status;
    *out.headers_mut() = parts.headers;
    out
}

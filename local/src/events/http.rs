//! `POST /event`: the HTTP publish.

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::State;
use axum::http::{StatusCode, request::Parts};
use axum::response::Response;
use serde_json::{Value, json};
use shared::events::{ChannelPath, Use};

use super::EventsApi;
use super::auth::{Presented, SignedRequest};
use super::frames::{self, Failure};
use crate::gateway::aws_json;

/// Largest body read: five events of 240 KB and their JSON escaping.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Serves one publish.
pub async fn publish(
    State(api): State<Arc<EventsApi>>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => api.publish_http(&parts, &body).await,
        Err(_) => Err((
            StatusCode::BAD_REQUEST,
            Failure::bad_request("the request body is too large"),
        )),
    };
    match outcome {
        Ok(answer) => aws_json(StatusCode::OK, &answer, None),
        Err((status, failure)) => {
            let body = json!({ "errors": failure.errors() });
            aws_json(status, &body, Some(failure.error_type))
        }
    }
}

type Refusal = (StatusCode, Failure);

fn bad_request(message: impl Into<String>) -> Refusal {
    (StatusCode::BAD_REQUEST, Failure::bad_request(message))
}

impl EventsApi {
    /// Checks, authorizes and delivers one HTTP publish; the answer's body.
    async fn publish_http(&self, parts: &Parts, body: &[u8]) -> Result<Value, Refusal> {
        let request: Value = serde_json::from_slice(body)
            .map_err(|_| bad_request("the request body is not JSON"))?;
        let channel = request["channel"]
            .as_str()
            .ok_or_else(|| bad_request("channel must be a string"))?;
        let channel = ChannelPath::parse(channel, Use::Publish)
            .map_err(|e| bad_request(format!("invalid channel: {e}")))?;
        let namespace = self
            .config
            .namespace(channel.namespace())
            .ok_or_else(|| bad_request("no channel namespace of that name"))?;
        let url = crate::iam::signed_url(&parts.headers, &parts.uri);
        let headers = crate::iam::header_list(&parts.headers);
        let presented = Presented {
            authorization: parts
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok()),
            signed: Some(SignedRequest {
                method: parts.method.as_str(),
                url: &url,
                headers: &headers,
                body,
            }),
        };
        if let Err(reason) = self.auth.authorize(&namespace.publish, presented).await {
            tracing::info!(channel = %channel, reason, "events: HTTP publish refused");
            return Err((StatusCode::UNAUTHORIZED, Failure::unauthorized()));
        }
        let events =
            frames::events(&request["events"]).map_err(|f| (StatusCode::BAD_REQUEST, f))?;
        let reached = self.broker.publish(&channel, &events);
        tracing::info!(channel = %channel, events = events.len(), subscriptions = reached, "events: published");
        Ok(json!({ "failed": [], "successful": frames::successful(events.len()) }))
    }
}

//! AppSync Events, emulated on the runtime's own listener (DESIGN §4 "Live events"):
//! the template's `AWS::AppSync::Api` with an `EventConfig` and its channel
//! namespaces, served as
//!
//! - `POST /event`, the HTTP publish: `{"channel", "events": ["<json>", ...]}` (1–5,
//!   each ≤ 240 KB), authorized per the namespace's publish auth modes (IAM: a SigV4
//!   signature for `appsync` in us-east-1 by the runtime's own credentials; Cognito:
//!   a token in `Authorization`), answered `{"failed": [], "successful": [...]}`, or
//!   401 `UnauthorizedException` / 400 `BadRequestException` with
//!   `x-amzn-errortype`;
//! - `GET /event/realtime`, the WebSocket (subprotocols `aws-appsync-event-ws` and
//!   `header-<base64url JSON of {Authorization, host}>`): `connection_init` →
//!   `connection_ack` then `ka` every minute, or `connection_error` and a close for
//!   refused credentials; `subscribe` authorized per the namespace's subscribe modes,
//!   then decided by its `onSubscribe` handler (the function's own code, invoked
//!   in-process with the event AppSync builds) → `subscribe_success` or
//!   `subscribe_error`; `data` frames for every event published to a channel the
//!   subscription receives; `unsubscribe`; `publish` → `publish_success` or
//!   `publish_error`.
//!
//! `EventsApi.Dns.Http` and `Dns.Realtime` resolve to `127.0.0.1:<port>` and URLs
//! built on them lose their TLS scheme ([`provision`]), so the functions publish
//! here.
//!
//! What differs from AWS: no TLS and one domain for both endpoints; the auth modes
//! emulated are Cognito user pools (IdTokens and access tokens of the stack's pool
//! and app client) and IAM over HTTP with the one local principal (no IAM policy
//! evaluation; SigV4 over the WebSocket is not emulated, so an IAM-only WebSocket
//! publish is refused), while API keys, Lambda and OIDC authorizers, APPSYNC_JS
//! handlers, `onPublish` handlers, custom domains, connection limits and rate limits
//! are not; delivery is in-process and immediate, a subscription is not re-checked
//! when its token expires, and `ka` never stops on an idle connection.

pub mod auth;
pub mod broker;
pub mod config;
pub mod frames;
mod http;
mod operations;
mod realtime;

use std::sync::Arc;

use axum::routing::{get, post};
use serde_json::{Value, json};
use shared::auth::{AuthConfig, JwtVerifier};

use crate::functions::FunctionDef;
use crate::template::{ACCOUNT_ID, REGION, Resolver, Template, scalar};

/// The path of the HTTP publish endpoint.
pub const HTTP_PATH: &str = "/event";
/// The path of the WebSocket endpoint.
pub const REALTIME_PATH: &str = "/event/realtime";

/// The emulated Events API.
#[derive(Debug)]
pub struct EventsApi {
    pub config: config::EventsConfig,
    pub auth: auth::Authorizer,
    pub broker: broker::Broker,
    /// The runtime's listening host: a caller's `sourceIp` when the peer is unknown.
    pub host: String,
}

impl EventsApi {
    /// The template's Events API, its Cognito mode checked against `auth`'s pool and
    /// client and its IAM mode against `sdk`'s credentials; `None` without one.
    pub fn from_template(
        template: &Template,
        resolver: &Resolver,
        defs: &[FunctionDef],
        sdk: &shared::aws::SdkConfig,
        auth: AuthConfig,
        host: &str,
    ) -> Result<Option<Arc<Self>>, String> {
        let Some(config) = config::read(template, resolver, defs)? else {
            return Ok(None);
        };
        let http = reqwest::Client::builder().build().unwrap_or_default();
        Ok(Some(Arc::new(Self {
            config,
            auth: auth::Authorizer {
                verifier: JwtVerifier::new(auth, http),
                iam: crate::iam::LocalIam::new(sdk),
            },
            broker: broker::Broker::default(),
            host: host.to_owned(),
        })))
    }

    /// The routes: `POST /event` and `GET /event/realtime`.
    pub fn router(self: &Arc<Self>) -> axum::Router {
        axum::Router::new()
            .route(HTTP_PATH, post(http::publish))
            .route(REALTIME_PATH, get(realtime::upgrade))
            .with_state(Arc::clone(self))
    }
}

/// `(eventsHttpUrl, eventsRealtimeUrl)` of the runtime listening on `authority`.
pub fn urls(authority: &str) -> (String, String) {
    (
        format!("http://{authority}{HTTP_PATH}"),
        format!("ws://{authority}{REALTIME_PATH}"),
    )
}

/// Records the Events APIs' attributes: `Dns.Http` and `Dns.Realtime` are this
/// runtime's `authority` (served without TLS: see [`Resolver::plain_text_domains`]),
/// `ApiId`/`ApiArn` made up; the AppSync data sources' `Name`s.
pub fn provision(template: &Template, resolver: &mut Resolver, authority: &str) {
    for (id, api) in template.resources("AWS::AppSync::Api") {
        if !api["Properties"]["EventConfig"].is_object() {
            continue;
        }
        let api_id = format!("local-{}", id.to_ascii_lowercase());
        let arn = format!("arn:aws:appsync:{REGION}:{ACCOUNT_ID}:apis/{api_id}");
        for (attribute, value) in [
            ("Dns.Http", authority),
            ("Dns.Realtime", authority),
            ("ApiId", api_id.as_str()),
            ("ApiArn", arn.as_str()),
        ] {
            resolver
                .attrs
                .insert(format!("{id}.{attribute}"), value.to_owned());
        }
        resolver.refs.insert(id, arn);
    }
    if !resolver.plain_text_domains.iter().any(|d| d == authority) {
        resolver.plain_text_domains.push(authority.to_owned());
    }
    for (id, source) in template.resources("AWS::AppSync::DataSource") {
        if let Some(name) = scalar(&source["Properties"]["Name"]) {
            resolver.attrs.insert(format!("{id}.Name"), name);
        }
    }
}

/// What `stack.json` says of the Events API at `authority`.
pub fn stack_info(authority: &str) -> Value {
    let (http, realtime) = urls(authority);
    json!({ "eventsHttpUrl": http, "eventsRealtimeUrl": realtime })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn notify_is_given_the_local_plain_http_publish_endpoint() {
        let (template, mut resolver) = config::tests::repository();
        provision(&template, &mut resolver, "127.0.0.1:4123");
        let defs = crate::functions::functions(&template, &resolver);
        let notify = defs.iter().find(|d| d.binary == "notify").unwrap();
        assert_eq!(
            notify
                .env
                .get(shared::events::publish::EVENTS_URL_ENV)
                .map(String::as_str),
            Some(urls("127.0.0.1:4123").0.as_str())
        );
    }
}

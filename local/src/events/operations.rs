//! The WebSocket's messages: `connection_init`, `subscribe` (authorized, then decided
//! by the namespace's `onSubscribe` handler), `unsubscribe` and `publish`.

use serde_json::{Value, json};
use shared::events::subscribe::event_for;
use shared::events::{ChannelPath, Use};

use super::auth::{Caller, Presented};
use super::config::{Handler, Namespace};
use super::frames::{self, CONNECTION_TIMEOUT_MS, Failure, ack_frame, error_frame};
use super::realtime::{Session, Step};
use crate::template::ACCOUNT_ID;

impl Session {
    /// Handles one text message.
    pub async fn handle(&self, text: &str) -> Step {
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            self.send(&error_frame(
                "error",
                None,
                &Failure::bad_request("a message is a JSON object"),
            ));
            return Step::Continue;
        };
        let kind = message["type"].as_str().unwrap_or_default();
        match (&self.caller, kind) {
            (Ok(_), "connection_init") => {
                self.send(&json!({"type": "connection_ack", "connectionTimeoutMs": CONNECTION_TIMEOUT_MS}));
                self.send(&json!({"type": "ka"}));
                return Step::Acknowledged;
            }
            (Err(reason), _) => {
                tracing::info!(reason, "events: connection refused");
                self.send(&error_frame(
                    "connection_error",
                    None,
                    &Failure::unauthorized(),
                ));
                return Step::Close;
            }
            _ => {}
        }
        let id = message["id"].as_str().filter(|id| !id.is_empty());
        match kind {
            "subscribe" => self.subscribe(id, &message).await,
            "unsubscribe" => self.unsubscribe(id),
            "publish" => self.publish(id, &message).await,
            _ => self.send(&error_frame(
                "error",
                id,
                &Failure::bad_request(format!("unsupported message type `{kind}`")),
            )),
        }
        Step::Continue
    }

    fn namespace(&self, channel: &ChannelPath) -> Result<&Namespace, Failure> {
        self.api
            .config
            .namespace(channel.namespace())
            .ok_or_else(|| Failure::bad_request("no channel namespace of that name"))
    }

    async fn subscribe(&self, id: Option<&str>, message: &Value) {
        let Some(id) = id else {
            let failure = Failure::bad_request("a subscribe message needs an id");
            return self.send(&error_frame("subscribe_error", None, &failure));
        };
        let outcome = if self.api.broker.has(self.id, id) {
            Err(Failure::bad_request(
                "a subscription with this id exists already",
            ))
        } else {
            self.admit(message).await
        };
        let frame = match outcome {
            Ok(channel) => {
                if self
                    .api
                    .broker
                    .subscribe(self.id, id, channel, self.out.clone())
                {
                    ack_frame("subscribe_success", id)
                } else {
                    let failure =
                        Failure::bad_request("a subscription with this id exists already");
                    error_frame("subscribe_error", Some(id), &failure)
                }
            }
            Err(failure) => error_frame("subscribe_error", Some(id), &failure),
        };
        self.send(&frame);
    }

    /// The channel of an allowed subscription: a valid path of an existing
    /// namespace, credentials its subscribe modes accept, and its handler's consent.
    async fn admit(&self, message: &Value) -> Result<ChannelPath, Failure> {
        let channel = ChannelPath::parse(
            message["channel"].as_str().unwrap_or_default(),
            Use::Subscribe,
        )
        .map_err(|e| Failure::bad_request(format!("invalid channel: {e}")))?;
        let namespace = self.namespace(&channel)?;
        let presented = Presented {
            authorization: message["authorization"]["Authorization"].as_str(),
            signed: None,
        };
        let caller = self
            .api
            .auth
            .authorize(&namespace.subscribe, presented)
            .await
            .map_err(|reason| {
                tracing::info!(channel = %channel, reason, "events: subscribe refused");
                Failure::unauthorized()
            })?;
        if let Some(handler) = &namespace.on_subscribe {
            let identity = self.identity(&caller);
            let event = event_for(&channel.to_string(), identity, self.request.clone());
            invoke(handler, &event).await?;
        }
        tracing::info!(channel = %channel, "events: subscribed");
        Ok(channel)
    }

    /// The `identity` AppSync hands a handler for `caller`.
    fn identity(&self, caller: &Caller) -> Value {
        match caller {
            Caller::Cognito(cognito) => cognito.identity(&self.source_ip),
            Caller::Iam => json!({
                "accountId": ACCOUNT_ID,
                "sourceIp": [self.source_ip],
                "username": "local",
                "userArn": format!("arn:aws:iam::{ACCOUNT_ID}:root"),
            }),
        }
    }

    fn unsubscribe(&self, id: Option<&str>) {
        let frame = match id {
            Some(id) if self.api.broker.unsubscribe(self.id, id) => {
                ack_frame("unsubscribe_success", id)
            }
            _ => {
                let failure = Failure::bad_request("no subscription with this id");
                error_frame("unsubscribe_error", id, &failure)
            }
        };
        self.send(&frame);
    }

    async fn publish(&self, id: Option<&str>, message: &Value) {
        let Some(id) = id else {
            let failure = Failure::bad_request("a publish message needs an id");
            return self.send(&error_frame("publish_error", None, &failure));
        };
        let frame = match self.publish_checked(message).await {
            Ok(count) => json!({
                "type": "publish_success",
                "id": id,
                "successful": frames::successful(count),
                "failed": [],
            }),
            Err(failure) => error_frame("publish_error", Some(id), &failure),
        };
        self.send(&frame);
    }

    /// Delivers a WebSocket publish its namespace's publish modes allow; how many
    /// events it carried.
    async fn publish_checked(&self, message: &Value) -> Result<usize, Failure> {
        let channel = ChannelPath::parse(
            message["channel"].as_str().unwrap_or_default(),
            Use::Publish,
        )
        .map_err(|e| Failure::bad_request(format!("invalid channel: {e}")))?;
        let namespace = self.namespace(&channel)?;
        let presented = Presented {
            authorization: message["authorization"]["Authorization"].as_str(),
            signed: None,
        };
        if let Err(reason) = self.api.auth.authorize(&namespace.publish, presented).await {
            tracing::info!(channel = %channel, reason, "events: WebSocket publish refused");
            return Err(Failure::unauthorized());
        }
        let events = frames::events(&message["events"])?;
        self.api.broker.publish(&channel, &events);
        Ok(events.len())
    }
}

/// Invokes an `onSubscribe` handler as AppSync does (a direct, synchronous Lambda
/// invocation with the function's timeout): `null` allows; `{"error": message}`, any
/// other answer, a failure or a timeout refuses.
async fn invoke<T: serde::Serialize>(handler: &Handler, event: &T) -> Result<(), Failure> {
    let event = serde_json::to_value(event).map_err(|_| Failure::unauthorized())?;
    let code = handler.code;
    let run = tokio::task::spawn_blocking(move || code(event));
    match tokio::time::timeout(handler.timeout, run).await {
        Ok(Ok(Value::Null)) => Ok(()),
        Ok(Ok(answer)) => {
            let message = answer["error"].as_str().unwrap_or(frames::UNAUTHORIZED);
            Err(Failure::unauthorized_because(message))
        }
        Ok(Err(_)) | Err(_) => {
            tracing::warn!(function = %handler.function, "events: the onSubscribe handler failed");
            Err(Failure::unauthorized())
        }
    }
}

//! The `onSubscribe` handler's event and decision: a subscriber gets exactly their
//! own channel, `/users/<their sub>`. Another user's sub, `/users/*`, `/*`, a deeper
//! path or a missing identity are refused, so a Cognito login never reads anyone
//! else's money movements.
//!
//! AppSync Events invokes a DIRECT Lambda handler with the event below (the shape
//! AWS documents and Powertools parses) and reads `null` as "allow" and
//! `{"error": "<message>"}` as "refuse" (the client gets `subscribe_error`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ChannelPath, NAMESPACE, Use};

/// `info.channel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    pub path: String,
    pub segments: Vec<String>,
}

/// `info.channelNamespace`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    pub name: String,
}

/// `info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub channel: Channel,
    pub channel_namespace: Namespace,
    /// `SUBSCRIBE` (or `PUBLISH` for an onPublish handler).
    pub operation: String,
}

/// `request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    #[serde(default)]
    pub headers: serde_json::Map<String, Value>,
    #[serde(default)]
    pub domain_name: Option<String>,
}

/// The event AppSync Events hands an `onSubscribe` DIRECT Lambda handler. `identity`
/// is the Cognito identity (`sub`, `issuer`, `username`, `claims`, `sourceIp`,
/// `defaultAuthStrategy`, `groups`) for a user pool subscriber, an IAM identity or
/// `null` otherwise: kept as JSON and read only for `sub`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnSubscribeEvent {
    #[serde(default)]
    pub identity: Value,
    #[serde(default)]
    pub result: Value,
    #[serde(default)]
    pub request: Request,
    pub info: Info,
    #[serde(default)]
    pub error: Value,
    #[serde(default)]
    pub prev: Value,
    #[serde(default)]
    pub stash: serde_json::Map<String, Value>,
    #[serde(default)]
    pub out_errors: Vec<Value>,
    #[serde(default)]
    pub events: Value,
}

/// The message of every refusal: the same whatever the reason, so a refusal never
/// tells whether another user's sub exists.
pub const REFUSED: &str = "Unauthorized: subscribe to your own channel, /users/<your sub>";

/// Allows the subscription when its channel is exactly the caller's own.
pub fn decide(event: &OnSubscribeEvent) -> Result<(), &'static str> {
    let sub = event.identity.get("sub").and_then(Value::as_str);
    let channel = ChannelPath::parse(&event.info.channel.path, Use::Subscribe);
    match (sub, channel) {
        (Some(sub), Ok(channel))
            if !sub.is_empty()
                && !channel.is_wildcard()
                && channel.segments() == [NAMESPACE, sub] =>
        {
            Ok(())
        }
        _ => Err(REFUSED),
    }
}

/// What the handler answers: `null` to allow, `{"error": ...}` to refuse.
pub fn response(decision: Result<(), &'static str>) -> Value {
    match decision {
        Ok(()) => Value::Null,
        Err(message) => serde_json::json!({ "error": message }),
    }
}

/// The event AppSync Events builds for a subscription to `path` by `identity` (used by
/// the local runtime, which invokes the handler as AppSync does, and by tests).
pub fn event_for(path: &str, identity: Value, request: Request) -> OnSubscribeEvent {
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    OnSubscribeEvent {
        identity,
        result: Value::Null,
        request,
        info: Info {
            channel_namespace: Namespace {
                name: segments.first().cloned().unwrap_or_default(),
            },
            channel: Channel {
                path: path.to_owned(),
                segments,
            },
            operation: "SUBSCRIBE".to_owned(),
        },
        error: Value::Null,
        prev: Value::Null,
        stash: serde_json::Map::new(),
        out_errors: Vec::new(),
        events: Value::Null,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const SUB: &str = "0f8c2f9e-5b7a-4c1d-9e2f-3a4b5c6d7e8f";

    fn cognito(sub: &str) -> Value {
        json!({
            "sub": sub,
            "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
            "username": "demo",
            "claims": {"sub": sub, "token_use": "id"},
            "sourceIp": ["127.0.0.1"],
            "defaultAuthStrategy": "ALLOW",
            "groups": null
        })
    }

    fn decide_for(path: &str, identity: Value) -> Result<(), &'static str> {
        decide(&event_for(path, identity, Request::default()))
    }

    #[test]
    fn a_holder_subscribes_to_their_own_channel() {
        assert_eq!(decide_for(&format!("/users/{SUB}"), cognito(SUB)), Ok(()));
        assert_eq!(response(Ok(())), Value::Null);
    }

    #[test]
    fn another_channel_a_wildcard_or_no_identity_is_refused_alike() {
        let other = "9a9a9a9a-0000-4000-8000-000000000000";
        for path in [
            format!("/users/{other}"),
            "/users/*".to_owned(),
            "/*".to_owned(),
            format!("/users/{SUB}/x"),
            format!("/users/{SUB}/*"),
            format!("/other/{SUB}"),
            "/users".to_owned(),
        ] {
            assert_eq!(decide_for(&path, cognito(SUB)), Err(REFUSED), "{path}");
        }
        assert_eq!(
            decide_for(&format!("/users/{SUB}"), Value::Null),
            Err(REFUSED)
        );
        assert_eq!(decide_for("/users/", cognito("")), Err(REFUSED));
        assert_eq!(response(Err(REFUSED)), json!({ "error": REFUSED }));
    }

    #[test]
    fn the_documented_event_shape_reads() {
        let event: OnSubscribeEvent = serde_json::from_value(json!({
            "identity": cognito(SUB),
            "result": null,
            "request": {"headers": {"host": "example.com"}, "domainName": "example.com"},
            "info": {
                "channel": {"path": format!("/users/{SUB}"), "segments": ["users", SUB]},
                "channelNamespace": {"name": "users"},
                "operation": "SUBSCRIBE"
            },
            "error": null, "prev": null, "stash": {}, "outErrors": [], "events": null
        }))
        .unwrap();
        assert_eq!(decide(&event), Ok(()));
        assert_eq!(
            serde_json::to_value(event_for(
                &format!("/users/{SUB}"),
                cognito(SUB),
                event.request.clone()
            ))
            .unwrap(),
            serde_json::to_value(&event).unwrap()
        );
    }
}

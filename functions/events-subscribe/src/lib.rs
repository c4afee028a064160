//! events-subscribe: the `users` channel namespace's `onSubscribe` handler. AppSync
//! Events invokes it (DIRECT Lambda integration) for every subscribe request it has
//! authenticated with Cognito; it allows exactly the caller's own channel
//! `/users/<sub>` and refuses everything else with one message (see
//! [`shared::events::subscribe`], where the rule lives).

use serde_json::Value;
use shared::events::subscribe::{OnSubscribeEvent, REFUSED, decide, response};

/// Answers one invocation: `null` allows the subscription, `{"error": ...}` refuses
/// it. An event that does not read as an onSubscribe event is refused, never allowed.
pub fn handle(event: Value) -> Value {
    let decision = match serde_json::from_value::<OnSubscribeEvent>(event) {
        Ok(event) => {
            let decision = decide(&event);
            // The channel path carries a sub, not a secret; the identity is not logged.
            tracing::info!(
                channel = %event.info.channel.path,
                allowed = decision.is_ok(),
                "subscribe request"
            );
            decision
        }
        Err(error) => {
            tracing::warn!(error = %error, "not an onSubscribe event: refused");
            Err(REFUSED)
        }
    };
    response(decision)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(path: &str, sub: &str) -> Value {
        let raw = include_str!("../../../events/events-subscribe.json");
        let mut event: Value = serde_json::from_str(raw).unwrap();
        event["identity"]["sub"] = json!(sub);
        event["info"]["channel"]["path"] = json!(path);
        event["info"]["channel"]["segments"] =
            json!(path.trim_start_matches('/').split('/').collect::<Vec<_>>());
        event
    }

    #[test]
    fn the_sample_event_subscribes_its_caller_to_their_own_channel() {
        let raw = include_str!("../../../events/events-subscribe.json");
        assert_eq!(handle(serde_json::from_str(raw).unwrap()), Value::Null);
    }

    #[test]
    fn another_users_channel_and_wildcards_are_refused() {
        let me = "4b0c7a55-9f62-4a8e-9d7f-0c1e2d3f4a5b";
        let other = "9a9a9a9a-0000-4000-8000-000000000000";
        for path in [
            format!("/users/{other}"),
            "/users/*".to_owned(),
            "/*".to_owned(),
        ] {
            assert_eq!(
                handle(event(&path, me)),
                json!({ "error": REFUSED }),
                "{path}"
            );
        }
    }

    #[test]
    fn an_unreadable_event_is_refused() {
        assert_eq!(
            handle(json!({"nothing": true})),
            json!({ "error": REFUSED })
        );
        assert_eq!(handle(Value::Null), json!({ "error": REFUSED }));
    }
}

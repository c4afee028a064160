//! What the Events API answers, over HTTP and over the WebSocket, and the checks a
//! published batch of events passes on both.

use serde_json::{Value, json};
use shared::events::{MAX_EVENT_BYTES, MAX_EVENTS_PER_PUBLISH};

/// How long a client waits for a keep-alive before it gives up (`connection_ack`).
pub const CONNECTION_TIMEOUT_MS: u64 = 300_000;

/// AWS's message for any refused credentials.
pub const UNAUTHORIZED: &str = "You are not authorized to make this call.";

/// An error type and message, as AWS lists them under `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error_type: &'static str,
    pub message: String,
}

impl Failure {
    pub fn unauthorized() -> Self {
        Self::unauthorized_because(UNAUTHORIZED)
    }

    pub fn unauthorized_because(message: impl Into<String>) -> Self {
        Self {
            error_type: "UnauthorizedException",
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            error_type: "BadRequestException",
            message: message.into(),
        }
    }

    /// `[{"errorType", "message"}]`.
    pub fn errors(&self) -> Value {
        json!([{ "errorType": self.error_type, "message": self.message }])
    }
}

/// `{"type": kind, "id": id, "errors": [...]}` (no `id` when there is none).
pub fn error_frame(kind: &str, id: Option<&str>, failure: &Failure) -> Value {
    let mut frame = json!({ "type": kind, "errors": failure.errors() });
    if let Some(id) = id {
        frame["id"] = json!(id);
    }
    frame
}

/// `{"type": kind, "id": id}`.
pub fn ack_frame(kind: &str, id: &str) -> Value {
    json!({ "type": kind, "id": id })
}

/// The publish answer's `successful` list: one new identifier per event, in order.
pub fn successful(count: usize) -> Value {
    Value::Array(
        (0..count)
            .map(|index| json!({ "identifier": uuid::Uuid::new_v4(), "index": index }))
            .collect(),
    )
}

/// The events of a publish: 1 to 5 strings, each holding valid JSON of at most
/// 240 KB.
pub fn events(value: &Value) -> Result<Vec<String>, Failure> {
    let Some(items) = value.as_array() else {
        return Err(Failure::bad_request(
            "events must be a list of JSON strings",
        ));
    };
    if items.is_empty() || items.len() > MAX_EVENTS_PER_PUBLISH {
        return Err(Failure::bad_request(format!(
            "a publish carries 1 to {MAX_EVENTS_PER_PUBLISH} events"
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = item
                .as_str()
                .ok_or_else(|| Failure::bad_request(format!("event {i} is not a string")))?;
            if text.len() > MAX_EVENT_BYTES {
                return Err(Failure::bad_request(format!(
                    "event {i} is larger than {MAX_EVENT_BYTES} bytes"
                )));
            }
            serde_json::from_str::<Value>(text)
                .map_err(|_| Failure::bad_request(format!("event {i} is not valid JSON")))?;
            Ok(text.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn one_to_five_json_strings_of_at_most_240_kb_make_a_publish() {
        assert_eq!(
            events(&json!(["{\"a\":1}", "2"])).unwrap(),
            ["{\"a\":1}", "2"]
        );
        let big = format!("\"{}\"", "x".repeat(MAX_EVENT_BYTES - 2));
        assert!(events(&json!([big])).is_ok());
        for refused in [
            json!([]),
            json!(["1", "2", "3", "4", "5", "6"]),
            json!([{"a": 1}]),
            json!(["{not json"]),
            json!([format!("\"{}\"", "x".repeat(MAX_EVENT_BYTES))]),
            json!("{}"),
        ] {
            let failure = events(&refused).unwrap_err();
            assert_eq!(failure.error_type, "BadRequestException", "{refused}");
        }
    }

    #[test]
    fn error_frames_list_their_errors_as_aws_does() {
        let frame = error_frame("subscribe_error", Some("7"), &Failure::unauthorized());
        assert_eq!(
            frame,
            json!({"type": "subscribe_error", "id": "7", "errors": [
                {"errorType": "UnauthorizedException", "message": UNAUTHORIZED}
            ]})
        );
        assert!(
            error_frame("error", None, &Failure::bad_request("x"))
                .get("id")
                .is_none()
        );
        assert_eq!(successful(2)[1]["index"], 1);
    }
}

//! Live events through the local runtime's AppSync Events emulation (DESIGN §4): the
//! WebSocket protocol and its authorization ([`websocket`]), the IAM-only HTTP
//! publish ([`publish`]), and the official Amplify client subscribing as a browser
//! would ([`amplify`]).

mod amplify;
mod publish;
mod websocket;

use integration_tests::events::{EventsSocket, WAIT, post_signed};
use integration_tests::local::LocalStack;
use serde_json::{Value, json};

/// Publishes `event` to `channel`, signed as notify signs; it must be accepted.
async fn published(s: &LocalStack, channel: &str, event: Value) {
    let answer = post_signed(s, channel, &[event]).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
}

/// Subscribes `id` to `channel` with `token`, which must succeed.
async fn subscribed(socket: &mut EventsSocket, id: &str, channel: &str, token: &str) {
    let answer = socket.subscribe(id, channel, token).await;
    assert_eq!(answer, json!({"type": "subscribe_success", "id": id}));
}

/// The next `count` frames, each of which must be a `data` frame.
async fn data_frames(socket: &mut EventsSocket, count: usize) -> Vec<Value> {
    let mut frames = Vec::new();
    for _ in 0..count {
        let frame = socket
            .next_frame(WAIT)
            .await
            .unwrap_or_else(|| panic!("a data frame"));
        assert_eq!(frame["type"], "data", "{frame}");
        frames.push(frame);
    }
    frames
}

/// The event a data frame carries, parsed from its JSON string.
fn event_of(frame: &Value) -> Value {
    serde_json::from_str(
        frame["event"]
            .as_str()
            .unwrap_or_else(|| panic!("event is a string: {frame}")),
    )
    .unwrap_or_else(|e| panic!("event is JSON: {e}"))
}

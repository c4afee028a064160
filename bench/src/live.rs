//! Live events: how long after `POST /transactions` answers 201 the holder's
//! subscriber receives the settlement, through the local runtime in-process (stream
//! consumer → notifications queue → notify → AppSync Events → WebSocket); and the raw
//! round trip of one signed `POST /event` to the subscriber.

use std::time::{Duration, Instant};

use integration_tests::events::{EventsSocket, holder, post_signed};
use integration_tests::gateway::{call, key, open_account, text};
use integration_tests::local::LocalStack;
use serde_json::{Value, json};

use crate::stats::Summary;

const WAIT: Duration = Duration::from_secs(30);

/// Runs `deposits` deposits one after the other, then as many bare publishes.
pub async fn run(deposits: usize) -> Result<Value, String> {
    let s = LocalStack::start().await;
    let alice = holder(&s).await;
    let account = open_account(&s, &alice.id_token).await;
    let mut socket = EventsSocket::connect(&s, &alice.access_token).await;
    let subscribed = socket
        .subscribe("bench", &alice.channel(), &alice.access_token)
        .await;
    if subscribed["type"] != "subscribe_success" {
        return Err(format!("subscribe: {subscribed}"));
    }
    let (mut accepted_ms, mut live_ms) = (Vec::new(), Vec::new());
    for _ in 0..deposits {
        let body = json!({"accountId": account, "type": "DEPOSIT", "amount": "1.00"});
        let started = Instant::now();
        let recorded = call(
            &s,
            "POST",
            "/transactions",
            Some(&alice.id_token),
            Some(&body),
            Some(&key()),
        )
        .await;
        if recorded.status != 201 {
            return Err(format!("POST /transactions: {}", recorded.status));
        }
        accepted_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let id = text(&recorded.body["transactionId"]);
        wait_for(&mut socket, |event| event["transactionId"] == id.as_str()).await?;
        live_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let mut publish_ms = Vec::new();
    for n in 0..deposits {
        let started = Instant::now();
        let answer = post_signed(&s, &alice.channel(), &[json!({ "n": n })]).await;
        if answer.status != 200 {
            return Err(format!("POST /event: {}", answer.status));
        }
        wait_for(&mut socket, |event| event["n"] == n).await?;
        publish_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok(json!({
        "deposits": deposits,
        "postTo201Ms": Summary::of(&accepted_ms).to_json(),
        "postToLiveEventMs": Summary::of(&live_ms).to_json(),
        "signedPublishToSubscriberMs": Summary::of(&publish_ms).to_json(),
    }))
}

/// Waits for the `data` frame whose event satisfies `wanted`.
async fn wait_for(
    socket: &mut EventsSocket,
    wanted: impl Fn(&Value) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let Some(frame) = socket.next_frame(WAIT).await else {
            break;
        };
        let event: Value =
            serde_json::from_str(frame["event"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
        if frame["type"] == "data" && wanted(&event) {
            return Ok(());
        }
    }
    Err("no live event within 30 s".to_owned())
}

//! Live events: how long after `POST /transactions` answers 201 the holder's
//! subscriber receives the settlement, through the local runtime in-process (stream
//! consumer → notifications queue → notify → AppSync Events → WebSocket), at idle and
//! while other clients load the API; and the raw round trip of one signed
//! `POST /event` to the subscriber.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use integration_tests::events::{EventsSocket, Holder, holder, post_signed};
use integration_tests::gateway::{call, key, open_account, text};
use integration_tests::local::LocalStack;
use serde_json::{Value, json};

use crate::load;
use crate::stats::Summary;

const WAIT: Duration = Duration::from_secs(180);

/// What the background load is: transactions, clients, users.
pub const LOAD: (usize, usize, usize) = (1500, 32, 8);

/// Latencies of one series of deposits, in ms.
#[derive(Debug, Default)]
struct Series {
    accepted: Vec<f64>,
    received: Vec<f64>,
    /// `createdAt` → `processedAt` (the ledger's part).
    settled: Vec<f64>,
    /// `processedAt` → received (queue, notify, publish, socket).
    told: Vec<f64>,
}

impl Series {
    fn to_json(&self) -> Value {
        json!({
            "deposits": self.received.len(),
            "postTo201Ms": Summary::of(&self.accepted).to_json(),
            "postToLiveEventMs": Summary::of(&self.received).to_json(),
            "createdToProcessedMs": Summary::of(&self.settled).to_json(),
            "processedToReceivedMs": Summary::of(&self.told).to_json(),
        })
    }
}

/// `deposits` deposits at idle, then `deposits` under load, then as many publishes.
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
    eprintln!("live-events: {deposits} deposits at idle");
    let idle = series(&s, &mut socket, &alice, &account, deposits).await?;

    let (transactions, clients, users) = LOAD;
    eprintln!("live-events: {deposits} deposits under a load of {transactions} transactions");
    let others = Arc::new(load::users(&s.stack, &s.info, &s.http, users).await?);
    let api = s.api.clone();
    let background =
        tokio::spawn(async move { load::run(&api, others, transactions, clients).await });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let loaded = series(&s, &mut socket, &alice, &account, deposits).await?;
    let load = background.await.map_err(|e| e.to_string())?;

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
        "idle": idle.to_json(),
        "underLoad": {
            "load": {
                "transactions": transactions,
                "clients": clients,
                "users": users,
                "accepted": load.ingest_ms.len(),
                "perSecond": load.ingest_ms.len() as f64 / load.elapsed_s.max(1e-9),
            },
            "series": loaded.to_json(),
        },
        "signedPublishToSubscriberMs": Summary::of(&publish_ms).to_json(),
        "publishesPerHolderTold": 1,
    }))
}

async fn series(
    s: &LocalStack,
    socket: &mut EventsSocket,
    alice: &Holder,
    account: &str,
    deposits: usize,
) -> Result<Series, String> {
    let mut out = Series::default();
    for _ in 0..deposits {
        let body = json!({"accountId": account, "type": "DEPOSIT", "amount": "1.00"});
        let started = Instant::now();
        let recorded = call(
            s,
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
        out.accepted.push(ms(started.elapsed()));
        let id = text(&recorded.body["transactionId"]);
        let event = wait_for(socket, |event| event["transactionId"] == id.as_str()).await?;
        out.received.push(ms(started.elapsed()));
        let created = instant(&recorded.body["createdAt"]);
        let processed = instant(&event["occurredAt"]);
        if let (Some(created), Some(processed)) = (created, processed) {
            out.settled.push(millis_between(created, processed));
            out.told.push(millis_between(processed, Utc::now()));
        }
    }
    Ok(out)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn instant(value: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn millis_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(0) as f64 / 1e3
}

/// Waits for the `data` frame whose event satisfies `wanted`; that event.
async fn wait_for(
    socket: &mut EventsSocket,
    wanted: impl Fn(&Value) -> bool,
) -> Result<Value, String> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let Some(frame) = socket.next_frame(WAIT).await else {
            break;
        };
        let event: Value =
            serde_json::from_str(frame["event"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
        if frame["type"] == "data" && wanted(&event) {
            return Ok(event);
        }
    }
    Err(format!("no live event within {} s", WAIT.as_secs()))
}

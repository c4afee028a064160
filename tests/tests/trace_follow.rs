//! Tracing across the asynchronous hops: one transaction followed in the logs by its
//! request's X-Ray trace root, from the POST (request-transaction) through the stream
//! consumer (process-transactions) and the queue to its email (notify), on the local
//! stack started from `template.yml`.
//!
//! The functions run in this process: a global subscriber writing JSON lines (as the
//! Lambdas do on AWS, see `shared::telemetry`) captures every hop. nextest runs each
//! test in its own process, so the global subscriber sees only this test's stack.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use integration_tests::local::LocalStack;
use integration_tests::moto;
use integration_tests::notify_fixture::logs::SharedWriter;
use serde_json::{Value, json};
use shared::store::TransactionsTable;
use shared::trace::TraceId;

/// The known root the client sends.
const ROOT: &str = "1-6758a3c1-0123456789abcdef01234567";

/// The process's captured log lines (the subscriber is installed on first use).
fn captured() -> Vec<Value> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    let buffer = BUFFER.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = SharedWriter(Arc::clone(&buffer));
        // The Lambdas' JSON format (shared::telemetry on Lambda).
        let installed = tracing_subscriber::fmt()
            .json()
            .without_time()
            .with_current_span(false)
            .with_target(false)
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_writer(move || writer.clone())
            .try_init();
        assert!(installed.is_ok(), "another global subscriber is installed");
        buffer
    });
    let text = String::from_utf8_lossy(&buffer.lock().unwrap_or_else(PoisonError::into_inner))
        .into_owned();
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|line| line.get("fields").cloned())
        .collect()
}

/// The captured lines saying `message` whose `field` is `value`.
fn lines(all: &[Value], message: &str, field: &str, value: &str) -> Vec<Value> {
    all.iter()
        .filter(|f| f["message"] == message && f[field] == value)
        .cloned()
        .collect()
}

/// Records a deposit with these extra headers; its transaction id.
async fn deposit(s: &LocalStack, token: &str, account: &str, headers: &[(&str, &str)]) -> String {
    let bearer = format!("Bearer {token}");
    let key = uuid::Uuid::new_v4().to_string();
    let mut all = vec![
        ("Authorization", bearer.as_str()),
        ("Idempotency-Key", key.as_str()),
    ];
    all.extend_from_slice(headers);
    let body = json!({ "accountId": account, "type": "DEPOSIT", "amount": "12.34" });
    let answer = s
        .send("POST", "/transactions", &all, Some(body.to_string()))
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    assert!(
        !answer.body.to_string().contains(&ROOT[2..10])
            && answer.body.get("traceId").is_none()
            && answer.headers.get("x-amzn-trace-id").is_none(),
        "the trace is never in the answer: {:?} {:?}",
        answer.body,
        answer.headers
    );
    answer.body["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The stored transaction's trace root.
async fn stored_trace(s: &LocalStack, id: &str) -> Option<TraceId> {
    let table = s.info["tables"]["TransactionsTable"].as_str().unwrap_or("");
    let transactions = TransactionsTable::new(s.stack.dynamodb.clone(), table);
    transactions
        .get_by_id(id)
        .await
        .unwrap_or_else(|e| panic!("read {id}: {e}"))
        .unwrap_or_else(|| panic!("{id} not stored"))
        .trace_id
}

#[tokio::test]
async fn one_transaction_is_followed_by_its_trace_id_from_the_post_to_the_email() {
    captured();
    let s = LocalStack::start().await;
    let (token, account) = s.demo_login().await;
    let header = format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1");
    let id = deposit(&s, &token, &account, &[("X-Amzn-Trace-Id", &header)]).await;
    assert_eq!(
        stored_trace(&s, &id).await.as_ref().map(TraceId::as_str),
        Some(ROOT)
    );

    // Wait for its email and for notify's line about it.
    let mut emailed = false;
    let mut notified = Vec::new();
    for _ in 0..300 {
        let data = moto::data(&s.stack).await;
        emailed = data["ses"]["Message"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m.to_string().contains(&id));
        notified = lines(&captured(), "notification sent", "event_id", &id)
            .into_iter()
            .filter(|f| f["channel"] == "email")
            .collect();
        if emailed && !notified.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(emailed, "no email about {id}");
    let all = captured();
    let recorded = lines(&all, "transaction recorded", "transaction_id", &id);
    let processed = lines(&all, "transaction processed", "transaction_id", &id);
    for (hop, found) in [
        ("request-transaction", &recorded),
        ("process-transactions", &processed),
        ("notify", &notified),
    ] {
        assert!(!found.is_empty(), "{hop}: no line about {id}");
        for line in found {
            assert_eq!(line["trace_id"], ROOT, "{hop}: {line}");
        }
    }
}

#[tokio::test]
async fn a_malformed_trace_header_is_never_stored_a_fresh_root_is_made_instead() {
    captured();
    let s = LocalStack::start().await;
    let (token, account) = s.demo_login().await;
    let forged = "Root=alice@example.com;Parent=<script>;Sampled=1";
    let id = deposit(&s, &token, &account, &[("X-Amzn-Trace-Id", forged)]).await;
    let stored = stored_trace(&s, &id)
        .await
        .unwrap_or_else(|| panic!("the gateway gives every request a trace"));
    assert_eq!(TraceId::parse(stored.as_str()), Some(stored.clone()));
    let text = captured().iter().map(Value::to_string).collect::<String>();
    assert!(
        !text.contains("alice@example.com") && !text.contains("<script>"),
        "{text}"
    );

    // Without a header, the gateway makes one too; every request its own.
    let other = deposit(&s, &token, &account, &[]).await;
    let fresh = stored_trace(&s, &other).await;
    assert!(fresh.is_some_and(|t| t != stored));
}

#[test]
fn the_gateway_forwards_a_valid_root_and_replaces_anything_else() {
    use local_runtime::gateway::trace_header;
    let mut headers = axum_headers(&[("x-amzn-trace-id", &format!("Root={ROOT};Sampled=0"))]);
    let sent = trace_header(&mut headers);
    assert_eq!(
        TraceId::from_header(&sent).as_ref().map(TraceId::as_str),
        Some(ROOT)
    );
    assert!(
        sent.contains(";Parent=") && sent.ends_with(";Sampled=1"),
        "{sent}"
    );
    assert_eq!(headers.get_all("x-amzn-trace-id").iter().count(), 1);
    assert_eq!(
        headers.get("x-amzn-trace-id").and_then(|v| v.to_str().ok()),
        Some(sent.as_str())
    );

    for bad in ["Root=1-6758A3C1-0123456789abcdef01234567", "nonsense", ""] {
        let mut headers = axum_headers(&[("x-amzn-trace-id", bad)]);
        let made = trace_header(&mut headers);
        let root = TraceId::from_header(&made).unwrap_or_else(|| panic!("{made}"));
        assert_ne!(root.as_str(), ROOT);
        assert!(!made.contains(bad) || bad.is_empty(), "{made}");
    }
}

fn axum_headers(pairs: &[(&'static str, &str)]) -> lambda_http::http::HeaderMap {
    let mut headers = lambda_http::http::HeaderMap::new();
    for (name, value) in pairs {
        if let Ok(value) = lambda_http::http::HeaderValue::from_str(value) {
            headers.append(*name, value);
        }
    }
    headers
}

/// On AWS the trace also reaches notify as the message's `AWSTraceHeader` (moto drops
/// it from `SendMessageBatch`, so the local follow above reads the body's `traceId`):
/// a body holding one notification without its own trace is logged under the header's
/// root; a packed body's header names one trace only, so it is not lent to the others;
/// a notification's own trace wins.
#[tokio::test]
async fn notify_logs_the_aws_trace_header_only_where_it_names_the_notification() {
    use integration_tests::notify_fixture::{
        HolderKind, LogCapture, NotifyFixture, body, completed_deposit, completed_transfer,
        failed_ids, packed,
    };
    let fx = NotifyFixture::new().await;
    let (from, to) = (
        fx.holder(HolderKind::EmailOnly).await,
        fx.holder(HolderKind::EmailOnly).await,
    );
    let lone = completed_deposit(&from);
    let transfer = completed_transfer(&from, &to);
    let mut own = completed_deposit(&to);
    own.transaction_id = shared::domain::TransactionId::new_random();
    own.trace_id = TraceId::parse("1-6758a3c1-ffffffffffffffffffffffff");
    let bodies = [body(&lone), packed(&transfer), body(&own)];
    let mut event = fx.deliver(&bodies).await;
    for record in &mut event.records {
        let header = format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1");
        record
            .attributes
            .insert("AWSTraceHeader".to_owned(), header);
    }
    let logs = LogCapture::start();
    let response = fx.app().handle(event).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");

    let sent = logs.outcomes("sent");
    let trace_of = |id: String| -> Vec<Value> {
        sent.iter()
            .filter(|f| f["event_id"] == id.as_str())
            .map(|f| f["trace_id"].clone())
            .collect()
    };
    assert_eq!(trace_of(lone.transaction_id.to_string()), [json!(ROOT)]);
    assert_eq!(
        trace_of(transfer[0].transaction_id.to_string()),
        [Value::Null, Value::Null]
    );
    assert_eq!(
        trace_of(own.transaction_id.to_string()),
        [json!("1-6758a3c1-ffffffffffffffffffffffff")]
    );
}

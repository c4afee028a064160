//! CPU per request of request-transaction's whole handler path: the REST proxy event
//! parsed as the Lambda runtime parses it, validation, identity from API Gateway's
//! authorizer claims (no JWKS), the account `GetItem` and the transaction `PutItem`
//! (signed and serialised by the SDK, answered in-process by a canned HTTP client),
//! and the 201 response. `make bench` copies criterion's estimate into its report.

#![allow(clippy::expect_used)] // a failure here is a bug in the benchmark harness

use std::hint::black_box;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use request_transaction::App;
use serde_json::{Value, json};
use shared::auth::Authenticator;
use shared::store::TableNames;

const OWNER: &str = "7d9c6f1e-3b2a-4c8d-9e0f-1a2b3c4d5e6f";
const ACCOUNT: &str = "0b7a6b1c-2f3e-4d5a-8b9c-0d1e2f3a4b5c";

/// DynamoDB answered in-process: the account for `GetItem`, `{}` for `PutItem`.
#[derive(Debug, Clone)]
struct Canned {
    account: String,
}

impl HttpConnector for Canned {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let body = if target.ends_with(".GetItem") {
            self.account.clone()
        } else {
            "{}".to_owned()
        };
        let status = StatusCode::try_from(200).expect("200 is a status code");
        HttpConnectorFuture::ready(Ok(Response::new(status, SdkBody::from(body))))
    }
}

impl HttpClient for Canned {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn account_item() -> String {
    json!({ "Item": {
        "accountId": { "S": ACCOUNT },
        "ownerId": { "S": OWNER },
        "name": { "S": "Everyday" },
        "currency": { "S": "USD" },
        "balance": { "N": "1500.25" },
        "status": { "S": "OPEN" },
        "version": { "N": "7" },
        "createdAt": { "S": "2026-11-25T09:21:00.123456Z" },
        "updatedAt": { "S": "2026-11-25T09:21:00.123456Z" },
    }})
    .to_string()
}

/// The single-threaded runtime the handler runs on in Lambda.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// SDK settings whose HTTP client is the in-process [`Canned`] DynamoDB.
fn canned_sdk(runtime: &tokio::runtime::Runtime) -> aws_config::SdkConfig {
    runtime.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .test_credentials()
            .http_client(Canned {
                account: account_item(),
            })
            .load(),
    )
}

/// `events/request-transaction.json`.
fn sample_event() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/request-transaction.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("sample event"))
        .expect("sample event is JSON")
}

/// The sample event of `events/request-transaction.json` with a fresh key each time.
fn event_text(event: &mut Value, n: u64) -> String {
    let key = format!("3f2c8a4e-9b1d-4c6e-8f7a-{n:012x}");
    event["headers"]["Idempotency-Key"] = json!(key);
    event["multiValueHeaders"]["Idempotency-Key"] = json!([key]);
    event.to_string()
}

fn handler(c: &mut Criterion) {
    let runtime = runtime();
    let sdk = canned_sdk(&runtime);
    let config = shared::aws::SdkConfig::from(sdk);
    let tables = TableNames {
        accounts: "accounts".to_owned(),
        transactions: "transactions".to_owned(),
    };
    let app = App::new(Authenticator::new(None), &config, &tables);
    let mut event = sample_event();
    let check = lambda_http::request::from_str(&event_text(&mut event, 0)).expect("event parses");
    let status = runtime.block_on(app.handle(check)).status();
    assert_eq!(status, 201, "the benchmarked path must be the 201 path");
    let mut n = 0u64;
    // The event text (what the Runtime API hands the function) is made outside the
    // measurement; parsing it is measured.
    c.bench_function("request_transaction_handle", |b| {
        b.iter_batched(
            || {
                n += 1;
                event_text(&mut event, n)
            },
            |text| {
                let request = lambda_http::request::from_str(&text).expect("event parses");
                black_box(runtime.block_on(app.handle(request)))
            },
            BatchSize::SmallInput,
        );
    });
}

/// The parts of the handler path, to see where its time goes: the runtime's event
/// parsing alone, and one SDK `PutItem` of a transaction-sized item alone.
fn parts(c: &mut Criterion) {
    let runtime = runtime();
    let mut event = sample_event();
    let mut n = 0u64;
    c.bench_function("event_parse", |b| {
        b.iter_batched(
            || {
                n += 1;
                event_text(&mut event, n)
            },
            |text| black_box(lambda_http::request::from_str(&text).expect("event parses")),
            BatchSize::SmallInput,
        );
    });
    let sdk = canned_sdk(&runtime);
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> = (0..16)
        .map(|i| {
            (
                format!("attribute{i}"),
                aws_sdk_dynamodb::types::AttributeValue::S("x".repeat(40)),
            )
        })
        .collect();
    c.bench_function("sdk_put_item", |b| {
        b.iter(|| {
            let put = client
                .put_item()
                .table_name("transactions")
                .set_item(Some(item.clone()))
                .condition_expression("attribute_not_exists(idempotencyKey)")
                .send();
            black_box(runtime.block_on(put).expect("canned answer"))
        });
    });
}

criterion_group!(benches, handler, parts);
criterion_main!(benches);

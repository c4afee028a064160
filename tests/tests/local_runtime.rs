//! The local runtime's reading of `template.yml` and its event source mappings.

use integration_tests::local::LocalStack;
use serde_json::json;

#[test]
fn every_route_of_the_api_contract_is_declared_in_the_template() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
    let mut routes: Vec<String> = local_runtime::template_api_routes(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|route| format!("{} {}", route.method, route.path))
        .collect();
    routes.sort();
    assert_eq!(
        routes,
        vec![
            "GET /accounts",
            "GET /accounts/{accountId}",
            "GET /accounts/{accountId}/balance",
            "GET /accounts/{accountId}/statements",
            "GET /accounts/{accountId}/statements/{period}",
            "GET /accounts/{accountId}/transactions",
            "GET /transactions",
            "GET /transactions/{transactionId}",
            "POST /accounts",
            "POST /accounts/{accountId}/close",
            "POST /accounts/{accountId}/freeze",
            "POST /accounts/{accountId}/statements/{period}",
            "POST /accounts/{accountId}/unfreeze",
            "POST /auth/login",
            "POST /auth/refresh",
            "POST /save/transaction",
            "POST /statements/verify",
            "POST /transactions",
            "POST /transactions/{transactionId}/capture",
            "POST /transactions/{transactionId}/reverse",
            "POST /transactions/{transactionId}/void",
        ]
    );
}

#[tokio::test]
async fn the_stack_file_names_everything_a_client_needs() {
    let s = LocalStack::start().await;
    for field in [
        "apiUrl",
        "region",
        "userPoolId",
        "userPoolClientId",
        "cognitoEndpoint",
        "dynamodbEndpoint",
        "motoEndpoint",
    ] {
        assert!(
            s.info[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {}",
            s.info
        );
    }
    for table in ["TransactionsTable", "AccountsTable", "NotificationLogTable"] {
        assert!(
            s.info["tables"][table].is_string(),
            "{table}: {}",
            s.info["tables"]
        );
    }
    for queue in ["NotificationsQueue", "NotificationsDLQ", "ProcessingDLQ"] {
        assert!(
            s.info["queues"][queue].is_string(),
            "{queue}: {}",
            s.info["queues"]
        );
    }
    assert!(s.info["demoUser"]["password"].is_string());
}

#[tokio::test]
async fn unknown_routes_look_like_api_gateway_and_preflight_is_answered() {
    let s = LocalStack::start().await;
    let unknown = s.call("GET", "/nowhere", None, None, None).await;
    assert_eq!(unknown.status, 403);
    assert_eq!(
        unknown.body,
        json!({ "message": "Missing Authentication Token" })
    );
    let preflight = s.call("OPTIONS", "/transactions", None, None, None).await;
    assert_eq!(preflight.status, 200);
    let allowed = preflight
        .headers
        .get("access-control-allow-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(allowed.contains("Idempotency-Key"), "{allowed}");
    let (token, _) = s.demo_login().await;
    let huge = "x".repeat(1024 * 1024);
    let answer = s
        .http
        .post(format!("{}/transactions", s.api))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status().as_u16(), 413);
}

/// An Idempotency-Key whose transaction (keyed `<sub>#<key>`) lands on virtual shard
/// `shard` of `shards`.
fn key_on_shard(sub: &str, shard: usize, shards: usize) -> String {
    loop {
        let key = uuid::Uuid::new_v4().to_string();
        if local_runtime::mapping::virtual_shard(&format!("{sub}#{key}"), shards) == shard {
            return key;
        }
    }
}

#[tokio::test]
async fn a_poison_record_goes_to_the_on_failure_queue_and_does_not_block_its_shard() {
    const SHARDS: usize = 4;
    let s = LocalStack::start_with_shards(|config| config, SHARDS).await;
    let table = s.info["tables"]["TransactionsTable"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let dlq = s.info["queues"]["ProcessingDLQ"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    s.put_poison(&table, "1").await;

    let found = s.stack.first_message(&dlq, 100).await;
    let failure = found.unwrap_or_else(|| panic!("nothing reached the on-failure queue"));
    assert_eq!(
        failure["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(
        failure["DDBStreamBatchInfo"]["batchSize"], 1,
        "only the poison record: {failure}"
    );
    assert_eq!(
        failure["records"][0]["dynamodb"]["NewImage"]["amount"]["S"], "ten",
        "replayable: {failure}"
    );

    // A good transaction on the poison record's virtual shard is still applied.
    let (token, demo_account) = s.demo_login().await;
    let sub = s.info["demoUser"]["sub"].as_str().unwrap_or_default();
    let shard = local_runtime::mapping::virtual_shard("poison#1", SHARDS);
    let body = json!({ "accountId": demo_account, "type": "DEPOSIT", "amount": "5" });
    let answer = s
        .call(
            "POST",
            "/transactions",
            Some(&token),
            Some(&body),
            Some(&key_on_shard(sub, shard, SHARDS)),
        )
        .await;
    let id = answer.body["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(s.settled(&token, &id).await["status"], "COMPLETED");
}

/// The local runtime makes the tables' indexes as `template.yml` declares
/// them (projections included), and the tests' tables (`tables::projection`) are the
/// same: a reader that needs a projected attribute fails in both or in neither.
#[tokio::test]
async fn local_runtime_provisions_the_template_s_projections() {
    let s = LocalStack::start().await;
    for (table, count) in [("TransactionsTable", 8), ("AccountsTable", 1)] {
        projections_as_declared(&s, table, count).await;
    }
}

async fn projections_as_declared(s: &LocalStack, table: &str, count: usize) {
    let table = s.info["tables"][table]
        .as_str()
        .unwrap_or_else(|| panic!("{}", s.info));
    let described = s
        .stack
        .dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let indexes = described
        .table()
        .map(|t| t.global_secondary_indexes())
        .unwrap_or_default();
    assert_eq!(indexes.len(), count, "{indexes:?}");
    for index in indexes {
        let name = index.index_name().unwrap_or_default();
        let projection = index.projection();
        let (kind, included) = integration_tests::tables::projection(name);
        assert_eq!(
            projection.and_then(|p| p.projection_type()),
            Some(&kind),
            "{name}"
        );
        let non_key: Vec<&str> = projection
            .map(|p| p.non_key_attributes().iter().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(non_key, included.into_iter().collect::<Vec<_>>(), "{name}");
    }
}

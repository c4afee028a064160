//! The GraphQL resolver as AppSync invokes it (direct Lambda resolvers, `Invoke` per
//! root field and one `BatchInvoke` for `Account.transactions` on a page), in-process
//! against DynamoDB Local: invocations and DynamoDB requests per query, and latency at
//! the resolver; then the same two operations through the local runtime's
//! `POST /graphql` (the AppSync emulation in front of the same handler), p50/p99.

use std::time::Instant;

use serde_json::{Value, json};

use crate::counter::Counter;
use crate::stats::Summary;

/// Accounts on the page, and transactions recorded on each.
const ACCOUNTS: usize = 10;
const PER_ACCOUNT: usize = 5;
/// Timed repetitions.
const ROUNDS: usize = 50;

/// The sample direct-resolver context every measured context starts from, read once.
fn sample(root: &std::path::Path) -> Result<Value, String> {
    let path = root.join("events").join("graphql-request-transaction.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// A direct resolver context for `parent.field`, from the Cognito user `sub`.
fn context(
    sample: &Value,
    sub: &str,
    parent: &str,
    field: &str,
    arguments: Value,
    source: Value,
) -> Result<Value, String> {
    let mut event = sample.clone();
    event["arguments"] = arguments;
    event["source"] = source;
    event["identity"]["sub"] = json!(sub);
    event["identity"]["claims"]["sub"] = json!(sub);
    event["info"]["parentTypeName"] = json!(parent);
    event["info"]["fieldName"] = json!(field);
    Ok(event)
}

/// Runs the GraphQL part; the JSON of the report.
pub async fn run(root: &std::path::Path) -> Result<Value, String> {
    let stack = integration_tests::TestStack::connect().await;
    let tables = integration_tests::tables::create_tables(&stack).await;
    let pages = stack.page_sealer().await;
    let counter = Counter::default();
    let config = stack.config.clone().with_interceptor(counter.clone());
    let app = graphql::App::new(&config, &tables, pages);
    let sample = sample(root)?;
    let sub = uuid::Uuid::new_v4().to_string();
    let call = |event: Value| {
        let app = app.clone();
        async move {
            app.handle(event)
                .await
                .map_err(|d| format!("{}: {}", d.error_type, d.error_message))
        }
    };

    // A user with ACCOUNTS accounts of PER_ACCOUNT transactions each.
    let mut record_ms = Vec::new();
    counter.reset();
    for _ in 0..ACCOUNTS {
        let opened = call(context(
            &sample,
            &sub,
            "Mutation",
            "openAccount",
            json!({ "input": {} }),
            Value::Null,
        )?)
        .await?;
        let account = opened["accountId"].clone();
        for n in 0..PER_ACCOUNT {
            let arguments = json!({
                "idempotencyKey": uuid::Uuid::new_v4().to_string(),
                "input": { "accountId": account, "type": "DEPOSIT", "amount": format!("{}.00", n + 1) },
            });
            let event = context(
                &sample,
                &sub,
                "Mutation",
                "requestTransaction",
                arguments,
                Value::Null,
            )?;
            let started = Instant::now();
            call(event).await?;
            record_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let setup = counter.snapshot();
    let recorded = ACCOUNTS * PER_ACCOUNT;

    // accounts(limit: ACCOUNTS) { items { transactions(limit: PER_ACCOUNT) { items { amount } } } }
    let mut query_ms = Vec::new();
    let mut requests = 0;
    let mut by_operation = serde_json::Map::new();
    for round in 0..ROUNDS {
        counter.reset();
        let started = Instant::now();
        let page = call(context(
            &sample,
            &sub,
            "Query",
            "accounts",
            json!({ "limit": ACCOUNTS }),
            Value::Null,
        )?)
        .await?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let batch = items
            .iter()
            .map(|account| {
                context(
                    &sample,
                    &sub,
                    "Account",
                    "transactions",
                    json!({ "limit": PER_ACCOUNT }),
                    account.clone(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let histories = call(Value::Array(batch)).await?;
        query_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        let counts = counter.snapshot();
        let complete = histories.as_array().is_some_and(|h| {
            h.len() == ACCOUNTS
                && h.iter()
                    .all(|item| item["data"]["items"].as_array().map(Vec::len) == Some(PER_ACCOUNT))
        });
        if !complete {
            return Err(format!("accounts query answered incompletely: {histories}"));
        }
        requests = counts.service_total("dynamodb");
        if round == 0 {
            for (operation, n) in &counts.operations {
                by_operation.insert(operation.clone(), json!(n));
            }
        }
    }
    let endpoint = through_endpoint(root).await?;
    Ok(json!({
        "endpoint": endpoint,
        "how": "the graphql function's handler driven as AppSync invokes direct Lambda resolvers (Invoke for Query.accounts, one BatchInvoke for Account.transactions), in-process against DynamoDB Local",
        "accountsWithTransactions": {
            "query": format!("accounts(limit: {ACCOUNTS}) {{ items {{ transactions(limit: {PER_ACCOUNT}) {{ items {{ amount }} }} }} }}"),
            "invocations": 2,
            "dynamodbRequests": requests,
            "byOperation": by_operation,
            "latencyMs": Summary::of(&query_ms).to_json(),
        },
        "requestTransaction": {
            "invocations": 1,
            "dynamodbRequestsPerCall": (setup.service_total("dynamodb") as f64 - ACCOUNTS as f64) / recorded as f64,
            "latencyMs": Summary::of(&record_ms).to_json(),
        },
    }))
}

/// p50/p99 of `requestTransaction` and of the accounts query through the local
/// runtime's `POST /graphql`.
async fn through_endpoint(root: &std::path::Path) -> Result<Value, String> {
    let counter = Counter::default();
    let (stack, info, tasks) = crate::pipeline::start(root, &counter, 1).await?;
    let http = reqwest::Client::new();
    let users = crate::load::users(&stack, &info, &http, 1).await?;
    let user = users.first().ok_or("no user")?;
    let url = info["graphqlUrl"]
        .as_str()
        .ok_or("no graphqlUrl in stack.json")?
        .to_owned();
    let post = |query: &'static str, variables: Value| {
        let (http, url, token) = (http.clone(), url.clone(), user.token.clone());
        async move {
            let started = Instant::now();
            let answer: Value = http
                .post(&url)
                .header("Authorization", token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            if answer.get("errors").is_some() {
                return Err(format!("GraphQL errors: {answer}"));
            }
            Ok::<f64, String>(started.elapsed().as_secs_f64() * 1000.0)
        }
    };
    const PAY: &str = "mutation P($key: ID!, $input: TransactionInput!) { requestTransaction(idempotencyKey: $key, input: $input) { replayed transaction { transactionId status } } }";
    const PAGE: &str = "{ accounts(limit: 10) { items { accountId transactions(limit: 5) { items { amount } } } nextToken } }";
    let mut pay_ms = Vec::new();
    for _ in 0..ROUNDS * 2 {
        let input = json!({ "accountId": user.account_id, "type": "DEPOSIT", "amount": "1.00" });
        pay_ms.push(
            post(
                PAY,
                json!({ "key": uuid::Uuid::new_v4().to_string(), "input": input }),
            )
            .await?,
        );
    }
    let mut page_ms = Vec::new();
    for _ in 0..ROUNDS {
        page_ms.push(post(PAGE, json!({})).await?);
    }
    for task in tasks {
        task.abort();
    }
    Ok(json!({
        "how": "HTTP to the local runtime's POST /graphql (auth, parse, validate, execute, the resolver in-process), one client, sequential",
        "requestTransactionMs": Summary::of(&pay_ms).to_json(),
        "accountsQueryMs": Summary::of(&page_ms).to_json(),
    }))
}

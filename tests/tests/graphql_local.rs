//! `POST /graphql` of the local runtime, as AppSync answers it: the Cognito auth mode,
//! documents validated against the schema, resolvers invoked with AppSync's contexts
//! (the batched `Account.transactions` once per page), errors with `errorType`.

use integration_tests::gateway::{id_token, key, new_user};
use integration_tests::local::LocalStack;
use serde_json::{Value, json};

/// (HTTP status, body) of a GraphQL request with `token`.
async fn gql(s: &LocalStack, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
    let url = s.info["graphqlUrl"].as_str().unwrap_or_default().to_owned();
    assert!(
        !url.is_empty(),
        "stack.json names the GraphQL endpoint: {}",
        s.info
    );
    let mut request = s
        .http
        .post(&url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.header("Authorization", token);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn error_types(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["errorType"].as_str().map(str::to_owned))
        .collect()
}

const OPEN: &str = "mutation Open($input: OpenAccountInput!) { openAccount(input: $input) { accountId balance status } }";
const REQUEST: &str = "mutation Pay($key: ID!, $input: TransactionInput!) {
  requestTransaction(idempotencyKey: $key, input: $input) { replayed transaction { transactionId status amount } }
}";

#[tokio::test]
async fn queries_and_mutations_answer_as_appsync_with_one_batch_per_page() {
    let s = LocalStack::start().await;
    let alice = new_user(&s).await;
    let mut accounts = Vec::new();
    for name in ["Main", "Savings"] {
        let (status, body) =
            gql(&s, Some(&alice), OPEN, json!({ "input": { "name": name } })).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["openAccount"]["balance"], "0.00", "{body}");
        accounts.push(
            body["data"]["openAccount"]["accountId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let payment = key();
    let input = json!({ "accountId": accounts[0], "type": "DEPOSIT", "amount": "12.50" });
    let (_, first) = gql(
        &s,
        Some(&alice),
        REQUEST,
        json!({ "key": payment, "input": input }),
    )
    .await;
    assert_eq!(
        first["data"]["requestTransaction"]["replayed"], false,
        "{first}"
    );
    let (_, again) = gql(
        &s,
        Some(&alice),
        REQUEST,
        json!({ "key": payment, "input": input }),
    )
    .await;
    assert_eq!(
        again["data"]["requestTransaction"]["replayed"], true,
        "{again}"
    );
    assert_eq!(
        again["data"]["requestTransaction"]["transaction"],
        first["data"]["requestTransaction"]["transaction"]
    );
    let reuse = json!({ "key": payment, "input": { "accountId": accounts[0], "type": "DEPOSIT", "amount": "1.00" } });
    let (_, reused) = gql(&s, Some(&alice), REQUEST, reuse).await;
    assert_eq!(error_types(&reused), ["IDEMPOTENCY_KEY_REUSED"], "{reused}");
    assert_eq!(reused["data"], Value::Null, "{reused}");
    assert_eq!(reused["errors"][0]["path"], json!(["requestTransaction"]));

    // Nested: the page's accounts with their transactions.
    let (status, page) = gql(
        &s,
        Some(&alice),
        "{ accounts(limit: 10) { items { accountId name transactions(limit: 5) { items { amount type } } } nextToken } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let items = page["data"]["accounts"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 2, "{page}");
    assert_eq!(
        items[0]["transactions"]["items"],
        json!([{ "amount": "12.50", "type": "DEPOSIT" }])
    );
    assert_eq!(items[1]["transactions"]["items"], json!([]));

    // Another user's account: null and NOT_FOUND, exactly like an unknown one.
    let mallory = new_user(&s).await;
    let read = "query One($id: ID!) { account(accountId: $id) { accountId balance } }";
    let (_, theirs) = gql(&s, Some(&mallory), read, json!({ "id": accounts[0] })).await;
    let (_, nobodys) = gql(&s, Some(&mallory), read, json!({ "id": key() })).await;
    assert_eq!(theirs["data"], json!({ "account": null }), "{theirs}");
    assert_eq!(error_types(&theirs), ["NOT_FOUND"]);
    assert_eq!(
        theirs["errors"][0]["message"],
        nobodys["errors"][0]["message"]
    );
    let _ = id_token;
}

#[tokio::test]
async fn bad_tokens_bad_documents_and_deep_queries_are_refused_before_any_resolver() {
    let s = LocalStack::start().await;
    for token in [None, Some("not-a-jwt")] {
        let (status, body) = gql(&s, token, "{ accounts { nextToken } }", json!({})).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(error_types(&body), ["UnauthorizedException"]);
    }
    let alice = new_user(&s).await;
    let (status, body) = gql(
        &s,
        Some(&alice),
        "{ accounts { items { nope } } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let types = error_types(&body);
    assert!(
        !types.is_empty() && types.iter().all(|t| t == "ValidationError"),
        "{body}"
    );
    assert_eq!(body["data"], Value::Null);
    assert!(
        body["errors"][1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nope")),
        "{body}"
    );
    // A variable of the wrong type is refused as AppSync refuses it.
    let (_, coerced) = gql(
        &s,
        Some(&alice),
        "query L($n: Int) { accounts(limit: $n) { nextToken } }",
        json!({ "n": "ten" }),
    )
    .await;
    assert_eq!(error_types(&coerced), ["ValidationError"], "{coerced}");
    // The deepest query the schema allows is within the template's QueryDepthLimit.
    let deep = "{ accounts { items { transactions { items { amount } } } } __typename a: accounts { items { transactions { items { amount } } } } }";
    let (_, ok) = gql(&s, Some(&alice), deep, json!({})).await;
    assert!(ok["errors"].is_null(), "five deep is allowed: {ok}");
    let fragment = "fragment T on TransactionPage { items { amount } }
      { accounts { items { transactions { ...T } } } }";
    let (_, fine) = gql(&s, Some(&alice), fragment, json!({})).await;
    assert!(fine["errors"].is_null(), "{fine}");
}

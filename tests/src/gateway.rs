//! Helpers for tests that call the local stack over HTTP as a client would: seeded
//! and new users, accounts, recorded transactions; no answer may be a 5xx.

use serde_json::{Value, json};

use crate::cognito::{self, TestPool};
use crate::local::{Answer, LocalStack};
use crate::unique_name;

/// The password of users the tests create.
pub const PASSWORD: &str = "Correct-Horse-9!";

/// A new Idempotency-Key.
pub fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A JSON string's text (empty when not a string).
pub fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// Username and password of a seeded user (`demoUser` or `adminUser`).
pub fn credentials(s: &LocalStack, who: &str) -> (String, String) {
    (
        text(&s.info[who]["username"]),
        text(&s.info[who]["password"]),
    )
}

/// The stack's own pool and app client, as the harness's Cognito helpers want them.
pub fn stack_pool(s: &LocalStack) -> TestPool {
    TestPool {
        pool_id: text(&s.info["userPoolId"]),
        client_id: text(&s.info["userPoolClientId"]),
        region: s.info["region"].as_str().unwrap_or("us-east-1").to_owned(),
    }
}

/// The IdToken of a seeded user through `POST /auth/login`.
pub async fn id_token(s: &LocalStack, who: &str) -> String {
    let (username, password) = credentials(s, who);
    s.login(&username, &password).await
}

/// A new, ordinary (non-admin) user in the stack's pool; returns their IdToken.
pub async fn new_user(s: &LocalStack) -> String {
    new_holder(s).await.0
}

/// A new, ordinary user; returns their IdToken and e-mail address (the username).
pub async fn new_holder(s: &LocalStack) -> (String, String) {
    // The stack's pool takes email addresses as usernames.
    let username = format!("{}@holder.example", unique_name("holder"));
    let email = username.clone();
    cognito::create_user(
        &s.stack,
        &stack_pool(s),
        &username,
        PASSWORD,
        &[("email", &email)],
    )
    .await;
    (s.login(&username, PASSWORD).await, username)
}

/// Opens an account for the caller; returns its id.
pub async fn open_account(s: &LocalStack, token: &str) -> String {
    let opened = call(
        s,
        "POST",
        "/accounts",
        Some(token),
        Some(&json!({ "name": "Own" })),
        None,
    )
    .await;
    assert_eq!(opened.status, 201, "open account: {:?}", opened.body);
    text(&opened.body["accountId"])
}

/// Records a transaction that must be accepted; returns its id.
pub async fn record(s: &LocalStack, token: &str, body: &Value) -> String {
    let answer = call(
        s,
        "POST",
        "/transactions",
        Some(token),
        Some(body),
        Some(&key()),
    )
    .await;
    assert_eq!(answer.status, 201, "record {body}: {:?}", answer.body);
    text(&answer.body["transactionId"])
}

/// `LocalStack::call`, refusing any 5xx.
pub async fn call(
    s: &LocalStack,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    key: Option<&str>,
) -> Answer {
    let answer = s.call(method, path, token, body, key).await;
    assert!(answer.status < 500, "{method} {path}: a 5xx: {answer:?}");
    answer
}

/// The first page of an account's history as `token`'s user sees it (which must be
/// answered 200).
pub async fn history_items(s: &LocalStack, token: &str, account: &str) -> Vec<Value> {
    let history = call(
        s,
        "GET",
        &format!("/accounts/{account}/transactions"),
        Some(token),
        None,
        None,
    )
    .await;
    assert_eq!(
        history.status, 200,
        "history of {account}: {:?}",
        history.body
    );
    history.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A request with full control over the `Authorization` header and extra headers,
/// refusing any 5xx.
pub async fn send(
    s: &LocalStack,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    if let Some(authorization) = authorization {
        all.push(("Authorization", authorization));
    }
    let answer = s.send(method, path, &all, body).await;
    assert!(answer.status < 500, "{path}: a 5xx: {answer:?}");
    answer
}

/// A valid IdToken of a user of another, freshly created pool (another issuer).
pub async fn token_of_another_pool(s: &LocalStack) -> String {
    let pool = cognito::create_pool(&s.stack).await;
    let username = unique_name("stranger");
    let email = format!("{username}@holder.example");
    cognito::create_user(&s.stack, &pool, &username, PASSWORD, &[("email", &email)]).await;
    cognito::login(&s.stack, &pool, &username, PASSWORD).await.0
}

/// A valid IdToken of the demo user through a second app client of the stack's own
/// pool (another audience).
pub async fn token_of_another_client(s: &LocalStack) -> String {
    let (username, password) = credentials(s, "demoUser");
    cognito::login_through_new_client(&s.stack, &stack_pool(s), &username, &password).await
}

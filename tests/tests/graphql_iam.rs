//! `POST /graphql` of the local runtime with AppSync's additional IAM auth mode: a
//! request SigV4-signed with the runtime's own credentials reads any account as an
//! operator does and changes nothing; a bad signature gets AppSync's IAM errors, no
//! credentials its 401; Cognito users keep to their own accounts.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use integration_tests::events::local_credentials;
use integration_tests::gateway::{key, new_user, text};
use integration_tests::local::LocalStack;
use serde_json::{Value, json};

fn url(s: &LocalStack) -> String {
    let url = text(&s.info["graphqlUrl"]);
    assert!(!url.is_empty(), "stack.json names the endpoint: {}", s.info);
    url
}

/// (HTTP status, body) of a GraphQL request with these extra headers.
async fn post(s: &LocalStack, body: &str, headers: &[(String, String)]) -> (u16, Value) {
    let answer = s.post_json(&url(s), body, headers).await;
    let body = if answer.body.is_string() {
        Value::Null
    } else {
        answer.body
    };
    (answer.status, body)
}

fn request(query: &str, variables: &Value) -> String {
    json!({ "query": query, "variables": variables }).to_string()
}

/// The SigV4 headers (service `appsync`, us-east-1) of `body` to the endpoint.
fn sign(s: &LocalStack, body: &str, credentials: &Credentials) -> Vec<(String, String)> {
    let content_type = [("content-type".to_owned(), "application/json".to_owned())];
    shared::events::sigv4::sign_headers(
        "POST",
        &url(s),
        &content_type,
        body.as_bytes(),
        credentials,
        "us-east-1",
        SystemTime::now(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A request signed with the runtime's credentials.
async fn as_iam(s: &LocalStack, query: &str, variables: Value) -> (u16, Value) {
    let body = request(query, &variables);
    let credentials = local_credentials(s).await;
    post(s, &body, &sign(s, &body, &credentials)).await
}

async fn as_user(s: &LocalStack, token: &str, query: &str, variables: Value) -> (u16, Value) {
    let headers = [("authorization".to_owned(), token.to_owned())];
    post(s, &request(query, &variables), &headers).await
}

fn error_type(body: &Value) -> String {
    text(&body["errors"][0]["errorType"])
}

const OPEN: &str =
    "mutation Open($input: OpenAccountInput!) { openAccount(input: $input) { accountId } }";
const PAY: &str = "mutation Pay($key: ID!, $input: TransactionInput!) {
  requestTransaction(idempotencyKey: $key, input: $input) { transaction { transactionId } }
}";
const READ: &str = "query Read($id: ID!, $tx: ID!) {
  account(accountId: $id) { accountId balance transactions(limit: 5) { items { transactionId amount } } }
  transactions(accountId: $id) { items { transactionId amount idempotencyKey } nextToken }
  transaction(transactionId: $tx) { transactionId amount status }
  accounts { items { accountId } nextToken }
  mine: transactions { items { transactionId } nextToken }
}";

/// Alice's new account with a deposit of 25.00: (token, account, transaction).
async fn alice_with_a_deposit(s: &LocalStack) -> (String, String, String) {
    let alice = new_user(s).await;
    let (_, opened) = as_user(s, &alice, OPEN, json!({ "input": { "name": "Main" } })).await;
    let account = text(&opened["data"]["openAccount"]["accountId"]);
    let input = json!({ "accountId": account, "type": "DEPOSIT", "amount": "25.00" });
    let (_, paid) = as_user(s, &alice, PAY, json!({ "key": key(), "input": input })).await;
    let transaction = text(&paid["data"]["requestTransaction"]["transaction"]["transactionId"]);
    assert!(!transaction.is_empty(), "{paid}");
    (alice, account, transaction)
}

#[tokio::test]
async fn an_iam_signed_query_reads_any_account_and_its_transactions_and_owns_nothing() {
    let s = LocalStack::start().await;
    let (_, account, transaction) = alice_with_a_deposit(&s).await;
    let (status, body) = as_iam(&s, READ, json!({ "id": account, "tx": transaction })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    let data = &body["data"];
    assert_eq!(data["account"]["accountId"], json!(account), "{body}");
    assert_eq!(
        data["account"]["transactions"]["items"],
        json!([{ "transactionId": transaction, "amount": "25.00" }])
    );
    let history = &data["transactions"]["items"];
    assert_eq!(history[0]["transactionId"], json!(transaction), "{body}");
    assert!(
        !text(&history[0]["idempotencyKey"]).is_empty(),
        "an operator's full view: {body}"
    );
    assert_eq!(data["transaction"]["amount"], "25.00");
    let empty = json!({ "items": [], "nextToken": null });
    assert_eq!(data["accounts"], empty, "an IAM principal owns no account");
    assert_eq!(data["mine"], empty, "and recorded no transaction");
}

#[tokio::test]
async fn an_iam_signed_mutation_is_unauthorized_with_data_null_and_opens_nothing() {
    let s = LocalStack::start().await;
    let (_, account, _) = alice_with_a_deposit(&s).await;
    let (status, body) = as_iam(&s, OPEN, json!({ "input": { "name": "Ops" } })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(error_type(&body), "Unauthorized");
    assert_eq!(
        body["errors"][0]["message"],
        "Not Authorized to access openAccount on type Mutation"
    );
    assert_eq!(body["errors"][0]["path"], json!(["openAccount"]));
    let input = json!({ "accountId": account, "type": "WITHDRAWAL", "amount": "5.00" });
    let (_, paid) = as_iam(&s, PAY, json!({ "key": key(), "input": input })).await;
    assert_eq!(paid["data"], Value::Null, "{paid}");
    assert_eq!(error_type(&paid), "Unauthorized");
    let (_, read) = as_iam(&s, READ, json!({ "id": account, "tx": key() })).await;
    assert_eq!(
        read["data"]["account"]["transactions"]["items"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "nothing was recorded: {read}"
    );
}

#[tokio::test]
async fn unsigned_and_wrongly_signed_requests_are_refused_before_any_resolver() {
    let s = LocalStack::start().await;
    let body = request("{ accounts { nextToken } }", &json!({}));
    let (status, unsigned) = post(&s, &body, &[]).await;
    assert_eq!(
        (status, error_type(&unsigned)),
        (401, "UnauthorizedException".to_owned())
    );
    let mine = local_credentials(&s).await;
    let wrong_secret = Credentials::new(mine.access_key_id(), "not-the-secret", None, None, "t");
    let (status, refused) = post(&s, &body, &sign(&s, &body, &wrong_secret)).await;
    assert_eq!(
        (status, error_type(&refused)),
        (403, "InvalidSignatureException".to_owned()),
        "{refused}"
    );
    let foreign = Credentials::new("AKIDFOREIGN", "secret", None, None, "t");
    let (status, refused) = post(&s, &body, &sign(&s, &body, &foreign)).await;
    assert_eq!(
        (status, error_type(&refused)),
        (403, "UnrecognizedClientException".to_owned()),
        "{refused}"
    );
    // A signature over another body does not sign this one.
    let other = request("{ accounts { items { accountId } } }", &json!({}));
    let (status, refused) = post(&s, &body, &sign(&s, &other, &mine)).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused["data"].is_null(), "{refused}");
}

#[tokio::test]
async fn a_cognito_user_still_cannot_read_another_users_account() {
    let s = LocalStack::start().await;
    let (alice, account, transaction) = alice_with_a_deposit(&s).await;
    let mallory = new_user(&s).await;
    let one = "query One($id: ID!) { account(accountId: $id) { accountId } }";
    let (_, theirs) = as_user(&s, &mallory, one, json!({ "id": account })).await;
    assert_eq!(theirs["data"], json!({ "account": null }), "{theirs}");
    assert_eq!(error_type(&theirs), "NOT_FOUND");
    let tx = "query Tx($id: ID!) { transaction(transactionId: $id) { amount } }";
    let (_, theirs) = as_user(&s, &mallory, tx, json!({ "id": transaction })).await;
    assert_eq!(error_type(&theirs), "NOT_FOUND", "{theirs}");
    let (_, own) = as_user(&s, &alice, one, json!({ "id": account })).await;
    assert_eq!(own["data"]["account"]["accountId"], json!(account), "{own}");
}

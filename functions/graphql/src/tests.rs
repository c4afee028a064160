//! The resolver's auth rules, with no table behind it: an endpoint nothing listens on,
//! so an answer that needed a table would be a storage error, not the one asserted.

use serde_json::{Value, json};
use shared::paging::PageSealer;
use shared::store::TableNames;

use crate::App;
use crate::event::{IAM_USER_PREFIX, Identity, Principal, ResolverEvent};

const IAM_EVENT: &str = include_str!("../../../events/graphql-iam-account.json");
const COGNITO_EVENT: &str = include_str!("../../../events/graphql-request-transaction.json");

fn sample(text: &str) -> Value {
    serde_json::from_str(text).expect("a sample event is JSON")
}

fn identity(value: Value) -> Identity {
    serde_json::from_value(value).expect("an AppSync identity")
}

/// The resolver on tables behind an endpoint nothing listens on.
fn offline() -> App {
    let sdk = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:1")
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let tables = TableNames {
        accounts: "accounts".to_owned(),
        transactions: "transactions".to_owned(),
    };
    let pages = PageSealer::from_secret(&"k".repeat(64)).expect("a strong secret");
    App::new(&sdk.into(), &tables, pages)
}

/// The IAM sample's context for `parent.field` with `arguments`.
fn iam_call(parent: &str, field: &str, arguments: Value) -> Value {
    let mut event = sample(IAM_EVENT);
    event["info"]["parentTypeName"] = json!(parent);
    event["info"]["fieldName"] = json!(field);
    event["arguments"] = arguments;
    event
}

async fn error_type(app: &App, event: Value) -> String {
    match app.handle(event).await {
        Ok(value) => panic!("answered {value}"),
        Err(diagnostic) => diagnostic.error_type,
    }
}

#[test]
fn an_iam_identity_is_an_operator_whose_user_id_is_its_arn_after_a_prefix() {
    let event: ResolverEvent = serde_json::from_value(sample(IAM_EVENT)).expect("an event");
    let principal = event
        .identity
        .and_then(|i| i.principal())
        .expect("a principal");
    let Principal::Iam(caller) = principal else {
        panic!("an IAM identity is an IAM principal: {principal:?}");
    };
    assert!(caller.operator);
    assert_eq!(
        caller.user_id.as_str(),
        format!("{IAM_USER_PREFIX}arn:aws:iam::123456789012:user/ops-audit")
    );
}

#[test]
fn a_cognito_identity_is_a_user_and_an_operator_only_in_the_admin_group() {
    let mut raw = sample(COGNITO_EVENT)["identity"].clone();
    let user = identity(raw.clone()).principal();
    let sub = raw["sub"].as_str().expect("a sub").to_owned();
    assert!(
        matches!(&user, Some(Principal::User(c)) if c.user_id.as_str() == sub && !c.operator),
        "{user:?}"
    );
    raw["groups"] = json!(["admin"]);
    let admin = identity(raw).principal();
    assert!(
        matches!(&admin, Some(Principal::User(c)) if c.operator),
        "{admin:?}"
    );
}

#[test]
fn an_identity_with_both_a_sub_and_an_arn_or_with_neither_is_no_caller() {
    let mut both = sample(IAM_EVENT)["identity"].clone();
    both["sub"] = json!("7d3e1b2a-5c4f-4e8d-9a6b-0c1d2e3f4a5b");
    assert_eq!(identity(both).principal(), None);
    let neither = json!({ "sourceIp": ["203.0.113.7"], "userArn": "", "sub": null });
    assert_eq!(identity(neither).principal(), None);
}

#[tokio::test]
async fn every_mutation_from_an_iam_principal_is_unauthorized_before_any_table_is_read() {
    let app = offline();
    let open = iam_call("Mutation", "openAccount", json!({ "input": {} }));
    assert_eq!(error_type(&app, open).await, "UNAUTHORIZED");
    let mut pay = sample(COGNITO_EVENT);
    pay["identity"] = sample(IAM_EVENT)["identity"].clone();
    assert_eq!(error_type(&app, pay).await, "UNAUTHORIZED");
    let hold = "3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47";
    for field in ["captureHold", "voidHold", "reverseTransaction"] {
        let arguments = json!({
            "transactionId": hold,
            "idempotencyKey": hold,
            "description": "why",
        });
        let call = iam_call("Mutation", field, arguments);
        assert_eq!(error_type(&app, call).await, "UNAUTHORIZED", "{field}");
    }
}

#[tokio::test]
async fn an_iam_principals_own_listings_are_empty_pages_read_from_no_table() {
    let app = offline();
    for (field, arguments) in [
        ("accounts", json!({ "limit": 5 })),
        ("transactions", json!({})),
        ("transactions", json!({ "accountId": null, "limit": 100 })),
    ] {
        let answer = app
            .handle(iam_call("Query", field, arguments))
            .await
            .unwrap_or_else(|d| panic!("{field}: {d:?}"));
        assert_eq!(answer, json!({ "items": [], "nextToken": null }), "{field}");
    }
    let token = iam_call("Query", "accounts", json!({ "nextToken": "anything" }));
    assert_eq!(error_type(&app, token).await, "INVALID_NEXT_TOKEN");
    let limit = iam_call("Query", "transactions", json!({ "limit": 0 }));
    assert_eq!(error_type(&app, limit).await, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_context_without_a_caller_is_unauthorized() {
    let app = offline();
    let mut event = sample(IAM_EVENT);
    event["identity"] = Value::Null;
    assert_eq!(error_type(&app, event).await, "UNAUTHORIZED");
}

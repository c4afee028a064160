//! The contexts the local AppSync builds, checked against AWS's documented shape (they
//! must read as `aws_lambda_events`' direct-resolver events) with a recording data
//! source in place of the graphql function.

use std::sync::{Arc, Mutex};

use apollo_compiler::ExecutableDocument;
use apollo_compiler::validation::Valid;
use aws_lambda_events::event::appsync::AppSyncDirectResolverEvent;
use serde_json::{Value, json};

use super::auth::tests::user;
use super::{DataSource, GraphqlApi, exec};
use crate::template::{Resolver, Template};

/// Answers like the graphql function would, and keeps every payload.
#[derive(Default)]
struct Recorder {
    payloads: Mutex<Vec<Value>>,
}

impl DataSource for Recorder {
    fn invoke(
        &self,
        payload: Value,
    ) -> futures::future::BoxFuture<'_, Result<Value, lambda_runtime::Diagnostic>> {
        if let Ok(mut payloads) = self.payloads.lock() {
            payloads.push(payload.clone());
        }
        Box::pin(async move {
            Ok(match payload {
                Value::Array(batch) => Value::Array(
                    batch
                        .iter()
                        .map(|_| json!({ "data": { "items": [{ "amount": "1.00" }], "nextToken": null } }))
                        .collect(),
                ),
                _ => json!({ "items": [
                    { "accountId": "a1", "name": "Main", "balance": "1.00" },
                    { "accountId": "a2", "name": "Savings", "balance": "0.00" },
                ], "nextToken": null }),
            })
        })
    }
}

/// The repository template's GraphQL API, its resolvers answered by `source`.
fn api(source: Arc<dyn DataSource>) -> GraphqlApi {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let template = Template::load(&root.join("template.yml")).unwrap_or_else(|e| panic!("{e}"));
    let mut resolver = Resolver {
        params: template.parameters(&[]),
        ..Resolver::default()
    };
    resolver.conditions = template.conditions(&resolver);
    GraphqlApi::from_template(&template, &resolver, &root, source)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the template has a GraphQL API"))
}

/// `query`, validated against `api`'s schema.
fn document(api: &GraphqlApi, query: &str) -> Valid<ExecutableDocument> {
    ExecutableDocument::parse_and_validate(&api.schema, query, "q.graphql")
        .unwrap_or_else(|e| panic!("{}", e.errors))
}

/// A request from a Cognito user, with no headers or variables.
fn bare(api: &Arc<GraphqlApi>) -> exec::Context {
    exec::Context::new(
        Arc::clone(api),
        user(&[]),
        serde_json::Map::new(),
        json!({}),
    )
}

#[tokio::test]
async fn the_runtime_builds_appsync_contexts_and_batches_a_page() {
    let recorder = Arc::new(Recorder::default());
    let api = Arc::new(api(recorder.clone()));
    let document = document(
        &api,
        "query Q($n: Int) { accounts(limit: $n) { items { accountId transactions(limit: 3) { items { amount } } } nextToken } }",
    );
    let alice = user(&[]);
    let identity = alice.identity("127.0.0.1");
    let context = exec::Context::new(
        Arc::clone(&api),
        alice,
        serde_json::Map::from_iter([("host".to_owned(), json!("127.0.0.1"))]),
        json!({ "n": 2 }),
    );
    let variables = serde_json::Map::from_iter([("n".to_owned(), json!(2))]);
    let answer = exec::execute(context, &document, None, variables).await;
    assert_eq!(
        answer,
        json!({ "data": { "accounts": { "items": [
            { "accountId": "a1", "transactions": { "items": [{ "amount": "1.00" }] } },
            { "accountId": "a2", "transactions": { "items": [{ "amount": "1.00" }] } },
        ], "nextToken": null } } })
    );

    let payloads = recorder
        .payloads
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    assert_eq!(
        payloads.len(),
        2,
        "one Invoke for the page, one BatchInvoke for its accounts"
    );
    let root: AppSyncDirectResolverEvent = serde_json::from_value(payloads[0].clone())
        .unwrap_or_else(|e| panic!("{e}: {}", payloads[0]));
    assert_eq!(
        (
            root.info.parent_type_name.as_str(),
            root.info.field_name.as_str()
        ),
        ("Query", "accounts")
    );
    assert_eq!(
        payloads[0]["arguments"],
        json!({ "limit": 2 }),
        "variables coerced into arguments"
    );
    assert_eq!(payloads[0]["info"]["variables"], json!({ "n": 2 }));
    assert_eq!(payloads[0]["identity"], identity);
    assert_eq!(
        root.info.selection_set_list,
        [
            "items",
            "items/accountId",
            "items/transactions",
            "items/transactions/items",
            "items/transactions/items/amount",
            "nextToken"
        ]
    );
    assert!(
        root.info
            .selection_set_graphql
            .contains("transactions(limit: 3)"),
        "{}",
        root.info.selection_set_graphql
    );
    for key in [
        "arguments",
        "identity",
        "source",
        "request",
        "prev",
        "info",
        "stash",
    ] {
        assert!(payloads[0].get(key).is_some(), "{key}");
    }
    let batch: Vec<AppSyncDirectResolverEvent> = serde_json::from_value(payloads[1].clone())
        .unwrap_or_else(|e| panic!("{e}: {}", payloads[1]));
    let sources: Vec<Value> = batch
        .iter()
        .map(|e| e.source.clone().unwrap_or_default()["accountId"].clone())
        .collect();
    assert_eq!(sources, [json!("a1"), json!("a2")]);
    assert!(
        batch
            .iter()
            .all(|e| e.info.parent_type_name == "Account" && e.info.field_name == "transactions")
    );
    assert_eq!(payloads[1][0]["arguments"], json!({ "limit": 3 }));
}

#[tokio::test]
async fn a_resolver_error_is_the_fields_error_with_its_type_and_path() {
    struct Refuses;
    impl DataSource for Refuses {
        fn invoke(
            &self,
            _: Value,
        ) -> futures::future::BoxFuture<'_, Result<Value, lambda_runtime::Diagnostic>> {
            Box::pin(async {
                Err(lambda_runtime::Diagnostic {
                    error_type: "NOT_FOUND".to_owned(),
                    error_message: "Account not found.".to_owned(),
                })
            })
        }
    }
    let api = Arc::new(api(Arc::new(Refuses)));
    let document = document(&api, "{ account(accountId: \"x\") { balance } }");
    let answer = exec::execute(bare(&api), &document, None, serde_json::Map::new()).await;
    assert_eq!(answer["data"], json!({ "account": null }));
    let error = &answer["errors"][0];
    assert_eq!(error["errorType"], "NOT_FOUND");
    assert_eq!(error["message"], "Account not found.");
    assert_eq!(error["path"], json!(["account"]));
    assert_eq!(error["data"], Value::Null);
    assert_eq!(error["locations"][0]["line"], 1);
}

#[tokio::test]
async fn a_request_needing_more_resolver_calls_than_the_limit_fails_there() {
    let recorder = Arc::new(Recorder::default());
    let mut limited = api(recorder.clone());
    assert_eq!(
        limited.resolver_limit, 500,
        "the template's ResolverCountLimit"
    );
    // The page (1 call) and its two accounts' transactions (2) pass a limit of 3 ...
    limited.resolver_limit = 3;
    let api = Arc::new(limited);
    let document = document(
        &api,
        "{ accounts { items { transactions { items { amount } } } } }",
    );
    let fits = exec::execute(bare(&api), &document, None, serde_json::Map::new()).await;
    assert!(fits.get("errors").is_none(), "{fits}");
    // ... not a limit of 2: the batch is refused, nothing invoked for it.
    let mut tighter = Arc::try_unwrap(api).unwrap_or_else(|_| panic!("shared"));
    tighter.resolver_limit = 2;
    let api = Arc::new(tighter);
    let before = recorder
        .payloads
        .lock()
        .map(|p| p.len())
        .unwrap_or_default();
    let over = exec::execute(bare(&api), &document, None, serde_json::Map::new()).await;
    assert_eq!(
        over["errors"][0]["errorType"], "ResolverCountLimitExceeded",
        "{over}"
    );
    let after = recorder
        .payloads
        .lock()
        .map(|p| p.len())
        .unwrap_or_default();
    assert_eq!(after - before, 1, "only the page was resolved");
}

#[tokio::test]
async fn an_iam_mutation_is_unauthorized_by_the_schema_and_never_reaches_the_resolver() {
    let recorder = Arc::new(Recorder::default());
    let api = Arc::new(api(recorder.clone()));
    let document = document(
        &api,
        "mutation { openAccount(input: { name: \"x\" }) { accountId } }",
    );
    let context = exec::Context::new(
        Arc::clone(&api),
        super::Requester::Iam,
        serde_json::Map::new(),
        json!({}),
    );
    let answer = exec::execute(context, &document, None, serde_json::Map::new()).await;
    assert_eq!(
        answer["data"],
        Value::Null,
        "openAccount is non-null: {answer}"
    );
    let error = &answer["errors"][0];
    assert_eq!(error["errorType"], "Unauthorized");
    assert_eq!(
        error["message"],
        "Not Authorized to access openAccount on type Mutation"
    );
    assert_eq!(error["path"], json!(["openAccount"]));
    assert_eq!(error["locations"][0]["line"], 1);
    let invoked = recorder.payloads.lock().map(|p| p.len()).unwrap_or(1);
    assert_eq!(invoked, 0, "the resolver was never invoked");
}

#[tokio::test]
async fn an_iam_query_reaches_the_resolver_with_appsyncs_iam_identity() {
    let recorder = Arc::new(Recorder::default());
    let api = Arc::new(api(recorder.clone()));
    let document = document(&api, "{ accounts { items { accountId } } }");
    let context = exec::Context::new(
        Arc::clone(&api),
        super::Requester::Iam,
        serde_json::Map::new(),
        json!({}),
    );
    let answer = exec::execute(context, &document, None, serde_json::Map::new()).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let payloads = recorder
        .payloads
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    let event: AppSyncDirectResolverEvent = serde_json::from_value(payloads[0].clone())
        .unwrap_or_else(|e| panic!("{e}: {}", payloads[0]));
    let identity = &payloads[0]["identity"];
    assert_eq!(identity["userArn"], json!(crate::iam::user_arn()));
    assert_eq!(identity["sub"], Value::Null);
    assert!(event.identity.is_some());
}

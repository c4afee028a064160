//! The GraphQL resolver at its edges, on real tables: the caller's own transactions
//! without an account, and what AppSync gets when the schema and the resolver disagree
//! (a field without a resolver, a context that is not one): an `INTERNAL_ERROR` for that
//! field alone, its cause in the logs, the rest of a batch answered.

use integration_tests::api::{Caller, sample_event};
use integration_tests::fixture::{ApiFixture, new_key};
use integration_tests::notify_fixture::LogCapture;
use serde_json::{Value, json};

struct Gql {
    app: graphql::App,
    /// The tables and clients the app works on.
    _fx: ApiFixture,
}

impl Gql {
    async fn new() -> Self {
        let fx = ApiFixture::new().await;
        let pages = fx.stack.page_sealer().await;
        let metrics = shared::metrics::Metrics::local("test");
        let app = graphql::App::with_metrics(&fx.stack.config, &fx.tables, pages, metrics);
        Self { app, _fx: fx }
    }

    /// The context AppSync sends for `parent.field` with `arguments`, from `caller`.
    fn event(caller: &Caller, parent: &str, field: &str, arguments: Value) -> Value {
        let mut event = sample_event("graphql-request-transaction.json");
        event["arguments"] = arguments;
        event["identity"]["sub"] = json!(caller.sub);
        event["identity"]["claims"]["sub"] = json!(caller.sub);
        event["info"]["parentTypeName"] = json!(parent);
        event["info"]["fieldName"] = json!(field);
        event
    }

    /// One field's value, or its (errorType, errorMessage).
    async fn call(&self, event: Value) -> Result<Value, (String, String)> {
        self.app
            .handle(event)
            .await
            .map_err(|d| (d.error_type, d.error_message))
    }

    async fn ok(&self, caller: &Caller, parent: &str, field: &str, arguments: Value) -> Value {
        self.call(Self::event(caller, parent, field, arguments))
            .await
            .unwrap_or_else(|e| panic!("{parent}.{field}: {e:?}"))
    }
}

const INTERNAL: &str = "INTERNAL_ERROR";

#[tokio::test]
async fn without_an_account_transactions_are_the_callers_own_newest_first_page_by_page() {
    let g = Gql::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let account = g
        .ok(&alice, "Mutation", "openAccount", json!({ "input": {} }))
        .await["accountId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut recorded = Vec::new();
    for amount in ["1.00", "2.00", "3.00"] {
        let deposit = json!({
            "idempotencyKey": new_key(),
            "input": { "accountId": account, "amount": amount, "type": "DEPOSIT" },
        });
        let answer = g
            .ok(&alice, "Mutation", "requestTransaction", deposit)
            .await;
        recorded.push(answer["transaction"]["transactionId"].clone());
    }
    recorded.reverse();

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut arguments = json!({ "limit": 2 });
        if let Some(t) = &token {
            arguments["nextToken"] = json!(t);
        }
        let page = g.ok(&alice, "Query", "transactions", arguments).await;
        for item in page["items"].as_array().into_iter().flatten() {
            assert_eq!(item["accountId"], account.as_str(), "{item}");
            assert!(
                item.get("idempotencyKey").is_some(),
                "the recorder sees its key: {item}"
            );
            seen.push(item["transactionId"].clone());
        }
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, recorded);

    let bobs = g.ok(&bob, "Query", "transactions", json!({})).await;
    assert_eq!(bobs["items"], json!([]), "{bobs}");
    // Alice's token is not Bob's.
    let stolen = g
        .call(Gql::event(
            &bob,
            "Query",
            "transactions",
            json!({ "limit": 1, "nextToken": g
                .ok(&alice, "Query", "transactions", json!({ "limit": 1 }))
                .await["nextToken"] }),
        ))
        .await;
    assert_eq!(
        stolen.map_err(|(t, _)| t),
        Err("INVALID_NEXT_TOKEN".to_owned())
    );
}

#[tokio::test]
async fn a_field_without_a_resolver_is_an_internal_error_logged_with_the_field() {
    let g = Gql::new().await;
    let logs = LogCapture::with_filter("error");
    let alice = Caller::new_user();
    for (parent, field) in [("Query", "statement"), ("Mutation", "closeEverything")] {
        let answer = g.call(Gql::event(&alice, parent, field, json!({}))).await;
        assert_eq!(
            answer.map_err(|(t, _)| t),
            Err(INTERNAL.to_owned()),
            "{parent}.{field}"
        );
    }
    let fields: Vec<String> = logs
        .lines()
        .iter()
        .filter(|l| l["fields"]["message"] == "no resolver for this field")
        .map(|l| l["fields"]["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["Query.statement", "Mutation.closeEverything"]);
}

#[tokio::test]
async fn a_context_that_is_not_a_resolver_event_fails_alone_even_inside_a_batch() {
    let g = Gql::new().await;
    let logs = LogCapture::with_filter("error");
    let alice = Caller::new_user();
    let not_an_event = json!({ "arguments": {}, "info": "Query.accounts" });
    let single = g.call(not_an_event.clone()).await;
    assert_eq!(single.map_err(|(t, _)| t), Err(INTERNAL.to_owned()));

    let batch = g
        .app
        .handle(json!([
            Gql::event(&alice, "Query", "accounts", json!({})),
            not_an_event,
            Gql::event(&alice, "Query", "accounts", json!({})),
        ]))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let answers = batch.as_array().cloned().unwrap_or_default();
    assert_eq!(answers.len(), 3, "{batch}");
    assert_eq!(answers[0]["data"]["items"], json!([]), "{batch}");
    assert_eq!(answers[1]["errorType"], INTERNAL, "{batch}");
    assert_eq!(answers[1]["data"], Value::Null, "{batch}");
    assert_eq!(answers[2], answers[0], "{batch}");
    let refused = logs
        .lines()
        .iter()
        .filter(|l| l["fields"]["message"] == "not a resolver event")
        .count();
    assert_eq!(refused, 2, "{}", logs.text());
}

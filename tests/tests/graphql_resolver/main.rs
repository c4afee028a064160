//! The GraphQL resolver (the Lambda AppSync invokes for every field) on real tables:
//! AppSync's direct-resolver contexts built from the sample events, the answers and
//! errors AppSync turns into GraphQL. The same application as REST: the same JSON for
//! the same account or transaction, the same idempotency and ownership rules.

mod batch;

use aws_lambda_events::event::appsync::{AppSyncDirectResolverEvent, AppSyncIdentity};
use integration_tests::api::{ApiEvent, Caller, sample_event};
use integration_tests::fixture::new_key;
use integration_tests::gql::{Gql, deposit};
use serde_json::{Value, json};

#[tokio::test]
async fn request_transaction_is_idempotent_like_rest_and_renders_the_same_json() {
    let g = Gql::new().await;
    let alice = Caller::new_user();
    let account = g.open(&alice).await;
    let key = new_key();
    let args = json!({ "idempotencyKey": key, "input": deposit(&account, "150.75") });

    let first = g
        .ok(&alice, "Mutation", "requestTransaction", args.clone())
        .await;
    assert_eq!(first["replayed"], false, "{first}");
    assert_eq!(first["transaction"]["status"], "PENDING");
    assert_eq!(first["transaction"]["amount"], "150.75");
    assert_eq!(first["transaction"]["idempotencyKey"], key.as_str());

    let again = g.ok(&alice, "Mutation", "requestTransaction", args).await;
    assert_eq!(again["replayed"], true);
    // Counted as REST counts: one accepted deposit, one replay.
    let counted = g
        .metrics
        .summary()
        .unwrap_or_else(|e| panic!("{e}: {:?}", g.metrics.lines()));
    let env = ("Environment", "test");
    assert_eq!(
        counted.sum("TransactionsAccepted", &[env, ("Type", "DEPOSIT")]),
        1.0
    );
    assert_eq!(counted.sum("TransactionsReplayed", &[env]), 1.0);
    assert_eq!(
        again["transaction"], first["transaction"],
        "the same transaction"
    );

    let other = json!({ "idempotencyKey": key, "input": deposit(&account, "9.99") });
    assert_eq!(
        g.error_type(&alice, "Mutation", "requestTransaction", other)
            .await,
        "IDEMPOTENCY_KEY_REUSED"
    );

    // The REST answer for the same transaction is the same JSON.
    let id = first["transaction"]["transactionId"]
        .as_str()
        .unwrap_or_default();
    let rest =
        g.fx.get_call(
            &ApiEvent::from_sample("transactions-get.json")
                .caller(Some(&alice))
                .path_param("transactionId", id),
        )
        .await;
    assert_eq!(rest.json(), first["transaction"]);
    let by_id = g
        .ok(
            &alice,
            "Query",
            "transaction",
            json!({ "transactionId": id }),
        )
        .await;
    assert_eq!(by_id, first["transaction"]);
}

#[tokio::test]
async fn the_ledger_by_period_and_the_balance_as_of_answer_like_rest() {
    let g = Gql::new().await;
    let (alice, mallory) = (Caller::new_user(), Caller::new_user());
    let account = g.open(&alice).await;
    let from = shared::app::ledger_time(&chrono::Utc::now());
    for amount in ["5.00", "2.50"] {
        let key = new_key();
        let args = json!({ "idempotencyKey": key, "input": deposit(&account, amount) });
        g.ok(&alice, "Mutation", "requestTransaction", args).await;
        g.fx.settle(&alice, &key).await;
    }
    let period = json!({ "accountId": account, "from": from, "limit": 1 });
    let first = g.ok(&alice, "Query", "transactions", period.clone()).await;
    let items = first["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{first}");
    assert_eq!(items[0]["amount"], "5.00", "oldest first: {first}");
    let mut next = period;
    next["nextToken"] = first["nextToken"].clone();
    let second = g.ok(&alice, "Query", "transactions", next).await;
    assert_eq!(second["items"][0]["amount"], "2.50", "{second}");
    assert_eq!(second["nextToken"], Value::Null, "{second}");

    let balance = g
        .ok(&alice, "Query", "balance", json!({ "accountId": account }))
        .await;
    assert_eq!(balance["balance"], "7.50");
    assert_eq!(balance["version"], 2);
    let rest =
        g.fx.accounts_call(
            &ApiEvent::account_balance(&account, &alice)
                .query("at", balance["at"].as_str().unwrap_or_default()),
        )
        .await;
    assert_eq!(rest.json(), balance, "the same JSON as REST");
    let before = g
        .ok(
            &alice,
            "Query",
            "balance",
            json!({ "accountId": account, "at": from }),
        )
        .await;
    assert_eq!(before["balance"], "0.00");

    for (field, arguments) in [
        ("balance", json!({ "accountId": account })),
        (
            "transactions",
            json!({ "accountId": account, "from": from }),
        ),
    ] {
        assert_eq!(
            g.error_type(&mallory, "Query", field, arguments).await,
            "NOT_FOUND"
        );
    }
    assert_eq!(
        g.error_type(
            &alice,
            "Query",
            "transactions",
            json!({ "accountId": account, "from": "soon" })
        )
        .await,
        "VALIDATION_ERROR"
    );
}

#[tokio::test]
async fn bad_input_gets_the_rest_codes_and_writes_nothing() {
    let g = Gql::new().await;
    let alice = Caller::new_user();
    let account = g.open(&alice).await;
    let cases = [
        json!({ "idempotencyKey": "not-a-uuid", "input": deposit(&account, "1.00") }),
        json!({ "idempotencyKey": new_key(), "input": deposit(&account, "1.001") }),
        json!({ "idempotencyKey": new_key(), "input": deposit(&account, "-1.00") }),
        json!({ "idempotencyKey": new_key(), "input": { "accountId": account, "type": "TRANSFER", "amount": "1.00" } }),
    ];
    for args in cases {
        assert_eq!(
            g.error_type(&alice, "Mutation", "requestTransaction", args.clone())
                .await,
            "VALIDATION_ERROR",
            "{args}"
        );
    }
    let adjustment = json!({ "idempotencyKey": new_key(), "input": { "accountId": account, "type": "ADJUSTMENT", "amount": "5.00", "description": "why" } });
    assert_eq!(
        g.error_type(&alice, "Mutation", "requestTransaction", adjustment)
            .await,
        "FORBIDDEN"
    );
    let listed = g.ok(&alice, "Query", "transactions", json!({})).await;
    assert_eq!(listed["items"], json!([]), "nothing was recorded");
    assert_eq!(
        g.error_type(&alice, "Query", "accounts", json!({ "limit": 0 }))
            .await,
        "VALIDATION_ERROR"
    );
}

#[tokio::test]
async fn another_users_ids_answer_exactly_like_unknown_ones() {
    let g = Gql::new().await;
    let alice = Caller::new_user();
    let mallory = Caller::new_user();
    let account = g.open(&alice).await;
    let recorded = g
        .ok(
            &alice,
            "Mutation",
            "requestTransaction",
            json!({ "idempotencyKey": new_key(), "input": deposit(&account, "3.00") }),
        )
        .await;
    let transaction = recorded["transaction"]["transactionId"].clone();
    let unknown = new_key();
    for (field, name, theirs) in [
        ("account", "accountId", json!(account)),
        ("transaction", "transactionId", transaction),
    ] {
        let foreign = g
            .call(&mallory, "Query", field, json!({ name: theirs }))
            .await;
        let missing = g
            .call(&mallory, "Query", field, json!({ name: unknown }))
            .await;
        assert!(foreign.is_err(), "{field}: {foreign:?}");
        assert_eq!(foreign, missing, "{field}");
        assert_eq!(foreign.err().map(|e| e.0).as_deref(), Some("NOT_FOUND"));
    }
    let on_theirs = json!({ "idempotencyKey": new_key(), "input": deposit(&account, "1.00") });
    assert_eq!(
        g.error_type(&mallory, "Mutation", "requestTransaction", on_theirs)
            .await,
        "NOT_FOUND"
    );
    let history = g
        .call(
            &mallory,
            "Query",
            "transactions",
            json!({ "accountId": account }),
        )
        .await;
    assert_eq!(history.err().map(|e| e.0).as_deref(), Some("NOT_FOUND"));

    // An IAM principal reads any account as an operator, owns none, changes nothing.
    let iam = |field: &str, arguments: Value| {
        let mut event = Gql::event(&alice, "Query", field, arguments);
        event["identity"] = sample_event("graphql-iam-account.json")["identity"].clone();
        event
    };
    let read = g
        .app
        .handle(iam("account", json!({ "accountId": account })));
    assert_eq!(
        read.await.ok().map(|a| a["accountId"].clone()),
        Some(json!(account))
    );
    let own = g.app.handle(iam("accounts", json!({}))).await.ok();
    assert_eq!(own, Some(json!({ "items": [], "nextToken": null })));
    let mut open = iam("openAccount", json!({ "input": {} }));
    open["info"]["parentTypeName"] = json!("Mutation");
    let refused = g.app.handle(open).await.err().map(|d| d.error_type);
    assert_eq!(refused.as_deref(), Some("UNAUTHORIZED"));
}

#[tokio::test]
async fn accounts_page_with_sealed_tokens_and_open_account_replays() {
    let g = Gql::new().await;
    let alice = Caller::new_user();
    let key = new_key();
    let args = json!({ "idempotencyKey": key, "input": { "name": "Savings", "currency": "EUR" } });
    let opened = g.ok(&alice, "Mutation", "openAccount", args.clone()).await;
    let replay = g.ok(&alice, "Mutation", "openAccount", args).await;
    assert_eq!(replay, opened, "a retry opens nothing new");
    let reuse = json!({ "idempotencyKey": key, "input": { "name": "Other" } });
    assert_eq!(
        g.error_type(&alice, "Mutation", "openAccount", reuse).await,
        "IDEMPOTENCY_KEY_REUSED"
    );
    g.open(&alice).await;

    let first = g
        .ok(&alice, "Query", "accounts", json!({ "limit": 1 }))
        .await;
    assert_eq!(first["items"][0], opened);
    let token = first["nextToken"].as_str().unwrap_or_default().to_owned();
    assert!(!token.is_empty(), "{first}");
    let second = g
        .ok(
            &alice,
            "Query",
            "accounts",
            json!({ "limit": 1, "nextToken": token }),
        )
        .await;
    assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["nextToken"], Value::Null);
    assert_ne!(second["items"][0], opened);

    let mallory = Caller::new_user();
    assert_eq!(
        g.error_type(&mallory, "Query", "accounts", json!({ "nextToken": token }))
            .await,
        "INVALID_NEXT_TOKEN"
    );
    assert_eq!(
        g.error_type(
            &alice,
            "Query",
            "accounts",
            json!({ "nextToken": "garbage" })
        )
        .await,
        "INVALID_NEXT_TOKEN"
    );
}

#[test]
fn the_sample_contexts_are_appsync_direct_resolver_events() {
    let single: Result<AppSyncDirectResolverEvent, _> =
        serde_json::from_value(sample_event("graphql-request-transaction.json"));
    let single = single.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(single.info.field_name, "requestTransaction");
    assert_eq!(single.info.parent_type_name, "Mutation");
    let batch: Result<Vec<AppSyncDirectResolverEvent>, _> =
        serde_json::from_value(sample_event("graphql-account-transactions-batch.json"));
    let batch = batch.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(batch.len(), 2);
    assert!(batch.iter().all(|e| e.source.is_some()));
    let iam: Result<AppSyncDirectResolverEvent, _> =
        serde_json::from_value(sample_event("graphql-iam-account.json"));
    let iam = iam.unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(iam.identity, Some(AppSyncIdentity::IAM(ref i)) if i.user_arn.is_some()));
    // The keys of AWS's documented context.
    let event = sample_event("graphql-request-transaction.json");
    for key in [
        "arguments",
        "identity",
        "source",
        "request",
        "prev",
        "info",
        "stash",
    ] {
        assert!(event.get(key).is_some(), "{key}");
    }
    for key in [
        "fieldName",
        "parentTypeName",
        "variables",
        "selectionSetList",
        "selectionSetGraphQL",
    ] {
        assert!(event["info"].get(key).is_some(), "info.{key}");
    }
}

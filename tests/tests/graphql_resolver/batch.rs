//! `Account.transactions` on a page of accounts: AppSync's one `BatchInvoke` for the
//! page, each context answered on its own and in its place, the items of every
//! account's history read together.

use integration_tests::api::{Caller, sample_event};
use integration_tests::fixture::new_key;
use integration_tests::gql::{Gql, deposit};
use serde_json::{Value, json};

#[tokio::test]
async fn a_page_of_accounts_gets_its_transactions_in_one_batch_invocation() {
    let g = Gql::new().await;
    let alice = Caller::new_user();
    let mallory = Caller::new_user();
    let (first, second) = (g.open(&alice).await, g.open(&alice).await);
    let theirs = g.open(&mallory).await;
    for (account, amount) in [(&first, "1.00"), (&first, "2.00"), (&second, "3.00")] {
        g.ok(
            &alice,
            "Mutation",
            "requestTransaction",
            json!({ "idempotencyKey": new_key(), "input": deposit(account, amount) }),
        )
        .await;
    }
    // AppSync batches the parent values its resolvers answered; one without an account
    // id (never sent by AppSync) fails alone, in its place.
    let batch: Vec<Value> = [first.as_str(), second.as_str(), "not-an-account"]
        .into_iter()
        .map(|account| {
            let mut event = sample_event("graphql-account-transactions-batch.json")[0].clone();
            event["identity"]["sub"] = json!(alice.sub);
            event["source"]["accountId"] = json!(account);
            event
        })
        .collect();
    let answers = g
        .app
        .handle(Value::Array(batch))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let amounts = |n: usize| -> Vec<Value> {
        answers[n]["data"]["items"]
            .as_array()
            .map(|items| items.iter().map(|i| i["amount"].clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(amounts(0), [json!("2.00"), json!("1.00")], "newest first");
    assert_eq!(amounts(1), [json!("3.00")]);
    assert_eq!(answers[2]["data"], Value::Null);
    assert_eq!(answers[2]["errorType"], "NOT_FOUND");

    // The history of someone else's account, asked at the top level, is NOT_FOUND.
    assert_eq!(
        g.error_type(
            &alice,
            "Query",
            "transactions",
            json!({ "accountId": theirs })
        )
        .await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn a_page_of_accounts_reads_its_histories_items_in_one_request_answering_as_alone() {
    let g = Gql::new().await;
    let alice = Caller::new_user();
    let accounts = [
        g.open(&alice).await,
        g.open(&alice).await,
        g.open(&alice).await,
    ];
    for (account, amount) in [(0, "1.00"), (0, "2.00"), (1, "3.00")] {
        g.ok(
            &alice,
            "Mutation",
            "requestTransaction",
            json!({ "idempotencyKey": new_key(), "input": deposit(&accounts[account], amount) }),
        )
        .await;
    }
    let context = |account: &str| {
        let mut event = sample_event("graphql-account-transactions-batch.json")[0].clone();
        event["identity"]["sub"] = json!(alice.sub);
        event["source"]["accountId"] = json!(account);
        event["arguments"] = json!({ "limit": 1 });
        event
    };
    let counter = integration_tests::requests::RequestCounter::default();
    let counted = graphql::App::new(
        &g.fx.stack.config.clone().with_interceptor(counter.clone()),
        &g.fx.tables,
        g.fx.stack.page_sealer().await,
    );

    let batch = counted
        .handle(Value::Array(accounts.iter().map(|a| context(a)).collect()))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));

    let dynamodb = counter.of("DynamoDB");
    assert_eq!(
        (dynamodb.get("BatchGetItem"), dynamodb.get("Query")),
        (Some(&1), Some(&6)),
        "two index queries per account, one read of every item: {dynamodb:?}"
    );
    for (n, account) in accounts.iter().enumerate() {
        let alone = counted
            .handle(context(account))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        // Tokens are sealed afresh each time: compared by presence.
        assert_eq!(batch[n]["data"]["items"], alone["items"], "account {n}");
        assert_eq!(
            batch[n]["data"]["nextToken"].is_string(),
            alone["nextToken"].is_string(),
            "account {n}"
        );
    }
    assert_eq!(batch[0]["data"]["items"][0]["amount"], "2.00");
    assert!(batch[0]["data"]["nextToken"].is_string(), "{batch}");
    assert_eq!(batch[2]["data"]["items"], json!([]));
}

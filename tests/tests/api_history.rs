//! An account's history through the accounts function: what the holder recorded on it,
//! the transfers it received and its status changes, merged newest first under one
//! page token, every entry exactly once whatever the page size.

use integration_tests::api::{ApiEvent, Caller};
use integration_tests::fixture::ApiFixture;
use serde_json::{Value, json};

fn status_action(account: &str, operator: &Caller, action: &str) -> ApiEvent {
    ApiEvent::from_sample("accounts-create.json")
        .route(
            "POST",
            &format!("/accounts/{account}/{action}"),
            &format!("/accounts/{{accountId}}/{action}"),
        )
        .path_param("accountId", account)
        .caller(Some(operator))
        .json_body(&json!({ "reason": "routine check" }))
}

/// Every entry of the history, `limit` at a time, following `nextToken`.
async fn pages(f: &ApiFixture, account: &str, caller: &Caller, limit: usize) -> Vec<Value> {
    f.all_pages(&ApiEvent::account_history(account, caller), limit)
        .await
}

/// An entry's identity: a transaction's id, or a status change's new status.
fn label(entry: &Value) -> String {
    match entry["transactionId"].as_str() {
        Some(id) => id.to_owned(),
        None => format!("{}:{}", entry["entryType"], entry["toStatus"]),
    }
}

#[tokio::test]
async fn own_transactions_received_transfers_and_status_changes_merge_newest_first_on_every_page_size()
 {
    let f = ApiFixture::new().await;
    let (alice, bob, operator) = (Caller::new_user(), Caller::new_user(), Caller::new_admin());
    let alices = f.open_account(&alice, "USD").await;
    let bobs = f.open_account(&bob, "USD").await;
    let funding = json!({ "accountId": bobs, "amount": "100.00", "type": "ADJUSTMENT", "description": "opening credit" });
    f.record_settled(&operator, &funding).await;

    // Oldest first: the two listings (recorded on the account, received by it) alternate.
    let deposit =
        |amount: &str| json!({ "accountId": alices, "amount": amount, "type": "DEPOSIT" });
    let transfer = |amount: &str| json!({ "accountId": bobs, "toAccountId": alices, "amount": amount, "type": "TRANSFER" });
    let mut expected = vec![
        f.record_settled(&alice, &deposit("1.00")).await,
        f.record_settled(&bob, &transfer("2.00")).await,
        f.record_settled(&alice, &deposit("3.00")).await,
        f.record_settled(&bob, &transfer("4.00")).await,
    ];
    let frozen = f
        .accounts_call(&status_action(&alices, &operator, "freeze"))
        .await;
    assert_eq!(frozen.status, 200, "{}", frozen.text);
    expected.push("\"STATUS_CHANGE\":\"FROZEN\"".to_owned());
    let thawed = f
        .accounts_call(&status_action(&alices, &operator, "unfreeze"))
        .await;
    assert_eq!(thawed.status, 200, "{}", thawed.text);
    expected.push("\"STATUS_CHANGE\":\"OPEN\"".to_owned());
    expected.push(f.record_settled(&bob, &transfer("5.00")).await);
    expected.push(f.record_settled(&alice, &deposit("6.00")).await);
    expected.reverse();

    for limit in [1, 2, 3, 4, 100] {
        let items = pages(&f, &alices, &alice, limit).await;
        let labels: Vec<String> = items.iter().map(label).collect();
        assert_eq!(labels, expected, "limit {limit}: each once, newest first");
        let times: Vec<&str> = items
            .iter()
            .filter_map(|i| i["createdAt"].as_str())
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "limit {limit}: {times:?}"
        );
        for item in items.iter().filter(|i| i["type"] == "TRANSFER") {
            assert_eq!(item["toAccountId"], alices.as_str(), "{item}");
            assert!(
                item.get("idempotencyKey").is_none(),
                "a received transfer does not show the sender's key: {item}"
            );
        }
    }
}

//! accounts and get-transactions through their handlers: ownership, shapes, paging.

use std::collections::HashSet;

use integration_tests::api::{ApiEvent, Caller, Reply};
use integration_tests::fixture::{ApiFixture, new_key};
use serde_json::{Value, json};

async fn deposit(f: &ApiFixture, caller: &Caller, account: &str, amount: &str) -> Value {
    let body = json!({ "accountId": account, "amount": amount, "type": "DEPOSIT" });
    let reply = f.record(caller, &new_key(), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

/// Follows `nextToken` to the end; returns every item.
async fn all_pages(f: &ApiFixture, first: ApiEvent, limit: &str, via_accounts: bool) -> Vec<Value> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..1000 {
        let mut event = first.clone().query("limit", limit);
        if let Some(t) = &token {
            event = event.query("nextToken", t);
        }
        let reply: Reply = if via_accounts {
            f.accounts_call(&event).await
        } else {
            f.get_call(&event).await
        };
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        items.extend(body["items"].as_array().cloned().unwrap_or_default());
        match body.get("nextToken").and_then(Value::as_str) {
            Some(next) => token = Some(next.to_owned()),
            None => return items,
        }
    }
    panic!("paging did not end");
}

#[tokio::test]
async fn an_account_opens_with_defaults_and_reads_back() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let event = ApiEvent::from_sample("accounts-create.json")
        .caller(Some(&alice))
        .body("");
    let created = f.accounts_call(&event).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let account = created.json();
    assert_eq!(account["balance"], "0.00");
    assert_eq!(account["status"], "OPEN");
    assert_eq!(account["currency"], "USD");
    assert_eq!(account["name"], "Main account");
    let id = account["accountId"].as_str().unwrap_or_default();
    assert_eq!(
        created.header("Location"),
        Some(format!("/accounts/{id}").as_str())
    );

    let read = f.accounts_call(&ApiEvent::get_account(id, &alice)).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json(), account);
}

#[tokio::test]
async fn opening_an_account_validates_name_and_currency() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    for (body, field) in [
        (json!({ "currency": "usdollar" }), "currency"),
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x".repeat(65) }), "name"),
        (json!({ "nickname": "x" }), "nickname"),
    ] {
        let event = ApiEvent::from_sample("accounts-create.json")
            .caller(Some(&alice))
            .json_body(&body);
        let reply = f.accounts_call(&event).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.json()["field"], field);
    }
    let eur = ApiEvent::from_sample("accounts-create.json")
        .caller(Some(&alice))
        .json_body(&json!({"currency": "eur"}));
    assert_eq!(f.accounts_call(&eur).await.json()["currency"], "EUR");
}

#[tokio::test]
async fn another_users_account_is_404_on_every_route() {
    let f = ApiFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let account = f.open_account(&alice, "USD").await;
    let tx = deposit(&f, &alice, &account, "5").await;
    let tx_id = tx["transactionId"].as_str().unwrap_or_default();

    let read = f
        .accounts_call(&ApiEvent::get_account(&account, &bob))
        .await;
    let hist = f
        .accounts_call(&ApiEvent::account_history(&account, &bob))
        .await;
    let one = f.get_call(&ApiEvent::get_transaction(tx_id, &bob)).await;
    for reply in [&read, &hist, &one] {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert!(
            !reply.text.contains(&account) && !reply.text.contains(tx_id),
            "no leak: {}",
            reply.text
        );
    }
    // Unknown and malformed ids look exactly the same.
    let unknown = f
        .accounts_call(&ApiEvent::get_account(
            &uuid::Uuid::new_v4().to_string(),
            &bob,
        ))
        .await;
    let malformed = f
        .accounts_call(&ApiEvent::get_account("../../etc", &bob))
        .await;
    assert_eq!(unknown.text, read.text);
    assert_eq!(malformed.text, read.text);

    let bobs_list = all_pages(
        &f,
        ApiEvent::from_sample("accounts-list.json").caller(Some(&bob)),
        "10",
        true,
    )
    .await;
    assert!(bobs_list.is_empty());
    let bobs_tx = all_pages(
        &f,
        ApiEvent::from_sample("transactions-list.json").caller(Some(&bob)),
        "10",
        false,
    )
    .await;
    assert!(bobs_tx.is_empty());
}

#[tokio::test]
async fn paging_through_250_transactions_returns_each_exactly_once_newest_first() {
    let f = std::sync::Arc::new(ApiFixture::new().await);
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let mut tasks = Vec::new();
    for chunk in 0..10 {
        let (f, alice, account) = (f.clone(), alice.clone(), account.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..25 {
                let tx = deposit(&f, &alice, &account, &format!("{}.{:02}", chunk + 1, i)).await;
                ids.push(tx["transactionId"].as_str().unwrap_or_default().to_owned());
            }
            ids
        }));
    }
    let mut recorded = HashSet::new();
    for task in tasks {
        recorded.extend(task.await.unwrap_or_else(|e| panic!("{e}")));
    }
    assert_eq!(recorded.len(), 250);

    for (first, via_accounts) in [
        (ApiEvent::account_history(&account, &alice), true),
        (
            ApiEvent::from_sample("transactions-list.json").caller(Some(&alice)),
            false,
        ),
    ] {
        let items = all_pages(&f, first, "7", via_accounts).await;
        let ids: Vec<&str> = items
            .iter()
            .filter_map(|t| t["transactionId"].as_str())
            .collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), 250, "each exactly once");
        assert_eq!(unique.len(), 250);
        assert!(unique.iter().all(|id| recorded.contains(*id)));
        let times: Vec<&str> = items
            .iter()
            .filter_map(|t| t["createdAt"].as_str())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    }
}

#[tokio::test]
async fn a_page_token_cannot_be_used_by_another_user_or_on_another_account() {
    let f = ApiFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = f.open_account(&alice, "USD").await;
    let bobs = f.open_account(&bob, "USD").await;
    for _ in 0..3 {
        deposit(&f, &alice, &alices, "1").await;
    }
    let page = f
        .get_call(
            &ApiEvent::from_sample("transactions-list.json")
                .caller(Some(&alice))
                .query("limit", "1"),
        )
        .await;
    let token = page.json()["nextToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!token.is_empty());

    let stolen = ApiEvent::from_sample("transactions-list.json")
        .caller(Some(&bob))
        .query("nextToken", &token);
    let reply = f.get_call(&stolen).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json()["code"], "INVALID_NEXT_TOKEN");

    let hist = f
        .accounts_call(&ApiEvent::account_history(&alices, &alice).query("limit", "1"))
        .await;
    let hist_token = hist.json()["nextToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let elsewhere = f
        .accounts_call(&ApiEvent::account_history(&bobs, &bob).query("nextToken", &hist_token))
        .await;
    assert_eq!(elsewhere.status, 400, "{}", elsewhere.text);

    for limit in ["0", "101", "abc", "-1"] {
        let reply = f
            .get_call(
                &ApiEvent::from_sample("transactions-list.json")
                    .caller(Some(&alice))
                    .query("limit", limit),
            )
            .await;
        assert_eq!(reply.status, 400, "limit {limit}");
        assert_eq!(reply.json()["field"], "limit");
    }
}

#[tokio::test]
async fn a_transfer_shows_in_both_histories_each_from_its_own_side() {
    let f = ApiFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = f.open_account(&alice, "USD").await;
    let bobs = f.open_account(&bob, "USD").await;
    let body =
        json!({ "accountId": bobs, "toAccountId": alices, "amount": "7.25", "type": "TRANSFER" });
    // Bob has the money: an operator's adjustment, settled first.
    let funding = json!({ "accountId": bobs, "amount": "10.00", "type": "ADJUSTMENT", "description": "opening credit" });
    let funding_key = new_key();
    let operator = Caller::new_admin();
    assert_eq!(
        f.record(&operator, &funding_key, &funding).await.status,
        201
    );
    f.settle(&operator, &funding_key).await;
    let key = new_key();
    let sent = f.record(&bob, &key, &body).await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    let id = sent.json()["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // PENDING: not yet the receiver's to see, in history or by id.
    let before = f
        .accounts_call(&ApiEvent::account_history(&alices, &alice))
        .await
        .json();
    assert_eq!(before["items"], json!([]), "{before}");
    assert_eq!(
        f.get_call(&ApiEvent::get_transaction(&id, &alice))
            .await
            .status,
        404
    );
    f.settle(&bob, &key).await;

    let alices_history = f
        .accounts_call(&ApiEvent::account_history(&alices, &alice))
        .await
        .json();
    let incoming = &alices_history["items"][0];
    assert_eq!(incoming["transactionId"], id.as_str());
    assert_eq!(incoming["toAccountId"], alices.as_str());
    assert!(
        incoming.get("idempotencyKey").is_none(),
        "the sender's key is not shown to the receiver"
    );

    // The receiver may read it by id; a third user may not.
    assert_eq!(
        f.get_call(&ApiEvent::get_transaction(&id, &alice))
            .await
            .status,
        200
    );
    assert_eq!(
        f.get_call(&ApiEvent::get_transaction(&id, &Caller::new_user()))
            .await
            .status,
        404
    );
    // It is the sender's transaction, not the receiver's.
    let alices_own = f
        .get_call(&ApiEvent::from_sample("transactions-list.json").caller(Some(&alice)))
        .await
        .json();
    assert_eq!(alices_own["items"], json!([]));
    let bobs_own = f
        .get_call(&ApiEvent::get_transaction(&id, &bob))
        .await
        .json();
    assert_eq!(bobs_own["amount"], "7.25");
}

#[tokio::test]
async fn opening_an_account_with_an_idempotency_key_opens_it_once() {
    let f = ApiFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let key = new_key();
    let open = |caller: &Caller, key: &str, name: &str| {
        ApiEvent::from_sample("accounts-create.json")
            .caller(Some(caller))
            .header("Idempotency-Key", Some(key))
            .json_body(&json!({ "name": name, "currency": "EUR" }))
    };

    let first = f.accounts_call(&open(&alice, &key, "Savings")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("Idempotent-Replayed"), None);
    let id = first.json()["accountId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Money moves in between: the retry still answers what the first call answered.
    let admin = Caller::new_admin();
    let credit = json!({ "accountId": id, "amount": "5.00", "type": "ADJUSTMENT", "description": "welcome bonus" });
    let credit_key = new_key();
    assert_eq!(f.record(&admin, &credit_key, &credit).await.status, 201);
    f.settle(&admin, &credit_key).await;

    let retry = f.accounts_call(&open(&alice, &key, "Savings")).await;
    assert_eq!(retry.status, 201, "{}", retry.text);
    assert_eq!(retry.header("Idempotent-Replayed"), Some("true"));
    assert_eq!(retry.text, first.text, "the same body, byte for byte");
    assert_eq!(retry.header("Location"), first.header("Location"));

    let reused = f.accounts_call(&open(&alice, &key, "Holidays")).await;
    assert_eq!(reused.status, 422, "{}", reused.text);
    assert_eq!(reused.json()["code"], "IDEMPOTENCY_KEY_REUSED");

    // Another user's identical key is another account.
    let bobs = f.accounts_call(&open(&bob, &key, "Savings")).await;
    assert_eq!(bobs.status, 201, "{}", bobs.text);
    assert_eq!(bobs.header("Idempotent-Replayed"), None);
    assert_ne!(bobs.json()["accountId"], id.as_str());

    let listed = f
        .accounts_call(&ApiEvent::from_sample("accounts-list.json").caller(Some(&alice)))
        .await;
    assert_eq!(
        listed.json()["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );
    let read = f.accounts_call(&ApiEvent::get_account(&id, &alice)).await;
    assert_eq!(read.json()["balance"], "5.00");

    let bad = f
        .accounts_call(&open(&alice, "not-a-uuid", "Savings"))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(bad.json()["code"], "IDEMPOTENCY_KEY_INVALID");
}

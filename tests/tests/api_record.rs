//! request-transaction through its handler, with REST proxy events, on DynamoDB Local.

use std::collections::HashSet;

use integration_tests::api::{ApiEvent, Caller};
use integration_tests::fixture::{ApiFixture, new_key};
use serde_json::{Value, json};

fn deposit(account: &str, amount: Value) -> Value {
    json!({ "accountId": account, "amount": amount, "type": "DEPOSIT", "description": "test" })
}

#[tokio::test]
async fn a_deposit_is_recorded_as_pending_with_its_exact_amount_and_location() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let key = new_key();

    let reply = f
        .record(&alice, &key, &deposit(&account, json!(150.75)))
        .await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["amount"], "150.75");
    assert_eq!(body["status"], "PENDING");
    assert_eq!(body["type"], "DEPOSIT");
    assert_eq!(body["currency"], "USD");
    assert_eq!(body["idempotencyKey"], key.as_str());
    assert!(body.get("balanceAfter").is_none());
    let id = body["transactionId"].as_str().unwrap_or_default();
    assert_eq!(
        reply.header("Location"),
        Some(format!("/transactions/{id}").as_str())
    );
    assert_eq!(reply.header("X-Content-Type-Options"), Some("nosniff"));
    assert!(reply.header("Strict-Transport-Security").is_some());
    assert!(
        reply
            .header("Access-Control-Allow-Headers")
            .unwrap_or_default()
            .contains("Idempotency-Key")
    );
    assert!(reply.header("Idempotent-Replayed").is_none());
}

#[tokio::test]
async fn the_original_path_and_the_new_path_both_record() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let event = ApiEvent::from_sample("transactions-create.json")
        .caller(Some(&alice))
        .header("Idempotency-Key", Some(&new_key()))
        .json_body(&deposit(&account, json!("10")));
    let reply = f.record_call(&event).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["amount"], "10.00");
}

#[tokio::test]
async fn a_replay_returns_the_byte_identical_body_and_says_so() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let key = new_key();
    let first = f.record(&alice, &key, &deposit(&account, json!(20))).await;
    // The same payload, written differently, is the same request.
    let again = f
        .record(&alice, &key, &deposit(&account, json!("20.00")))
        .await;

    assert_eq!(again.status, first.status);
    assert_eq!(again.text, first.text, "replay must be byte-identical");
    assert_eq!(again.header("Idempotent-Replayed"), Some("true"));
    assert_eq!(again.header("Location"), first.header("Location"));
}

#[tokio::test]
async fn a_key_reused_with_another_payload_is_refused_with_422() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let key = new_key();
    assert_eq!(
        f.record(&alice, &key, &deposit(&account, json!(20)))
            .await
            .status,
        201
    );

    let reply = f.record(&alice, &key, &deposit(&account, json!(21))).await;

    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.json()["code"], "IDEMPOTENCY_KEY_REUSED");
}

#[tokio::test]
async fn twenty_concurrent_requests_with_one_key_make_one_transaction() {
    let f = std::sync::Arc::new(ApiFixture::new().await);
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let key = new_key();
    let body = deposit(&account, json!("33.33"));

    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (f, alice, key, body) = (f.clone(), alice.clone(), key.clone(), body.clone());
        tasks.push(tokio::spawn(
            async move { f.record(&alice, &key, &body).await },
        ));
    }
    let mut ids = HashSet::new();
    let mut replays = 0;
    for task in tasks {
        let reply = task.await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.insert(
            reply.json()["transactionId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        replays += usize::from(reply.header("Idempotent-Replayed").is_some());
    }
    assert_eq!(
        ids.len(),
        1,
        "every response names the same transaction: {ids:?}"
    );
    assert_eq!(replays, 19, "exactly one request wrote");

    let scan = f
        .stack
        .dynamodb
        .scan()
        .table_name(&f.tables.transactions)
        .consistent_read(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("Scan: {e:?}"));
    assert_eq!(scan.count(), 1, "exactly one ledger item");
}

#[tokio::test]
async fn another_user_reusing_a_key_never_sees_the_first_users_transaction() {
    let f = ApiFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = f.open_account(&alice, "USD").await;
    let bobs = f.open_account(&bob, "USD").await;
    let key = new_key();
    let first = f.record(&alice, &key, &deposit(&alices, json!(500))).await;
    assert_eq!(first.status, 201);

    // Bob replays Alice's exact request with her key: her account is not his.
    let on_alices = f.record(&bob, &key, &deposit(&alices, json!(500))).await;
    assert_eq!(on_alices.status, 404, "{}", on_alices.text);
    assert!(
        !on_alices
            .text
            .contains(first.json()["transactionId"].as_str().unwrap_or("x"))
    );

    // Bob's own request with the same key is a new, separate transaction.
    let own = f.record(&bob, &key, &deposit(&bobs, json!(1))).await;
    assert_eq!(own.status, 201, "{}", own.text);
    assert!(own.header("Idempotent-Replayed").is_none());
    assert_ne!(own.json()["transactionId"], first.json()["transactionId"]);
}

#[tokio::test]
async fn recording_on_a_foreign_or_unknown_account_is_404() {
    let f = ApiFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = f.open_account(&alice, "USD").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    for account in [&alices, &unknown] {
        let reply = f
            .record(&bob, &new_key(), &deposit(account, json!(5)))
            .await;
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.json()["code"], "NOT_FOUND");
    }
}

#[tokio::test]
async fn invalid_amounts_are_rejected_naming_the_field_and_nothing_is_written() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let cases = [
        ("0", "AMOUNT_NOT_POSITIVE"),
        ("-1", "AMOUNT_NOT_POSITIVE"),
        ("0.001", "AMOUNT_TOO_MANY_DECIMALS"),
        ("1000000000.01", "AMOUNT_TOO_LARGE"),
        ("\"abc\"", "AMOUNT_NOT_A_NUMBER"),
        ("1e400", "AMOUNT_TOO_LARGE"),
        ("true", "AMOUNT_NOT_A_NUMBER"),
        ("null", "AMOUNT_NOT_A_NUMBER"),
    ];
    for (amount, reason) in cases {
        let body = format!(r#"{{"accountId":"{account}","amount":{amount},"type":"DEPOSIT"}}"#);
        let event = ApiEvent::from_sample("request-transaction.json")
            .caller(Some(&alice))
            .header("Idempotency-Key", Some(&new_key()))
            .body(&body);
        let reply = f.record_call(&event).await;
        assert_eq!(reply.status, 400, "{amount}: {}", reply.text);
        let json = reply.json();
        assert_eq!(json["field"], "amount", "{amount}: {json}");
        assert_eq!(json["reason"], reason, "{amount}: {json}");
    }
    let scan = f
        .stack
        .dynamodb
        .scan()
        .table_name(&f.tables.transactions)
        .send()
        .await;
    assert_eq!(scan.map(|s| s.count()).unwrap_or(-1), 0);
}

#[tokio::test]
async fn amounts_are_exact_in_every_accepted_form() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    for (amount, shown) in [
        ("150.75", "150.75"),
        ("\"150.75\"", "150.75"),
        ("1e2", "100.00"),
        ("0.1", "0.10"),
        ("1000000000", "1000000000.00"),
    ] {
        let body = format!(r#"{{"accountId":"{account}","amount":{amount},"type":"DEPOSIT"}}"#);
        let event = ApiEvent::from_sample("request-transaction.json")
            .caller(Some(&alice))
            .header("Idempotency-Key", Some(&new_key()))
            .body(&body);
        let reply = f.record_call(&event).await;
        assert_eq!(reply.status, 201, "{amount}: {}", reply.text);
        assert_eq!(reply.json()["amount"], shown, "{amount}");
    }
}

/// Records `body` with a new key, settles it, then sends it again: the replay is the
/// first 201 byte for byte although the item changed since (it is rendered from the
/// item as recorded, not stored). Returns the transaction id.
async fn replayed_after_settling(f: &ApiFixture, caller: &Caller, body: &Value) -> String {
    let key = new_key();
    let first = f.record(caller, &key, body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    f.settle(caller, &key).await;
    let again = f.record(caller, &key, body).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.text, first.text, "{body}");
    assert_eq!(again.header("Idempotent-Replayed"), Some("true"));
    first.json()["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The same for `POST /transactions/{id}/<action>`.
async fn action_replayed_after_settling(
    f: &ApiFixture,
    caller: &Caller,
    id: &str,
    action: &str,
    body: Option<&Value>,
) {
    let key = new_key();
    let first = f.act(caller, &key, id, action, body).await;
    assert_eq!(first.status, 201, "{action}: {}", first.text);
    f.settle(caller, &key).await;
    let again = f.act(caller, &key, id, action, body).await;
    assert_eq!(again.text, first.text, "{action}");
    assert_eq!(again.header("Idempotent-Replayed"), Some("true"));
}

#[tokio::test]
async fn every_kind_of_transaction_replays_its_first_answer_after_it_settled() {
    let f = ApiFixture::new().await;
    let (alice, bob, operator) = (Caller::new_user(), Caller::new_user(), Caller::new_admin());
    let (from, to) = (
        f.open_account(&alice, "USD").await,
        f.open_account(&bob, "USD").await,
    );
    let deposit = replayed_after_settling(
        &f,
        &alice,
        &json!({ "accountId": from, "amount": "100", "type": "DEPOSIT", "description": "pay" }),
    )
    .await;
    replayed_after_settling(
        &f,
        &alice,
        &json!({ "accountId": from, "toAccountId": to, "amount": "10", "type": "TRANSFER" }),
    )
    .await;
    // Rejected: still the first (PENDING) answer.
    replayed_after_settling(
        &f,
        &alice,
        &json!({ "accountId": from, "amount": "1000", "type": "WITHDRAWAL" }),
    )
    .await;
    replayed_after_settling(
        &f,
        &operator,
        &json!({ "accountId": to, "amount": "-1", "type": "ADJUSTMENT", "description": "fee" }),
    )
    .await;
    // A hold, replayed after its capture ended it; the capture; a void of another.
    let hold = replayed_after_settling(
        &f,
        &alice,
        &json!({ "accountId": from, "amount": "20", "type": "HOLD" }),
    )
    .await;
    action_replayed_after_settling(
        &f,
        &alice,
        &hold,
        "capture",
        Some(&json!({ "amount": "5" })),
    )
    .await;
    let key = new_key();
    let hold_body = json!({ "accountId": from, "amount": "20", "type": "HOLD" });
    let first = f.record(&alice, &key, &hold_body).await;
    f.settle(&alice, &key).await;
    let second = first.json()["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    action_replayed_after_settling(&f, &alice, &second, "void", None).await;
    let again = f.record(&alice, &key, &hold_body).await;
    assert_eq!(again.text, first.text, "the voided hold");
    // A reversal, and the deposit it reversed.
    action_replayed_after_settling(
        &f,
        &operator,
        &deposit,
        "reverse",
        Some(&json!({ "amount": "3", "description": "refund" })),
    )
    .await;
}

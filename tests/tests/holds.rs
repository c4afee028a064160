//! Holds and reversals through the REST handlers and the one settle path, on DynamoDB
//! Local: a hold reserves the available balance; a capture debits (part of) it and
//! releases the rest; a void releases it; an expiry ends it once its time passed;
//! each hold ends exactly once whatever the order; a reversal moves a completed
//! transaction back, never more than it.

use integration_tests::api::{ApiEvent, Caller, Reply};
use integration_tests::fixture::{ApiFixture, new_key};
use serde_json::{Value, json};

/// (balance, heldAmount, availableBalance) of `account`.
async fn balances(f: &ApiFixture, caller: &Caller, account: &str) -> (String, String, String) {
    let reply = f
        .accounts_call(&ApiEvent::get_account(account, caller))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
    (
        text("balance"),
        text("heldAmount"),
        text("availableBalance"),
    )
}

async fn transaction(f: &ApiFixture, caller: &Caller, id: &str) -> Value {
    let reply = f.get_call(&ApiEvent::get_transaction(id, caller)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

/// An account of a new user with `amount` deposited and settled.
async fn funded(f: &ApiFixture, amount: &str) -> (Caller, String) {
    let holder = Caller::new_user();
    let account = f.open_account(&holder, "USD").await;
    let deposit = json!({ "accountId": account, "amount": amount, "type": "DEPOSIT" });
    f.record_settled(&holder, &deposit).await;
    (holder, account)
}

/// Records and settles a hold of `amount`; returns its id.
async fn hold(f: &ApiFixture, caller: &Caller, account: &str, amount: &str) -> String {
    let body = json!({ "accountId": account, "amount": amount, "type": "HOLD" });
    f.record_settled(caller, &body).await
}

/// `action` on `id` with a new key, settled; returns the reply.
async fn act_settled(
    f: &ApiFixture,
    caller: &Caller,
    id: &str,
    action: &str,
    body: Option<&Value>,
) -> Reply {
    let key = new_key();
    let reply = f.act(caller, &key, id, action, body).await;
    assert_eq!(reply.status, 201, "{action}: {}", reply.text);
    f.settle(caller, &key).await;
    reply
}

fn id_of(reply: &Reply) -> String {
    reply.json()["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_hold_reserves_money_and_a_partial_capture_pays_part_and_releases_the_rest() {
    let f = ApiFixture::new().await;
    let (alice, account) = funded(&f, "100.00").await;
    let held = hold(&f, &alice, &account, "60.00").await;
    let shown = transaction(&f, &alice, &held).await;
    assert_eq!(shown["status"], "ACTIVE", "{shown}");
    assert!(shown["expiresAt"].is_string(), "{shown}");
    let owed = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        balances(&f, &alice, &account).await,
        owed("100.00", "60.00", "40.00")
    );

    // The held money cannot be paid out twice.
    let too_much = json!({ "accountId": account, "amount": "40.01", "type": "WITHDRAWAL" });
    let refused = f.record_settled(&alice, &too_much).await;
    let refused = transaction(&f, &alice, &refused).await;
    assert_eq!(refused["status"], "REJECTED");
    assert_eq!(refused["rejectionReason"], "INSUFFICIENT_FUNDS");
    let second = json!({ "accountId": account, "amount": "40.01", "type": "HOLD" });
    let second = f.record_settled(&alice, &second).await;
    assert_eq!(
        transaction(&f, &alice, &second).await["rejectionReason"],
        "INSUFFICIENT_FUNDS"
    );

    // A capture above the hold is refused before anything is recorded.
    let over = f
        .act(
            &alice,
            &new_key(),
            &held,
            "capture",
            Some(&json!({ "amount": "60.01" })),
        )
        .await;
    assert_eq!(over.status, 400, "{}", over.text);
    assert_eq!(over.json()["field"], "amount", "{}", over.text);

    let key = new_key();
    let capture = f
        .act(
            &alice,
            &key,
            &held,
            "capture",
            Some(&json!({ "amount": "25.50" })),
        )
        .await;
    assert_eq!(capture.status, 201, "{}", capture.text);
    assert_eq!(capture.json()["holdId"], held.as_str());
    assert_eq!(capture.json()["type"], "CAPTURE");
    f.settle(&alice, &key).await;
    // The same key and request replay the first answer, byte for byte.
    let again = f
        .act(
            &alice,
            &key,
            &held,
            "capture",
            Some(&json!({ "amount": "25.50" })),
        )
        .await;
    assert_eq!(
        (again.status, again.text.as_str()),
        (201, capture.text.as_str())
    );

    assert_eq!(
        balances(&f, &alice, &account).await,
        owed("74.50", "0.00", "74.50")
    );
    let captured = transaction(&f, &alice, &id_of(&capture)).await;
    assert_eq!(captured["status"], "COMPLETED", "{captured}");
    assert_eq!(captured["balanceAfter"], "74.50");
    let ended = transaction(&f, &alice, &held).await;
    assert_eq!(ended["status"], "CAPTURED", "{ended}");
    assert_eq!(ended["capturedAmount"], "25.50");
    assert_eq!(ended["endedBy"], captured["transactionId"]);

    // A hold ends once: a second capture and a void are rejected, nothing moves.
    let late = act_settled(&f, &alice, &held, "capture", None).await;
    let late = transaction(&f, &alice, &id_of(&late)).await;
    assert_eq!(late["rejectionReason"], "HOLD_NOT_ACTIVE", "{late}");
    let void = act_settled(&f, &alice, &held, "void", None).await;
    let void = transaction(&f, &alice, &id_of(&void)).await;
    assert_eq!(void["rejectionReason"], "HOLD_NOT_ACTIVE", "{void}");
    assert_eq!(
        balances(&f, &alice, &account).await,
        owed("74.50", "0.00", "74.50")
    );
}

#[tokio::test]
async fn capture_and_void_racing_end_the_hold_once_in_acceptance_order() {
    let f = ApiFixture::new().await;
    let (alice, account) = funded(&f, "50.00").await;
    let held = hold(&f, &alice, &account, "20.00").await;
    let (void_key, capture_key) = (new_key(), new_key());
    let void = f
        .act(&alice, &void_key, &held, "void", Some(&json!({})))
        .await;
    assert_eq!(void.status, 201, "{}", void.text);
    let capture = f.act(&alice, &capture_key, &held, "capture", None).await;
    assert_eq!(capture.status, 201, "{}", capture.text);
    // Both settled by one call: the engine orders them as they were accepted.
    f.settle_all(&[(&alice, capture_key.as_str()), (&alice, void_key.as_str())])
        .await;
    let void = transaction(&f, &alice, &id_of(&void)).await;
    let capture = transaction(&f, &alice, &id_of(&capture)).await;
    assert_eq!(void["status"], "COMPLETED", "{void}");
    assert_eq!(capture["rejectionReason"], "HOLD_NOT_ACTIVE", "{capture}");
    assert_eq!(transaction(&f, &alice, &held).await["status"], "VOIDED");
    assert_eq!(
        balances(&f, &alice, &account).await,
        ("50.00".to_owned(), "0.00".to_owned(), "50.00".to_owned())
    );
}

#[tokio::test]
async fn only_the_holder_acts_on_a_hold_and_only_on_a_hold() {
    let f = ApiFixture::new().await;
    let (alice, account) = funded(&f, "50.00").await;
    let held = hold(&f, &alice, &account, "20.00").await;
    let mallory = Caller::new_user();
    for action in ["capture", "void"] {
        let reply = f.act(&mallory, &new_key(), &held, action, None).await;
        assert_eq!(reply.status, 404, "{action}: {}", reply.text);
    }
    let deposit = json!({ "accountId": account, "amount": "1.00", "type": "DEPOSIT" });
    let deposit = f.record_settled(&alice, &deposit).await;
    let reply = f.act(&alice, &new_key(), &deposit, "capture", None).await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    let unknown = f
        .act(
            &alice,
            &new_key(),
            &uuid::Uuid::new_v4().to_string(),
            "void",
            None,
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let no_key = f.act(&alice, "", &held, "void", None).await;
    assert_eq!(no_key.status, 400, "{}", no_key.text);
    let unknown_field = f
        .act(
            &alice,
            &new_key(),
            &held,
            "void",
            Some(&json!({ "amount": "1" })),
        )
        .await;
    assert_eq!(unknown_field.status, 400, "{}", unknown_field.text);
    // expiresAt: in the future, at most 30 days, only on a hold.
    for (kind, at) in [
        ("HOLD", "2020-01-01T00:00:00Z"),
        ("HOLD", "2999-01-01T00:00:00Z"),
        ("HOLD", "tomorrow"),
        ("DEPOSIT", "2999-01-01T00:00:00Z"),
    ] {
        let body = json!({ "accountId": account, "amount": "1", "type": kind, "expiresAt": at });
        let reply = f.record(&alice, &new_key(), &body).await;
        assert_eq!(reply.status, 400, "{kind} {at}: {}", reply.text);
        assert_eq!(reply.json()["field"], "expiresAt", "{}", reply.text);
    }
    let capture_type = json!({ "accountId": account, "amount": "1", "type": "CAPTURE" });
    let reply = f.record(&alice, &new_key(), &capture_type).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
}

#[tokio::test]
async fn an_expired_hold_is_released_by_the_reconciler_once() {
    let f = ApiFixture::new().await;
    let (alice, account) = funded(&f, "80.00").await;
    let soon = shared::clock::format_rfc3339(chrono::Utc::now() + chrono::Duration::seconds(1));
    let body =
        json!({ "accountId": account, "amount": "30.00", "type": "HOLD", "expiresAt": soon });
    let held = f.record_settled(&alice, &body).await;
    let lasting = hold(&f, &alice, &account, "5.00").await;
    let reconciler = reconcile_pending::App::new(
        &f.stack.config,
        &f.tables,
        reconcile_pending::DEFAULT_MAX_AGE,
        "test",
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let report = reconciler
        .run(shared::settle::Deadline::none())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (report.holds_due, report.holds_expired),
        (1, 1),
        "{report:?}"
    );
    let ended = transaction(&f, &alice, &held).await;
    assert_eq!(ended["status"], "EXPIRED", "{ended}");
    assert_eq!(
        balances(&f, &alice, &account).await,
        ("80.00".to_owned(), "5.00".to_owned(), "75.00".to_owned())
    );
    // The holder sees the expiry; a capture after it is rejected.
    let expiry = ended["endedBy"].as_str().unwrap_or_default().to_owned();
    let shown = transaction(&f, &alice, &expiry).await;
    assert_eq!(
        (shown["type"].as_str(), shown["status"].as_str()),
        (Some("EXPIRY"), Some("COMPLETED"))
    );
    let late = act_settled(&f, &alice, &held, "capture", None).await;
    assert_eq!(
        transaction(&f, &alice, &id_of(&late)).await["rejectionReason"],
        "HOLD_NOT_ACTIVE"
    );
    let again = reconciler
        .run(shared::settle::Deadline::none())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((again.holds_due, again.holds_expired), (0, 0), "{again:?}");
    assert_eq!(transaction(&f, &alice, &lasting).await["status"], "ACTIVE");
}

#[tokio::test]
async fn reversals_move_money_back_never_more_than_the_original() {
    let f = ApiFixture::new().await;
    let (alice, account) = funded(&f, "100.00").await;
    let (bob, bobs) = funded(&f, "0.01").await;
    let operator = Caller::new_admin();
    let history = f
        .all_pages(&ApiEvent::account_history(&account, &alice), 10)
        .await;
    let deposit = history[0]["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Only operators, with a reason, on someone else's account.
    let body = json!({ "amount": "30.00", "description": "chargeback 41" });
    let by_holder = f
        .act(&alice, &new_key(), &deposit, "reverse", Some(&body))
        .await;
    assert_eq!(by_holder.status, 403, "{}", by_holder.text);
    let no_reason = f
        .act(
            &operator,
            &new_key(),
            &deposit,
            "reverse",
            Some(&json!({ "amount": "1" })),
        )
        .await;
    assert_eq!(no_reason.status, 400, "{}", no_reason.text);

    let first = act_settled(&f, &operator, &deposit, "reverse", Some(&body)).await;
    assert_eq!(first.json()["reversalOf"], deposit.as_str());
    assert_eq!(first.json()["direction"], "DEBIT");
    let first = transaction(&f, &alice, &id_of(&first)).await;
    assert_eq!(first["status"], "COMPLETED", "{first}");
    assert_eq!(first["balanceAfter"], "70.00");
    assert_eq!(
        transaction(&f, &alice, &deposit).await["reversedAmount"],
        "30.00"
    );
    // 70.00 left to reverse: 70.01 is rejected, the rest (no amount) completes.
    let over = json!({ "amount": "70.01", "description": "too much" });
    let over = act_settled(&f, &operator, &deposit, "reverse", Some(&over)).await;
    assert_eq!(
        transaction(&f, &alice, &id_of(&over)).await["rejectionReason"],
        "REVERSAL_EXCEEDS_ORIGINAL"
    );
    let rest = json!({ "description": "the rest" });
    let rest = act_settled(&f, &operator, &deposit, "reverse", Some(&rest)).await;
    assert_eq!(
        transaction(&f, &alice, &id_of(&rest)).await["amount"],
        "70.00"
    );
    assert_eq!(balances(&f, &alice, &account).await.0, "0.00");
    assert_eq!(
        transaction(&f, &alice, &deposit).await["reversedAmount"],
        "100.00"
    );

    // A transfer's reversal debits the receiver, never below zero.
    let topup = json!({ "accountId": account, "amount": "50.00", "type": "DEPOSIT" });
    f.record_settled(&alice, &topup).await;
    let transfer =
        json!({ "accountId": account, "toAccountId": bobs, "amount": "20.00", "type": "TRANSFER" });
    let transfer = f.record_settled(&alice, &transfer).await;
    let spend = json!({ "accountId": bobs, "amount": "15.00", "type": "WITHDRAWAL" });
    f.record_settled(&bob, &spend).await;
    let whole = json!({ "description": "sent in error" });
    let short = act_settled(&f, &operator, &transfer, "reverse", Some(&whole)).await;
    assert_eq!(
        transaction(&f, &bob, &id_of(&short)).await["rejectionReason"],
        "INSUFFICIENT_FUNDS"
    );
    let part = json!({ "amount": "5.01", "description": "sent in error" });
    let part = act_settled(&f, &operator, &transfer, "reverse", Some(&part)).await;
    let shown = transaction(&f, &alice, &id_of(&part)).await;
    assert_eq!(shown["status"], "COMPLETED", "{shown}");
    assert_eq!(balances(&f, &bob, &bobs).await.0, "0.00");
    assert_eq!(balances(&f, &alice, &account).await.0, "35.01");

    // Not reversible: a hold; an operator's own account.
    let held = hold(&f, &alice, &account, "1.00").await;
    let reply = f
        .act(&operator, &new_key(), &held, "reverse", Some(&whole))
        .await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    let own = f.open_account(&operator, "USD").await;
    let mine = json!({ "accountId": own, "amount": "5.00", "type": "DEPOSIT" });
    let mine = f.record_settled(&operator, &mine).await;
    let other_operator = Caller::new_admin();
    let reply = f
        .act(&operator, &new_key(), &mine, "reverse", Some(&whole))
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text);
    let by_another = act_settled(&f, &other_operator, &mine, "reverse", Some(&whole)).await;
    assert_eq!(
        by_another.json()["initiatedBy"],
        other_operator.sub.as_str()
    );
}

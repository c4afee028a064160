//! Operators (Cognito group `admin`) over real HTTP against the local stack: they
//! correct customers' balances with ADJUSTMENT, never their own (separation of
//! duties), with a reason; they read any account and its history; the holder sees
//! the adjustment and is told about it; customers keep seeing only their own.

use integration_tests::gateway::{
    call, history_items, id_token, key, new_holder, new_user, open_account, record, text,
};
use integration_tests::local::LocalStack;
use integration_tests::moto;
use serde_json::{Value, json};

#[tokio::test]
async fn only_an_operator_may_record_an_adjustment_and_never_on_their_own_account() {
    let s = LocalStack::start().await;
    let customer = new_user(&s).await;
    let account = open_account(&s, &customer).await;
    let adjustment = json!({ "accountId": account, "type": "ADJUSTMENT", "amount": "25.00", "description": "goodwill" });

    let refused = call(
        &s,
        "POST",
        "/transactions",
        Some(&customer),
        Some(&adjustment),
        Some(&key()),
    )
    .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "FORBIDDEN", "{:?}", refused.body);

    let operator = id_token(&s, "adminUser").await;
    let own = open_account(&s, &operator).await;
    let own_adjustment = json!({ "accountId": own, "type": "ADJUSTMENT", "amount": "25.00", "description": "pay myself" });
    let refused = call(
        &s,
        "POST",
        "/transactions",
        Some(&operator),
        Some(&own_adjustment),
        Some(&key()),
    )
    .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(
        refused.body["code"], "SEPARATION_OF_DUTIES",
        "{:?}",
        refused.body
    );

    let unexplained = json!({ "accountId": account, "type": "ADJUSTMENT", "amount": "25.00" });
    let refused = call(
        &s,
        "POST",
        "/transactions",
        Some(&operator),
        Some(&unexplained),
        Some(&key()),
    )
    .await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(refused.body["field"], "description", "{:?}", refused.body);

    let unknown = json!({ "accountId": uuid::Uuid::new_v4().to_string(), "type": "ADJUSTMENT", "amount": "1.00", "description": "x" });
    let missing = call(
        &s,
        "POST",
        "/transactions",
        Some(&operator),
        Some(&unknown),
        Some(&key()),
    )
    .await;
    assert_eq!(missing.status, 404, "{:?}", missing.body);

    for (who, token) in [("the customer", &customer), ("the operator", &operator)] {
        let listed = history_items(&s, token, &account).await;
        assert_eq!(listed, Vec::<Value>::new(), "{who}: nothing was written");
    }
}

#[tokio::test]
async fn an_operator_corrects_a_customers_balance_and_the_holder_sees_and_is_told() {
    let s = LocalStack::start().await;
    let (customer, address) = new_holder(&s).await;
    let account = open_account(&s, &customer).await;
    let operator = id_token(&s, "adminUser").await;

    let credit = record(&s, &operator, &json!({ "accountId": account, "type": "ADJUSTMENT", "amount": "40.00", "description": "refund of fee" })).await;
    let done = s.settled(&operator, &credit).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["balanceAfter"], "40.00", "{done}");
    assert!(
        !text(&done["initiatedBy"]).is_empty(),
        "the operator is recorded: {done}"
    );

    // Never below zero: a debit larger than the balance is rejected, nothing moves.
    let debit = record(&s, &operator, &json!({ "accountId": account, "type": "ADJUSTMENT", "amount": "-50.00", "description": "reverse duplicate" })).await;
    let rejected = s.settled(&operator, &debit).await;
    assert_eq!(rejected["status"], "REJECTED", "{rejected}");
    assert_eq!(
        rejected["rejectionReason"], "INSUFFICIENT_FUNDS",
        "{rejected}"
    );

    // The holder: the balance, the entry in the account's history and by id, with the
    // operator's id and reason but not the operator's Idempotency-Key.
    let read = call(
        &s,
        "GET",
        &format!("/accounts/{account}"),
        Some(&customer),
        None,
        None,
    )
    .await;
    assert_eq!(read.body["balance"], "40.00", "{:?}", read.body);
    let items = history_items(&s, &customer, &account).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let entry = items
        .iter()
        .find(|i| i["transactionId"] == credit.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["description"], "refund of fee", "{entry}");
    assert_eq!(entry["initiatedBy"], done["initiatedBy"], "{entry}");
    assert!(
        entry.get("idempotencyKey").is_none(),
        "the operator's key is theirs: {entry}"
    );
    let by_id = call(
        &s,
        "GET",
        &format!("/transactions/{credit}"),
        Some(&customer),
        None,
        None,
    )
    .await;
    assert_eq!(by_id.status, 200, "{:?}", by_id.body);
    assert!(
        by_id.body.get("idempotencyKey").is_none(),
        "{:?}",
        by_id.body
    );

    // The holder is told (not the operator).
    let mail = moto::wait_for_subjects(&s.stack, &address, 2).await;
    assert!(
        mail.contains(&"Adjustment of 40.00 USD completed".to_owned())
            && mail.contains(&"Adjustment of -50.00 USD rejected".to_owned()),
        "{mail:?}"
    );

    // Operators audit any account and its history.
    let audited = call(
        &s,
        "GET",
        &format!("/accounts/{account}"),
        Some(&operator),
        None,
        None,
    )
    .await;
    assert_eq!(audited.status, 200, "{:?}", audited.body);
    let audited = history_items(&s, &operator, &account).await;
    assert_eq!(audited.len(), 2, "{audited:?}");

    // Another customer still gets the unknown-id 404 for all of it.
    let stranger = new_user(&s).await;
    for path in [
        format!("/accounts/{account}"),
        format!("/accounts/{account}/transactions"),
        format!("/transactions/{credit}"),
    ] {
        let hidden = call(&s, "GET", &path, Some(&stranger), None, None).await;
        assert_eq!(hidden.status, 404, "{path}: {:?}", hidden.body);
    }
}

#[tokio::test]
async fn a_receiver_sees_a_transfer_only_once_it_completed_and_never_the_senders_details() {
    let s = LocalStack::start().await;
    let sender = new_user(&s).await;
    let (receiver, _) = new_holder(&s).await;
    let from = open_account(&s, &sender).await;
    let to = open_account(&s, &receiver).await;

    // Rejected (no funds): the receiver never sees it, by id or in history.
    let rejected = record(&s, &sender, &json!({ "accountId": from, "toAccountId": to, "type": "TRANSFER", "amount": "5.00", "description": "rent" })).await;
    assert_eq!(s.settled(&sender, &rejected).await["status"], "REJECTED");
    let hidden = call(
        &s,
        "GET",
        &format!("/transactions/{rejected}"),
        Some(&receiver),
        None,
        None,
    )
    .await;
    assert_eq!(hidden.status, 404, "{:?}", hidden.body);

    let deposit = record(
        &s,
        &sender,
        &json!({ "accountId": from, "type": "DEPOSIT", "amount": "10.00" }),
    )
    .await;
    s.settled(&sender, &deposit).await;
    let sent = record(&s, &sender, &json!({ "accountId": from, "toAccountId": to, "type": "TRANSFER", "amount": "4.00", "description": "rent" })).await;
    s.settled(&sender, &sent).await;

    let items = history_items(&s, &receiver, &to).await;
    assert_eq!(items.len(), 1, "only the completed transfer: {items:?}");
    let seen = &items[0];
    assert_eq!(seen["transactionId"], sent.as_str());
    assert_eq!(
        seen["balanceAfter"], "4.00",
        "the receiver's own balance: {seen}"
    );
    for private in ["idempotencyKey", "rejectionReason", "userId", "initiatedBy"] {
        assert!(seen.get(private).is_none(), "{private} leaked: {seen}");
    }
    let by_id = call(
        &s,
        "GET",
        &format!("/transactions/{sent}"),
        Some(&receiver),
        None,
        None,
    )
    .await;
    assert_eq!(by_id.status, 200, "{:?}", by_id.body);
    assert!(
        by_id.body.get("idempotencyKey").is_none(),
        "{:?}",
        by_id.body
    );
}

#[tokio::test]
async fn descriptions_with_control_or_bidi_characters_are_refused_and_write_nothing() {
    let s = LocalStack::start().await;
    let sender = new_user(&s).await;
    let from = open_account(&s, &sender).await;
    for description in [
        "pay\u{202E}lufrom",
        "a\u{2066}b",
        "line\nbreak",
        "bell\u{7}",
    ] {
        let body = json!({ "accountId": from, "type": "DEPOSIT", "amount": "1.00", "description": description });
        let refused = call(
            &s,
            "POST",
            "/transactions",
            Some(&sender),
            Some(&body),
            Some(&key()),
        )
        .await;
        assert_eq!(refused.status, 400, "{description:?}: {:?}", refused.body);
        assert_eq!(refused.body["field"], "description", "{:?}", refused.body);
    }
    let listed = call(&s, "GET", "/transactions", Some(&sender), None, None).await;
    assert_eq!(listed.body["items"], json!([]), "{:?}", listed.body);
}

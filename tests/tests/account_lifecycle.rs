//! Closing, freezing and unfreezing accounts: over real HTTP against the local stack
//! (the pipeline running), and on the API functions alone where a transaction must be
//! caught PENDING.

use integration_tests::api::{ApiEvent, Caller};
use integration_tests::fixture::{ApiFixture, new_key};
use integration_tests::gateway::{
    call, history_items, id_token, key, new_holder, new_user, open_account, record, text,
};
use integration_tests::local::LocalStack;
use integration_tests::moto;
use serde_json::{Value, json};

async fn status_change(
    s: &LocalStack,
    token: &str,
    account: &str,
    action: &str,
    body: Option<&Value>,
) -> integration_tests::local::Answer {
    call(
        s,
        "POST",
        &format!("/accounts/{account}/{action}"),
        Some(token),
        body,
        None,
    )
    .await
}

/// The account's status-change entries, newest first.
async fn status_entries(s: &LocalStack, token: &str, account: &str) -> Vec<Value> {
    history_items(s, token, account)
        .await
        .into_iter()
        .filter(|i| i["entryType"] == "STATUS_CHANGE")
        .collect()
}

#[tokio::test]
async fn an_owner_closes_an_empty_account_for_good_and_not_one_holding_money() {
    let s = LocalStack::start().await;
    let owner = new_user(&s).await;
    let empty = open_account(&s, &owner).await;
    let funded = open_account(&s, &owner).await;
    let deposit = record(
        &s,
        &owner,
        &json!({ "accountId": funded, "type": "DEPOSIT", "amount": "3.00" }),
    )
    .await;
    s.settled(&owner, &deposit).await;

    let stranger = new_user(&s).await;
    let hidden = status_change(&s, &stranger, &empty, "close", None).await;
    assert_eq!(hidden.status, 404, "{:?}", hidden.body);

    let refused = status_change(&s, &owner, &funded, "close", None).await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "ACCOUNT_NOT_EMPTY");

    let closed = status_change(
        &s,
        &owner,
        &empty,
        "close",
        Some(&json!({ "reason": "moving banks" })),
    )
    .await;
    assert_eq!(closed.status, 200, "{:?}", closed.body);
    assert_eq!(closed.body["status"], "CLOSED");
    let again = status_change(&s, &owner, &empty, "close", None).await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(again.body["code"], "ACCOUNT_NOT_OPEN");

    // Final: money sent to it later is refused when applied, nothing moves.
    let late = record(
        &s,
        &owner,
        &json!({ "accountId": empty, "type": "DEPOSIT", "amount": "1.00" }),
    )
    .await;
    let rejected = s.settled(&owner, &late).await;
    assert_eq!(
        rejected["rejectionReason"], "ACCOUNT_NOT_OPEN",
        "{rejected}"
    );
    let read = call(
        &s,
        "GET",
        &format!("/accounts/{empty}"),
        Some(&owner),
        None,
        None,
    )
    .await;
    assert_eq!(
        (read.body["status"].clone(), read.body["balance"].clone()),
        (json!("CLOSED"), json!("0.00"))
    );

    let entries = status_entries(&s, &owner, &empty).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["fromStatus"], "OPEN");
    assert_eq!(entries[0]["toStatus"], "CLOSED");
    assert_eq!(entries[0]["reason"], "moving banks");
}

#[tokio::test]
async fn an_operator_freezes_and_unfreezes_a_customers_account_with_a_reason() {
    let s = LocalStack::start().await;
    let customer = new_user(&s).await;
    let account = open_account(&s, &customer).await;
    let operator = id_token(&s, "adminUser").await;
    let reason = json!({ "reason": "suspected fraud, case 41" });

    let refused = status_change(&s, &customer, &account, "freeze", Some(&reason)).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "FORBIDDEN");
    let unexplained = status_change(&s, &operator, &account, "freeze", None).await;
    assert_eq!(unexplained.status, 400, "{:?}", unexplained.body);
    assert_eq!(unexplained.body["field"], "reason");
    let own = open_account(&s, &operator).await;
    let selfish = status_change(&s, &operator, &own, "freeze", Some(&reason)).await;
    assert_eq!(selfish.status, 403, "{:?}", selfish.body);
    assert_eq!(selfish.body["code"], "SEPARATION_OF_DUTIES");
    let unknown = status_change(&s, &operator, &key(), "freeze", Some(&reason)).await;
    assert_eq!(unknown.status, 404, "{:?}", unknown.body);

    let frozen = status_change(&s, &operator, &account, "freeze", Some(&reason)).await;
    assert_eq!(frozen.status, 200, "{:?}", frozen.body);
    assert_eq!(frozen.body["status"], "FROZEN");
    let twice = status_change(&s, &operator, &account, "freeze", Some(&reason)).await;
    assert_eq!(twice.body["code"], "ACCOUNT_NOT_OPEN", "{:?}", twice.body);
    let closing = status_change(&s, &customer, &account, "close", None).await;
    assert_eq!(
        closing.body["code"], "ACCOUNT_NOT_OPEN",
        "{:?}",
        closing.body
    );

    let blocked = record(
        &s,
        &customer,
        &json!({ "accountId": account, "type": "DEPOSIT", "amount": "9.00" }),
    )
    .await;
    assert_eq!(
        s.settled(&customer, &blocked).await["rejectionReason"],
        "ACCOUNT_NOT_OPEN"
    );

    let thawed = status_change(
        &s,
        &operator,
        &account,
        "unfreeze",
        Some(&json!({ "reason": "case 41 closed" })),
    )
    .await;
    assert_eq!(thawed.status, 200, "{:?}", thawed.body);
    assert_eq!(thawed.body["status"], "OPEN");
    let again = status_change(&s, &operator, &account, "unfreeze", Some(&reason)).await;
    assert_eq!(again.body["code"], "ACCOUNT_NOT_FROZEN", "{:?}", again.body);
    let moved = record(
        &s,
        &customer,
        &json!({ "accountId": account, "type": "DEPOSIT", "amount": "9.00" }),
    )
    .await;
    assert_eq!(s.settled(&customer, &moved).await["status"], "COMPLETED");

    // Who, when and why, in the holder's history, newest first.
    let entries = status_entries(&s, &customer, &account).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(
        (
            entries[0]["toStatus"].clone(),
            entries[1]["toStatus"].clone()
        ),
        (json!("OPEN"), json!("FROZEN"))
    );
    assert_eq!(entries[1]["reason"], "suspected fraud, case 41");
    assert!(!text(&entries[0]["initiatedBy"]).is_empty());
    assert!(!text(&entries[0]["createdAt"]).is_empty());
}

#[tokio::test]
async fn a_transaction_pending_when_its_account_is_frozen_is_rejected_whole() {
    let f = ApiFixture::new().await;
    let (alice, operator) = (Caller::new_user(), Caller::new_admin());
    let account = f.open_account(&alice, "USD").await;
    let key = new_key();
    let deposit = json!({ "accountId": account, "amount": "50.00", "type": "DEPOSIT" });
    assert_eq!(f.record(&alice, &key, &deposit).await.status, 201);

    let freeze = ApiEvent::from_sample("accounts-create.json")
        .route(
            "POST",
            &format!("/accounts/{account}/freeze"),
            "/accounts/{accountId}/freeze",
        )
        .path_param("accountId", &account)
        .caller(Some(&operator))
        .json_body(&json!({ "reason": "court order" }));
    let frozen = f.accounts_call(&freeze).await;
    assert_eq!(frozen.status, 200, "{}", frozen.text);

    f.settle(&alice, &key).await;
    let read = ApiEvent::from_sample("accounts-get.json")
        .route(
            "GET",
            &format!("/accounts/{account}"),
            "/accounts/{accountId}",
        )
        .path_param("accountId", &account)
        .caller(Some(&alice));
    let after = f.accounts_call(&read).await.json();
    assert_eq!(after["balance"], "0.00", "{after}");
    assert_eq!(after["status"], "FROZEN", "{after}");
    let list = f
        .get_call(&ApiEvent::from_sample("transactions-list.json").caller(Some(&alice)))
        .await
        .json();
    assert_eq!(list["items"][0]["status"], "REJECTED", "{list}");
    assert_eq!(
        list["items"][0]["rejectionReason"], "ACCOUNT_NOT_OPEN",
        "{list}"
    );
}

#[tokio::test]
async fn the_holder_is_told_of_every_status_change_once_and_why() {
    let s = LocalStack::start().await;
    let (customer, address) = new_holder(&s).await;
    let account = open_account(&s, &customer).await;
    let operator = id_token(&s, "adminUser").await;

    let steps = [
        (
            &operator,
            "freeze",
            Some(json!({ "reason": "card reported stolen" })),
        ),
        (
            &operator,
            "unfreeze",
            Some(json!({ "reason": "new card issued" })),
        ),
        (&customer, "close", None),
    ];
    for (who, action, body) in &steps {
        let changed = status_change(&s, who, &account, action, body.as_ref()).await;
        assert_eq!(changed.status, 200, "{action}: {:?}", changed.body);
    }

    // One e-mail per change (the queue does not keep their order).
    let mut subjects = moto::wait_for_subjects(&s.stack, &address, 3).await;
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "Your account has been closed",
            "Your account has been frozen",
            "Your account has been unfrozen",
        ]
    );
    let mail = moto::emails_to(&s.stack, &address).await;
    let body = |subject: &str| {
        mail.iter()
            .find(|m| m["subject"] == subject)
            .map(|m| text(&m["body"]))
            .unwrap_or_default()
    };
    let frozen = body("Your account has been frozen");
    assert!(frozen.contains("card reported stolen"), "{frozen}");
    assert!(frozen.contains("by the bank"), "{frozen}");
    let closed = body("Your account has been closed");
    assert!(closed.contains("at your request"), "{closed}");
    // The operator's id is never in the holder's e-mail.
    let entries = status_entries(&s, &customer, &account).await;
    let operator_id = text(&entries[1]["initiatedBy"]);
    assert!(!operator_id.is_empty(), "{entries:?}");
    assert!(
        mail.iter().all(|m| !m.to_string().contains(&operator_id)),
        "{mail:?}"
    );
}

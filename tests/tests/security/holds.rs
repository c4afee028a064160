//! The security matrix of holds and reversals, over real HTTP against the local runtime
//! (the Cognito authorizer emulation in front of the template's routes): only the
//! holder of a hold's account captures or voids it, and anyone else cannot tell it from
//! an unknown id; only operators reverse, never on an account of their own. The 401
//! answers of these routes to bad credentials are in authorizer.rs (the matrix of
//! every protected route). No response in this file may be a 5xx (`gateway::call`).

use integration_tests::gateway::{call, id_token, key, new_user, open_account, record, text};
use integration_tests::local::{Answer, LocalStack};
use serde_json::{Value, json};

/// `POST /transactions/{id}/{action}` by `token` with a new Idempotency-Key.
async fn act(s: &LocalStack, token: &str, id: &str, action: &str, body: Option<&Value>) -> Answer {
    let path = format!("/transactions/{id}/{action}");
    call(s, "POST", &path, Some(token), body, Some(&key())).await
}

/// The account `account` as `token`'s user reads it (which must be answered 200).
async fn account_of(s: &LocalStack, token: &str, account: &str) -> Value {
    let read = call(
        s,
        "GET",
        &format!("/accounts/{account}"),
        Some(token),
        None,
        None,
    )
    .await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    read.body
}

/// Records `body` for `token`'s user and waits until it settled; returns its id and
/// how it settled.
async fn settled(s: &LocalStack, token: &str, body: &Value) -> (String, Value) {
    let id = record(s, token, body).await;
    let shown = s.settled(token, &id).await;
    (id, shown)
}

#[tokio::test]
async fn only_the_holder_captures_or_voids_a_hold_and_anyone_else_gets_the_unknown_id_404() {
    let s = LocalStack::start().await;
    let holder = id_token(&s, "demoUser").await;
    let account = text(&s.info["demoUser"]["accountId"]);
    let deposit = json!({ "accountId": account, "type": "DEPOSIT", "amount": "100.00" });
    let (_, shown) = settled(&s, &holder, &deposit).await;
    assert_eq!(shown["status"], "COMPLETED", "{shown}");
    let hold = json!({ "accountId": account, "type": "HOLD", "amount": "40.00" });
    let (hold, shown) = settled(&s, &holder, &hold).await;
    assert_eq!(shown["status"], "ACTIVE", "{shown}");

    let intruders = [
        ("the admin", id_token(&s, "adminUser").await),
        ("an ordinary user", new_user(&s).await),
    ];
    let unknown = key();
    let capture = json!({ "amount": "1.00" });
    for (who, intruder) in &intruders {
        for (action, body) in [("capture", Some(&capture)), ("void", None)] {
            let theirs = act(&s, intruder, &hold, action, body).await;
            let nobodys = act(&s, intruder, &unknown, action, body).await;
            assert_eq!(theirs.status, 404, "{who} {action}: {theirs:?}");
            assert_eq!(theirs.body["code"], "NOT_FOUND", "{who} {action}");
            assert_eq!(
                theirs.body, nobodys.body,
                "{who} {action}: hold vs unknown id"
            );
            let rendered = theirs.body.to_string();
            assert!(
                !rendered.contains(&hold) && !rendered.contains(&account),
                "{who} {action}: {rendered}"
            );
        }
    }

    // The holder too needs an Idempotency-Key.
    let path = format!("/transactions/{hold}/void");
    let no_key = call(&s, "POST", &path, Some(&holder), None, None).await;
    assert_eq!(no_key.status, 400, "{no_key:?}");
    assert_eq!(
        no_key.body["code"], "IDEMPOTENCY_KEY_MISSING",
        "{:?}",
        no_key.body
    );

    // Nothing the intruders sent was recorded: the hold is still ACTIVE and held, and
    // the holder's transactions are the deposit and the hold.
    assert_eq!(s.settled(&holder, &hold).await["status"], "ACTIVE");
    let read = account_of(&s, &holder, &account).await;
    assert_eq!(
        (
            &read["balance"],
            &read["heldAmount"],
            &read["availableBalance"]
        ),
        (&json!("100.00"), &json!("40.00"), &json!("60.00")),
        "{read}"
    );
    let listed = call(&s, "GET", "/transactions", Some(&holder), None, None).await;
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(2),
        "{:?}",
        listed.body
    );

    // The control: the holder voids their hold.
    let void = act(&s, &holder, &hold, "void", None).await;
    assert_eq!(void.status, 201, "{void:?}");
    assert_eq!(void.body["holdId"], hold.as_str());
    assert_eq!(void.body["type"], "VOID");
    let voided = s.settled(&holder, &text(&void.body["transactionId"])).await;
    assert_eq!(voided["status"], "COMPLETED", "{voided}");
    assert_eq!(s.settled(&holder, &hold).await["status"], "VOIDED");
    let read = account_of(&s, &holder, &account).await;
    assert_eq!(read["availableBalance"], "100.00", "{read}");
}

#[tokio::test]
async fn only_operators_reverse_and_never_a_transaction_on_an_account_of_their_own() {
    let s = LocalStack::start().await;
    let holder = id_token(&s, "demoUser").await;
    let account = text(&s.info["demoUser"]["accountId"]);
    let deposit = json!({ "accountId": account, "type": "DEPOSIT", "amount": "50.00" });
    let (deposit, shown) = settled(&s, &holder, &deposit).await;
    assert_eq!(shown["status"], "COMPLETED", "{shown}");
    let why = json!({ "amount": "10.00", "description": "chargeback 41" });

    // Customers, the holder included, get 403 FORBIDDEN, for an unknown id too: the
    // answer says nothing about the transaction.
    let customers = [
        ("the holder", holder.clone()),
        ("another user", new_user(&s).await),
    ];
    for (who, customer) in &customers {
        for id in [deposit.clone(), key()] {
            let refused = act(&s, customer, &id, "reverse", Some(&why)).await;
            assert_eq!(refused.status, 403, "{who}: {refused:?}");
            assert_eq!(
                refused.body["code"], "FORBIDDEN",
                "{who}: {:?}",
                refused.body
            );
            assert!(!refused.body.to_string().contains(&deposit), "{who}");
        }
    }

    // An operator holding the account a transaction moved money on is refused:
    // their own deposit, and a customer's transfer to them.
    let operator = id_token(&s, "adminUser").await;
    let own = open_account(&s, &operator).await;
    let mine = json!({ "accountId": own, "type": "DEPOSIT", "amount": "10.00" });
    let (mine, shown) = settled(&s, &operator, &mine).await;
    assert_eq!(shown["status"], "COMPLETED", "{shown}");
    let paid =
        json!({ "accountId": account, "toAccountId": own, "type": "TRANSFER", "amount": "5.00" });
    let (paid, shown) = settled(&s, &holder, &paid).await;
    assert_eq!(shown["status"], "COMPLETED", "{shown}");
    for (what, id) in [("their own deposit", &mine), ("a transfer to them", &paid)] {
        let whole = json!({ "description": "chargeback 41" });
        let refused = act(&s, &operator, id, "reverse", Some(&whole)).await;
        assert_eq!(refused.status, 403, "{what}: {refused:?}");
        assert_eq!(
            refused.body["code"], "SEPARATION_OF_DUTIES",
            "{what}: {:?}",
            refused.body
        );
    }
    // Nothing was reversed: both balances are as they were.
    let read = account_of(&s, &operator, &own).await;
    assert_eq!(read["balance"], "15.00", "{read}");
    let read = account_of(&s, &holder, &account).await;
    assert_eq!(read["balance"], "45.00", "{read}");

    // The control: the operator reverses part of the customer's deposit.
    let reversal = act(&s, &operator, &deposit, "reverse", Some(&why)).await;
    assert_eq!(reversal.status, 201, "{reversal:?}");
    assert_eq!(reversal.body["reversalOf"], deposit.as_str());
    assert_eq!(reversal.body["direction"], "DEBIT");
    assert_eq!(reversal.body["initiatedBy"], s.info["adminUser"]["sub"]);
    let reversed = s
        .settled(&operator, &text(&reversal.body["transactionId"]))
        .await;
    assert_eq!(reversed["status"], "COMPLETED", "{reversed}");
    let read = account_of(&s, &holder, &account).await;
    assert_eq!(read["balance"], "35.00", "{read}");
}

//! Security, 2 and 3: ownership and roles. A holder's data is the unknown id to
//! anyone else; idempotency keys are the caller's own.
//!
//! Over real HTTP against the local runtime (API Gateway with the Cognito User Pool
//! authorizer emulation) started in-process from `template.yml`. No response in this
//! file may be a 5xx.

use integration_tests::gateway::{call, id_token, key, new_user, open_account, record, send, text};
use integration_tests::local::LocalStack;
use serde_json::json;

// ---- 2. Ownership ----

#[tokio::test]
async fn another_user_gets_the_unknown_id_404_for_a_holders_data_and_cannot_use_their_page_token() {
    let s = LocalStack::start().await;
    let holder = id_token(&s, "demoUser").await;
    let account = text(&s.info["demoUser"]["accountId"]);
    let sub = text(&s.info["demoUser"]["sub"]);
    let mut ids = Vec::new();
    for amount in ["10.00", "20.00"] {
        let id = record(
            &s,
            &holder,
            &json!({ "accountId": account, "type": "DEPOSIT", "amount": amount }),
        )
        .await;
        assert_eq!(s.settled(&holder, &id).await["status"], "COMPLETED");
        ids.push(id);
    }
    let first_page = call(
        &s,
        "GET",
        "/transactions?limit=1",
        Some(&holder),
        None,
        None,
    )
    .await;
    assert_eq!(first_page.status, 200, "{:?}", first_page.body);
    let next = text(&first_page.body["nextToken"]);
    assert!(!next.is_empty(), "a second page: {:?}", first_page.body);
    // The control: the holder's own token reads the second page.
    let second_page = call(
        &s,
        "GET",
        &format!("/transactions?limit=1&nextToken={next}"),
        Some(&holder),
        None,
        None,
    )
    .await;
    assert_eq!(second_page.status, 200, "{:?}", second_page.body);
    assert_eq!(
        second_page.body["items"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        second_page.body
    );

    let intruders = [
        ("the admin", id_token(&s, "adminUser").await),
        ("an ordinary user", new_user(&s).await),
    ];
    let unknown = key();
    for (who, intruder) in &intruders {
        let pairs = [
            (
                format!("/accounts/{account}"),
                format!("/accounts/{unknown}"),
            ),
            (
                format!("/accounts/{account}/transactions"),
                format!("/accounts/{unknown}/transactions"),
            ),
            (
                format!("/accounts/{account}/transactions?from=2026-01-01"),
                format!("/accounts/{unknown}/transactions?from=2026-01-01"),
            ),
            (
                format!("/accounts/{account}/balance"),
                format!("/accounts/{unknown}/balance"),
            ),
            (
                format!("/accounts/{account}/statements"),
                format!("/accounts/{unknown}/statements"),
            ),
            (
                format!("/accounts/{account}/statements/2026-10"),
                format!("/accounts/{unknown}/statements/2026-10"),
            ),
            (
                format!("/transactions/{}", ids[0]),
                format!("/transactions/{unknown}"),
            ),
        ];
        // Operators read any account (an audit: tests/tests/operators.rs); they
        // still cannot record on it.
        let reads = if *who == "the admin" {
            &pairs[..0]
        } else {
            &pairs[..]
        };
        for (theirs, nobodys) in reads {
            let foreign = send(
                &s,
                "GET",
                theirs,
                Some(&format!("Bearer {intruder}")),
                None,
                &[],
            )
            .await;
            let missing = send(
                &s,
                "GET",
                nobodys,
                Some(&format!("Bearer {intruder}")),
                None,
                &[],
            )
            .await;
            assert_eq!(foreign.status, 404, "{who} GET {theirs}: {foreign:?}");
            assert_eq!(missing.status, 404, "{who} GET {nobodys}: {missing:?}");
            assert_eq!(foreign.body, missing.body, "{who}: {theirs} vs {nobodys}");
        }

        let on_theirs = call(
            &s,
            "POST",
            "/transactions",
            Some(intruder),
            Some(&json!({ "accountId": account, "type": "WITHDRAWAL", "amount": "5.00" })),
            Some(&key()),
        )
        .await;
        let on_nobodys = call(
            &s,
            "POST",
            "/transactions",
            Some(intruder),
            Some(&json!({ "accountId": unknown, "type": "WITHDRAWAL", "amount": "5.00" })),
            Some(&key()),
        )
        .await;
        assert_eq!(on_theirs.status, 404, "{who}: {on_theirs:?}");
        assert_eq!(on_nobodys.status, 404, "{who}: {on_nobodys:?}");
        assert_eq!(on_theirs.body, on_nobodys.body, "{who}");

        // Only the owner closes: anyone else, operators included, gets the unknown-id
        // answer, and the account stays open.
        let mut closes = Vec::new();
        for id in [&account, &unknown] {
            let path = format!("/accounts/{id}/close");
            closes.push(call(&s, "POST", &path, Some(intruder), None, None).await);
        }
        let (close_theirs, close_nobodys) = (&closes[0], &closes[1]);
        assert_eq!(close_theirs.status, 404, "{who}: {close_theirs:?}");
        assert_eq!(close_theirs.body, close_nobodys.body, "{who}");

        let paged = call(
            &s,
            "GET",
            &format!("/transactions?limit=1&nextToken={next}"),
            Some(intruder),
            None,
            None,
        )
        .await;
        assert_eq!(paged.status, 400, "{who}: {paged:?}");
        assert_eq!(paged.body["code"], "INVALID_NEXT_TOKEN", "{who}");
        let body = paged.body.to_string();
        for secret in [&account, &sub, &ids[0], &ids[1], &next] {
            assert!(!body.contains(secret.as_str()), "{who}: {secret} in {body}");
        }
        assert!(paged.body.get("items").is_none(), "{who}: {body}");
    }

    // The holder's balance and history are untouched by the intruders.
    let read = call(
        &s,
        "GET",
        &format!("/accounts/{account}"),
        Some(&holder),
        None,
        None,
    )
    .await;
    assert_eq!(read.body["balance"], "30.00", "{:?}", read.body);
    assert_eq!(read.body["status"], "OPEN", "{:?}", read.body);
    let history = call(&s, "GET", "/transactions", Some(&holder), None, None).await;
    assert_eq!(
        history.body["items"].as_array().map(Vec::len),
        Some(2),
        "{:?}",
        history.body
    );
}

// ---- 3. Roles ----

// Operators' powers and their limits: tests/tests/operators.rs.

#[tokio::test]
async fn another_users_idempotency_key_neither_replays_nor_reveals_the_holders_transaction() {
    let s = LocalStack::start().await;
    let holder = id_token(&s, "demoUser").await;
    let account = text(&s.info["demoUser"]["accountId"]);
    let shared_key = key();
    let holders_body = json!({ "accountId": account, "type": "DEPOSIT", "amount": "10.00" });
    let original = call(
        &s,
        "POST",
        "/transactions",
        Some(&holder),
        Some(&holders_body),
        Some(&shared_key),
    )
    .await;
    assert_eq!(original.status, 201, "{:?}", original.body);
    let theirs = text(&original.body["transactionId"]);

    let intruder = id_token(&s, "adminUser").await;
    let own = open_account(&s, &intruder).await;
    let mine = call(
        &s,
        "POST",
        "/transactions",
        Some(&intruder),
        Some(&json!({ "accountId": own, "type": "DEPOSIT", "amount": "10.00" })),
        Some(&shared_key),
    )
    .await;
    assert_eq!(mine.status, 201, "{:?}", mine.body);
    assert!(
        mine.headers.get("idempotent-replayed").is_none(),
        "{:?}",
        mine.headers
    );
    let mine_id = text(&mine.body["transactionId"]);
    assert!(!mine_id.is_empty());
    assert_ne!(mine_id, theirs);
    assert_eq!(mine.body["accountId"], own.as_str());
    let rendered = mine.body.to_string();
    assert!(
        !rendered.contains(&theirs) && !rendered.contains(&account),
        "{rendered}"
    );
    assert_eq!(
        s.settled(&intruder, &mine_id).await["balanceAfter"],
        "10.00"
    );

    // A third user replaying the holder's exact request with the holder's key gets the
    // 404 of someone else's account, not the holder's stored response.
    let third = new_user(&s).await;
    let replay = call(
        &s,
        "POST",
        "/transactions",
        Some(&third),
        Some(&holders_body),
        Some(&shared_key),
    )
    .await;
    assert_eq!(replay.status, 404, "{:?}", replay.body);
    assert!(replay.headers.get("idempotent-replayed").is_none());
    assert!(
        !replay.body.to_string().contains(&theirs),
        "{:?}",
        replay.body
    );

    // The holder's key still replays the holder's own transaction (the control).
    let again = call(
        &s,
        "POST",
        "/transactions",
        Some(&holder),
        Some(&holders_body),
        Some(&shared_key),
    )
    .await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(again.body["transactionId"], theirs.as_str());
    let history = call(&s, "GET", "/transactions", Some(&holder), None, None).await;
    assert_eq!(
        history.body["items"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        history.body
    );
}

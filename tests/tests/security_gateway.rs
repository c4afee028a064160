//! The security test matrix, over real HTTP against the local runtime (API Gateway with
//! the Cognito User Pool authorizer emulation) started in-process from `template.yml`.
//!
//! moto signs every pool's tokens with one RSA key (`kid` "dummy"), so tokens of another
//! pool or another app client carry a valid signature: only the issuer and audience
//! checks stand between them and the API. No response in this file may be a 5xx.

use integration_tests::cognito;
use integration_tests::forge::{hs256_forgeries, payload, tampered, unsigned, with_kid};
use integration_tests::gateway::{
    PASSWORD, call, credentials, id_token, key, new_user, open_account, record, stack_pool, text,
};
use integration_tests::local::{Answer, LocalStack};
use integration_tests::unique_name;
use serde_json::json;

/// A request with full control over the `Authorization` header and extra headers,
/// refusing any 5xx.
async fn send(
    s: &LocalStack,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    if let Some(authorization) = authorization {
        all.push(("Authorization", authorization));
    }
    let answer = s.send(method, path, &all, body).await;
    assert!(answer.status < 500, "{path}: a 5xx: {answer:?}");
    answer
}

/// A valid IdToken of a user of another, freshly created pool (another issuer).
async fn token_of_another_pool(s: &LocalStack) -> String {
    let pool = cognito::create_pool(&s.stack).await;
    let username = unique_name("stranger");
    let email = format!("{username}@holder.example");
    cognito::create_user(&s.stack, &pool, &username, PASSWORD, &[("email", &email)]).await;
    cognito::login(&s.stack, &pool, &username, PASSWORD).await.0
}

/// A valid IdToken of the demo user through a second app client of the stack's own
/// pool (another audience).
async fn token_of_another_client(s: &LocalStack) -> String {
    let (username, password) = credentials(s, "demoUser");
    cognito::login_through_new_client(&s.stack, &stack_pool(s), &username, &password).await
}

// ---- 1. The authorizer ----

#[tokio::test]
async fn every_protected_route_answers_401_unauthorized_to_every_bad_credential() {
    let s = LocalStack::start().await;
    let (username, password) = credentials(&s, "demoUser");
    let login = call(
        &s,
        "POST",
        "/auth/login",
        None,
        Some(&json!({ "username": username, "password": password })),
        None,
    )
    .await;
    assert_eq!(login.status, 200, "login: {:?}", login.body);
    let id = text(&login.body["idToken"]);
    let access = text(&login.body["accessToken"]);
    assert!(!id.is_empty() && !access.is_empty(), "{:?}", login.body);
    let account = text(&s.info["demoUser"]["accountId"]);
    let transaction = key();

    let other_pool = token_of_another_pool(&s).await;
    assert_ne!(payload(&other_pool)["iss"], payload(&id)["iss"]);
    let other_client = token_of_another_client(&s).await;
    assert_eq!(payload(&other_client)["iss"], payload(&id)["iss"]);
    assert_ne!(payload(&other_client)["aud"], payload(&id)["aud"]);
    assert_eq!(payload(&other_client)["sub"], payload(&id)["sub"]);

    // Expired and not-yet-valid tokens cannot be minted with moto's private key; they
    // are covered in auth_tokens.rs through `verify_at`.
    let mut bad: Vec<(String, Option<String>)> = vec![
        ("no Authorization header".to_owned(), None),
        ("Basic credentials".to_owned(), Some("Basic abc".to_owned())),
        ("an empty Bearer".to_owned(), Some("Bearer".to_owned())),
        ("Bearer and a space".to_owned(), Some("Bearer ".to_owned())),
        ("two segments".to_owned(), Some("Bearer a.b".to_owned())),
        (
            "alg none".to_owned(),
            Some(format!("Bearer {}", unsigned(&id))),
        ),
        (
            "an unknown kid".to_owned(),
            Some(format!(
                "Bearer {}",
                with_kid(&id, "not-a-key-of-this-pool")
            )),
        ),
        (
            "a tampered payload".to_owned(),
            Some(format!("Bearer {}", tampered(&id))),
        ),
        (
            "an access token".to_owned(),
            Some(format!("Bearer {access}")),
        ),
        (
            "an IdToken of another pool".to_owned(),
            Some(format!("Bearer {other_pool}")),
        ),
        (
            "an IdToken of another app client".to_owned(),
            Some(format!("Bearer {other_client}")),
        ),
    ];
    for (n, forged) in hs256_forgeries(&s.http, &stack_pool(&s).jwks_url(&s.stack), &id)
        .await
        .into_iter()
        .enumerate()
    {
        bad.push((
            format!("HS256 keyed with public material #{n}"),
            Some(format!("Bearer {forged}")),
        ));
    }

    let record = json!({ "accountId": account, "type": "DEPOSIT", "amount": "1.00" }).to_string();
    let routes: Vec<(&str, String, Option<String>)> = vec![
        ("GET", "/accounts".to_owned(), None),
        (
            "POST",
            "/accounts".to_owned(),
            Some(json!({ "name": "Forged" }).to_string()),
        ),
        ("GET", format!("/accounts/{account}"), None),
        ("GET", format!("/accounts/{account}/transactions"), None),
        (
            "GET",
            format!("/accounts/{account}/transactions?from=2026-01-01"),
            None,
        ),
        ("GET", format!("/accounts/{account}/balance"), None),
        ("GET", format!("/accounts/{account}/statements"), None),
        (
            "GET",
            format!("/accounts/{account}/statements/2026-10"),
            None,
        ),
        (
            "POST",
            format!("/accounts/{account}/statements/2026-10"),
            None,
        ),
        ("POST", format!("/accounts/{account}/close"), None),
        (
            "POST",
            format!("/accounts/{account}/freeze"),
            Some(json!({ "reason": "forged" }).to_string()),
        ),
        (
            "POST",
            format!("/accounts/{account}/unfreeze"),
            Some(json!({ "reason": "forged" }).to_string()),
        ),
        ("POST", "/transactions".to_owned(), Some(record.clone())),
        ("POST", "/save/transaction".to_owned(), Some(record)),
        ("GET", "/transactions".to_owned(), None),
        ("GET", format!("/transactions/{transaction}"), None),
        // A hold's capture and void, and a reversal: the genuine token then gets the
        // unknown hold's 404 and the customer's 403 (no write either way).
        (
            "POST",
            format!("/transactions/{transaction}/capture"),
            Some(json!({ "amount": "1.00" }).to_string()),
        ),
        ("POST", format!("/transactions/{transaction}/void"), None),
        (
            "POST",
            format!("/transactions/{transaction}/reverse"),
            Some(json!({ "description": "forged" }).to_string()),
        ),
    ];
    for (method, path, body) in &routes {
        let idempotency = key();
        for (what, authorization) in &bad {
            let answer = send(
                &s,
                method,
                path,
                authorization.as_deref(),
                body.clone(),
                &[("Idempotency-Key", &idempotency)],
            )
            .await;
            assert_eq!(
                answer.status, 401,
                "{method} {path} with {what}: {answer:?}"
            );
            assert_eq!(
                answer.body,
                json!({ "message": "Unauthorized" }),
                "{method} {path} with {what}"
            );
        }
        // The control: the genuine IdToken passes the authorizer on the same request.
        let genuine = send(
            &s,
            method,
            path,
            Some(&format!("Bearer {id}")),
            body.clone(),
            &[("Idempotency-Key", &idempotency)],
        )
        .await;
        assert_ne!(genuine.status, 401, "{method} {path}: {genuine:?}");
    }

    // Nothing the forgeries sent was written: only the two control transactions and the
    // control account exist.
    let listed = call(&s, "GET", "/transactions", Some(&id), None, None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(2),
        "{:?}",
        listed.body
    );
    let accounts = call(&s, "GET", "/accounts", Some(&id), None, None).await;
    assert_eq!(
        accounts.body["items"].as_array().map(Vec::len),
        Some(2),
        "{:?}",
        accounts.body
    );
}

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

// ---- 5. Body size ----

#[tokio::test]
async fn a_one_mebibyte_body_with_a_valid_token_is_refused_with_413_and_writes_nothing() {
    let s = LocalStack::start().await;
    let token = id_token(&s, "demoUser").await;
    let account = text(&s.info["demoUser"]["accountId"]);
    let padding = "x".repeat(1024 * 1024);
    let bodies = [
        (
            "/transactions",
            json!({ "accountId": account, "type": "DEPOSIT", "amount": "1.00", "description": padding }),
        ),
        (
            "/save/transaction",
            json!({ "accountId": account, "type": "DEPOSIT", "amount": "1.00", "description": padding }),
        ),
        ("/accounts", json!({ "name": padding })),
    ];
    for (path, body) in &bodies {
        let body = body.to_string();
        assert!(body.len() > 1024 * 1024);
        let answer = send(
            &s,
            "POST",
            path,
            Some(&format!("Bearer {token}")),
            Some(body),
            &[("Idempotency-Key", &key())],
        )
        .await;
        assert_eq!(answer.status, 413, "{path}: {answer:?}");
    }
    let listed = call(&s, "GET", "/transactions", Some(&token), None, None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(listed.body["items"], json!([]), "{:?}", listed.body);
    let accounts = call(&s, "GET", "/accounts", Some(&token), None, None).await;
    assert_eq!(
        accounts.body["items"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        accounts.body
    );
    // The control: the same request with a small description is accepted.
    record(
        &s,
        &token,
        &json!({ "accountId": account, "type": "DEPOSIT", "amount": "1.00", "description": "small" }),
    )
    .await;
}

// ---- 6. Injection ----

#[tokio::test]
async fn injection_attempts_in_path_query_headers_and_body_are_inert() {
    let s = LocalStack::start().await;
    let token = id_token(&s, "demoUser").await;
    let bearer = format!("Bearer {token}");
    let account = text(&s.info["demoUser"]["accountId"]);

    for path in [
        "/accounts/..%2F..%2Fetc%2Fpasswd",
        "/accounts/%27%20OR%201%3D1%20--",
        "/accounts/%27%20OR%201%3D1%20--/transactions",
        "/transactions/%27%20OR%201%3D1%20--",
        "/accounts/..%2F..%2Fetc%2Fpasswd/transactions",
    ] {
        let answer = send(&s, "GET", path, Some(&bearer), None, &[]).await;
        assert!([403, 404].contains(&answer.status), "{path}: {answer:?}");
        let body = answer.body.to_string();
        assert!(!body.contains("root:"), "{path}: {body}");
        assert!(!body.contains(&account), "{path}: {body}");
    }

    for path in [
        "/transactions?limit=1%3BDROP%20TABLE",
        "/transactions?limit=1;DROP%20TABLE",
        &format!("/accounts/{account}/transactions?limit=1%3BDROP%20TABLE"),
    ] {
        let answer = send(&s, "GET", path, Some(&bearer), None, &[]).await;
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert_eq!(answer.body["field"], "limit", "{path}: {:?}", answer.body);
    }

    // Identity-looking headers do not make the demo user an admin.
    let spoofed = [
        ("X-Forwarded-For", "10.0.0.1"),
        ("X-Amzn-Oidc-Identity", "admin"),
        ("X-Amzn-Oidc-Data", "admin"),
        ("X-Cognito-Groups", "admin"),
        ("X-Admin", "1"),
    ];
    let adjustment = json!({ "accountId": account, "type": "ADJUSTMENT", "amount": "1000.00", "description": "spoofed" });
    let mut headers = spoofed.to_vec();
    let first_key = key();
    headers.push(("Idempotency-Key", &first_key));
    let answer = send(
        &s,
        "POST",
        "/transactions",
        Some(&bearer),
        Some(adjustment.to_string()),
        &headers,
    )
    .await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(answer.body["code"], "FORBIDDEN");

    // Claims in the body are unknown fields, not a role.
    let mut claimed = adjustment.clone();
    claimed["cognito:groups"] = json!("admin");
    let mut headers = spoofed.to_vec();
    let second_key = key();
    headers.push(("Idempotency-Key", &second_key));
    let answer = send(
        &s,
        "POST",
        "/save/transaction",
        Some(&bearer),
        Some(claimed.to_string()),
        &headers,
    )
    .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.body["code"], "VALIDATION_ERROR", "{:?}", answer.body);
    assert_eq!(answer.body["field"], "cognito:groups", "{:?}", answer.body);

    // Nothing was recorded and the balance is untouched.
    let listed = call(&s, "GET", "/transactions", Some(&token), None, None).await;
    assert_eq!(listed.body["items"], json!([]), "{:?}", listed.body);
    let read = call(
        &s,
        "GET",
        &format!("/accounts/{account}"),
        Some(&token),
        None,
        None,
    )
    .await;
    assert_eq!(read.body["balance"], "0.00", "{:?}", read.body);
}

//! Security, 1: the authorizer. Every protected route refuses every bad credential.
//!
//! Over real HTTP against the local runtime (API Gateway with the Cognito User Pool
//! authorizer emulation) started in-process from `template.yml`.
//!
//! moto signs every pool's tokens with one RSA key (`kid` "dummy"), so tokens of another
//! pool or another app client carry a valid signature: only the issuer and audience
//! checks stand between them and the API. No response in this file may be a 5xx.

use integration_tests::forge::{hs256_forgeries, payload, tampered, unsigned, with_kid};
use integration_tests::gateway::{
    call, credentials, key, send, stack_pool, text, token_of_another_client, token_of_another_pool,
};
use integration_tests::local::LocalStack;
use serde_json::json;

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

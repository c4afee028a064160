//! Security, 5 and 6: body size and injection.
//!
//! Over real HTTP against the local runtime (API Gateway with the Cognito User Pool
//! authorizer emulation) started in-process from `template.yml`. No response in this
//! file may be a 5xx.

use integration_tests::gateway::{call, id_token, key, record, send, text};
use integration_tests::local::LocalStack;
use serde_json::json;

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

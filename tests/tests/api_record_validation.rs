//! request-transaction's refusals: every bad request gets a clear error and writes
//! nothing.

use integration_tests::api::{ApiEvent, Caller, Reply};
use integration_tests::fixture::{ApiFixture, new_key};
use serde_json::json;

async fn send(f: &ApiFixture, caller: &Caller, body: &str) -> Reply {
    let event = ApiEvent::from_sample("request-transaction.json")
        .caller(Some(caller))
        .header("Idempotency-Key", Some(&new_key()))
        .body(body);
    f.record_call(&event).await
}

#[tokio::test]
async fn malformed_bodies_get_400s_that_name_the_field() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let cases = [
        (
            format!(r#"{{"accountId":"{account}","amount":1,"type":"DEPOSIT","extra":1}}"#),
            "VALIDATION_ERROR",
            Some("extra"),
        ),
        (
            format!(r#"{{"accountId":"{account}","amount":1,"type":5}}"#),
            "VALIDATION_ERROR",
            Some("type"),
        ),
        (
            r#"{"accountId":7,"amount":1,"type":"DEPOSIT"}"#.to_owned(),
            "VALIDATION_ERROR",
            Some("accountId"),
        ),
        (
            format!(r#"{{"accountId":"{account}","type":"DEPOSIT"}}"#),
            "VALIDATION_ERROR",
            Some("amount"),
        ),
        (
            r#"{"amount":1,"type":"DEPOSIT"}"#.to_owned(),
            "VALIDATION_ERROR",
            Some("accountId"),
        ),
        (
            format!(r#"{{"accountId":"{account}","amount":1,"type":"LOAN"}}"#),
            "VALIDATION_ERROR",
            Some("type"),
        ),
        (
            r#"{"accountId":"not-a-uuid","amount":1,"type":"DEPOSIT"}"#.to_owned(),
            "VALIDATION_ERROR",
            Some("accountId"),
        ),
        (
            format!(r#"{{"accountId":"{account}","amount":1,"type":"TRANSFER"}}"#),
            "VALIDATION_ERROR",
            Some("toAccountId"),
        ),
        (
            format!(
                r#"{{"accountId":"{account}","amount":1,"type":"TRANSFER","toAccountId":"{account}"}}"#
            ),
            "VALIDATION_ERROR",
            Some("toAccountId"),
        ),
        (
            format!(
                r#"{{"accountId":"{account}","amount":1,"type":"DEPOSIT","description":"{}"}}"#,
                "x".repeat(300)
            ),
            "VALIDATION_ERROR",
            Some("description"),
        ),
        (r#"{"accountId": "#.to_owned(), "MALFORMED_JSON", None),
        ("[]".to_owned(), "MALFORMED_JSON", None),
        ("".to_owned(), "MALFORMED_JSON", None),
        (
            format!(r#"{{"accountId":"{account}","amount":1,"type":"DEPOSIT"}} trailing"#),
            "MALFORMED_JSON",
            None,
        ),
    ];
    for (body, code, field) in cases {
        let reply = send(&f, &alice, &body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        let json = reply.json();
        assert_eq!(json["code"], code, "{body}: {json}");
        if let Some(field) = field {
            assert_eq!(json["field"], field, "{body}: {json}");
        }
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn oversized_bodies_are_413_and_other_content_types_415() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let big = format!(
        r#"{{"accountId":"{account}","amount":1,"type":"DEPOSIT","description":"{}"}}"#,
        "x".repeat(16 * 1024)
    );
    assert_eq!(send(&f, &alice, &big).await.status, 413);

    let event = ApiEvent::from_sample("request-transaction.json")
        .caller(Some(&alice))
        .header("Idempotency-Key", Some(&new_key()))
        .header("Content-Type", Some("text/plain"));
    let reply = f.record_call(&event).await;
    assert_eq!(reply.status, 415, "{}", reply.text);
    assert_eq!(reply.json()["code"], "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn a_missing_idempotency_key_is_400_with_an_example_and_a_bad_one_is_400() {
    let f = ApiFixture::new().await;
    let alice = Caller::new_user();
    let account = f.open_account(&alice, "USD").await;
    let body = json!({ "accountId": account, "amount": 1, "type": "DEPOSIT" });

    let missing = ApiEvent::from_sample("request-transaction.json")
        .caller(Some(&alice))
        .header("Idempotency-Key", None)
        .json_body(&body);
    let reply = f.record_call(&missing).await;
    assert_eq!(reply.status, 400);
    let json = reply.json();
    assert_eq!(json["code"], "IDEMPOTENCY_KEY_MISSING");
    assert!(uuid::Uuid::parse_str(json["example"].as_str().unwrap_or_default()).is_ok());

    for bad in [
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "' OR 1=1 --",
    ] {
        let event = ApiEvent::from_sample("request-transaction.json")
            .caller(Some(&alice))
            .header("Idempotency-Key", Some(bad))
            .json_body(&body);
        let reply = f.record_call(&event).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert_eq!(reply.json()["code"], "IDEMPOTENCY_KEY_INVALID");
    }
}

#[tokio::test]
async fn adjustments_are_for_operators_on_other_peoples_accounts_with_a_reason() {
    let f = ApiFixture::new().await;
    let (alice, admin) = (Caller::new_user(), Caller::new_admin());
    let account = f.open_account(&alice, "USD").await;
    let own = f.open_account(&admin, "USD").await;
    let body = json!({ "accountId": account, "amount": "-12.50", "type": "adjustment", "description": "fee refund reversed" });

    let refused = f.record(&alice, &new_key(), &body).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.json()["code"], "FORBIDDEN");

    let mut selfish = body.clone();
    selfish["accountId"] = json!(own);
    let refused = f.record(&admin, &new_key(), &selfish).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.json()["code"], "SEPARATION_OF_DUTIES");

    let mut unexplained = body.clone();
    unexplained["description"] = json!("   ");
    let refused = f.record(&admin, &new_key(), &unexplained).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.json()["field"], "description");

    let accepted = f.record(&admin, &new_key(), &body).await;
    assert_eq!(accepted.status, 201, "{}", accepted.text);
    assert_eq!(accepted.json()["amount"], "-12.50");
    assert_eq!(accepted.json()["type"], "ADJUSTMENT");
    assert_eq!(accepted.json()["initiatedBy"], admin.sub.as_str());
}

#[tokio::test]
async fn requests_without_identity_are_401() {
    let f = ApiFixture::new().await;
    let event = ApiEvent::from_sample("request-transaction.json").caller(None);
    let reply = f.record_call(&event).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["code"], "UNAUTHORIZED");
}

//! How the auth function answers what moto's Cognito never says: throttling, Cognito's
//! own failures, no Cognito at all, challenges other than a new password, results
//! without the expected tokens. A loopback server ([`Canned`]) stands in for Cognito's
//! endpoint and answers each request in Cognito's wire format; the real SDK client
//! (retries off) parses it. Whatever Cognito says, no credential reaches the logs or the client.

use auth::AuthApp;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use integration_tests::TestStack;
use integration_tests::api::{ApiEvent, Reply};
use integration_tests::canned::{self, Canned};
use integration_tests::notify_fixture::LogCapture;
use serde_json::{Value, json};

const USERNAME: &str = "alice@bank.example";
const PASSWORD: &str = "Correct-Horse-9!";
const REFRESH_TOKEN: &str = "refresh-token-never-logged";

/// Cognito's endpoint answering every request with `status` and the JSON `body`, as
/// its `x-amz-json-1.1` protocol does.
async fn cognito_answering(status: u16, body: Value) -> String {
    let headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", "6c1a0b9e-0000-4000-8000-000000000000"),
    ];
    Canned::serve(status, &headers, &body.to_string()).await.url
}

/// The auth function on a Cognito client for `endpoint`, without SDK retries.
async fn app_on(endpoint: &str) -> AuthApp {
    let stack = TestStack::connect().await;
    let config = aws_sdk_cognitoidentityprovider::config::Builder::from(stack.config.sdk())
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .build();
    AuthApp::new(
        aws_sdk_cognitoidentityprovider::Client::from_conf(config),
        "us-east-1_Answers",
        "answers-client",
    )
}

async fn login(app: &AuthApp) -> Reply {
    let event = ApiEvent::from_sample("auth-login.json")
        .json_body(&json!({ "username": USERNAME, "password": PASSWORD }));
    Reply::from(app.handle(event.request()).await)
}

async fn refresh(app: &AuthApp) -> Reply {
    let event = ApiEvent::from_sample("auth-refresh.json")
        .json_body(&json!({ "refreshToken": REFRESH_TOKEN }));
    Reply::from(app.handle(event.request()).await)
}

/// Neither the credentials nor what Cognito said about them in the logs or the body.
fn assert_nothing_leaked(logs: &LogCapture, reply: &Reply) {
    let logged = logs.text();
    for secret in [PASSWORD, REFRESH_TOKEN, "leaked"] {
        assert!(!logged.contains(secret), "{secret} logged: {logged}");
        assert!(
            !reply.text.contains(secret),
            "{secret} answered: {}",
            reply.text
        );
    }
}

/// The fields of the last log line whose message is `message`.
fn logged(logs: &LogCapture, message: &str) -> Value {
    logs.lines()
        .into_iter()
        .rev()
        .filter_map(|line| line.get("fields").cloned())
        .find(|fields| fields["message"] == message)
        .unwrap_or_else(|| panic!("no log {message:?}: {}", logs.text()))
}

#[tokio::test]
async fn cognito_throttling_is_429_to_retry_later_for_both_operations() {
    let logs = LogCapture::with_filter("info");
    for code in ["TooManyRequestsException", "LimitExceededException"] {
        let endpoint = cognito_answering(
            400,
            json!({ "__type": code, "message": "Rate exceeded for leaked alice@bank.example" }),
        )
        .await;
        let app = app_on(&endpoint).await;
        for reply in [login(&app).await, refresh(&app).await] {
            assert_eq!(reply.status, 429, "{code}: {}", reply.text);
            assert_eq!(reply.json()["code"], "TOO_MANY_REQUESTS");
            assert_nothing_leaked(&logs, &reply);
        }
        assert_eq!(logged(&logs, "Cognito is throttling")["code"], code);
    }
}

#[tokio::test]
async fn a_cognito_failure_is_a_500_without_internals_and_is_logged_with_its_code() {
    let logs = LogCapture::with_filter("info");
    let endpoint = cognito_answering(
        500,
        json!({ "__type": "InternalErrorException", "message": "failed for leaked alice@bank.example" }),
    )
    .await;
    let app = app_on(&endpoint).await;
    let reply = login(&app).await;
    assert_eq!(reply.status, 500, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({
            "code": "INTERNAL_ERROR",
            "message": "The request could not be completed; retry later.",
        })
    );
    let line = logged(&logs, "Cognito call failed");
    assert_eq!(line["operation"], "AdminInitiateAuth");
    assert_eq!(line["code"], "InternalErrorException");
    assert_nothing_leaked(&logs, &reply);
}

#[tokio::test]
async fn no_cognito_at_all_is_503_service_unavailable() {
    let endpoint = canned::refused_url().await;
    let logs = LogCapture::with_filter("info");
    let app = app_on(&endpoint).await;
    for reply in [login(&app).await, refresh(&app).await] {
        assert_eq!(reply.status, 503, "{}", reply.text);
        assert_eq!(reply.json()["code"], "SERVICE_UNAVAILABLE");
        assert_nothing_leaked(&logs, &reply);
    }
    assert_eq!(
        logged(&logs, "Cognito unreachable")["operation"],
        "InitiateAuth"
    );
}

#[tokio::test]
async fn a_challenge_this_api_does_not_answer_is_401_naming_the_challenge() {
    let endpoint = cognito_answering(
        200,
        json!({ "ChallengeName": "SMS_MFA", "Session": "session-leaked", "ChallengeParameters": {} }),
    )
    .await;
    let logs = LogCapture::with_filter("info");
    let app = app_on(&endpoint).await;
    for reply in [login(&app).await, refresh(&app).await] {
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(
            reply.json(),
            json!({
                "code": "AUTH_CHALLENGE_REQUIRED",
                "message": "Signing in needs an additional step this API does not support.",
                "challenge": "SMS_MFA",
            })
        );
        assert_nothing_leaked(&logs, &reply);
    }
}

#[tokio::test]
async fn a_login_result_without_a_refresh_token_is_a_500_and_a_refresh_needs_none() {
    // An IdToken whose payload has no `sub`: the audit log says "-".
    let id_token = "eyJhbGciOiJub25lIn0.eyJ0b2tlbl91c2UiOiJpZCJ9.c2ln";
    let endpoint = cognito_answering(
        200,
        json!({ "AuthenticationResult": {
            "IdToken": id_token, "AccessToken": "access", "ExpiresIn": 3600, "TokenType": "Bearer"
        }}),
    )
    .await;
    let logs = LogCapture::with_filter("info");
    let app = app_on(&endpoint).await;

    let signed_in = login(&app).await;
    assert_eq!(signed_in.status, 500, "{}", signed_in.text);
    assert_eq!(signed_in.json()["code"], "INTERNAL_ERROR");
    assert_eq!(
        logged(&logs, "Cognito answered without the expected tokens")["login"],
        true
    );

    let refreshed = refresh(&app).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(
        refreshed.json(),
        json!({ "idToken": id_token, "accessToken": "access", "expiresIn": 3600, "tokenType": "Bearer" })
    );
    assert_eq!(logged(&logs, "tokens refreshed")["user_id"], "-");
    assert_nothing_leaked(&logs, &refreshed);
}

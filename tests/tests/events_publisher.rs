//! notify's live-event publisher against what AppSync Events answers besides success:
//! refusals, throttling, a per-event failure inside a 200, an unreadable answer, no
//! endpoint at all. Each failure says whether trying again can help: the notifier
//! retries transient ones and drops the others. A loopback server ([`Canned`]) answers
//! as AppSync Events' HTTP endpoint does; the local runtime's endpoint covers success.

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use integration_tests::canned::{self, Canned};
use serde_json::{Value, json};
use shared::events::publish::{PublishError, Publisher};

fn config(with_credentials: bool) -> shared::aws::SdkConfig {
    let mut builder = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("eu-west-1"))
        .behavior_version(aws_config::BehaviorVersion::latest());
    if with_credentials {
        let credentials = Credentials::new("AKIDPUBLISHER", "publisher-secret", None, None, "test");
        builder = builder.credentials_provider(SharedCredentialsProvider::new(credentials));
    }
    builder.build().into()
}

fn publisher(url: &str) -> Publisher {
    Publisher::new(url, &config(true), reqwest::Client::new())
        .unwrap_or_else(|| panic!("a publisher with credentials"))
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

async fn publish_one(url: &str) -> Result<(), PublishError> {
    let events = [json!({"type": "transaction.completed"}).to_string()];
    publisher(url).publish("/users/u-1", &events).await
}

fn failure(code: &str, transient: bool) -> impl Fn(&PublishError) -> bool {
    move |e: &PublishError| e.code == code && e.transient == transient
}

#[tokio::test]
async fn a_publish_is_signed_for_appsync_in_the_configured_region_and_carries_the_events() {
    let endpoint = Canned::serve(
        200,
        &[JSON],
        r#"{"failed":[],"successful":[{"identifier":"e-1","index":0}]}"#,
    )
    .await;
    let url = format!("{}/event", endpoint.url);
    publish_one(&url).await.unwrap_or_else(|e| panic!("{e}"));
    let [request] = endpoint
        .requests()
        .try_into()
        .unwrap_or_else(|r: Vec<String>| panic!("one request expected: {r:?}"));
    let lower = request.to_ascii_lowercase();
    assert!(request.starts_with("POST /event HTTP/1.1"), "{request}");
    assert!(
        lower.contains("authorization: aws4-hmac-sha256 credential=akidpublisher/")
            && lower.contains("/eu-west-1/appsync/aws4_request"),
        "{request}"
    );
    assert!(!request.contains("publisher-secret"), "{request}");
    let body: Value = request
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or_else(|| panic!("{request}"));
    assert_eq!(
        body,
        json!({"channel": "/users/u-1", "events": [r#"{"type":"transaction.completed"}"#]})
    );
}

#[tokio::test]
async fn no_events_or_more_than_five_are_refused_before_anything_is_sent() {
    let endpoint = Canned::serve(200, &[JSON], r#"{"failed":[],"successful":[]}"#).await;
    let publisher = publisher(&endpoint.url);
    let six: Vec<String> = (0..6).map(|i| json!({"n": i}).to_string()).collect();
    for events in [&six[..0], &six[..]] {
        let refused = publisher.publish("/users/u-1", events).await;
        assert!(
            refused
                .as_ref()
                .is_err_and(failure("BadRequestException", false)),
            "{} events: {refused:?}",
            events.len()
        );
    }
    assert!(endpoint.requests().is_empty());
}

#[tokio::test]
async fn refusals_are_final_and_throttling_or_server_errors_transient() {
    for (status, error_type, code, transient) in [
        (
            401,
            Some("UnauthorizedException:http://internal.amazon.com/"),
            "UnauthorizedException",
            false,
        ),
        (
            400,
            Some("BadRequestException"),
            "BadRequestException",
            false,
        ),
        (
            429,
            Some("TooManyRequestsException"),
            "TooManyRequestsException",
            true,
        ),
        (503, None, "503", true),
    ] {
        let mut headers = vec![JSON];
        if let Some(error_type) = error_type {
            headers.push(("x-amzn-ErrorType", error_type));
        }
        let endpoint = Canned::serve(status, &headers, r#"{"errors":[{"message":"no"}]}"#).await;
        let answer = publish_one(&endpoint.url).await;
        assert!(
            answer.as_ref().is_err_and(failure(code, transient)),
            "{status}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn a_failed_event_inside_a_200_or_an_unreadable_answer_is_a_transient_failure() {
    let failed = Canned::serve(
        200,
        &[JSON],
        r#"{"failed":[{"code":"InternalFailure","identifier":"e-1","index":0,"message":"try again"}],"successful":[]}"#,
    )
    .await;
    let answer = publish_one(&failed.url).await;
    assert_eq!(
        answer,
        Err(PublishError {
            code: "InternalFailure".to_owned(),
            message: "try again".to_owned(),
            transient: true,
        })
    );
    let bare = Canned::serve(200, &[JSON], r#"{"failed":[{}]}"#).await;
    let answer = publish_one(&bare.url).await;
    assert!(
        answer.as_ref().is_err_and(failure("Failed", true)),
        "{answer:?}"
    );

    let unreadable = Canned::serve(
        200,
        &[("Content-Type", "text/html")],
        "<html>gateway</html>",
    )
    .await;
    let answer = publish_one(&unreadable.url).await;
    assert!(
        answer
            .as_ref()
            .is_err_and(failure("UnreadableAnswer", true)),
        "{answer:?}"
    );
}

#[tokio::test]
async fn no_endpoint_is_a_transient_transport_failure_and_no_credentials_no_publisher() {
    let answer = publish_one(&canned::refused_url().await).await;
    assert!(
        answer.as_ref().is_err_and(failure("Transport", true)),
        "{answer:?}"
    );
    assert!(
        Publisher::new(
            "http://127.0.0.1:9/event",
            &config(false),
            reqwest::Client::new()
        )
        .is_none()
    );
}

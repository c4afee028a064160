//! The HTTP publish: IAM (SigV4 by the local credentials) only, its body checked as
//! AWS checks it; and a Cognito publish over the WebSocket, refused likewise.

use aws_credential_types::Credentials;
use integration_tests::events::{
    EventsSocket, QUIET, WAIT, error_type, holder, local_credentials, post_event, publish_body,
    signature,
};
use integration_tests::local::LocalStack;
use serde_json::{Value, json};

use super::subscribed;

#[tokio::test]
async fn an_http_publish_with_a_cognito_token_or_without_a_valid_signature_is_unauthorized() {
    let s = LocalStack::start().await;
    let alice = holder(&s).await;
    let mut socket = EventsSocket::connect(&s, &alice.access_token).await;
    subscribed(&mut socket, "own", &alice.channel(), &alice.id_token).await;
    let body = publish_body(&alice.channel(), &[json!({"forged": true})]);
    let local = local_credentials(&s).await;
    let wrong_secret = Credentials::new(local.access_key_id(), "wrong", None, None, "t");
    let stranger = Credentials::new("AKIDSTRANGER", "secret", None, None, "t");
    let authorization = |value: &str| vec![("authorization".to_owned(), value.to_owned())];
    let other_body = publish_body(&alice.channel(), &[json!({"other": true})]);
    let attempts = [
        ("the IdToken", authorization(&alice.id_token)),
        ("the access token", authorization(&alice.access_token)),
        (
            "a Bearer IdToken",
            authorization(&format!("Bearer {}", alice.id_token)),
        ),
        ("nothing", Vec::new()),
        (
            "a wrong secret",
            signature(&s, &body, &wrong_secret, "us-east-1"),
        ),
        (
            "an unknown key",
            signature(&s, &body, &stranger, "us-east-1"),
        ),
        ("another region", signature(&s, &body, &local, "eu-west-1")),
        (
            "another body's signature",
            signature(&s, &other_body, &local, "us-east-1"),
        ),
    ];
    for (what, headers) in attempts {
        let answer = post_event(&s, &body, &headers).await;
        assert_eq!(answer.status, 401, "{what}: {:?}", answer.body);
        let error_header = answer.headers.get("x-amzn-errortype");
        let error_header = error_header.and_then(|v| v.to_str().ok());
        assert_eq!(error_header, Some("UnauthorizedException"), "{what}");
        assert_eq!(error_type(&answer.body), "UnauthorizedException", "{what}");
    }
    assert_eq!(
        socket.next_frame(QUIET).await,
        None,
        "nothing was delivered"
    );
    let signed = post_event(&s, &body, &signature(&s, &body, &local, "us-east-1")).await;
    assert_eq!(
        signed.status, 200,
        "the same body, signed: {:?}",
        signed.body
    );
}

#[tokio::test]
async fn a_cognito_publish_over_the_websocket_is_refused_with_publish_error() {
    let s = LocalStack::start().await;
    let alice = holder(&s).await;
    let mut socket = EventsSocket::connect(&s, &alice.access_token).await;
    subscribed(&mut socket, "own", &alice.channel(), &alice.id_token).await;
    for token in [&alice.id_token, &alice.access_token] {
        socket
            .send(&json!({
                "type": "publish", "id": "p1", "channel": alice.channel(),
                "events": [json!({"forged": true}).to_string()],
                "authorization": {"Authorization": token, "host": "127.0.0.1"},
            }))
            .await;
        let answer = socket.next_frame(WAIT).await.unwrap_or_default();
        assert_eq!(answer["type"], "publish_error", "{answer}");
        assert_eq!(answer["id"], "p1", "{answer}");
        assert_eq!(error_type(&answer), "UnauthorizedException", "{answer}");
    }
    assert_eq!(
        socket.next_frame(QUIET).await,
        None,
        "nothing was delivered"
    );
}

#[tokio::test]
async fn malformed_publishes_are_bad_requests_and_deliver_nothing() {
    let s = LocalStack::start().await;
    let alice = holder(&s).await;
    let mut socket = EventsSocket::connect(&s, &alice.id_token).await;
    subscribed(&mut socket, "own", &alice.channel(), &alice.id_token).await;
    let local = local_credentials(&s).await;
    let six: Vec<Value> = (0..6).map(|n| json!({"n": n})).collect();
    let channel = alice.channel();
    let bodies = [
        ("six events", publish_body(&channel, &six)),
        ("no events", publish_body(&channel, &[])),
        ("a wildcard channel", publish_body("/users/*", &[json!({})])),
        (
            "an unknown namespace",
            publish_body("/other/x", &[json!({})]),
        ),
        (
            "an event that is not JSON",
            json!({"channel": channel, "events": ["{nope"]}).to_string(),
        ),
        (
            "an event that is not a string",
            json!({"channel": channel, "events": [{"n": 1}]}).to_string(),
        ),
        ("a body that is not JSON", "channel=/users/x".to_owned()),
    ];
    for (what, body) in bodies {
        let signed = signature(&s, &body, &local, "us-east-1");
        let answer = post_event(&s, &body, &signed).await;
        assert_eq!(answer.status, 400, "{what}: {:?}", answer.body);
        assert_eq!(error_type(&answer.body), "BadRequestException", "{what}");
    }
    assert_eq!(
        socket.next_frame(QUIET).await,
        None,
        "nothing was delivered"
    );
}

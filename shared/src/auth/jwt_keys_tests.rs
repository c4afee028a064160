//! The key set as an operator sees its failures: a key-set endpoint that errs or
//! answers too much makes tokens unverifiable for now (503), never "bad token" (401);
//! and each refusal reason has its own name in the logs.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;

use serde_json::json;

use super::*;

fn config(jwks_url: String) -> AuthConfig {
    AuthConfig {
        issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool".to_owned(),
        audience: "client-1".to_owned(),
        jwks_url,
    }
}

/// A token whose header names key `k1` (its claims and signature are never reached).
fn token_for_k1() -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "kid": "k1"}).to_string());
    format!("{header}.e30.c2ln")
}

/// A key-set endpoint on a loopback port answering every request with `head` (status
/// line and headers) and `body`.
fn key_set_server(head: String, body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0_u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

async fn refusal(jwks_url: String) -> Option<AuthError> {
    let verifier = JwtVerifier::new(config(jwks_url), reqwest::Client::new());
    verifier.verify(&token_for_k1()).await.err()
}

#[tokio::test]
async fn a_key_set_endpoint_answering_an_error_status_leaves_the_keys_unavailable() {
    let body = b"{\"message\":\"Internal server error\"}".to_vec();
    let head = format!(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    assert_eq!(
        refusal(key_set_server(head, body)).await,
        Some(AuthError::KeysUnavailable)
    );
}

#[tokio::test]
async fn a_key_set_larger_than_the_limit_is_not_read_whether_or_not_its_length_is_announced() {
    let keys: Vec<Value> = (0..6000)
        .map(|i| json!({"kty": "RSA", "kid": format!("key-{i:05}"), "n": "AQAB", "e": "AQAB"}))
        .collect();
    let body = json!({ "keys": keys }).to_string().into_bytes();
    assert!(body.len() > MAX_JWKS_BYTES);

    let announced = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    assert_eq!(
        refusal(key_set_server(announced, body.clone())).await,
        Some(AuthError::KeysUnavailable)
    );

    // No length: the body is read to its end, then measured.
    let unannounced =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_owned();
    assert_eq!(
        refusal(key_set_server(unannounced, body)).await,
        Some(AuthError::KeysUnavailable)
    );
}

#[test]
fn an_entry_that_is_not_a_key_does_not_disable_the_others() {
    let n = URL_SAFE_NO_PAD.encode([0xC5_u8; 256]);
    let document = json!({"keys": [
        5,
        "k1",
        {"kty": "RSA", "kid": "rsa", "alg": "RS256", "use": "sig", "n": n, "e": "AQAB"},
    ]});
    let keys = signing_keys(document.to_string().as_bytes()).unwrap();
    assert_eq!(keys.keys().collect::<Vec<_>>(), ["rsa"]);
}

#[test]
fn each_refusal_reason_has_its_own_snake_case_name_for_the_logs() {
    let all = [
        AuthError::MissingCredentials,
        AuthError::MalformedHeader,
        AuthError::MalformedToken,
        AuthError::UnsupportedAlgorithm,
        AuthError::UnknownKey,
        AuthError::BadSignature,
        AuthError::Expired,
        AuthError::NotYetValid,
        AuthError::WrongIssuer,
        AuthError::WrongAudience,
        AuthError::WrongTokenUse,
        AuthError::MissingSubject,
        AuthError::MalformedClaims,
        AuthError::NotConfigured,
        AuthError::KeysUnavailable,
    ];
    let names: std::collections::HashSet<&str> = all.iter().map(|e| e.kind()).collect();
    assert_eq!(names.len(), all.len(), "{names:?}");
    for name in names {
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{name}"
        );
    }
    assert_eq!(AuthError::Expired.kind(), "expired");
    assert_eq!(AuthError::KeysUnavailable.kind(), "keys_unavailable");
}

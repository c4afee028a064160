use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use super::*;

const NOW: i64 = 1_800_000_000;

fn config() -> AuthConfig {
    AuthConfig {
        issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool".to_owned(),
        audience: "client-1".to_owned(),
        jwks_url: "http://127.0.0.1:9/jwks.json".to_owned(),
    }
}

fn raw(overrides: Value) -> RawClaims {
    let mut claims = json!({
        "sub": "sub-1",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool",
        "aud": "client-1",
        "token_use": "id",
        "iat": NOW - 10,
        "exp": NOW + 3590,
        "email": "a@holder.example",
        "cognito:groups": ["admin"],
    });
    if let (Some(claims), Some(overrides)) = (claims.as_object_mut(), overrides.as_object()) {
        for (key, value) in overrides {
            if value.is_null() {
                claims.remove(key);
            } else {
                claims.insert(key.clone(), value.clone());
            }
        }
    }
    serde_json::from_value(claims).unwrap_or_else(|e| panic!("{e}"))
}

fn check(overrides: Value, now: i64) -> Result<Claims, AuthError> {
    check_claims(raw(overrides), &config(), now)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn token(header: &Value) -> String {
    format!("{}.{}.c2lnbmF0dXJl", b64(header), b64(&json!({"sub": "x"})))
}

#[test]
fn a_fresh_id_token_for_the_pool_and_client_passes_the_claim_checks() {
    let claims = check(json!({}), NOW).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claims.sub, "sub-1");
    assert_eq!(claims.email.as_deref(), Some("a@holder.example"));
    assert_eq!(claims.groups, vec!["admin".to_owned()]);
}

#[test]
fn expiry_is_checked_against_the_given_clock_with_a_minute_of_leeway() {
    let exp = NOW + 3590;
    assert!(check(json!({}), exp + CLOCK_SKEW_LEEWAY_SECS - 1).is_ok());
    assert_eq!(
        check(json!({}), exp + CLOCK_SKEW_LEEWAY_SECS).err(),
        Some(AuthError::Expired)
    );
    assert_eq!(check(json!({}), NOW + 7200).err(), Some(AuthError::Expired));
}

#[test]
fn tokens_issued_or_valid_only_in_the_future_are_refused() {
    let iat = NOW - 10;
    assert!(check(json!({}), iat - CLOCK_SKEW_LEEWAY_SECS).is_ok());
    assert_eq!(
        check(json!({}), iat - CLOCK_SKEW_LEEWAY_SECS - 1).err(),
        Some(AuthError::NotYetValid)
    );
    assert_eq!(
        check(json!({"nbf": NOW + 600}), NOW).err(),
        Some(AuthError::NotYetValid)
    );
    assert!(check(json!({"nbf": NOW}), NOW).is_ok());
}

#[test]
fn issuer_audience_and_token_use_must_match_exactly() {
    let other_pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other";
    assert_eq!(
        check(json!({"iss": other_pool}), NOW).err(),
        Some(AuthError::WrongIssuer)
    );
    assert_eq!(
        check(json!({"iss": null}), NOW).err(),
        Some(AuthError::WrongIssuer)
    );
    assert_eq!(
        check(json!({"aud": "client-2"}), NOW).err(),
        Some(AuthError::WrongAudience)
    );
    assert_eq!(
        check(json!({"aud": ["client-1"]}), NOW).err(),
        Some(AuthError::WrongAudience)
    );
    assert_eq!(
        check(json!({"aud": null}), NOW).err(),
        Some(AuthError::WrongAudience)
    );
    assert_eq!(
        check(json!({"token_use": "access"}), NOW).err(),
        Some(AuthError::WrongTokenUse)
    );
    assert_eq!(
        check(json!({"token_use": null}), NOW).err(),
        Some(AuthError::WrongTokenUse)
    );
}

#[test]
fn a_token_without_subject_or_times_is_refused() {
    assert_eq!(
        check(json!({"sub": ""}), NOW).err(),
        Some(AuthError::MissingSubject)
    );
    assert_eq!(
        check(json!({"sub": null}), NOW).err(),
        Some(AuthError::MissingSubject)
    );
    assert_eq!(
        check(json!({"exp": null}), NOW).err(),
        Some(AuthError::MalformedToken)
    );
    assert_eq!(
        check(json!({"iat": null}), NOW).err(),
        Some(AuthError::MalformedToken)
    );
}

#[test]
fn only_rs256_headers_with_a_key_id_are_accepted() {
    assert_eq!(
        parse_header(&token(&json!({"alg": "RS256", "kid": "k1"}))),
        Ok("k1".to_owned())
    );
    for alg in ["none", "None", "HS256", "RS512", "PS256", "ES256", ""] {
        assert_eq!(
            parse_header(&token(&json!({"alg": alg, "kid": "k1"}))),
            Err(AuthError::UnsupportedAlgorithm),
            "{alg}"
        );
    }
    assert_eq!(
        parse_header(&token(&json!({"kid": "k1"}))),
        Err(AuthError::UnsupportedAlgorithm)
    );
    assert_eq!(
        parse_header(&token(&json!({"alg": "RS256"}))),
        Err(AuthError::UnknownKey)
    );
    assert_eq!(
        parse_header(&token(
            &json!({"alg": "RS256", "kid": "k1", "crit": ["exp"]})
        )),
        Err(AuthError::MalformedToken)
    );
}

#[test]
fn an_unsigned_token_is_refused_for_its_algorithm() {
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none"})),
        b64(&json!({"sub": "x"}))
    );
    assert_eq!(
        parse_header(&unsigned),
        Err(AuthError::UnsupportedAlgorithm)
    );
}

#[test]
fn strings_that_are_not_compact_jwts_are_malformed() {
    let header = b64(&json!({"alg": "RS256", "kid": "k"}));
    let oversized = format!("{header}.{}.sig", "a".repeat(MAX_TOKEN_BYTES));
    for token in [
        "",
        "a.b",
        "a.b.c.d",
        "!!!.b.c",
        &format!("{}.e30.sig", URL_SAFE_NO_PAD.encode("not json")),
        &format!("{header}..sig"),
        &format!("{header}.e30."),
        &oversized,
    ] {
        assert_eq!(
            parse_header(token),
            Err(AuthError::MalformedToken),
            "{token:.40}"
        );
    }
}

#[test]
fn only_rsa_signature_keys_for_rs256_are_kept_from_the_key_set() {
    let n = URL_SAFE_NO_PAD.encode([0xC5_u8; 256]);
    let document = json!({"keys": [
        {"kty": "RSA", "kid": "rsa", "alg": "RS256", "use": "sig", "n": n, "e": "AQAB"},
        {"kty": "RSA", "kid": "bare", "n": n, "e": "AQAB"},
        {"kty": "RSA", "kid": "enc", "use": "enc", "n": n, "e": "AQAB"},
        {"kty": "RSA", "kid": "rs512", "alg": "RS512", "n": n, "e": "AQAB"},
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        {"kty": "RSA", "n": n, "e": "AQAB"},
        {"unexpected": true},
    ]});
    let keys = signing_keys(document.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
    kids.sort_unstable();
    assert_eq!(kids, vec!["bare", "rsa"]);
    assert!(signing_keys(b"[]").is_err());
}

/// A JWKS endpoint on a loopback port that counts its requests.
fn jwks_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}/jwks.json",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0_u8; 4096];
            let _ = stream.read(&mut buffer);
            counter.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"keys":[]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, hits)
}

#[tokio::test]
async fn nothing_is_fetched_before_the_first_token_nor_for_a_refused_algorithm() {
    let (jwks_url, hits) = jwks_server();
    let verifier = JwtVerifier::new(
        AuthConfig {
            jwks_url,
            ..config()
        },
        reqwest::Client::new(),
    );
    let hs256 = token(&json!({"alg": "HS256", "kid": "k1"}));
    assert_eq!(
        verifier.verify(&hs256).await.err(),
        Some(AuthError::UnsupportedAlgorithm)
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn unknown_key_ids_refresh_the_key_set_at_most_once_a_minute() {
    let (jwks_url, hits) = jwks_server();
    let verifier = JwtVerifier::new(
        AuthConfig {
            jwks_url,
            ..config()
        },
        reqwest::Client::new(),
    );
    for kid in ["k1", "k2", "k3", "k1"] {
        let forged = token(&json!({"alg": "RS256", "kid": kid}));
        assert_eq!(
            verifier.verify(&forged).await.err(),
            Some(AuthError::UnknownKey),
            "{kid}"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_key_set_is_reported_as_unavailable_not_as_a_bad_token() {
    let verifier = JwtVerifier::new(config(), reqwest::Client::new());
    let forged = token(&json!({"alg": "RS256", "kid": "k1"}));
    assert_eq!(
        verifier.verify(&forged).await.err(),
        Some(AuthError::KeysUnavailable)
    );
    // Within the retry delay the failure is remembered, not retried.
    assert_eq!(
        verifier.verify(&forged).await.err(),
        Some(AuthError::KeysUnavailable)
    );
}

#[test]
fn claims_debug_output_hides_personal_data() {
    let claims = check(json!({"cognito:username": "alice@holder.example"}), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    let shown = format!("{claims:?}");
    assert!(shown.contains("sub-1"));
    assert!(!shown.contains("holder.example"));
}

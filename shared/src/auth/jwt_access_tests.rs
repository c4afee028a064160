//! Access tokens: accepted where AppSync's Cognito auth mode takes them, refused by
//! the REST authorizer's rule as before.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use super::*;

const NOW: i64 = 1_800_000_000;
const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool";

fn config() -> AuthConfig {
    AuthConfig {
        issuer: ISSUER.to_owned(),
        audience: "client-1".to_owned(),
        jwks_url: "http://127.0.0.1:9/jwks.json".to_owned(),
    }
}

/// The claims Cognito puts in an access token (no `aud`, no e-mail), with `overrides`
/// applied (`null` removes a claim).
fn access(overrides: Value) -> RawClaims {
    let mut claims = json!({
        "sub": "sub-1",
        "iss": ISSUER,
        "client_id": "client-1",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 10,
        "iat": NOW - 10,
        "exp": NOW + 3590,
        "jti": "4c2b6a8e-0000-4000-8000-000000000001",
        "username": "alice",
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
    serde_json::from_value(claims).unwrap()
}

fn accepting_both(overrides: Value, now: i64) -> Result<Claims, AuthError> {
    check_claims_accepting(
        access(overrides),
        &config(),
        now,
        Accepted::IdOrAccessTokens,
    )
}

#[test]
fn an_access_token_of_the_pool_and_client_passes_where_access_tokens_are_accepted() {
    let claims = accepting_both(json!({}), NOW).unwrap();
    assert_eq!(claims.sub, "sub-1");
    assert_eq!(claims.token_use, "access");
    assert_eq!(claims.aud, "client-1");
    assert_eq!(claims.username.as_deref(), Some("alice"));
    assert_eq!(claims.groups, vec!["admin".to_owned()]);
    assert_eq!(claims.email, None);
}

#[test]
fn the_rest_authorizers_rule_still_refuses_an_access_token() {
    assert_eq!(
        check_claims(access(json!({})), &config(), NOW).err(),
        Some(AuthError::WrongTokenUse)
    );
    assert_eq!(
        check_claims_accepting(access(json!({})), &config(), NOW, Accepted::IdTokens).err(),
        Some(AuthError::WrongTokenUse)
    );
}

#[test]
fn an_access_tokens_client_is_its_client_id_checked_exactly() {
    for client_id in [json!("client-2"), json!(["client-1"]), json!("")] {
        assert_eq!(
            accepting_both(json!({ "client_id": client_id }), NOW).err(),
            Some(AuthError::WrongAudience),
            "{client_id}"
        );
    }
    assert_eq!(
        accepting_both(json!({"client_id": null}), NOW).err(),
        Some(AuthError::WrongAudience)
    );
    // An `aud` does not stand in for the missing `client_id`.
    assert_eq!(
        accepting_both(json!({"client_id": null, "aud": "client-1"}), NOW).err(),
        Some(AuthError::WrongAudience)
    );
}

#[test]
fn an_id_token_still_needs_its_aud_where_access_tokens_are_accepted() {
    let id = |overrides: Value| {
        let mut raw = access(json!({"token_use": "id", "client_id": null, "username": null}));
        raw.aud = overrides.get("aud").cloned();
        raw.client_id = overrides.get("client_id").cloned();
        check_claims_accepting(raw, &config(), NOW, Accepted::IdOrAccessTokens)
    };
    assert!(id(json!({"aud": "client-1"})).is_ok());
    assert_eq!(
        id(json!({"client_id": "client-1"})).err(),
        Some(AuthError::WrongAudience)
    );
    assert_eq!(
        id(json!({"aud": "client-2", "client_id": "client-1"})).err(),
        Some(AuthError::WrongAudience)
    );
}

#[test]
fn other_token_uses_issuers_and_times_are_refused_for_access_tokens_too() {
    for token_use in [json!("refresh"), json!(""), json!(null)] {
        assert_eq!(
            accepting_both(json!({ "token_use": token_use }), NOW).err(),
            Some(AuthError::WrongTokenUse),
            "{token_use}"
        );
    }
    let other_pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other";
    assert_eq!(
        accepting_both(json!({ "iss": other_pool }), NOW).err(),
        Some(AuthError::WrongIssuer)
    );
    assert_eq!(
        accepting_both(json!({}), NOW + 3590 + CLOCK_SKEW_LEEWAY_SECS).err(),
        Some(AuthError::Expired)
    );
    assert_eq!(
        accepting_both(json!({"iat": NOW + 600}), NOW).err(),
        Some(AuthError::NotYetValid)
    );
    assert_eq!(
        accepting_both(json!({"sub": ""}), NOW).err(),
        Some(AuthError::MissingSubject)
    );
}

#[test]
fn an_access_tokens_username_is_hidden_from_debug_output() {
    let claims = accepting_both(json!({"username": "alice@holder.example"}), NOW).unwrap();
    assert!(!format!("{claims:?}").contains("holder.example"));
}

//! Caller identity through `Authenticator::identify` and `JwtVerifier`, with real
//! moto-issued tokens and a verifier pointed at moto's JWKS for the test pool.
//!
//! moto signs every pool's tokens with one key (`kid` "dummy"), so a token of another
//! pool carries a valid signature: only the issuer check stands between it and access.

use std::time::{SystemTime, UNIX_EPOCH};

use integration_tests::cognito::{self, TestPool};
use integration_tests::forge::{hs256_forgeries, payload, segments, tampered, unsigned, with_kid};
use integration_tests::{TestStack, unique_name};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use shared::auth::{AuthConfig, AuthError, Authenticator, Identity, JwtVerifier};
use shared::http::ApiError;

const EVENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../events/auth-login.json"
));
const PASSWORD: &str = "Correct-Horse-9!";
const TWO_HOURS: i64 = 2 * 60 * 60;

/// A user of a fresh pool and the tokens of one login.
#[derive(Debug)]
struct Caller {
    pool: TestPool,
    username: String,
    sub: String,
    email: String,
    id_token: String,
    access_token: String,
}

async fn caller(stack: &TestStack) -> Caller {
    let pool = cognito::create_pool(stack).await;
    caller_in(stack, pool).await
}

async fn caller_in(stack: &TestStack, pool: TestPool) -> Caller {
    let username = unique_name("user");
    let email = format!("{username}@holder.example");
    let sub = cognito::create_user(stack, &pool, &username, PASSWORD, &[("email", &email)]).await;
    let (id_token, access_token, _refresh) =
        cognito::login(stack, &pool, &username, PASSWORD).await;
    Caller {
        pool,
        username,
        sub,
        email,
        id_token,
        access_token,
    }
}

fn config(stack: &TestStack, pool: &TestPool) -> AuthConfig {
    AuthConfig {
        issuer: pool.issuer(),
        audience: pool.client_id.clone(),
        jwks_url: pool.jwks_url(stack),
    }
}

fn verifier(stack: &TestStack, pool: &TestPool) -> JwtVerifier {
    JwtVerifier::new(config(stack, pool), stack.http.clone())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A REST proxy `GET /accounts` event with the given Authorization header values and,
/// optionally, the claims API Gateway's Cognito authorizer would add.
fn request(authorization: &[&str], claims: Option<Value>) -> Request {
    let mut event: Value =
        serde_json::from_str(EVENT).unwrap_or_else(|e| panic!("sample event: {e}"));
    event["resource"] = json!("/accounts");
    event["path"] = json!("/accounts");
    event["httpMethod"] = json!("GET");
    event["requestContext"]["resourcePath"] = json!("/accounts");
    event["requestContext"]["httpMethod"] = json!("GET");
    event["body"] = Value::Null;
    if !authorization.is_empty() {
        event["headers"]["Authorization"] = json!(authorization[0]);
        event["multiValueHeaders"]["Authorization"] = json!(authorization);
    }
    if let Some(claims) = claims {
        event["requestContext"]["authorizer"] = json!({ "claims": claims });
    }
    lambda_http::request::from_str(&event.to_string())
        .unwrap_or_else(|e| panic!("REST proxy event: {e}"))
}

fn bearer(token: &str) -> Request {
    request(&[&format!("Bearer {token}")], None)
}

#[tokio::test]
async fn a_valid_id_token_identifies_the_caller_by_sub_and_email() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let authenticator = Authenticator::with_verifier(verifier(&stack, &caller.pool));

    let identity = authenticator
        .identify(&bearer(&caller.id_token))
        .await
        .unwrap_or_else(|e| panic!("a valid IdToken must identify: {e}"));

    assert_eq!(
        identity,
        Identity {
            user_id: shared::domain::UserId::new(caller.sub.as_str()),
            email: Some(caller.email.clone()),
            groups: vec![]
        }
    );
    assert!(!identity.is_admin());
}

#[tokio::test]
async fn a_member_of_the_admin_group_is_an_admin_through_the_token() {
    let stack = TestStack::connect().await;
    let pool = cognito::create_pool(&stack).await;
    let username = unique_name("admin");
    cognito::create_user(&stack, &pool, &username, PASSWORD, &[]).await;
    for group in ["admin", "tellers"] {
        stack
            .cognito
            .create_group()
            .user_pool_id(&pool.pool_id)
            .group_name(group)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateGroup: {e:?}"));
        stack
            .cognito
            .admin_add_user_to_group()
            .user_pool_id(&pool.pool_id)
            .username(&username)
            .group_name(group)
            .send()
            .await
            .unwrap_or_else(|e| panic!("AdminAddUserToGroup: {e:?}"));
    }
    let (id_token, _, _) = cognito::login(&stack, &pool, &username, PASSWORD).await;
    let authenticator = Authenticator::with_verifier(verifier(&stack, &pool));

    let identity = authenticator
        .identify(&bearer(&id_token))
        .await
        .unwrap_or_else(|e| panic!("identify: {e}"));

    let mut groups = identity.groups.clone();
    groups.sort();
    assert_eq!(groups, ["admin", "tellers"]);
    assert!(identity.is_admin());
    assert_eq!(identity.email, None, "this user has no email attribute");
}

#[tokio::test]
async fn authorizer_claims_in_the_request_context_are_used_as_they_are() {
    // No verifier at all: API Gateway's authorizer already verified the token.
    let authenticator = Authenticator::new(None);
    let cases = [
        (json!("admin"), vec!["admin"], true),
        (json!("admin,tellers"), vec!["admin", "tellers"], true),
        (json!("[admin tellers]"), vec!["admin", "tellers"], true),
        (json!(["tellers", "admin"]), vec!["tellers", "admin"], true),
        (json!("tellers"), vec!["tellers"], false),
        (json!("[]"), vec![], false),
    ];
    for (groups, expected, admin) in cases {
        let claims = json!({
            "sub": "5f1c-authorizer-sub",
            "email": "holder@bank.example",
            "cognito:groups": groups,
            "token_use": "id",
            "exp": "Thu Nov 26 10:00:00 UTC 2026",
        });
        let identity = authenticator
            .identify(&request(&[], Some(claims)))
            .await
            .unwrap_or_else(|e| panic!("claims must identify: {e}"));
        assert_eq!(identity.user_id, "5f1c-authorizer-sub");
        assert_eq!(identity.email.as_deref(), Some("holder@bank.example"));
        assert_eq!(identity.groups, expected, "{groups}");
        assert_eq!(identity.is_admin(), admin, "{groups}");
    }

    let without_groups = authenticator
        .identify(&request(&[], Some(json!({"sub": "s-2"}))))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        without_groups,
        Identity {
            user_id: shared::domain::UserId::new("s-2"),
            email: None,
            groups: vec![]
        }
    );
}

#[tokio::test]
async fn authorizer_claims_take_precedence_over_the_authorization_header() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let authenticator = Authenticator::with_verifier(verifier(&stack, &caller.pool));

    let identity = authenticator
        .identify(&request(
            &[&format!("Bearer {}", caller.id_token)],
            Some(json!({"sub": "from-authorizer"})),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(identity.user_id, "from-authorizer");
}

#[tokio::test]
async fn authorizer_claims_without_a_sub_are_refused() {
    let authenticator = Authenticator::new(None);
    for claims in [
        json!({"email": "holder@bank.example"}),
        json!({"sub": ""}),
        json!("sub"),
    ] {
        let refused = authenticator
            .identify(&request(&[], Some(claims.clone())))
            .await;
        assert_eq!(refused.err(), Some(ApiError::unauthorized()), "{claims}");
    }
}

#[tokio::test]
async fn without_claims_or_a_configured_verifier_a_valid_token_is_still_refused() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;

    let refused = Authenticator::new(None)
        .identify(&bearer(&caller.id_token))
        .await;

    assert_eq!(refused.err(), Some(ApiError::unauthorized()));
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let verifier = verifier(&stack, &caller.pool);
    assert!(
        verifier.verify_at(&caller.id_token, now()).await.is_ok(),
        "valid now"
    );

    let later = verifier
        .verify_at(&caller.id_token, now() + TWO_HOURS)
        .await;

    assert_eq!(later.err(), Some(AuthError::Expired));
}

#[tokio::test]
async fn an_id_token_issued_in_the_future_is_refused() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let verifier = verifier(&stack, &caller.pool);

    let earlier = verifier
        .verify_at(&caller.id_token, now() - TWO_HOURS)
        .await;

    assert_eq!(earlier.err(), Some(AuthError::NotYetValid));
}

#[tokio::test]
async fn a_tampered_payload_fails_the_signature_check() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;

    let result = verifier(&stack, &caller.pool)
        .verify(&tampered(&caller.id_token))
        .await;

    assert_eq!(result.err(), Some(AuthError::BadSignature));
}

#[tokio::test]
async fn an_id_token_for_another_app_client_of_the_same_pool_is_refused() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let foreign =
        cognito::login_through_new_client(&stack, &caller.pool, &caller.username, PASSWORD).await;
    assert_eq!(
        payload(&foreign)["iss"],
        caller.pool.issuer().as_str(),
        "same pool, same issuer"
    );

    let result = verifier(&stack, &caller.pool).verify(&foreign).await;

    assert_eq!(result.err(), Some(AuthError::WrongAudience));
}

#[tokio::test]
async fn an_id_token_from_another_user_pool_is_refused_by_the_issuer_check_alone() {
    let stack = TestStack::connect().await;
    let ours = cognito::create_pool(&stack).await;
    let theirs = caller(&stack).await;
    // moto signs both pools with the same key: the foreign token's signature verifies
    // against our pool's JWKS, so only `iss` can tell the pools apart. To prove that the
    // issuer check alone refuses it, the verifier accepts the foreign token's audience.
    let config = AuthConfig {
        audience: theirs.pool.client_id.clone(),
        ..config(&stack, &ours)
    };
    let ours_but_their_audience = JwtVerifier::new(config, stack.http.clone());

    let result = ours_but_their_audience.verify(&theirs.id_token).await;

    assert_eq!(result.err(), Some(AuthError::WrongIssuer));
    // The same token is valid for its own pool: nothing else about it is wrong.
    let own = verifier(&stack, &theirs.pool)
        .verify(&theirs.id_token)
        .await;
    assert_eq!(own.map(|c| c.sub).ok(), Some(theirs.sub.clone()));
}

#[tokio::test]
async fn an_access_token_is_not_accepted_in_place_of_an_id_token() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    assert_eq!(payload(&caller.access_token)["token_use"], "access");

    let result = verifier(&stack, &caller.pool)
        .verify(&caller.access_token)
        .await;

    assert_eq!(result.err(), Some(AuthError::WrongTokenUse));
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let verifier = verifier(&stack, &caller.pool);
    let [_, _, signature] = segments(&caller.id_token);

    for forged in [
        unsigned(&caller.id_token),
        format!("{}{signature}", unsigned(&caller.id_token)),
    ] {
        assert_eq!(
            verifier.verify(&forged).await.err(),
            Some(AuthError::UnsupportedAlgorithm)
        );
    }
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let verifier = verifier(&stack, &caller.pool);

    for forged in
        hs256_forgeries(&stack.http, &caller.pool.jwks_url(&stack), &caller.id_token).await
    {
        assert_eq!(
            verifier.verify(&forged).await.err(),
            Some(AuthError::UnsupportedAlgorithm)
        );
    }
}

#[tokio::test]
async fn a_token_with_an_unknown_key_id_is_refused() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;

    let result = verifier(&stack, &caller.pool)
        .verify(&with_kid(&caller.id_token, "rotated-away"))
        .await;

    assert_eq!(result.err(), Some(AuthError::UnknownKey));
}

#[tokio::test]
async fn malformed_authorization_headers_are_refused() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let authenticator = Authenticator::with_verifier(verifier(&stack, &caller.pool));
    let valid = format!("Bearer {}", caller.id_token);

    let cases: [(&[&str], AuthError); 7] = [
        (&[], AuthError::MissingCredentials),
        (&[""], AuthError::MalformedHeader),
        (&["Bearer"], AuthError::MalformedHeader),
        (&["Basic xyz"], AuthError::MalformedHeader),
        (&[caller.id_token.as_str()], AuthError::MalformedHeader),
        (&["Bearer a.b"], AuthError::MalformedToken),
        (&["Bearer a.b.c"], AuthError::MalformedToken),
    ];
    for (headers, reason) in cases {
        let refused = authenticator.try_identify(&request(headers, None)).await;
        let shown: Vec<String> = headers
            .iter()
            .map(|h| h.chars().take(20).collect())
            .collect();
        assert_eq!(refused.err(), Some(reason), "{shown:?}");
    }

    // API Gateway folds repeated headers of a REST event into one; a request that still
    // carries two Authorization headers is ambiguous and refused.
    let mut twice = bearer(&caller.id_token);
    let value = valid.parse().unwrap_or_else(|e| panic!("{e}"));
    twice.headers_mut().append("authorization", value);
    let refused = authenticator.try_identify(&twice).await;
    assert_eq!(refused.err(), Some(AuthError::MalformedHeader));
}

#[tokio::test]
async fn every_refused_token_gets_one_identical_401_body() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    let stranger = caller_in(&stack, cognito::create_pool(&stack).await).await;
    let authenticator = Authenticator::with_verifier(verifier(&stack, &caller.pool));

    let mut headers = vec![
        String::new(),
        "Bearer".to_owned(),
        "Basic xyz".to_owned(),
        "Bearer a.b".to_owned(),
        format!("Bearer {}", tampered(&caller.id_token)),
        format!(
            "Bearer {}",
            cognito::login_through_new_client(&stack, &caller.pool, &caller.username, PASSWORD)
                .await
        ),
        format!("Bearer {}", stranger.id_token),
        format!("Bearer {}", caller.access_token),
        format!("Bearer {}", unsigned(&caller.id_token)),
        format!("Bearer {}", with_kid(&caller.id_token, "rotated-away")),
    ];
    headers.extend(
        hs256_forgeries(&stack.http, &caller.pool.jwks_url(&stack), &caller.id_token)
            .await
            .iter()
            .map(|t| format!("Bearer {t}")),
    );

    let reference = ApiError::unauthorized().into_response();
    for header in &headers {
        let refused = authenticator
            .identify(&request(&[header.as_str()], None))
            .await
            .err()
            .unwrap_or_else(|| panic!("{header:.30} must be refused"));
        let response = refused.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header:.30}");
        assert_eq!(response.body(), reference.body(), "{header:.30}");
    }
    assert_eq!(reference.status(), StatusCode::UNAUTHORIZED);
    // The valid token passes the same authenticator, so the refusals are the tokens'.
    assert!(
        authenticator
            .identify(&bearer(&caller.id_token))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_unreachable_key_set_answers_503_rather_than_blaming_the_token() {
    let stack = TestStack::connect().await;
    let caller = caller(&stack).await;
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let config = AuthConfig {
        jwks_url: "http://127.0.0.1:9/jwks.json".to_owned(),
        ..config(&stack, &caller.pool)
    };
    let authenticator = Authenticator::with_verifier(JwtVerifier::new(config, stack.http.clone()));

    let refused = authenticator
        .identify(&bearer(&caller.id_token))
        .await
        .err()
        .unwrap_or_else(|| panic!("no keys, no identity"));

    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.code(), "SERVICE_UNAVAILABLE");
}

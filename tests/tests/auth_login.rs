//! `POST /auth/login` and `POST /auth/refresh` through `AuthApp::handle`, with the
//! sample REST proxy events from `events/`, against moto's Cognito (one pool per test).

use auth::AuthApp;
use aws_sdk_cognitoidentityprovider::types::MessageActionType;
use integration_tests::cognito::{self, TestPool};
use integration_tests::{TestStack, unique_name};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::auth::{AuthConfig, JwtVerifier};

const LOGIN_EVENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../events/auth-login.json"
));
const REFRESH_EVENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../events/auth-refresh.json"
));

const PASSWORD: &str = "Correct-Horse-9!";

/// A sample event with its body, content type, method and path replaced.
#[derive(Debug, Clone)]
struct Event {
    template: &'static str,
    method: &'static str,
    path: Option<&'static str>,
    content_type: &'static str,
    body: String,
}

impl Event {
    fn login(body: Value) -> Self {
        Self::new(LOGIN_EVENT, body.to_string())
    }

    fn refresh(body: Value) -> Self {
        Self::new(REFRESH_EVENT, body.to_string())
    }

    fn new(template: &'static str, body: String) -> Self {
        Self {
            template,
            method: "POST",
            path: None,
            content_type: "application/json",
            body,
        }
    }

    fn request(&self) -> Request {
        let mut event: Value =
            serde_json::from_str(self.template).unwrap_or_else(|e| panic!("sample event: {e}"));
        event["httpMethod"] = json!(self.method);
        event["requestContext"]["httpMethod"] = json!(self.method);
        if let Some(path) = self.path {
            event["resource"] = json!(path);
            event["path"] = json!(path);
            event["requestContext"]["resourcePath"] = json!(path);
        }
        event["headers"]["Content-Type"] = json!(self.content_type);
        event["multiValueHeaders"]["Content-Type"] = json!([self.content_type]);
        event["body"] = json!(self.body);
        lambda_http::request::from_str(&event.to_string())
            .unwrap_or_else(|e| panic!("REST proxy event: {e}"))
    }
}

/// A fresh pool with one confirmed user; returns the pool, the user's `sub` and the app.
async fn setup(stack: &TestStack) -> (TestPool, String, String, AuthApp) {
    let pool = cognito::create_pool(stack).await;
    let username = unique_name("user");
    let email = format!("{username}@holder.example");
    let sub = cognito::create_user(stack, &pool, &username, PASSWORD, &[("email", &email)]).await;
    let app = AuthApp::new(stack.cognito.clone(), &pool.pool_id, &pool.client_id);
    (pool, username, sub, app)
}

async fn send(app: &AuthApp, event: &Event) -> (StatusCode, Value, Response<Body>) {
    let response = app.handle(event.request()).await;
    let text = body_text(&response);
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON body ({e}): {text}"));
    (response.status(), body, response)
}

fn body_text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    }
}

fn verifier(stack: &TestStack, pool: &TestPool) -> JwtVerifier {
    let config = AuthConfig {
        issuer: pool.issuer(),
        audience: pool.client_id.clone(),
        jwks_url: pool.jwks_url(stack),
    };
    JwtVerifier::new(config, stack.http.clone())
}

fn assert_security_headers(response: &Response<Body>) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(
        header("strict-transport-security").starts_with("max-age="),
        "HSTS missing"
    );
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("content-type"), "application/json");
}

#[tokio::test]
async fn login_with_the_right_password_returns_tokens_that_verify_for_the_pool() {
    let stack = TestStack::connect().await;
    let (pool, username, sub, app) = setup(&stack).await;

    let (status, body, response) = send(
        &app,
        &Event::login(json!({"username": username, "password": PASSWORD})),
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_security_headers(&response);
    let mut keys: Vec<&str> = body
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "accessToken",
            "expiresIn",
            "idToken",
            "refreshToken",
            "tokenType"
        ]
    );
    assert_eq!(body["tokenType"], "Bearer");
    assert!(body["expiresIn"].as_i64().is_some_and(|s| s > 0), "{body}");
    assert!(body["refreshToken"].as_str().is_some_and(|t| !t.is_empty()));

    let id_token = body["idToken"].as_str().unwrap_or_default();
    let claims = verifier(&stack, &pool)
        .verify(id_token)
        .await
        .unwrap_or_else(|e| panic!("the IdToken must verify: {e}"));
    assert_eq!(claims.sub, sub);
    assert_eq!(
        claims.email.as_deref(),
        Some(format!("{username}@holder.example").as_str())
    );
}

#[tokio::test]
async fn a_wrong_password_an_unknown_user_and_a_disabled_user_get_byte_identical_401_bodies() {
    let stack = TestStack::connect().await;
    let (pool, username, _sub, app) = setup(&stack).await;
    let disabled = unique_name("disabled");
    cognito::create_user(&stack, &pool, &disabled, PASSWORD, &[]).await;
    stack
        .cognito
        .admin_disable_user()
        .user_pool_id(&pool.pool_id)
        .username(&disabled)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminDisableUser: {e:?}"));

    let attempts = [
        json!({"username": username, "password": "Wrong-Horse-9!"}),
        json!({"username": unique_name("nobody"), "password": "Wrong-Horse-9!"}),
        json!({"username": unique_name("nobody"), "password": PASSWORD}),
        json!({"username": disabled, "password": PASSWORD}),
    ];
    let mut bodies = Vec::new();
    for attempt in attempts {
        let response = app.handle(Event::login(attempt).request()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_security_headers(&response);
        bodies.push(body_text(&response));
    }
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "bodies differ: {bodies:#?}"
    );
    let body: Value = serde_json::from_str(&bodies[0]).unwrap_or_default();
    assert_eq!(
        body,
        json!({"code": "INVALID_CREDENTIALS", "message": "Incorrect username or password."})
    );
}

#[tokio::test]
async fn a_user_who_must_change_a_temporary_password_is_told_so_only_with_the_right_password() {
    let stack = TestStack::connect().await;
    let (pool, _username, _sub, app) = setup(&stack).await;
    let newcomer = unique_name("newcomer");
    stack
        .cognito
        .admin_create_user()
        .user_pool_id(&pool.pool_id)
        .username(&newcomer)
        .temporary_password("Temporary-Pass-1!")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminCreateUser: {e:?}"));

    let (status, body, _) = send(
        &app,
        &Event::login(json!({"username": newcomer, "password": "Temporary-Pass-1!"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "PASSWORD_CHANGE_REQUIRED");

    let (status, body, _) = send(
        &app,
        &Event::login(json!({"username": newcomer, "password": "Guess-Pass-1!"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["code"], "INVALID_CREDENTIALS",
        "a wrong guess learns nothing"
    );
}

#[tokio::test]
async fn a_refresh_token_gets_new_tokens_without_a_new_refresh_token() {
    let stack = TestStack::connect().await;
    let (pool, username, sub, app) = setup(&stack).await;
    let (_, login, _) = send(
        &app,
        &Event::login(json!({"username": username, "password": PASSWORD})),
    )
    .await;
    let refresh_token = login["refreshToken"].as_str().unwrap_or_default();

    let (status, body, response) = send(
        &app,
        &Event::refresh(json!({"refreshToken": refresh_token})),
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_security_headers(&response);
    let mut keys: Vec<&str> = body
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(keys, ["accessToken", "expiresIn", "idToken", "tokenType"]);
    assert_ne!(body["idToken"], login["idToken"], "a new IdToken is issued");
    let claims = verifier(&stack, &pool)
        .verify(body["idToken"].as_str().unwrap_or_default())
        .await
        .unwrap_or_else(|e| panic!("the refreshed IdToken must verify: {e}"));
    assert_eq!(claims.sub, sub);
}

#[tokio::test]
async fn an_invalid_refresh_token_is_refused_with_401() {
    let stack = TestStack::connect().await;
    let (_pool, _username, _sub, app) = setup(&stack).await;

    let (status, body, response) = send(
        &app,
        &Event::refresh(json!({"refreshToken": uuid::Uuid::new_v4().to_string()})),
    )
    .await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "INVALID_REFRESH_TOKEN");
    assert_security_headers(&response);
}

#[tokio::test]
async fn missing_empty_mistyped_and_unknown_fields_are_400_naming_the_field() {
    let stack = TestStack::connect().await;
    let (_pool, username, _sub, app) = setup(&stack).await;
    let cases = [
        (
            Event::login(json!({"username": username})),
            "password",
            "`password` is required.",
        ),
        (
            Event::login(json!({"password": PASSWORD})),
            "username",
            "`username` is required.",
        ),
        (
            Event::login(json!({"username": " ", "password": PASSWORD})),
            "username",
            "`username` must not be empty.",
        ),
        (
            Event::login(json!({"username": username, "password": ""})),
            "password",
            "`password` must not be empty.",
        ),
        (
            Event::login(json!({"username": username, "password": PASSWORD, "remember": true})),
            "remember",
            "Unknown field `remember`.",
        ),
        (
            Event::refresh(json!({})),
            "refreshToken",
            "`refreshToken` is required.",
        ),
        (
            Event::refresh(json!({"refreshToken": ""})),
            "refreshToken",
            "`refreshToken` must not be empty.",
        ),
        (
            Event::refresh(json!({"refresh_token": "x"})),
            "refresh_token",
            "Unknown field `refresh_token`.",
        ),
    ];
    for (event, field, message) in cases {
        let (status, body, response) = send(&app, &event).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}: {body}", event.body);
        assert_eq!(body["code"], "VALIDATION_ERROR", "{}", event.body);
        assert_eq!(body["field"], field, "{}", event.body);
        assert_eq!(body["message"], message, "{}", event.body);
        assert_security_headers(&response);
    }

    let (status, body, _) = send(
        &app,
        &Event::login(json!({"username": 5, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "username", "{body}");
}

#[tokio::test]
async fn malformed_json_is_400_another_content_type_415_and_an_oversized_body_413() {
    let stack = TestStack::connect().await;
    let (_pool, _username, _sub, app) = setup(&stack).await;

    for text in [
        r#"{"username": "a", "password": "#,
        "",
        "null",
        r#""text""#,
        r#"{"username": "a", "password": "b"} x"#,
    ] {
        let (status, body, _) = send(&app, &Event::new(LOGIN_EVENT, text.to_owned())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text:?}: {body}");
        assert_eq!(body["code"], "MALFORMED_JSON", "{text:?}");
    }

    let plain = Event {
        content_type: "text/plain",
        ..Event::login(json!({"username": "a", "password": "b"}))
    };
    let (status, body, response) = send(&app, &plain).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["code"], "UNSUPPORTED_MEDIA_TYPE");
    assert_security_headers(&response);

    let charset = Event {
        content_type: "application/json; charset=utf-8",
        ..Event::login(json!({"username": "", "password": "b"}))
    };
    let (status, _, _) = send(&app, &charset).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a charset parameter is accepted"
    );

    let huge = Event::login(
        json!({"username": "a".repeat(shared::http::MAX_BODY_BYTES), "password": "b"}),
    );
    let (status, body, _) = send(&app, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn unknown_routes_are_404_and_other_methods_405() {
    let stack = TestStack::connect().await;
    let (_pool, username, _sub, app) = setup(&stack).await;
    let credentials = json!({"username": username, "password": PASSWORD});

    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let event = Event {
            method,
            ..Event::login(credentials.clone())
        };
        let (status, body, response) = send(&app, &event).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(body["code"], "METHOD_NOT_ALLOWED");
        assert_eq!(
            response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        assert_security_headers(&response);
    }

    for path in ["/auth/logout", "/auth", "/accounts"] {
        let event = Event {
            path: Some(path),
            ..Event::login(credentials.clone())
        };
        let (status, body, _) = send(&app, &event).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["code"], "NOT_FOUND");
    }
}

#[tokio::test]
async fn a_request_without_a_resource_path_is_routed_by_its_stage_prefixed_path() {
    let stack = TestStack::connect().await;
    let (_pool, username, _sub, app) = setup(&stack).await;
    let mut event: Value = serde_json::from_str(LOGIN_EVENT).unwrap_or_else(|e| panic!("{e}"));
    if let Some(object) = event.as_object_mut() {
        object.remove("resource");
    }
    if let Some(context) = event["requestContext"].as_object_mut() {
        context.remove("resourcePath");
    }
    event["body"] = json!(json!({"username": username, "password": PASSWORD}).to_string());
    let request =
        lambda_http::request::from_str(&event.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request.uri().path(), "/Prod/auth/login");

    let response = app.handle(request).await;

    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_text(&response)
    );
}

#[tokio::test]
async fn the_sample_events_as_they_are_reach_cognito_and_are_refused_for_an_unknown_user() {
    let stack = TestStack::connect().await;
    let (_pool, _username, _sub, app) = setup(&stack).await;
    for (template, code) in [
        (LOGIN_EVENT, "INVALID_CREDENTIALS"),
        (REFRESH_EVENT, "INVALID_REFRESH_TOKEN"),
    ] {
        let request = lambda_http::request::from_str(template)
            .unwrap_or_else(|e| panic!("sample event: {e}"));
        let response = app.handle(request).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = serde_json::from_str(&body_text(&response)).unwrap_or_default();
        assert_eq!(body["code"], code);
    }
}

use super::*;
use crate::failure::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[test]
fn routes_are_recognised_with_or_without_a_stage_prefix() {
    assert_eq!(Route::of_path("/auth/login"), Some(Route::Login));
    assert_eq!(Route::of_path("/Prod/auth/login"), Some(Route::Login));
    assert_eq!(Route::of_path("/auth/refresh"), Some(Route::Refresh));
    assert_eq!(Route::of_path("/v1/auth/refresh"), Some(Route::Refresh));
    for path in [
        "/",
        "/auth",
        "/auth/login/",
        "/auth/logout",
        "/xauth/login",
        "/accounts",
    ] {
        assert_eq!(Route::of_path(path), None, "{path}");
    }
}

#[test]
fn every_credential_refusal_looks_the_same_and_throttling_is_told_apart() {
    for code in CREDENTIAL_REFUSALS {
        assert_eq!(classify(Some(code)), Failure::Refused, "{code}");
    }
    for code in THROTTLING {
        assert_eq!(classify(Some(code)), Failure::Throttled, "{code}");
    }
    for code in [
        Some("InternalErrorException"),
        Some("ResourceNotFoundException"),
        None,
    ] {
        assert_eq!(classify(code), Failure::Unexpected, "{code:?}");
    }
}

#[test]
fn refusal_details_are_fixed_words_that_never_echo_the_message() {
    let cases = [
        (
            "NotAuthorizedException",
            Some("Incorrect username or password."),
            "not_authorized",
        ),
        (
            "NotAuthorizedException",
            Some("alice@holder.example"),
            "not_authorized",
        ),
        (
            "NotAuthorizedException",
            Some("Auth flow not enabled for this client"),
            "auth_flow_not_enabled",
        ),
        (
            "NotAuthorizedException",
            Some("Unable to verify secret hash for client x"),
            "client_secret_required",
        ),
        (
            "NotAuthorizedException",
            Some("User is disabled."),
            "user_disabled",
        ),
        (
            "NotAuthorizedException",
            Some("Password attempts exceeded"),
            "attempts_exceeded",
        ),
        (
            "UserNotFoundException",
            Some("User does not exist."),
            "user_not_found",
        ),
        ("UserNotConfirmedException", None, "user_not_confirmed"),
        (
            "PasswordResetRequiredException",
            None,
            "password_reset_required",
        ),
    ];
    for (code, message, expected) in cases {
        assert_eq!(refusal_detail(code, message), expected, "{message:?}");
    }
}

#[test]
fn credentials_are_validated_before_cognito_is_called() {
    let login = |username: &str, password: &str| {
        LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        }
        .validate()
    };
    let field = |result: Result<(), ApiError>| result.err().map(|e| e.body()["field"].clone());
    assert!(login("alice", "pw").is_ok());
    assert_eq!(field(login(" ", "pw")), Some("username".into()));
    assert_eq!(
        field(login(&"a".repeat(MAX_USERNAME_CHARS + 1), "pw")),
        Some("username".into())
    );
    assert_eq!(field(login("alice", "")), Some("password".into()));
    assert_eq!(
        field(login("alice", &"p".repeat(MAX_PASSWORD_CHARS + 1))),
        Some("password".into())
    );
    let refresh = RefreshRequest {
        refresh_token: String::new(),
    }
    .validate();
    assert_eq!(field(refresh), Some("refreshToken".into()));
}

#[test]
fn debug_output_never_shows_credentials_or_tokens() {
    let login = LoginRequest {
        username: "alice@holder.example".to_owned(),
        password: "hunter2".to_owned(),
    };
    let shown = format!("{login:?}");
    assert!(!shown.contains("alice") && !shown.contains("hunter2"));
    let tokens = Tokens {
        id_token: "id.token.sig".to_owned(),
        access_token: "access.token.sig".to_owned(),
        refresh_token: Some("refresh-secret".to_owned()),
        expires_in: 3600,
        token_type: "Bearer",
    };
    let shown = format!("{tokens:?}");
    assert!(!shown.contains("token.sig") && !shown.contains("refresh-secret"));
}

#[test]
fn the_subject_is_read_from_the_issued_id_token() {
    let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"sub-1","email":"a@b.c"}"#);
    let tokens = Tokens {
        id_token: format!("e30.{payload}.sig"),
        access_token: "a".to_owned(),
        refresh_token: None,
        expires_in: 3600,
        token_type: "Bearer",
    };
    assert_eq!(tokens.subject().as_deref(), Some("sub-1"));
}

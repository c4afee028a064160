//! `POST /auth/login` and `POST /auth/refresh`: Cognito sign-in for API clients.
//!
//! - login: `AdminInitiateAuth` with `ADMIN_USER_PASSWORD_AUTH`. A wrong password, an
//!   unknown user, an unconfirmed user and a user who must reset the password all get
//!   the same 401 body, so the endpoint reveals nothing about which usernames exist.
//! - refresh: `InitiateAuth` with `REFRESH_TOKEN_AUTH`. It needs no IAM permission
//!   beyond the app client's `ALLOW_REFRESH_TOKEN_AUTH`, and moto 5.2.5 answers an
//!   unknown refresh token given to `AdminInitiateAuth` with an HTTP 500 (a `KeyError`
//!   in its backend) where `InitiateAuth` answers `NotAuthorizedException` as Cognito does.
//!
//! Tokens, passwords and usernames (often e-mail addresses) are never logged.

use aws_sdk_cognitoidentityprovider::config::http::HttpResponse;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Deserialize, Serialize};
use shared::aws::SdkConfig;
use shared::http::{ApiError, json, json_body};

/// Longest username Cognito accepts.
pub const MAX_USERNAME_CHARS: usize = 128;
/// Longest password Cognito accepts.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The routes this function serves.
const LOGIN_PATH: &str = "/auth/login";
const REFRESH_PATH: &str = "/auth/refresh";

/// Cognito errors that mean "these credentials do not sign anyone in". They all answer
/// the same 401 so that no response tells whether a username exists.
const CREDENTIAL_REFUSALS: [&str; 4] = [
    "NotAuthorizedException",
    "UserNotFoundException",
    "UserNotConfirmedException",
    "PasswordResetRequiredException",
];

/// Cognito throttling.
const THROTTLING: [&str; 3] = [
    "TooManyRequestsException",
    "LimitExceededException",
    "ThrottlingException",
];

/// A required environment variable is missing.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is not set")]
pub struct ConfigError(&'static str);

/// The auth function: a Cognito client and the user pool and app client it signs into.
#[derive(Debug, Clone)]
pub struct AuthApp {
    cognito: aws_sdk_cognitoidentityprovider::Client,
    user_pool_id: String,
    client_id: String,
}

impl AuthApp {
    /// An app signing into `user_pool_id` through the app client `client_id` (which must
    /// allow `ADMIN_USER_PASSWORD_AUTH` and `REFRESH_TOKEN_AUTH`, and have no secret).
    pub fn new(
        cognito: aws_sdk_cognitoidentityprovider::Client,
        user_pool_id: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        Self {
            cognito,
            user_pool_id: user_pool_id.into(),
            client_id: client_id.into(),
        }
    }

    /// Reads `COGNITO_USER_POOL_ID` and `COGNITO_CLIENT_ID`; the Cognito endpoint and
    /// credentials come from `config`.
    pub fn from_env(config: &SdkConfig) -> Result<Self, ConfigError> {
        let var = |name: &'static str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError(name))
        };
        Ok(Self::new(
            shared::aws::cognito(config),
            var("COGNITO_USER_POOL_ID")?,
            var("COGNITO_CLIENT_ID")?,
        ))
    }

    /// Answers one API Gateway request. Never fails: errors are JSON responses.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let Some(route) = Route::of(&request) else {
            return ApiError::not_found("Route").into_response();
        };
        if request.method() != Method::POST {
            return method_not_allowed();
        }
        let result = match route {
            Route::Login => self.login(&request).await,
            Route::Refresh => self.refresh(&request).await,
        };
        result.unwrap_or_else(ApiError::into_response)
    }

    async fn login(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        let credentials: LoginRequest = json_body(request)?;
        credentials.validate()?;
        let output = self
            .cognito
            .admin_initiate_auth()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", credentials.username)
            .auth_parameters("PASSWORD", credentials.password)
            .send()
            .await
            .map_err(|e| cognito_failure("AdminInitiateAuth", &e, invalid_credentials))?;
        if let Some(challenge) = output.challenge_name() {
            return Err(challenge_required(challenge));
        }
        let tokens = Tokens::from_result(output.authentication_result(), true)?;
        tracing::info!(
            user_id = tokens.subject().as_deref().unwrap_or("-"),
            "signed in"
        );
        Ok(json(StatusCode::OK, &tokens))
    }

    async fn refresh(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        let body: RefreshRequest = json_body(request)?;
        body.validate()?;
        let output = self
            .cognito
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", body.refresh_token)
            .send()
            .await
            .map_err(|e| cognito_failure("InitiateAuth", &e, invalid_refresh_token))?;
        if let Some(challenge) = output.challenge_name() {
            return Err(challenge_required(challenge));
        }
        let tokens = Tokens::from_result(output.authentication_result(), false)?;
        tracing::info!(
            user_id = tokens.subject().as_deref().unwrap_or("-"),
            "tokens refreshed"
        );
        Ok(json(StatusCode::OK, &tokens))
    }
}

/// Which operation a request addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Login,
    Refresh,
}

impl Route {
    /// From API Gateway's resource path (`/auth/login`), else from the request path,
    /// which may carry a stage or base-path prefix (`/Prod/auth/login`).
    fn of(request: &Request) -> Option<Self> {
        let resource = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(context)) => context.resource_path.as_deref(),
            _ => None,
        };
        let path = resource
            .filter(|r| !r.is_empty() && !r.contains('{'))
            .unwrap_or_else(|| request.uri().path());
        Self::of_path(path)
    }

    fn of_path(path: &str) -> Option<Self> {
        if path.ends_with(LOGIN_PATH) {
            Some(Self::Login)
        } else if path.ends_with(REFRESH_PATH) {
            Some(Self::Refresh)
        } else {
            None
        }
    }
}

fn method_not_allowed() -> Response<Body> {
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Only POST is allowed on this route.",
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// `{"username", "password"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LoginRequest {
    username: String,
    password: String,
}

impl LoginRequest {
    fn validate(&self) -> Result<(), ApiError> {
        if self.username.trim().is_empty() {
            return Err(ApiError::validation(
                "username",
                "`username` must not be empty.",
            ));
        }
        if self.username.chars().count() > MAX_USERNAME_CHARS {
            return Err(ApiError::validation(
                "username",
                format!("`username` must be at most {MAX_USERNAME_CHARS} characters."),
            ));
        }
        if self.password.is_empty() {
            return Err(ApiError::validation(
                "password",
                "`password` must not be empty.",
            ));
        }
        if self.password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(ApiError::validation(
                "password",
                format!("`password` must be at most {MAX_PASSWORD_CHARS} characters."),
            ));
        }
        Ok(())
    }
}

/// Credentials never appear in debug output.
impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").finish_non_exhaustive()
    }
}

/// `{"refreshToken"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RefreshRequest {
    refresh_token: String,
}

impl RefreshRequest {
    fn validate(&self) -> Result<(), ApiError> {
        if self.refresh_token.trim().is_empty() {
            return Err(ApiError::validation(
                "refreshToken",
                "`refreshToken` must not be empty.",
            ));
        }
        Ok(())
    }
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest").finish_non_exhaustive()
    }
}

/// The tokens answered to the client.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Tokens {
    id_token: String,
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    expires_in: i32,
    token_type: &'static str,
}

impl Tokens {
    /// The tokens of a completed authentication; a login must also carry a refresh token.
    fn from_result(
        result: Option<&AuthenticationResultType>,
        login: bool,
    ) -> Result<Self, ApiError> {
        let non_empty = |v: Option<&str>| v.filter(|t| !t.is_empty()).map(str::to_owned);
        let tokens = result.and_then(|r| {
            Some(Self {
                id_token: non_empty(r.id_token())?,
                access_token: non_empty(r.access_token())?,
                refresh_token: non_empty(r.refresh_token()),
                expires_in: r.expires_in(),
                token_type: "Bearer",
            })
        });
        match tokens {
            Some(tokens) if !login || tokens.refresh_token.is_some() => Ok(tokens),
            _ => {
                tracing::error!(login, "Cognito answered without the expected tokens");
                Err(internal_error())
            }
        }
    }

    /// The `sub` of the IdToken Cognito just issued (for the audit log; the token came
    /// straight from Cognito, so it is not verified again).
    fn subject(&self) -> Option<String> {
        let payload = self.id_token.split('.').nth(1)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&payload).ok()?;
        claims.get("sub")?.as_str().map(str::to_owned)
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// 401 for a wrong password or an unknown, unconfirmed or locked-out user alike.
fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_CREDENTIALS",
        "Incorrect username or password.",
    )
}

/// 401 for a refresh token that is unknown, expired or revoked.
fn invalid_refresh_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_REFRESH_TOKEN",
        "The refresh token is invalid, expired or revoked; sign in again.",
    )
}

/// 500 without internals (the cause is logged by the caller).
fn internal_error() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "The request could not be completed; retry later.",
    )
}

/// Cognito wants another step (only reachable with a correct password, so it reveals
/// nothing to someone guessing). This API does not implement challenge responses.
fn challenge_required(challenge: &ChallengeNameType) -> ApiError {
    tracing::info!(
        challenge = challenge.as_str(),
        "sign-in needs a challenge this API does not support"
    );
    if *challenge == ChallengeNameType::NewPasswordRequired {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "PASSWORD_CHANGE_REQUIRED",
            "The password must be changed before signing in.",
        )
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "AUTH_CHALLENGE_REQUIRED",
            "Signing in needs an additional step this API does not support.",
        )
        .with("challenge", challenge.as_str())
    }
}

/// How a Cognito error is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The credentials do not sign anyone in: one 401 for every reason.
    Refused,
    /// Cognito throttles: 429.
    Throttled,
    /// Anything else: 500, cause logged.
    Unexpected,
}

fn classify(code: Option<&str>) -> Failure {
    match code {
        Some(code) if CREDENTIAL_REFUSALS.contains(&code) => Failure::Refused,
        Some(code) if THROTTLING.contains(&code) => Failure::Throttled,
        _ => Failure::Unexpected,
    }
}

/// Why Cognito refused credentials, as a fixed word: Cognito's (and moto's) messages
/// may repeat the username or token, so they are not logged as they are. The ones an
/// operator must see (misconfigured app client) are told apart.
fn refusal_detail(code: &str, message: Option<&str>) -> &'static str {
    let message = message.unwrap_or_default().to_ascii_lowercase();
    if message.contains("auth flow not enabled") {
        "auth_flow_not_enabled"
    } else if message.contains("secret") {
        "client_secret_required"
    } else if message.contains("disabled") {
        "user_disabled"
    } else if message.contains("attempts exceeded") {
        "attempts_exceeded"
    } else {
        match code {
            "UserNotFoundException" => "user_not_found",
            "UserNotConfirmedException" => "user_not_confirmed",
            "PasswordResetRequiredException" => "password_reset_required",
            _ => "not_authorized",
        }
    }
}

/// The response for a failed Cognito call, logged without credentials.
fn cognito_failure<E>(
    operation: &'static str,
    error: &SdkError<E, HttpResponse>,
    refused: fn() -> ApiError,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = error.code();
    match classify(code) {
        Failure::Refused => {
            let detail = refusal_detail(code.unwrap_or_default(), error.message());
            tracing::info!(operation, code, detail, "credentials refused");
            refused()
        }
        Failure::Throttled => {
            tracing::warn!(operation, code, "Cognito is throttling");
            ApiError::too_many_requests()
        }
        Failure::Unexpected => match error {
            // Not Cognito's message: like a refusal's, it may repeat the username.
            SdkError::ServiceError(_) => {
                tracing::error!(operation, code, "Cognito call failed");
                internal_error()
            }
            _ => {
                tracing::error!(operation, error = %DisplayErrorContext(error), "Cognito unreachable");
                ApiError::unavailable()
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

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

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use shared::aws::SdkConfig;
use shared::http::{ApiError, json, json_body};

/// Longest username Cognito accepts.
pub const MAX_USERNAME_CHARS: usize = 128;
/// Longest password Cognito accepts.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The routes this function serves.
const LOGIN_PATH: &str = "/auth/login";
const REFRESH_PATH: &str = "/auth/refresh";

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

mod bodies;
mod failure;

use bodies::{LoginRequest, RefreshRequest, Tokens};
use failure::{challenge_required, cognito_failure, invalid_credentials, invalid_refresh_token};

#[cfg(test)]
mod tests;

//! The request bodies (`{"username", "password"}`, `{"refreshToken"}`), validated
//! before Cognito is called, and the tokens answered; none of them shows a credential
//! or a token in `Debug`.

use aws_sdk_cognitoidentityprovider::types::AuthenticationResultType;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use shared::http::ApiError;

use crate::failure::internal_error;
use crate::{MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS};

/// `{"username", "password"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct LoginRequest {
    pub(crate) username: String,
    pub(crate) password: String,
}

impl LoginRequest {
    pub(crate) fn validate(&self) -> Result<(), ApiError> {
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
pub(crate) struct RefreshRequest {
    pub(crate) refresh_token: String,
}

impl RefreshRequest {
    pub(crate) fn validate(&self) -> Result<(), ApiError> {
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
pub(crate) struct Tokens {
    pub(crate) id_token: String,
    pub(crate) access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_in: i32,
    pub(crate) token_type: &'static str,
}

impl Tokens {
    /// The tokens of a completed authentication; a login must also carry a refresh token.
    pub(crate) fn from_result(
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
    pub(crate) fn subject(&self) -> Option<String> {
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

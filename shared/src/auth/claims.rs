//! The claims of a Cognito token whose signature verified, and their checks:
//! `token_use`, issuer, app client, times and subject. Pure: the verifier
//! ([`super::jwt::JwtVerifier`]) decodes, then hands the raw claims here.

use serde::Deserialize;
use serde_json::Value;

use super::config::AuthConfig;
use super::identity::parse_groups;
use super::jwt::{AuthError, CLOCK_SKEW_LEEWAY_SECS};

/// Which Cognito tokens a verification accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// IdTokens only (`token_use = id`, the app client in `aud`): API Gateway's
    /// Cognito authorizer and every REST function.
    #[default]
    IdTokens,
    /// IdTokens and access tokens (`token_use = access`, the app client in
    /// `client_id`): AppSync's Cognito user pool auth mode takes both, and Amplify
    /// sends the access token.
    IdOrAccessTokens,
}

/// The claims of a verified IdToken (or access token, where accepted).
#[derive(Clone, PartialEq, Eq)]
pub struct Claims {
    /// The user's Cognito `sub`.
    pub sub: String,
    pub iss: String,
    /// The app client id (`aud` of an IdToken, `client_id` of an access token).
    pub aud: String,
    /// `id`, or `access` where [`JwtVerifier::verify_id_or_access`] let one through.
    pub token_use: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: Option<i64>,
    /// Personal data: never log it.
    pub email: Option<String>,
    /// `cognito:groups`.
    pub groups: Vec<String>,
    /// `cognito:username` of an IdToken, `username` of an access token (may be an
    /// e-mail address: never log it).
    pub username: Option<String>,
}

/// E-mail and username are personal data: `Debug` shows whether they are present only.
impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("Claims")
            .field("sub", &self.sub)
            .field("iss", &self.iss)
            .field("aud", &self.aud)
            .field("token_use", &self.token_use)
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("nbf", &self.nbf)
            .field("email", &redacted(&self.email))
            .field("groups", &self.groups)
            .field("username", &redacted(&self.username))
            .finish()
    }
}

/// The payload as the token carries it, before any check.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawClaims {
    sub: Option<String>,
    iss: Option<String>,
    pub(super) aud: Option<Value>,
    token_use: Option<String>,
    exp: Option<i64>,
    iat: Option<i64>,
    nbf: Option<i64>,
    email: Option<String>,
    #[serde(rename = "cognito:groups")]
    groups: Option<Value>,
    #[serde(rename = "cognito:username")]
    username: Option<String>,
    /// An access token's app client (it has no `aud`).
    pub(super) client_id: Option<Value>,
    /// An access token's username (an IdToken's is `cognito:username`).
    #[serde(rename = "username")]
    access_username: Option<String>,
}

/// Checks the claims of an IdToken whose signature verified: `token_use`, `iss`, `aud`,
/// `exp`, `nbf`, `iat` (at `now_unix`, with [`CLOCK_SKEW_LEEWAY_SECS`]) and `sub`.
#[cfg(test)]
pub(crate) fn check_claims(
    raw: RawClaims,
    config: &AuthConfig,
    now_unix: i64,
) -> Result<Claims, AuthError> {
    check_claims_accepting(raw, config, now_unix, Accepted::IdTokens)
}

/// [`check_claims`] for the tokens `accepted` names: an access token's app client is
/// its `client_id`, checked as exactly as an IdToken's `aud`.
pub(crate) fn check_claims_accepting(
    mut raw: RawClaims,
    config: &AuthConfig,
    now_unix: i64,
    accepted: Accepted,
) -> Result<Claims, AuthError> {
    let token_use = raw.token_use.take().unwrap_or_default();
    let access = match (token_use.as_str(), accepted) {
        ("id", _) => false,
        ("access", Accepted::IdOrAccessTokens) => true,
        _ => return Err(AuthError::WrongTokenUse),
    };
    let iss = raw.iss.take().unwrap_or_default();
    if iss != config.issuer {
        return Err(AuthError::WrongIssuer);
    }
    let client = if access {
        raw.client_id.take()
    } else {
        raw.aud.take()
    };
    let aud = match client {
        Some(Value::String(aud)) if aud == config.audience => aud,
        _ => return Err(AuthError::WrongAudience),
    };
    let username = if access {
        raw.access_username.take()
    } else {
        raw.username.take()
    };
    let exp = raw.exp.ok_or(AuthError::MalformedToken)?;
    let iat = raw.iat.ok_or(AuthError::MalformedToken)?;
    if now_unix >= exp.saturating_add(CLOCK_SKEW_LEEWAY_SECS) {
        return Err(AuthError::Expired);
    }
    let latest_start = now_unix.saturating_add(CLOCK_SKEW_LEEWAY_SECS);
    if iat > latest_start || raw.nbf.is_some_and(|nbf| nbf > latest_start) {
        return Err(AuthError::NotYetValid);
    }
    let sub = raw
        .sub
        .filter(|sub| !sub.trim().is_empty())
        .ok_or(AuthError::MissingSubject)?;
    Ok(Claims {
        sub,
        iss,
        aud,
        token_use,
        exp,
        iat,
        nbf: raw.nbf,
        email: raw.email.filter(|e| !e.is_empty()),
        groups: raw.groups.as_ref().map(parse_groups).unwrap_or_default(),
        username,
    })
}

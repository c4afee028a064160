//! Caller identity for the API functions (the original's "auth logic in a Lambda layer").
//!
//! On AWS, API Gateway's Cognito authorizer has already verified the IdToken and passes
//! its claims in `requestContext.authorizer.claims`: those are used as they are. Where
//! there are none (a function invoked without the authorizer), the
//! `Authorization: Bearer <IdToken>` header is verified here, as the original did.
//!
//! Every refusal answers the same 401 body; the reason is logged as a kind only, never
//! with the token.

mod claims;
mod config;
mod identity;
mod jwt;

use std::time::Duration;

use lambda_http::http::header::AUTHORIZATION;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;

use crate::http::ApiError;

pub use claims::Claims;
pub use config::AuthConfig;
pub use identity::{ADMIN_GROUP, Identity, parse_groups};
pub use jwt::{
    AuthError, CLOCK_SKEW_LEEWAY_SECS, JWKS_REFRESH_INTERVAL, JwtVerifier, MAX_TOKEN_BYTES,
};

/// Connection timeout of the key-set client built by [`Authenticator::new`].
const JWKS_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Establishes who is calling. Build once per process and share.
#[derive(Debug)]
pub struct Authenticator {
    verifier: Option<JwtVerifier>,
}

impl Authenticator {
    /// An authenticator that verifies bearer tokens for `config` (none: only API
    /// Gateway's authorizer claims are accepted). Fetches nothing yet.
    pub fn new(config: Option<AuthConfig>) -> Self {
        let verifier = config.and_then(|config| {
            match reqwest::Client::builder().connect_timeout(JWKS_CONNECT_TIMEOUT).build() {
                Ok(http) => Some(JwtVerifier::new(config, http)),
                Err(error) => {
                    tracing::error!(%error, "HTTP client for the signing keys could not be built; bearer tokens will be refused");
                    None
                }
            }
        });
        Self { verifier }
    }

    /// An authenticator around an existing verifier.
    pub fn with_verifier(verifier: JwtVerifier) -> Self {
        Self {
            verifier: Some(verifier),
        }
    }

    /// [`Authenticator::new`] with [`AuthConfig::from_env`].
    pub fn from_env() -> Self {
        Self::new(AuthConfig::from_env())
    }

    /// The caller's identity, or the response to send instead: 401 (one body whatever
    /// the reason), or 503 when the signing keys cannot be fetched.
    pub async fn identify(&self, request: &Request) -> Result<Identity, ApiError> {
        match self.try_identify(request).await {
            Ok(identity) => Ok(identity),
            Err(AuthError::KeysUnavailable) => {
                tracing::warn!(
                    reason = AuthError::KeysUnavailable.kind(),
                    "request not authenticated: signing keys unavailable"
                );
                Err(ApiError::unavailable())
            }
            Err(reason) => {
                tracing::info!(reason = reason.kind(), "request not authenticated");
                Err(ApiError::unauthorized())
            }
        }
    }

    /// As [`Authenticator::identify`], with the reason for a refusal.
    pub async fn try_identify(&self, request: &Request) -> Result<Identity, AuthError> {
        if let Some(claims) = authorizer_claims(request) {
            let identity = Identity::from_authorizer_claims(claims)?;
            tracing::debug!(user_id = %identity.user_id, source = "authorizer", "caller identified");
            return Ok(identity);
        }
        let verifier = self.verifier.as_ref().ok_or(AuthError::NotConfigured)?;
        let token = bearer_token(request)?;
        let claims = verifier.verify(token).await?;
        tracing::debug!(user_id = %claims.sub, source = "token", "caller identified");
        Ok(Identity {
            user_id: crate::domain::UserId::new(claims.sub),
            email: claims.email,
            groups: claims.groups,
        })
    }
}

/// The claims API Gateway's Cognito authorizer put in the REST request context.
fn authorizer_claims(request: &Request) -> Option<&Value> {
    #[allow(unreachable_patterns)] // other variants exist when lambda_http has more features
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => context
            .authorizer
            .fields
            .get("claims")
            .filter(|claims| !claims.is_null()),
        _ => None,
    }
}

/// The token of a single `Authorization: Bearer <token>` header.
fn bearer_token(request: &Request) -> Result<&str, AuthError> {
    let mut values = request.headers().get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or(AuthError::MissingCredentials)?;
    if values.next().is_some() {
        return Err(AuthError::MalformedHeader);
    }
    let value = value.to_str().map_err(|_| AuthError::MalformedHeader)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(AuthError::MalformedHeader)?;
    let token = token.trim_start();
    let token_chars = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || !token.bytes().all(token_chars)
    {
        return Err(AuthError::MalformedHeader);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use lambda_http::Body;

    use super::*;

    fn request(authorization: &[&str]) -> Request {
        let mut request = Request::new(Body::Empty);
        for value in authorization {
            if let Ok(value) = value.parse() {
                request.headers_mut().append(AUTHORIZATION, value);
            }
        }
        request
    }

    #[test]
    fn the_token_is_read_from_a_single_bearer_header() {
        assert_eq!(bearer_token(&request(&["Bearer a.b.c"])), Ok("a.b.c"));
        assert_eq!(
            bearer_token(&request(&["bearer  a-_.b.c9"])),
            Ok("a-_.b.c9")
        );
    }

    #[test]
    fn other_authorization_headers_are_refused() {
        assert_eq!(
            bearer_token(&request(&[])),
            Err(AuthError::MissingCredentials)
        );
        for value in [
            "",
            "Bearer",
            "Bearer ",
            "Basic eHl6",
            "Token a.b.c",
            "Bearer a.b c",
            "Bearer a+b/c=",
        ] {
            assert_eq!(
                bearer_token(&request(&[value])),
                Err(AuthError::MalformedHeader),
                "{value:?}"
            );
        }
        assert_eq!(
            bearer_token(&request(&["Bearer a.b.c", "Bearer d.e.f"])),
            Err(AuthError::MalformedHeader)
        );
    }

    #[tokio::test]
    async fn without_claims_or_a_verifier_every_request_is_unauthorized() {
        let authenticator = Authenticator::new(None);
        let refused = authenticator.identify(&request(&["Bearer a.b.c"])).await;
        assert_eq!(refused.err(), Some(ApiError::unauthorized()));
        let refused = authenticator.try_identify(&request(&[])).await;
        assert_eq!(refused.err(), Some(AuthError::NotConfigured));
    }
}

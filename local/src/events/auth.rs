//! Who calls the Events API, per auth mode: a Cognito user (an IdToken or an access
//! token of the stack's pool and client, checked by the runtime's [`JwtVerifier`]) or
//! the local IAM principal (a SigV4 signature made with the runtime's own
//! credentials, checked by [`LocalIam`], as the GraphQL API's IAM mode is). Refusal
//! reasons are logged as kinds only: never a token, never a claim.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use shared::auth::{Claims, JwtVerifier};

use super::config::AuthMode;
use crate::iam::LocalIam;
pub use crate::iam::SignedRequest;

/// A request's credentials, as the auth modes read them.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The `Authorization` value (a JWT, or a SigV4 header).
    pub authorization: Option<&'a str>,
    /// The whole HTTP request, when there is one to check a signature of.
    pub signed: Option<SignedRequest<'a>>,
}

/// A verified Cognito caller: the checked claims and every claim of the token (for
/// the handler's `identity.claims`, as AppSync hands them over).
#[derive(Clone)]
pub struct CognitoCaller {
    pub claims: Claims,
    all_claims: Value,
}

/// The claims hold personal data: `Debug` shows the subject only.
impl std::fmt::Debug for CognitoCaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CognitoCaller")
            .field("sub", &self.claims.sub)
            .finish_non_exhaustive()
    }
}

impl CognitoCaller {
    /// The identity AppSync hands a handler for a Cognito user pool caller.
    pub fn identity(&self, source_ip: &str) -> Value {
        let groups = (!self.claims.groups.is_empty()).then(|| self.claims.groups.clone());
        json!({
            "sub": self.claims.sub,
            "issuer": self.claims.iss,
            "username": self.claims.username.clone().unwrap_or_else(|| self.claims.sub.clone()),
            "claims": self.all_claims,
            "sourceIp": [source_ip],
            "defaultAuthStrategy": "ALLOW",
            "groups": groups,
        })
    }
}

/// Who passed an auth mode.
#[derive(Debug, Clone)]
pub enum Caller {
    Cognito(Box<CognitoCaller>),
    Iam,
}

/// Checks callers against auth modes.
#[derive(Debug)]
pub struct Authorizer {
    pub verifier: JwtVerifier,
    /// The local IAM principal (the runtime's SDK credentials).
    pub iam: LocalIam,
}

impl Authorizer {
    /// The first of `modes` the credentials pass, or the reason the last one refused
    /// them (a kind, for the log).
    pub async fn authorize(
        &self,
        modes: &[AuthMode],
        presented: Presented<'_>,
    ) -> Result<Caller, String> {
        let mut reason = "no auth mode allows this operation".to_owned();
        for mode in modes {
            let outcome = match mode {
                AuthMode::Cognito => self
                    .cognito(presented.authorization)
                    .await
                    .map(|c| Caller::Cognito(Box::new(c))),
                AuthMode::Iam => self.iam(presented.signed).await.map(|()| Caller::Iam),
                AuthMode::Other(kind) => Err(format!("auth mode {kind} is not emulated")),
            };
            match outcome {
                Ok(caller) => return Ok(caller),
                Err(why) => reason = why,
            }
        }
        Err(reason)
    }

    /// A Cognito IdToken or access token (raw, or after `Bearer `).
    pub async fn cognito(&self, authorization: Option<&str>) -> Result<CognitoCaller, String> {
        let token = authorization
            .map(|a| a.strip_prefix("Bearer ").unwrap_or(a).trim())
            .filter(|t| !t.is_empty())
            .ok_or("cognito: no token")?;
        let claims = self
            .verifier
            .verify_id_or_access(token)
            .await
            .map_err(|e| format!("cognito: {}", e.kind()))?;
        // The signature verified: the payload is the token's own.
        let all_claims = token
            .split('.')
            .nth(1)
            .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        Ok(CognitoCaller { claims, all_claims })
    }

    /// A SigV4 signature by the local IAM principal, for `appsync` in us-east-1.
    async fn iam(&self, signed: Option<SignedRequest<'_>>) -> Result<(), String> {
        let signed = signed.ok_or("iam: SigV4 over the WebSocket is not emulated")?;
        self.iam.verify(&signed).await.map_err(|e| e.to_string())
    }
}

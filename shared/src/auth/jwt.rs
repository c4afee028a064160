//! Verifying a Cognito IdToken ourselves, where API Gateway's authorizer did not:
//! RS256 only, key chosen by `kid` from the pool's JWKS (fetched lazily, cached,
//! refreshed on an unknown `kid` at most once a minute), exact issuer and audience,
//! `token_use = id`, and time checks against an injectable clock. Where asked
//! ([`JwtVerifier::verify_id_or_access`], AppSync's Cognito auth mode) access tokens
//! pass too, their app client read from `client_id` (they carry no `aud`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

#[cfg(test)]
use super::claims::check_claims;
use super::claims::{Accepted, Claims, RawClaims, check_claims_accepting};
use super::config::AuthConfig;

/// Tolerated clock difference with Cognito for `exp`, `nbf` and `iat`.
pub const CLOCK_SKEW_LEEWAY_SECS: i64 = 60;

/// Longest accepted token. Cognito IdTokens are 1–4 KiB; anything far larger is refused
/// before it is decoded.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// An unknown `kid` refreshes the key set at most this often, so that forged tokens
/// cannot turn the verifier into a request amplifier against the JWKS endpoint.
pub const JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// After a failed key-set fetch, the next attempt waits this long.
const JWKS_RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// Time allowed for one key-set fetch.
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(3);

/// Largest accepted key-set document.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// The only accepted signature algorithm (Cognito's).
const ACCEPTED_ALG: &str = "RS256";

/// Why a token (or a request's credentials) was refused. Clients never see the reason:
/// every variant but [`AuthError::KeysUnavailable`] answers the same 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials")]
    MissingCredentials,
    #[error("the Authorization header is not `Bearer <token>`")]
    MalformedHeader,
    #[error("the token is not a well-formed JWT")]
    MalformedToken,
    #[error("the token's algorithm is not RS256")]
    UnsupportedAlgorithm,
    #[error("the token's key id is not in the key set")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    #[error("the token was issued for another app client")]
    WrongAudience,
    #[error("the token is not an IdToken (nor an access token where those are accepted)")]
    WrongTokenUse,
    #[error("the token or claims carry no subject")]
    MissingSubject,
    #[error("the authorizer claims are not an object")]
    MalformedClaims,
    #[error("no token verifier is configured")]
    NotConfigured,
    #[error("the signing keys could not be fetched")]
    KeysUnavailable,
}

impl AuthError {
    /// A short machine name for logs (`reason = "expired"`).
    pub fn kind(self) -> &'static str {
        match self {
            Self::MissingCredentials => "missing_credentials",
            Self::MalformedHeader => "malformed_header",
            Self::MalformedToken => "malformed_token",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::WrongTokenUse => "wrong_token_use",
            Self::MissingSubject => "missing_subject",
            Self::MalformedClaims => "malformed_claims",
            Self::NotConfigured => "not_configured",
            Self::KeysUnavailable => "keys_unavailable",
        }
    }
}

/// The protected header fields the verifier reads.
#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<Value>,
}

/// Splits a compact JWS and reads its header: refuses anything but RS256 (`none`,
/// HS256, ...) before any key is looked up. Returns the `kid`.
pub(crate) fn parse_header(token: &str) -> Result<String, AuthError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::MalformedToken);
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(AuthError::MalformedToken);
    };
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| AuthError::MalformedToken)?;
    let header: RawHeader =
        serde_json::from_slice(&header).map_err(|_| AuthError::MalformedToken)?;
    if header.alg.as_deref() != Some(ACCEPTED_ALG) {
        return Err(AuthError::UnsupportedAlgorithm);
    }
    // Critical extensions must be understood; this verifier understands none.
    if header.crit.is_some() || payload.is_empty() || signature.is_empty() {
        return Err(AuthError::MalformedToken);
    }
    header
        .kid
        .filter(|kid| !kid.is_empty())
        .ok_or(AuthError::UnknownKey)
}

/// The cached signing keys.
#[derive(Debug, Default)]
struct KeyCache {
    keys: HashMap<String, Arc<DecodingKey>>,
    /// No fetch before this instant (`None`: never fetched).
    next_fetch: Option<Instant>,
    last_fetch_failed: bool,
}

/// Verifies Cognito IdTokens for one user pool and app client.
#[derive(Debug)]
pub struct JwtVerifier {
    config: AuthConfig,
    http: reqwest::Client,
    keys: RwLock<KeyCache>,
    /// Serialises key-set fetches: concurrent requests with one new `kid` fetch once.
    fetching: Mutex<()>,
    validation: Validation,
}

impl JwtVerifier {
    /// A verifier for `config`. Fetches nothing now (cold start): the key set is
    /// fetched on the first token.
    pub fn new(config: AuthConfig, http: reqwest::Client) -> Self {
        // jsonwebtoken checks the signature and algorithm only; every claim is checked
        // by `check_claims`, against the injectable clock.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        Self {
            config,
            http,
            keys: RwLock::new(KeyCache::default()),
            fetching: Mutex::new(()),
            validation,
        }
    }

    /// Verifies `token` now.
    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        self.verify_at(token, unix_now()).await
    }

    /// Verifies `token` as if the time were `now_unix` (seconds since the epoch).
    pub async fn verify_at(&self, token: &str, now_unix: i64) -> Result<Claims, AuthError> {
        self.verify_accepting_at(token, Accepted::IdTokens, now_unix)
            .await
    }

    /// Verifies now an IdToken or an access token of the pool and app client, as
    /// AppSync's Cognito user pool auth mode does (the REST authorizer's
    /// [`Self::verify`] keeps refusing access tokens).
    pub async fn verify_id_or_access(&self, token: &str) -> Result<Claims, AuthError> {
        self.verify_id_or_access_at(token, unix_now()).await
    }

    /// [`Self::verify_id_or_access`] as if the time were `now_unix`.
    pub async fn verify_id_or_access_at(
        &self,
        token: &str,
        now_unix: i64,
    ) -> Result<Claims, AuthError> {
        self.verify_accepting_at(token, Accepted::IdOrAccessTokens, now_unix)
            .await
    }

    async fn verify_accepting_at(
        &self,
        token: &str,
        accepted: Accepted,
        now_unix: i64,
    ) -> Result<Claims, AuthError> {
        let kid = parse_header(token)?;
        let key = self.key(&kid).await?;
        let data =
            jsonwebtoken::decode::<RawClaims>(token, &key, &self.validation).map_err(classify)?;
        check_claims_accepting(data.claims, &self.config, now_unix, accepted)
    }

    /// The key for `kid`, fetching the key set when it is unknown and the last fetch is
    /// old enough.
    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.keys.read().await.keys.get(kid) {
            return Ok(Arc::clone(key));
        }
        let _turn = self.fetching.lock().await;
        {
            // Another request may have fetched while this one waited.
            let cache = self.keys.read().await;
            if let Some(key) = cache.keys.get(kid) {
                return Ok(Arc::clone(key));
            }
            if cache.next_fetch.is_some_and(|at| Instant::now() < at) {
                return Err(if cache.last_fetch_failed {
                    AuthError::KeysUnavailable
                } else {
                    AuthError::UnknownKey
                });
            }
        }
        let fetched = self.fetch_keys().await;
        let mut cache = self.keys.write().await;
        match fetched {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "signing keys fetched");
                cache.keys = keys;
                cache.next_fetch = Some(Instant::now() + JWKS_REFRESH_INTERVAL);
                cache.last_fetch_failed = false;
                cache.keys.get(kid).cloned().ok_or(AuthError::UnknownKey)
            }
            Err(reason) => {
                tracing::warn!(jwks_url = %self.config.jwks_url, reason, "signing keys could not be fetched");
                cache.next_fetch = Some(Instant::now() + JWKS_RETRY_AFTER_FAILURE);
                cache.last_fetch_failed = true;
                Err(AuthError::KeysUnavailable)
            }
        }
    }

    /// The RS256 signing keys of the key set, by `kid`.
    async fn fetch_keys(&self) -> Result<HashMap<String, Arc<DecodingKey>>, String> {
        let response = self
            .http
            .get(&self.config.jwks_url)
            .timeout(JWKS_FETCH_TIMEOUT)
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("status {status}"));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err("key set too large".to_owned());
        }
        let body = response.bytes().await.map_err(|e| format!("body: {e}"))?;
        if body.len() > MAX_JWKS_BYTES {
            return Err("key set too large".to_owned());
        }
        signing_keys(&body)
    }
}

/// Parses a JWKS document, keeping RSA signature keys usable with RS256 (unparseable or
/// other keys are skipped, so one odd key does not disable the rest).
pub(crate) fn signing_keys(document: &[u8]) -> Result<HashMap<String, Arc<DecodingKey>>, String> {
    #[derive(Deserialize)]
    struct Document {
        keys: Vec<Value>,
    }
    let document: Document =
        serde_json::from_slice(document).map_err(|e| format!("not a key set: {e}"))?;
    let mut keys = HashMap::new();
    for value in document.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        if let Some((kid, key)) = rs256_key(&jwk) {
            keys.insert(kid, Arc::new(key));
        }
    }
    Ok(keys)
}

fn rs256_key(jwk: &Jwk) -> Option<(String, DecodingKey)> {
    let kid = jwk.common.key_id.clone().filter(|kid| !kid.is_empty())?;
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        return None;
    };
    if jwk
        .common
        .key_algorithm
        .is_some_and(|alg| alg != KeyAlgorithm::RS256)
    {
        return None;
    }
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|usage| *usage != PublicKeyUse::Signature)
    {
        return None;
    }
    let key = DecodingKey::from_rsa_components(&rsa.n, &rsa.e).ok()?;
    Some((kid, key))
}

fn classify(error: jsonwebtoken::errors::Error) -> AuthError {
    match error.kind() {
        ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => {
            AuthError::BadSignature
        }
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::UnsupportedAlgorithm => AuthError::UnsupportedAlgorithm,
        _ => AuthError::MalformedToken,
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
#[path = "jwt_claims_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "jwt_access_tests.rs"]
mod access_tests;

#[cfg(test)]
#[path = "jwt_keys_tests.rs"]
mod keys_tests;

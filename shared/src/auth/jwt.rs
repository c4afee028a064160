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

use super::config::AuthConfig;
use super::identity::parse_groups;

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
    aud: Option<Value>,
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
    client_id: Option<Value>,
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
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn config() -> AuthConfig {
        AuthConfig {
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool".to_owned(),
            audience: "client-1".to_owned(),
            jwks_url: "http://127.0.0.1:9/jwks.json".to_owned(),
        }
    }

    fn raw(overrides: Value) -> RawClaims {
        let mut claims = json!({
            "sub": "sub-1",
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool",
            "aud": "client-1",
            "token_use": "id",
            "iat": NOW - 10,
            "exp": NOW + 3590,
            "email": "a@holder.example",
            "cognito:groups": ["admin"],
        });
        if let (Some(claims), Some(overrides)) = (claims.as_object_mut(), overrides.as_object()) {
            for (key, value) in overrides {
                if value.is_null() {
                    claims.remove(key);
                } else {
                    claims.insert(key.clone(), value.clone());
                }
            }
        }
        serde_json::from_value(claims).unwrap_or_else(|e| panic!("{e}"))
    }

    fn check(overrides: Value, now: i64) -> Result<Claims, AuthError> {
        check_claims(raw(overrides), &config(), now)
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    fn token(header: &Value) -> String {
        format!("{}.{}.c2lnbmF0dXJl", b64(header), b64(&json!({"sub": "x"})))
    }

    #[test]
    fn a_fresh_id_token_for_the_pool_and_client_passes_the_claim_checks() {
        let claims = check(json!({}), NOW).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claims.sub, "sub-1");
        assert_eq!(claims.email.as_deref(), Some("a@holder.example"));
        assert_eq!(claims.groups, vec!["admin".to_owned()]);
    }

    #[test]
    fn expiry_is_checked_against_the_given_clock_with_a_minute_of_leeway() {
        let exp = NOW + 3590;
        assert!(check(json!({}), exp + CLOCK_SKEW_LEEWAY_SECS - 1).is_ok());
        assert_eq!(
            check(json!({}), exp + CLOCK_SKEW_LEEWAY_SECS).err(),
            Some(AuthError::Expired)
        );
        assert_eq!(check(json!({}), NOW + 7200).err(), Some(AuthError::Expired));
    }

    #[test]
    fn tokens_issued_or_valid_only_in_the_future_are_refused() {
        let iat = NOW - 10;
        assert!(check(json!({}), iat - CLOCK_SKEW_LEEWAY_SECS).is_ok());
        assert_eq!(
            check(json!({}), iat - CLOCK_SKEW_LEEWAY_SECS - 1).err(),
            Some(AuthError::NotYetValid)
        );
        assert_eq!(
            check(json!({"nbf": NOW + 600}), NOW).err(),
            Some(AuthError::NotYetValid)
        );
        assert!(check(json!({"nbf": NOW}), NOW).is_ok());
    }

    #[test]
    fn issuer_audience_and_token_use_must_match_exactly() {
        let other_pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other";
        assert_eq!(
            check(json!({"iss": other_pool}), NOW).err(),
            Some(AuthError::WrongIssuer)
        );
        assert_eq!(
            check(json!({"iss": null}), NOW).err(),
            Some(AuthError::WrongIssuer)
        );
        assert_eq!(
            check(json!({"aud": "client-2"}), NOW).err(),
            Some(AuthError::WrongAudience)
        );
        assert_eq!(
            check(json!({"aud": ["client-1"]}), NOW).err(),
            Some(AuthError::WrongAudience)
        );
        assert_eq!(
            check(json!({"aud": null}), NOW).err(),
            Some(AuthError::WrongAudience)
        );
        assert_eq!(
            check(json!({"token_use": "access"}), NOW).err(),
            Some(AuthError::WrongTokenUse)
        );
        assert_eq!(
            check(json!({"token_use": null}), NOW).err(),
            Some(AuthError::WrongTokenUse)
        );
    }

    #[test]
    fn a_token_without_subject_or_times_is_refused() {
        assert_eq!(
            check(json!({"sub": ""}), NOW).err(),
            Some(AuthError::MissingSubject)
        );
        assert_eq!(
            check(json!({"sub": null}), NOW).err(),
            Some(AuthError::MissingSubject)
        );
        assert_eq!(
            check(json!({"exp": null}), NOW).err(),
            Some(AuthError::MalformedToken)
        );
        assert_eq!(
            check(json!({"iat": null}), NOW).err(),
            Some(AuthError::MalformedToken)
        );
    }

    #[test]
    fn only_rs256_headers_with_a_key_id_are_accepted() {
        assert_eq!(
            parse_header(&token(&json!({"alg": "RS256", "kid": "k1"}))),
            Ok("k1".to_owned())
        );
        for alg in ["none", "None", "HS256", "RS512", "PS256", "ES256", ""] {
            assert_eq!(
                parse_header(&token(&json!({"alg": alg, "kid": "k1"}))),
                Err(AuthError::UnsupportedAlgorithm),
                "{alg}"
            );
        }
        assert_eq!(
            parse_header(&token(&json!({"kid": "k1"}))),
            Err(AuthError::UnsupportedAlgorithm)
        );
        assert_eq!(
            parse_header(&token(&json!({"alg": "RS256"}))),
            Err(AuthError::UnknownKey)
        );
        assert_eq!(
            parse_header(&token(
                &json!({"alg": "RS256", "kid": "k1", "crit": ["exp"]})
            )),
            Err(AuthError::MalformedToken)
        );
    }

    #[test]
    fn an_unsigned_token_is_refused_for_its_algorithm() {
        let unsigned = format!(
            "{}.{}.",
            b64(&json!({"alg": "none"})),
            b64(&json!({"sub": "x"}))
        );
        assert_eq!(
            parse_header(&unsigned),
            Err(AuthError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn strings_that_are_not_compact_jwts_are_malformed() {
        let header = b64(&json!({"alg": "RS256", "kid": "k"}));
        let oversized = format!("{header}.{}.sig", "a".repeat(MAX_TOKEN_BYTES));
        for token in [
            "",
            "a.b",
            "a.b.c.d",
            "!!!.b.c",
            &format!("{}.e30.sig", URL_SAFE_NO_PAD.encode("not json")),
            &format!("{header}..sig"),
            &format!("{header}.e30."),
            &oversized,
        ] {
            assert_eq!(
                parse_header(token),
                Err(AuthError::MalformedToken),
                "{token:.40}"
            );
        }
    }

    #[test]
    fn only_rsa_signature_keys_for_rs256_are_kept_from_the_key_set() {
        let n = URL_SAFE_NO_PAD.encode([0xC5_u8; 256]);
        let document = json!({"keys": [
            {"kty": "RSA", "kid": "rsa", "alg": "RS256", "use": "sig", "n": n, "e": "AQAB"},
            {"kty": "RSA", "kid": "bare", "n": n, "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": n, "e": "AQAB"},
            {"kty": "RSA", "kid": "rs512", "alg": "RS512", "n": n, "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "n": n, "e": "AQAB"},
            {"unexpected": true},
        ]});
        let keys = signing_keys(document.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        assert_eq!(kids, vec!["bare", "rsa"]);
        assert!(signing_keys(b"[]").is_err());
    }

    /// A JWKS endpoint on a loopback port that counts its requests.
    fn jwks_server() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let url = format!(
            "http://{}/jwks.json",
            listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
        );
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut buffer = [0_u8; 4096];
                let _ = stream.read(&mut buffer);
                counter.fetch_add(1, Ordering::SeqCst);
                let body = r#"{"keys":[]}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, hits)
    }

    #[tokio::test]
    async fn nothing_is_fetched_before_the_first_token_nor_for_a_refused_algorithm() {
        let (jwks_url, hits) = jwks_server();
        let verifier = JwtVerifier::new(
            AuthConfig {
                jwks_url,
                ..config()
            },
            reqwest::Client::new(),
        );
        let hs256 = token(&json!({"alg": "HS256", "kid": "k1"}));
        assert_eq!(
            verifier.verify(&hs256).await.err(),
            Some(AuthError::UnsupportedAlgorithm)
        );
        assert_eq!(hits.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn unknown_key_ids_refresh_the_key_set_at_most_once_a_minute() {
        let (jwks_url, hits) = jwks_server();
        let verifier = JwtVerifier::new(
            AuthConfig {
                jwks_url,
                ..config()
            },
            reqwest::Client::new(),
        );
        for kid in ["k1", "k2", "k3", "k1"] {
            let forged = token(&json!({"alg": "RS256", "kid": kid}));
            assert_eq!(
                verifier.verify(&forged).await.err(),
                Some(AuthError::UnknownKey),
                "{kid}"
            );
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_unreachable_key_set_is_reported_as_unavailable_not_as_a_bad_token() {
        let verifier = JwtVerifier::new(config(), reqwest::Client::new());
        let forged = token(&json!({"alg": "RS256", "kid": "k1"}));
        assert_eq!(
            verifier.verify(&forged).await.err(),
            Some(AuthError::KeysUnavailable)
        );
        // Within the retry delay the failure is remembered, not retried.
        assert_eq!(
            verifier.verify(&forged).await.err(),
            Some(AuthError::KeysUnavailable)
        );
    }

    #[test]
    fn claims_debug_output_hides_personal_data() {
        let claims = check(json!({"cognito:username": "alice@holder.example"}), NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{claims:?}");
        assert!(shown.contains("sub-1"));
        assert!(!shown.contains("holder.example"));
    }
}

#[cfg(test)]
#[path = "jwt_access_tests.rs"]
mod access_tests;

#[cfg(test)]
#[path = "jwt_keys_tests.rs"]
mod keys_tests;

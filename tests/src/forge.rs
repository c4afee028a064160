//! Forged and altered JWTs for the authentication tests: every token here must be
//! refused by the verifier and by the gateway's authorizer.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// The three segments of a compact JWS.
pub fn segments(token: &str) -> [String; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS: {token}");
    [
        parts[0].to_owned(),
        parts[1].to_owned(),
        parts[2].to_owned(),
    ]
}

/// The token's claims.
pub fn payload(token: &str) -> Value {
    let [_, payload, _] = segments(token);
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap_or_else(|e| panic!("payload: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("payload: {e}"))
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The same claims under `alg: none`, with no signature.
pub fn unsigned(token: &str) -> String {
    let [_, payload, _] = segments(token);
    format!(
        "{}.{payload}.",
        b64_json(&json!({"alg": "none", "typ": "JWT"}))
    )
}

/// The same token claiming a key id the pool does not have.
pub fn with_kid(token: &str, kid: &str) -> String {
    let [_, payload, signature] = segments(token);
    format!(
        "{}.{payload}.{signature}",
        b64_json(&json!({"alg": "RS256", "kid": kid}))
    )
}

/// The token with one character of its payload changed.
pub fn tampered(token: &str) -> String {
    let [header, payload, signature] = segments(token);
    let mut chars: Vec<char> = payload.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    format!(
        "{header}.{}.{signature}",
        chars.into_iter().collect::<String>()
    )
}

/// HS256 tokens with `id_token`'s claims, keyed with public material of the pool's RSA
/// key served at `jwks_url`: the modulus bytes, the modulus text, the JWK JSON and the
/// whole JWKS text.
pub async fn hs256_forgeries(
    http: &reqwest::Client,
    jwks_url: &str,
    id_token: &str,
) -> Vec<String> {
    let jwks_text = http
        .get(jwks_url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("JWKS: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("JWKS body: {e}"));
    let set: JwkSet = serde_json::from_str(&jwks_text).unwrap_or_else(|e| panic!("JWKS JSON: {e}"));
    let jwk = set
        .keys
        .first()
        .unwrap_or_else(|| panic!("the JWKS has a key"));
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        panic!("moto's key is RSA");
    };
    let modulus = URL_SAFE_NO_PAD
        .decode(&rsa.n)
        .unwrap_or_else(|e| panic!("n: {e}"));
    let jwk_json = serde_json::to_string(jwk).unwrap_or_default();
    let claims = payload(id_token);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = jwk.common.key_id.clone();
    [
        modulus,
        rsa.n.clone().into_bytes(),
        jwk_json.into_bytes(),
        jwks_text.into_bytes(),
    ]
    .iter()
    .map(|secret| {
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret))
            .unwrap_or_else(|e| panic!("HS256 forgery: {e}"))
    })
    .collect()
}

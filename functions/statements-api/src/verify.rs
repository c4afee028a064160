//! `POST /statements/verify`: a statement as JSON in, `{signatureValid, chainValid,
//! problems}` out, checked with the signing key's public half (fetched from KMS once
//! per execution environment).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::http::{ApiError, json, require_json_content_type};
use shared::statement::{Statement, verify};
use tokio::sync::OnceCell;

/// The largest statement accepted (a month of several thousand entries).
pub const MAX_STATEMENT_BYTES: usize = 4 * 1024 * 1024;

/// The public key, fetched once.
#[derive(Debug)]
pub struct PublicKey {
    kms: aws_sdk_kms::Client,
    key_id: String,
    der: OnceCell<Vec<u8>>,
}

impl PublicKey {
    pub fn new(kms: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        Self {
            kms,
            key_id: key_id.into(),
            der: OnceCell::new(),
        }
    }

    /// The DER SubjectPublicKeyInfo; a KMS failure is a 503 (retried next request).
    async fn der(&self) -> Result<&[u8], ApiError> {
        let der = self
            .der
            .get_or_try_init(|| async {
                let output = self
                    .kms
                    .get_public_key()
                    .key_id(&self.key_id)
                    .send()
                    .await
                    .map_err(|e| {
                        tracing::error!(error = ?e, "KMS GetPublicKey failed");
                        ApiError::unavailable()
                    })?;
                output
                    .public_key()
                    .map(|k| k.as_ref().to_vec())
                    .ok_or_else(ApiError::unavailable)
            })
            .await?;
        Ok(der)
    }

    /// Handles the route.
    pub async fn handle(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        let statement = statement_body(request)?;
        let verification = verify(&statement, self.der().await?);
        Ok(json(StatusCode::OK, &verification))
    }
}

/// The body as a [`Statement`]: 415 for another content type, 413 over
/// [`MAX_STATEMENT_BYTES`], 400 `MALFORMED_JSON` / `VALIDATION_ERROR` naming the field.
fn statement_body(request: &Request) -> Result<Statement, ApiError> {
    require_json_content_type(request)?;
    let bytes: &[u8] = match request.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_STATEMENT_BYTES {
        return Err(ApiError::payload_too_large(MAX_STATEMENT_BYTES));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed_json(
            "The request body is empty; the statement JSON is required.",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let statement: Statement =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() || path == "." {
                ApiError::malformed_json(format!("The request body is not a statement: {inner}."))
            } else {
                ApiError::validation(&path, format!("`{path}`: {inner}."))
            }
        })?;
    deserializer.end().map_err(|e| {
        ApiError::malformed_json(format!("The request body is not valid JSON: {e}."))
    })?;
    Ok(statement)
}

//! `POST /statements/verify`: a statement as JSON in, `{signatureValid, chainValid,
//! problems}` out, checked with the signing key's public half (fetched from KMS once
//! per execution environment).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::http::{ApiError, json, json_body_up_to};
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
        // 415 for another content type, 413 over the limit, 400 naming what is wrong.
        let statement: Statement = json_body_up_to(request, MAX_STATEMENT_BYTES)?;
        let verification = verify(&statement, self.der().await?);
        Ok(json(StatusCode::OK, &verification))
    }
}

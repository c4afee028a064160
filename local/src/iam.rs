//! The runtime's one IAM principal, as AppSync's `AWS_IAM` auth mode sees it: a request
//! SigV4-signed for `appsync` in [`REGION`] with the runtime's own credentials (the
//! SDK configuration's: `test`/`test` with the emulators) passes, checked as AWS
//! checks it by [`shared::events::sigv4::verify`]. The Events API's publish and the
//! GraphQL API's IAM mode both ask this one check. There is no IAM policy evaluation:
//! the signature is the whole grant. Refusal reasons are kinds, never a key.

use std::time::SystemTime;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use axum::http::{HeaderMap, Uri};
use shared::events::sigv4::VerifyError;

use crate::template::{ACCOUNT_ID, REGION};

/// What a SigV4 `Authorization` header starts with.
const SIGV4_PREFIX: &str = "AWS4-HMAC-SHA256 ";

/// The local principal's user name.
pub const USER_NAME: &str = "local";

/// The local principal's ARN: an IAM user of the template's account.
pub fn user_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:user/{USER_NAME}")
}

/// An HTTP request as SigV4 signs it.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The local IAM principal: whoever signs with the runtime's credentials.
#[derive(Debug, Clone, Default)]
pub struct LocalIam {
    /// `None`: the runtime has no credentials, and every signature is refused.
    credentials: Option<SharedCredentialsProvider>,
}

impl LocalIam {
    /// The principal of `sdk`'s credentials.
    pub fn new(sdk: &shared::aws::SdkConfig) -> Self {
        Self {
            credentials: sdk.sdk().credentials_provider(),
        }
    }

    /// The principal of `credentials` (tests).
    pub fn with_credentials(credentials: SharedCredentialsProvider) -> Self {
        Self {
            credentials: Some(credentials),
        }
    }

    /// Whether `signed` is signed for `appsync` in [`REGION`] by this principal, now;
    /// why not otherwise.
    pub async fn verify(&self, signed: &SignedRequest<'_>) -> Result<(), Refusal> {
        let provider = self.credentials.as_ref().ok_or(Refusal::NoCredentials)?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|_| Refusal::Unavailable)?;
        shared::events::sigv4::verify(
            signed.method,
            signed.url,
            signed.headers,
            signed.body,
            &credentials,
            REGION,
            SystemTime::now(),
        )?;
        Ok(())
    }
}

/// Why a request is not the local principal's (a kind: never a key or a signature).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("iam: the runtime has no credentials")]
    NoCredentials,
    #[error("iam: the runtime's credentials are unavailable")]
    Unavailable,
    #[error("iam: {0}")]
    Signature(#[from] VerifyError),
}

/// Whether an `Authorization` value is a SigV4 signature (the IAM mode) rather than a
/// token.
pub fn is_signature(authorization: &str) -> bool {
    authorization.trim_start().starts_with(SIGV4_PREFIX)
}

/// The request's headers as text (a value that is not text cannot be signed).
pub fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// The URL a client signed: its `Host` and the request's path and query (SigV4 signs
/// those, not the scheme).
pub fn signed_url(headers: &HeaderMap, uri: &Uri) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    format!("http://{host}{path}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use aws_credential_types::Credentials;

    use super::*;

    #[tokio::test]
    async fn a_request_signed_with_the_runtimes_credentials_passes_and_another_key_does_not() {
        let mine = Credentials::new("test", "test", None, None, "local");
        let iam = LocalIam::with_credentials(SharedCredentialsProvider::new(mine.clone()));
        let url = "http://127.0.0.1:3000/graphql";
        let body = br#"{"query":"{ accounts { nextToken } }"}"#;
        let sign = |credentials: &Credentials| {
            let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
            headers.extend(
                shared::events::sigv4::sign_headers(
                    "POST",
                    url,
                    &headers,
                    body,
                    credentials,
                    REGION,
                    SystemTime::now(),
                )
                .unwrap(),
            );
            headers.push(("host".to_owned(), "127.0.0.1:3000".to_owned()));
            headers
        };
        let request = |headers| SignedRequest {
            method: "POST",
            url,
            headers,
            body,
        };
        let signed = sign(&mine);
        assert_eq!(iam.verify(&request(&signed)).await, Ok(()));
        let stranger = sign(&Credentials::new("test", "other", None, None, "x"));
        assert_eq!(
            iam.verify(&request(&stranger)).await,
            Err(Refusal::Signature(VerifyError::Mismatch))
        );
        let without = LocalIam::default();
        assert_eq!(
            without.verify(&request(&signed)).await,
            Err(Refusal::NoCredentials)
        );
        assert!(is_signature(
            signed
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.as_str())
                .unwrap()
        ));
        assert!(!is_signature("eyJhbGciOiJSUzI1NiJ9.e30.sig"));
    }
}

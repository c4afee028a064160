//! Publishing live events: `POST https://<http domain>/event` with
//! `{"channel", "events": ["<json>", ...]}` (at most five), signed with SigV4 for
//! service `appsync` from the function's own credentials (its role needs
//! `appsync:EventPublish` on the namespace's channels).

use std::time::SystemTime;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use serde::Deserialize;

use super::MAX_EVENTS_PER_PUBLISH;
use super::sigv4::sign_headers;

/// Where the HTTP endpoint's URL comes from: `https://<Dns.Http>/event` on AWS,
/// `.../event` of the local runtime locally. Unset: live events are off.
pub const EVENTS_URL_ENV: &str = "EVENTS_HTTP_URL";

/// Why a publish failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publish failed ({code}, {}): {message}", if *.transient { "transient" } else { "refused" })]
pub struct PublishError {
    /// AWS's error type (`x-amzn-errortype`), the HTTP status, or `Transport`.
    pub code: String,
    pub message: String,
    /// Whether trying again can help (throttling, a 5xx, a transport failure).
    pub transient: bool,
}

impl PublishError {
    fn new(code: impl Into<String>, message: impl Into<String>, transient: bool) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            transient,
        }
    }
}

/// AppSync Events' answer to a publish.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    failed: Vec<Failed>,
}

#[derive(Debug, Deserialize)]
struct Failed {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// A SigV4-signing client of one Event API's HTTP endpoint.
#[derive(Debug, Clone)]
pub struct Publisher {
    url: String,
    region: String,
    credentials: SharedCredentialsProvider,
    http: reqwest::Client,
}

impl Publisher {
    /// A publisher to `url` with `config`'s region and credentials; `None` when the
    /// configuration has no credentials provider.
    pub fn new(url: &str, config: &crate::aws::SdkConfig, http: reqwest::Client) -> Option<Self> {
        let sdk = config.sdk();
        Some(Self {
            url: url.to_owned(),
            region: sdk
                .region()
                .map_or_else(|| "us-east-1".to_owned(), ToString::to_string),
            credentials: sdk.credentials_provider()?,
            http,
        })
    }

    /// Publishes `events` (JSON texts, at most five) to `channel`.
    pub async fn publish(&self, channel: &str, events: &[String]) -> Result<(), PublishError> {
        if events.is_empty() || events.len() > MAX_EVENTS_PER_PUBLISH {
            return Err(PublishError::new(
                "BadRequestException",
                format!("1 to {MAX_EVENTS_PER_PUBLISH} events per publish"),
                false,
            ));
        }
        let body = serde_json::to_vec(&serde_json::json!({ "channel": channel, "events": events }))
            .map_err(|e| PublishError::new("Serialization", e.to_string(), false))?;
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| PublishError::new("Credentials", e.to_string(), true))?;
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        let signed = sign_headers(
            "POST",
            &self.url,
            &headers,
            &body,
            &credentials,
            &self.region,
            SystemTime::now(),
        )
        .map_err(|e| PublishError::new("Signing", e.to_string(), false))?;
        let mut request = self.http.post(&self.url).body(body);
        for (name, value) in headers.iter().chain(&signed) {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| PublishError::new("Transport", e.to_string(), true))?;
        answer(response).await
    }
}

async fn answer(response: reqwest::Response) -> Result<(), PublishError> {
    let status = response.status();
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_owned());
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        let transient = status.is_server_error() || status.as_u16() == 429;
        let code = error_type.unwrap_or_else(|| status.as_u16().to_string());
        return Err(PublishError::new(code, truncate(&text), transient));
    }
    let answer: Answer = serde_json::from_str(&text)
        .map_err(|e| PublishError::new("UnreadableAnswer", e.to_string(), true))?;
    match answer.failed.first() {
        None => Ok(()),
        Some(failed) => Err(PublishError::new(
            failed.code.clone().unwrap_or_else(|| "Failed".to_owned()),
            failed.message.clone().unwrap_or_default(),
            true,
        )),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}

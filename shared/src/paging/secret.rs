//! The page token key from AWS Secrets Manager: the secret the template creates
//! (`PageTokenSecret`), named to the function by `PAGE_TOKEN_SECRET_ARN`. Read once per
//! execution environment, at init; its value is never logged.

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;

use super::PageSealer;
use crate::aws::SdkConfig;

/// The variable naming the secret (its ARN).
pub const SECRET_ARN_ENV: &str = "PAGE_TOKEN_SECRET_ARN";

/// The sealer keyed by the secret `PAGE_TOKEN_SECRET_ARN` names.
pub async fn from_env(config: &SdkConfig) -> Result<PageSealer, String> {
    let arn = std::env::var(SECRET_ARN_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| format!("{SECRET_ARN_ENV} is not set"))?;
    load(config, &arn).await
}

/// The sealer keyed by the string value of the secret `secret_id` (name or ARN).
pub async fn load(config: &SdkConfig, secret_id: &str) -> Result<PageSealer, String> {
    let output = crate::aws::secretsmanager(config)
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| {
            format!(
                "GetSecretValue {secret_id}: {}",
                e.code().unwrap_or("no answer from Secrets Manager")
            )
        })?;
    let secret = output
        .secret_string()
        .ok_or_else(|| format!("secret {secret_id} has no string value"))?;
    PageSealer::from_secret(secret).map_err(|e| format!("secret {secret_id}: {e}"))
}

//! AWS SDK clients, built once per process from the standard configuration chain.
//!
//! Endpoints come from the SDK's own variables (`AWS_ENDPOINT_URL`, and per service
//! `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_SNS`,
//! `AWS_ENDPOINT_URL_SESV2`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`,
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_KMS`), so
//! one binary talks to AWS or to the local emulators with no code branch. (S3 alone
//! needs one adjustment: see [`s3_client`].)
//!
//! [`SdkConfig`] is the SDK's shared configuration plus the SDK interceptors every
//! client built from it carries. Lambdas carry none; benchmarks attach a request
//! counter and the chaos tests a fault injector, through the SDK's own interceptor
//! mechanism, without a code path of their own in the functions.

use std::fmt;

pub use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};

/// The SDK's shared configuration and the interceptors added to every client.
#[derive(Clone)]
pub struct SdkConfig {
    sdk: aws_config::SdkConfig,
    interceptors: Vec<SharedInterceptor>,
}

impl fmt::Debug for SdkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdkConfig")
            .field("region", &self.sdk.region())
            .field("interceptors", &self.interceptors.len())
            .finish_non_exhaustive()
    }
}

impl From<aws_config::SdkConfig> for SdkConfig {
    fn from(sdk: aws_config::SdkConfig) -> Self {
        Self {
            sdk,
            interceptors: Vec::new(),
        }
    }
}

impl SdkConfig {
    /// The same configuration, whose clients also run `interceptor` on every call.
    #[must_use]
    pub fn with_interceptor(mut self, interceptor: impl Intercept + 'static) -> Self {
        self.interceptors.push(SharedInterceptor::new(interceptor));
        self
    }

    /// The same configuration with every call (SDK retries included) bounded by
    /// `timeouts`.
    #[must_use]
    pub fn with_timeouts(&self, timeouts: aws_config::timeout::TimeoutConfig) -> Self {
        Self {
            sdk: self.sdk.to_builder().timeout_config(timeouts).build(),
            interceptors: self.interceptors.clone(),
        }
    }

    /// The same configuration without any added interceptor.
    #[must_use]
    pub fn plain(&self) -> Self {
        Self::from(self.sdk.clone())
    }

    /// The SDK's own configuration (for clients this module does not build; they
    /// carry no added interceptor).
    pub const fn sdk(&self) -> &aws_config::SdkConfig {
        &self.sdk
    }

    /// The added interceptors.
    pub fn interceptors(&self) -> impl Iterator<Item = SharedInterceptor> + '_ {
        self.interceptors.iter().cloned()
    }
}

/// Loads region, credentials and endpoints from the environment (Lambda's, or the
/// emulators' `.local/emulators.env`). Call once at init and share the result.
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
        .into()
}

/// Builds a service client from `config`, with its interceptors.
macro_rules! client {
    ($(#[$doc:meta])* $feature:literal, $name:ident, $krate:ident) => {
        $(#[$doc])*
        #[cfg(feature = $feature)]
        pub fn $name(config: &SdkConfig) -> $krate::Client {
            let mut builder = $krate::config::Builder::from(config.sdk());
            for interceptor in config.interceptors() {
                builder.push_interceptor(interceptor);
            }
            $krate::Client::from_conf(builder.build())
        }
    };
}

client!(
    /// A DynamoDB client for `config`.
    "dynamodb", dynamodb, aws_sdk_dynamodb
);
client!(
    /// An SQS client for `config`.
    "sqs", sqs, aws_sdk_sqs
);
client!(
    /// An SNS client for `config` (SMS notifications).
    "sns", sns, aws_sdk_sns
);
client!(
    /// An SES v2 client for `config` (email notifications).
    "sesv2", sesv2, aws_sdk_sesv2
);
client!(
    /// A Cognito user-pool client for `config`.
    "cognito", cognito, aws_sdk_cognitoidentityprovider
);
client!(
    /// A Secrets Manager client for `config` (the page token key).
    "secretsmanager", secretsmanager, aws_sdk_secretsmanager
);
client!(
    /// A KMS client for `config` (the statement signing key).
    "kms", kms, aws_sdk_kms
);

/// An S3 client for `config`, with its interceptors.
///
/// Against an endpoint override (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, or an
/// `endpoint_url` in the profile or the loader) it addresses buckets path-style
/// (`http://host:port/bucket/key`): an emulator on `127.0.0.1` has no
/// `bucket.127.0.0.1` host names. Against AWS's own endpoints it keeps the default,
/// virtual-hosted addressing.
#[cfg(feature = "s3")]
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(config.sdk());
    if s3_endpoint_override(config.sdk()).is_some() {
        builder = builder.force_path_style(true);
    }
    for interceptor in config.interceptors() {
        builder.push_interceptor(interceptor);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// A presigned GET URL of `key` in `bucket`, valid for `lifetime` (a statement's PDF,
/// for its holder); the error says what failed. Signed with the client's credentials:
/// with temporary ones (a Lambda role) the URL dies with them.
#[cfg(feature = "s3")]
pub async fn presigned_get(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    lifetime: std::time::Duration,
) -> Result<String, String> {
    let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(lifetime)
        .map_err(|e| format!("presigning config: {e}"))?;
    let request = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .presigned(config)
        .await
        .map_err(|e| {
            format!(
                "presigning GetObject: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        })?;
    Ok(request.uri().to_owned())
}

/// The endpoint S3 clients built from `sdk` are pointed at, when one is configured:
/// what `aws_sdk_s3::config::Builder::from` reads, in the same order (an endpoint
/// set on the loader in code first, then S3's own, then the global one).
#[cfg(feature = "s3")]
fn s3_endpoint_override(sdk: &aws_config::SdkConfig) -> Option<String> {
    if sdk.get_origin("endpoint_url").is_client_config() {
        return sdk.endpoint_url().map(str::to_owned);
    }
    let key = aws_types::service_config::ServiceConfigKey::builder()
        .service_id("S3")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    sdk.service_config()
        .and_then(|service| service.load_config(key))
        .or_else(|| sdk.endpoint_url().map(str::to_owned))
}

#[cfg(all(test, feature = "s3"))]
mod s3_tests;

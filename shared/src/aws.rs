//! AWS SDK clients, built once per process from the standard configuration chain.
//!
//! Endpoints come from the SDK's own variables (`AWS_ENDPOINT_URL`, and per service
//! `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_SNS`,
//! `AWS_ENDPOINT_URL_SESV2`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`,
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER`), so one binary
//! talks to AWS or to the local emulators with no code branch.
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

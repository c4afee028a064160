//! AWS SDK clients, built once per process from the standard configuration chain.
//!
//! Endpoints come from the SDK's own variables (`AWS_ENDPOINT_URL`, and per service
//! `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_SNS`,
//! `AWS_ENDPOINT_URL_SESV2`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`), so one binary
//! talks to AWS or to the local emulators with no code branch.

pub use aws_config::SdkConfig;

/// Loads region, credentials and endpoints from the environment (Lambda's, or the
/// emulators' `.local/emulators.env`). Call once at init and share the result.
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}

/// A DynamoDB client for `config`.
#[cfg(feature = "dynamodb")]
pub fn dynamodb(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

/// An SQS client for `config`.
#[cfg(feature = "sqs")]
pub fn sqs(config: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}

/// An SNS client for `config` (SMS notifications).
#[cfg(feature = "sns")]
pub fn sns(config: &SdkConfig) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::new(config)
}

/// An SES v2 client for `config` (email notifications).
#[cfg(feature = "sesv2")]
pub fn sesv2(config: &SdkConfig) -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::new(config)
}

/// A Cognito user-pool client for `config`.
#[cfg(feature = "cognito")]
pub fn cognito(config: &SdkConfig) -> aws_sdk_cognitoidentityprovider::Client {
    aws_sdk_cognitoidentityprovider::Client::new(config)
}

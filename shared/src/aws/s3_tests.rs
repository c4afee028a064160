//! [`super::s3_client`]: path-style addressing exactly when an endpoint is overridden.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

use super::{SdkConfig, s3_client};

/// What `AWS_ENDPOINT_URL_S3` (or another service's variable) would give, without
/// touching the process environment.
#[derive(Debug)]
struct ServiceEndpoint {
    service: &'static str,
    url: &'static str,
}

impl LoadServiceConfig for ServiceEndpoint {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        (key.service_id() == self.service && key.env() == "AWS_ENDPOINT_URL")
            .then(|| self.url.to_owned())
    }
}

fn sdk() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        )))
        .build()
}

/// The URL of a presigned `GetObject` of `statements/a.json` by `s3_client(config)`.
async fn presigned_url(config: aws_config::SdkConfig) -> String {
    let client = s3_client(&SdkConfig::from(config));
    client
        .get_object()
        .bucket("statements")
        .key("a.json")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(60)).unwrap())
        .await
        .unwrap()
        .uri()
        .to_owned()
}

#[tokio::test]
async fn an_s3_endpoint_variable_makes_buckets_addressed_by_path() {
    let config = sdk()
        .into_builder()
        .service_config(ServiceEndpoint {
            service: "S3",
            url: "http://127.0.0.1:5000",
        })
        .build();
    let url = presigned_url(config).await;
    assert!(
        url.starts_with("http://127.0.0.1:5000/statements/a.json?"),
        "{url}"
    );
}

#[tokio::test]
async fn a_global_endpoint_override_makes_buckets_addressed_by_path_too() {
    let config = sdk()
        .into_builder()
        .endpoint_url("http://127.0.0.1:5001")
        .build();
    let url = presigned_url(config).await;
    assert!(
        url.starts_with("http://127.0.0.1:5001/statements/a.json?"),
        "{url}"
    );
}

#[tokio::test]
async fn another_services_endpoint_leaves_s3_on_aws_virtual_hosted() {
    let config = sdk()
        .into_builder()
        .service_config(ServiceEndpoint {
            service: "SQS",
            url: "http://127.0.0.1:5002",
        })
        .build();
    let url = presigned_url(config).await;
    assert!(
        url.starts_with("https://statements.s3.us-east-1.amazonaws.com/a.json?")
            || url.starts_with("https://statements.s3.amazonaws.com/a.json?"),
        "{url}"
    );
}

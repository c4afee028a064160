//! The bucket and the KMS key, provisioned from a template on moto (the emulators
//! `make test` starts); bucket names.

#![allow(clippy::unwrap_used)]

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use serde_json::json;

use super::{Clients, bucket, key, provision};
use crate::template::{Resolver, Template};

/// Clients for the emulators `make test` starts (their endpoints from the
/// environment, as the local runtime reads them).
async fn moto_clients() -> Clients {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_KMS").is_ok(),
        "AWS_ENDPOINT_URL_KMS is not set: run under scripts/with-emulators.sh (`make test`)"
    );
    Clients::new(&shared::aws::load_config().await)
}

fn template(key_spec: &str) -> Template {
    Template::parse(&format!(
        "Resources:
  StatementsBucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {{Status: Enabled}}
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
  StatementSigningKey:
    Type: AWS::KMS::Key
    Properties:
      Description: Signs statements.
      KeySpec: {key_spec}
      KeyUsage: SIGN_VERIFY
"
    ))
    .unwrap()
}

async fn provisioned(template: &Template, stack_name: &str, clients: &Clients) -> Resolver {
    let mut resolver = Resolver {
        stack_name: stack_name.to_owned(),
        ..Resolver::default()
    };
    provision(template, &mut resolver, clients).await.unwrap();
    resolver
}

#[tokio::test]
async fn the_bucket_and_the_signing_key_are_made_once_and_found_again_by_the_next_run() {
    let clients = moto_clients().await;
    let stack = format!("Prov-{}", uuid::Uuid::new_v4().simple());
    let first = provisioned(&template("ECC_NIST_P256"), &stack, &clients).await;

    let bucket = first.refs["StatementsBucket"].clone();
    assert_eq!(bucket, format!("{}-statementsbucket", stack.to_lowercase()));
    assert_eq!(
        first.attrs["StatementsBucket.Arn"],
        format!("arn:aws:s3:::{bucket}")
    );
    // (moto's GetBucketVersioning answer has a root element the SDK does not read:
    // versioning is checked by what it does.)
    for body in ["first", "second"] {
        let put = clients.s3.put_object().bucket(&bucket).key("a.json");
        put.body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let versions = clients
        .s3
        .list_object_versions()
        .bucket(&bucket)
        .send()
        .await;
    assert_eq!(versions.unwrap().versions().len(), 2);
    let block = clients
        .s3
        .get_public_access_block()
        .bucket(&bucket)
        .send()
        .await;
    let block = block
        .unwrap()
        .public_access_block_configuration()
        .cloned()
        .unwrap();
    assert_eq!(
        [
            block.block_public_acls(),
            block.ignore_public_acls(),
            block.block_public_policy(),
            block.restrict_public_buckets()
        ],
        [Some(true); 4]
    );

    let key_id = first.refs["StatementSigningKey"].clone();
    assert_eq!(first.attrs["StatementSigningKey.KeyId"], key_id);
    assert!(first.attrs["StatementSigningKey.Arn"].ends_with(&format!("key/{key_id}")));
    let described = clients
        .kms
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(metadata.key_spec(), Some(&KeySpec::EccNistP256));
    assert_eq!(metadata.key_usage(), Some(&KeyUsageType::SignVerify));
    // `Ref` resolves to the key id, `GetAtt Arn` to its ARN, in functions' variables.
    let variables = first.resolve(&json!({
        "KEY": {"Ref": "StatementSigningKey"},
        "ARN": {"Fn::GetAtt": ["StatementSigningKey", "Arn"]},
        "BUCKET": {"Ref": "StatementsBucket"},
    }));
    assert_eq!(variables["KEY"], key_id.as_str());
    assert_eq!(
        variables["ARN"],
        first.attrs["StatementSigningKey.Arn"].as_str()
    );
    assert_eq!(variables["BUCKET"], bucket.as_str());

    // The next run against the same emulators: the same bucket and the same key.
    let again = provisioned(&template("ECC_NIST_P256"), &stack, &clients).await;
    assert_eq!(again.refs["StatementsBucket"], bucket);
    assert_eq!(again.refs["StatementSigningKey"], key_id);

    // Another stack gets its own key; a changed spec a new key, which the alias follows.
    let other = provisioned(&template("ECC_NIST_P256"), &format!("{stack}-b"), &clients).await;
    assert_ne!(other.refs["StatementSigningKey"], key_id);
    let changed = provisioned(&template("ECC_NIST_P384"), &stack, &clients).await;
    let new_id = changed.refs["StatementSigningKey"].clone();
    assert_ne!(new_id, key_id);
    let alias = key::alias_name(&stack, "StatementSigningKey");
    let by_alias = clients
        .kms
        .describe_key()
        .key_id(alias)
        .send()
        .await
        .unwrap();
    assert_eq!(by_alias.key_metadata().unwrap().key_id(), new_id);
}

#[test]
fn a_generated_bucket_name_is_what_s3_accepts() {
    let name = |id: &str, stack: &str| bucket::bucket_name(id, &json!({}), stack);
    assert_eq!(
        name("StatementsBucket", "banking-local"),
        "banking-local-statementsbucket"
    );
    assert_eq!(name("Bucket", "My_Stack.1"), "my-stack-1-bucket");
    let long = name("StatementsBucket", &"s".repeat(62));
    assert_eq!(long.len(), 62, "{long}"); // 63 with the `-` trimmed at the end
    assert!(!long.ends_with('-'));
    let given = json!({"BucketName": "given-name"});
    assert_eq!(bucket::bucket_name("B", &given, "stack"), "given-name");
}

#[test]
fn a_key_alias_keeps_only_what_kms_accepts() {
    assert_eq!(
        key::alias_name("banking-local", "StatementSigningKey"),
        "alias/bank/banking-local/StatementSigningKey"
    );
    assert_eq!(key::alias_name("a.b c", "K"), "alias/bank/a-b-c/K");
}

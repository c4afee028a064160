//! `AWS::S3::Bucket`: the bucket on moto, named as CloudFormation would name it, with
//! the template's versioning and public access block. (Its encryption, ownership
//! controls and lifecycle rules change nothing a local client sees and are not set;
//! neither is an `AWS::S3::BucketPolicy`: moto does not enforce one, and the local
//! endpoint is plain HTTP, which the template's policy refuses.)

use aws_sdk_s3::types::{
    BucketVersioningStatus, PublicAccessBlockConfiguration, VersioningConfiguration,
};
use serde_json::Value;

use super::{ProvisionError, fail};
use crate::template::{REGION, Resolver, scalar};

/// S3's longest bucket name.
const MAX_NAME_LENGTH: usize = 63;

/// The bucket's name: its `BucketName`, else `<stack>-<logical id>` as CloudFormation
/// makes one (without its random suffix): lower case, what S3 does not accept turned
/// into `-`, at most 63 characters.
pub(super) fn bucket_name(id: &str, p: &Value, stack_name: &str) -> String {
    if let Some(name) = scalar(&p["BucketName"]) {
        return name;
    }
    let name: String = format!("{stack_name}-{id}")
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(MAX_NAME_LENGTH)
        .collect();
    // A name begins and ends with a letter or a digit.
    name.trim_matches('-').to_owned()
}

/// Creates (or, left by an earlier run, reuses) the bucket `id` with its resolved
/// properties `p`; its `Ref` is its name, `Arn`, `DomainName` and
/// `RegionalDomainName` as S3's.
pub(super) async fn create_bucket(
    id: &str,
    p: &Value,
    resolver: &mut Resolver,
    s3: &aws_sdk_s3::Client,
) -> Result<(), ProvisionError> {
    let name = bucket_name(id, p, &resolver.stack_name);
    match s3.create_bucket().bucket(&name).send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error().is_some_and(|e| {
                e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()
            }) =>
        {
            tracing::warn!(bucket = %name, "bucket exists already: reusing it");
        }
        Err(e) => return Err(fail(id, e)),
    }
    if let Some(status) = scalar(&p["VersioningConfiguration"]["Status"]) {
        let versioning = VersioningConfiguration::builder()
            .status(BucketVersioningStatus::from(status.as_str()))
            .build();
        s3.put_bucket_versioning()
            .bucket(&name)
            .versioning_configuration(versioning)
            .send()
            .await
            .map_err(|e| fail(id, e))?;
    }
    let block = &p["PublicAccessBlockConfiguration"];
    if block.is_object() {
        let flag = |field: &str| scalar(&block[field]).is_some_and(|v| v == "true");
        let configuration = PublicAccessBlockConfiguration::builder()
            .block_public_acls(flag("BlockPublicAcls"))
            .ignore_public_acls(flag("IgnorePublicAcls"))
            .block_public_policy(flag("BlockPublicPolicy"))
            .restrict_public_buckets(flag("RestrictPublicBuckets"))
            .build();
        s3.put_public_access_block()
            .bucket(&name)
            .public_access_block_configuration(configuration)
            .send()
            .await
            .map_err(|e| fail(id, e))?;
    }
    for (attribute, value) in [
        ("Arn", format!("arn:aws:s3:::{name}")),
        ("DomainName", format!("{name}.s3.amazonaws.com")),
        (
            "RegionalDomainName",
            format!("{name}.s3.{REGION}.amazonaws.com"),
        ),
    ] {
        resolver.attrs.insert(format!("{id}.{attribute}"), value);
    }
    resolver.refs.insert(id.to_owned(), name);
    Ok(())
}

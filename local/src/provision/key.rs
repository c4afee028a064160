//! `AWS::KMS::Key`: a key of the template's `KeySpec` and `KeyUsage` on moto. moto
//! makes a new key id on every `CreateKey`, so the key is found again on the next run
//! against the same emulators: it carries the tags `bank:logical-id` and
//! `bank:stack-name`, and an alias `alias/bank/<stack>/<logical id>` that finds it in
//! one call. A key found so, enabled and of the same spec and usage, is reused:
//! statements signed by an earlier run (still in moto's S3) keep verifying. The
//! template's `KeyPolicy` names IAM roles that do not exist locally and is not set.

use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState, KeyUsageType, Tag};
use serde_json::Value;

use super::{ProvisionError, fail};
use crate::template::{Resolver, scalar};

/// The tags a local key carries.
pub const LOGICAL_ID_TAG: &str = "bank:logical-id";
pub const STACK_NAME_TAG: &str = "bank:stack-name";

/// The alias of the key `id` of stack `stack_name` (only what KMS accepts in an alias
/// name, `[a-zA-Z0-9/_-]`, is kept; anything else becomes `-`).
pub fn alias_name(stack_name: &str, id: &str) -> String {
    let name: String = format!("{stack_name}/{id}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("alias/bank/{name}")
}

/// Creates (or reuses, see the module) the key `id` with its resolved properties `p`.
/// Its `Ref` and `KeyId` are the key id, its `Arn` moto's ARN.
pub(super) async fn create_key(
    id: &str,
    p: &Value,
    resolver: &mut Resolver,
    kms: &aws_sdk_kms::Client,
) -> Result<(), ProvisionError> {
    let spec = KeySpec::from(
        scalar(&p["KeySpec"])
            .as_deref()
            .unwrap_or("SYMMETRIC_DEFAULT"),
    );
    let usage = KeyUsageType::from(
        scalar(&p["KeyUsage"])
            .as_deref()
            .unwrap_or("ENCRYPT_DECRYPT"),
    );
    let alias = alias_name(&resolver.stack_name, id);
    let existing = match kms.describe_key().key_id(&alias).send().await {
        Ok(described) => described.key_metadata().cloned(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            None
        }
        Err(e) => return Err(fail(id, e)),
    };
    let reusable = match &existing {
        Some(key) => is_reusable(kms, key, &spec, &usage, (id, &resolver.stack_name)).await,
        None => false,
    };
    let key = match existing {
        Some(key) if reusable => {
            tracing::info!(key = %alias, "key exists already: reusing it");
            key
        }
        existing => {
            let key = new_key(id, p, &resolver.stack_name, (spec, usage), kms).await?;
            point_alias(kms, (id, &alias), key.key_id(), existing.is_some()).await?;
            key
        }
    };
    let key_id = key.key_id().to_owned();
    resolver.attrs.insert(format!("{id}.KeyId"), key_id.clone());
    resolver.attrs.insert(
        format!("{id}.Arn"),
        key.arn().unwrap_or_default().to_owned(),
    );
    resolver.refs.insert(id.to_owned(), key_id);
    Ok(())
}

/// Whether `key` is this stack's key `id` (by its tags), enabled, with `spec` and
/// `usage`.
async fn is_reusable(
    kms: &aws_sdk_kms::Client,
    key: &KeyMetadata,
    spec: &KeySpec,
    usage: &KeyUsageType,
    (id, stack_name): (&str, &str),
) -> bool {
    let usable = key.key_state() == Some(&KeyState::Enabled)
        && key.key_spec() == Some(spec)
        && key.key_usage() == Some(usage);
    if !usable {
        return false;
    }
    let Ok(tags) = kms.list_resource_tags().key_id(key.key_id()).send().await else {
        return false;
    };
    let tag = |name: &str| {
        tags.tags()
            .iter()
            .find(|t| t.tag_key() == name)
            .map(Tag::tag_value)
    };
    tag(LOGICAL_ID_TAG) == Some(id) && tag(STACK_NAME_TAG) == Some(stack_name)
}

/// Points `alias` at `key_id`: a new alias, or one that named another key.
async fn point_alias(
    kms: &aws_sdk_kms::Client,
    (id, alias): (&str, &str),
    key_id: &str,
    exists: bool,
) -> Result<(), ProvisionError> {
    if exists {
        let request = kms.update_alias().alias_name(alias).target_key_id(key_id);
        request.send().await.map_err(|e| fail(id, e))?;
    } else {
        let request = kms.create_alias().alias_name(alias).target_key_id(key_id);
        request.send().await.map_err(|e| fail(id, e))?;
    }
    Ok(())
}

async fn new_key(
    id: &str,
    p: &Value,
    stack_name: &str,
    (spec, usage): (KeySpec, KeyUsageType),
    kms: &aws_sdk_kms::Client,
) -> Result<KeyMetadata, ProvisionError> {
    let tag = |key: &str, value: &str| {
        Tag::builder()
            .tag_key(key)
            .tag_value(value)
            .build()
            .map_err(|e| fail(id, e))
    };
    kms.create_key()
        .key_spec(spec)
        .key_usage(usage)
        .set_description(scalar(&p["Description"]))
        .tags(tag(LOGICAL_ID_TAG, id)?)
        .tags(tag(STACK_NAME_TAG, stack_name)?)
        .send()
        .await
        .map_err(|e| fail(id, e))?
        .key_metadata()
        .cloned()
        .ok_or_else(|| fail(id, "CreateKey answered no key"))
}

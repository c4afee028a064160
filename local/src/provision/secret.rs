//! `AWS::SecretsManager::Secret`: the secret on moto.

use serde_json::Value;

use super::{Clients, ProvisionError, fail};
use crate::template::{Resolver, scalar};

/// A secret, its value as `GenerateSecretString` asks (`GetRandomPassword` with the
/// same options, as CloudFormation does) or `SecretString`. `!Ref` is its ARN.
pub(super) async fn create_secret(
    id: &str,
    p: &Value,
    resolver: &mut Resolver,
    clients: &Clients,
) -> Result<(), ProvisionError> {
    let name = scalar(&p["Name"]).unwrap_or_else(|| format!("{}-{id}", resolver.stack_name));
    let value = match scalar(&p["SecretString"]) {
        Some(value) => value,
        None => {
            let g = &p["GenerateSecretString"];
            let flag = |field: &str| scalar(&g[field]).map(|v| v == "true");
            let length = crate::template::integer(&g["PasswordLength"]).unwrap_or(32);
            clients
                .secretsmanager
                .get_random_password()
                .password_length(length)
                .set_exclude_characters(scalar(&g["ExcludeCharacters"]))
                .set_exclude_punctuation(flag("ExcludePunctuation"))
                .set_exclude_uppercase(flag("ExcludeUppercase"))
                .set_exclude_lowercase(flag("ExcludeLowercase"))
                .set_exclude_numbers(flag("ExcludeNumbers"))
                .set_include_space(flag("IncludeSpace"))
                .set_require_each_included_type(flag("RequireEachIncludedType"))
                .send()
                .await
                .map_err(|e| fail(id, e))?
                .random_password()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let created = clients
        .secretsmanager
        .create_secret()
        .name(&name)
        .set_description(scalar(&p["Description"]))
        .secret_string(value)
        .send()
        .await;
    let arn = match created {
        Ok(created) => created.arn().unwrap_or_default().to_owned(),
        // Emulators left running by an earlier run: reuse the secret as it is.
        Err(e) if format!("{e:?}").contains("ResourceExistsException") => {
            tracing::warn!(secret = %name, "secret exists already: reusing it");
            clients
                .secretsmanager
                .describe_secret()
                .secret_id(&name)
                .send()
                .await
                .map_err(|e| fail(id, e))?
                .arn()
                .unwrap_or_default()
                .to_owned()
        }
        Err(e) => return Err(fail(id, e)),
    };
    resolver.attrs.insert(format!("{id}.Id"), arn.clone());
    resolver.refs.insert(id.to_owned(), arn);
    Ok(())
}

//! AppSync's authorization of a GraphQL API: its auth modes (the template's
//! `AuthenticationType`, the default, and `AdditionalAuthenticationProviders`), who a
//! request is and the `identity` its resolvers get, and the schema's auth directives
//! applied field by field as AppSync applies them:
//!
//! - a field's own auth directives decide; a field without any takes its type's; a
//!   type without any allows the default mode only (a directive on a type replaces
//!   the default mode there: the default must be named too to stay allowed);
//! - the object type a field returns must allow the caller too;
//! - `@aws_cognito_user_pools(cognito_groups: [...])` (and the older `@aws_auth`)
//!   allow only users in one of the groups.
//!
//! A field the caller may not select is null with AppSync's error, `errorType`
//! `Unauthorized` and `Not Authorized to access <field> on type <Type>` (the type
//! whose rule refused: the parent's, or the returned one's).

use std::collections::HashMap;

use apollo_compiler::Schema;
use apollo_compiler::ast::Directive;
use apollo_compiler::schema::ExtendedType;
use serde_json::{Value, json};
use shared::auth::Claims;

use crate::iam;
use crate::template::ACCOUNT_ID;

/// An auth mode of a GraphQL API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    CognitoUserPools,
    Iam,
    ApiKey,
    Oidc,
    Lambda,
}

impl Mode {
    /// The mode a template's `AuthenticationType` names.
    pub fn from_template(name: &str) -> Option<Self> {
        Some(match name {
            "AMAZON_COGNITO_USER_POOLS" => Self::CognitoUserPools,
            "AWS_IAM" => Self::Iam,
            "API_KEY" => Self::ApiKey,
            "OPENID_CONNECT" => Self::Oidc,
            "AWS_LAMBDA" => Self::Lambda,
            _ => return None,
        })
    }

    /// The mode a schema directive names.
    fn from_directive(name: &str) -> Option<Self> {
        Some(match name {
            "aws_cognito_user_pools" | "aws_auth" => Self::CognitoUserPools,
            "aws_iam" => Self::Iam,
            "aws_api_key" => Self::ApiKey,
            "aws_oidc" => Self::Oidc,
            "aws_lambda" => Self::Lambda,
            _ => return None,
        })
    }
}

/// Who sent a request, as one of the API's auth modes found them.
#[derive(Clone)]
pub enum Requester {
    /// A Cognito user (a valid IdToken of the stack's pool).
    Cognito(Box<Claims>),
    /// The local IAM principal (a valid SigV4 signature: see [`iam::LocalIam`]).
    Iam,
}

/// The claims hold personal data: `Debug` shows the mode only.
impl std::fmt::Debug for Requester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Requester({:?})", self.mode())
    }
}

impl Requester {
    /// The auth mode that let the request in.
    pub const fn mode(&self) -> Mode {
        match self {
            Self::Cognito(_) => Mode::CognitoUserPools,
            Self::Iam => Mode::Iam,
        }
    }

    /// The resolver context's `identity`, as AppSync builds it for this mode.
    pub fn identity(&self, source_ip: &str) -> Value {
        match self {
            Self::Cognito(claims) => cognito_identity(claims, source_ip),
            Self::Iam => json!({
                "accountId": ACCOUNT_ID,
                "cognitoIdentityAuthProvider": null,
                "cognitoIdentityAuthType": null,
                "cognitoIdentityId": null,
                "cognitoIdentityPoolId": null,
                "sourceIp": [source_ip],
                "userArn": iam::user_arn(),
                "username": iam::USER_NAME,
            }),
        }
    }
}

/// A Cognito user's `identity` (claims as the token has them).
fn cognito_identity(claims: &Claims, source_ip: &str) -> Value {
    let mut raw = json!({
        "sub": claims.sub,
        "iss": claims.iss,
        "aud": claims.aud,
        "token_use": claims.token_use,
        "exp": claims.exp,
        "iat": claims.iat,
    });
    if let Some(username) = &claims.username {
        raw["cognito:username"] = json!(username);
    }
    if let Some(email) = &claims.email {
        raw["email"] = json!(email);
    }
    if !claims.groups.is_empty() {
        raw["cognito:groups"] = json!(claims.groups);
    }
    json!({
        "claims": raw,
        "defaultAuthStrategy": "ALLOW",
        "groups": if claims.groups.is_empty() { Value::Null } else { json!(claims.groups) },
        "issuer": claims.iss,
        "sourceIp": [source_ip],
        "sub": claims.sub,
        "username": claims.username,
    })
}

/// What a type or field allows: its modes, and the Cognito groups it requires.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    modes: Vec<Mode>,
    /// `None`: any user of the pool.
    cognito_groups: Option<Vec<String>>,
}

impl Rule {
    /// The rule `directives` state; `None` when they name no auth mode.
    fn of<'a>(directives: impl Iterator<Item = &'a Directive>) -> Option<Self> {
        let mut rule = Self {
            modes: Vec::new(),
            cognito_groups: Some(Vec::new()),
        };
        for directive in directives {
            let Some(mode) = Mode::from_directive(directive.name.as_str()) else {
                continue;
            };
            if mode == Mode::CognitoUserPools {
                let groups = directive
                    .specified_argument_by_name("cognito_groups")
                    .and_then(|v| v.as_list())
                    .map(|list| list.iter().filter_map(|g| g.as_str().map(str::to_owned)));
                match (groups, rule.cognito_groups.as_mut()) {
                    (Some(groups), Some(all)) => all.extend(groups),
                    // A Cognito directive without groups allows every user.
                    _ => rule.cognito_groups = None,
                }
            }
            if !rule.modes.contains(&mode) {
                rule.modes.push(mode);
            }
        }
        (!rule.modes.is_empty()).then_some(rule)
    }

    /// The rule of a type or field without auth directives: the default mode.
    fn default_mode(mode: Mode) -> Self {
        Self {
            modes: vec![mode],
            cognito_groups: None,
        }
    }

    fn allows(&self, who: &Requester) -> bool {
        if !self.modes.contains(&who.mode()) {
            return false;
        }
        match (who, &self.cognito_groups) {
            (Requester::Cognito(claims), Some(required)) => {
                claims.groups.iter().any(|g| required.contains(g))
            }
            _ => true,
        }
    }
}

/// The schema's auth rules, read once when the schema is loaded.
#[derive(Debug, Clone)]
pub struct Directives {
    default: Rule,
    /// Every object type's rule (the default mode's when it names none).
    types: HashMap<String, Rule>,
    /// The fields with auth directives of their own, by type and field.
    fields: HashMap<String, HashMap<String, Rule>>,
}

impl Directives {
    /// The rules of `schema`'s object types and fields, `default` the API's mode.
    pub fn read(schema: &Schema, default: Mode) -> Self {
        let default = Rule::default_mode(default);
        let mut types = HashMap::new();
        let mut fields = HashMap::new();
        for (name, ty) in &schema.types {
            let ExtendedType::Object(object) = ty else {
                continue;
            };
            let rule = Rule::of(object.directives.iter().map(|d| &***d));
            types.insert(name.to_string(), rule.unwrap_or_else(|| default.clone()));
            let own: HashMap<String, Rule> = object
                .fields
                .iter()
                .filter_map(|(field, definition)| {
                    let rule = Rule::of(definition.directives.iter().map(|d| &**d))?;
                    Some((field.to_string(), rule))
                })
                .collect();
            if !own.is_empty() {
                fields.insert(name.to_string(), own);
            }
        }
        Self {
            default,
            types,
            fields,
        }
    }

    /// Whether `who` may select `field` of the object type `parent`, its value of the
    /// named type `returns`; AppSync's refusal message otherwise.
    pub fn check(
        &self,
        who: &Requester,
        parent: &str,
        field: &str,
        returns: &str,
    ) -> Result<(), String> {
        if field.starts_with("__") {
            return Ok(());
        }
        let rule = self
            .fields
            .get(parent)
            .and_then(|own| own.get(field))
            .or_else(|| self.types.get(parent))
            .unwrap_or(&self.default);
        if !rule.allows(who) {
            return Err(refusal(field, parent));
        }
        // Scalars and enums have no rule; an object type has one.
        match self.types.get(returns) {
            Some(rule) if !rule.allows(who) => Err(refusal(field, returns)),
            _ => Ok(()),
        }
    }
}

/// AppSync's message for a field the caller may not select.
fn refusal(field: &str, ty: &str) -> String {
    format!("Not Authorized to access {field} on type {ty}")
}

#[cfg(test)]
#[path = "auth_tests.rs"]
pub(super) mod tests;

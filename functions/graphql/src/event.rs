//! What AppSync hands a direct Lambda resolver: the resolver context of one field
//! (`Invoke`), or a list of them (`BatchInvoke`, for `Account.transactions` on a page
//! of accounts). Read into our own structs: `aws_lambda_events`' `AppSyncIdentity` is
//! an untagged enum that reads a Cognito identity as IAM.

use serde::Deserialize;
use serde_json::{Map, Value};
use shared::app::Caller;
use shared::domain::UserId;

/// Cognito group whose members are operators.
const OPERATORS: &str = "admin";

/// The context of one field.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolverEvent {
    #[serde(default)]
    pub arguments: Map<String, Value>,
    #[serde(default)]
    pub identity: Option<Identity>,
    /// The parent object's resolved value (`Account` for `Account.transactions`).
    #[serde(default)]
    pub source: Option<Value>,
    pub info: Info,
}

/// Which field is resolved.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub field_name: String,
    pub parent_type_name: String,
    #[serde(default)]
    pub selection_set_list: Vec<String>,
}

/// The caller as AppSync's auth mode found them: a Cognito user (`sub`, groups) or,
/// for IAM, a principal without either.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    #[serde(default)]
    pub claims: Option<Map<String, Value>>,
}

impl Identity {
    /// The Cognito user, if the caller is one.
    pub fn caller(&self) -> Option<Caller> {
        let sub = self.sub.as_deref().filter(|s| !s.is_empty())?;
        let claimed = self
            .claims
            .as_ref()
            .and_then(|c| c.get("cognito:groups"))
            .and_then(Value::as_array);
        let operator = self.groups.iter().flatten().any(|g| g == OPERATORS)
            || claimed
                .into_iter()
                .flatten()
                .any(|g| g.as_str() == Some(OPERATORS));
        Some(Caller {
            user_id: UserId::new(sub),
            operator,
        })
    }
}

impl ResolverEvent {
    /// `parentTypeName.fieldName`.
    pub fn field(&self) -> String {
        format!("{}.{}", self.info.parent_type_name, self.info.field_name)
    }

    /// Argument `name` as text, if given and not null.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.arguments.get(name).and_then(Value::as_str)
    }

    /// Argument `name` as an integer, if given and not null.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.arguments.get(name).and_then(Value::as_i64)
    }

    /// Argument `name` as an object.
    pub fn object(&self, name: &str) -> Option<&Map<String, Value>> {
        self.arguments.get(name).and_then(Value::as_object)
    }
}

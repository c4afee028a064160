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

/// The caller as AppSync's auth mode found them: a Cognito user (`sub`, groups) or an
/// IAM principal (`userArn`, `accountId`, and for Cognito identity pools the
/// `cognitoIdentity*` fields; never a `sub`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    #[serde(default)]
    pub claims: Option<Map<String, Value>>,
    /// The IAM principal's ARN (IAM mode only).
    #[serde(default)]
    pub user_arn: Option<String>,
}

/// Who is asking, per auth mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A Cognito user: their own accounts; an operator (group `admin`) audits any.
    User(Caller),
    /// An IAM principal: a trusted backend caller (operators' tools, other services)
    /// that reads any account as an operator does, and owns and records nothing. Its
    /// user id is [`IAM_USER_PREFIX`] and its ARN: never a Cognito `sub` (a UUID).
    Iam(Caller),
}

/// What an IAM principal's user id starts with.
pub const IAM_USER_PREFIX: &str = "iam:";

impl Principal {
    /// The application's caller.
    pub const fn caller(&self) -> &Caller {
        match self {
            Self::User(caller) | Self::Iam(caller) => caller,
        }
    }
}

impl Identity {
    /// The caller: a Cognito user (a `sub`, no `userArn`) or an IAM principal (a
    /// `userArn`, no `sub`); `None` for anything else, which AppSync never builds.
    pub fn principal(&self) -> Option<Principal> {
        let present = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        match (present(&self.sub), present(&self.user_arn)) {
            (Some(sub), None) => Some(Principal::User(Caller {
                user_id: UserId::new(sub),
                operator: self.is_operator(),
            })),
            (None, Some(arn)) => Some(Principal::Iam(Caller {
                user_id: UserId::new(format!("{IAM_USER_PREFIX}{arn}")),
                operator: true,
            })),
            _ => None,
        }
    }

    /// Whether the Cognito user is in the operators' group.
    fn is_operator(&self) -> bool {
        let claimed = self
            .claims
            .as_ref()
            .and_then(|c| c.get("cognito:groups"))
            .and_then(Value::as_array);
        self.groups.iter().flatten().any(|g| g == OPERATORS)
            || claimed
                .into_iter()
                .flatten()
                .any(|g| g.as_str() == Some(OPERATORS))
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

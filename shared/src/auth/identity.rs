//! Who is calling: the Cognito `sub`, e-mail and groups, from API Gateway's authorizer
//! claims or from a verified IdToken.

use crate::domain::UserId;
use serde_json::{Map, Value};

use super::jwt::AuthError;

/// The Cognito group whose members may record ADJUSTMENT transactions.
pub const ADMIN_GROUP: &str = "admin";

/// The authenticated caller.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    /// The Cognito `sub`: stable, unique, never reassigned. Owner of accounts.
    pub user_id: UserId,
    /// The `email` claim when the app client may read it. Never log it.
    pub email: Option<String>,
    /// The caller's Cognito groups (`cognito:groups`).
    pub groups: Vec<String>,
}

impl Identity {
    /// Member of the Cognito group `admin`.
    pub fn is_admin(&self) -> bool {
        self.groups.iter().any(|g| g == ADMIN_GROUP)
    }

    /// The caller as the application knows them.
    #[cfg(feature = "app")]
    pub fn caller(&self) -> crate::app::Caller {
        crate::app::Caller {
            user_id: self.user_id.clone(),
            operator: self.is_admin(),
        }
    }

    /// The identity API Gateway's Cognito authorizer vouches for, from the
    /// `requestContext.authorizer.claims` object (values are strings there).
    pub(crate) fn from_authorizer_claims(claims: &Value) -> Result<Self, AuthError> {
        let claims: &Map<String, Value> = claims.as_object().ok_or(AuthError::MalformedClaims)?;
        let user_id = claims
            .get("sub")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|sub| !sub.is_empty())
            .ok_or(AuthError::MissingSubject)?
            .to_owned();
        let email = claims
            .get("email")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
            .map(str::to_owned);
        let groups = claims
            .get("cognito:groups")
            .map(parse_groups)
            .unwrap_or_default();
        Ok(Self {
            user_id: UserId::new(user_id),
            email,
            groups,
        })
    }
}

/// The e-mail address is personal data: `Debug` shows whether it is known, not what it is.
impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("user_id", &self.user_id)
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("groups", &self.groups)
            .finish()
    }
}

/// `cognito:groups` as API Gateway or a token carries it: a JSON array of strings, or
/// one string such as `"admin"`, `"admin,tellers"`, `"[admin tellers]"` or
/// `"[\"admin\",\"tellers\"]"`. Empty names are dropped.
pub fn parse_groups(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect(),
        Value::String(text) => parse_group_text(text),
        _ => Vec::new(),
    }
}

fn parse_group_text(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.starts_with('[')
        && let Ok(items @ Value::Array(_)) = serde_json::from_str::<Value>(text)
    {
        return parse_groups(&items);
    }
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    inner
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|g| g.trim_matches('"'))
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn groups(value: Value) -> Vec<String> {
        parse_groups(&value)
    }

    #[test]
    fn groups_are_read_from_every_shape_api_gateway_uses() {
        let both = vec!["admin".to_owned(), "tellers".to_owned()];
        assert_eq!(groups(json!("admin")), vec!["admin".to_owned()]);
        assert_eq!(groups(json!("admin,tellers")), both);
        assert_eq!(groups(json!("admin, tellers")), both);
        assert_eq!(groups(json!("[admin tellers]")), both);
        assert_eq!(groups(json!("[admin, tellers]")), both);
        assert_eq!(groups(json!(r#"["admin","tellers"]"#)), both);
        assert_eq!(groups(json!(["admin", "tellers"])), both);
    }

    #[test]
    fn empty_or_odd_group_values_mean_no_groups() {
        for value in [
            json!(""),
            json!("[]"),
            json!("  "),
            json!([]),
            json!(null),
            json!(7),
            json!({}),
        ] {
            assert!(groups(value.clone()).is_empty(), "{value}");
        }
        assert_eq!(groups(json!(["", " admin ", 3])), vec!["admin".to_owned()]);
    }

    #[test]
    fn only_the_exact_admin_group_makes_an_admin() {
        let identity = |groups: &[&str]| Identity {
            user_id: UserId::new("u"),
            email: None,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        };
        assert!(identity(&["tellers", "admin"]).is_admin());
        assert!(!identity(&["administrators", "Admin", "admin "]).is_admin());
        assert!(!identity(&[]).is_admin());
    }

    #[test]
    fn authorizer_claims_give_the_sub_email_and_groups() {
        let identity = Identity::from_authorizer_claims(&json!({
            "sub": "0f4e-sub",
            "email": "a@holder.example",
            "cognito:groups": "[admin tellers]",
            "token_use": "id"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(identity.user_id, "0f4e-sub");
        assert_eq!(identity.email.as_deref(), Some("a@holder.example"));
        assert!(identity.is_admin());
    }

    #[test]
    fn authorizer_claims_without_a_sub_are_refused() {
        for claims in [
            json!({"email": "a@b.c"}),
            json!({"sub": ""}),
            json!({"sub": 5}),
            json!("sub"),
        ] {
            assert!(
                Identity::from_authorizer_claims(&claims).is_err(),
                "{claims}"
            );
        }
    }

    #[test]
    fn debug_output_never_shows_the_email_address() {
        let identity = Identity {
            user_id: UserId::new("u-1"),
            email: Some("secret@holder.example".to_owned()),
            groups: vec![],
        };
        let shown = format!("{identity:?}");
        assert!(shown.contains("u-1"));
        assert!(!shown.contains("secret@holder.example"));
    }
}

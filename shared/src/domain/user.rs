//! [`UserId`]: who a user is, the Cognito `sub` of their login.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A user: the Cognito `sub` (stable, unique, never reassigned). Owner of accounts,
/// recorder of transactions, holder told about them, operator changing a status: one
/// type for every role one `sub` plays. Taken as given from a verified token or a
/// stored item (Cognito decides its form); never parsed from a client's text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// The user whose `sub` is `sub`.
    pub fn new(sub: impl Into<String>) -> Self {
        Self(sub.into())
    }

    /// The `sub` text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Read as its text where text is wanted (a key, a filter, a log field); a text
/// becomes a `UserId` only through [`UserId::new`].
impl std::ops::Deref for UserId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&UserId> for String {
    fn from(user: &UserId) -> Self {
        user.0.clone()
    }
}

impl PartialEq<&str> for UserId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_is_its_sub_in_text_and_json() {
        let user = UserId::new("7d3e1b2a-0000-4000-8000-000000000001");
        assert_eq!(user.to_string(), "7d3e1b2a-0000-4000-8000-000000000001");
        assert_eq!(user, "7d3e1b2a-0000-4000-8000-000000000001");
        let json = serde_json::to_string(&user).unwrap_or_default();
        assert_eq!(json, r#""7d3e1b2a-0000-4000-8000-000000000001""#);
        let back: Result<UserId, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(user));
    }
}

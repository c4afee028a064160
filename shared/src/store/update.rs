//! Building `UpdateItem` expressions: `SET`, `REMOVE` and `ADD` clauses with their
//! `#name` and `:value` placeholders, ready for `UpdateItem` or a transaction's
//! `types::Update`.
//!
//! ```
//! use shared::store::{UpdateExpression, n, s};
//!
//! let mut update = UpdateExpression::new();
//! update
//!     .set("st", "status", s("COMPLETED"))
//!     .add("v", "version", n(1))
//!     .remove("err", "errorCode")
//!     .value("pending", s("PENDING")); // used by the condition `#st = :pending`
//! assert_eq!(update.expression(), "SET #st = :st REMOVE #err ADD #v :v");
//! let (expression, names, values) = update.into_parts();
//! assert_eq!(names.get("#st").map(String::as_str), Some("status"));
//! assert_eq!(values.len(), 3);
//! # let _ = expression;
//! ```

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// An update expression and its placeholders.
///
/// Each clause takes a placeholder `name` (ASCII letters, digits, `_`; unique within
/// the expression), used as `#name` for the attribute and `:name` for its value, and
/// the attribute's real name, which may be anything (reserved words included).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateExpression {
    set: Vec<String>,
    remove: Vec<String>,
    add: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl UpdateExpression {
    /// An empty expression.
    pub fn new() -> Self {
        Self::default()
    }

    /// `SET #name = :name`, `#name` standing for `attribute`.
    pub fn set(&mut self, name: &str, attribute: &str, value: AttributeValue) -> &mut Self {
        self.set.push(format!("#{name} = :{name}"));
        self.name(name, attribute).value(name, value)
    }

    /// `REMOVE #name`, `#name` standing for `attribute`.
    pub fn remove(&mut self, name: &str, attribute: &str) -> &mut Self {
        self.remove.push(format!("#{name}"));
        self.name(name, attribute)
    }

    /// `ADD #name :name` (a number added, or elements added to a set).
    pub fn add(&mut self, name: &str, attribute: &str, value: AttributeValue) -> &mut Self {
        self.add.push(format!("#{name} :{name}"));
        self.name(name, attribute).value(name, value)
    }

    /// `SET` when `value` is given, else `REMOVE`: an optional attribute that must not
    /// keep a stale value.
    pub fn set_or_remove(
        &mut self,
        name: &str,
        attribute: &str,
        value: Option<AttributeValue>,
    ) -> &mut Self {
        match value {
            Some(value) => self.set(name, attribute, value),
            None => self.remove(name, attribute),
        }
    }

    /// A `#name` placeholder for `attribute` without a clause (for a condition
    /// expression sent with the update).
    pub fn name(&mut self, name: &str, attribute: &str) -> &mut Self {
        debug_assert!(is_placeholder(name), "invalid placeholder name {name:?}");
        self.names.insert(format!("#{name}"), attribute.to_owned());
        self
    }

    /// A `:name` placeholder for `value` without a clause (for a condition expression
    /// sent with the update).
    pub fn value(&mut self, name: &str, value: AttributeValue) -> &mut Self {
        debug_assert!(is_placeholder(name), "invalid placeholder name {name:?}");
        self.values.insert(format!(":{name}"), value);
        self
    }

    /// No clause yet (DynamoDB refuses an empty update expression).
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty() && self.add.is_empty()
    }

    /// `SET … REMOVE … ADD …`, the clauses in the order they were added.
    pub fn expression(&self) -> String {
        [
            ("SET", &self.set),
            ("REMOVE", &self.remove),
            ("ADD", &self.add),
        ]
        .into_iter()
        .filter(|(_, actions)| !actions.is_empty())
        .map(|(keyword, actions)| format!("{keyword} {}", actions.join(", ")))
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// The `#name` placeholders (`expression_attribute_names`).
    pub fn names(&self) -> HashMap<String, String> {
        self.names.clone()
    }

    /// The `:name` placeholders (`expression_attribute_values`).
    pub fn values(&self) -> HashMap<String, AttributeValue> {
        self.values.clone()
    }

    /// The expression, its names and its values, for
    /// `update_expression(..).set_expression_attribute_names(Some(..))
    /// .set_expression_attribute_values(Some(..))`.
    pub fn into_parts(
        self,
    ) -> (
        String,
        HashMap<String, String>,
        HashMap<String, AttributeValue>,
    ) {
        (self.expression(), self.names, self.values)
    }
}

fn is_placeholder(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{n, s};

    #[test]
    fn clauses_come_out_in_dynamodb_syntax_with_their_placeholders() {
        let mut update = UpdateExpression::new();
        update
            .set("status", "status", s("COMPLETED"))
            .set("email", "email", s("SENT"))
            .remove("emailErrorCode", "emailErrorCode")
            .add("count", "sendCount", n(1));
        assert_eq!(
            update.expression(),
            "SET #status = :status, #email = :email REMOVE #emailErrorCode ADD #count :count"
        );
        assert_eq!(
            update.names().get("#count").map(String::as_str),
            Some("sendCount")
        );
        assert_eq!(update.values().get(":count"), Some(&n(1)));
        assert_eq!(update.values().len(), 3);
        assert_eq!(update.names().len(), 4);
    }

    #[test]
    fn an_absent_optional_value_removes_the_attribute() {
        let mut update = UpdateExpression::new();
        update
            .set_or_remove("id", "providerId", Some(s("m-1")))
            .set_or_remove("code", "errorCode", None);
        assert_eq!(update.expression(), "SET #id = :id REMOVE #code");
        assert!(!update.values().contains_key(":code"));
        assert_eq!(
            update.names().get("#code").map(String::as_str),
            Some("errorCode")
        );
    }

    #[test]
    fn condition_placeholders_travel_with_the_update_without_adding_a_clause() {
        let mut update = UpdateExpression::new();
        assert!(update.is_empty());
        update.name("id", "notificationId").value("now", n(5));
        assert!(update.is_empty());
        assert_eq!(update.expression(), "");
        update.set("st", "status", s("IN_PROGRESS"));
        let (expression, names, values) = update.into_parts();
        assert_eq!(expression, "SET #st = :st");
        assert_eq!(names.len(), 2);
        assert_eq!(values.get(":now"), Some(&n(5)));
    }

    #[test]
    fn only_plain_words_are_placeholder_names() {
        assert!(is_placeholder("emailErrorCode") && is_placeholder("to_balance2"));
        assert!(!is_placeholder("") && !is_placeholder("a#b") && !is_placeholder("x y"));
    }
}
